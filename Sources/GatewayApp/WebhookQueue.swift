import GatewayConfig
import GatewayHTTP
import GatewayTLS
import GatewayUpstream
import Logging
import Metrics
import NIOCore
import Synchronization

/// One webhook receiver's notifications: a bounded queue sent one at a time, each retried with
/// exponential backoff.
///
/// A stream only calls `enqueue` (a lock and an append), so a slow or dead receiver never delays a
/// stream: the queue grows to `queueSize`, then drops its oldest notification for each new one and counts
/// it (`ssegate_webhook_dropped_total`). Sending runs on one event loop of the server's group.
///
/// Metrics, by `receiver` (host:port): `ssegate_webhook_notifications_total{result="sent"|"failed"}`,
/// `ssegate_webhook_retries_total`, `ssegate_webhook_dropped_total`, `ssegate_webhook_queued`.
final class WebhookQueue: Sendable {
    private let client: Result<WebhookClient, WebhookFailure>
    /// The signing key; a failure when the config names a variable that is not set (nothing is sent
    /// unsigned to a receiver that expects signatures).
    private let secret: Result<[UInt8]?, WebhookFailure>
    private let settings: WebhookSettings
    private let loop: any EventLoop
    private let logger: Logger

    private struct State {
        var pending: [StreamNotification] = []
        /// True while a notification is being sent or waits for a retry; the sender then takes the next.
        var sending = false
        /// The last notification given up on: logged once when this turns on, once when it turns off.
        var receiverFailing = false
    }

    private let state = Mutex(State())
    private let sent: Counter
    private let failed: Counter
    private let retries: Counter
    private let dropped: Counter
    private let queued: Meter

    init(settings: WebhookSettings, secret: String?, loop: any EventLoop, logger: Logger) {
        self.settings = settings
        self.loop = loop
        var logger = logger
        logger[metadataKey: "webhook"] = "\(settings.url)"
        self.logger = logger
        client = Result { () throws(WebhookFailure) -> WebhookClient in
            let endpoint: UpstreamEndpoint
            do { endpoint = try UpstreamEndpoint(settings.url) } catch { throw .invalidURL("\(error)") }
            var tls: TLSClientContext?
            if endpoint.secure {
                do { tls = try TLSClientContext(alpnProtocols: ["http/1.1"], trustRootsPath: settings.caFile) } catch {
                    throw .invalidURL("no TLS client context: \(error)")
                }
            }
            return WebhookClient(endpoint: endpoint, tls: tls, timeout: settings.timeout)
        }
        if let variable = settings.secretEnvironmentVariable {
            self.secret = secret.map { .success(Array($0.utf8)) } ?? .failure(.missingSecret(variable))
        } else {
            self.secret = .success(nil)
        }
        let receiver: [(String, String)] = [("receiver", (try? client.get().endpoint.authority) ?? settings.url)]
        sent = Counter(label: "ssegate_webhook_notifications_total", dimensions: receiver + [("result", "sent")])
        failed = Counter(label: "ssegate_webhook_notifications_total", dimensions: receiver + [("result", "failed")])
        retries = Counter(label: "ssegate_webhook_retries_total", dimensions: receiver)
        dropped = Counter(label: "ssegate_webhook_dropped_total", dimensions: receiver)
        queued = Meter(label: "ssegate_webhook_queued", dimensions: receiver)
    }

    /// Queues a notification (any thread); never waits for the network.
    func enqueue(_ notification: StreamNotification) {
        let (start, droppedOldest) = state.withLock { state -> (Bool, Bool) in
            state.pending.append(notification)
            let overflow = state.pending.count > settings.queueSize
            if overflow { state.pending.removeFirst() }
            defer { state.sending = true }
            return (!state.sending, overflow)
        }
        if droppedOldest { dropped.increment() } else { queued.increment() }
        if start { loop.execute { self.sendNext() } }
    }

    private func sendNext() {
        let next = state.withLock { state -> StreamNotification? in
            guard !state.pending.isEmpty else {
                state.sending = false
                return nil
            }
            return state.pending.removeFirst()
        }
        guard let next else { return }
        queued.decrement()
        switch prepare(next) {
        case .success(let (client, body, headers)):
            attempt(body, headers: headers, client: client, number: 1)
        case .failure(let problem):
            gaveUp(problem)
            // Through the loop, not recursion: a queue of notifications that all fail at once stays flat.
            loop.execute { self.sendNext() }
        }
    }

    /// The client, the JSON body and its headers (signed when there is a key), or why it cannot be sent.
    private func prepare(_ notification: StreamNotification) -> Result<(WebhookClient, ByteBuffer, [(String, String)]), any Error> {
        Result {
            let client = try self.client.get()
            let key = try secret.get()
            var body = ByteBuffer()
            notification.json.write(into: &body)
            var headers: [(String, String)] = [("x-ssegate-event", notification.kind.rawValue)]
            if let key {
                let signature = try HMACSHA256.hexAuthenticationCode(of: Array(body.readableBytesView), key: key)
                headers.append(("x-ssegate-signature", "sha256=" + signature))
            }
            return (client, body, headers)
        }
    }

    /// A notification is given up on: counted, and logged if the receiver was fine until now.
    private func gaveUp(_ problem: any Error) {
        failed.increment()
        let firstFailure = state.withLock { state in
            defer { state.receiverFailing = true }
            return !state.receiverFailing
        }
        if firstFailure {
            logger.warning("webhook receiver failing; notifications are dropped after their retries", metadata: ["error": "\(problem)"])
        }
    }

    private func delivered() {
        sent.increment()
        let recovered = state.withLock { state in
            defer { state.receiverFailing = false }
            return state.receiverFailing
        }
        if recovered { logger.notice("webhook receiver answering again") }
    }

    private func attempt(_ body: ByteBuffer, headers: [(String, String)], client: WebhookClient, number: Int) {
        client.post(body, headers: headers, on: loop).whenComplete { result in
            if case .success(let status) = result, (200..<300).contains(status) {
                self.delivered()
                self.sendNext()
            } else if number < self.settings.maxAttempts {
                self.retries.increment()
                self.loop.scheduleTask(in: TimeAmount(self.delay(beforeAttempt: number + 1))) {
                    self.attempt(body, headers: headers, client: client, number: number + 1)
                }
            } else {
                let problem: any Error = switch result {
                case .success(let status): WebhookFailure.status(status)
                case .failure(let error): error
                }
                self.gaveUp(problem)
                self.sendNext()
            }
        }
    }

    /// `backoff` before the second attempt, doubling for each further one, at most 30 s.
    func delay(beforeAttempt number: Int) -> Duration {
        let doublings = min(max(number - 2, 0), 20)
        return min(settings.backoff * (1 << doublings), .seconds(30))
    }
}
