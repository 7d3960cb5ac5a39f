package org.storyloom

import kotlin.test.assertFailsWith
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test

class MembersTest {
    private suspend fun run(a: SyncSession, b: SyncSession) {
        var message = a.firstMessage()!!
        while (true) {
            val reply = b.receive(message) ?: break
            message = a.receive(reply) ?: break
        }
    }

    private suspend fun Folder.invitedStore(name: String, from: Phone): Phone {
        val store = Store.open(path("$name.storyloom"))
        val joined = store.join(from.store.invite(from.project), name, MemberRole.REPORTER)
        run(from.store.startSync(from.project), store.acceptSync(from.project))
        return Phone(store, from.project, joined.memberId)
    }

    @Test
    fun `a coordinator removes a member and the removed phone is refused`() = withFolder { folder ->
        val asha = folder.foundingPhone("Asha")
        val ben = folder.invitedStore("Ben", asha)
        val cara = folder.invitedStore("Cara", asha)
        run(ben.store.startSync(asha.project), asha.store.acceptSync(asha.project))

        // Ben joined as a reporter: he cannot remove anyone.
        assertFailsWith<StoreException.InvalidInput> { ben.store.removeMember(asha.project, cara.member) }

        asha.store.removeMember(asha.project, cara.member)
        val listed = asha.store.members(asha.project).first { it.id == cara.member }
        assertTrue(listed.removed)
        assertTrue(listed.devices.isEmpty())
        assertEquals(MemberRole.COORDINATOR, asha.store.members(asha.project).first { it.id == asha.member }.role)

        // Ben missed the rotation: he starts the session and picks up the new epoch.
        run(ben.store.startSync(asha.project), asha.store.acceptSync(asha.project))
        assertTrue(ben.store.members(asha.project).first { it.id == cara.member }.removed)
        val refused = assertFailsWith<StoreException.SyncRejected> {
            run(cara.store.startSync(asha.project), ben.store.acceptSync(asha.project))
        }
        assertTrue(refused.message!!, refused.message!!.contains("removed"))
        // A bundle sealed after the removal: Cara holds no key for it.
        assertFailsWith<StoreException.WrongKey> { cara.store.importBundle(ben.store.exportBundle(asha.project, null)) }

        // Giving Ben the coordinator's role lets him manage the group.
        asha.store.setMemberRole(asha.project, ben.member, MemberRole.COORDINATOR)
        run(asha.store.startSync(asha.project), ben.store.acceptSync(asha.project))
        assertFalse(ben.store.members(asha.project).first { it.id == ben.member }.removed)
        assertEquals(MemberRole.COORDINATOR, ben.store.members(asha.project).first { it.id == ben.member }.role)
        listOf(asha, ben, cara).forEach { it.store.close() }
    }
}
