package org.storyloom

import java.util.Collections
import java.util.concurrent.Executors
import kotlin.test.assertFailsWith
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test

/** The long calls are suspend functions: off the caller's thread, and cancellable. */
class AsyncTest {
    private suspend fun Phone.manyStories(count: Int): List<StoryId> {
        val teller = sharingStoryteller("Amira")
        val words = "the bus stopped coming and nobody told us why ".repeat(40)
        return (1..count).map { story("Story $it", teller, "$it $words") }
    }

    @Test
    fun `a bundle import on a one-thread dispatcher leaves that thread free while it runs`() = withFolder { folder ->
        val asha = folder.foundingPhone("Asha")
        asha.manyStories(20)
        val ben = Store.open(folder.path("ben.storyloom"))
        ben.join(asha.store.invite(asha.project), "Ben", MemberRole.FACILITATOR)
        val bundle = asha.store.exportBundle(asha.project, null)

        Executors.newSingleThreadExecutor().asCoroutineDispatcher().use { ui ->
            val uiThread = withContext(ui) { Thread.currentThread() }
            val workers = Collections.synchronizedList(mutableListOf<Thread>())
            val answered = Collections.synchronizedList(mutableListOf<String>())
            ben.addListener(object : StoreListener {
                override fun onChange(change: StoreChange) {
                    workers.add(Thread.currentThread())
                    // Told while the import is still in progress: if the
                    // import blocked the one "UI" thread, this would time out.
                    answered.add(runBlocking { withTimeout(10_000) { withContext(ui) { "ui is free" } } })
                }
            })
            val outcome = withContext(ui) { ben.importBundle(bundle) }
            assertEquals(22L, outcome.documentsChanged)
            assertTrue(workers.toString(), workers.isNotEmpty() && workers.none { it == uiThread })
            assertEquals(List(workers.size) { "ui is free" }, answered.toList())
        }
        asha.store.close()
        ben.close()
    }

    @Test
    fun `cancelling the coroutine mid-sync cancels the session and leaves both stores whole`() = withFolder { folder ->
        val asha = folder.foundingPhone("Asha")
        val stories = asha.manyStories(150)
        val ben = Store.open(folder.path("ben.storyloom"))
        ben.join(asha.store.invite(asha.project), "Ben", MemberRole.FACILITATOR)

        val a = asha.store.startSync(asha.project)
        val b = ben.acceptSync(asha.project)
        val applyingStories = CompletableDeferred<Unit>()
        val job = launch(Dispatchers.Default) {
            var message = a.firstMessage()!!
            var round = 0
            while (true) {
                // Round 2 carries Asha's 150 stories to Ben.
                if (++round == 2) applyingStories.complete(Unit)
                val reply = b.receive(message) ?: break
                message = a.receive(reply) ?: break
            }
        }
        applyingStories.await()
        job.cancelAndJoin()
        assertTrue(job.isCancelled)
        // The cancellation reached the core: Ben's session is over.
        assertFailsWith<StoreException.Cancelled> { b.receive(byteArrayOf(1)) }

        // Both stores are whole: still readable, and a new session finishes the job.
        assertEquals(stories.size, asha.store.listStories(StoryQuery(asha.project, limit = 500)).stories.size)
        val again = asha.store.startSync(asha.project)
        val answer = ben.acceptSync(asha.project)
        var message = again.firstMessage()!!
        while (true) {
            val reply = answer.receive(message) ?: break
            message = again.receive(reply) ?: break
        }
        assertTrue(again.isDone() && answer.isDone())
        assertEquals(stories.size, ben.listStories(StoryQuery(asha.project, limit = 500)).stories.size)
        assertEquals(asha.store.story(stories.last()).transcript, ben.story(stories.last()).transcript)
        asha.store.close()
        ben.close()
    }

    @Test
    fun `open, search and export suspend and answer like the blocking calls did`() = withFolder { folder ->
        val asha = folder.foundingPhone("Asha")
        asha.manyStories(3)
        val hits = withContext(Dispatchers.IO) { asha.store.search("bus", asha.project, 10) }
        assertEquals(3, hits.size)
        val report = asha.store.exportProject(asha.project, folder.path("export"), ExportFormat.JSON, ExportPurpose.RESEARCH)
        // Granted for sharing in the project, not for research: all withheld.
        assertEquals(0, report.exported.size)
        assertEquals(3, report.withheld.size)
        asha.store.close()
        val reopened = Store.open(folder.path("Asha.storyloom"))
        assertEquals(listOf(asha.project), reopened.projects().map { it.id })
        reopened.close()
    }
}
