import GatewayRedis
internal import Yams

extension EngineSettings {
    static let keys = ["type", "url", "password_env", "tls", "key_prefix"]
    static let tlsKeys = ["ca_file"]

    /// `engine: {type, url, password_env, tls: {ca_file}, key_prefix}`. A Redis URL is parsed here so a
    /// typo is reported at its line, not when the first publish fails.
    static func read(_ section: YAMLMapping?, _ reader: inout YAMLNodeReader) -> Self {
        let defaults = Self()
        guard let section else { return defaults }
        let kind = reader.choice(section, "type", Kind.allCases.map(\.rawValue)).flatMap(Kind.init(rawValue:)) ?? defaults.kind
        let url = reader.value(section, "url") { node in
            YAMLNodeReader.string(node).flatMap { text -> Result<RedisURL, ValueProblem> in
                do {
                    return .success(try RedisURL(text))
                } catch {
                    return .failure(ValueProblem("\(error)"))
                }
            }
        }
        let variable = reader.environmentVariableName(section, "password_env", holding: "password")
        let tls = reader.section(section, "tls", keys: tlsKeys)
        let caFile = tls.flatMap { reader.string($0, "ca_file") }
        let prefix = reader.value(section, "key_prefix") { node in
            YAMLNodeReader.string(node).flatMap { text in
                !text.isEmpty && !text.contains(where: { $0.isWhitespace || $0 == "\u{0}" })
                    ? .success(text)
                    : .failure(ValueProblem("expected a non-empty prefix without spaces, found '\(YAMLNodeReader.clip(text))'"))
            }
        }
        if kind == .redis, section["url"] == nil {
            reader.report("engine.url: required when engine.type is redis (e.g. redis://127.0.0.1:6379)", at: section["type"])
        }
        return Self(kind: kind, redisURL: url, passwordEnvironmentVariable: variable, caFile: caFile, keyPrefix: prefix ?? defaults.keyPrefix)
    }
}
