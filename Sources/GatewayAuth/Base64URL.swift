import Foundation

/// Base64url without padding (RFC 7515 §2), for the minter's header, payload and signature. jwt-kit keeps its
/// own encoder `package`-internal; decoding needs none here, since jwt-kit's parser decodes.
enum Base64URL {
    static func encode(_ bytes: some DataProtocol) -> String {
        var text = Data(bytes).base64EncodedString()
        while text.last == "=" { text.removeLast() }
        return String(text.map { character in
            switch character {
            case "+": "-"
            case "/": "_"
            default: character
            }
        })
    }
}
