// Runs every JUnit 4 test class in a jar on the host JVM and ends with the
// line "N passed, M failed". Host-only: the Android build runs the same
// tests through Gradle instead.
package org.storyloom

import java.util.jar.JarFile
import kotlin.system.exitProcess
import org.junit.runner.Description
import org.junit.runner.JUnitCore
import org.junit.runner.notification.Failure
import org.junit.runner.notification.RunListener

fun main(args: Array<String>) {
    val jar = JarFile(args.single())
    val classes = jar.entries().asSequence()
        .map { it.name }
        .filter { it.endsWith("Test.class") && '$' !in it }
        .map { Class.forName(it.removeSuffix(".class").replace('/', '.')) }
        .sortedBy { it.name }
        .toList()

    val core = JUnitCore()
    core.addListener(object : RunListener() {
        private var failed = false
        override fun testStarted(description: Description) { failed = false }
        override fun testFailure(failure: Failure) {
            failed = true
            println("FAIL ${failure.description.displayName}\n${failure.trace}")
        }
        override fun testFinished(description: Description) {
            if (!failed) println("ok   ${description.displayName}")
        }
    })
    val result = core.run(*classes.toTypedArray())
    val failed = result.failureCount
    println("${result.runCount - failed} passed, $failed failed")
    exitProcess(if (failed == 0 && result.runCount > 0) 0 else 1)
}
