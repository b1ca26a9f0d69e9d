import GatewayHTTP
import GatewayRouting

/// Which channel names are accepted: a conservative set that is safe in ids, logs, URLs and Redis keys.
enum ChannelName {
    static let maxBytes = 200

    static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= maxBytes && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "~"):
                true
            default:
                false
            }
        }
    }

    /// The channel a template names with these parameters, or the refusal.
    static func expand(_ template: ParameterTemplate, _ parameters: [String: String]) -> Result<String, HTTPError> {
        guard let name = template.expand(parameters), isValid(name) else { return .failure(.invalidChannel) }
        return .success(name)
    }
}
