// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "berth",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "berth", targets: ["berth"]),
        .library(name: "BerthServer", targets: ["BerthServer"]),
    ],
    dependencies: [
        // `traits: []` drops FoundationInternationalization and ICU: half the static binary (docs/architecture.md, "Dependencies").
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        // Already in Hummingbird's graph; named for the one channel handler that answers `Expect: 100-continue`.
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-extras", exact: "1.35.2"),
        // Already in Hummingbird's graph; named because the server spells statuses and header fields with it.
        .package(url: "https://github.com/apple/swift-http-types", exact: "1.8.0"),
        // SHA-256 of the model artifact (provenance, BERTH_EXPECT_SHA256); already in the test build's graph.
        .package(url: "https://github.com/apple/swift-crypto", exact: "4.5.2"),
        // Metrics: the runtime and the server measure through swift-metrics; swift-prometheus renders /metrics.
        .package(url: "https://github.com/apple/swift-metrics", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        // Whole gzip members into a buffer of known size, about twice zlib's speed: how a model.tar.gz is inflated.
        .systemLibrary(
            name: "CDeflate",
            pkgConfig: "libdeflate",
            providers: [.apt(["libdeflate-dev"]), .brew(["libdeflate"])]
        ),
        // How text from outside Berth (model files, archives, requests) is quoted in messages: one rule for every module.
        .target(name: "BerthText", swiftSettings: swiftSettings),
        .target(name: "BerthJSON", swiftSettings: swiftSettings),
        .target(name: "BerthProtobuf", swiftSettings: swiftSettings),
        // Pickles (and joblib's files) read as data, never executed: what pickled XGBoost models are read from.
        .target(name: "BerthPickle", dependencies: ["BerthText"], swiftSettings: swiftSettings),
        .target(name: "BerthArtifacts", dependencies: ["BerthText", "CZlib", "CDeflate", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: swiftSettings),
        // The dense-layer micro-kernels and the tree walk with gathers: C only to compile them for AVX-512 / AVX2 and
        // choose at run time.
        .target(name: "CBerthKernels"),
        .target(name: "BerthCore", dependencies: ["BerthText", "CBerthKernels"], swiftSettings: swiftSettings),
        // The CUDA driver and NVRTC, opened with dlopen at run time: building needs no CUDA at all.
        .target(name: "CCUDA", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),
        .target(
            name: "BerthCUDA",
            dependencies: ["BerthCore", "CCUDA", .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                           .product(name: "CoreMetrics", package: "swift-metrics")],
            swiftSettings: swiftSettings
        ),
        .target(name: "BerthFormats", dependencies: ["BerthCore", "BerthJSON", "BerthProtobuf", "BerthPickle", "BerthText"], swiftSettings: swiftSettings),
        .target(name: "BerthCodecs", dependencies: ["BerthCore", "BerthJSON", "BerthProtobuf", "BerthText"], swiftSettings: swiftSettings),
        // The Open Inference Protocol (KServe V2, Triton's HTTP API): infer requests into feature rows, answers and
        // metadata documents.
        .target(name: "BerthOpenInference", dependencies: ["BerthCore", "BerthJSON", "BerthProtobuf", "BerthText"], swiftSettings: swiftSettings),
        // Configuration, backend choice, model loading and its state, the inference pipeline, the batcher, the
        // multi-model registry and the batch-file jobs of `berth predict`: everything between the models and HTTP.
        .target(
            name: "BerthRuntime",
            dependencies: [
                "BerthArtifacts", "BerthCore", "BerthCUDA", "BerthFormats", "BerthCodecs", "BerthJSON", "BerthOpenInference", "BerthText",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // HTTP only: the application, routes, handlers, channel handlers and the statuses runtime errors map to.
        .target(
            name: "BerthServer",
            dependencies: [
                "BerthRuntime", "BerthCore", "BerthCodecs", "BerthFormats", "BerthJSON", "BerthOpenInference", "BerthText",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "berth",
            dependencies: [
                "BerthServer", "BerthRuntime", "BerthArtifacts", "BerthCodecs", "BerthCore", "BerthFormats", "BerthJSON", "BerthText",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings,
            plugins: ["BerthBuildInfo"]
        ),
        // Writes the commit being built into the executable (`berth --version`).
        .plugin(name: "BerthBuildInfo", capability: .buildTool()),
        .target(name: "BerthTestSupport", dependencies: ["BerthCUDA", "BerthCore", "BerthJSON"], path: "Tests/BerthTestSupport", swiftSettings: swiftSettings),
        .testTarget(
            name: "BerthRuntimeTests",
            dependencies: [
                "BerthRuntime", "BerthCore", "BerthCUDA", "BerthCodecs", "BerthArtifacts", "BerthJSON", "BerthOpenInference", "BerthTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "BerthTextTests", dependencies: ["BerthText"], swiftSettings: swiftSettings),
        .testTarget(name: "BerthJSONTests", dependencies: ["BerthJSON", "BerthTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "BerthProtobufTests", dependencies: ["BerthProtobuf"], swiftSettings: swiftSettings),
        .testTarget(name: "BerthPickleTests", dependencies: ["BerthPickle"], swiftSettings: swiftSettings),
        .testTarget(name: "BerthArtifactsTests", dependencies: ["BerthArtifacts", "CZlib", "BerthTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "BerthCoreTests", dependencies: ["BerthCore", "BerthJSON", "CBerthKernels", "BerthTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "BerthCUDATests", dependencies: ["BerthCUDA", "BerthCore", "BerthFormats", "BerthArtifacts", "BerthTestSupport",
                                                         .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                                                         .product(name: "MetricsTestKit", package: "swift-metrics")],
                    swiftSettings: swiftSettings),
        .testTarget(name: "BerthFormatsTests", dependencies: ["BerthFormats", "BerthArtifacts", "BerthCore", "BerthJSON", "BerthProtobuf", "BerthTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "BerthCodecsTests", dependencies: ["BerthCodecs", "BerthCore", "BerthJSON", "BerthProtobuf", "BerthTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "BerthOpenInferenceTests", dependencies: ["BerthOpenInference", "BerthCore", "BerthJSON", "BerthTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "BerthServerTests",
            dependencies: [
                "BerthServer", "BerthRuntime", "BerthCore", "BerthJSON", "BerthCodecs", "BerthProtobuf", "BerthTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer targets, one per parser of untrusted bytes (Fuzz/README.md). Only `Fuzz/run` builds them: it sets
// BERTH_FUZZ=1 and `--sanitize fuzzer --sanitize address`, without which they would have no `main` to link.
if Context.environment["BERTH_FUZZ"] == "1" {
    package.targets.append(.target(name: "FuzzSupport", dependencies: ["BerthArtifacts", "BerthCodecs", "BerthFormats", "BerthCore", "BerthJSON", "BerthOpenInference", "BerthPickle"],
                                   path: "Fuzz/Sources/FuzzSupport", swiftSettings: swiftSettings))
    for name in ["FuzzCSV", "FuzzJSON", "FuzzJSONLines", "FuzzLibSVM", "FuzzNPY", "FuzzRecordIO", "FuzzGzip", "FuzzTar",
                 "FuzzXGBoostJSON", "FuzzXGBoostUBJSON", "FuzzXGBoostLegacy", "FuzzONNX", "FuzzOpenInference", "FuzzPickle",
                 "FuzzLightGBM", "FuzzCatBoost", "FuzzDecimal"] {
        package.targets.append(.executableTarget(name: name, dependencies: ["FuzzSupport"], path: "Fuzz/Sources/\(name)",
                                                 swiftSettings: swiftSettings + [.unsafeFlags(["-parse-as-library"])]))
    }
}
