internal import Yams

/// How a shutdown ends the open streams (`drain` in the configuration file).
///
/// Stopping every stream at once sends every client back at once: 100,000 reconnects in the same second
/// land on the next instance as a spike of handshakes. The drain spreads the ends over `window` instead.
public struct DrainSettings: Sendable, Equatable {
    /// Stream ends are spread evenly over this time after GOAWAY, each at a random moment. Default: 10 s.
    public var window: Duration
    /// The process exits at this time after the drain starts even if streams remain (they are cut).
    /// Default: 15 s; at least `window`.
    public var deadline: Duration

    public init(window: Duration = .seconds(10), deadline: Duration = .seconds(15)) {
        self.window = window
        self.deadline = deadline
    }
}

extension DrainSettings {
    static let keys = ["window", "deadline"]

    static func read(_ section: YAMLMapping?, _ reader: inout YAMLNodeReader) -> Self {
        let defaults = Self()
        guard let section else { return defaults }
        let window = reader.duration(section, "window") ?? defaults.window
        let deadline = reader.duration(section, "deadline") ?? max(defaults.deadline, window)
        if deadline < window, let node = section["deadline"] {
            reader.report("drain.deadline: must be at least drain.window (\(window)), or streams are cut before their turn", at: node)
        }
        return Self(window: window, deadline: deadline)
    }
}
