/// Reads, from their raw bytes, the two ClientHello extensions that decide whether a handshake is an ACME
/// TLS-ALPN-01 validation: the server name and the ALPN list. They are needed before OpenSSL picks the
/// certificate, when only the client-hello callback can see them, and there OpenSSL hands out raw bytes.
enum ClientHelloExtensions {
    /// The host name of a server_name extension (RFC 6066 §3):
    ///
    ///     u16 list length | { u8 name type (0 = host_name) | u16 name length | name bytes } …
    static func hostName(fromServerNameExtension bytes: UnsafeRawBufferPointer) -> String? {
        guard bytes.count >= 2, Self.readUInt16(bytes, at: 0) == bytes.count - 2 else { return nil }
        var index = 2
        while index + 3 <= bytes.count {
            let type = bytes[index]
            let length = Self.readUInt16(bytes, at: index + 1)
            let start = index + 3
            guard start + length <= bytes.count else { return nil }
            if type == 0 {
                return String(decoding: bytes[start..<(start + length)], as: UTF8.self)
            }
            index = start + length
        }
        return nil
    }

    /// Whether an ALPN extension (RFC 7301 §3.1: u16 list length | ProtocolNameList) offers `acme-tls/1`.
    static func offersACMETLS(alpnExtension bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 2, Self.readUInt16(bytes, at: 0) == bytes.count - 2 else { return false }
        return acmeTLSProtocols.select(fromClientList: UnsafeRawBufferPointer(rebasing: bytes[2...])) != nil
    }

    private static func readUInt16(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Int {
        Int(bytes[index]) << 8 | Int(bytes[index + 1])
    }
}
