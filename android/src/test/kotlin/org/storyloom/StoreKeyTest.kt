package org.storyloom

import kotlinx.coroutines.runBlocking
import java.io.File
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotEquals
import org.junit.Assert.assertThrows
import org.junit.Assert.assertTrue
import org.junit.Test

/** A store encrypted at rest: opened with its key, refused with any other, rekeyed. */
class StoreKeyTest {
    private val phrase = "quokkazanzibar"

    private fun folderHolds(folder: Folder, text: String): Boolean =
        folder.dir.listFiles()!!.any { String(it.readBytes(), Charsets.ISO_8859_1).contains(text) }

    private fun snapshot(folder: Folder): Map<String, List<Byte>> =
        folder.dir.listFiles()!!.associate { it.name to it.readBytes().toList() }

    @Test
    fun `an encrypted store opens with its key and keeps the story off the disk`() = withFolder { folder ->
        val path = folder.path("phone.storyloom")
        val key = generateStoreKey()
        assertEquals(32, key.size)
        val story = Store.openWithKey(path, key).use { store ->
            assertTrue(store.isEncrypted())
            val project = store.createProject("Housing", "Asha", MemberRole.REPORTER).projectId
            val amira = store.addParticipant(project, NewParticipant(displayName = "Amira"))
            store.createStory(project, NewStory(title = "The bus", storytellers = listOf(amira), transcript = "The $phrase stopped."))
        }
        assertFalse("no plaintext in any file", folderHolds(folder, phrase))
        Store.openWithKey(path, key).use { store ->
            assertTrue(store.story(story).transcript.contains(phrase))
        }
    }

    @Test
    fun `a wrong key or no key is refused and changes no file`() = withFolder { folder ->
        val path = folder.path("phone.storyloom")
        val key = generateStoreKey()
        Store.openWithKey(path, key).close()
        val before = snapshot(folder)
        val wrong = assertThrows(StoreException.WrongStoreKey::class.java) { runBlocking { Store.openWithKey(path, generateStoreKey()) } }
        assertTrue(wrong.toString(), wrong.toString().startsWith("wrong store key"))
        assertThrows(StoreException.WrongStoreKey::class.java) { runBlocking { Store.open(path) } }
        // A truncated key never reaches the store.
        assertThrows(StoreException.InvalidInput::class.java) { runBlocking { Store.openWithKey(path, key.copyOf(31)) } }
        assertEquals(before, snapshot(folder))
    }

    @Test
    fun `a plaintext store is encrypted in place, then rekeyed`() = withFolder { folder ->
        val path = folder.path("phone.storyloom")
        val project = Store.open(path).use { store ->
            store.createProject("Housing", "Asha", MemberRole.REPORTER).projectId
        }
        assertThrows(StoreException.WrongStoreKey::class.java) { runBlocking { Store.openWithKey(path, generateStoreKey()) } }

        val first = generateStoreKey()
        encryptStore(path, first)
        assertThrows(StoreException.WrongStoreKey::class.java) { runBlocking { Store.open(path) } }
        Store.openWithKey(path, first).use { assertEquals("Housing", it.project(project).name) }

        val second = generateStoreKey()
        assertNotEquals(first.toList(), second.toList())
        rekeyStore(path, first, second)
        assertThrows(StoreException.WrongStoreKey::class.java) { runBlocking { Store.openWithKey(path, first) } }
        Store.openWithKey(path, second).use { assertEquals("Housing", it.project(project).name) }
        assertTrue(File(path).exists())
        assertArrayEquals(arrayOf("phone.storyloom"), folder.dir.list()!!.filter { !it.endsWith("-lock") }.toTypedArray())
    }
}
