// Participants: interaction badges and reasonable adjustments, their history,
// the most protective badge winning a merge, and bad details refused
// (mirrors ParticipantsTest.kt).
import Foundation
import Storyloom
import XCTest

final class ParticipantsTests: StoreTestCase {
    func testAParticipantKeepsTheirBadgeAndAdjustments() async throws {
        let phone = try await foundingPhone("Asha")
        let store = phone.store
        let amira = try store.addParticipant(
            project: phone.project,
            participant: NewParticipant(
                displayName: "Amira",
                pseudonym: "A.",
                pronouns: "she/her",
                preferredLanguage: "cy",
                badge: .yellow,
                adjustments: [
                    Adjustment(kind: .signLanguageInterpreter, detail: "bfi"),
                    Adjustment(kind: .easyRead),
                ]
            )
        )
        let shown = try store.participant(id: amira)
        XCTAssertEqual(shown.displayName, "Amira")
        XCTAssertEqual(shown.badge, .yellow)
        XCTAssertEqual(shown.preferredLanguage, "cy")
        XCTAssertEqual(Set(shown.adjustments.map(\.kind)), [.signLanguageInterpreter, .easyRead])
        XCTAssertEqual(try store.participants(project: phone.project).map(\.badge), [.yellow])
    }

    func testBadgeChangesAreRecordedWithWhoAndWhen() async throws {
        let phone = try await foundingPhone("Asha")
        let store = phone.store
        let amira = try phone.storyteller("Amira")
        try store.setBadge(id: amira, level: .red)
        try store.setBadge(id: amira, level: .green)
        let history = try store.badgeHistory(id: amira)
        XCTAssertEqual(history.map(\.level), [.unset, .red, .green])
        let device = store.deviceId()
        XCTAssertTrue(history.allSatisfy { $0.memberId == phone.member && $0.deviceId == device })
        let first = try XCTUnwrap(history.first)
        let last = try XCTUnwrap(history.last)
        XCTAssertGreaterThanOrEqual(last.at, first.at)
        XCTAssertEqual(try store.participant(id: amira).badge, .green)
    }

    func testConcurrentBadgesMergeToTheMostProtective() async throws {
        let asha = try await foundingPhone("Asha")
        let ben = try await joiningPhone("Ben", from: asha)
        let amira = try asha.storyteller("Amira")
        try exchangeParticipant(asha, ben, amira)
        try asha.store.setBadge(id: amira, level: .green)
        try ben.store.setBadge(id: amira, level: .red)
        try exchangeParticipant(asha, ben, amira)
        XCTAssertEqual(try asha.store.participant(id: amira).badge, .red)
        XCTAssertEqual(try ben.store.participant(id: amira).badge, .red)
        XCTAssertTrue(try asha.store.participant(id: amira).conflicts.contains { $0.field == "badge" })
    }

    func testDetailsAreUpdatedAdjustmentsRemovedAndTheHistoryKept() async throws {
        let phone = try await foundingPhone("Asha")
        let store = phone.store
        let amira = try store.addParticipant(
            project: phone.project,
            participant: NewParticipant(displayName: "Amira", adjustments: [Adjustment(kind: .breaks)])
        )
        try store.updateParticipant(
            id: amira,
            update: ParticipantUpdate(pronouns: "they/them", communicationNotes: "Text first")
        )
        try store.removeAdjustment(id: amira, adjustment: Adjustment(kind: .breaks))
        try store.addAdjustment(id: amira, adjustment: Adjustment(kind: .note, detail: "Prefers mornings"))
        let shown = try store.participant(id: amira)
        XCTAssertEqual(shown.pronouns, "they/them")
        XCTAssertEqual(shown.communicationNotes, "Text first")
        XCTAssertEqual(shown.adjustments, [Adjustment(kind: .note, detail: "Prefers mornings")])
        let history = try store.participantHistory(id: amira)
        XCTAssertEqual(history.first?.kind, .created)
        XCTAssertTrue(history.map(\.kind).contains(.adjustmentsChanged))
        XCTAssertEqual(history.first?.memberName, "Asha")
    }

    func testBadParticipantDetailsAreInvalidInput() async throws {
        let phone = try await foundingPhone("Asha")
        let store = phone.store
        let badLanguage = await assertThrows("InvalidInput") {
            try store.addParticipant(
                project: phone.project,
                participant: NewParticipant(displayName: "A", preferredLanguage: "not a tag!")
            )
        }
        XCTAssertTrue(badLanguage.contains("language"), badLanguage)
        await assertThrows("InvalidInput") {
            try store.addParticipant(project: phone.project, participant: NewParticipant(displayName: " "))
        }
        // An interpreter without the language to interpret is not enough to book one.
        await assertThrows("InvalidInput") {
            try store.addParticipant(
                project: phone.project,
                participant: NewParticipant(
                    displayName: "A",
                    adjustments: [Adjustment(kind: .signLanguageInterpreter)]
                )
            )
        }
        await assertThrows("NotFound") {
            try store.setBadge(id: "01a2140a-1f35-70dc-9bee-556149f20b83", level: .red)
        }
        XCTAssertEqual(try store.participants(project: phone.project), [])
    }
}
