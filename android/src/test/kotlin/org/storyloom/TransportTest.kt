package org.storyloom

import java.io.File
import java.net.Socket
import java.util.concurrent.TimeUnit
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test

/**
 * A phone (Kotlin, through the bindings) and the storyloom CLI (Rust, in its
 * own process) sync over a real loopback socket with the shared frames.
 */
class TransportTest {
    private val cli: String = System.getProperty("storyloom.cli")
        ?: File(System.getProperty("jna.library.path"), "storyloom").path

    @Test
    fun `a phone and the CLI converge over a loopback socket`() = withFolder { folder ->
        val asha = folder.foundingPhone("Asha")
        val amira = asha.sharingStoryteller("Amira")
        val first = asha.story("The 42", amira, "The bus stopped coming.")
        val benPath = folder.path("ben.storyloom")
        val ben = Store.open(benPath)
        val member = ben.join(asha.store.invite(asha.project), "Ben", MemberRole.FACILITATOR).memberId
        // A first meeting in this process, so that Ben can write to the project.
        val s = asha.store.startSync(asha.project)
        val r = ben.acceptSync(asha.project)
        var message = s.firstMessage()!!
        while (true) {
            val reply = r.receive(message) ?: break
            message = s.receive(reply) ?: break
        }
        val benPhone = Phone(ben, asha.project, member)
        val fromBen = benPhone.story("Night buses", benPhone.sharingStoryteller("Dev"), "None after ten.")
        ben.close()
        val second = asha.story("The 7", amira, "Late every morning.")

        val server = ProcessBuilder(cli, "--store", benPath, "--project", asha.project, "--json", "serve-sync", "127.0.0.1:0")
            .start()
        val listening = server.errorStream.bufferedReader().readLine()
        val port = Regex("""listening on 127\.0\.0\.1:(\d+)""").find(listening ?: "")?.groupValues?.get(1)?.toInt()
            ?: error("the CLI did not say where it listens: $listening")
        val progress = Socket("127.0.0.1", port).use { socket ->
            asha.store.syncOver(asha.project, socket.getInputStream(), socket.getOutputStream(), initiator = true)
        }
        assertTrue("the CLI finished", server.waitFor(60, TimeUnit.SECONDS))
        assertEquals(server.errorStream.bufferedReader().readText(), 0, server.exitValue())
        val report = server.inputStream.bufferedReader().readText()
        assertTrue(report, report.contains("\"documents_changed\""))
        assertTrue(progress.messagesReceived >= 1)

        // Both stores hold both sides' stories.
        assertEquals("None after ten.", asha.store.story(fromBen).transcript)
        Store.open(benPath).use { reopened ->
            assertEquals("Late every morning.", reopened.story(second).transcript)
            assertEquals("The bus stopped coming.", reopened.story(first).transcript)
        }
        asha.store.close()
    }
}
