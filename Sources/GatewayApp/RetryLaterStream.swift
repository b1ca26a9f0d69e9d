import GatewayHTTP
import GatewaySSE
import NIOCore

/// The answer to a subscribe refused for a reason that passes (a limit the client is over for now): a
/// `200 text/event-stream` that carries a `retry:` hint and one `stream-error` event with the JSON error,
/// then ends.
///
/// A status like 429 or 503 would be truer to HTTP, but EventSource treats any answer other than a 200
/// event stream as final (WHATWG HTML §9.2.3) and never reconnects; this way the browser comes back after
/// the hint, and a page listening for `stream-error` learns why.
enum RetryLaterStream {
    static func response(_ refusal: HTTPError, retryMilliseconds: Int) -> Response {
        var members: [(String, JSONValue)] = [("status", .int(refusal.status)), ("code", .string(refusal.code.rawValue)), ("message", .string(refusal.message))]
        members += refusal.details
        // JSON text has no bare line break and the type is a constant, so the event is always valid.
        let event = try! ServerSentEvent(type: ControlEvent.streamError, data: JSONValue.object(members).text, retryMilliseconds: retryMilliseconds)
        return .complete(status: 200, headers: Response.eventStreamHeaders, body: EventStreamEncoder.encode(event, id: nil))
    }
}
