import GatewayAuth
internal import Yams

extension AuthSettings {
    static let keys = ["jwt"]
    static let jwtKeys = ["keys", "issuer", "audience", "leeway", "cookie", "expiry_warning"]
    static let keyEntryKeys = ["alg", "secret_env", "public_key_file", "jwks_file", "kid"]
    static let keySources = ["secret_env", "public_key_file", "jwks_file"]

    /// `auth:`; nothing configured when absent. Keys are only described here: they are read (and may fail, with
    /// the entry's position) when a verifier is built, at start and on every reload.
    static func read(_ section: YAMLMapping?, _ reader: inout YAMLNodeReader) -> Self {
        guard let section, let jwt = reader.section(section, "jwt", keys: jwtKeys) else { return Self() }
        var keys: [JWTKeyConfiguration] = []
        var positions: [ConfigurationPosition] = []
        if let items = reader.list(jwt, "keys") {
            if items.isEmpty { reader.report("auth.jwt.keys: at least one key is required", at: jwt["keys"]) }
            for (index, item) in items.enumerated() {
                guard let mapping = reader.mapping(item, path: "auth.jwt.keys[\(index)]", keys: keyEntryKeys),
                      let key = readKey(mapping, &reader)
                else { continue }
                keys.append(key)
                positions.append(ConfigurationPosition(file: reader.fileName, line: item.mark?.line ?? 1, column: item.mark?.column ?? 1))
            }
        } else if jwt["keys"] == nil {
            reader.report("auth.jwt: missing required key 'keys' (a secret_env, public_key_file or jwks_file per key)", at: jwt.node)
        }
        let cookie = reader.value(jwt, "cookie") { node in
            YAMLNodeReader.string(node).flatMap { name in
                // RFC 6265 §4.1.1: a cookie name is an HTTP token.
                name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "!#$%&'*+-.^_`|~".contains($0)) }) && !name.isEmpty
                    ? .success(name)
                    : .failure(ValueProblem("'\(YAMLNodeReader.clip(name))' is not a cookie name"))
            }
        }
        let settings = JWTSettings(
            keys: keys,
            issuer: reader.string(jwt, "issuer"),
            audience: reader.string(jwt, "audience"),
            leeway: reader.duration(jwt, "leeway") ?? JWTSettings.defaultLeeway,
            cookieName: cookie,
            expiryWarning: reader.duration(jwt, "expiry_warning") ?? JWTSettings.defaultExpiryWarning
        )
        return Self(jwt: settings, keyPositions: positions)
    }

    /// One key entry: exactly one source, an algorithm where the source needs one, and one that fits it.
    private static func readKey(_ mapping: YAMLMapping, _ reader: inout YAMLNodeReader) -> JWTKeyConfiguration? {
        let present = keySources.filter { mapping[$0] != nil }
        guard present.count == 1, let sourceKey = present.first else {
            reader.report(present.isEmpty
                ? "\(mapping.path) has no key source (expected one of: secret_env, public_key_file, jwks_file)"
                : "\(mapping.path) has more than one key source (\(present.joined(separator: ", "))); a key takes exactly one",
                at: mapping.node)
            return nil
        }
        let algorithm = reader.choice(mapping, "alg", JWTSigningAlgorithm.allCases.map(\.rawValue)).flatMap(JWTSigningAlgorithm.init(rawValue:))
        if mapping["alg"] != nil, algorithm == nil { return nil }
        let keyID = reader.string(mapping, "kid")
        let source: JWTKeyConfiguration.Source?
        switch sourceKey {
        case "secret_env":
            source = reader.environmentVariableName(mapping, "secret_env", holding: "secret")
                .map { .secretEnvironmentVariable($0) }
            if let algorithm, !algorithm.usesSharedSecret {
                reader.report("\(mapping.path("alg")): a secret_env key signs with HS256, HS384 or HS512, not \(algorithm)", at: mapping["alg"])
                return nil
            }
        case "public_key_file":
            source = reader.value(mapping, "public_key_file") { node in
                YAMLNodeReader.string(node).flatMap { $0.isEmpty ? .failure(ValueProblem("the path cannot be empty")) : .success(.publicKeyFile(path: $0)) }
            }
            if let algorithm, algorithm.usesSharedSecret {
                reader.report("\(mapping.path("alg")): a public_key_file verifies RS256, PS256, ES256, ES384 or EdDSA, not \(algorithm)", at: mapping["alg"])
                return nil
            }
        default:
            source = reader.value(mapping, "jwks_file") { node in
                YAMLNodeReader.string(node).flatMap { $0.isEmpty ? .failure(ValueProblem("the path cannot be empty")) : .success(.jwksFile(path: $0)) }
            }
            if let node = mapping.entries["kid"]?.key {
                reader.report("\(mapping.path("kid")): a jwks_file's keys carry their own kid", at: node)
                return nil
            }
        }
        if sourceKey != "jwks_file", mapping["alg"] == nil {
            reader.report("\(mapping.path): missing required key 'alg' (the algorithm is fixed per key, so a token cannot choose it)", at: mapping.node)
            return nil
        }
        guard let source else { return nil }
        return JWTKeyConfiguration(source: source, algorithm: algorithm, keyID: keyID)
    }
}
