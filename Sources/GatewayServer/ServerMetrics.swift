import GatewayApp
import GatewayHub
import Metrics
import Synchronization

/// The metrics read at scrape time from numbers the layers already keep, so nothing is counted twice:
/// hub statistics (events published and delivered, history, evictions), channels, open connections and
/// upstream sources. Counters are advanced by the difference since this server's last scrape (several
/// servers of one test process add up in the shared registry).
///
/// | metric | from |
/// |---|---|
/// | `ssegate_events_published_total` | `HubStatistics.published` |
/// | `ssegate_events_delivered_total` | `HubStatistics.delivered` (counted per fan-out batch) |
/// | `ssegate_history_events`, `ssegate_history_bytes` | `HubStatistics` |
/// | `ssegate_history_evictions_total{reason}` | `HubStatistics.evicted(_:)` |
/// | `ssegate_channels` | `HubEngine.channelCount` |
/// | `ssegate_connections_open` | the connection registry |
/// | `ssegate_upstream_sources{state}`, `ssegate_upstream_client_streams` | `UpstreamRegistry` |
final class ServerMetrics: Sendable {
    /// The publish-to-socket-write histogram (`HubStatistics.WriteLatencyObserver`).
    static let writeLatencyLabel = "ssegate_publish_to_write_seconds"

    private let engine: any HubEngine
    private let connections: ConnectionRegistry
    private let upstreams: UpstreamRegistry
    private let exported = Mutex<[String: Int]>([:])

    init(engine: any HubEngine, connections: ConnectionRegistry, upstreams: UpstreamRegistry) {
        self.engine = engine
        self.connections = connections
        self.upstreams = upstreams
    }

    /// The latency observer handed to the hub: one histogram sample per fan-out batch and loop.
    static func writeLatencyObserver() -> HubStatistics.WriteLatencyObserver {
        let timer = Metrics.Timer(label: writeLatencyLabel)
        return { elapsed in timer.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000) }
    }

    /// Copies the kept numbers into the registry; runs before each scrape renders it.
    func refresh() {
        let statistics = engine.statistics
        advance("ssegate_events_published_total", to: statistics.published)
        advance("ssegate_events_delivered_total", to: statistics.delivered)
        for reason in HubStatistics.EvictionReason.allCases {
            advance("ssegate_history_evictions_total", [("reason", "\(reason)")], to: statistics.evicted(reason))
        }
        Gauge(label: "ssegate_history_events").record(statistics.historyEvents)
        Gauge(label: "ssegate_history_bytes").record(statistics.historyBytes)
        Gauge(label: "ssegate_channels").record(engine.channelCount)
        Gauge(label: "ssegate_connections_open").record(connections.count)
        Gauge(label: "ssegate_upstream_sources", dimensions: [("state", "open")]).record(upstreams.openCount)
        Gauge(label: "ssegate_upstream_sources", dimensions: [("state", "failed")]).record(upstreams.failedCount)
        Gauge(label: "ssegate_upstream_client_streams").record(upstreams.clientStreamCount)
    }

    /// Advances a counter to `value`: by what it grew since this server's last scrape. Made even when it
    /// did not grow, so every series is in the answer from the first scrape (at 0).
    private func advance(_ label: String, _ dimensions: [(String, String)] = [], to value: Int) {
        let key = label + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        let growth = exported.withLock { exported in
            defer { exported[key] = value }
            return value - exported[key, default: 0]
        }
        Counter(label: label, dimensions: dimensions).increment(by: max(growth, 0))
    }
}
