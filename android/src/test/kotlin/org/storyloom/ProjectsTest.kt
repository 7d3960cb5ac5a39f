package org.storyloom

import java.time.Instant
import kotlin.test.assertFailsWith
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test

class ProjectsTest {
    @Test
    fun `a new project has its creator as first member`() = withFolder { folder ->
        val before = Instant.now().minusSeconds(5)
        val phone = folder.foundingPhone("Asha", "Leeds listening")
        phone.store.use { store ->
            val project = store.project(phone.project)
            assertEquals("Leeds listening", project.name)
            assertEquals(phone.member, project.localMember)
            assertEquals(listOf("Asha"), project.members.map { it.displayName })
            assertEquals(MemberRole.REPORTER, project.members.single().role)
            assertTrue(project.createdAt.isAfter(before))
        }
    }

    @Test
    fun `members and themes are added`() = withFolder { folder ->
        val phone = folder.foundingPhone("Asha")
        phone.store.use { store ->
            store.addMember(phone.project, "Dev (no phone)", MemberRole.STORYTELLER)
            assertTrue(store.addTheme(phone.project, "Sharing power", "Who decides"))
            assertFalse(store.addTheme(phone.project, "sharing POWER", "again"))
            val project = store.project(phone.project)
            assertEquals(2, project.members.size)
            assertEquals(listOf("Sharing power"), project.themes.map { it.name })
        }
    }

    @Test
    fun `another phone joins a project it received`() = withFolder { folder ->
        val asha = folder.foundingPhone("Asha")
        val ben = folder.joiningPhone("Ben", asha)
        assertEquals(ben.member, ben.store.project(asha.project).localMember)
        assertEquals(ben.member, ben.store.joinProject(asha.project, "Ben again", MemberRole.FACILITATOR))
        asha.store.importDocument(ben.store.exportProjectDocument(asha.project))
        assertEquals(setOf("Asha", "Ben"), asha.store.project(asha.project).members.map { it.displayName }.toSet())
        asha.store.close()
        ben.store.close()
    }

    @Test
    fun `an empty project name is invalid input`() = withFolder { folder ->
        Store.open(folder.path("phone")).use { store ->
            val error = assertFailsWith<StoreException.InvalidInput> {
                store.createProject("  ", "Asha", MemberRole.REPORTER)
            }
            assertTrue(error.message!!, error.message!!.contains("project name"))
        }
    }
}
