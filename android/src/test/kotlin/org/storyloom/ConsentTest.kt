package org.storyloom

import java.io.File
import java.time.Instant
import kotlin.test.assertFailsWith
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test

class ConsentTest {
    private fun Phone.grant(
        who: ParticipantId,
        vararg scopes: ConsentScope,
        attribution: Attribution = Attribution.PSEUDONYM,
    ): ConsentRecordId =
        store.grantConsent(project, NewConsentGrant(who, scopes.toList(), ConsentMethod.SPOKEN, attribution = attribution))

    @Test
    fun `grants and withdrawals decide the consent in force`() = withFolder { folder ->
        val phone = folder.foundingPhone("Asha")
        phone.store.use { store ->
            val amira = phone.storyteller("Amira")
            val story = phone.story("The 42", amira, "text")
            assertEquals(emptyList<ConsentScope>(), store.storyConsent(story))
            phone.grant(amira, ConsentScope.RECORD, ConsentScope.RESEARCH)
            assertEquals(listOf(ConsentScope.RECORD, ConsentScope.RESEARCH), store.storyConsent(story))
            store.requireConsent(story, ConsentScope.RESEARCH)

            store.withdrawConsent(phone.project, NewConsentWithdrawal(amira, scopes = listOf(ConsentScope.RESEARCH)))
            val missing = assertFailsWith<StoreException.ConsentRequired> {
                store.requireConsent(story, ConsentScope.RESEARCH)
            }
            assertEquals(ConsentScope.RESEARCH, missing.scope)
            assertEquals(story, missing.storyId)
            val records = store.consentRecords(phone.project, amira)
            assertTrue(records[0] is ConsentRecord.Grant)
            assertTrue(records[1] is ConsentRecord.Withdrawal)
            assertEquals(listOf(ConsentScope.RECORD), store.effectiveConsent(amira, story).scopes)
            assertEquals(listOf(ConsentScope.RECORD), store.listStories(StoryQuery(phone.project)).stories.single().consent)
        }
    }

    @Test
    fun `publishing without consent names the missing scope`() = withFolder { folder ->
        val phone = folder.foundingPhone("Asha")
        phone.store.use { store ->
            val amira = store.addParticipant(phone.project, NewParticipant(displayName = "Amira Khan", pseudonym = "Star"))
            val story = phone.story("The 42", amira, "The bus never came.")
            val refused = assertFailsWith<StoreException.ConsentRequired> {
                store.publishStory(story, ExportPurpose.PUBLICATION)
            }
            assertEquals(ConsentScope.PUBLISH_ANONYMISED, refused.scope)
            assertTrue(refused.toString(), refused.toString().contains("publish-anonymised"))
            phone.grant(amira, ConsentScope.RESEARCH, ConsentScope.TRANSCRIBE, attribution = Attribution.NAMED)
            val published = store.publishStory(story, ExportPurpose.RESEARCH)
            assertEquals("Amira Khan", published.storytellers.single().shownAs)
            assertEquals("The bus never came.", published.transcript)
        }
    }

    @Test
    fun `erasure removes the story and it never comes back`() = withFolder { folder ->
        val asha = folder.foundingPhone("Asha")
        val ben = folder.joiningPhone("Ben", asha)
        val amira = asha.sharingStoryteller("Amira")
        val story = asha.story("The 42", amira, "The bus stopped coming.")
        exchangeParticipant(asha, ben, amira)
        exchangeStory(asha, ben, story)
        val erasedBytes = ben.store.exportStoryDocument(story)

        val changes = mutableListOf<StoreChange>()
        asha.store.addListener(object : StoreListener {
            override fun onChange(change: StoreChange) { changes.add(change) }
        })
        asha.store.withdrawConsent(asha.project, NewConsentWithdrawal(amira, story = story, erase = true))
        assertEquals(listOf(story), changes.last().erasedStories)
        assertFailsWith<StoreException.Erased> { asha.store.story(story) }
        assertFailsWith<StoreException.Erased> { asha.store.importDocument(erasedBytes) }

        ben.store.importDocument(asha.store.exportProjectDocument(asha.project))
        assertFailsWith<StoreException.Erased> { ben.store.story(story) }
        assertTrue(ben.store.search("bus", null, 10).isEmpty())
        asha.store.close()
        ben.store.close()
    }

    @Test
    fun `a receipt and an export`() = withFolder { folder ->
        val phone = folder.foundingPhone("Asha")
        phone.store.use { store ->
            val amira = phone.storyteller("Amira")
            val bilal = phone.storyteller("Bilal")
            val hers = phone.story("Hers", amira, "mine")
            val his = phone.story("His", bilal, "his")
            phone.grant(amira, ConsentScope.RESEARCH)
            val receipt = store.consentReceipt(phone.project, amira)
            assertTrue(receipt, receipt.contains("\"version\": \"KI-CR-v1.1.0\""))

            val out = File(folder.dir, "export")
            val report = store.exportProject(phone.project, out.path, ExportFormat.JSON, ExportPurpose.RESEARCH)
            assertEquals(listOf(hers), report.exported)
            assertEquals(listOf(his), report.withheld.map { it.id })
            assertTrue(File(out, "manifest.json").exists())
            assertTrue(File(out, "stories/$hers.json").exists())
            assertFalse(File(out, "stories/$his.json").exists())
        }
    }

    @Test
    fun `bad consent input gets typed errors`() = withFolder { folder ->
        val phone = folder.foundingPhone("Asha")
        phone.store.use { store ->
            val amira = phone.storyteller("Amira")
            assertFailsWith<StoreException.InvalidInput> { phone.grant(amira) }
            assertFailsWith<StoreException.NotFound> {
                phone.grant("01a2140a-1f35-70dc-9bee-556149f20b83", ConsentScope.RESEARCH)
            }
            assertFailsWith<StoreException.InvalidInput> {
                store.grantConsent(
                    phone.project,
                    NewConsentGrant(
                        amira, listOf(ConsentScope.RESEARCH), ConsentMethod.AAC,
                        expiresAt = Instant.now().minusSeconds(60), attribution = Attribution.ANONYMOUS,
                    ),
                )
            }
            assertNull(store.effectiveConsent(amira, null).reviewAt)
        }
    }
}
