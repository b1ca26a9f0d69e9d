/// The version printed by `ssegate version` and logged at start.
public enum GatewayVersion {
    public static let current = "0.1.0"
}
