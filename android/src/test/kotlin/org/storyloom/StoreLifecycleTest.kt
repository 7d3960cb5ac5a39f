package org.storyloom

import java.io.File
import java.io.RandomAccessFile
import kotlin.test.assertFailsWith
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test

class StoreLifecycleTest {
    @Test
    fun `a store opened with use is closed afterwards and keeps its data`() = withFolder { folder ->
        val path = folder.path("phone.storyloom")
        val project = Store.open(path).use { store ->
            store.createProject("Bus routes", "Asha", MemberRole.REPORTER).projectId
        }
        Store.open(path).use { store ->
            assertEquals("Bus routes", store.project(project).name)
            assertEquals(listOf(project), store.projects().map { it.id })
        }
    }

    @Test
    fun `a text file is not a store and is left untouched`() = withFolder { folder ->
        val file = File(folder.path("notes.txt")).apply { writeText("bring biscuits") }
        val error = assertFailsWith<StoreException.NotAStore> { Store.open(file.path) }
        assertTrue(error.toString(), error.toString().startsWith("not a Storyloom store"))
        assertEquals("bring biscuits", file.readText())
    }

    @Test
    fun `an empty file is refused`() = withFolder { folder ->
        val file = File(folder.path("empty")).apply { writeBytes(ByteArray(0)) }
        assertFailsWith<StoreException.NotAStore> { Store.open(file.path) }
        assertEquals(0L, file.length())
    }

    @Test
    fun `a store written by a newer library is refused`() = withFolder { folder ->
        val path = folder.path("phone.storyloom")
        Store.open(path).close()
        // PRAGMA user_version lives at byte 60 of the SQLite header.
        RandomAccessFile(path, "rw").use { file ->
            file.seek(60)
            file.writeInt(99)
        }
        val error = assertFailsWith<StoreException.StoreNewerThanLibrary> { Store.open(path) }
        assertEquals(99L, error.found)
        assertTrue(error.toString(), error.toString().contains("schema version 99"))
    }

    @Test
    fun `every device has its own id`() = withFolder { folder ->
        Store.open(folder.path("a")).use { a ->
            Store.open(folder.path("b")).use { b ->
                assertFalse(a.deviceId() == b.deviceId())
            }
        }
    }

    @Test
    fun `a malformed id is invalid input naming the field, not a crash`() = withFolder { folder ->
        Store.open(folder.path("phone")).use { store ->
            val error = assertFailsWith<StoreException.InvalidInput> { store.story("not-an-id") }
            assertEquals("story_id", error.field)
        }
    }

    @Test
    fun `an unknown story is not found, with its kind and id as fields and a sentence from toString`() = withFolder { folder ->
        folder.foundingPhone("Asha").store.use { store ->
            val error = assertFailsWith<StoreException.NotFound> {
                store.story("01a2140a-1f35-70dc-9bee-556149f20b83")
            }
            assertEquals(RecordKind.STORY, error.kind)
            assertEquals("01a2140a-1f35-70dc-9bee-556149f20b83", error.id)
            assertEquals("story 01a2140a-1f35-70dc-9bee-556149f20b83 was not found", error.toString())
        }
    }

    @Test
    fun `garbage document bytes are corrupt data and change nothing`() = withFolder { folder ->
        val phone = folder.foundingPhone("Asha")
        phone.store.use { store ->
            val before = store.exportProjectDocument(phone.project)
            assertFailsWith<StoreException.CorruptData> {
                store.importDocument("not a document".toByteArray())
            }
            assertArrayEquals(before, store.exportProjectDocument(phone.project))
        }
    }
}
