package org.storyloom

import java.util.Collections
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test

class LoggingTest {
    private val records: MutableList<LogRecord> = Collections.synchronizedList(mutableListOf())

    private fun logged(): List<LogRecord> = synchronized(records) { records.toList() }

    @Test
    fun `a sink receives the store's operations at its level and never the story's text`() = withFolder { folder ->
        setLogSink(LogLevel.INFO) { records.add(it) }
        try {
            val phone = folder.foundingPhone("Marisol Vantwerpen", "Quillonbrook")
            phone.store.use {
                val teller = phone.storyteller("Ysolde Kettleburn")
                phone.story("lanterns-over-weir", teller, "Zanzibar turnpike at dusk")
                // Refused for want of keep-media consent: logged by kind only.
                assertTrue(runCatching {
                    phone.store.attachMediaBytes(
                        phone.story("pomegranate-ferry", teller), byteArrayOf(1, 2, 3),
                        NewMedia(MediaKind.AUDIO, "audio/ogg", "periwinkle-anvil caption", null),
                    )
                }.isFailure)
            }
            val log = logged()
            val opened = log.single { it.message.startsWith("store opened") }
            assertEquals(LogLevel.INFO, opened.level)
            assertEquals("storyloom::store", opened.target)
            assertTrue(opened.message, opened.message.contains("encrypted=false"))
            assertTrue(log.any { it.message.startsWith("store closed") })
            val refused = log.single { it.target == "storyloom::media" }
            assertTrue(refused.message, refused.message.contains("consent_required"))
            assertTrue("nothing below INFO", log.all { it.level in setOf(LogLevel.ERROR, LogLevel.WARN, LogLevel.INFO) })
            val text = log.joinToString("\n") { it.message }
            for (phrase in listOf(
                "Marisol", "Quillonbrook", "Ysolde", "lanterns-over-weir", "Zanzibar",
                "pomegranate-ferry", "periwinkle-anvil",
            )) {
                assertFalse("$phrase reached the log:\n$text", text.contains(phrase))
            }
        } finally {
            clearLogSink()
        }
    }

    @Test
    fun `a sink that throws breaks nothing and a cleared sink hears nothing`() = withFolder { folder ->
        setLogSink(LogLevel.TRACE) { throw IllegalStateException("a sink with a bug") }
        Store.open(folder.path("a.storyloom")).use { it.createProject("Bus routes", "Asha", MemberRole.REPORTER) }
        setLogSink(LogLevel.DEBUG) { records.add(it) }
        Store.open(folder.path("a.storyloom")).close()
        val heard = logged().size
        assertTrue("the replacing sink hears the open", heard > 0)
        clearLogSink()
        Store.open(folder.path("a.storyloom")).close()
        assertEquals(heard, logged().size)
    }

    @Test
    fun `the platform sink writes to java util logging on a JVM without Android`() {
        PlatformLogSink().log(LogRecord(LogLevel.DEBUG, "storyloom::sync", "sync message round=1"))
        assertTrue(logToPlatform(LogLevel.WARN))
        clearLogSink()
    }
}
