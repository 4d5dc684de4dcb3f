// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "sluice",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "sluice", targets: ["sluice"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    ],
    targets: [
        // C system libraries, located with pkg-config.
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSRTP", pkgConfig: "libsrtp2", providers: [.apt(["libsrtp2-dev"])]),
        .systemLibrary(name: "CFFmpeg", pkgConfig: "libavformat", providers: [.apt(["libavformat-dev", "libavcodec-dev", "libavutil-dev"])]),

        // Pure wire formats and ORTC rules.
        .target(
            name: "SluiceRTP",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict
        ),
        // DTLS (OpenSSL) and SRTP (libsrtp2); C types stay inside.
        .target(
            name: "SluiceCrypto",
            dependencies: ["COpenSSL", "CSRTP"],
            swiftSettings: strict
        ),
        // Sans-IO Router engine: no sockets, no clocks.
        .target(
            name: "SluiceEngine",
            dependencies: ["SluiceRTP", "SluiceCrypto", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict
        ),
        // Sockets, workers (one event loop each), port allocation.
        .target(
            name: "SluiceNet",
            dependencies: [
                "SluiceEngine",
                "SluiceRecorder",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // In-process recording: RTP → frames → libavformat (libavcodec only to transcode).
        .target(
            name: "SluiceRecorder",
            dependencies: [
                "SluiceRTP",
                "CFFmpeg",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The REST API on Hummingbird.
        .target(
            name: "SluiceAPI",
            dependencies: [
                "SluiceNet",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "sluice",
            dependencies: [
                "SluiceAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),

        .testTarget(name: "SluiceRTPTests", dependencies: ["SluiceRTP"]),
        .testTarget(name: "SluiceCryptoTests", dependencies: ["SluiceCrypto"]),
        .testTarget(name: "SluiceEngineTests", dependencies: ["SluiceEngine", "SluiceCrypto"]),
        .testTarget(name: "SluiceRecorderTests", dependencies: ["SluiceRecorder", "SluiceRTP"]),
        .testTarget(
            name: "SluiceAPITests",
            dependencies: [
                "SluiceAPI",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ]
)
