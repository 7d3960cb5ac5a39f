// A field day with Storyloom, through the real Kotlin bindings: three phones
// collect stories with no signal, record consent in the form each
// storyteller can give it, care for their access needs, co-edit a transcript
// and highlight quotes, then meet and sync — and one storyteller changes
// their mind. Every phone's store is encrypted at rest with its own key.
//
// Run it with `.ci/demo` (or android/scripts/run-demo.sh [folder]).
package org.storyloom.demo

import java.io.File
import java.nio.file.Files
import kotlinx.coroutines.runBlocking
import org.storyloom.Adjustment
import org.storyloom.AdjustmentKind
import org.storyloom.Attribution
import org.storyloom.ConsentMethod
import org.storyloom.ConsentScope
import org.storyloom.ExportFormat
import org.storyloom.ExportPurpose
import org.storyloom.InteractionBadge
import org.storyloom.MemberRole
import org.storyloom.NewConsentGrant
import org.storyloom.NewConsentWithdrawal
import org.storyloom.NewParticipant
import org.storyloom.NewStory
import org.storyloom.ParticipantId
import org.storyloom.ProjectId
import org.storyloom.Store
import org.storyloom.StoreChange
import org.storyloom.StoreException
import org.storyloom.StoreListener
import org.storyloom.StoryId
import org.storyloom.generateStoreKey

/**
 * One phone in the field: a store file of its own, encrypted at rest. An app
 * creates the key once and keeps it sealed by the Android Keystore
 * (docs/android.md, "Encryption at rest"); the demo keeps it in memory.
 */
class Phone(val name: String, val path: String, val key: ByteArray, val store: Store)

suspend fun phone(name: String, folder: File): Phone {
    val key = generateStoreKey()
    val path = File(folder, "${name.lowercase()}.storyloom").path
    return Phone(name, path, key, Store.openWithKey(path, key))
}

fun say(text: String) = println(text)

/** The demo checks what it shows: a wrong result stops it with exit status 1. */
fun check(ok: Boolean, what: String) {
    if (!ok) {
        System.err.println("FIELD DAY FAILED: $what")
        kotlin.system.exitProcess(1)
    }
}

/** Runs [body], which must throw [E]; returns the exception. */
inline fun <reified E : StoreException> expect(body: () -> Unit): E {
    try {
        body()
    } catch (e: StoreException) {
        if (e is E) return e
        check(false, "expected ${E::class.simpleName}, got ${e::class.simpleName}: $e")
    }
    check(false, "expected ${E::class.simpleName}, nothing was thrown")
    error("unreachable")
}
fun step(title: String) = println("\n== $title")

/**
 * Two phones meet: a sync session, with the bytes carried by this loop (an
 * app would use Bluetooth, Wi-Fi or a relay).
 */
suspend fun meet(a: Phone, b: Phone, project: ProjectId) {
    val first = a.store.startSync(project)
    val second = b.store.acceptSync(project)
    var message = first.firstMessage()!!
    var roundTrips = 0
    var bytes = message.size.toLong()
    while (true) {
        roundTrips++
        val reply = second.receive(message) ?: break
        bytes += reply.size
        message = first.receive(reply) ?: break
        bytes += message.size
    }
    val changed = first.progress().documentsChanged + second.progress().documentsChanged
    say("  ${a.name} and ${b.name} sync: $roundTrips round trip(s), $bytes bytes, $changed document(s) changed")
}

fun describeBadge(level: InteractionBadge) = when (level) {
    InteractionBadge.GREEN -> "green (please approach)"
    InteractionBadge.YELLOW -> "yellow (only people they know)"
    InteractionBadge.RED -> "red (please do not approach)"
    InteractionBadge.UNSET -> "unset (ask first)"
}

fun grant(phone: Phone, project: ProjectId, who: ParticipantId, method: ConsentMethod, vararg scopes: ConsentScope) {
    phone.store.grantConsent(
        project,
        NewConsentGrant(who, scopes.toList(), method, informationLanguage = "en-GB", attribution = Attribution.PSEUDONYM),
    )
}

fun main(args: Array<String>) = runBlocking {
    val folder = args.firstOrNull()?.let { File(it).apply { mkdirs() } }
        ?: Files.createTempDirectory("storyloom-field-day").toFile()
    say("Storyloom field day — stores in $folder")

    step("Morning: Asha starts the project; Ben and Cara join with an invite before they lose signal")
    val asha = phone("Asha", folder)
    val project = asha.store.createProject("Leeds bus routes", "Asha", MemberRole.REPORTER).projectId
    asha.store.addTheme(project, "Reliability", "Buses that do not come")
    asha.store.addTheme(project, "Sharing power", "Who decides about routes")
    val invite = asha.store.invite(project)
    say("  Invite shown as a QR code (${invite.length} characters): ${invite.take(32)}…")
    val ben = phone("Ben", folder)
    val cara = phone("Cara", folder)
    for (phone in listOf(ben, cara)) {
        phone.store.join(invite, phone.name, MemberRole.FACILITATOR)
        meet(asha, phone, project)
    }

    step("Offline: each phone meets storytellers, records consent and what they need")
    val amira = asha.store.addParticipant(
        project,
        NewParticipant(
            displayName = "Amira",
            pseudonym = "A.",
            preferredLanguage = "en-GB",
            badge = InteractionBadge.GREEN,
            adjustments = listOf(Adjustment(AdjustmentKind.EASY_READ), Adjustment(AdjustmentKind.BREAKS)),
        ),
    )
    grant(asha, project, amira, ConsentMethod.EASY_READ, ConsentScope.RECORD, ConsentScope.TRANSCRIBE,
        ConsentScope.SHARE_IN_PROJECT, ConsentScope.USE_QUOTES, ConsentScope.RESEARCH)
    val dev = ben.store.addParticipant(
        project,
        NewParticipant(
            displayName = "Dev",
            pseudonym = "D.",
            badge = InteractionBadge.YELLOW,
            adjustments = listOf(Adjustment(AdjustmentKind.SIGN_LANGUAGE_INTERPRETER, "bfi")),
            communicationNotes = "Uses BSL; bring an interpreter",
        ),
    )
    grant(ben, project, dev, ConsentMethod.SIGN_LANGUAGE, ConsentScope.RECORD, ConsentScope.TRANSCRIBE,
        ConsentScope.SHARE_IN_PROJECT)
    for ((phone, who) in listOf(asha to amira, ben to dev)) {
        val p = phone.store.participant(who)
        val consent = phone.store.effectiveConsent(who, null).scopes.joinToString { it.name.lowercase() }
        say("  ${phone.name} adds ${p.displayName}: badge ${describeBadge(p.badge)}; adjustments " +
            p.adjustments.joinToString { a -> a.kind.name.lowercase() + (a.detail?.let { " ($it)" } ?: "") } +
            "; consents to $consent")
    }
    val bus: StoryId = asha.store.createStory(
        project,
        NewStory(
            title = "The 42 that stopped coming",
            storytellers = listOf(amira),
            transcript = "We waited an hour at the stop. The bus never came. Then we walked home in the rain.",
            language = "en-GB",
            tags = listOf("transport"),
        ),
    )
    val library: StoryId = ben.store.createStory(
        project,
        NewStory(
            title = "Warm places",
            storytellers = listOf(dev),
            transcript = "The library was the only warm place in winter. Now it closes at four.",
            tags = listOf("public spaces"),
        ),
    )
    say("  Asha records \"${asha.store.story(bus).title}\"; Ben records \"${ben.store.story(library).title}\"")

    step("Lunch: the phones meet and sync")
    meet(asha, ben, project)
    meet(asha, cara, project)
    meet(ben, cara, project)
    say("  Members now known to every phone: " + cara.store.project(project).members.joinToString { it.displayName })

    step("Afternoon workshop, offline again: everyone edits the same transcript at once")
    val changes = mutableListOf<StoreChange>()
    cara.store.addListener(object : StoreListener {
        override fun onChange(change: StoreChange) {
            changes.add(change)
        }
    })
    val text = asha.store.story(bus).transcript
    // Each on their own phone, using the UTF-16 offsets a text field reports.
    asha.store.spliceTranscript(bus, text.indexOf("an hour"), "an hour".length, "over an hour")
    ben.store.spliceTranscript(bus, text.indexOf(" Then"), 0, " Nobody told us why.")
    val quoteStart = text.indexOf("The bus never came.")
    val highlight = cara.store.addHighlight(
        bus, quoteStart, quoteStart + "The bus never came.".length, "Reliability", "Sums up the day")
    cara.store.addComment(bus, "Use this in the report to the council", highlight)
    // Two people change Amira's badge at once: she told Ben she is tired now.
    asha.store.setBadge(amira, InteractionBadge.GREEN)
    ben.store.setBadge(amira, InteractionBadge.RED)
    say("  Asha: \"an hour\" -> \"over an hour\"; Ben adds \"Nobody told us why.\"; Cara highlights a quote")
    say("  Asha keeps Amira green while Ben sets her red")

    step("Evening: the phones meet again")
    meet(asha, ben, project)
    meet(ben, cara, project)
    meet(asha, cara, project)
    val merged = cara.store.story(bus)
    say("  The transcript on every phone:\n    \"${merged.transcript}\"")
    val same = listOf(asha, ben).all { it.store.story(bus).transcript == merged.transcript }
    say("  Identical on all three phones: $same")
    check(same, "the transcript differs between phones after they met")
    for (h in merged.highlights) {
        say("  Highlight [${h.theme}] still on its words: \"${h.quote}\" — ${h.note}")
    }
    say("  Amira's badge after the merge: ${describeBadge(cara.store.participant(amira).badge)} " +
        "(the most protective level wins until someone sets it again)")
    say("  Cara's phone was told about ${changes.size} change(s) while syncing")

    step("Who changed what")
    for (entry in cara.store.storyHistory(bus)) {
        say("  ${entry.at}  ${entry.memberName ?: "someone"}: ${entry.kind::class.simpleName}")
    }

    step("Search across everything the group collected")
    for (word in listOf("warm", "nobody")) {
        for (hit in cara.store.search(word, project, 5)) {
            say("  \"$word\" -> ${hit.title}: ${hit.snippet}")
        }
    }

    step("Next week: Dev changes his mind and asks for his story to be erased")
    ben.store.withdrawConsent(project, NewConsentWithdrawal(dev, story = library, erase = true))
    say("  Ben records the withdrawal with erasure; Ben's copy is gone at once")
    val usb = ben.store.exportBundle(project, cara.store.deviceId())
    val outcome = cara.store.importBundle(usb)
    say("  Cara gets a ${usb.size}-byte bundle on a USB stick: ${outcome.documentsChanged} document(s) changed")
    meet(asha, cara, project)
    for (phone in listOf(asha, ben, cara)) {
        val gone = try { phone.store.story(library); false } catch (e: StoreException.Erased) { true }
        say("  On ${phone.name}'s phone the story is erased: $gone")
        check(gone, "the erased story is still on ${phone.name}'s phone")
    }

    step("Export for research: only what consent allows")
    val out = File(folder, "research-export")
    val report = asha.store.exportProject(project, out.path, ExportFormat.JSON, ExportPurpose.RESEARCH)
    say("  Exported ${report.exported.size} story, withheld ${report.withheld.size}; manifest in ${out.name}/manifest.json")
    check(report.exported == listOf(bus), "the research export should hold exactly the bus story")
    val published = asha.store.publishStory(bus, ExportPurpose.RESEARCH)
    say("  Credited as \"${published.storytellers.single().shownAs}\", as Amira asked")

    step("Mistakes get clear errors, not crashes")
    val tooFar = expect<StoreException.InvalidInput> { cara.store.spliceTranscript(bus, 1_000_000, 0, "x") }
    say("  InvalidInput (field ${tooFar.field}): $tooFar")
    val notGranted = expect<StoreException.ConsentRequired> { asha.store.publishStory(bus, ExportPurpose.PUBLICATION) }
    say("  ConsentRequired (scope ${notGranted.scope}): $notGranted")
    check(notGranted.storyId == bus, "the consent error should name the bus story")

    step("A lost phone gives away no story: the stores are encrypted at rest")
    for (phone in listOf(asha, ben, cara)) phone.store.close()
    val onDisk = folder.listFiles()!!.filter { it.name.startsWith("asha.storyloom") }
    val leaks = onDisk.count { String(it.readBytes(), Charsets.ISO_8859_1).contains("stopped coming") }
    say("  Asha's store files (${onDisk.joinToString { it.name }}) holding a story title: $leaks")
    check(leaks == 0, "no file of an encrypted store may hold a story title")
    val wrongKey = expect<StoreException.WrongStoreKey> { Store.openWithKey(asha.path, generateStoreKey()).close() }
    say("  WrongStoreKey: $wrongKey")
    Store.openWithKey(asha.path, asha.key).use {
        val name = it.projects().single().name
        say("  With its key: $name")
        check(name == "Leeds bus routes", "the right key should open the store and show the project")
    }
    say("  The research export is plaintext on purpose: it is meant to be read elsewhere")
    say("\nDone. The three store files are in $folder")
}
