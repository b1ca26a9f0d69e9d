import NIOCore

/// What the application decided; the protocol handler (HTTP/2 or HTTP/1.1) carries it out.
public enum Response: Sendable {
    /// A whole response with a known body.
    case complete(status: Int, headers: [(name: String, value: String)], body: ByteBuffer)
    /// A `text/event-stream` (or any long-lived body) that the opener writes into once the connection
    /// has a slot for it.
    case stream(any StreamOpener)
    /// The answer comes later (an engine behind the network); it completes on the connection's loop.
    case deferred(EventLoopFuture<Response>)

    /// A JSON body with the given status.
    public static func json(_ status: Int, _ body: JSONValue, headers: [(name: String, value: String)] = []) -> Response {
        var buffer = ByteBuffer()
        body.write(into: &buffer)
        buffer.writeStaticString("\n")
        return .complete(status: status, headers: [("content-type", "application/json")] + headers, body: buffer)
    }

    /// The status a complete response carries; 200 for streams, nil while deferred.
    public var status: Int? {
        switch self {
        case .complete(let status, _, _): status
        case .stream: 200
        case .deferred: nil
        }
    }

    /// Response headers of every event stream. `x-accel-buffering: no` tells buffering proxies (nginx) in
    /// front to pass bytes at once; HTTP/2 forbids connection-specific headers, so none are here.
    public static let eventStreamHeaders: [(name: String, value: String)] = [
        ("content-type", "text/event-stream; charset=utf-8"),
        ("cache-control", "no-cache"),
        ("x-accel-buffering", "no"),
    ]
}
