// TEMPORARY contract stub, replaced by the real module on merge.
import GatewayRouting
extension GatewayConfiguration {
    public static func load(contentsOf path: String) throws(ConfigurationError) -> GatewayConfiguration { throw ConfigurationError(problems: []) }
    public static func parse(yaml: String, fileName: String) throws(ConfigurationError) -> GatewayConfiguration { throw ConfigurationError(problems: []) }
    public static let defaultYAML = ""
    public var routeTable: RouteTable { RouteTable(routes.map(\.route)) }
}
public struct ConfigurationError: Error, Sendable, CustomStringConvertible { public var problems: [String]; public var description: String { "" } }
