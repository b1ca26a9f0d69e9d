import GatewayRouting

/// Request paths (client input) through the route table with percent-decoding, then into an upstream URL:
/// matching never crashes, parameters are whole decoded segments, and an expanded upstream URL never holds
/// a dot segment nor exceeds its length cap.
///
/// Input: the request path, as UTF-8 (lossy).
let table: RouteTable = {
    func route(_ path: String, _ action: RouteAction) -> Route {
        Route(pattern: try! RoutePattern(path), action: action)
    }
    let channel = RouteAction.channel(try! ParameterTemplate("{channel}"))
    return RouteTable([
        route("/events/{channel}", channel),
        route("/events", channel),
        route("/publish/{channel}", .publish(try! ParameterTemplate("{channel}"))),
        route("/api/streams/{id}/events", .upstream(UpstreamRoute(url: try! UpstreamURLTemplate("https://origin/api/streams/{id}/events")))),
        route("/s/{a}/{b}", .upstream(UpstreamRoute(url: try! UpstreamURLTemplate("http://origin/x/{a}{b}?b={b}")))),
        route("/healthz", .health(.liveness)),
    ])
}()

func fuzzRouteMatcher(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = PercentDecoding.decode(Substring(path), plusIsSpace: true)
    guard let match = table.match(path: Substring(path)) else { return 0 }
    guard Set(match.parameters.keys) == Set(match.route.pattern.parameterNames) else {
        fatalError("parameters \(match.parameters.keys) for pattern \(match.route.pattern)")
    }
    for value in match.parameters.values where value.isEmpty {
        fatalError("an empty parameter matched \(path)")
    }
    guard case .upstream(let upstream) = match.route.action else { return 0 }
    let limit = 256
    guard let url = try? upstream.url.expanded(match.parameters, maximumLength: limit) else { return 0 }
    guard url.utf8.count <= limit else { fatalError("\(url) is over the \(limit)-byte cap") }
    let afterScheme = url.split(separator: "://", maxSplits: 1).last ?? ""
    let urlPath = afterScheme.drop { $0 != "/" }.prefix { $0 != "?" }
    for segment in urlPath.split(separator: "/") {
        var text = segment
        // Decoded as often as any origin might: never "." or "..".
        while true {
            if text == "." || text == ".." { fatalError("\(url) has the dot segment \(segment)") }
            guard text.contains("%"), let decoded = PercentDecoding.decode(text) else { break }
            text = Substring(decoded)
        }
    }
    return 0
}
