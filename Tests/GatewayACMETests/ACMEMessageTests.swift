import Foundation
import GatewayTLS
import GatewayTestSupport
import NIOHTTP1
import NIOPosix
import Testing

@testable import GatewayACME

/// JWS bodies, problem documents, the HTTP-01 store: the message layer without a CA.
@Suite struct ACMEMessageTests {
    static func decodeBase64URL(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }

    static func parts(_ jws: [UInt8]) throws -> (header: [String: Any], payload: Data, signature: Data) {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(jws)) as? [String: String])
        let protected = try #require(decodeBase64URL(object["protected"] ?? ""))
        let header = try #require(try JSONSerialization.jsonObject(with: protected) as? [String: Any])
        let payload = try #require(decodeBase64URL(object["payload"] ?? ""))
        let signature = try #require(decodeBase64URL(object["signature"] ?? ""))
        return (header, payload, signature)
    }

    @Test func newAccountRequestsCarryTheJWK() throws {
        let key = try P256SigningKey.generate()
        let jws = try JSONWebSignature.sign(payload: Array(#"{"termsOfServiceAgreed":true}"#.utf8), url: "https://ca/acct", nonce: "n1", key: key, identification: .jwk(key.publicJWK))
        let (header, payload, signature) = try Self.parts(jws)
        #expect(header["alg"] as? String == "ES256")
        #expect(header["nonce"] as? String == "n1")
        #expect(header["url"] as? String == "https://ca/acct")
        #expect(header["kid"] == nil)
        let jwk = try #require(header["jwk"] as? [String: String])
        #expect(jwk == ["crv": "P-256", "kty": "EC", "x": key.publicJWK.x, "y": key.publicJWK.y])
        #expect(String(decoding: payload, as: UTF8.self) == #"{"termsOfServiceAgreed":true}"#)
        #expect(signature.count == 64)
    }

    @Test func laterRequestsCarryTheAccountURLAndPostAsGetHasAnEmptyPayload() throws {
        let key = try P256SigningKey.generate()
        let jws = try JSONWebSignature.sign(payload: nil, url: "https://ca/order/1", nonce: "n2", key: key, identification: .kid("https://ca/acct/7"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(jws)) as? [String: String])
        #expect(object["payload"] == "")
        let (header, _, _) = try Self.parts(jws)
        #expect(header["kid"] as? String == "https://ca/acct/7")
        #expect(header["jwk"] == nil)
    }

    @Test(arguments: [
        (400, #"{"type":"urn:ietf:params:acme:error:badNonce","detail":"stale"}"#, "urn:ietf:params:acme:error:badNonce", "stale"),
        (403, #"{"type":"urn:ietf:params:acme:error:unauthorized","detail":"no"}"#, "urn:ietf:params:acme:error:unauthorized", "no"),
        (502, "Bad Gateway", "about:blank", "Bad Gateway"),
    ])
    func errorStatusesBecomeProblems(status: Int, body: String, type: String, detail: String) {
        let response = ACMEHTTPResponse(status: status, headers: HTTPHeaders(), body: Array(body.utf8))
        #expect(throws: ACMEError.problem(type: type, detail: detail, status: status)) {
            try ACMEClient.checkStatus(response)
        }
        #expect((try? ACMEClient.checkStatus(ACMEHTTPResponse(status: 201, headers: HTTPHeaders(), body: []))) != nil)
    }

    @Test func http01StoreAnswersPendingTokensOnly() {
        let store = HTTP01ChallengeStore()
        store.setChallenge(token: "abc", keyAuthorization: "abc.thumb")
        #expect(store.keyAuthorization(forPath: "/.well-known/acme-challenge/abc") == "abc.thumb")
        #expect(store.keyAuthorization(forPath: "/.well-known/acme-challenge/other") == nil)
        #expect(store.keyAuthorization(forPath: "/abc") == nil)
        store.removeChallenge(token: "abc")
        #expect(store.keyAuthorization(forToken: "abc") == nil)
    }

    @Test(.timeLimit(.minutes(1)))
    func unreachableCAIsANetworkError() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let port = try FreePorts.pick(1)[0]  // nothing listens there
        let client = try ACMEClient(
            directoryURL: "https://127.0.0.1:\(port)/dir",
            accountKey: try P256SigningKey.generate(),
            trustRootsPath: nil,
            eventLoopGroup: group,
            requestTimeout: .seconds(5)
        )
        let error = await #expect(throws: ACMEError.self) { _ = try await client.registerAccount() }
        #expect(error?.kind == .network)
        try await group.shutdownGracefully()
    }
}
