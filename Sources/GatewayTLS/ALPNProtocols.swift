internal import COpenSSL

/// An ALPN protocol list (RFC 7301) in preference order, with its wire encoding.
struct ALPNProtocols: Sendable, Hashable {
    /// The protocol of ACME TLS-ALPN-01 validation handshakes (RFC 8737 §6.2); never carries application data.
    static let acmeTLS1 = "acme-tls/1"

    /// The names in preference order, e.g. ["h2", "http/1.1"].
    let names: [String]
    /// RFC 7301 §3.1 ProtocolNameList: each name as a 1-byte length followed by its bytes.
    let wireFormat: [UInt8]

    init(_ names: [String]) throws(TLSError) {
        var wire: [UInt8] = []
        for name in names {
            let bytes = Array(name.utf8)
            // RFC 7301 §3.1: "Empty strings MUST NOT be included", names are at most 255 bytes.
            guard (1...255).contains(bytes.count) else {
                throw .configuration("ALPN protocol name must be 1 to 255 bytes: \"\(name)\"")
            }
            wire.append(UInt8(bytes.count))
            wire.append(contentsOf: bytes)
        }
        self.names = names
        self.wireFormat = wire
    }

    /// The server's choice (RFC 7301 §3.2): our first preference that the client also offered, as the
    /// byte range of that name inside `clientList`, or nil when nothing overlaps (or the list is malformed).
    /// Runs once per handshake, so it only walks the client's bytes and allocates nothing.
    func select(fromClientList clientList: UnsafeRawBufferPointer) -> Range<Int>? {
        guard Self.isWellFormed(clientList) else { return nil }
        for name in self.names {
            var index = 0
            while index < clientList.count {
                let range = (index + 1)..<(index + 1 + Int(clientList[index]))
                if clientList[range].elementsEqual(name.utf8) { return range }
                index = range.upperBound
            }
        }
        return nil
    }

    /// Answers OpenSSL's ALPN select callback (SSL_CTX_set_alpn_select_cb) from this list: points `out` at
    /// our choice inside the client's list `input` (allowed: OpenSSL copies it right after the callback
    /// returns) and returns SSL_TLSEXT_ERR_OK, or returns `noMatch` when nothing overlaps.
    func answerSelectCallback(
        _ out: UnsafeMutablePointer<UnsafePointer<UInt8>?>?, _ outLength: UnsafeMutablePointer<UInt8>?,
        _ input: UnsafePointer<UInt8>?, _ inputLength: UInt32, noMatch: Int32
    ) -> Int32 {
        guard let out, let outLength, let input,
            let range = self.select(fromClientList: UnsafeRawBufferPointer(start: input, count: Int(inputLength)))
        else { return noMatch }
        out.pointee = input.advanced(by: range.lowerBound)
        outLength.pointee = UInt8(range.count)
        return SSL_TLSEXT_ERR_OK
    }

    /// Every length prefix is non-zero and stays inside the list.
    private static func isWellFormed(_ list: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        while index < list.count {
            let length = Int(list[index])
            guard length > 0, index + 1 + length <= list.count else { return false }
            index += 1 + length
        }
        return true
    }
}
