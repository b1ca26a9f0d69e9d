/// Maps SNI host names to the index of the certificate that serves them.
///
/// Rules (RFC 6125 §6.4.3 for the wildcard): names compare case-insensitively and without a trailing dot;
/// an exact name wins over a wildcard; `*.example.com` matches exactly one extra label
/// (`a.example.com`, not `example.com` nor `a.b.example.com`). The first configuration to claim a name wins.
struct ServerNameTable: Sendable, Hashable {
    private var exact: [String: Int] = [:]
    /// Keyed by the part after "*.", e.g. "example.com".
    private var wildcard: [String: Int] = [:]

    init(_ namesPerCertificate: [[String]]) {
        for (index, names) in namesPerCertificate.enumerated() {
            for name in names {
                let normalized = Self.normalize(name)
                if normalized.hasPrefix("*.") {
                    let parent = String(normalized.dropFirst(2))
                    if self.wildcard[parent] == nil { self.wildcard[parent] = index }
                } else if self.exact[normalized] == nil {
                    self.exact[normalized] = index
                }
            }
        }
    }

    /// The certificate index for a name the client sent, or nil to keep the default.
    func certificateIndex(for serverName: String) -> Int? {
        let name = Self.normalize(serverName)
        if let index = self.exact[name] { return index }
        guard let dot = name.firstIndex(of: "."), dot != name.startIndex else { return nil }
        return self.wildcard[String(name[name.index(after: dot)...])]
    }

    static func normalize(_ name: String) -> String {
        let lowered = name.lowercased()
        return lowered.hasSuffix(".") ? String(lowered.dropLast()) : lowered
    }
}
