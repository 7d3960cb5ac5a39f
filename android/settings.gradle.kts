// Settings for building the Storyloom Android library on its own
// (`./gradlew test`, `./gradlew assembleRelease`, `./gradlew publishToMavenLocal`)
// or as an included build of an app (`includeBuild("…/storyloom/android")`).
// An app that instead `include`s this folder as one of its own modules
// ignores this file and supplies the plugin versions itself (docs/android.md).

pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
    plugins {
        // AGP 8.13.2 is the newest line that still takes the separate Kotlin
        // plugin (AGP 9 builds Kotlin itself and refuses it), and the first
        // whose R8 reads Kotlin 2.3 metadata.
        id("com.android.library") version "8.13.2"
        id("org.jetbrains.kotlin.android") version "2.3.20"
    }
}

dependencyResolutionManagement {
    // Every repository is declared here, so a module cannot quietly add one.
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

// Also the Maven artifact id and the name apps substitute in a composite
// build: org.storyloom:storyloom.
rootProject.name = "storyloom"
