/// A route's `webhook:`: where stream open and close notifications are posted, and how hard to try.
public struct WebhookSettings: Sendable, Hashable {
    /// `http://` or `https://` URL the JSON notifications are posted to.
    public var url: String
    /// Name of the environment variable holding the HMAC-SHA256 signing secret; nil: notifications go unsigned.
    public var secretEnvironmentVariable: String?
    /// One attempt (connect, send, answer) must finish within this. Default: 5 s.
    public var timeout: Duration
    /// Attempts per notification, the first included. Default: 5.
    public var maxAttempts: Int
    /// Wait before the first retry; each further retry waits twice as long (capped at 30 s). Default: 500 ms.
    public var backoff: Duration
    /// Notifications waiting to be sent; past it the oldest is dropped (and counted). Default: 1000.
    public var queueSize: Int
    /// PEM file of CAs that verify an `https` receiver, instead of the system's. Default: nil.
    public var caFile: String?

    public init(url: String, secretEnvironmentVariable: String? = nil, timeout: Duration = .seconds(5), maxAttempts: Int = 5,
                backoff: Duration = .milliseconds(500), queueSize: Int = 1000, caFile: String? = nil) {
        self.url = url
        self.secretEnvironmentVariable = secretEnvironmentVariable
        self.timeout = timeout
        self.maxAttempts = maxAttempts
        self.backoff = backoff
        self.queueSize = queueSize
        self.caFile = caFile
    }
}
