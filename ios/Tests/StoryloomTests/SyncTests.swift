// Sync through the bindings: sessions between two stores, listeners hearing
// about merged changes, bundles, and bad messages and cancellation getting
// typed errors (mirrors SyncTest.kt).
#if canImport(CryptoKit)
import CryptoKit
#endif
import Foundation
import Storyloom
import XCTest

/// Keeps every change it is told about, and (given a session) the session's
/// progress as read from inside the callback; callbacks may come from any thread.
private final class Recorder: StoreListener {
    private let session: SyncSession?
    private let recorded = Locked<[StoreChange]>([])
    private let seen = Locked<[SyncProgress]>([])

    init(session: SyncSession? = nil) {
        self.session = session
    }

    var changes: [StoreChange] { recorded.current }
    var progress: [SyncProgress] { seen.current }

    func onChange(change: StoreChange) throws {
        recorded.update { $0.append(change) }
        // A progress bar reading the session from the listener must not hang.
        if let session {
            let progress = session.progress()
            seen.update { $0.append(progress) }
        }
    }
}

private extension Phone {
    /// A storyteller whose consent lets their stories travel to other devices.
    func shareable(_ name: String) throws -> ParticipantId {
        let id = try storyteller(name)
        _ = try store.grantConsent(
            project: project,
            grant: NewConsentGrant(
                storyteller: id, scopes: [.record, .shareInProject], method: .spoken, attribution: .pseudonym
            )
        )
        return id
    }
}

final class SyncTests: StoreTestCase {
    /// Carries messages between two sessions until both are done, as the
    /// app's transport does; returns the number of round trips.
    @discardableResult
    private func carryMessages(
        between a: SyncSession,
        and b: SyncSession,
        file: StaticString = #filePath,
        line: UInt = #line
    ) throws -> Int {
        var message = try XCTUnwrap(a.firstMessage(), file: file, line: line)
        var roundTrips = 0
        while true {
            roundTrips += 1
            guard let reply = try await b.receive(message: message) else { break }
            guard let next = try await a.receive(message: reply) else { break }
            message = next
        }
        XCTAssertTrue(a.isDone() && b.isDone(), file: file, line: line)
        return roundTrips
    }

#if canImport(CryptoKit)
    /// The invite with one byte of its group secret changed and its checksum
    /// made good again: what a phone holds after copying an invite wrongly
    /// in a way the checksum cannot see (or from a stranger).
    private func withAnotherSecret(_ invite: String) throws -> String {
        let prefix = "storyloom:2:"
        var body = String(invite.dropFirst(prefix.count))
            .replacingOccurrences(of: "-", with: "+")
            .replacingOccurrences(of: "_", with: "/")
        body += String(repeating: "=", count: (4 - body.count % 4) % 4)
        let bytes = try XCTUnwrap(Data(base64Encoded: body))
        var payload = Data(bytes.prefix(bytes.count - 4))
        payload[payload.startIndex + 20] ^= 0x55 // inside the secret, after the 16-byte project id
        let checksum = Data(SHA256.hash(data: Data(prefix.utf8) + payload)).prefix(4)
        let encoded = (payload + checksum).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return prefix + encoded
    }

    func testAPhoneThatJoinedWithAWrongSecretIsToldSoAndCanLeaveAndJoinAgain() async throws {
        let asha = try await foundingPhone("Asha")
        let invite = try asha.store.invite(project: asha.project)
        let benStore = try await openStore("ben.storyloom")
        _ = try benStore.join(invite: withAnotherSecret(invite), memberName: "Ben", role: .facilitator)
        let first = try await XCTUnwrap(asha.store.startSync(project: asha.project).firstMessage())
        let listening = try await benStore.acceptSync(project: asha.project)
        let wrong = await assertThrows("WrongKey") { try await listening.receive(message: first) }
        XCTAssertTrue(wrong.contains("this device joined"), wrong)
        XCTAssertTrue(wrong.contains("leave the project"), wrong)

        try benStore.leaveProject(project: asha.project)
        await assertThrows("NotFound") { try benStore.leaveProject(project: asha.project) }
        _ = try benStore.join(invite: invite, memberName: "Ben", role: .facilitator)
        try await carryMessages(
            between: asha.store.startSync(project: asha.project),
            and: benStore.acceptSync(project: asha.project)
        )
        // One session brings Ben's membership to Asha too.
        XCTAssertEqual(try asha.store.project(id: asha.project).members.map(\.displayName).sorted(), ["Asha", "Ben"])
        XCTAssertEqual(try benStore.project(id: asha.project).members.map(\.displayName).sorted(), ["Asha", "Ben"])
        // Now Ben holds the group's stories: leaving is refused.
        await assertThrows("InvalidInput") { try benStore.leaveProject(project: asha.project) }
    }
#endif

    func testTwoStoresSyncEntirelyThroughTheBindings() async throws {
        let asha = try await foundingPhone("Asha")
        let amira = try asha.shareable("Amira")
        try asha.store.setBadge(id: amira, level: .red)
        let story = try asha.story("The 42", teller: amira, transcript: "The bus stopped coming.")

        let benStore = try await openStore("ben.storyloom")
        let joined = try benStore.join(
            invite: asha.store.invite(project: asha.project), memberName: "Ben", role: .facilitator
        )
        XCTAssertEqual(joined.projectId, asha.project)
        let trips = try await carryMessages(
            between: asha.store.startSync(project: asha.project),
            and: benStore.acceptSync(project: asha.project)
        )
        XCTAssertLessThanOrEqual(trips, 4, "round trips: \(trips)")
        XCTAssertEqual(try benStore.story(id: story).transcript, "The bus stopped coming.")
        XCTAssertEqual(try benStore.participant(id: amira).badge, .red)

        // Both edit, then meet again.
        try asha.store.spliceTranscript(id: story, start: 4, delete: 3, insert: "number 42 bus")
        try benStore.spliceTranscript(id: story, start: 23, delete: 0, insert: " Nobody told us why.")
        let b = try await benStore.startSync(project: asha.project)
        let a = try await asha.store.acceptSync(project: asha.project)
        try await carryMessages(between: b, and: a)
        let expected = "The number 42 bus stopped coming. Nobody told us why."
        XCTAssertEqual(try asha.store.story(id: story).transcript, expected)
        XCTAssertEqual(try benStore.story(id: story).transcript, expected)
        XCTAssertEqual(a.peer(), benStore.deviceId())
        XCTAssertGreaterThanOrEqual(a.progress().documentsChanged, 1)
    }

    func testListenersHearAboutMergedChanges() async throws {
        let asha = try await foundingPhone("Asha")
        let amira = try asha.shareable("Amira")
        let story = try asha.story("The 42", teller: amira, transcript: "text")
        let benStore = try await openStore("ben.storyloom")
        _ = try benStore.join(invite: asha.store.invite(project: asha.project), memberName: "Ben", role: .facilitator)
        let session = try await benStore.acceptSync(project: asha.project)
        let recorder = Recorder(session: session)
        _ = benStore.addListener(listener: recorder)
        try await carryMessages(between: asha.store.startSync(project: asha.project), and: session)
        XCTAssertTrue(recorder.changes.contains { $0.origin == .merge && $0.stories.contains(story) })
        XCTAssertFalse(recorder.progress.isEmpty)
    }

    func testBundlesCarryWhatAPeerLacksAndImportingTwiceIsHarmless() async throws {
        let asha = try await foundingPhone("Asha")
        let amira = try asha.shareable("Amira")
        let story = try asha.story("The 42", teller: amira, transcript: "text")
        let benStore = try await openStore("ben.storyloom")
        _ = try benStore.join(invite: asha.store.invite(project: asha.project), memberName: "Ben", role: .facilitator)
        let bundle = try await asha.store.exportBundle(project: asha.project, peer: nil)
        let first = try await benStore.importBundle(bundle: bundle)
        XCTAssertEqual(first.documentsChanged, 3)
        let second = try await benStore.importBundle(bundle: bundle)
        XCTAssertEqual(second.documentsChanged, 0)
        XCTAssertEqual(try benStore.story(id: story).transcript, "text")
    }

    func testBadMessagesGetTypedErrorsAndASessionCanBeCancelled() async throws {
        let asha = try await foundingPhone("Asha")
        let zed = try await foundingPhone("Zed", projectName: "Elsewhere")
        await assertThrows("WrongKey") {
            try await zed.store.importBundle(bundle: asha.store.exportBundle(project: asha.project, peer: nil))
        }
        await assertThrows("SyncRejected") { try await zed.store.importBundle(bundle: Data("hello".utf8)) }
        await assertThrows("InvalidInput") {
            try zed.store.join(invite: "not an invite", memberName: "Z", role: .reporter)
        }

        let benStore = try await openStore("ben.storyloom")
        _ = try benStore.join(invite: asha.store.invite(project: asha.project), memberName: "Ben", role: .facilitator)
        let a = try await asha.store.startSync(project: asha.project)
        let b = try await benStore.acceptSync(project: asha.project)
        let first = try XCTUnwrap(a.firstMessage())
        XCTAssertNil(a.firstMessage(), "the first message is handed out once")
        var flipped = first
        flipped[flipped.startIndex + flipped.count / 2] ^= 1
        let rejected = await assertThrows("SyncRejected") { try await b.receive(message: flipped) }
        XCTAssertTrue(rejected.contains("altered"), rejected)

        let c = try await benStore.acceptSync(project: asha.project)
        let cancelled = expectation(description: "cancelled from another thread")
        Thread {
            c.cancel()
            cancelled.fulfill()
        }.start()
        wait(for: [cancelled], timeout: 5)
        await assertThrows("Cancelled") { try await c.receive(message: first) }
        XCTAssertFalse(c.isDone())
    }
}
