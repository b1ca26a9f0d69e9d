/// Session ids: proposed by clients (`?session=`) or made here; they appear in URLs and JSON, so keep them plain.
enum SessionID {
    static let rule = "session ids are 1 to 64 characters of A-Z a-z 0-9 _ -"

    static func isValid(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 64 && text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "_"), UInt8(ascii: "-"):
                true
            default:
                false
            }
        }
    }

    /// 15 random characters of A-Z a-z 0-9: about 89 bits, unique enough for addressing (ids are not
    /// secrets; publishing needs the publish credentials). Fifteen UTF-8 bytes is the most a Swift string
    /// stores inline, so the id of each of a million streams costs no allocation of its own.
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
        let bytes = (0..<15).map { _ in digits[Int.random(in: 0..<digits.count, using: &generator)] }
        return String(decoding: bytes, as: UTF8.self)
    }
}
