#!/usr/bin/env bash
# Sourced by the scripts that run Kotlin on the host JVM (the JUnit tests
# and the demo). Installs what is missing — kotlinc from npm, JNA and JUnit 4
# from Debian — builds the library, checks the checked-in bindings are
# current, and compiles them into a jar (cached by content).
#
# Android tooling is not needed: the same Kotlin the Android module ships
# runs here against the host build of the library.

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${STORYLOOM_CACHE:-$HOME/.cache/storyloom}"
KOTLIN_VERSION="2.4.20"
KOTLIN_HOME="$CACHE/kotlin-$KOTLIN_VERSION/package"
KOTLINC="$KOTLIN_HOME/bin/kotlinc"
JNA_JAR="/usr/share/java/jna.jar"
JUNIT_JAR="/usr/share/java/junit4.jar"
HAMCREST_JAR="/usr/share/java/hamcrest-core.jar"
# Honour CARGO_TARGET_DIR as cargo does (relative paths are the workspace's).
TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$REPO/$TARGET_DIR" ;; esac
BUILD="$TARGET_DIR/jvm"
LIB_DIR="$TARGET_DIR/debug"
# The suspend functions UniFFI generates need kotlinx.coroutines; the Kotlin
# distribution from npm ships the JVM jar (docs/android.md names the Gradle
# coordinates apps use).
COROUTINES_JAR="$KOTLIN_HOME/lib/kotlinx-coroutines-core-jvm.jar"

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_debian_packages() {
    local missing=()
    [ -f "$JNA_JAR" ] || missing+=(libjna-java)
    [ -f "$JUNIT_JAR" ] || missing+=(junit4)
    command -v java >/dev/null || missing+=(default-jdk-headless)
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "Installing ${missing[*]} from Debian…" >&2
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    if [ ! -f "$HAMCREST_JAR" ]; then
        HAMCREST_JAR="$(ls /usr/share/java/hamcrest*.jar | head -n 1)"
    fi
}

ensure_kotlin() {
    if [ ! -x "$KOTLINC" ]; then
        echo "Fetching the Kotlin $KOTLIN_VERSION compiler from npm…" >&2
        mkdir -p "$CACHE/kotlin-$KOTLIN_VERSION"
        (cd "$CACHE" && npm pack --silent "kotlin-compiler@$KOTLIN_VERSION" >/dev/null)
        tar xzf "$CACHE/kotlin-compiler-$KOTLIN_VERSION.tgz" -C "$CACHE/kotlin-$KOTLIN_VERSION"
        rm -f "$CACHE/kotlin-compiler-$KOTLIN_VERSION.tgz"
        chmod +x "$KOTLIN_HOME"/bin/*
    fi
}

# Builds the library and the bindings jar; sets BINDINGS_JAR.
prepare_bindings() {
    ensure_debian_packages
    ensure_kotlin
    "$REPO/bindings/scripts/generate.sh" --check
    local hash
    hash="$(cat "$REPO"/android/src/main/kotlin/org/storyloom/*.kt | sha256sum | cut -c1-16)"
    BINDINGS_JAR="$BUILD/storyloom-bindings-$hash.jar"
    if [ ! -f "$BINDINGS_JAR" ]; then
        echo "Compiling the Kotlin bindings…" >&2
        mkdir -p "$BUILD"
        rm -f "$BUILD"/storyloom-bindings-*.jar
        "$KOTLINC" -nowarn "$REPO/android/src/main/kotlin" \
            -cp "$JNA_JAR:$COROUTINES_JAR" -d "$BINDINGS_JAR"
    fi
}

# Runs a compiled Kotlin program against the host library.
run_kotlin() {
    local classpath="$1"
    shift
    java -Djna.library.path="$LIB_DIR" -cp "$classpath:$KOTLIN_HOME/lib/kotlin-stdlib.jar:$JNA_JAR:$COROUTINES_JAR" "$@"
}
