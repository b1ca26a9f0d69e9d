// swift-tools-version:6.1
import PackageDescription

// Layers as modules, dependencies pointing down only (see DESIGN.md):
// C boundary (COpenSSL, CNGHTTP2, CGatewayShims) → protocol layers (GatewayTLS, GatewayHTTP2, GatewaySSE)
// → domain (GatewayHub, GatewayRouting, GatewayConfig) → GatewayServer → ssegate.

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
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
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
        .target(name: "CGatewayShims", dependencies: ["COpenSSL"]),

        // MARK: Protocol layers
        .target(
            name: "GatewayTLS",
            dependencies: [
                "COpenSSL", "CGatewayShims",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .target(
            name: "GatewayHTTP2",
            dependencies: [
                "CNGHTTP2",
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
                "GatewaySSE",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: deliveryPathSettings
        ),
        .target(
            name: "GatewayConfig",
            dependencies: ["GatewayRouting", .product(name: "Yams", package: "Yams")]
        ),

        .target(
            name: "GatewayUpstream",
            dependencies: [
                "GatewaySSE", "GatewayTLS", "GatewayHTTP2",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),

        // MARK: Server and executable
        .target(
            name: "GatewayServer",
            dependencies: [
                "GatewayTLS", "GatewayHTTP2", "GatewaySSE", "GatewayHub", "GatewayRouting", "GatewayConfig", "GatewayUpstream",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: deliveryPathSettings
        ),
        .executableTarget(
            name: "ssegate",
            dependencies: [
                "GatewayServer", "GatewayConfig", "GatewayTLS",
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
            path: "Benchmarks/LoadClient"
        ),

        // MARK: Tests
        .testTarget(name: "GatewaySSETests", dependencies: ["GatewaySSE"]),
        .testTarget(name: "GatewayRoutingTests", dependencies: ["GatewayRouting"]),
        .testTarget(
            name: "GatewayHubTests",
            dependencies: [
                "GatewayHub", "GatewaySSE",
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "GatewayConfigTests", dependencies: ["GatewayConfig", "GatewayRouting"]),
        .testTarget(
            name: "GatewayUpstreamTests",
            dependencies: [
                "GatewayUpstream", "GatewaySSE", "GatewayTLS", "GatewayHTTP2",
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
                "GatewayACME", "GatewayTLS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "GatewayHTTP2Tests",
            dependencies: ["GatewayHTTP2", "CNGHTTP2", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(
            name: "GatewayServerTests",
            dependencies: [
                "GatewayServer", "GatewayConfig", "GatewayTLS", "GatewaySSE", "GatewayHTTP2", "GatewayHub", "GatewayRouting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Clients"]
        ),
    ]
)
