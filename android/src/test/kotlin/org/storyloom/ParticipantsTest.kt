package org.storyloom

import kotlin.test.assertFailsWith
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test

class ParticipantsTest {
    @Test
    fun `a participant keeps their badge and adjustments`() = withFolder { folder ->
        val phone = folder.foundingPhone("Asha")
        phone.store.use { store ->
            val amira = store.addParticipant(
                phone.project,
                NewParticipant(
                    displayName = "Amira",
                    pseudonym = "A.",
                    pronouns = "she/her",
                    preferredLanguage = "cy",
                    badge = InteractionBadge.YELLOW,
                    adjustments = listOf(
                        Adjustment(AdjustmentKind.SIGN_LANGUAGE_INTERPRETER, "bfi"),
                        Adjustment(AdjustmentKind.EASY_READ),
                    ),
                ),
            )
            val shown = store.participant(amira)
            assertEquals("Amira", shown.displayName)
            assertEquals(InteractionBadge.YELLOW, shown.badge)
            assertEquals("cy", shown.preferredLanguage)
            assertEquals(
                setOf(AdjustmentKind.SIGN_LANGUAGE_INTERPRETER, AdjustmentKind.EASY_READ),
                shown.adjustments.map { it.kind }.toSet(),
            )
            assertEquals(listOf(InteractionBadge.YELLOW), store.participants(phone.project).map { it.badge })
        }
    }

    @Test
    fun `badge changes are recorded with who and when`() = withFolder { folder ->
        val phone = folder.foundingPhone("Asha")
        phone.store.use { store ->
            val amira = phone.storyteller("Amira")
            store.setBadge(amira, InteractionBadge.RED)
            store.setBadge(amira, InteractionBadge.GREEN)
            val history = store.badgeHistory(amira)
            assertEquals(
                listOf(InteractionBadge.UNSET, InteractionBadge.RED, InteractionBadge.GREEN),
                history.map { it.level },
            )
            assertTrue(history.all { it.memberId == phone.member && it.deviceId == store.deviceId() })
            assertTrue(!history.last().at.isBefore(history.first().at))
            assertEquals(InteractionBadge.GREEN, store.participant(amira).badge)
        }
    }

    @Test
    fun `concurrent badges merge to the most protective`() = withFolder { folder ->
        val asha = folder.foundingPhone("Asha")
        val ben = folder.joiningPhone("Ben", asha)
        val amira = asha.storyteller("Amira")
        exchangeParticipant(asha, ben, amira)
        asha.store.setBadge(amira, InteractionBadge.GREEN)
        ben.store.setBadge(amira, InteractionBadge.RED)
        exchangeParticipant(asha, ben, amira)
        assertEquals(InteractionBadge.RED, asha.store.participant(amira).badge)
        assertEquals(InteractionBadge.RED, ben.store.participant(amira).badge)
        assertTrue(asha.store.participant(amira).conflicts.any { it.field == "badge" })
        asha.store.close()
        ben.store.close()
    }

    @Test
    fun `details are updated, adjustments removed, and the history kept`() = withFolder { folder ->
        val phone = folder.foundingPhone("Asha")
        phone.store.use { store ->
            val amira = store.addParticipant(
                phone.project,
                NewParticipant(displayName = "Amira", adjustments = listOf(Adjustment(AdjustmentKind.BREAKS))),
            )
            store.updateParticipant(amira, ParticipantUpdate(pronouns = "they/them", communicationNotes = "Text first"))
            store.removeAdjustment(amira, Adjustment(AdjustmentKind.BREAKS))
            store.addAdjustment(amira, Adjustment(AdjustmentKind.NOTE, "Prefers mornings"))
            val shown = store.participant(amira)
            assertEquals("they/them", shown.pronouns)
            assertEquals("Text first", shown.communicationNotes)
            assertEquals(listOf(Adjustment(AdjustmentKind.NOTE, "Prefers mornings")), shown.adjustments)
            val kinds = store.participantHistory(amira).map { it.kind }
            assertEquals(ChangeKind.Created, kinds.first())
            assertTrue(kinds.contains(ChangeKind.AdjustmentsChanged))
            assertEquals("Asha", store.participantHistory(amira).first().memberName)
        }
    }

    @Test
    fun `bad participant details are invalid input`() = withFolder { folder ->
        val phone = folder.foundingPhone("Asha")
        phone.store.use { store ->
            val badLanguage = assertFailsWith<StoreException.InvalidInput> {
                store.addParticipant(phone.project, NewParticipant(displayName = "A", preferredLanguage = "not a tag!"))
            }
            assertTrue(badLanguage.message!!, badLanguage.message!!.contains("language"))
            assertFailsWith<StoreException.InvalidInput> {
                store.addParticipant(phone.project, NewParticipant(displayName = " "))
            }
            assertFailsWith<StoreException.InvalidInput> {
                store.addParticipant(
                    phone.project,
                    NewParticipant(displayName = "A", adjustments = listOf(Adjustment(AdjustmentKind.SIGN_LANGUAGE_INTERPRETER))),
                )
            }
            assertFailsWith<StoreException.NotFound> {
                store.setBadge("01a2140a-1f35-70dc-9bee-556149f20b83", InteractionBadge.RED)
            }
            assertEquals(emptyList<ParticipantSummary>(), store.participants(phone.project))
        }
    }
}
