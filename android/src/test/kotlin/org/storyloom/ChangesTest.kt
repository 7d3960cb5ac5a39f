package org.storyloom

import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.flow.filter
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.withTimeout
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test

/** Change notifications as a Flow: what a screen collects to stay current. */
class ChangesTest {
    @Test
    fun `a collector sees local writes in order, and merges from another phone`() = withFolder { folder ->
        val asha = folder.foundingPhone("Asha")
        val ben = folder.joiningPhone("Ben", asha)
        val amira = asha.sharingStoryteller("Amira")
        // Subscribed before the writes: UNDISPATCHED runs up to the first suspension.
        val local = async(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) {
            withTimeout(10_000) { asha.store.changes().take(2).toList() }
        }
        val merged = async(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) {
            withTimeout(10_000) { ben.store.changes().filter { it.origin == ChangeOrigin.MERGE }.first() }
        }
        val story = asha.story("The 42", amira, "The bus never came.")
        asha.store.addTag(story, "transport")
        val told = local.await()
        assertEquals(listOf(listOf(story), listOf(story)), told.map { it.stories })
        assertTrue(told.all { it.origin == ChangeOrigin.LOCAL })

        exchangeParticipant(asha, ben, amira)
        exchangeStory(asha, ben, story)
        val fromAsha = merged.await()
        assertTrue(fromAsha.toString(), story in fromAsha.stories || amira in fromAsha.participants)
        asha.store.close()
        ben.store.close()
    }

    @Test
    fun `a cancelled collector stops listening and the store carries on`() = withFolder { folder ->
        val asha = folder.foundingPhone("Asha")
        val amira = asha.storyteller("Amira")
        val first = async(Dispatchers.Default, start = CoroutineStart.UNDISPATCHED) {
            asha.store.changes().first()
        }
        val story = asha.story("The 42", amira)
        assertEquals(listOf(story), first.await().stories) // first() cancels the collection
        asha.store.addTag(story, "after")
        assertEquals(listOf("after"), asha.store.story(story).tags)
        asha.store.close()
    }
}
