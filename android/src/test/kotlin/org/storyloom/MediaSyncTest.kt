package org.storyloom

import java.io.File
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test

class MediaSyncTest {
    private val chunk = 1 shl 20

    /** Carries messages between two sessions until both are done: the app's transport. */
    private suspend fun run(a: SyncSession, b: SyncSession) {
        var message = a.firstMessage()!!
        while (true) {
            val reply = b.receive(message) ?: break
            message = a.receive(reply) ?: break
        }
        assertTrue(a.isDone() && b.isDone())
    }

    private fun Phone.recordedSharingStoryteller(name: String): ParticipantId {
        val id = storyteller(name)
        store.grantConsent(
            project,
            NewConsentGrant(
                id,
                listOf(ConsentScope.RECORD, ConsentScope.KEEP_MEDIA, ConsentScope.SHARE_IN_PROJECT),
                ConsentMethod.SPOKEN,
                attribution = Attribution.PSEUDONYM,
            ),
        )
        return id
    }

    @Test
    fun `a recording synced to another phone plays back byte for byte`() = withFolder { folder ->
        val asha = folder.foundingPhone("Asha")
        val benStore = Store.open(folder.path("ben.storyloom"))
        benStore.join(asha.store.invite(asha.project), "Ben", MemberRole.FACILITATOR)
        val story = asha.story("The 42", asha.recordedSharingStoryteller("Amira"), "The bus stopped coming.")
        val bytes = ByteArray(chunk * 2 + 777) { i -> (i * 131 % 251).toByte() }
        val file = File(folder.path("interview.m4a")).apply { writeBytes(bytes) }
        val item = asha.store.attachMediaFile(story, file.path, NewMedia(MediaKind.AUDIO, mime = "audio/mp4"))

        // On mobile data: references only. The existing calls still work.
        run(asha.store.startSync(asha.project), benStore.acceptSync(asha.project, MediaPolicy.MetadataOnly))
        val listed = benStore.storyMedia(story).single()
        assertEquals(item.id, listed.id)
        assertFalse(listed.present)

        // The user opens the recording: just that one comes.
        val ben = benStore.acceptSync(asha.project, MediaPolicy.Only(listOf(item.id)))
        run(asha.store.startSync(asha.project), ben)
        val progress = ben.progress()
        assertEquals(1L, progress.mediaItemsDone)
        assertEquals(bytes.size.toLong(), progress.mediaBytesReceived)
        assertTrue(progress.bytesReceived > bytes.size.toLong())
        assertTrue(benStore.storyMedia(story).single().present)
        assertArrayEquals(bytes, benStore.readMedia(item.id, 0uL, bytes.size.toULong()))

        // A bundle carries recordings too.
        val cara = Store.open(folder.path("cara.storyloom"))
        cara.join(asha.store.invite(asha.project), "Cara", MemberRole.FACILITATOR)
        val outcome = cara.importBundle(asha.store.exportBundle(asha.project))
        assertEquals(1L, outcome.mediaItems)
        assertArrayEquals(bytes, cara.readMedia(item.id, 0uL, bytes.size.toULong()))
        asha.store.close()
        benStore.close()
        cara.close()
    }
}
