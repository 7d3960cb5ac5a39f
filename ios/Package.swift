// swift-tools-version: 5.9
// The Storyloom Swift package: the generated Swift bindings (Sources/Storyloom)
// over the Rust core, which ships as a binary XCFramework of static libraries
// built by scripts/build-xcframework.sh into build/ (not checked in).
import PackageDescription

let package = Package(
    name: "Storyloom",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "Storyloom", targets: ["Storyloom"]),
    ],
    targets: [
        .binaryTarget(name: "StoryloomFFI", path: "build/StoryloomFFI.xcframework"),
        .target(
            name: "Storyloom",
            dependencies: ["StoryloomFFI"],
            path: "Sources/Storyloom",
            // chrono in the Rust static library can reach CoreFoundation (for
            // the time zone); a static library cannot carry its own link flags.
            linkerSettings: [.linkedFramework("CoreFoundation")]
        ),
        .testTarget(
            name: "StoryloomTests",
            dependencies: ["Storyloom"],
            path: "Tests/StoryloomTests"
        ),
    ]
)
