// Consent: consent grants and withdrawals deciding the consent in force,
// publication refused without consent, erasure that never comes back, a
// consent receipt and an export, and bad consent input refused
// (mirrors ConsentTest.kt).
import Foundation
import Storyloom
import XCTest

/// Keeps every change it is told about; callbacks may come from any thread.
private final class ChangeLog: StoreListener {
    private let recorded = Locked<[StoreChange]>([])

    var changes: [StoreChange] { recorded.current }

    func onChange(change: StoreChange) throws {
        recorded.update { $0.append(change) }
    }
}

private extension Phone {
    /// Records a spoken consent grant of `scopes` for all of `who`'s stories.
    @discardableResult
    func grant(
        _ who: ParticipantId,
        _ scopes: ConsentScope...,
        attribution: Attribution = .pseudonym
    ) throws -> ConsentRecordId {
        try store.grantConsent(
            project: project,
            grant: NewConsentGrant(storyteller: who, scopes: scopes, method: .spoken, attribution: attribution)
        )
    }
}

final class ConsentTests: StoreTestCase {
    func testGrantsAndWithdrawalsDecideTheConsentInForce() async throws {
        let phone = try await foundingPhone("Asha")
        let store = phone.store
        let amira = try phone.storyteller("Amira")
        let story = try phone.story("The 42", teller: amira, transcript: "text")
        XCTAssertEqual(try store.storyConsent(story: story), [])
        try phone.grant(amira, .record, .research)
        XCTAssertEqual(try store.storyConsent(story: story), [.record, .research])
        try store.requireConsent(story: story, scope: .research)

        _ = try store.withdrawConsent(
            project: phone.project,
            withdrawal: NewConsentWithdrawal(storyteller: amira, scopes: [.research])
        )
        let missing = await assertThrows("ConsentRequired") {
            try store.requireConsent(story: story, scope: .research)
        }
        XCTAssertTrue(missing.contains("research"), missing)
        let records = try store.consentRecords(project: phone.project, storyteller: amira)
        guard records.count >= 2 else {
            return XCTFail("expected a consent grant and a withdrawal, got \(records)")
        }
        guard case .grant = records[0] else {
            return XCTFail("the first record is not a consent grant: \(records[0])")
        }
        guard case .withdrawal = records[1] else {
            return XCTFail("the second record is not a withdrawal: \(records[1])")
        }
        XCTAssertEqual(try store.effectiveConsent(storyteller: amira, story: story).scopes, [.record])
        XCTAssertEqual(
            try store.listStories(query: StoryQuery(project: phone.project)).stories.map(\.consent),
            [[.record]]
        )
    }

    func testPublishingWithoutConsentNamesTheMissingScope() async throws {
        let phone = try await foundingPhone("Asha")
        let store = phone.store
        let amira = try store.addParticipant(
            project: phone.project,
            participant: NewParticipant(displayName: "Amira Khan", pseudonym: "Star")
        )
        let story = try phone.story("The 42", teller: amira, transcript: "The bus never came.")
        let refused = await assertThrows("ConsentRequired") {
            try store.publishStory(story: story, purpose: .publication)
        }
        XCTAssertTrue(refused.contains("publish-anonymised"), refused)
        try phone.grant(amira, .research, .transcribe, attribution: .named)
        let published = try store.publishStory(story: story, purpose: .research)
        XCTAssertEqual(published.storytellers.map(\.shownAs), ["Amira Khan"])
        XCTAssertEqual(published.transcript, "The bus never came.")
    }

    func testErasureRemovesTheStoryAndItNeverComesBack() async throws {
        let asha = try await foundingPhone("Asha")
        let ben = try await joiningPhone("Ben", from: asha)
        let amira = try asha.sharingStoryteller("Amira")
        let story = try asha.story("The 42", teller: amira, transcript: "The bus stopped coming.")
        try exchangeParticipant(asha, ben, amira)
        try exchangeStory(asha, ben, story)
        let erasedBytes = try ben.store.exportStoryDocument(id: story)

        let log = ChangeLog()
        _ = asha.store.addListener(listener: log)
        _ = try asha.store.withdrawConsent(
            project: asha.project,
            withdrawal: NewConsentWithdrawal(storyteller: amira, story: story, erase: true)
        )
        XCTAssertEqual(log.changes.last?.erasedStories, [story])
        await assertThrows("Erased") { try asha.store.story(id: story) }
        await assertThrows("Erased") { try asha.store.importDocument(bytes: erasedBytes) }

        _ = try ben.store.importDocument(bytes: asha.store.exportProjectDocument(id: asha.project))
        await assertThrows("Erased") { try ben.store.story(id: story) }
        let found = try await ben.store.search(query: "bus", project: nil, limit: 10)
        XCTAssertTrue(found.isEmpty)
    }

    func testAReceiptAndAnExport() async throws {
        let phone = try await foundingPhone("Asha")
        let store = phone.store
        let amira = try phone.storyteller("Amira")
        let bilal = try phone.storyteller("Bilal")
        let hers = try phone.story("Hers", teller: amira, transcript: "mine")
        let his = try phone.story("His", teller: bilal, transcript: "his")
        try phone.grant(amira, .research)
        let receipt = try store.consentReceipt(project: phone.project, storyteller: amira)
        XCTAssertTrue(receipt.contains("\"version\": \"KI-CR-v1.1.0\""), receipt)

        let out = URL(fileURLWithPath: path("export"), isDirectory: true)
        let report = try await store.exportProject(project: phone.project, folder: out.path, format: .json, purpose: .research)
        XCTAssertEqual(report.exported, [hers])
        XCTAssertEqual(report.withheld.map(\.id), [his])
        let files = FileManager.default
        XCTAssertTrue(files.fileExists(atPath: out.appendingPathComponent("manifest.json").path))
        XCTAssertTrue(files.fileExists(atPath: out.appendingPathComponent("stories/\(hers).json").path))
        XCTAssertFalse(files.fileExists(atPath: out.appendingPathComponent("stories/\(his).json").path))
    }

    func testBadConsentInputGetsTypedErrors() async throws {
        let phone = try await foundingPhone("Asha")
        let store = phone.store
        let amira = try phone.storyteller("Amira")
        await assertThrows("InvalidInput") { try phone.grant(amira) }
        await assertThrows("NotFound") {
            try phone.grant("01a2140a-1f35-70dc-9bee-556149f20b83", .research)
        }
        await assertThrows("InvalidInput") {
            try store.grantConsent(
                project: phone.project,
                grant: NewConsentGrant(
                    storyteller: amira, scopes: [.research], method: .aac,
                    expiresAt: Date().addingTimeInterval(-60), attribution: .anonymous
                )
            )
        }
        XCTAssertNil(try store.effectiveConsent(storyteller: amira, story: nil).reviewAt)
    }
}
