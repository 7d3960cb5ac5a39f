#!/usr/bin/env bash
# Runs the Android module's JUnit 4 tests on the host JVM against the host
# build of the library, through the real generated bindings. Ends with a
# line "N passed, M failed" and fails on any failure.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/jvm-env.sh"
prepare_bindings

# The transport test talks to the storyloom CLI in its own process.
cargo build --quiet -p storyloom --bin storyloom

TESTS_JAR="$BUILD/storyloom-tests.jar"
echo "Compiling the Kotlin tests…" >&2
"$KOTLINC" -nowarn \
    "$REPO/android/src/test/kotlin" "$REPO/android/scripts/JvmTestRunner.kt" \
    -cp "$BINDINGS_JAR:$JNA_JAR:$COROUTINES_JAR:$JUNIT_JAR:$KOTLIN_HOME/lib/kotlin-test.jar:$KOTLIN_HOME/lib/kotlin-test-junit.jar" \
    -d "$TESTS_JAR"

run_kotlin "$TESTS_JAR:$BINDINGS_JAR:$JUNIT_JAR:$HAMCREST_JAR:$KOTLIN_HOME/lib/kotlin-test.jar:$KOTLIN_HOME/lib/kotlin-test-junit.jar" \
    -Dstoryloom.cli="$LIB_DIR/storyloom" org.storyloom.JvmTestRunnerKt "$TESTS_JAR"
