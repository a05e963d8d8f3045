// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "telltale",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "telltale", targets: ["telltale"]),
        .library(name: "TelltaleCore", targets: ["TelltaleCore"]),
        .library(name: "TelltaleCapture", targets: ["TelltaleCapture"]),
        .library(name: "TelltaleStore", targets: ["TelltaleStore"]),
        .library(name: "TelltaleServer", targets: ["TelltaleServer"]),
        .library(name: "TelltaleMCP", targets: ["TelltaleMCP"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk.git", .upToNextMinor(from: "0.12.1")),
    ],
    targets: [
        // Protocol rules, Call records, redaction, sketches, wire codec. Foundation only, no I/O.
        .target(name: "TelltaleCore"),
        // stdio relay, the shipper (batch, gzip, retry, spool).
        .target(
            name: "TelltaleCapture",
            dependencies: [
                "TelltaleCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // CallStore and its SQLite engine.
        .target(
            name: "TelltaleStore",
            dependencies: [
                "TelltaleCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The Hummingbird application: ingest, query API, auth.
        .target(
            name: "TelltaleServer",
            dependencies: [
                "TelltaleCore",
                "TelltaleStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            resources: [.copy("Resources/openapi.yaml")]
        ),
        // The Swift SDK: a transport decorator for modelcontextprotocol/swift-sdk servers.
        .target(
            name: "TelltaleMCP",
            dependencies: [
                "TelltaleCore",
                "TelltaleCapture",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // A runnable swift-sdk server monitored by TelltaleMCP (stdio); the SDK's quick start.
        .executableTarget(
            name: "telltale-mcp-example",
            dependencies: [
                "TelltaleMCP",
                .product(name: "MCP", package: "swift-sdk"),
            ],
            path: "Examples/telltale-mcp-example"
        ),
        .executableTarget(
            name: "telltale",
            dependencies: [
                "TelltaleCore",
                "TelltaleCapture",
                "TelltaleStore",
                "TelltaleServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "telltale-bench",
            dependencies: [
                "TelltaleCore",
                "TelltaleCapture",
                "TelltaleStore",
                "TelltaleServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Benchmarks/telltale-bench"
        ),
        .testTarget(name: "TelltaleCoreTests", dependencies: ["TelltaleCore"]),
        .testTarget(
            name: "TelltaleCaptureTests",
            dependencies: [
                "TelltaleCapture", "TelltaleCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ]
        ),
        .testTarget(
            name: "TelltaleMCPTests",
            dependencies: [
                "TelltaleMCP", "TelltaleCapture", "TelltaleCore", "TelltaleServer", "TelltaleStore",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(name: "TelltaleStoreTests", dependencies: ["TelltaleStore", "TelltaleCore"]),
        .testTarget(
            name: "TelltaleServerTests",
            dependencies: [
                "TelltaleServer", "TelltaleStore", "TelltaleCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
