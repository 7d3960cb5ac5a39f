package org.storyloom

import java.util.Collections
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test

class ListenerTest {
    private class Recorder : StoreListener {
        val changes: MutableList<StoreChange> = Collections.synchronizedList(mutableListOf())
        override fun onChange(change: StoreChange) {
            changes.add(change)
        }
    }

    @Test
    fun `listeners hear about local writes`() = withFolder { folder ->
        val phone = folder.foundingPhone("Asha")
        phone.store.use { store ->
            val recorder = Recorder()
            val subscription = store.addListener(recorder)
            val amira = phone.storyteller("Amira")
            val story = phone.story("T", amira)
            store.addTag(story, "x")
            assertEquals(listOf(amira), recorder.changes[0].participants)
            assertEquals(listOf(story), recorder.changes[1].stories)
            assertEquals(listOf(story), recorder.changes[2].stories)
            assertTrue(recorder.changes.all { it.origin == ChangeOrigin.LOCAL })

            subscription.close()
            store.addTag(story, "y")
            assertEquals(3, recorder.changes.size)
            subscription.close() // closing twice is harmless
            val again = store.addListener(recorder)
            assertTrue(again.cancel())
            assertFalse("cancelling twice says it was no longer listening", again.cancel())
        }
    }

    @Test
    fun `listeners hear about merges`() = withFolder { folder ->
        val asha = folder.foundingPhone("Asha")
        val ben = folder.joiningPhone("Ben", asha)
        val amira = asha.sharingStoryteller("Amira")
        val story = asha.story("T", amira, "text")
        val recorder = Recorder()
        ben.store.addListener(recorder)
        ben.store.importDocument(asha.store.exportParticipantDocument(amira))
        ben.store.importDocument(asha.store.exportStoryDocument(story))
        assertEquals(ChangeOrigin.MERGE, recorder.changes.last().origin)
        assertEquals(listOf(story), recorder.changes.last().stories)
        asha.store.close()
        ben.store.close()
    }

    @Test
    fun `a listener that throws does not break the store or other listeners`() = withFolder { folder ->
        val phone = folder.foundingPhone("Asha")
        phone.store.use { store ->
            store.addListener(object : StoreListener {
                override fun onChange(change: StoreChange) = throw IllegalStateException("app bug")
            })
            val recorder = Recorder()
            store.addListener(recorder)
            val amira = phone.storyteller("Amira")
            assertEquals("Amira", store.participant(amira).displayName)
            assertEquals(1, recorder.changes.size)
        }
    }

    @Test
    fun `a listener may read the store while being told`() = withFolder { folder ->
        val phone = folder.foundingPhone("Asha")
        phone.store.use { store ->
            val titles = mutableListOf<String>()
            store.addListener(object : StoreListener {
                override fun onChange(change: StoreChange) {
                    change.stories.forEach { titles.add(store.story(it).title) }
                }
            })
            phone.story("Read back", phone.storyteller("Amira"))
            assertEquals(listOf("Read back"), titles)
        }
    }
}
