import GatewayHub

/// The hub registrations of one stream. Almost every stream has one channel, so one registration is held
/// as a plain reference and only several make an array: an array's storage is a separate 40-byte
/// allocation, and an idle stream's memory is what a million streams cost. (A multi-payload enum of class
/// references fits in one word: Swift keeps the case in the pointer's spare bits.)
enum StreamSubscriptions {
    case none
    case one(HubSubscription)
    case many([HubSubscription])

    var count: Int {
        switch self {
        case .none: 0
        case .one: 1
        case .many(let subscriptions): subscriptions.count
        }
    }

    /// The only registration of a single-channel stream; nil for none or several.
    var single: HubSubscription? {
        if case .one(let subscription) = self { subscription } else { nil }
    }

    mutating func append(_ subscription: HubSubscription) {
        switch self {
        case .none: self = .one(subscription)
        case .one(let first): self = .many([first, subscription])
        case .many(let subscriptions): self = .many(subscriptions + [subscription])
        }
    }

    /// Cancels every registration (the owner forgets them first, so no access to its storage overlaps).
    func cancelEach() {
        switch self {
        case .none: return
        case .one(let subscription): subscription.cancel()
        case .many(let subscriptions): for subscription in subscriptions { subscription.cancel() }
        }
    }
}
