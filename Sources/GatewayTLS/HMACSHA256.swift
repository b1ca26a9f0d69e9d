internal import COpenSSL

/// HMAC-SHA256 (RFC 2104 over FIPS 180-4) through the libcrypto this module already links, for signing
/// webhook bodies: one `EVP_Q_mac` call (OpenSSL 3), no second crypto library in the process.
public enum HMACSHA256 {
    /// Length of the authentication code in bytes.
    public static let byteCount = 32

    /// The authentication code of `message` under `key`.
    public static func authenticationCode(of message: [UInt8], key: [UInt8]) throws(TLSError) -> [UInt8] {
        var code = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length = 0
        OpenSSLErrorQueue.clear()
        let result = code.withUnsafeMutableBufferPointer { output in
            EVP_Q_mac(nil, "HMAC", nil, "SHA256", nil, key, key.count, message, message.count, output.baseAddress, output.count, &length)
        }
        guard result != nil, length == byteCount else {
            throw .configuration("HMAC-SHA256 failed: \(OpenSSLErrorQueue.drainReason(default: "libcrypto refused"))")
        }
        return Array(code.prefix(length))
    }

    /// The code as lowercase hex, as signature headers carry it.
    public static func hexAuthenticationCode(of message: [UInt8], key: [UInt8]) throws(TLSError) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in try authenticationCode(of: message, key: key) {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
