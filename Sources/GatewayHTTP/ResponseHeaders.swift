import NIOCore

/// Headers the gateway adds on its own: those every answer of a connection carries, and those a middleware adds
/// to an answer it passes on.
public enum ResponseHeaders {
    /// What every answer carries, complete or stream, on both protocols: `x-content-type-options: nosniff`, so a
    /// browser never second-guesses a JSON error or an event stream as HTML (Fetch §3.5.2), and the listener's HSTS
    /// header where one is configured (RFC 6797 §6.1).
    static func everyResponse(hsts: StrictTransportSecurity?) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [("x-content-type-options", "nosniff")]
        if let hsts { headers.append(("strict-transport-security", hsts.headerValue)) }
        return headers
    }
}

extension Response {
    /// The same answer with `headers` added: to a complete answer's headers, to a stream's head (through a
    /// wrapping opener that is gone once the stream is open, so nothing per stream is kept), and to a deferred
    /// answer once it arrives.
    public func addingHeaders(_ headers: [(name: String, value: String)]) -> Response {
        guard !headers.isEmpty else { return self }
        switch self {
        case .complete(let status, let existing, let body):
            return .complete(status: status, headers: existing + headers, body: body)
        case .stream(let opener):
            return .stream(OpenerAddingHeaders(opener: opener, headers: opener.responseHeaders + headers))
        case .deferred(let future):
            return .deferred(future.map { $0.addingHeaders(headers) })
        }
    }
}

extension StreamOpener {
    /// None unless wrapped by `Response.addingHeaders(_:)`.
    public var responseHeaders: [(name: String, value: String)] { [] }
}

/// A stream opener with headers for the stream's head; opening it opens the wrapped one.
private struct OpenerAddingHeaders: StreamOpener {
    let opener: any StreamOpener
    let headers: [(name: String, value: String)]

    var responseHeaders: [(name: String, value: String)] { headers }

    func open(_ writer: StreamWriter, loop: LoopServices) -> any ResponseStream {
        opener.open(writer, loop: loop)
    }
}
