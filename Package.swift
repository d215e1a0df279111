// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// How the agent's own modules (and FathomShared) are compiled on Linux, for a quick one-shot
/// process (`fathom-bench network` times `fathom-agent trace` against traceroute):
/// - Every function and global in a section of its own, so the link can place the ones a command
///   runs together (see `agentLinkFlags`).
/// - Type metadata through accessor functions, not looked up by mangled name: each name cost the
///   runtime's demangler at its first use (a trace: 1.40 M instructions to 1.24 M under callgrind).
let agentSections: [SwiftSetting] = [
    .unsafeFlags(
        [
            "-Xfrontend", "-function-sections",
            "-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors",
        ], .when(platforms: [.linux]))
]

/// How `fathom-agent` is linked on Linux, for a small and quick one-shot process:
/// - The functions one-shot commands run first and together (`Agent/link/agent-symbol-order.txt`,
///   written by `scripts/agent-symbol-order.sh`): a trace faults in 250 pages instead of 290.
/// - No symbol table for the dynamic linker: at every start the Swift runtime's backtracer looks
///   its own path up with dladdr, which walks that table (9,000+ exported Swift symbols
///   otherwise; 0.2 ms of a 2.3 ms `--version`). Nothing loads symbols from the agent (it
///   dlopens OpenSSL, which needs none of its own).
/// - lld with packed relative relocations (DT_RELR, glibc 2.36): 34,000 relative relocations
///   fit in 7 KB instead of an 800 KB table that every start reads (1 MB less peak RSS).
/// - The C++ runtime and libgcc linked in (`Agent/link/libstdc++.so` explains how): no
///   libstdc++.so.6 or libgcc_s.so.1 to load at start.
let agentLinkFlags = [
    "-Xlinker", "--symbol-ordering-file=" + Context.packageDirectory + "/Agent/link/agent-symbol-order.txt",
    "-Xlinker", "--no-warn-symbol-ordering",
    "-Xlinker", "--no-export-dynamic",
    "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
    "-L", Context.packageDirectory + "/Agent/link", "-Xclang-linker", "-static-libgcc",
]

let package = Package(
    name: "fathom",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "fathom-agent", targets: ["fathom-agent"]),
        .executable(name: "fathom-receiver", targets: ["fathom-receiver"]),
        .executable(name: "fathom-bench", targets: ["fathom-bench"]),
        .executable(name: "fathom-start-floor", targets: ["fathom-start-floor"]),
        .executable(name: "fathom-trace-floor", targets: ["fathom-trace-floor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.30.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.24.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.25.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // No traits: the default `SubprocessFoundation` trait would link Foundation into the agent.
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2", traits: []),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.5.0"),
        // The scale-out store (receiver only): PostgreSQL through postgres-nio.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.21.0"),
        // Test support only: certificates for the tests' and the bench's throwaway PKI.
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
    ],
    targets: [
        // Records, wire formats, config, auth: no I/O beyond reading small files, no Agent/Receiver imports.
        .target(
            name: "FathomShared",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared",
            swiftSettings: strict + agentSections
        ),
        // The system OpenSSL 3 for the agent's HTTPS client: no SwiftNIO or BoringSSL in the agent. Headers only
        // (libssl-dev, in the default include path): libssl.so.3 is loaded with dlopen on the first TLS context,
        // so no pkg-config link flags, and commands that upload nothing never load it.
        .systemLibrary(
            name: "COpenSSL",
            path: "Agent/COpenSSL",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(
            name: "FathomAgent",
            dependencies: [
                "FathomShared", "COpenSSL",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            path: "Agent/FathomAgent",
            swiftSettings: strict + agentSections
        ),
        .executableTarget(
            name: "fathom-agent",
            dependencies: [
                "FathomAgent", "FathomShared",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Agent/fathom-agent",
            swiftSettings: strict + agentSections,
            linkerSettings: [.unsafeFlags(agentLinkFlags, .when(platforms: [.linux]))]
        ),
        // rabbitmq-c's AMQP 0-9-1 client for forwarding stored records to RabbitMQ.
        .systemLibrary(
            name: "CRabbitMQ",
            path: "Receiver/CRabbitMQ",
            pkgConfig: "librabbitmq",
            providers: [.apt(["librabbitmq-dev"])]
        ),
        .target(
            name: "FathomReceiver",
            dependencies: [
                "FathomShared",
                "CRabbitMQ",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Receiver/FathomReceiver",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "fathom-receiver",
            dependencies: [
                "FathomReceiver", "FathomShared",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Receiver/fathom-receiver",
            swiftSettings: strict
        ),
        // The start-up floor the network bench times beside the agent: an empty async main,
        // linked as the agent is.
        .executableTarget(
            name: "fathom-start-floor",
            path: "Benchmarks/fathom-start-floor",
            swiftSettings: strict,
            linkerSettings: [.unsafeFlags(agentLinkFlags, .when(platforms: [.linux]))]
        ),
        // The least any Swift trace pays, timed beside the agent's too: one probe per TTL on one
        // socket, a synchronous main, linked as the agent is. Without Swift 6's dynamic
        // actor-isolation checks, whose main-actor assertions in `main`'s closures would link the
        // concurrency runtime and libdispatch (32 relocated pages) into a program that uses neither.
        .executableTarget(
            name: "fathom-trace-floor",
            path: "Benchmarks/fathom-trace-floor",
            swiftSettings: strict + [.unsafeFlags(["-Xfrontend", "-disable-dynamic-actor-isolation"])],
            linkerSettings: [.unsafeFlags(agentLinkFlags, .when(platforms: [.linux]))]
        ),
        .executableTarget(
            name: "fathom-bench",
            dependencies: [
                "FathomAgent", "FathomReceiver", "FathomShared", "FathomTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Benchmarks/fathom-bench",
            swiftSettings: strict
        ),
        .target(
            name: "FathomTestSupport",
            dependencies: [
                "FathomShared",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "SharedTests", dependencies: ["FathomShared", "FathomTestSupport"], path: "Tests/SharedTests"),
        .testTarget(
            name: "AgentTests", dependencies: ["FathomAgent", "FathomShared", "FathomTestSupport"],
            path: "Tests/AgentTests"),
        .testTarget(
            name: "ReceiverTests",
            dependencies: [
                "FathomReceiver", "FathomShared", "FathomTestSupport",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/ReceiverTests"
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "FathomAgent", "FathomReceiver", "FathomShared", "FathomTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            path: "Tests/EndToEndTests"
        ),
    ]
)
