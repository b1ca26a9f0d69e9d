// swift-tools-version:6.1
import PackageDescription

// libFuzzer harnesses (issue 11, "must show" 6), built apart from the main package so its products and
// test runs stay free of sanitizer flags. The library targets are the main package's own sources, reached
// through symlinks in Sources/. Build and run with scripts/fuzz.sh (or `make fuzz`), which passes
// `-sanitize=fuzzer,address`; each harness's main hands its function to libFuzzer's driver
// (Sources/CFuzzerDriver).

let package = Package(
    name: "ssegate-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
    ],
    targets: [
        // The main package's modules, same sources (symlinks), same dependencies.
        .systemLibrary(name: "CNGHTTP2", pkgConfig: "libnghttp2"),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl"),
        .target(name: "CGatewayShims", dependencies: ["COpenSSL"]),
        .target(name: "CGatewayPrefetch"),
        .target(name: "GatewayLiveObjects"),
        .target(name: "GatewayTLS", dependencies: ["COpenSSL", "CGatewayShims", "GatewayLiveObjects", .product(name: "NIOCore", package: "swift-nio")]),
        .target(name: "GatewaySSE", dependencies: [.product(name: "NIOCore", package: "swift-nio")]),
        .target(name: "GatewayRouting"),
        .target(
            name: "GatewayHub",
            dependencies: ["GatewaySSE", "CGatewayPrefetch", .product(name: "NIOCore", package: "swift-nio"), .product(name: "DequeModule", package: "swift-collections")]
        ),
        .target(
            name: "GatewayHTTP",
            dependencies: [
                "GatewayTLS", "GatewayHTTP2", "GatewaySSE", "GatewayRouting", "GatewayLiveObjects",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(name: "GatewayAuth", dependencies: [.product(name: "JWTKit", package: "jwt-kit")]),
        .target(
            name: "GatewayRedis",
            dependencies: ["GatewayTLS", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")]
        ),
        .target(
            name: "GatewayACME",
            dependencies: [
                "GatewayTLS", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(
            name: "GatewayConfig",
            dependencies: [
                "GatewayRouting", "GatewayHTTP", "GatewayHTTP2", "GatewayHub", "GatewayTLS", "GatewayAuth", "GatewayRedis", "GatewayACME",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "GatewayHTTP2",
            dependencies: [
                "CNGHTTP2", "CGatewayPrefetch", "GatewayLiveObjects",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),

        // One harness per input the gateway takes from outside.
        .target(name: "CFuzzerDriver"),
        .executableTarget(name: "FuzzEventStreamParser", dependencies: ["CFuzzerDriver", "GatewaySSE"]),
        .executableTarget(name: "FuzzLastEventID", dependencies: ["CFuzzerDriver", "GatewaySSE"]),
        .executableTarget(name: "FuzzRouteMatcher", dependencies: ["CFuzzerDriver", "GatewayRouting"]),
        .executableTarget(name: "FuzzConfiguration", dependencies: ["CFuzzerDriver", "GatewayConfig"]),
        .executableTarget(
            name: "FuzzHTTP2ServerSession",
            dependencies: ["CFuzzerDriver", "GatewayHTTP2", .product(name: "NIOCore", package: "swift-nio")]
        ),
    ]
)
