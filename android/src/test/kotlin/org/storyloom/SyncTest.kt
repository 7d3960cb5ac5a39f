package org.storyloom

import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import kotlin.concurrent.thread
import kotlin.test.assertFailsWith
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

class SyncTest {
    /** Carries messages between two sessions until both are done: the app's transport. */
    private suspend fun run(a: SyncSession, b: SyncSession): Int {
        var message = a.firstMessage()!!
        var roundTrips = 0
        while (true) {
            roundTrips++
            val reply = b.receive(message) ?: break
            message = a.receive(reply) ?: break
        }
        assertTrue(a.isDone() && b.isDone())
        return roundTrips
    }

    private fun Phone.shareable(name: String): ParticipantId {
        val id = storyteller(name)
        store.grantConsent(
            project,
            NewConsentGrant(id, listOf(ConsentScope.RECORD, ConsentScope.SHARE_IN_PROJECT), ConsentMethod.SPOKEN, attribution = Attribution.PSEUDONYM),
        )
        return id
    }

    @Test
    fun `a phone that joined with a wrong secret is told so and can leave and join again`() = withFolder { folder ->
        val asha = folder.foundingPhone("Asha")
        val invite = asha.store.invite(asha.project)
        val benStore = Store.open(folder.path("ben.storyloom"))
        benStore.join(withAnotherSecret(invite), "Ben", MemberRole.FACILITATOR)
        val first = asha.store.startSync(asha.project).firstMessage()!!
        val wrong = assertFailsWith<StoreException.WrongKey> {
            benStore.acceptSync(asha.project).receive(first)
        }
        assertEquals(KeySide.THIS_DEVICE, wrong.side)
        assertTrue(wrong.message!!, wrong.message!!.contains("this device joined"))
        assertTrue(wrong.message!!, wrong.message!!.contains("leave the project"))

        benStore.leaveProject(asha.project)
        assertFailsWith<StoreException.NotFound> { benStore.leaveProject(asha.project) }
        benStore.join(invite, "Ben", MemberRole.FACILITATOR)
        run(asha.store.startSync(asha.project), benStore.acceptSync(asha.project))
        // One session brings Ben's membership to Asha too.
        assertEquals(listOf("Asha", "Ben"), asha.store.project(asha.project).members.map { it.displayName }.sorted())
        assertEquals(listOf("Asha", "Ben"), benStore.project(asha.project).members.map { it.displayName }.sorted())
        // Now Ben holds the group's stories: leaving is refused.
        assertFailsWith<StoreException.InvalidInput> { benStore.leaveProject(asha.project) }
        asha.store.close()
        benStore.close()
    }

    @Test
    fun `two stores sync entirely through the bindings`() = withFolder { folder ->
        val asha = folder.foundingPhone("Asha")
        val amira = asha.shareable("Amira")
        asha.store.setBadge(amira, InteractionBadge.RED)
        val story = asha.story("The 42", amira, "The bus stopped coming.")

        val benStore = Store.open(folder.path("ben.storyloom"))
        val joined = benStore.join(asha.store.invite(asha.project), "Ben", MemberRole.FACILITATOR)
        assertEquals(asha.project, joined.projectId)
        val trips = run(asha.store.startSync(asha.project), benStore.acceptSync(asha.project))
        assertTrue("round trips: $trips", trips <= 4)
        assertEquals("The bus stopped coming.", benStore.story(story).transcript)
        assertEquals(InteractionBadge.RED, benStore.participant(amira).badge)

        // Both edit, then meet again.
        asha.store.spliceTranscript(story, 4, 3, "number 42 bus")
        benStore.spliceTranscript(story, 23, 0, " Nobody told us why.")
        val b = benStore.startSync(asha.project)
        val a = asha.store.acceptSync(asha.project)
        run(b, a)
        val expected = "The number 42 bus stopped coming. Nobody told us why."
        assertEquals(expected, asha.store.story(story).transcript)
        assertEquals(expected, benStore.story(story).transcript)
        assertEquals(benStore.deviceId(), a.peer())
        assertTrue(a.progress().documentsChanged >= 1)
        asha.store.close()
        benStore.close()
    }

    @Test
    fun `listeners hear about merged changes`() = withFolder { folder ->
        val asha = folder.foundingPhone("Asha")
        val amira = asha.shareable("Amira")
        val story = asha.story("The 42", amira, "text")
        val benStore = Store.open(folder.path("ben.storyloom"))
        benStore.join(asha.store.invite(asha.project), "Ben", MemberRole.FACILITATOR)
        val heard = mutableListOf<StoreChange>()
        val session = benStore.acceptSync(asha.project)
        val seen = mutableListOf<SyncProgress>()
        benStore.addListener(object : StoreListener {
            override fun onChange(change: StoreChange) {
                heard.add(change)
                // A progress bar reading the session from the listener must not hang.
                seen.add(session.progress())
            }
        })
        run(asha.store.startSync(asha.project), session)
        assertTrue(heard.any { it.origin == ChangeOrigin.MERGE && story in it.stories })
        assertTrue(seen.isNotEmpty())
        asha.store.close()
        benStore.close()
    }

    @Test
    fun `bundles carry what a peer lacks and importing twice is harmless`() = withFolder { folder ->
        val asha = folder.foundingPhone("Asha")
        val amira = asha.shareable("Amira")
        val story = asha.story("The 42", amira, "text")
        val benStore = Store.open(folder.path("ben.storyloom"))
        benStore.join(asha.store.invite(asha.project), "Ben", MemberRole.FACILITATOR)
        val bundle = asha.store.exportBundle(asha.project, null)
        assertEquals(3L, benStore.importBundle(bundle).documentsChanged)
        assertEquals(0L, benStore.importBundle(bundle).documentsChanged)
        assertEquals("text", benStore.story(story).transcript)
        asha.store.close()
        benStore.close()
    }

    @Test
    fun `bad messages get typed exceptions and a session can be cancelled`() = withFolder { folder ->
        val asha = folder.foundingPhone("Asha")
        val zed = folder.foundingPhone("Zed", "Elsewhere")
        assertFailsWith<StoreException.WrongKey> { zed.store.importBundle(asha.store.exportBundle(asha.project, null)) }
        assertFailsWith<StoreException.SyncRejected> { zed.store.importBundle("hello".toByteArray()) }
        assertFailsWith<StoreException.InvalidInput> { zed.store.join("not an invite", "Z", MemberRole.REPORTER) }

        val benStore = Store.open(folder.path("ben.storyloom"))
        benStore.join(asha.store.invite(asha.project), "Ben", MemberRole.FACILITATOR)
        val a = asha.store.startSync(asha.project)
        val b = benStore.acceptSync(asha.project)
        val first = a.firstMessage()!!
        assertNull("the first message is handed out once", a.firstMessage())
        val flipped = first.copyOf().also { it[it.size / 2] = (it[it.size / 2].toInt() xor 1).toByte() }
        val rejected = assertFailsWith<StoreException.SyncRejected> { b.receive(flipped) }
        assertTrue(rejected.message!!, rejected.message!!.contains("altered"))

        val c = benStore.acceptSync(asha.project)
        val cancelled = CountDownLatch(1)
        thread { c.cancel(); cancelled.countDown() }
        assertTrue(cancelled.await(5, TimeUnit.SECONDS))
        assertFailsWith<StoreException.Cancelled> { c.receive(first) }
        assertFalse(c.isDone())
        asha.store.close()
        zed.store.close()
        benStore.close()
    }
}
