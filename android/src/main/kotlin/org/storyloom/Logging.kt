// The library's log for apps: hand-written beside the generated bindings
// (storyloom.kt), on top of setLogSink / clearLogSink (ADR 0014).
package org.storyloom

import java.lang.reflect.Method
import java.util.logging.Level
import java.util.logging.Logger

/**
 * A [LogSink] that writes to Logcat on Android (`android.util.Log`, found
 * by reflection so the same class runs on a plain JVM) and to
 * `java.util.logging` elsewhere (which prints INFO and above to stderr by
 * default).
 *
 * Logcat tags are `Storyloom/<area>` (`Storyloom/sync`, `Storyloom/media`…),
 * so `adb logcat -s Storyloom/sync` shows one area. Records hold ids,
 * counts, sizes and durations, never personal data.
 */
class PlatformLogSink : LogSink {
    override fun log(record: LogRecord) {
        val area = record.target.substringAfterLast("::")
        val logcat = LOGCAT[record.level]
        if (logcat != null) {
            logcat.invoke(null, "Storyloom/$area", record.message)
        } else {
            Logger.getLogger(record.target.replace("::", ".")).log(julLevel(record.level), record.message)
        }
    }

    private companion object {
        /** `android.util.Log.e/w/i/d/v(String, String)`, empty on a JVM without Android. */
        val LOGCAT: Map<LogLevel, Method> = try {
            val log = Class.forName("android.util.Log")
            val names = mapOf(
                LogLevel.ERROR to "e", LogLevel.WARN to "w", LogLevel.INFO to "i",
                LogLevel.DEBUG to "d", LogLevel.TRACE to "v",
            )
            names.mapValues { (_, name) -> log.getMethod(name, String::class.java, String::class.java) }
        } catch (e: ReflectiveOperationException) {
            emptyMap()
        }

        fun julLevel(level: LogLevel): Level = when (level) {
            LogLevel.ERROR -> Level.SEVERE
            LogLevel.WARN -> Level.WARNING
            LogLevel.INFO -> Level.INFO
            LogLevel.DEBUG -> Level.FINE
            LogLevel.TRACE -> Level.FINEST
        }
    }
}

/**
 * Sends the library's log at [maxLevel] and above to Logcat (on Android) or
 * `java.util.logging` (on a JVM). Call it once, e.g. in `Application.onCreate`:
 *
 * ```
 * logToPlatform(if (BuildConfig.DEBUG) LogLevel.DEBUG else LogLevel.INFO)
 * ```
 *
 * Returns false if the process already has another Rust `tracing`
 * subscriber, which then receives the events instead.
 */
fun logToPlatform(maxLevel: LogLevel = LogLevel.INFO): Boolean = setLogSink(PlatformLogSink(), maxLevel)

/**
 * Sends the library's log at [maxLevel] and above to [log], called on the
 * thread that did the work (often a worker thread): keep it quick and
 * thread-safe. An exception thrown by [log] is ignored by the library.
 *
 * ```
 * setLogSink(LogLevel.INFO) { record -> crashReporter.breadcrumb(record.message) }
 * ```
 */
fun setLogSink(maxLevel: LogLevel = LogLevel.INFO, log: (LogRecord) -> Unit): Boolean =
    setLogSink(object : LogSink {
        override fun log(record: LogRecord) = log(record)
    }, maxLevel)
