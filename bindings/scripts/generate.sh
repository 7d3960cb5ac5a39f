#!/usr/bin/env bash
# Generates the Kotlin and Swift bindings from the library and puts them
# where the Android module and the Swift package read them.
#
#   bindings/scripts/generate.sh          write the checked-in copies
#   bindings/scripts/generate.sh --check  fail if the checked-in copies are stale
#
# The generated sources are checked in (so the Android module and the Swift
# package build without Rust tooling) and the test command runs --check, so
# they can never drift from the Rust API (see docs/adr/0005-bindings.md).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO"

MODE="${1:-write}"
TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$REPO/$TARGET_DIR" ;; esac
cargo build --quiet -p storyloom-ffi
case "$(uname -s)" in
    Darwin) LIB="$TARGET_DIR/debug/libstoryloom_ffi.dylib" ;;
    *) LIB="$TARGET_DIR/debug/libstoryloom_ffi.so" ;;
esac

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
cargo run --quiet -p storyloom-ffi --bin uniffi-bindgen -- \
    generate "$LIB" --language kotlin --language swift --out-dir "$OUT" --no-format >/dev/null

# Kotlin: Store.close() closes the store (so a closed store throws
# StoreException.Closed) and Subscription.close() stops its listener, rather
# than only freeing the handle (see the script and uniffi.toml).
perl "$REPO/bindings/scripts/kotlin-close.pl" "$OUT/org/storyloom/storyloom.kt"

# Each generated file and where it lives in the repository (pairs of lines;
# no associative arrays, so macOS's bash 3.2 runs this too).
PLACES="
org/storyloom/storyloom.kt android/src/main/kotlin/org/storyloom/storyloom.kt
Storyloom.swift ios/Sources/Storyloom/Storyloom.swift
StoryloomFFI.h ios/StoryloomFFI/include/StoryloomFFI.h
StoryloomFFI.modulemap ios/StoryloomFFI/include/module.modulemap
"

stale=0
while read -r generated target; do
    [ -n "$generated" ] || continue

    if [ "$MODE" = "--check" ]; then
        if ! cmp -s "$OUT/$generated" "$target"; then
            echo "stale generated binding: $target" >&2
            stale=1
        fi
    else
        mkdir -p "$(dirname "$target")"
        cp "$OUT/$generated" "$target"
    fi
done <<<"$PLACES"


if [ "$stale" -ne 0 ]; then
    echo "The checked-in bindings do not match the Rust API; run bindings/scripts/generate.sh and commit the result." >&2
    exit 1
fi
[ "$MODE" = "--check" ] && echo "bindings: checked-in Kotlin and Swift match the Rust API"
exit 0
