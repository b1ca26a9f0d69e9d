import GatewayAuth
import GatewayRouting
internal import Yams

/// A route's access keys: `auth`, `public_channels` and `cors`, decoded into GatewayAuth's types.
struct RouteAccess {
    var auth: AuthRequirement = .none
    var publicChannels: [ChannelPattern] = []
    var cors: CORSPolicy?

    static let keys = ["auth", "public_channels", "cors"]
    static let corsKeys = ["origins", "credentials", "headers", "max_age"]

    /// Reads the keys of one route. `jwtConfigured` says whether `auth.jwt` exists: without it no key could
    /// ever verify a token, so `auth: jwt` would refuse every request.
    static func read(_ mapping: YAMLMapping, action: RouteAction?, jwtConfigured: Bool, _ reader: inout YAMLNodeReader) -> RouteAccess {
        var access = RouteAccess()
        let choices: [AuthRequirement] = switch action {
        case .publish: [.none, .jwt]
        case .health, .staticFiles, .metrics, .admin: [.none]
        case .channel, .upstream, nil: AuthRequirement.allCases
        }
        if let text = reader.choice(mapping, "auth", choices.map(\.rawValue)), let requirement = AuthRequirement(rawValue: text) {
            access.auth = requirement
            if requirement.checksTokens, !jwtConfigured {
                reader.report("\(mapping.path("auth")): 'auth: \(text)' needs keys to verify tokens with; configure auth.jwt.keys", at: mapping["auth"])
            }
        }
        if let items = reader.list(mapping, "public_channels") {
            if access.auth != .optional, let node = mapping.entries["public_channels"]?.key {
                reader.report("\(mapping.path("public_channels")): public channels only mean something with 'auth: optional'", at: node)
            }
            for (index, item) in items.enumerated() {
                let pattern = reader.value(item, path: mapping.path("public_channels[\(index)]")) { node in
                    YAMLNodeReader.string(node).flatMap { text in
                        Result { () throws(ChannelPatternError) in try ChannelPattern(text) }
                            .mapError { ValueProblem($0.description) }
                            .flatMap { pattern in
                                // Anonymous clients have no subject to substitute.
                                text.contains("{sub}") ? .failure(ValueProblem("'{sub}' cannot appear in a public channel: anonymous clients have no subject")) : .success(pattern)
                            }
                    }
                }
                if let pattern { access.publicChannels.append(pattern) }
            }
        }
        if let section = reader.section(mapping, "cors", keys: corsKeys) {
            access.cors = readCORS(section, &reader)
        }
        return access
    }

    /// `cors: {origins, credentials, headers, max_age}` as a `CORSPolicy`; its own checks (no `*` with
    /// credentials, origins as `scheme://host[:port]`) are reported at the section.
    private static func readCORS(_ section: YAMLMapping, _ reader: inout YAMLNodeReader) -> CORSPolicy? {
        let problemsBefore = reader.problems.count
        let origins = stringList(section, "origins", &reader)
        if section["origins"] == nil {
            reader.report("\(section.path): missing required key 'origins' (the origins whose pages may read this route)", at: section.node)
        }
        for (index, origin) in origins.enumerated() {
            do {
                _ = try OriginPattern(origin.text)
            } catch {
                reader.report("\(section.path("origins"))[\(index)]: \(error.description)", at: origin.node)
            }
        }
        let credentials = reader.bool(section, "credentials") ?? false
        let headers = stringList(section, "headers", &reader)
        let maxAge = reader.duration(section, "max_age") ?? CORSPolicy.defaultMaxAge
        guard reader.problems.count == problemsBefore, section["origins"] != nil else { return nil }
        do {
            return try CORSPolicy(origins: origins.map(\.text), allowsCredentials: credentials, allowedHeaders: headers.map(\.text), maxAge: maxAge)
        } catch {
            reader.report("\(section.path): \(error.description)", at: section.node)
            return nil
        }
    }

    private static func stringList(_ mapping: YAMLMapping, _ key: String, _ reader: inout YAMLNodeReader) -> [(text: String, node: Node)] {
        guard let items = reader.list(mapping, key) else { return [] }
        return items.enumerated().compactMap { index, item in
            reader.value(item, path: mapping.path("\(key)[\(index)]"), YAMLNodeReader.string).map { ($0, item) }
        }
    }
}
