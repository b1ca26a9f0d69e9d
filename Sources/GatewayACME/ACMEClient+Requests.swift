import Foundation
import GatewayTLS
import NIOHTTP1

/// The request layer under the flow: directory, nonces, signed POSTs, problem documents, polling.
extension ACMEClient {
    func directoryResource() async throws(ACMEError) -> ACMEDirectory {
        if let directory { return directory }
        let response = try await self.http.send(.GET, to: self.directoryURL)
        try Self.checkStatus(response)
        let directory: ACMEDirectory = try Self.decode(response)
        self.directory = directory
        return directory
    }

    /// A nonce from the pool, or a fresh one from newNonce (§7.2: HEAD, answered 200 with Replay-Nonce).
    private func nextNonce() async throws(ACMEError) -> String {
        if !self.nonces.isEmpty { return self.nonces.removeLast() }
        let response = try await self.http.send(.HEAD, to: try await self.directoryResource().newNonce)
        guard let nonce = response.header("Replay-Nonce") else { throw .unexpectedResponse("newNonce without Replay-Nonce") }
        return nonce
    }

    /// Keeps a nonce from a response for the next request; the newest is used first.
    func rememberNonce(_ nonce: String) {
        self.nonces.append(nonce)
    }

    /// A signed POST with a JSON payload.
    func post(to url: String, payload: some Encodable) async throws(ACMEError) -> ACMEHTTPResponse {
        let body: [UInt8]
        do {
            body = Array(try JSONEncoder().encode(payload))
        } catch {
            throw .crypto("cannot encode the request to \(url): \(error)")
        }
        return try await self.signedPost(to: url, payload: body, accept: "application/json")
    }

    /// POST-as-GET (§6.3): how ACME reads resources, with an empty payload.
    func postAsGet(_ url: String, accept: String = "application/json") async throws(ACMEError) -> ACMEHTTPResponse {
        try await self.signedPost(to: url, payload: nil, accept: accept)
    }

    /// Signs with `jwk` until the account URL is known and with `kid` after (§6.2); a `badNonce` problem
    /// is retried once, with the nonce that came with the rejection (§6.5).
    private func signedPost(to url: String, payload: [UInt8]?, accept: String) async throws(ACMEError) -> ACMEHTTPResponse {
        var attempt = 0
        while true {
            attempt += 1
            let identification: JSONWebSignature.KeyIdentification =
                self.accountURL.map { .kid($0) } ?? .jwk(self.accountKey.publicJWK)
            let body = try JSONWebSignature.sign(
                payload: payload,
                url: url,
                nonce: try await self.nextNonce(),
                key: self.accountKey,
                identification: identification
            )
            let response = try await self.http.send(.POST, to: url, body: body, contentType: "application/jose+json", accept: accept)
            if let nonce = response.header("Replay-Nonce") { self.rememberNonce(nonce) }
            do {
                try Self.checkStatus(response)
                return response
            } catch where error.problemType == ACMEProblem.badNonce && attempt == 1 {
                continue
            }
        }
    }

    /// Reads `url` until `isDone` says so, waiting Retry-After (§7.5.1, §7.4) or `pollInterval` between
    /// reads, and never past `deadline`.
    func poll<Resource: Decodable>(
        _ url: String,
        deadline: ContinuousClock.Instant,
        what: String,
        isDone: (Resource) throws(ACMEError) -> Bool
    ) async throws(ACMEError) -> Resource {
        while true {
            // Checked before each read too, so an order that is past its bound stops even while every
            // answer comes back at once.
            guard ContinuousClock.now < deadline else { throw .timeout(waitingFor: what) }
            let response = try await self.postAsGet(url)
            let resource: Resource = try Self.decode(response)
            if try isDone(resource) { return resource }
            let wait = Self.retryAfter(response) ?? self.pollInterval
            guard ContinuousClock.now + wait < deadline else { throw .timeout(waitingFor: what) }
            do {
                try await Task.sleep(for: wait)
            } catch {
                throw .timeout(waitingFor: "\(what) (cancelled)")
            }
        }
    }

    /// Retry-After in seconds (RFC 9110 §10.2.3); the HTTP-date form is not used by ACME CAs for polling.
    private static func retryAfter(_ response: ACMEHTTPResponse) -> Duration? {
        guard let value = response.header("Retry-After"), let seconds = Int(value.trimmingCharacters(in: .whitespaces)), seconds >= 0 else {
            return nil
        }
        return .seconds(seconds)
    }

    /// The one place where an error status becomes a Swift error: the problem document's type and detail.
    static func checkStatus(_ response: ACMEHTTPResponse) throws(ACMEError) {
        guard response.status >= 400 else { return }
        let problem = try? JSONDecoder().decode(ACMEProblem.self, from: Data(response.body))
        throw .problem(
            type: problem?.type ?? "about:blank",
            detail: problem?.detail ?? String(decoding: response.body.prefix(200), as: UTF8.self),
            status: response.status
        )
    }

    static func decode<Resource: Decodable>(_ response: ACMEHTTPResponse) throws(ACMEError) -> Resource {
        do {
            return try JSONDecoder().decode(Resource.self, from: Data(response.body))
        } catch {
            throw .unexpectedResponse("cannot read \(Resource.self): \(error)")
        }
    }
}
