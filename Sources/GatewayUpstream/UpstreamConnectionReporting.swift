import NIOCore
import NIOHTTP1

/// What both upstream protocol handlers (HTTP/1.1 and HTTP/2) do with the end of a connection: a read
/// timeout, an error or the close becomes one `UpstreamProblem`, the first one seen, reported to the source
/// once when the channel goes inactive.
protocol UpstreamConnectionReporting: ChannelInboundHandler {
    var source: UpstreamSource { get }
    var attempt: Int { get }
    /// The first problem seen on this connection; what the source is told when it closes.
    var problem: UpstreamProblem? { get set }
}

extension UpstreamConnectionReporting {
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            fail(context, .readTimeout)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(context, UpstreamProblem(error))
    }

    func channelInactive(context: ChannelHandlerContext) {
        source.lost(problem ?? .endedByOrigin, attempt: attempt)
        context.fireChannelInactive()
    }

    /// Keeps the first problem and closes; `channelInactive` reports it.
    func fail(_ context: ChannelHandlerContext, _ problem: UpstreamProblem) {
        if self.problem == nil { self.problem = problem }
        context.close(promise: nil)
    }
}
