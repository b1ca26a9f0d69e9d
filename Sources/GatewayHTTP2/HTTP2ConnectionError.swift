internal import CNGHTTP2

/// A connection-level failure: the caller writes whatever `collectOutput` still yields (usually a GOAWAY)
/// and closes the connection. Stream-level problems never surface as errors; they are RST_STREAMs.
///
/// A struct over a private enum so new cases do not break callers.
public struct HTTP2ConnectionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Which per-connection limit the peer ran through.
    public enum FloodKind: String, Sendable, Hashable {
        /// RST_STREAMs the server sent plus invalid frames received (MadeYouReset, CVE-2025-8671).
        case serverResets
        /// DATA frames with no payload and no END_STREAM (CVE-2019-9518).
        case emptyDataFrames
        /// Frames we parse and ignore: PRIORITY and unknown extension types.
        case ignoredFrames
        /// PING and SETTINGS frames, each of which must be acknowledged (CVE-2019-9512/9515).
        case acknowledgedFrames
        /// nghttp2's own limits: queued SETTINGS/PING ACKs (CVE-2019-9512/9515) and similar.
        case library
    }

    private enum Kind: Hashable, Sendable {
        case flood(FloodKind)
        case tooManyContinuations
        case callbackFailure
        case badClientMagic
        case protocolError(code: Int32, message: String)
        case setupFailed(code: Int32, message: String)
    }

    private let kind: Kind

    private init(_ kind: Kind) {
        self.kind = kind
    }

    /// The peer exceeded a flood limit; a GOAWAY(ENHANCE_YOUR_CALM) is queued when the limit is ours.
    public static func flood(_ kind: FloodKind) -> Self { Self(.flood(kind)) }
    /// More CONTINUATION frames than `maxContinuations` (CVE-2024-28182).
    public static let tooManyContinuations = Self(.tooManyContinuations)
    /// One of our callbacks asked nghttp2 to fail the session.
    public static let callbackFailure = Self(.callbackFailure)
    /// The connection did not start with the client preface (RFC 9113 §3.4).
    public static let badClientMagic = Self(.badClientMagic)

    /// True for every flood kind: the caller may count these separately (metrics, bans).
    public var isFlood: Bool {
        if case .flood = self.kind { return true }
        return false
    }

    /// The negative nghttp2 library error code behind this error, when there is one.
    public var libraryErrorCode: Int? {
        switch self.kind {
        case .protocolError(let code, _), .setupFailed(let code, _):
            return Int(code)
        case .flood(.library):
            return Int(NGHTTP2_ERR_FLOODED.rawValue)
        case .tooManyContinuations:
            return Int(NGHTTP2_ERR_TOO_MANY_CONTINUATIONS.rawValue)
        case .callbackFailure:
            return Int(NGHTTP2_ERR_CALLBACK_FAILURE.rawValue)
        case .badClientMagic:
            return Int(NGHTTP2_ERR_BAD_CLIENT_MAGIC.rawValue)
        case .flood:
            return nil
        }
    }

    public var description: String {
        switch self.kind {
        case .flood(let kind):
            return "HTTP/2 flood: \(kind.rawValue)"
        case .tooManyContinuations:
            return "HTTP/2 too many CONTINUATION frames"
        case .callbackFailure:
            return "HTTP/2 session callback failure"
        case .badClientMagic:
            return "HTTP/2 bad client preface"
        case .protocolError(let code, let message):
            return "HTTP/2 protocol error \(code): \(message)"
        case .setupFailed(let code, let message):
            return "HTTP/2 session setup failed \(code): \(message)"
        }
    }

    /// The one place nghttp2's negative return codes become Swift errors.
    init(libraryCode code: Int) {
        let code = Int32(truncatingIfNeeded: code)
        switch code {
        case NGHTTP2_ERR_FLOODED.rawValue:
            self.init(.flood(.library))
        case NGHTTP2_ERR_TOO_MANY_CONTINUATIONS.rawValue:
            self.init(.tooManyContinuations)
        case NGHTTP2_ERR_CALLBACK_FAILURE.rawValue:
            self.init(.callbackFailure)
        case NGHTTP2_ERR_BAD_CLIENT_MAGIC.rawValue:
            self.init(.badClientMagic)
        default:
            self.init(.protocolError(code: code, message: Self.libraryMessage(code)))
        }
    }

    /// A failure while creating the session (allocation, option or SETTINGS submission).
    static func setupFailed(libraryCode code: Int) -> Self {
        let code = Int32(truncatingIfNeeded: code)
        return Self(.setupFailed(code: code, message: Self.libraryMessage(code)))
    }

    private static func libraryMessage(_ code: Int32) -> String {
        String(cString: nghttp2_strerror(code))
    }
}
