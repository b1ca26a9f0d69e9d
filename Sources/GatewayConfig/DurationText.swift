/// The config's duration syntax (`250ms`, `15s`, `2m`, `1h`, `1d`, bare seconds) for the command line, so
/// `ssegate token --ttl 1h` reads times exactly as the config file does.
public enum DurationText {
    /// The duration, or a sentence saying what was expected.
    public static func parse(_ text: String) -> Result<Duration, DurationTextError> {
        ConfigValue.duration(text).mapError { DurationTextError(description: $0.message) }
    }
}

/// Why a duration could not be read.
public struct DurationTextError: Error, Sendable, CustomStringConvertible {
    public let description: String
}
