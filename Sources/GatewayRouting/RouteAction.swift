/// What a matched route does with the request. One case per action of the config's `routes:` list.
public enum RouteAction: Sendable, Hashable {
    /// `GET` subscribes to the internal channel named by the template (e.g. `"{channel}"`, `"user:{sub}"`).
    case channel(ParameterTemplate)
    /// `POST` publishes the body to the internal channel named by the template.
    case publish(ParameterTemplate)
    /// `GET` answers `200 {"status":"ok"}` while the process is live (`liveness`) or ready to serve (`readiness`).
    case health(HealthCheck)
    /// `GET` streams the events of an upstream SSE origin (shared through a hub channel, or per client).
    case upstream(UpstreamRoute)
    /// `GET`/`HEAD` serves a file from a folder, or the embedded demo page when the folder is absent.
    case staticFiles(StaticRoute)
    /// `GET` answers the process's metrics in the Prometheus text format.
    case metrics
    /// The admin API under the route's path (channels, sessions, reload), behind its own bearer token.
    case admin(AdminRoute)
}

/// An `admin:` route: the JSON admin API, answering only with the token from its own variable.
public struct AdminRoute: Sendable, Hashable {
    /// Name of the environment variable holding the admin bearer token; unset or empty refuses everything.
    public var tokenEnvironmentVariable: String

    public init(tokenEnvironmentVariable: String = "SSEGATE_ADMIN_TOKEN") {
        self.tokenEnvironmentVariable = tokenEnvironmentVariable
    }
}

/// Which health question a `health` route answers.
public enum HealthCheck: String, Sendable, Hashable, CaseIterable {
    case liveness
    case readiness
}
