// Media in sync: a recording synced to another phone metadata-only first,
// then fetched on demand and read back byte for byte; a bundle carries
// recordings too (mirrors MediaSyncTest.kt).
import Foundation
import Storyloom
import XCTest

private let chunk = 1 << 20

private extension Phone {
    func recordedSharingStoryteller(_ name: String) throws -> ParticipantId {
        let id = try storyteller(name)
        _ = try store.grantConsent(
            project: project,
            grant: NewConsentGrant(
                storyteller: id, scopes: [.record, .keepMedia, .shareInProject], method: .spoken, attribution: .pseudonym
            )
        )
        return id
    }
}

final class MediaSyncTests: StoreTestCase {
    /// Carries messages between two sessions until both are done: the app's transport.
    private func carryMessages(between a: SyncSession, and b: SyncSession) async throws {
        var message = try XCTUnwrap(a.firstMessage())
        while true {
            guard let reply = try await b.receive(message: message) else { break }
            guard let next = try await a.receive(message: reply) else { break }
            message = next
        }
        XCTAssertTrue(a.isDone() && b.isDone())
    }

    func testARecordingSyncedToAnotherPhonePlaysBackByteForByte() async throws {
        let asha = try await foundingPhone("Asha")
        let benStore = try await openStore("ben.storyloom")
        _ = try benStore.join(invite: asha.store.invite(project: asha.project), memberName: "Ben", role: .facilitator)
        let story = try asha.story(
            "The 42", teller: try asha.recordedSharingStoryteller("Amira"), transcript: "The bus stopped coming."
        )
        let bytes = Data((0..<(chunk * 2 + 777)).map { UInt8(($0 * 131) % 251) })
        let file = path("interview.m4a")
        try bytes.write(to: URL(fileURLWithPath: file))
        let item = try asha.store.attachMediaFile(story: story, path: file, media: NewMedia(kind: .audio, mime: "audio/mp4"))

        // On mobile data: references only. The existing calls still work.
        try await carryMessages(
            between: asha.store.startSync(project: asha.project),
            and: benStore.acceptSync(project: asha.project, media: .metadataOnly)
        )
        let listed = try XCTUnwrap(benStore.storyMedia(story: story).first)
        XCTAssertEqual(listed.id, item.id)
        XCTAssertFalse(listed.present)

        // The user opens the recording: just that one comes.
        let ben = try await benStore.acceptSync(project: asha.project, media: .only(items: [item.id]))
        try await carryMessages(between: asha.store.startSync(project: asha.project), and: ben)
        XCTAssertEqual(ben.progress().mediaItemsDone, 1)
        XCTAssertEqual(ben.progress().mediaBytesReceived, Int64(bytes.count))
        XCTAssertEqual(try benStore.readMedia(id: item.id, start: 0, len: UInt64(bytes.count)), bytes)

        // A bundle carries recordings too.
        let cara = try await openStore("cara.storyloom")
        _ = try cara.join(invite: asha.store.invite(project: asha.project), memberName: "Cara", role: .facilitator)
        let outcome = try await cara.importBundle(bundle: asha.store.exportBundle(project: asha.project))
        XCTAssertEqual(outcome.mediaItems, 1)
        XCTAssertEqual(try cara.readMedia(id: item.id, start: 0, len: UInt64(bytes.count)), bytes)
    }
}
