#!/usr/bin/env bash
# Runs the Kotlin "field day" demo on the host JVM through the real bindings.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/jvm-env.sh"
prepare_bindings

DEMO_JAR="$BUILD/storyloom-demo.jar"
"$KOTLINC" -nowarn "$REPO/android/demo/FieldDay.kt" -cp "$BINDINGS_JAR:$JNA_JAR:$COROUTINES_JAR" -d "$DEMO_JAR"
run_kotlin "$DEMO_JAR:$BINDINGS_JAR" org.storyloom.demo.FieldDayKt "$@"
