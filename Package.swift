// swift-tools-version:6.1
import PackageDescription

// Layers as modules, dependencies pointing down only (the map is Sources/README.md):
// C boundary (COpenSSL, CNGHTTP2, CGatewayShims, CGatewayPrefetch) → protocol layers (GatewayTLS, GatewayHTTP2, GatewaySSE)
// → domain (GatewayRouting, GatewayHub, GatewayUpstream) → GatewayHTTP → GatewayConfig → GatewayApp
// → GatewayServer → ssegate.

// The modules on the per-delivery path skip the runtime exclusivity checks in release builds: the profile of
// a 5,000-stream fan-out showed `swift_beginAccess` and its thread-local access set at ~3% of server CPU.
// Debug builds (and so every test run) keep the checks, and the compile-time checks stay in both.
let deliveryPathSettings: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "ssegate",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ssegate", targets: ["ssegate"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
    ],
    targets: [
        // MARK: C boundary
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]
        ),
        .systemLibrary(
            name: "CNGHTTP2",
            pkgConfig: "libnghttp2",
            providers: [.apt(["libnghttp2-dev"]), .brew(["nghttp2"])]
        ),
        /// The process's malloc (linked into the executable; see Sources/ssegate/Allocator.swift).
        .systemLibrary(
            name: "CJemalloc",
            pkgConfig: "jemalloc",
            providers: [.apt(["libjemalloc-dev"])]
        ),
        .target(name: "CGatewayShims", dependencies: ["COpenSSL"]),
        /// A cache prefetch hint for the fan-out's walk over its subscribers (GatewayHub.LoopFanout, and the
        /// HTTP/2 session's per-stream state it reaches through `HubSubscriber.prepareForDelivery`).
        .target(name: "CGatewayPrefetch"),

        /// Live-object counters (connection handlers, nghttp2 sessions, TLS state): one atomic add per
        /// connection in init and deinit, read by tests that show closed connections leave nothing behind.
        .target(name: "GatewayLiveObjects"),

        // MARK: Protocol layers
        .target(
            name: "GatewayTLS",
            dependencies: [
                "COpenSSL", "CGatewayShims", "GatewayLiveObjects",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .target(
            name: "GatewayHTTP2",
            dependencies: [
                "CNGHTTP2", "CGatewayPrefetch", "GatewayLiveObjects",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: deliveryPathSettings
        ),
        .target(
            name: "GatewaySSE",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")]
        ),
        /// ACME (RFC 8555) certificates: account, orders, challenges, storage, renewal schedule.
        .target(
            name: "GatewayACME",
            dependencies: [
                "GatewayTLS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),

        // MARK: Domain
        .target(name: "GatewayRouting"),
        .target(
            name: "GatewayHub",
            dependencies: [
                "GatewaySSE", "CGatewayPrefetch",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: deliveryPathSettings
        ),
        /// Access control: JWT verification (jwt-kit), channel patterns, token sources and CORS, as pure values.
        .target(name: "GatewayAuth", dependencies: [.product(name: "JWTKit", package: "jwt-kit")]),
        .target(
            name: "GatewayConfig",
            dependencies: [
                "GatewayRouting", "GatewayHTTP", "GatewayHTTP2", "GatewayHub", "GatewayTLS", "GatewayAuth", "GatewayRedis", "GatewayACME",
                .product(name: "Yams", package: "Yams"),
            ]
        ),

        .target(
            name: "GatewayUpstream",
            dependencies: [
                "GatewaySSE", "GatewayTLS", "GatewayHTTP2", "GatewayRouting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),

        /// The Redis client for the scale-out engine (issue 14): RESP codec, pipelined connections, pool.
        .target(
            name: "GatewayRedis",
            dependencies: [
                "GatewayTLS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),

        /// The Redis Streams engine (issue 14): ids, history and idempotency in Redis, one reader per node
        /// feeding the shared node-local fan-out.
        .target(
            name: "GatewayHubRedis",
            dependencies: [
                "GatewayHub", "GatewayRedis", "GatewaySSE",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),

        // MARK: HTTP, application, server and executable
        /// Protocol-facing: requests, responses, stream handles, both connection handlers, per-loop services.
        /// Knows no hub and no config.
        .target(
            name: "GatewayHTTP",
            dependencies: [
                "GatewayTLS", "GatewayHTTP2", "GatewaySSE", "GatewayRouting", "GatewayLiveObjects",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: deliveryPathSettings
        ),
        /// Responders compiled from routes, middleware, typed errors, event streams, the runtime snapshot.
        .target(
            name: "GatewayApp",
            dependencies: [
                "GatewayHTTP", "GatewayHub", "GatewayRouting", "GatewayConfig", "GatewayUpstream", "GatewaySSE", "GatewayTLS", "GatewayAuth", "GatewayACME",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                // gzip for the static responder's text files (zlib, wrapped by the package).
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: deliveryPathSettings
        ),
        /// Bootstrap: listeners, lifecycle and signals, the connection registry, certificate provisioning.
        .target(
            name: "GatewayServer",
            dependencies: [
                "GatewayApp", "GatewayHTTP", "GatewayTLS", "GatewayHub", "GatewayConfig", "GatewayHubRedis", "GatewayRedis", "GatewayACME",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "ssegate",
            dependencies: [
                "GatewayServer", "GatewayConfig", "GatewayTLS", "GatewayAuth", "CJemalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: Benchmarks

        /// The load client: TLS connections × HTTP/2 streams (or HTTP/1.1), publish-to-receive latency.
        .executableTarget(
            name: "ssegate-load",
            dependencies: [
                "GatewayTLS", "GatewayHTTP2", "GatewaySSE",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/LoadClient",
            // The client shares the cores with the server it measures: its own CPU per event shows up in
            // every latency figure, so it skips the runtime exclusivity checks too (release only).
            swiftSettings: deliveryPathSettings
        ),

        /// Token verifications per second (HS256, ES256), to set beside the cost of a TLS handshake.
        .executableTarget(name: "ssegate-authbench", dependencies: ["GatewayAuth"], path: "Benchmarks/AuthBench"),

        // MARK: Tests
        /// What several test targets share: a real SSE origin (HTTP/1.1, TLS, HTTP/2) and child processes.
        .target(
            name: "GatewayTestSupport",
            dependencies: [
                "GatewayTLS", "GatewayHTTP2",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/GatewayTestSupport"
        ),
        .testTarget(name: "GatewaySSETests", dependencies: ["GatewaySSE"]),
        .testTarget(name: "GatewayRoutingTests", dependencies: ["GatewayRouting"]),
        .testTarget(name: "GatewayAuthTests", dependencies: ["GatewayAuth", .product(name: "JWTKit", package: "jwt-kit")]),
        .testTarget(
            name: "GatewayHubTests",
            dependencies: [
                "GatewayHub", "GatewaySSE", "GatewayTestSupport",
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "GatewayConfigTests", dependencies: ["GatewayConfig", "GatewayRouting", "GatewayHub", "GatewayHTTP2", "GatewayTLS", "GatewayAuth", "GatewayHTTP", "GatewayACME", "GatewayTestSupport"]),
        .testTarget(
            name: "GatewayUpstreamTests",
            dependencies: [
                "GatewayUpstream", "GatewaySSE", "GatewayTLS", "GatewayHTTP2", "GatewayRouting", "GatewayTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "GatewayTLSTests",
            dependencies: [
                "GatewayTLS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "GatewayACMETests",
            dependencies: [
                "GatewayACME", "GatewayTLS", "GatewayServer", "GatewayConfig", "GatewayRouting", "GatewayTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "GatewayHTTP2Tests",
            dependencies: ["GatewayHTTP2", "CNGHTTP2", "GatewayTestSupport", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(
            name: "GatewayHTTPTests",
            dependencies: [
                "GatewayHTTP", "GatewayHTTP2", "GatewaySSE", "GatewayTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "GatewayAppTests",
            dependencies: [
                "GatewayApp", "GatewayHTTP", "GatewayHub", "GatewayConfig", "GatewayRouting", "GatewaySSE", "GatewayAuth",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ]
        ),
        .testTarget(
            name: "GatewayRedisTests",
            dependencies: [
                "GatewayRedis", "GatewayTLS", "GatewayTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "GatewayHubRedisTests",
            dependencies: ["GatewayHubRedis", "GatewayHub", "GatewayRedis", "GatewaySSE", "GatewayTestSupport", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")]
        ),
        /// redis-server and several `ssegate` processes on loopback (issue 14); needs the binary built.
        .testTarget(
            name: "GatewayScaleOutTests",
            dependencies: ["GatewayTestSupport"],
            exclude: ["Clients"]
        ),
        .testTarget(
            name: "GatewayServerTests",
            dependencies: [
                "GatewayServer", "GatewayApp", "GatewayHTTP", "GatewayTestSupport", "GatewayConfig", "GatewayTLS", "GatewaySSE", "GatewayHTTP2", "GatewayHub", "GatewayRouting", "GatewayAuth", "GatewayLiveObjects",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Clients"]
        ),
    ]
)
