package org.storyloom

import java.io.File
import java.nio.file.Files
import java.security.MessageDigest
import java.util.Base64
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.runBlocking

/** A folder for one test's store files, deleted when closed. */
class Folder : AutoCloseable {
    val dir: File = Files.createTempDirectory("storyloom-test").toFile()

    fun path(name: String): String = File(dir, name).path

    override fun close() {
        dir.deleteRecursively()
    }
}

/** A phone in the field: a store with a project it writes to. */
class Phone(val store: Store, val project: ProjectId, val member: MemberId)

suspend fun Folder.foundingPhone(name: String, projectName: String = "Bus routes"): Phone {
    val store = Store.open(path("$name.storyloom"))
    val created = store.createProject(projectName, name, MemberRole.REPORTER)
    return Phone(store, created.projectId, created.memberId)
}

suspend fun Folder.joiningPhone(name: String, from: Phone): Phone {
    val store = Store.open(path("$name.storyloom"))
    store.importDocument(from.store.exportProjectDocument(from.project))
    val member = store.joinProject(from.project, name, MemberRole.FACILITATOR)
    return Phone(store, from.project, member)
}

fun Phone.storyteller(name: String): ParticipantId =
    store.addParticipant(project, NewParticipant(displayName = name))

/** A storyteller whose consent lets their stories travel to the group's other devices. */
fun Phone.sharingStoryteller(name: String): ParticipantId {
    val id = storyteller(name)
    store.grantConsent(
        project,
        NewConsentGrant(id, listOf(ConsentScope.RECORD, ConsentScope.SHARE_IN_PROJECT), ConsentMethod.SPOKEN, attribution = Attribution.PSEUDONYM),
    )
    return id
}

fun Phone.story(title: String, teller: ParticipantId, transcript: String = ""): StoryId =
    store.createStory(project, NewStory(title = title, storytellers = listOf(teller), transcript = transcript))

/** Merges a story both ways, as two phones do when they meet (the project
 *  first: its consent ledger says whether the story may be shared). */
fun exchangeStory(a: Phone, b: Phone, story: StoryId) {
    b.store.importDocument(a.store.exportProjectDocument(a.project))
    a.store.importDocument(b.store.exportProjectDocument(b.project))

    b.store.importDocument(a.store.exportStoryDocument(story))
    a.store.importDocument(b.store.exportStoryDocument(story))
}

fun exchangeParticipant(a: Phone, b: Phone, participant: ParticipantId) {
    b.store.importDocument(a.store.exportParticipantDocument(participant))
    a.store.importDocument(b.store.exportParticipantDocument(participant))
}

/**
 * Runs a test body with a fresh folder, inside `runBlocking` so that it can
 * call the store's suspend functions; JUnit needs test methods to return Unit.
 */
fun withFolder(body: suspend CoroutineScope.(Folder) -> Unit) = runBlocking { Folder().use { body(it) } }

/**
 * The invite with one byte of its group secret changed and its checksum
 * made good again: what a phone holds after copying an invite wrongly
 * in a way the checksum cannot see (or from a stranger).
 */
fun withAnotherSecret(invite: String): String {
    val prefix = "storyloom:2:"
    val bytes = Base64.getUrlDecoder().decode(invite.removePrefix(prefix))
    val payload = bytes.copyOfRange(0, bytes.size - 4)
    payload[20] = (payload[20].toInt() xor 0x55).toByte() // inside the secret, after the 16-byte project id
    val digest = MessageDigest.getInstance("SHA-256")
    digest.update(prefix.toByteArray())
    digest.update(payload)
    val checksum = digest.digest().copyOfRange(0, 4)
    return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(payload + checksum)
}
