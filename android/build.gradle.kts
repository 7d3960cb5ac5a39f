// The Storyloom Android library (AAR): the UniFFI-generated Kotlin bindings
// checked in under src/main/kotlin, plus libstoryloom_ffi.so for each ABI,
// built by cargo-ndk from the Rust workspace one folder up. How apps use it:
// docs/android.md.
//
// Rust tasks (group "storyloom"):
//   cargoBuildAndroid  the .so files for the app, into src/main/jniLibs
//   cargoBuildHost     the library for this machine, for the JVM unit tests
//   generateBindings   rewrite the checked-in Kotlin and Swift bindings
//   checkBindings      fail if the checked-in bindings are stale

import org.jetbrains.kotlin.gradle.dsl.JvmTarget
import org.jetbrains.kotlin.gradle.tasks.KotlinCompile

plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
    `maven-publish`
}

// This module is the android/ folder of the Rust workspace. Paths are taken
// from this project's own folder, not the root project's, so they stay right
// when an app includes the module from its own settings file.
val workspaceDir: File = layout.projectDirectory.asFile.parentFile
val jniLibsDir: File = layout.projectDirectory.dir("src/main/jniLibs").asFile
val bindingsScript: File = workspaceDir.resolve("bindings/scripts/generate.sh")
// `cargo build -p storyloom-ffi` leaves the host library here; the unit tests
// load it through JNA under the name JNA itself looks for on this OS.
val hostLibraryDir: File = workspaceDir.resolve("target/debug")
val hostLibrary: File = hostLibraryDir.resolve(System.mapLibraryName("storyloom_ffi"))

// The AAR takes the crate's version, so the two cannot drift apart.
val crateVersion: String = providers
    .fileContents(layout.projectDirectory.file("../Cargo.toml"))
    .asText
    .map { toml ->
        Regex("""(?m)^version\s*=\s*"([^"]+)"""").find(toml)?.groupValues?.get(1)
            ?: error("no `version = \"…\"` line in the workspace Cargo.toml")
    }
    .get()

// With rootProject.name "storyloom": org.storyloom:storyloom, the coordinates
// apps use for a published AAR and for composite-build substitution.
group = "org.storyloom"
version = crateVersion

android {
    namespace = "org.storyloom"
    compileSdk = 35

    defaultConfig {
        minSdk = 24
        // Shipped inside the AAR and applied to the app's own R8 run: JNA and
        // the bindings are reached by reflection (see the file).
        consumerProguardFiles("consumer-rules.pro")
    }

    sourceSets {
        getByName("main") { kotlin.srcDirs("src/main/kotlin") }
        getByName("test") { kotlin.srcDirs("src/test/kotlin") }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
        // The bindings use java.time.Instant, which Android has from API 26;
        // desugaring brings it to API 24. AGP then requires apps to enable
        // desugaring too (docs/android.md).
        isCoreLibraryDesugaringEnabled = true
    }

    testOptions {
        unitTests.all {
            // The unit tests run on the host JVM against the host build of the
            // library; the .so files in jniLibs are for devices only.
            it.systemProperty("jna.library.path", hostLibraryDir.path)
        }
    }

    publishing {
        singleVariant("release") {
            withSourcesJar()
        }
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(JvmTarget.JVM_17)
    }
}

// JNA's AAR has the Android libjnidispatch.so files but not the desktop ones
// the host-JVM tests need; those are inside the plain jar. Adding the jar as
// files (rather than as a second variant of the same module) keeps Gradle
// from resolving both to one artifact.
val jnaForHostTests: Configuration by configurations.creating {
    isCanBeConsumed = false
    isTransitive = false
}

dependencies {
    implementation("net.java.dev.jna:jna:5.13.0@aar")
    // The generated bindings' suspend functions, and the Flow of changes,
    // are built on kotlinx.coroutines; `api` because both appear in the
    // library's public signatures.
    api("org.jetbrains.kotlinx:kotlinx-coroutines-core:1.8.0")
    coreLibraryDesugaring("com.android.tools:desugar_jdk_libs:2.1.5")

    testImplementation("junit:junit:4.13.2")
    testImplementation(kotlin("test-junit"))
    jnaForHostTests("net.java.dev.jna:jna:5.13.0")
    testRuntimeOnly(files(jnaForHostTests))
}

publishing {
    publications {
        register<MavenPublication>("release") {
            // AGP creates the "release" component only once the project is evaluated.
            afterEvaluate { from(components["release"]) }
        }
    }
}

// --- Rust ------------------------------------------------------------------
// The cargo tasks declare no outputs, so Gradle runs them every time and
// cargo decides what is stale (a no-op build takes about a second). Declaring
// src/main/jniLibs as an output would make Gradle demand an explicit
// dependency from every AGP task that reads the source folders.

val cargoBuildAndroid = tasks.register<Exec>("cargoBuildAndroid") {
    group = "storyloom"
    description = "Builds libstoryloom_ffi.so for arm64-v8a, armeabi-v7a and x86_64 " +
        "into src/main/jniLibs (needs cargo-ndk, the Android Rust targets, the NDK, perl and make)."
    // SQLCipher and OpenSSL's libcrypto are compiled from source for each ABI
    // (rusqlite's bundled-sqlcipher-vendored-openssl): perl and make must be
    // on the PATH, and OpenSSL's build takes the NDK from ANDROID_NDK_HOME.
    workingDir(workspaceDir)
    // Release even for debug app builds: a debug Rust library is many times
    // larger and slower, which matters most on the cheap phones reporters use.
    // The output folder is absolute because cargo runs from the workspace root.
    commandLine(
        "cargo", "ndk",
        "-t", "arm64-v8a",
        "-t", "armeabi-v7a",
        "-t", "x86_64",
        "-o", jniLibsDir.path,
        "build", "--release", "-p", "storyloom-ffi",
    )
}

val cargoBuildHost = tasks.register<Exec>("cargoBuildHost") {
    group = "storyloom"
    description = "Builds the library for this machine into target/debug, for the JVM unit tests."
    workingDir(workspaceDir)
    commandLine("cargo", "build", "-p", "storyloom-ffi")
}

val generateBindings = tasks.register<Exec>("generateBindings") {
    group = "storyloom"
    description = "Regenerates the checked-in Kotlin and Swift bindings from the Rust API."
    workingDir(workspaceDir)
    commandLine(bindingsScript.path)
}

val checkBindings = tasks.register<Exec>("checkBindings") {
    group = "storyloom"
    description = "Fails if the checked-in Kotlin or Swift bindings differ from what the Rust API generates."
    workingDir(workspaceDir)
    commandLine(bindingsScript.path, "--check")
    // `gradlew generateBindings assembleDebug` must check the fresh files.
    mustRunAfter(generateBindings)
}

// A stale storyloom.kt compiles fine and then fails at run time (UniFFI's
// checksums no longer match the library), so refuse to compile it at all.
tasks.withType<KotlinCompile>().configureEach {
    dependsOn(checkBindings)
}

// Only the tasks that package native libraries wait for cargo-ndk (not
// preBuild), so `gradlew test` needs no NDK.
tasks.named { it.startsWith("merge") && it.endsWith("JniLibFolders") }.configureEach {
    dependsOn(cargoBuildAndroid)
}

tasks.withType<Test>().configureEach {
    dependsOn(cargoBuildHost)
    // Rerun the tests when the Rust library changes, not only the Kotlin.
    inputs.file(hostLibrary)
        .withPropertyName("storyloomHostLibrary")
        .withPathSensitivity(PathSensitivity.NONE)
}
