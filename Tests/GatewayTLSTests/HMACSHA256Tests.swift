import GatewayTLS
import Testing

/// HMAC-SHA256 against the RFC 4231 test vectors (§4.2, §4.3, §4.7).
struct HMACSHA256Tests {
    @Test func rfc4231Vectors() throws {
        #expect(try HMACSHA256.hexAuthenticationCode(of: Array("Hi There".utf8), key: [UInt8](repeating: 0x0b, count: 20))
            == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(try HMACSHA256.hexAuthenticationCode(of: Array("what do ya want for nothing?".utf8), key: Array("Jefe".utf8))
            == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        // A key longer than the block size is hashed first.
        let message = "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."
        #expect(try HMACSHA256.hexAuthenticationCode(of: Array(message.utf8), key: [UInt8](repeating: 0xaa, count: 131))
            == "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2")
    }

    @Test func codeIsThirtyTwoBytes() throws {
        #expect(try HMACSHA256.authenticationCode(of: [], key: Array("k".utf8)).count == HMACSHA256.byteCount)
    }
}
