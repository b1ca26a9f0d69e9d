import NIOCore
import NIOHTTP1

/// An application's answer made ready for the wire, the same for both protocols: deferred answers waited
/// for, complete ones given their `content-length`, streams their head, and both the connection's
/// every-response headers (`ConnectionServices.responseHeaders`).
enum ReadyResponse {
    case complete(status: Int, headers: [(name: String, value: String)], body: ByteBuffer?)
    case stream(any StreamOpener, headers: [(name: String, value: String)])

    /// Calls `deliver` with the ready answer: at once, or when a deferred answer completes (on the
    /// connection's loop). A failed deferred answer becomes a 500 with the JSON error body. `common` goes on
    /// every answer (`x-content-type-options`, HSTS).
    static func resolve(
        _ response: Response, method: HTTPMethod, adding common: [(name: String, value: String)] = [], on loop: any EventLoop,
        _ deliver: @escaping (ReadyResponse) -> Void
    ) {
        switch response {
        case .complete(let status, let headers, let body):
            // A HEAD answer carries the length the body would have, and no body (RFC 9110 §9.3.2).
            let sent = method == .HEAD || body.readableBytes == 0 ? nil : body
            // A 304 must not carry a length other than the 200's (RFC 9110 §8.6), and a 204 none at all
            // (§8.6): the responder names it when it knows it, nothing is added.
            let length: [(name: String, value: String)] = status == 304 || status == 204 ? [] : [("content-length", String(body.readableBytes))]
            deliver(.complete(status: status, headers: headers + common + length, body: sent))
        case .stream(let opener):
            deliver(.stream(opener, headers: Response.eventStreamHeaders + opener.responseHeaders + common))
        case .deferred(let future):
            future.hop(to: loop).assumeIsolated().whenComplete { result in
                switch result {
                case .success(let response):
                    resolve(response, method: method, adding: common, on: loop, deliver)
                case .failure(let error):
                    resolve(HTTPError(500, .internalError, "the request failed: \(error)").response, method: method, adding: common, on: loop, deliver)
                }
            }
        }
    }

    var status: Int {
        switch self {
        case .complete(let status, _, _): status
        case .stream: 200
        }
    }

    var bodyBytes: Int {
        switch self {
        case .complete(_, let headers, _): headers.last.flatMap { Int($0.value) } ?? 0
        case .stream: 0
        }
    }
}
