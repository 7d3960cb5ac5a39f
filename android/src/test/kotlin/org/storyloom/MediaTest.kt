package org.storyloom

import java.io.File
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertThrows
import org.junit.Assert.assertTrue
import org.junit.Test

class MediaTest {
    private val chunk = 1 shl 20

    private fun Phone.recordedStoryteller(name: String): ParticipantId {
        val id = storyteller(name)
        store.grantConsent(
            project,
            NewConsentGrant(id, listOf(ConsentScope.RECORD, ConsentScope.KEEP_MEDIA), ConsentMethod.SPOKEN, attribution = Attribution.PSEUDONYM),
        )
        return id
    }

    private fun recording(size: Int): ByteArray = ByteArray(size) { i -> (i * 31 % 251).toByte() }

    @Test
    fun `a recording attached from a file plays back from any position`() = withFolder { folder ->
        val phone = folder.foundingPhone("Asha")
        phone.store.use { store ->
            val story = phone.story("The 42", phone.recordedStoryteller("Amira"), "The bus stopped coming.")
            val bytes = recording(chunk * 2 + 1234)
            val file = File(folder.path("interview.m4a")).apply { writeBytes(bytes) }
            val seen = mutableListOf<ULong>()
            val progress = object : MediaProgress {
                override fun onProgress(done: ULong, total: ULong): Boolean {
                    seen.add(done)
                    assertEquals(bytes.size.toULong(), total)
                    return true
                }
            }
            val item = store.attachMediaFile(
                story,
                file.path,
                NewMedia(MediaKind.AUDIO, mime = "audio/mp4", caption = "At the depot", durationMs = 61_000uL),
                progress,
            )
            assertEquals(bytes.size.toULong(), item.size)
            assertEquals(bytes.size.toULong(), seen.last())
            assertTrue(item.contentHash.startsWith("sha256:"))

            // A player seeking across a chunk boundary gets exactly those bytes.
            val start = chunk - 10
            val range = store.readMedia(item.id, start.toULong(), 20uL)
            assertArrayEquals(bytes.copyOfRange(start, start + 20), range)

            val listed = store.storyMedia(story).single()
            assertEquals(item.id, listed.id)
            assertTrue(listed.present)
            assertFalse(listed.withdrawn)

            val out = folder.path("copy.m4a")
            assertEquals(bytes.size.toULong(), store.exportMedia(item.id, out))
            assertArrayEquals(bytes, File(out).readBytes())
            assertThrows(StoreException.InvalidInput::class.java) { runBlocking { store.exportMedia(item.id, out) } }
        }
    }

    @Test
    fun `cancelling from the progress callback leaves nothing attached`() = withFolder { folder ->
        val phone = folder.foundingPhone("Asha")
        phone.store.use { store ->
            val story = phone.story("The 42", phone.recordedStoryteller("Amira"))
            val file = File(folder.path("long.m4a")).apply { writeBytes(recording(chunk * 3)) }
            val stop = object : MediaProgress {
                override fun onProgress(done: ULong, total: ULong): Boolean = done < chunk.toULong()
            }
            assertThrows(StoreException.Cancelled::class.java) {
                runBlocking { store.attachMediaFile(story, file.path, NewMedia(MediaKind.AUDIO), stop) }
            }
            assertEquals(0, store.storyMedia(story).size)
        }
    }

    @Test
    fun `cancelling the coroutine stops an attach before its next chunk and leaves nothing attached`() = withFolder { folder ->
        val phone = folder.foundingPhone("Asha")
        phone.store.use { store ->
            val story = phone.story("The 42", phone.recordedStoryteller("Amira"))
            val file = File(folder.path("long.m4a")).apply { writeBytes(recording(chunk * 3)) }
            // The attach reports its start (0 bytes done), then waits here
            // until its coroutine has been cancelled.
            val firstChunk = CompletableDeferred<Unit>()
            val release = CountDownLatch(1)
            val reported = mutableListOf<ULong>()
            val progress = object : MediaProgress {
                override fun onProgress(done: ULong, total: ULong): Boolean {
                    synchronized(reported) { reported.add(done) }
                    firstChunk.complete(Unit)
                    release.await(10, TimeUnit.SECONDS)
                    return true
                }
            }
            val attach = launch(Dispatchers.Default) {
                store.attachMediaFile(story, file.path, NewMedia(MediaKind.AUDIO), progress)
            }
            firstChunk.await()
            attach.cancelAndJoin()
            release.countDown()
            assertTrue(attach.isCancelled)

            // A second attach of the same recording goes through; the
            // cancelled one never reports another chunk and never commits.
            val kept = store.attachMediaFile(story, file.path, NewMedia(MediaKind.AUDIO))
            assertEquals(listOf(kept.id), store.storyMedia(story).map { it.id })
            assertEquals(listOf(0uL), synchronized(reported) { reported.toList() })
        }
    }

    @Test
    fun `media need keep-media consent and a photo can come from bytes`() = withFolder { folder ->
        val phone = folder.foundingPhone("Asha")
        phone.store.use { store ->
            val withoutConsent = phone.story("The 42", phone.sharingStoryteller("Bilal"))
            val refused = assertThrows(StoreException.ConsentRequired::class.java) {
                store.attachMediaBytes(withoutConsent, byteArrayOf(1, 2, 3), NewMedia(MediaKind.PHOTO, mime = "image/jpeg"))
            }
            assertTrue(refused.toString(), refused.scope == ConsentScope.KEEP_MEDIA && refused.storyId == withoutConsent)

            val story = phone.story("Depot", phone.recordedStoryteller("Amira"))
            val photo = store.attachMediaBytes(story, byteArrayOf(9, 8, 7), NewMedia(MediaKind.PHOTO, mime = "image/jpeg"))
            assertArrayEquals(byteArrayOf(8, 7), store.readMedia(photo.id, 1uL, 10uL))
            store.removeMedia(story, photo.id)
            assertThrows(StoreException.NotFound::class.java) { store.readMedia(photo.id, 0uL, 1uL) }
        }
    }

    @Test
    fun `a highlight plays exactly its quote from the recording`() = withFolder { folder ->
        val phone = folder.foundingPhone("Asha")
        phone.store.use { store ->
            val text = "The bus stopped coming. Then the library closed."
            val story = phone.story("The 42", phone.recordedStoryteller("Amira"), text)
            val recording = store.attachMediaBytes(story, byteArrayOf(1), NewMedia(MediaKind.AUDIO, durationMs = 20_000uL))
            store.addSegment(story, recording.id, 24, 48, 10_000uL, 20_000uL)
            val at = text.indexOf("library closed")
            val quote = store.addHighlight(story, at, at + 14, null, "")
            val range = store.highlightTimeRange(story, quote)!!
            assertEquals(recording.id, range.mediaId)
            assertEquals(13_750uL, range.startMs)
            assertEquals(19_583uL, range.endMs)
            assertEquals(1, store.storySegments(story).size)
        }
    }
}
