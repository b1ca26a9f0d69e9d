import GatewayAuth

extension GatewayConfiguration {
    /// Reads the keys of `auth.jwt` (secrets from `environment`, PEM and JWKS files) into a verifier; nil when no
    /// `auth.jwt` is configured. Runs at start, on every reload, and in `ssegate check-config`, so a key that
    /// cannot be read is reported like any other config problem: at its entry's line, with what is wrong.
    ///
    /// Async because jwt-kit builds its algorithms through an actor; verifying with the result is synchronous.
    public func tokenVerifier(environment: [String: String]) async throws(ConfigurationError) -> TokenVerifier? {
        guard let jwt = auth.jwt else { return nil }
        do {
            return try await TokenVerifier(settings: jwt, environment: environment)
        } catch {
            throw await keyProblems(jwt, environment: environment, whole: error)
        }
    }

    /// Which entries fail, each tried alone, so every broken key is named at its own position.
    private func keyProblems(_ jwt: JWTSettings, environment: [String: String], whole: AuthConfigurationError) async -> ConfigurationError {
        var problems: [ConfigurationProblem] = []
        for (index, key) in jwt.keys.enumerated() {
            var single = jwt
            single.keys = [key]
            do {
                _ = try await TokenVerifier(settings: single, environment: environment)
            } catch {
                let position = index < auth.keyPositions.count ? auth.keyPositions[index] : ConfigurationPosition(file: "<configuration>", line: 0, column: 0)
                problems.append(position.problem("auth.jwt.keys[\(index)]: \(error.description)"))
            }
        }
        if problems.isEmpty {
            let position = auth.keyPositions.first ?? ConfigurationPosition(file: "<configuration>", line: 0, column: 0)
            problems.append(position.problem("auth.jwt: \(whole.description)"))
        }
        return ConfigurationError(problems: problems)
    }
}
