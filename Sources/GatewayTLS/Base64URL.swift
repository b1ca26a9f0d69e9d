/// Base64url without padding (RFC 4648 §5, as RFC 7515 §2 requires for every JWS and JWK field).
///
/// Written here rather than taken from Foundation because this module does not import Foundation, and the
/// encoder is twenty lines; ACME uses it for the JWS parts, the JWK coordinates and its thumbprint.
public enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Encodes `bytes`, leaving out the `=` padding.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        var output: [UInt8] = []
        output.reserveCapacity((input.count * 4 + 2) / 3)
        var index = 0
        while index < input.count {
            let remaining = input.count - index
            let chunk = (UInt32(input[index]) << 16)
                | (remaining > 1 ? UInt32(input[index + 1]) << 8 : 0)
                | (remaining > 2 ? UInt32(input[index + 2]) : 0)
            // Three input octets become four six-bit characters; a short tail yields two or three.
            let characters = min(4, remaining + 1)
            for position in 0..<characters {
                output.append(Self.alphabet[Int((chunk >> (18 - 6 * UInt32(position))) & 0x3F)])
            }
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Encodes the UTF-8 bytes of `text`.
    public static func encode(_ text: String) -> String {
        self.encode(Array(text.utf8))
    }
}
