import GatewayHTTP2
import Logging
import NIOCore

// The request-head and request-body deadlines of an HTTP/2 connection: one timer per connection, made on
// its first request, armed for the earliest deadline of a request under assembly or a frame cut short.
extension HTTP2ConnectionHandler {
    /// Makes sure the request deadlines are looked at no later than `deadline` (the earliest possible
    /// deadline of a request under assembly, or of a frame cut short).
    func watchRequests(until deadline: NIODeadline) {
        if requestTimer == nil {
            requestTimer = DeadlineTimer(eventLoop: loop.eventLoop) { self.checkRequestDeadlines() }
        }
        requestTimer!.arm(at: deadline)
    }

    var headTimeout: TimeAmount { TimeAmount(settings.requestHeadTimeout) }
    var bodyTimeout: TimeAmount { TimeAmount(settings.requestBodyTimeout) }

    /// An incomplete header block, or any frame cut short, closes the connection (nothing else can be read
    /// on it until the block or frame ends); a body that stopped arriving resets its own stream only.
    func checkRequestDeadlines() -> NIODeadline? {
        guard let session, !closing else { return nil }
        if let expired = frames.expired(at: loop.eventLoop.now, headTimeout: headTimeout, bodyTimeout: bodyTimeout) {
            let timeout = expired == .requestHead ? settings.requestHeadTimeout : settings.requestBodyTimeout
            closeForDeadline(expired, metadata: ["frame": "incomplete", "timeout": "\(timeout)"])
            return nil
        }
        let (expired, next) = session.expiredRequests(
            headTimeout: UInt64(headTimeout.nanoseconds), bodyTimeout: UInt64(bodyTimeout.nanoseconds))
        for request in expired {
            if request.headIncomplete {
                closeForDeadline(.requestHead, metadata: ["stream": "\(request.stream.rawValue)", "timeout": "\(settings.requestHeadTimeout)"])
                return nil
            }
            EdgeDeadline.requestBody.reached(logger, ended: "HTTP/2 stream",
                                             metadata: ["stream": "\(request.stream.rawValue)", "timeout": "\(settings.requestBodyTimeout)"])
            session.resetStream(request.stream, errorCode: HTTP2ErrorCode.cancel)
        }
        if !expired.isEmpty { requestFlush() }
        let frameDeadline = frames.deadline(headTimeout: headTimeout, bodyTimeout: bodyTimeout)
        let requestDeadline = next.map { NIODeadline.uptimeNanoseconds($0) }
        guard let frameDeadline, let requestDeadline else { return frameDeadline ?? requestDeadline }
        return min(frameDeadline, requestDeadline)
    }

    /// GOAWAY(NO_ERROR) and close: the connection cannot be read past what never arrived.
    func closeForDeadline(_ deadline: EdgeDeadline, metadata: Logger.Metadata) {
        deadline.reached(logger, ended: "HTTP/2 connection", metadata: metadata)
        closing = true
        session?.goAway(errorCode: HTTP2ErrorCode.noError)
        flushNow()
        context?.close(promise: nil)
    }
}
