package org.storyloom

import java.time.Instant
import kotlin.test.assertFailsWith
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

class StoriesTest {
    @Test
    fun `a story is created, read and updated`() = withFolder { folder ->
        val phone = folder.foundingPhone("Asha")
        phone.store.use { store ->
            val amira = phone.storyteller("Amira")
            val recorded = RecordedAt(Instant.parse("2026-11-20T14:30:00Z"), 60)
            val id = store.createStory(
                phone.project,
                NewStory(
                    title = "The 42",
                    storytellers = listOf(amira),
                    transcript = "The bus stopped coming.",
                    language = "en-GB",
                    recordedAt = recorded,
                    place = "Leeds",
                    tags = listOf("Transport"),
                ),
            )
            store.updateStory(id, StoryUpdate(title = "The 42 bus", status = StoryStatus.COLLECTED))
            val story = store.story(id)
            assertEquals("The 42 bus", story.title)
            assertEquals(StoryStatus.COLLECTED, story.status)
            assertEquals(recorded, story.recordedAt)
            assertEquals(listOf("transport"), story.tags)
            assertEquals(listOf(amira), story.storytellers)
            assertEquals(phone.member, story.reporter)
        }
    }

    @Test
    fun `splices use UTF-16 offsets, emoji and combining marks included`() = withFolder { folder ->
        val phone = folder.foundingPhone("Asha")
        phone.store.use { store ->
            val id = phone.story("Café", phone.storyteller("Amira"), "Hi 😀 the cafe\u0301")
            val text = "Hi 😀 the cafe\u0301"
            // Kotlin's own offsets go straight in.
            store.spliceTranscript(id, text.indexOf("the"), 3, "our")
            store.spliceTranscript(id, text.indexOf("😀"), "😀".length, "🚌")
            assertEquals("Hi 🚌 our cafe\u0301", store.story(id).transcript)
            val inside = assertFailsWith<StoreException.InvalidInput> {
                store.spliceTranscript(id, 4, 0, "x") // between the two halves of 🚌
            }
            assertTrue(inside.message!!, inside.message!!.contains("surrogate"))
            assertFailsWith<StoreException.InvalidInput> { store.spliceTranscript(id, -1, 0, "x") }
            assertFailsWith<StoreException.InvalidInput> { store.spliceTranscript(id, 0, 99, "") }
            assertEquals("Hi 🚌 our cafe\u0301", store.story(id).transcript)
        }
    }

    @Test
    fun `whole-text updates and the summary`() = withFolder { folder ->
        val phone = folder.foundingPhone("Asha")
        phone.store.use { store ->
            val id = phone.story("T", phone.storyteller("Amira"), "one two three")
            store.setTranscript(id, "one 2 three four")
            store.setSummary(id, "Numbers")
            store.spliceSummary(id, 7, 0, ", counted")
            val story = store.story(id)
            assertEquals("one 2 three four", story.transcript)
            assertEquals("Numbers, counted", story.summary)
        }
    }

    @Test
    fun `tags, storytellers, highlights and comments`() = withFolder { folder ->
        val phone = folder.foundingPhone("Asha")
        phone.store.use { store ->
            val amira = phone.storyteller("Amira")
            val bilal = phone.storyteller("Bilal")
            val transcript = "We waited an hour. The bus never came."
            val id = phone.story("The 42", amira, transcript)
            store.addTag(id, "Transport")
            store.addTag(id, "waiting")
            store.removeTag(id, "WAITING")
            store.addStoryteller(id, bilal)
            store.removeStoryteller(id, amira)
            val start = transcript.indexOf("The bus")
            val highlight = store.addHighlight(id, start, transcript.length, "reliability", "key quote")
            store.spliceTranscript(id, 0, 0, "Honestly, ")
            val comment = store.addComment(id, "Use this in the report", highlight)
            val story = store.story(id)
            assertEquals(listOf("transport"), story.tags)
            assertEquals(listOf(bilal), story.storytellers)
            assertEquals("The bus never came.", story.highlights.single().quote)
            assertEquals(start + "Honestly, ".length, story.highlights.single().start)
            assertEquals(highlight, story.comments.single().highlight)
            store.removeComment(id, comment)
            store.removeHighlight(id, highlight)
            assertTrue(store.story(id).highlights.isEmpty())
            assertFailsWith<StoreException.NotFound> { store.removeHighlight(id, highlight) }
        }
    }

    @Test
    fun `lists page through the index and search finds words`() = withFolder { folder ->
        val phone = folder.foundingPhone("Asha")
        phone.store.use { store ->
            val amira = phone.storyteller("Amira")
            val ids = (0 until 5).map { i ->
                store.createStory(
                    phone.project,
                    NewStory(
                        title = "Story $i",
                        storytellers = listOf(amira),
                        transcript = if (i == 3) "The library closed in March." else "Nothing much.",
                        tags = if (i % 2 == 0) listOf("even") else emptyList(),
                    ),
                )
            }
            val first = store.listStories(StoryQuery(project = phone.project, limit = 2))
            assertEquals(listOf(ids[4], ids[3]), first.stories.map { it.id })
            assertEquals(2, first.nextOffset)
            val last = store.listStories(StoryQuery(project = phone.project, limit = 2, offset = 4))
            assertEquals(listOf(ids[0]), last.stories.map { it.id })
            assertNull(last.nextOffset)
            assertEquals(3, store.listStories(StoryQuery(project = phone.project, tag = "even")).stories.size)
            val byTitle = store.listStories(StoryQuery(project = phone.project, sort = StorySort.TITLE_ASC))
            assertEquals("Story 0", byTitle.stories.first().title)

            val hits = store.search("library", phone.project, 10)
            assertEquals(listOf(ids[3]), hits.map { it.storyId })
            assertTrue(hits.single().snippet, hits.single().snippet.contains("[library]"))
            assertFailsWith<StoreException.InvalidInput> { store.search("  ", null, 10) }
        }
    }

    @Test
    fun `the history says who did what`() = withFolder { folder ->
        val phone = folder.foundingPhone("Asha")
        phone.store.use { store ->
            val id = phone.story("T", phone.storyteller("Amira"), "text")
            store.addTag(id, "x")
            store.addHighlight(id, 0, 4, null, "")
            val history = store.storyHistory(id)
            assertEquals(
                listOf(ChangeKind.Created, ChangeKind.TagsChanged, ChangeKind.HighlightAdded),
                history.map { it.kind },
            )
            assertTrue(history.all { it.memberName == "Asha" && it.deviceId == store.deviceId() })
        }
    }

    @Test
    fun `a one megabyte transcript works and ten megabytes is refused`() = withFolder { folder ->
        val phone = folder.foundingPhone("Asha")
        phone.store.use { store ->
            val big = "Long interview text, said slowly. ".repeat(32 * 1024)
            val id = phone.story("Long", phone.storyteller("Amira"), big)
            store.spliceTranscript(id, big.length, 0, " The end.")
            assertTrue(store.story(id).transcript.endsWith("slowly.  The end."))
            val huge = assertFailsWith<StoreException.InvalidInput> {
                store.setTranscript(id, "x".repeat(10 * 1024 * 1024))
            }
            assertTrue(huge.message!!, huge.message!!.contains("limit"))
        }
    }

    @Test
    fun `bad story input gets typed errors`() = withFolder { folder ->
        val phone = folder.foundingPhone("Asha")
        phone.store.use { store ->
            assertFailsWith<StoreException.InvalidInput> {
                store.createStory(phone.project, NewStory(title = ""))
            }
            assertFailsWith<StoreException.NotFound> {
                store.createStory(
                    phone.project,
                    NewStory(title = "T", storytellers = listOf("01a2140a-1f35-70dc-9bee-556149f20b83")),
                )
            }
            val id = phone.story("T", phone.storyteller("Amira"))
            assertFailsWith<StoreException.InvalidInput> {
                store.updateStory(id, StoryUpdate(language = "en_GB!"))
            }
            val sharing = assertFailsWith<StoreException.ConsentRequired> { store.exportStoryDocument(id) }
            assertEquals(ConsentScope.SHARE_IN_PROJECT, sharing.scope)
            assertFailsWith<StoreException.InvalidInput> {
                store.updateStory(id, StoryUpdate(recordedAt = RecordedAt(Instant.now(), 24 * 60)))
            }
            assertEquals("T", store.story(id).title)
        }
    }

    @Test
    fun `two phones merge a story`() = withFolder { folder ->
        val asha = folder.foundingPhone("Asha")
        val ben = folder.joiningPhone("Ben", asha)
        val amira = asha.sharingStoryteller("Amira")
        val id = asha.story("The 42", amira, "The bus stopped coming.")
        exchangeParticipant(asha, ben, amira)
        exchangeStory(asha, ben, id)
        asha.store.spliceTranscript(id, 4, 3, "number 42 bus")
        ben.store.spliceTranscript(id, 23, 0, " Nobody told us why.")
        exchangeStory(asha, ben, id)
        val expected = "The number 42 bus stopped coming. Nobody told us why."
        assertEquals(expected, asha.store.story(id).transcript)
        assertEquals(expected, ben.store.story(id).transcript)
        assertEquals(1, ben.store.search("nobody", null, 5).size)
        asha.store.close()
        ben.store.close()
    }
}
