import GatewayConfig
import GatewayHub
import GatewayRouting
import Testing

/// The history/resume options: each arrives in the model, bad values are positioned errors.
@Suite struct ResumeOptionsTests {
    private let base = """
    routes:
      - path: /events/{channel}
        channel: "{channel}"
        history: {count: 5, ttl: 2m}
        replay_last: 3
        stream_open_event: true
        max_age: 10m
      - path: /multi
        channel: "user:{channel}"
        max_channels: 4
      - path: /publish/{channel}
        publish: "{channel}"
        history: {bytes: 4KiB}
    streams:
      retry_jitter: 25%
      max_age: 1h
      max_age_jitter: 0.2
    history:
      max_total_bytes: 64MiB
    publish:
      idempotency_ttl: 30s

    """

    @Test func everyOptionArrives() throws {
        let configuration = try GatewayConfiguration.parse(yaml: base, fileName: "t.yaml")
        let events = configuration.routes[0]
        #expect(events.history == HistoryOverride(count: 5, ttl: .seconds(120)))
        #expect(events.historyLimits(over: configuration.history) == HistoryLimits(count: 5, bytes: 1 << 20, ttl: .seconds(120)))
        #expect(configuration.history.maxTotalBytes == 64 << 20)
        #expect(events.replayLast == 3)
        #expect(events.streamOpenEvent)
        #expect(events.maxAge == .seconds(600))
        #expect(configuration.routes[1].maxChannels == 4)
        #expect(configuration.routes[2].history == HistoryOverride(bytes: 4096))
        #expect(configuration.streams.retryJitter == 0.25)
        #expect(configuration.streams.maxAge == .seconds(3600))
        #expect(configuration.streams.maxAgeJitter == 0.2)
        #expect(configuration.history.maxTotalBytes == 64 << 20)
        #expect(configuration.publish.idempotencyTTL == .seconds(30))
    }

    @Test(arguments: [
        ("routes:\n  - path: /e/{c}\n    channel: \"{c}\"\n    replay_last: 0\n", "4:18", "out of range"),
        ("routes:\n  - path: /p/{c}\n    publish: \"{c}\"\n    max_age: 1m\n", "4:5", "only channel and upstream routes take 'max_age'"),
        ("routes:\n  - path: /h\n    health: liveness\n    history: {count: 1}\n", "4:5", "only channel and publish routes"),
        ("routes:\n  - path: /e\n    channel: \"{c}\"\n", "3:14", "max_channels above 1"),
        ("routes:\n  - path: /e/{c}\n    channel: \"{c}\"\n    history: {cnt: 1}\n", "4:15", "unknown key 'cnt'"),
        ("streams:\n  retry_jitter: 1.5\nroutes:\n  - path: /h\n    health: liveness\n", "2:17", "out of range 0...1"),
        ("streams:\n  retry_jitter: lots\nroutes:\n  - path: /h\n    health: liveness\n", "2:17", "expected a fraction"),
    ])
    func badValuesArePositioned(yaml: String, position: String, fragment: String) {
        let error = #expect(throws: ConfigurationError.self) { try GatewayConfiguration.parse(yaml: yaml, fileName: "t.yaml") }
        let text = error?.description ?? ""
        #expect(text.contains("t.yaml:\(position): error:"), "\(text)")
        #expect(text.contains(fragment), "\(text)")
    }
}
