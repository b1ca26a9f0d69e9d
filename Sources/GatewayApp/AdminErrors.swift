import GatewayHTTP

/// The admin API's refusal codes.
extension ErrorCode {
    public static let adminDisabled = ErrorCode(rawValue: "admin_disabled")
    public static let unknownChannel = ErrorCode(rawValue: "unknown_channel")
    public static let unknownSession = ErrorCode(rawValue: "unknown_session")
    public static let reloadFailed = ErrorCode(rawValue: "reload_failed")
}
