import Testing

/// The reload and drain tests that start many clients, a child gateway or a fixed port run one at a time:
/// run together beside the rest of the suite on a two-core machine, they starve the timing-sensitive tests.
@Suite(.serialized) enum ReloadIntegration {}
