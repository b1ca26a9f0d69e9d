import Metrics
import Prometheus

/// The process's one metrics backend: swift-metrics bootstrapped with swift-prometheus's factory over one
/// registry, which `metrics:` routes render.
///
/// swift-metrics allows one bootstrap per process, so it happens once, on first use (the first
/// `GatewayServer`), and every server of the process (tests run several) shares the registry. Metric
/// objects are made after it, when a server compiles its routes and opens connections.
enum MetricsBootstrap {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Publish-to-write latency is sub-millisecond on an idle node and seconds under overload.
        factory.durationHistogramBuckets[ServerMetrics.writeLatencyLabel] = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .seconds(2), .seconds(5),
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }()
}
