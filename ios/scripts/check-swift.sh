#!/usr/bin/env bash
# Checks the Swift package in ios/ on a machine with no Swift compiler (the
# Linux machines Storyloom is built on), as far as that is possible:
#   1. every Swift file (sources, tests, Package.swift) parses with the real
#      Swift grammar (tree-sitter-swift, through check_swift_syntax.py);
#   2. the C header of the FFI module compiles;
#   3. every function the header declares is exported by the library;
#   4. the checks themselves catch broken Swift and a missing export, so a
#      green run means something.
# Ends with a one-line summary and fails on any problem.
#
#   ios/scripts/check-swift.sh [LIBRARY]   (default target/debug/libstoryloom_ffi.so)
#
# Installs the pinned tree-sitter packages from PyPI into a venv in the cache
# (outside the repo) on first use. Building and running the XCTest tests
# needs macOS: see ios/scripts/build-xcframework.sh and docs/ios.md.
set -euo pipefail
export LC_ALL=C # sort and comm must agree on the order of names

IOS="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="$(cd "$IOS/.." && pwd)"
LIBRARY="${1:-$REPO/target/debug/libstoryloom_ffi.so}"
CACHE="${STORYLOOM_CACHE:-$HOME/.cache/storyloom}"
VENV="$CACHE/swift-check-venv"
PINS=(tree-sitter==0.25.2 tree-sitter-swift==0.7.4)
CHECKER="$IOS/scripts/check_swift_syntax.py"
GENERATED="$IOS/Sources/Storyloom/Storyloom.swift"
HEADER="$IOS/StoryloomFFI/include/StoryloomFFI.h"

fail() {
    echo "swift checks FAILED: $*" >&2
    exit 1
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_venv() {
    # The stamp names the pins, so changing a pin rebuilds the venv; so does
    # a venv whose Python has gone (an upgraded interpreter).
    if [ "$(cat "$VENV/.pins" 2>/dev/null)" = "${PINS[*]}" ] &&
        "$VENV/bin/python" -c 'import tree_sitter, tree_sitter_swift' 2>/dev/null; then
        return
    fi
    if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
        echo "Installing python3-venv from Debian…" >&2
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    fi
    echo "Installing ${PINS[*]} into $VENV…" >&2
    rm -rf "$VENV"
    mkdir -p "$CACHE"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "${PINS[@]}"
    echo "${PINS[*]}" >"$VENV/.pins"
}

# Parses Swift files; prints the checker's file:line:col reports.
parse_swift() {
    "$VENV/bin/python" "$CHECKER" "$@"
}

# Prints, one a line and sorted, the functions a C header declares, as the
# compiler sees them (-aux-info), after checking that the header compiles.
header_functions() {
    local header="$1" aux="$work/aux.txt"
    if ! gcc -std=c11 -fsyntax-only -D_Nullable= -D_Nonnull= -aux-info "$aux" \
        -x c "$header" 2>"$work/gcc.log"; then
        cat "$work/gcc.log" >&2
        fail "the C header $header does not compile"
    fi
    # Compiling a header as the main file always warns about '#pragma once';
    # any other warning is worth seeing.
    if grep "warning:" "$work/gcc.log" | grep -qv "#pragma once in main file"; then
        cat "$work/gcc.log" >&2
    fi
    # Lines read: /* FILE:LINE:NC */ extern TYPE NAME (PARAMETERS);
    grep -F "/* $header:" "$aux" |
        sed -E 's/^[^*]*\*[^*]*\*\/ extern [^(]*[ *]([A-Za-z_][A-Za-z0-9_]*) \(.*$/\1/' |
        sort -u
}

# Prints the names in the file $1 that the library does not export.
missing_exports() {
    comm -23 "$1" "$work/exported"
}

ensure_venv
[ -f "$LIBRARY" ] || fail "no library at $LIBRARY (build it with: cargo build -p storyloom-ffi)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# 1. Syntax of every Swift file in the package.
mapfile -t swift_files < <(find "$IOS/Sources" "$IOS/Tests" -name '*.swift' | sort)
swift_files+=("$IOS/Package.swift")
parse_swift "${swift_files[@]}" || fail "Swift syntax errors (above)"

# 2 and 3. The header compiles and the library exports all it declares.
header_functions "$HEADER" >"$work/declared"
[ -s "$work/declared" ] || fail "found no function declarations in $HEADER"
nm -D --defined-only "$LIBRARY" | awk 'NF >= 3 { sub(/@.*/, "", $3); print $3 }' | sort -u >"$work/exported"
missing="$(missing_exports "$work/declared")"
[ -z "$missing" ] ||
    fail "$LIBRARY does not export $(wc -l <<<"$missing") functions that $HEADER declares:"$'\n'"$missing"
declared_count="$(wc -l <"$work/declared")"

# 4. Self-test: deliberately broken copies must be caught, each on its own.
broken="$work/Broken.swift"
expect_syntax_error() {
    local what="$1" line="${2:-}" report status=0
    report="$(parse_swift "$broken")" || status=$?
    [ "$status" -eq 1 ] || fail "self-test: the syntax check did not report $what (exit status $status)"
    if [ -n "$line" ] && ! grep -q "^$broken:$line:" <<<"$report"; then
        fail "self-test: $what on line $line was reported elsewhere: $report"
    fi
}

# A function body that lost its closing brace (the last one in the file).
last_brace="$(grep -n '^}$' "$GENERATED" | tail -n 1 | cut -d: -f1)"
[ -n "$last_brace" ] || fail "self-test: no closing brace to delete in $GENERATED"
sed "${last_brace}d" "$GENERATED" >"$broken"
expect_syntax_error "a missing closing brace"

# Garbage inside the Store class, reported on its own line.
store_class="$(grep -n '^open class Store:' "$GENERATED" | head -n 1 | cut -d: -f1)"
[ -n "$store_class" ] || fail "self-test: no 'open class Store:' in $GENERATED"
sed "${store_class}a\\    func (" "$GENERATED" >"$broken"
expect_syntax_error "'func (' in the Store class" "$((store_class + 1))"

# A near miss of a neutralised false positive is still judged by the grammar.
caught=2
if grep -qF '{ () }' "$GENERATED"; then
    sed 's/{ () }/{ ( }/' "$GENERATED" >"$broken"
    expect_syntax_error "'{ ( }'"
    caught=3
fi

# A header function the library does not export must be reported.
fake="storyloom_check_swift_not_exported"
cp "$HEADER" "$work/StoryloomFFI.h"
printf 'void %s(void);\n' "$fake" >>"$work/StoryloomFFI.h"
header_functions "$work/StoryloomFFI.h" >"$work/declared-fake"
[ "$(missing_exports "$work/declared-fake")" = "$fake" ] ||
    fail "self-test: the export check did not report exactly the unexported $fake"

echo "swift checks: ${#swift_files[@]} files parsed, $declared_count header functions exported, self-test caught $caught broken Swift files and 1 unexported header function"
