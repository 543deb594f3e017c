// swift-tools-version: 6.1
import PackageDescription

// Layers, lowest first (see README "Architecture"): a target imports only targets listed
// before it. C libraries enter as system-library targets owned by exactly one Swift target.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

// The numeric and sample-drawing code runs optimized in debug builds too: the test suite
// draws 2048² phantoms and runs CNNs, which take minutes at -Onone and seconds at -O.
let hot: [SwiftSetting] = strict + [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "Sluice",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "sluice", targets: ["sluice"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // C libraries (Debian -dev packages; `make deps` installs them).
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CZip", path: "Sources/CZip", providers: [.apt(["libzip-dev"])]),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CHaru", path: "Sources/CHaru", providers: [.apt(["libhpdf-dev"])]),
        .systemLibrary(name: "COpenJPEG", path: "Sources/COpenJPEG", providers: [.apt(["libopenjp2-7-dev"])]),
        .systemLibrary(name: "CCharLS", path: "Sources/CCharLS", providers: [.apt(["libcharls-dev"])]),
        // libcurl is opened with dlopen on the first mail (ccurl.h says why): its headers
        // (libcurl4-openssl-dev) are needed to build, the library only to send.
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("dl")]),
        .systemLibrary(name: "CLibSSH", path: "Sources/CLibSSH", providers: [.apt(["libssh-dev"])]),

        // Our own C: SIMD microkernels that pick AVX-512/AVX2/portable at run time (owned by Kernels).
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),

        .target(name: "Checksum", dependencies: ["CCrypto"], swiftSettings: strict),
        .target(name: "Kernels", dependencies: ["CKernels"], swiftSettings: hot),
        .target(name: "DICOM", dependencies: ["CZlib", "COpenJPEG", "CCharLS", "Checksum", "Kernels"], swiftSettings: hot),
        .target(name: "HL7", swiftSettings: strict),
        .target(
            name: "Inference",
            dependencies: ["Kernels", "DICOM", .product(name: "SwiftProtobuf", package: "swift-protobuf"), .product(name: "Yams", package: "Yams")],
            swiftSettings: hot
        ),
        .target(name: "Reports", dependencies: ["DICOM", "HL7", "Kernels", "Checksum", "CPNG", "CHaru"], swiftSettings: strict),
        .target(name: "Delivery", dependencies: ["Checksum", "Reports", "CCurl", "CLibSSH"], swiftSettings: strict),
        .target(name: "Archive", dependencies: ["CZip", "Checksum"], swiftSettings: strict),
        .target(name: "Samples", dependencies: ["DICOM", "Archive"], swiftSettings: hot),
        .target(
            name: "Pipeline",
            dependencies: [
                "DICOM", "HL7", "Kernels", "Inference", "Reports", "Delivery", "Archive", "Checksum",
                "CSQLite",
                .product(name: "Yams", package: "Yams"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "sluice",
            dependencies: ["Pipeline", "DICOM", "HL7", "Inference", "Samples", "Reports", "Delivery",
                           .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),

        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strict),
        // In-memory adapters (a delivery target) for engine tests of policy.
        .target(name: "Fakes", dependencies: ["Pipeline", "Delivery"], path: "Tests/Fakes", swiftSettings: strict),
        .testTarget(name: "DICOMTests", dependencies: ["DICOM", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "InferenceTests",
            dependencies: ["Inference", "DICOM", "Samples", "TestSupport", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            swiftSettings: strict
        ),
        .testTarget(name: "HL7Tests", dependencies: ["HL7", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "SamplesTests", dependencies: ["Samples", "DICOM", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "ReportsDICOMTests", dependencies: ["Reports", "DICOM", "TestSupport"], exclude: ["Golden"],
                    swiftSettings: strict),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "DICOM", "HL7", "Kernels", "TestSupport"], exclude: ["Golden"],
                    swiftSettings: strict),
        .testTarget(name: "MailTests", dependencies: ["Delivery", "Reports", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "SFTPTests", dependencies: ["Delivery", "Pipeline", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Samples", "Reports", "Archive", "Delivery", "DICOM", "Checksum", "Inference", "TestSupport", "Fakes"], swiftSettings: strict),
    ]
)
