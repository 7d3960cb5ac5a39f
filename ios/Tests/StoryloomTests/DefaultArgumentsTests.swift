import Foundation
import Storyloom
import XCTest

final class DefaultArgumentsTests: StoreTestCase {
    func testSearchAddHighlightAndExportBundleWorkWithoutTheirOptionalArguments() async throws {
        let asha = try await foundingPhone("Asha")
        let amira = try asha.sharingStoryteller("Amira")
        let story = try asha.story("The 42", teller: amira, transcript: "The bus stopped coming.")
        let hits = try await asha.store.search(query: "bus")
        XCTAssertEqual(hits.map(\.storyId), [story])
        let highlight = try asha.store.addHighlight(story: story, start: 4, end: 7)
        XCTAssertEqual(try asha.store.story(id: story).highlights.map(\.id), [highlight])
        let bundle = try await asha.store.exportBundle(project: asha.project)
        XCTAssertFalse(bundle.isEmpty)
    }

    func testAddCommentConsentRecordsEffectiveConsentAndRelayConfigLeaveTheirOptionalArgumentsOut() async throws {
        let asha = try await foundingPhone("Asha")
        let amira = try asha.sharingStoryteller("Amira")
        let story = try asha.story("The 42", teller: amira, transcript: "The bus stopped coming.")
        let comment = try asha.store.addComment(story: story, body: "Ask about the night bus")
        let comments = try asha.store.story(id: story).comments.filter { $0.id == comment }
        XCTAssertEqual(comments.count, 1)
        XCTAssertNil(comments.first?.highlight)
        XCTAssertEqual(
            try asha.store.consentRecords(project: asha.project).count,
            try asha.store.consentRecords(project: asha.project, storyteller: amira).count
        )
        let consent = try asha.store.effectiveConsent(storyteller: amira)
        XCTAssertNil(consent.story)
        XCTAssertTrue(consent.scopes.contains(.shareInProject))
        let anonymous = RelayConfig(url: "file:///tmp/relay")
        XCTAssertNil(anonymous.username)
        XCTAssertNil(anonymous.password)
    }
}
