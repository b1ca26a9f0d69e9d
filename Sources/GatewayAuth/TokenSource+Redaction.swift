/// Keeping query tokens out of logs: the issue's rule is that a `?access_token=` never appears in one.
extension TokenSource {
    /// The request target (`/events/news?access_token=eyJ...&x=1`) with every `access_token` value replaced by
    /// `REDACTED`, for access logs. Parameter names are compared after percent-decoding, so `access%5Ftoken` is
    /// redacted too; everything else, the fragment included, is kept byte for byte.
    public static func redacted(target: String) -> String {
        guard let question = target.firstIndex(of: "?") else { return target }
        let path = target[..<question]
        let afterQuestion = target[target.index(after: question)...]
        let fragmentStart = afterQuestion.firstIndex(of: "#") ?? afterQuestion.endIndex
        let query = afterQuestion[..<fragmentStart]
        let fragment = afterQuestion[fragmentStart...]
        var changed = false
        let pairs = query.split(separator: "&", omittingEmptySubsequences: false).map { pair -> Substring in
            guard let equals = pair.firstIndex(of: "="), percentDecoded(pair[..<equals]) == queryParameterName else {
                return pair
            }
            changed = true
            return pair[...equals] + "REDACTED"
        }
        guard changed else { return target }
        return String(path) + "?" + pairs.joined(separator: "&") + fragment
    }

    /// Percent-decoding of a parameter name (`+` stays `+`: a name with a space is not `access_token` either way).
    /// Invalid escapes are kept as they are, which can only make a name differ from `access_token`.
    private static func percentDecoded(_ text: Substring) -> String {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var utf8 = text.utf8[...]
        while let byte = utf8.first {
            if byte == UInt8(ascii: "%"), utf8.count >= 3,
                let high = hexValue(utf8[utf8.index(utf8.startIndex, offsetBy: 1)]),
                let low = hexValue(utf8[utf8.index(utf8.startIndex, offsetBy: 2)])
            {
                bytes.append(high << 4 | low)
                utf8 = utf8.dropFirst(3)
            } else {
                bytes.append(byte)
                utf8 = utf8.dropFirst()
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
