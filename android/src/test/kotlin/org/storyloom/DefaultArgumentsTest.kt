package org.storyloom

import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test

class DefaultArgumentsTest {
    @Test
    fun `search, addHighlight and exportBundle work without their optional arguments`() = withFolder { folder ->
        val asha = folder.foundingPhone("Asha")
        asha.store.use { store ->
            val amira = asha.sharingStoryteller("Amira")
            val story = asha.story("The 42", amira, "The bus stopped coming.")
            assertEquals(listOf(story), store.search("bus").map { it.storyId })
            val highlight = store.addHighlight(story, 4, 7)
            assertEquals(listOf(highlight), store.story(story).highlights.map { it.id })
            assertTrue("a bundle of everything", store.exportBundle(asha.project).isNotEmpty())
        }
    }

    @Test
    fun `addComment, consentRecords, effectiveConsent and RelayConfig leave their optional arguments out`() = withFolder { folder ->
        val asha = folder.foundingPhone("Asha")
        asha.store.use { store ->
            val amira = asha.sharingStoryteller("Amira")
            val story = asha.story("The 42", amira, "The bus stopped coming.")
            val comment = store.addComment(story, "Ask about the night bus")
            assertEquals(listOf(null), store.story(story).comments.filter { it.id == comment }.map { it.highlight })
            // The whole ledger, and Amira's consent for all of her stories.
            assertEquals(store.consentRecords(asha.project, amira), store.consentRecords(asha.project))
            assertEquals(null, store.effectiveConsent(amira).story)
            assertTrue(ConsentScope.SHARE_IN_PROJECT in store.effectiveConsent(amira).scopes)
            val anonymous = RelayConfig("file:///tmp/relay")
            assertEquals(null, anonymous.username)
            assertEquals(null, anonymous.password)
        }
    }
}
