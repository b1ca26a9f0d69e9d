import GatewayTestSupport
import Foundation
import Testing

/// Every bad request gets a clear 4xx with a JSON error body, over a real client.
@Suite struct PublishErrorTests {
    private func expectError(_ result: (status: Int, body: String), status: Int, code: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == status, "\(result)", sourceLocation: sourceLocation)
        #expect(result.body.contains("\"code\":\"\(code)\""), "\(result.body)", sourceLocation: sourceLocation)
        #expect(result.body.hasPrefix("{\"error\":{"), sourceLocation: sourceLocation)
    }

    @Test func badRequestsGetJSONErrors() async throws {
        let gateway = try await TestGateway.start { $0.publish.maxBodyBytes = 1024 }
        let plain = gateway.plainURL
        expectError(try await gateway.curl(["\(plain)/nowhere"]), status: 404, code: "not_found")
        expectError(try await gateway.curl(["\(plain)/publish/x"]), status: 405, code: "method_not_allowed")
        expectError(try await gateway.curl(["-X", "POST", "--data-binary", "x", "\(plain)/events/x"]), status: 405, code: "method_not_allowed")
        expectError(try await gateway.publish("x", body: String(repeating: "a", count: 2000)), status: 413, code: "body_too_large")
        expectError(try await gateway.publish("x", body: "{nope", contentType: "application/json"), status: 400, code: "invalid_json")
        expectError(try await gateway.publish("x", body: #"{"data":"a","id":"5"}"#, contentType: "application/json"), status: 400, code: "invalid_event")
        expectError(try await gateway.publish("x", body: #"{"event":"a\nb","data":"x"}"#, contentType: "application/json"), status: 400, code: "invalid_event")
        expectError(try await gateway.publish("x", body: #"{"event":"a"}"#, contentType: "application/json"), status: 400, code: "invalid_event")
        expectError(try await gateway.publish("x", body: "[]", contentType: "application/json"), status: 400, code: "invalid_event")
        expectError(try await gateway.publish("bad%20name", body: "x"), status: 400, code: "invalid_channel")
        // Not UTF-8: the bytes FF FE are refused rather than silently repaired.
        let file = gateway.directory + "/bad.bin"
        try Data([0x61, 0xFF, 0xFE]).write(to: URL(fileURLWithPath: file))
        expectError(try await gateway.curl(["-X", "POST", "--data-binary", "@\(file)", "\(plain)/publish/x"]), status: 400, code: "invalid_utf8")
        // The same limits over HTTP/2.
        expectError(try await gateway.curl(["--http2", "-X", "POST", "--data-binary", String(repeating: "a", count: 2000), "\(gateway.tlsURL)/publish/x"]), status: 413, code: "body_too_large")
        await gateway.stop()
    }

    @Test func publicListenersNeedTheBearerToken() async throws {
        let gateway = try await TestGateway.start(environment: ["SSEGATE_PUBLISH_TOKEN": "s3cret"])
        let url = "\(gateway.tlsURL)/publish/secure"
        expectError(try await gateway.curl(["--http2", "-X", "POST", "--data-binary", "x", url]), status: 401, code: "unauthorized")
        expectError(try await gateway.curl(["--http2", "-X", "POST", "-H", "authorization: Bearer wrong", "--data-binary", "x", url]), status: 403, code: "forbidden")
        let accepted = try await gateway.curl(["--http2", "-X", "POST", "-H", "authorization: Bearer s3cret", "--data-binary", "x", url])
        #expect(accepted.status == 200, "\(accepted)")
        // The trusted loopback plaintext listener needs none.
        #expect(try await gateway.publish("secure", body: "y").status == 200)
        await gateway.stop()
    }

    @Test func withoutATokenConfiguredPublicPublishingIsRefused() async throws {
        let gateway = try await TestGateway.start()
        expectError(try await gateway.curl(["--http2", "-X", "POST", "--data-binary", "x", "\(gateway.tlsURL)/publish/x"]), status: 403, code: "publish_disabled")
        await gateway.stop()
    }

    @Test func healthAndReadiness() async throws {
        let gateway = try await TestGateway.start()
        let health = try await gateway.curl(["--http2", "\(gateway.tlsURL)/healthz"])
        #expect(health.status == 200)
        #expect(health.body.contains("\"status\":\"ok\""))
        #expect(try await gateway.curl(["\(gateway.plainURL)/readyz"]).status == 200)
        await gateway.stop()
    }
}

/// Idle connections are closed: an HTTP/1.1 keep-alive connection between requests after
/// `http1.idle_timeout`, as an HTTP/2 connection without streams is after `http2.idle_timeout`.
@Suite struct IdleConnectionTests {
    @Test func keepAliveConnectionIsClosedWhenIdle() async throws {
        let gateway = try await TestGateway.start { $0.http1.idleTimeout = .seconds(1) }
        let script = """
        import socket, time
        s = socket.create_connection(("127.0.0.1", \(gateway.plainPort)))
        s.sendall(b"GET /healthz HTTP/1.1\\r\\nHost: test\\r\\n\\r\\n")
        s.settimeout(10)
        first = s.recv(4096)
        start = time.time()
        rest = s.recv(4096)
        print("status" if first.startswith(b"HTTP/1.1 200") else "no-status", "closed" if rest == b"" else "data", round(time.time() - start, 1))
        """
        let result = try await ChildProcess.run("python3", ["-c", script], timeout: .seconds(15))
        let words = result.output.split(separator: " ")
        #expect(words.prefix(2) == ["status", "closed"], "\(result.output) \(result.errors)")
        let waited = Double(words.last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 99
        #expect(waited >= 0.5 && waited < 5, "closed after \(waited) s")
        await gateway.stop()
    }

    /// The HTTP/1.1 idle timer is dropped while a stream runs and made again when it ends: a stream
    /// outliving the idle timeout is not cut, and the connection it leaves idle is closed after the timeout.
    @Test func anHTTP11StreamOutlivesTheIdleTimeoutAndItsIdleConnectionIsClosedAfter() async throws {
        let gateway = try await Resume.gateway([try Resume.route("/aged/{channel}", maxAge: .seconds(3))]) {
            $0.http1.idleTimeout = .seconds(1)
        }
        let script = """
        import socket, time
        s = socket.create_connection(("127.0.0.1", \(gateway.plainPort)))
        s.sendall(b"GET /aged/idle1 HTTP/1.1\\r\\nHost: test\\r\\n\\r\\n")
        s.settimeout(10)
        start = time.time()
        seen = b""
        while not seen.endswith(b"0\\r\\n\\r\\n"):
            part = s.recv(4096)
            if not part:
                break
            seen += part
        ended = time.time()
        rest = s.recv(4096)
        print("ended" if seen.endswith(b"0\\r\\n\\r\\n") else "cut", "closed" if rest == b"" else "data",
              round(ended - start, 1), round(time.time() - ended, 1))
        """
        let result = try await ChildProcess.run("python3", ["-c", script], timeout: .seconds(20))
        let words = result.output.split(whereSeparator: \.isWhitespace)
        #expect(words.prefix(2) == ["ended", "closed"], "\(result.output) \(result.errors)")
        let streamed = words.count > 2 ? Double(words[2]) ?? 0 : 0
        let idleFor = words.count > 3 ? Double(words[3]) ?? 99 : 99
        #expect(streamed >= 2, "the stream ran \(streamed) s: the idle timeout (1 s) must not cut it")
        #expect(idleFor >= 0.5 && idleFor < 5, "closed \(idleFor) s after the stream ended")
        await gateway.stop()
    }
}
