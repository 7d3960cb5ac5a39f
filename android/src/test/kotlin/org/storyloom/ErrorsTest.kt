package org.storyloom

import java.io.File
import java.io.RandomAccessFile
import kotlin.test.assertFailsWith
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test

/** Every error an app can act on, through its fields rather than its sentence. */
class ErrorsTest {
    /** A sentence names its kind once: never "corrupt data: … corrupt data: …". */
    private fun assertSaidOnce(label: String, error: StoreException) {
        val text = error.toString()
        assertEquals(text, 1, text.split(label).size - 1)
    }

    @Test
    fun `not found and erased are the two ways a story is gone, each naming kind and id`() = withFolder { folder ->
        val asha = folder.foundingPhone("Asha")
        val amira = asha.sharingStoryteller("Amira")
        val story = asha.story("The 42", amira, "The bus never came.")
        val unknown = "01a2140a-1f35-70dc-9bee-556149f20b83"
        val missing = assertFailsWith<StoreException.NotFound> { asha.store.story(unknown) }
        assertEquals(RecordKind.STORY, missing.kind)
        assertEquals(unknown, missing.id)

        asha.store.withdrawConsent(asha.project, NewConsentWithdrawal(amira, story = story, erase = true))
        val erased = assertFailsWith<StoreException.Erased> { asha.store.story(story) }
        assertEquals(RecordKind.STORY, erased.kind)
        assertEquals(story, erased.id)
        asha.store.close()
    }

    @Test
    fun `consent required names the scope and the story`() = withFolder { folder ->
        val asha = folder.foundingPhone("Asha")
        val story = asha.story("The 42", asha.storyteller("Amira"))
        val refused = assertFailsWith<StoreException.ConsentRequired> { asha.store.exportStoryDocument(story) }
        assertEquals(ConsentScope.SHARE_IN_PROJECT, refused.scope)
        assertEquals(story, refused.storyId)
        asha.store.close()
    }

    @Test
    fun `invalid input names the field, and an old invite is not told to start the way it does`() = withFolder { folder ->
        val store = Store.open(folder.path("ben.storyloom"))
        val old = assertFailsWith<StoreException.InvalidInput> {
            store.join("storyloom:1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "Ben", MemberRole.REPORTER)
        }
        assertEquals("invite", old.field)
        assertTrue(old.reason, old.reason.contains("older version"))
        assertFalse(old.reason, old.reason.contains("should start with"))

        val negative = assertFailsWith<StoreException.InvalidInput> {
            store.search("bus", null, -1)
        }
        assertEquals("limit", negative.field)
        assertTrue(negative.reason, negative.reason.contains("negative"))
        assertSaidOnce("invalid", negative)
        store.close()
    }

    @Test
    fun `damaged bytes are corrupt data said once, and a file that is no store is left alone`() = withFolder { folder ->
        val asha = folder.foundingPhone("Asha")
        val corrupt = assertFailsWith<StoreException.CorruptData> {
            asha.store.importDocument("not a document".toByteArray())
        }
        assertFalse(corrupt.reason, corrupt.reason.startsWith("corrupt data"))
        assertSaidOnce("corrupt data", corrupt)
        asha.store.close()

        val notes = File(folder.path("notes.txt")).apply { writeText("bring biscuits") }
        val notAStore = assertFailsWith<StoreException.NotAStore> { Store.open(notes.path) }
        assertFalse(notAStore.reason, notAStore.reason.startsWith("not a Storyloom store"))
        assertSaidOnce("not a Storyloom store", notAStore)
    }

    @Test
    fun `a store from a newer library says which versions`() = withFolder { folder ->
        val path = folder.path("phone.storyloom")
        Store.open(path).close()
        RandomAccessFile(path, "rw").use { file ->
            file.seek(60) // PRAGMA user_version in the SQLite header
            file.writeInt(99)
        }
        val newer = assertFailsWith<StoreException.StoreNewerThanLibrary> { Store.open(path) }
        assertEquals(99L, newer.found)
        assertTrue("${newer.supported}", newer.supported in 1L..98L)
    }

    @Test
    fun `sync errors say what was refused, which side holds the wrong key, and that a session was cancelled`() = withFolder { folder ->
        val asha = folder.foundingPhone("Asha")
        val invite = asha.store.invite(asha.project)
        val rejected = assertFailsWith<StoreException.SyncRejected> { asha.store.importBundle("hello".toByteArray()) }
        assertTrue(rejected.reason, rejected.reason.isNotBlank())
        assertSaidOnce("sync rejected", rejected)

        // Asha holds the project: an invite with another secret is the other side's fault.
        val theirs = assertFailsWith<StoreException.WrongKey> {
            asha.store.join(withAnotherSecret(invite), "Asha again", MemberRole.REPORTER)
        }
        assertEquals(KeySide.OTHER_DEVICE, theirs.side)
        // Ben joined from the altered invite: he is the one to leave and join again.
        val ben = Store.open(folder.path("ben.storyloom"))
        ben.join(withAnotherSecret(invite), "Ben", MemberRole.FACILITATOR)
        val first = asha.store.startSync(asha.project).firstMessage()!!
        val ours = assertFailsWith<StoreException.WrongKey> { ben.acceptSync(asha.project).receive(first) }
        assertEquals(KeySide.THIS_DEVICE, ours.side)
        assertSaidOnce("wrong key", ours)

        val session = asha.store.acceptSync(asha.project)
        session.cancel()
        assertFailsWith<StoreException.Cancelled> { session.receive(first) }
        asha.store.close()
        ben.close()
    }

    @Test
    fun `a closed store throws the library's Closed from every method, and closing twice is harmless`() = withFolder { folder ->
        val asha = folder.foundingPhone("Asha")
        val amira = asha.sharingStoryteller("Amira")
        val story = asha.story("The 42", amira, "text")
        val session = asha.store.acceptSync(asha.project)
        val store = asha.store
        store.close()
        store.close()
        val calls: List<Pair<String, suspend () -> Unit>> = listOf(
            "projects" to { store.projects() },
            "project" to { store.project(asha.project) },
            "story" to { store.story(story) },
            "createStory" to { store.createStory(asha.project, NewStory(title = "x")) },
            "spliceTranscript" to { store.spliceTranscript(story, 0, 0, "x") },
            "addTag" to { store.addTag(story, "x") },
            "listStories" to { store.listStories(StoryQuery(asha.project)) },
            "search" to { store.search("bus", null, 0) },
            "participant" to { store.participant(amira) },
            "grantConsent" to {
                store.grantConsent(asha.project, NewConsentGrant(amira, listOf(ConsentScope.RECORD), ConsentMethod.SPOKEN, attribution = Attribution.PSEUDONYM))
            },
            "invite" to { store.invite(asha.project) },
            "startSync" to { store.startSync(asha.project) },
            "receive" to { session.receive(byteArrayOf(1, 2, 3)) },
            "exportBundle" to { store.exportBundle(asha.project, null) },
            "importBundle" to { store.importBundle(byteArrayOf(1)) },
            "importDocument" to { store.importDocument(byteArrayOf(1)) },
        )
        for ((name, call) in calls) {
            try {
                call()
                throw AssertionError("$name on a closed store did not throw")
            } catch (closed: StoreException.Closed) {
                assertEquals(name, "the store is closed", closed.toString())
            }
        }
    }
}
