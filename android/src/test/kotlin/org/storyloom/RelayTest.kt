package org.storyloom

import java.io.File
import java.nio.file.Files
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertThrows
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * Relay sync through the bindings against a real WebDAV server (Apache with
 * mod_dav_fs on loopback, started by tests/servers/webdav.sh; install it
 * with .ci/install-relay-servers).
 */
class RelayTest {
    private class WebDav : AutoCloseable {
        val dir: File = Files.createTempDirectory("storyloom-webdav").toFile()
        private val script: File = run {
            var here: File? = File("").absoluteFile
            while (here != null && !File(here, "tests/servers/webdav.sh").exists()) here = here.parentFile
            File(checkNotNull(here) { "tests/servers/webdav.sh not found above the working folder" }, "tests/servers/webdav.sh")
        }
        val vars: Map<String, String>

        init {
            val process = ProcessBuilder("bash", script.path, "start", dir.path).redirectErrorStream(false).start()
            val out = process.inputStream.bufferedReader().readText()
            val err = process.errorStream.bufferedReader().readText()
            check(process.waitFor() == 0) {
                "could not start the WebDAV relay server: $err\nInstall the test servers with .ci/install-relay-servers and run the tests again."
            }
            vars = out.lines().mapNotNull { line -> line.split("=", limit = 2).takeIf { it.size == 2 }?.let { it[0] to it[1] } }.toMap()
        }

        fun config(password: String = vars.getValue("PASSWORD")) =
            RelayConfig(url = vars.getValue("URL"), username = vars.getValue("USER"), password = password)

        override fun close() {
            ProcessBuilder("bash", script.path, "stop", dir.path).start().waitFor()
            dir.deleteRecursively()
        }
    }

    @Test
    fun `two phones that never meet share a story through a WebDAV relay`() = withFolder { folder ->
        WebDav().use { relay ->
            val asha = folder.foundingPhone("Asha")
            val teller = asha.sharingStoryteller("Amira")
            val story = asha.story("The 42", teller, "The bus never came.")
            val benStore = Store.open(folder.path("ben.storyloom"))
            benStore.join(asha.store.invite(asha.project), "Ben", MemberRole.FACILITATOR)

            val seen = AtomicInteger()
            val progress = object : RelayProgressListener {
                override fun onProgress(progress: RelayProgress) {
                    seen.incrementAndGet()
                }
            }
            val up = asha.store.relaySync(relay.config(), progress, RelayCancel())
            assertEquals(3L, up.pushed)
            assertTrue(up.bytesUp > 0)
            assertTrue(seen.get() > 0)
            val down = benStore.relaySync(relay.config())
            assertTrue(down.pulled >= 3)
            assertEquals("The bus never came.", benStore.story(story).transcript)
            val again = benStore.relaySync(relay.config())
            assertEquals(0L, again.pulled)
            assertEquals(0L, again.bytesUp)
            assertTrue(again.rejected.isEmpty())
            benStore.close()
        }
    }

    @Test
    fun `wrong relay credentials and a cancelled sync are told apart`() = withFolder { folder ->
        WebDav().use { relay ->
            val asha = folder.foundingPhone("Asha")
            asha.story("The 42", asha.sharingStoryteller("Amira"))
            val wrong = assertThrows(StoreException.Relay::class.java) {
                runBlocking { asha.store.relaySync(relay.config(password = "not-it")) }
            }
            assertTrue(wrong.message!!.contains("credentials"))
            val cancel = RelayCancel()
            cancel.cancel()
            assertThrows(StoreException.Cancelled::class.java) {
                runBlocking { asha.store.relaySync(relay.config(), cancel = cancel) }
            }
            // Nothing lost: the next sync publishes everything.
            assertEquals(3L, asha.store.relaySync(relay.config()).pushed)
        }
    }

    @Test
    fun `cancelling the coroutine stops a relay sync and the next one publishes everything`() = withFolder { folder ->
        WebDav().use { relay ->
            val asha = folder.foundingPhone("Asha")
            asha.story("The 42", asha.sharingStoryteller("Amira"))
            asha.story("Depot", asha.sharingStoryteller("Bilal"))
            // The sync tells its first object, then waits here until its
            // coroutine has been cancelled.
            val told = CompletableDeferred<Unit>()
            val release = CountDownLatch(1)
            val calls = AtomicInteger()
            val progress = object : RelayProgressListener {
                override fun onProgress(progress: RelayProgress) {
                    calls.incrementAndGet()
                    told.complete(Unit)
                    release.await(10, TimeUnit.SECONDS)
                }
            }
            val sync = launch(Dispatchers.Default) { asha.store.relaySync(relay.config(), progress) }
            told.await()
            sync.cancelAndJoin()
            release.countDown()
            assertTrue(sync.isCancelled)
            // The cancelled sync stopped at its next step, so what it had not
            // published is published now, and nothing twice.
            val next = asha.store.relaySync(relay.config())
            assertTrue("the cancelled sync went on after its first object", next.pushed > 0)
            assertEquals(0L, asha.store.relaySync(relay.config()).pushed)
            assertEquals(1, calls.get())
        }
    }
}
