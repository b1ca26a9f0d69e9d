import GatewayConfig

/// The config loader: any text either parses or throws `ConfigurationError`, never crashes.
///
/// Input: the YAML text, as UTF-8 (lossy).
func fuzzConfiguration(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let yaml = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        _ = try GatewayConfiguration.parse(yaml: yaml, fileName: "fuzz.yaml")
    } catch {
        _ = error.description
    }
    return 0
}
