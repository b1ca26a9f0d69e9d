import NIOCore
import Prometheus

/// The process's metrics as a `metrics:` route serves them: the Prometheus registry the server's
/// metrics factory writes into, and what to read at scrape time.
///
/// Numbers that some layer already keeps (hub statistics, open connections, upstream states) are not
/// counted twice: `refresh` copies them into the registry just before each scrape renders it.
public struct MetricsExposition: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// Runs before each scrape (on the scraping connection's loop): brings read-at-scrape values up to date.
    public let refresh: @Sendable () -> Void

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), refresh: @escaping @Sendable () -> Void = {}) {
        self.registry = registry
        self.refresh = refresh
    }

    /// The text exposition format, version 0.0.4.
    func render() -> ByteBuffer {
        refresh()
        var bytes: [UInt8] = []
        registry.emit(into: &bytes)
        return ByteBuffer(bytes: bytes)
    }
}
