import GatewayHTTP
import GatewayHub
import GatewayRouting

/// The admin API under an `admin:` route's path (`/admin` below), JSON throughout:
///
/// | method and path | answer |
/// |---|---|
/// | `GET /admin` | this list |
/// | `GET /admin/channels` | every channel: subscribers, history count and bytes, first and last id |
/// | `GET /admin/channels/{channel}` | one channel (404 `unknown_channel`) |
/// | `DELETE /admin/channels/{channel}` | closes it: its streams end after a `retry:` hint; history is kept |
/// | `GET /admin/sessions/{session}` | the session's open streams (404 `unknown_session`) |
/// | `DELETE /admin/sessions/{session}` | evicts the session: its streams end after a `retry:` hint |
/// | `POST /admin/reload` | re-reads the configuration: 202 when it is in force, 500 with the reason |
struct AdminAPI {
    let engine: any HubEngine
    let sessions: SessionRegistry
    let reload: ReloadHook

    /// Each endpoint's pattern under `prefix`, with its responder (the index at the prefix itself is
    /// `index(under:)`).
    func endpoints(under prefix: RoutePattern) -> [(RoutePattern, any Responder)] {
        let base = Self.base(prefix)
        let endpoints: [(String, any Responder)] = [
            ("/channels", AdminChannelListResponder(engine: engine)),
            ("/channels/{channel}", AdminChannelResponder(engine: engine)),
            ("/sessions/{session}", AdminSessionResponder(sessions: sessions)),
            ("/reload", AdminReloadResponder(reload: reload)),
        ]
        // The prefix is a valid pattern without parameters (checked at load) and the suffixes are fixed.
        return endpoints.map { suffix, responder in (try! RoutePattern(base + suffix), responder) }
    }

    /// The responder at the prefix: the list of endpoints.
    static func index(under prefix: RoutePattern) -> AdminIndexResponder {
        let base = Self.base(prefix)
        return AdminIndexResponder(endpoints: [
            "GET \(base)/channels", "GET \(base)/channels/{channel}", "DELETE \(base)/channels/{channel}",
            "GET \(base)/sessions/{session}", "DELETE \(base)/sessions/{session}", "POST \(base)/reload",
        ])
    }

    /// The prefix as the start of a path (`/` adds nothing).
    private static func base(_ prefix: RoutePattern) -> String {
        prefix.description == "/" ? "" : prefix.description
    }
}
