import Foundation
import GatewayTLS

/// A JWS in the flattened JSON serialization (RFC 7515 §7.2.2), signed ES256: the body of every ACME
/// POST (RFC 8555 §6.2).
enum JSONWebSignature {
    /// How the signer names its key (RFC 8555 §6.2): the whole public key before the account exists,
    /// the account URL afterwards.
    enum KeyIdentification {
        case jwk(PublicJWK)
        case kid(String)
    }

    /// - Parameter payload: the JSON payload, or nil for POST-as-GET (§6.3), whose payload is empty.
    static func sign(
        payload: [UInt8]?,
        url: String,
        nonce: String,
        key: P256SigningKey,
        identification: KeyIdentification
    ) throws(ACMEError) -> [UInt8] {
        var header: [String: Any] = ["alg": "ES256", "nonce": nonce, "url": url]
        switch identification {
        case .jwk(let jwk): header["jwk"] = ["crv": jwk.crv, "kty": jwk.kty, "x": jwk.x, "y": jwk.y]
        case .kid(let accountURL): header["kid"] = accountURL
        }
        let protected = Base64URL.encode(try self.json(header))
        let encodedPayload = payload.map { Base64URL.encode($0) } ?? ""
        // RFC 7515 §5.1: the signing input is ASCII(protected "." payload).
        let signature: [UInt8]
        do {
            signature = try key.signES256(Array("\(protected).\(encodedPayload)".utf8))
        } catch {
            throw .crypto("\(error)")
        }
        return try self.json(["protected": protected, "payload": encodedPayload, "signature": Base64URL.encode(signature)])
    }

    /// Sorted keys and unescaped slashes: stable bytes for tests, and URLs that read as URLs.
    private static func json(_ object: [String: Any]) throws(ACMEError) -> [UInt8] {
        do {
            return Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
        } catch {
            throw .crypto("cannot encode JWS JSON: \(error)")
        }
    }
}
