internal import COpenSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a renewal decision needs to know about a leaf certificate: when it is valid and for which names.
///
/// Times are seconds since 1970 (UTC) because this module does not use Foundation; `Date(timeIntervalSince1970:)`
/// turns them into dates above.
public struct CertificateSummary: Sendable, Hashable {
    /// Start of validity, seconds since 1970.
    public var notBefore: Int64
    /// End of validity, seconds since 1970.
    public var notAfter: Int64
    /// The serial number in upper-case hex, to tell two certificates apart in tests and logs.
    public var serialNumber: String
    /// The subjectAltName DNS entries, in certificate order.
    public var dnsNames: [String]

    /// Reads the first certificate of a PEM chain (the leaf).
    public init(leafPEM pem: [UInt8]) throws(TLSError) {
        OpenSSLErrorQueue.clear()
        let pointer = readPEM(pem) { PEM_read_bio_X509($0, nil, nil, nil) }
        guard let pointer else {
            throw .configuration("not a PEM certificate: \(OpenSSLErrorQueue.drainReason(default: "unreadable"))")
        }
        let certificate = Certificate(pointer: pointer)
        self.notBefore = try Self.seconds(X509_get0_notBefore(certificate.pointer))
        self.notAfter = try Self.seconds(X509_get0_notAfter(certificate.pointer))
        self.serialNumber = Self.serial(of: certificate)
        self.dnsNames = Self.dnsNames(of: certificate)
    }

    /// Whether the certificate's names include `name` (exactly, ignoring case and a trailing dot).
    public func covers(_ name: String) -> Bool {
        let wanted = ServerNameTable.normalize(name)
        return self.dnsNames.contains { ServerNameTable.normalize($0) == wanted }
    }

    private static func seconds(_ time: UnsafePointer<ASN1_TIME>?) throws(TLSError) -> Int64 {
        var parts = tm()
        guard let time, ASN1_TIME_to_tm(time, &parts) == 1 else { throw .configuration("unreadable certificate time") }
        return Int64(timegm(&parts))
    }

    private static func serial(of certificate: Certificate) -> String {
        guard let number = ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate.pointer), nil) else { return "" }
        defer { BN_free(number) }
        var bytes = [UInt8](repeating: 0, count: Int((BN_num_bits(number) + 7) / 8))
        _ = BN_bn2bin(number, &bytes)
        return bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16, uppercase: true) }.joined()
    }

    private static func dnsNames(of certificate: Certificate) -> [String] {
        guard let names = X509_get_ext_d2i(certificate.pointer, NID_subject_alt_name, nil, nil) else { return [] }
        // A STACK_OF(GENERAL_NAME), read through the untyped stack functions (the typed ones are macros).
        let stack = OpaquePointer(names)
        defer { GENERAL_NAMES_free(stack) }
        var result: [String] = []
        for index in 0..<OPENSSL_sk_num(stack) {
            guard let raw = OPENSSL_sk_value(stack, index) else { continue }
            let name = raw.assumingMemoryBound(to: GENERAL_NAME.self)
            guard name.pointee.type == GEN_DNS, let string = name.pointee.d.dNSName,
                  let data = ASN1_STRING_get0_data(string)
            else { continue }
            result.append(String(decoding: UnsafeBufferPointer(start: data, count: Int(ASN1_STRING_length(string))), as: UTF8.self))
        }
        return result
    }
}
