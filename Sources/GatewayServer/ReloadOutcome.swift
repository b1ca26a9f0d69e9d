/// What one reload did, for the caller (the signal handler logs it, the admin API answers with it).
public enum ReloadOutcome: Sendable, Equatable {
    /// The new configuration and certificates serve from now on.
    /// - changes: what changed, one short phrase each (`routes +1 -2`, `tls.certificates`), empty when nothing did.
    /// - needsRestart: settings whose new value was ignored because it cannot change in a running process.
    /// - streamsEnded: running streams ended because their route is gone.
    case applied(changes: [String], needsRestart: [String], streamsEnded: Int)
    /// Nothing changed: the old configuration keeps serving. Each problem is one line, positioned
    /// (`file:line:column: error: …` for the configuration, the file path for a certificate).
    case refused(problems: [String])

    public var succeeded: Bool {
        switch self {
        case .applied: true
        case .refused: false
        }
    }
}
