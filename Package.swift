// swift-tools-version:6.0
import PackageDescription

// Strict settings shared by every target: Swift 6 language mode (strict
// concurrency) plus explicit `any` for existentials.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "Fanfare",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "fanfare", targets: ["fanfare"]),
        .executable(name: "fanfare-bench", targets: ["fanfare-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.13.0"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // Already in the graph through AsyncHTTPClient and Vapor: named here
        // for the email channel's SMTP client (STARTTLS and TLS).
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .target(
            name: "FanfareCore",
            // SHA-256 for the verifiable lottery; Core stays free of I/O.
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict + [.enableUpcomingFeature("MemberImportVisibility")]
        ),
        .target(
            name: "FanfareConnectors",
            dependencies: [
                "FanfareCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "MultipartKit", package: "multipart-kit"),
            ],
            swiftSettings: strict + [.enableUpcomingFeature("MemberImportVisibility")]
        ),
        .target(
            name: "FanfareServer",
            dependencies: [
                "FanfareCore",
                "FanfareConnectors",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "Crypto", package: "swift-crypto"),
                // Fanfare's own HTTP/1.1 server (Web/Server).
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPCompression", package: "swift-nio-extras"),
                // The command line (Application/Commands) and metrics (Web/Metrics).
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.copy("Resources/openapi.yaml"), .copy("Resources/Public"), .copy("Resources/analysis-model.bin")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "fanfare",
            dependencies: [
                "FanfareServer", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "fanfare-bench",
            dependencies: [
                "FanfareCore", "FanfareServer", "FanfareConnectors",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .target(
            // Loopback stub servers shared by the connector and server
            // tests (the SMTP relay, with STARTTLS and TLS).
            name: "FanfareTestStubs",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Tests/Stubs",
            swiftSettings: strict
        ),
        .testTarget(
            name: "FanfareCoreTests",
            dependencies: ["FanfareCore"],
            // Read by path: the fixtures are the training script's output.
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "FanfareConnectorsTests",
            dependencies: [
                "FanfareConnectors", "FanfareTestStubs",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            // The benchmarks' command line and report shape; their timed
            // figures are never asserted in tests.
            name: "FanfareBenchTests",
            dependencies: ["fanfare-bench", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "FanfareServerTests",
            dependencies: [
                "FanfareServer", "FanfareTestStubs",
                .product(name: "VaporTesting", package: "vapor"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
