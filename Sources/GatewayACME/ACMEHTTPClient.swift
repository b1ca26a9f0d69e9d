import Foundation
import GatewayTLS
import NIOCore
import NIOHTTP1
import NIOPosix

/// One HTTP response from the CA, read to the end.
struct ACMEHTTPResponse: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]

    /// The first value of a header (case-insensitive name).
    func header(_ name: String) -> String? {
        self.headers.first(name: name)
    }
}

/// A small HTTPS/1.1 client for talking to an ACME server: one connection per request, closed after it.
///
/// Our own TLS (`TLSHandler` over OpenSSL) under NIO's HTTP/1.1 codec, trusting the given CA file (or the
/// system roots). A certificate order makes a dozen requests minutes apart, so keeping connections open
/// would save nothing worth the pooling code.
final class ACMEHTTPClient: Sendable {
    private let group: any EventLoopGroup
    private let tls: TLSClientContext
    private let timeout: TimeAmount

    /// - Parameters:
    ///   - trustRootsPath: PEM file of CA certificates to trust for the ACME server, nil for the system roots.
    ///   - timeout: bounds connecting, the handshake and the whole exchange of each request.
    init(group: any EventLoopGroup, trustRootsPath: String?, timeout: Duration) throws(ACMEError) {
        self.group = group
        self.timeout = TimeAmount(timeout)
        do {
            self.tls = try TLSClientContext(alpnProtocols: ["http/1.1"], trustRootsPath: trustRootsPath)
        } catch {
            throw .network("cannot set up TLS for the ACME server: \(error)")
        }
    }

    /// Sends one request and reads the whole response.
    func send(
        _ method: HTTPMethod,
        to url: String,
        body: [UInt8]? = nil,
        contentType: String? = nil,
        accept: String = "application/json"
    ) async throws(ACMEError) -> ACMEHTTPResponse {
        guard let parsed = URL(string: url), parsed.scheme == "https", let host = parsed.host, !host.isEmpty else {
            throw .unexpectedResponse("not an https URL: \(url)")
        }
        let port = parsed.port ?? 443
        var target = parsed.path.isEmpty ? "/" : parsed.path
        if let query = parsed.query { target += "?" + query }

        var head = HTTPRequestHead(version: .http1_1, method: method, uri: target)
        // RFC 9110 §7.2: an IPv6 literal goes in brackets, as in the URL.
        let hostField = host.contains(":") ? "[\(host)]" : host
        head.headers.add(name: "Host", value: parsed.port.map { "\(hostField):\($0)" } ?? hostField)
        head.headers.add(name: "User-Agent", value: "ssegate-acme")
        head.headers.add(name: "Accept", value: accept)
        head.headers.add(name: "Connection", value: "close")
        if let contentType { head.headers.add(name: "Content-Type", value: contentType) }
        head.headers.add(name: "Content-Length", value: String(body?.count ?? 0))

        let eventLoop = self.group.next()
        let response = eventLoop.makePromise(of: ACMEHTTPResponse.self)
        let tls = self.tls
        let timeout = self.timeout
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(TLSHandler(context: tls, serverName: host, handshakeTimeout: timeout))
                    try pipeline.addHTTPClientHandlers()
                    try pipeline.addHandler(ACMEHTTPResponseCollector(response: response))
                }
            }
        let deadline = eventLoop.scheduleTask(in: timeout) {
            response.fail(ACMEError.timeout(waitingFor: "\(method) \(url)"))
        }
        defer { deadline.cancel() }
        do {
            let channel = try await bootstrap.connect(host: host, port: port).get()
            // Closing when the answer (or the deadline) is in also ends a connection that stalled.
            response.futureResult.whenComplete { _ in channel.close(promise: nil) }
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            if let body, !body.isEmpty {
                channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil)
            }
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            return try await response.futureResult.get()
        } catch let error as ACMEError {
            throw error
        } catch {
            response.fail(error)
            throw .network("\(method) \(url): \(error)")
        }
    }
}

/// Collects one response (head, body, end) and completes the promise; any error or an early close fails it.
private final class ACMEHTTPResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let response: EventLoopPromise<ACMEHTTPResponse>
    private var head: HTTPResponseHead?
    private var body: [UInt8] = []
    /// An ACME response is JSON or a PEM chain: a few KiB. Anything this large is not from a CA.
    private static let maximumBodySize = 1 << 20

    init(response: EventLoopPromise<ACMEHTTPResponse>) {
        self.response = response
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body(let buffer):
            guard self.body.count + buffer.readableBytes <= Self.maximumBodySize else {
                self.response.fail(ACMEError.unexpectedResponse("response body over \(Self.maximumBodySize) bytes"))
                context.close(promise: nil)
                return
            }
            self.body.append(contentsOf: buffer.readableBytesView)
        case .end:
            guard let head = self.head else { return }
            self.response.succeed(ACMEHTTPResponse(status: Int(head.status.code), headers: head.headers, body: self.body))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // Completing a completed promise is a no-op in NIO, so a late error after `.end` changes nothing.
        self.response.fail(ACMEError.network("\(error)"))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.response.fail(ACMEError.network("connection closed before the response was complete"))
        context.fireChannelInactive()
    }
}
