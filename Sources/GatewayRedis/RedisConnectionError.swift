/// A connection could not be opened, or ended with commands in flight. Whether a command that failed this
/// way ran on the server is unknown; it is the caller's to retry (the engine's writes are idempotent).
public struct RedisConnectionError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case connectFailed(String)
        case tlsFailed(String)
        case setupRejected(RedisServerError)
        case setupTimedOut
        case connectionClosed
        case replyTimedOut
        case protocolViolation(RESPDecodingError)
        case unexpectedReply
        case closing
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    /// TCP connect failed or timed out (refused, unreachable, name not resolved).
    public static func connectFailed(_ reason: String) -> Self { Self(.connectFailed(reason)) }
    /// The TLS handshake failed (certificate not trusted, wrong name, protocol error) or TLS broke later.
    public static func tlsFailed(_ reason: String) -> Self { Self(.tlsFailed(reason)) }
    /// `HELLO`/`AUTH`/`SELECT` was refused: wrong password (`WRONGPASS`), unknown user, bad database.
    public static func setupRejected(_ error: RedisServerError) -> Self { Self(.setupRejected(error)) }
    /// The server accepted the connection but did not answer the set-up commands in the connect timeout.
    public static let setupTimedOut = Self(.setupTimedOut)
    /// The connection dropped (server gone, killed, network) with this command unanswered, or was closed.
    public static let connectionClosed = Self(.connectionClosed)
    /// Commands were waiting and no reply came for the reply timeout: the server hangs or the network
    /// dropped without a reset. The connection was closed.
    public static let replyTimedOut = Self(.replyTimedOut)
    /// The server sent bytes that are not RESP or pass the decoder's limits; the connection was closed.
    public static func protocolViolation(_ error: RESPDecodingError) -> Self { Self(.protocolViolation(error)) }
    /// A reply arrived with no command waiting for it; the connection was closed.
    public static let unexpectedReply = Self(.unexpectedReply)
    /// The command was issued after `close()`.
    public static let closing = Self(.closing)

    /// The refusal behind `setupRejected`, e.g. `WRONGPASS invalid username-password pair`.
    public var serverError: RedisServerError? {
        if case .setupRejected(let error) = self.code { return error }
        return nil
    }

    public var description: String {
        switch self.code {
        case .connectFailed(let reason): return "Redis connect failed: \(reason)"
        case .tlsFailed(let reason): return "Redis TLS failed: \(reason)"
        case .setupRejected(let error): return "Redis refused the connection set-up: \(error.message)"
        case .setupTimedOut: return "Redis did not answer the connection set-up in time"
        case .connectionClosed: return "Redis connection closed with the command unanswered"
        case .replyTimedOut: return "Redis did not reply in time; the connection was closed"
        case .protocolViolation(let error): return "Redis protocol violation: \(error)"
        case .unexpectedReply: return "Redis sent a reply no command was waiting for"
        case .closing: return "Redis connection is closing"
        }
    }
}
