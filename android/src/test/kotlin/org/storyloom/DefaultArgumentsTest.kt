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
}
