// A field day with Storyloom, through the real Kotlin bindings: three phones
// collect stories with no signal, care for the storytellers' access needs,
// co-edit a transcript and highlight quotes, then meet and merge.
//
// Run it with `.ci/demo` (or android/scripts/run-demo.sh [folder]).
package org.storyloom.demo

import java.io.File
import java.nio.file.Files
import org.storyloom.Adjustment
import org.storyloom.AdjustmentKind
import org.storyloom.InteractionBadge
import org.storyloom.MemberRole
import org.storyloom.NewParticipant
import org.storyloom.NewStory
import org.storyloom.ParticipantId
import org.storyloom.ProjectId
import org.storyloom.Store
import org.storyloom.StoreChange
import org.storyloom.StoreException
import org.storyloom.StoreListener
import org.storyloom.StoryId
import org.storyloom.StoryQuery

/** One phone in the field: a store file of its own. */
class Phone(val name: String, folder: File) {
    val store: Store = Store.open(File(folder, "${name.lowercase()}.storyloom").path)
}

fun say(text: String) = println(text)
fun step(title: String) = println("\n== $title")

/** Phones that meet pass each other every document they hold. */
fun meet(a: Phone, b: Phone, project: ProjectId) {
    fun copy(from: Phone, to: Phone): Int {
        var changed = 0
        if (to.store.importDocument(from.store.exportProjectDocument(project))) changed++
        for (p in from.store.participants(project)) {
            if (to.store.importDocument(from.store.exportParticipantDocument(p.id))) changed++
        }
        var query = StoryQuery(project = project, limit = 500)
        while (true) {
            val page = from.store.listStories(query)
            for (s in page.stories) {
                if (to.store.importDocument(from.store.exportStoryDocument(s.id))) changed++
            }
            query = query.copy(offset = page.nextOffset ?: break)
        }
        return changed
    }
    val toB = copy(a, b)
    val toA = copy(b, a)
    say("  ${a.name} and ${b.name} meet: $toB document(s) changed on ${b.name}, $toA on ${a.name}")
}

fun describeBadge(level: InteractionBadge) = when (level) {
    InteractionBadge.GREEN -> "green (please approach)"
    InteractionBadge.YELLOW -> "yellow (only people they know)"
    InteractionBadge.RED -> "red (please do not approach)"
    InteractionBadge.UNSET -> "unset (ask first)"
}

fun main(args: Array<String>) {
    val folder = args.firstOrNull()?.let { File(it).apply { mkdirs() } }
        ?: Files.createTempDirectory("storyloom-field-day").toFile()
    say("Storyloom field day — stores in $folder")

    step("Morning: Asha starts the project; Ben and Cara join before they lose signal")
    val asha = Phone("Asha", folder)
    val created = asha.store.createProject("Leeds bus routes", "Asha", MemberRole.REPORTER)
    val project = created.projectId
    asha.store.addTheme(project, "Reliability", "Buses that do not come")
    asha.store.addTheme(project, "Sharing power", "Who decides about routes")
    val ben = Phone("Ben", folder)
    val cara = Phone("Cara", folder)
    for (phone in listOf(ben, cara)) {
        phone.store.importDocument(asha.store.exportProjectDocument(project))
        phone.store.joinProject(project, phone.name, MemberRole.FACILITATOR)
    }
    say("  Project \"${asha.store.project(project).name}\" with codebook: " +
        asha.store.project(project).themes.joinToString { it.name })

    step("Offline: each phone meets storytellers and records what they need")
    val amira: ParticipantId = asha.store.addParticipant(
        project,
        NewParticipant(
            displayName = "Amira",
            pseudonym = "A.",
            preferredLanguage = "en-GB",
            badge = InteractionBadge.GREEN,
            adjustments = listOf(Adjustment(AdjustmentKind.EASY_READ), Adjustment(AdjustmentKind.BREAKS)),
        ),
    )
    val dev: ParticipantId = ben.store.addParticipant(
        project,
        NewParticipant(
            displayName = "Dev",
            badge = InteractionBadge.YELLOW,
            adjustments = listOf(Adjustment(AdjustmentKind.SIGN_LANGUAGE_INTERPRETER, "bfi")),
            communicationNotes = "Uses BSL; bring an interpreter",
        ),
    )
    for ((phone, who) in listOf(asha to amira, ben to dev)) {
        val p = phone.store.participant(who)
        say("  ${phone.name} adds ${p.displayName}: badge ${describeBadge(p.badge)}; adjustments " +
            p.adjustments.joinToString { a -> a.kind.name.lowercase() + (a.detail?.let { " ($it)" } ?: "") })
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

    step("Lunch: the phones meet and merge")
    meet(asha, ben, project)
    meet(asha, cara, project)
    meet(ben, cara, project)

    step("Afternoon workshop, offline again: everyone edits the same transcript at once")
    val changes = mutableListOf<StoreChange>()
    cara.store.addListener(object : StoreListener {
        override fun onChange(change: StoreChange) {
            changes.add(change)
        }
    })
    val text = asha.store.story(bus).transcript
    // Asha corrects a word, Ben adds detail in the middle, Cara highlights a quote —
    // each on their own phone, using the UTF-16 offsets a text field reports.
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
    for (h in merged.highlights) {
        say("  Highlight [${h.theme}] still on its words: \"${h.quote}\" — ${h.note}")
    }
    say("  Amira's badge after the merge: ${describeBadge(cara.store.participant(amira).badge)} " +
        "(the most protective level wins until someone sets it again)")
    say("  Cara's phone was told about ${changes.size} change(s) while merging")

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

    step("Mistakes get clear errors, not crashes")
    try {
        cara.store.spliceTranscript(bus, 1_000_000, 0, "x")
    } catch (e: StoreException.InvalidInput) {
        say("  InvalidInput: ${e.message}")
    }

    for (phone in listOf(asha, ben, cara)) phone.store.close()
    say("\nDone. The three store files are in $folder")
}
