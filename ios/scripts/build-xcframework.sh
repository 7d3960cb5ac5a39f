#!/usr/bin/env bash
# Builds ios/build/StoryloomFFI.xcframework, the binary target of the Swift
# package in ios/: the Rust crate storyloom-ffi as a release static library
# for iOS devices, the iOS simulator (arm64 + x86_64) and macOS (arm64 +
# x86_64), each slice with the checked-in C header and modulemap. SQLCipher
# and OpenSSL's libcrypto are compiled into each slice from source.
#
#   ios/scripts/build-xcframework.sh
#
# Needs macOS with Xcode (xcodebuild, lipo) and rustup. The Swift sources and
# the header are not generated here: they are checked in and kept current by
# bindings/scripts/generate.sh, so this only compiles.
set -euo pipefail

if [ "$(uname -s)" != "Darwin" ]; then
    echo "build-xcframework.sh: an XCFramework can only be built on macOS with Xcode (this is $(uname -s))." >&2
    echo "On Linux, ios/scripts/check-swift.sh checks the Swift package as far as it can." >&2
    exit 1
fi
# perl and make build OpenSSL's libcrypto for SQLCipher (the store is
# encrypted at rest; rusqlite's bundled-sqlcipher-vendored-openssl).
for tool in rustup cargo xcodebuild lipo perl make; do
    if ! command -v "$tool" >/dev/null; then
        echo "build-xcframework.sh: '$tool' is missing; install Xcode and rustup first." >&2
        exit 1
    fi
done

IOS="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="$(cd "$IOS/.." && pwd)"
CRATE="storyloom-ffi"
LIB="libstoryloom_ffi.a"
DEVICE="aarch64-apple-ios"
SIMULATOR=(aarch64-apple-ios-sim x86_64-apple-ios)
MACOS=(aarch64-apple-darwin x86_64-apple-darwin)
OUT="$IOS/build"
XCFRAMEWORK="$OUT/StoryloomFFI.xcframework"

# The C parts (SQLite) must target the same OS versions as Package.swift's
# platforms, or every app link warns about objects built for a newer OS.
export IPHONEOS_DEPLOYMENT_TARGET=15.0
export MACOSX_DEPLOYMENT_TARGET=12.0

TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
cd "$REPO"

rustup target add "$DEVICE" "${SIMULATOR[@]}" "${MACOS[@]}"
for target in "$DEVICE" "${SIMULATOR[@]}" "${MACOS[@]}"; do
    echo "Building $CRATE for $target…" >&2
    # Only the static library: the cdylib is of no use inside an XCFramework.
    cargo rustc --package "$CRATE" --lib --release --target "$target" --crate-type staticlib
done

staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT
mkdir -p "$staging/headers" "$staging/ios-simulator" "$staging/macos"
cp "$IOS/StoryloomFFI/include/StoryloomFFI.h" "$IOS/StoryloomFFI/include/module.modulemap" "$staging/headers/"

# One library per platform: the architectures of a platform share a fat file.
lipo -create \
    "$TARGET_DIR/${SIMULATOR[0]}/release/$LIB" "$TARGET_DIR/${SIMULATOR[1]}/release/$LIB" \
    -output "$staging/ios-simulator/$LIB"
lipo -create \
    "$TARGET_DIR/${MACOS[0]}/release/$LIB" "$TARGET_DIR/${MACOS[1]}/release/$LIB" \
    -output "$staging/macos/$LIB"

rm -rf "$XCFRAMEWORK"
mkdir -p "$OUT"
xcodebuild -create-xcframework \
    -library "$TARGET_DIR/$DEVICE/release/$LIB" -headers "$staging/headers" \
    -library "$staging/ios-simulator/$LIB" -headers "$staging/headers" \
    -library "$staging/macos/$LIB" -headers "$staging/headers" \
    -output "$XCFRAMEWORK" >/dev/null

echo "Built $XCFRAMEWORK"
