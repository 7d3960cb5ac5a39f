// Every error an app can act on, through its fields rather than its
// sentence. Mirrors android/src/test/kotlin/org/storyloom/ErrorsTest.kt.
import Foundation
import Storyloom
import XCTest

final class ErrorsTests: StoreTestCase {
    func testNotFoundAndErasedAreTheTwoWaysAStoryIsGone() async throws {
        let asha = try await foundingPhone("Asha")
        let amira = try asha.sharingStoryteller("Amira")
        let story = try asha.story("The 42", teller: amira, transcript: "The bus never came.")
        let unknown = "01a2140a-1f35-70dc-9bee-556149f20b83"
        guard case let .NotFound(kind, id)? = await thrownError("NotFound", { try asha.store.story(id: unknown) }) else {
            return XCTFail("expected NotFound")
        }
        XCTAssertEqual(kind, .story)
        XCTAssertEqual(id, unknown)

        try asha.store.withdrawConsent(
            project: asha.project, withdrawal: NewConsentWithdrawal(storyteller: amira, story: story, erase: true)
        )
        guard case let .Erased(erasedKind, erasedId)? = await thrownError("Erased", { try asha.store.story(id: story) }) else {
            return XCTFail("expected Erased")
        }
        XCTAssertEqual(erasedKind, .story)
        XCTAssertEqual(erasedId, story)
    }

    func testConsentRequiredNamesTheScopeAndTheStory() async throws {
        let asha = try await foundingPhone("Asha")
        let story = try asha.story("The 42", teller: asha.storyteller("Amira"))
        let error = await thrownError("ConsentRequired") { try asha.store.exportStoryDocument(id: story) }
        guard case let .ConsentRequired(scope, storyId)? = error else { return XCTFail("expected ConsentRequired") }
        XCTAssertEqual(scope, .shareInProject)
        XCTAssertEqual(storyId, story)
    }

    func testAnOldInviteIsInvalidInputAndNotToldToStartTheWayItDoes() async throws {
        let store = try await openStore("ben.storyloom")
        let error = await thrownError("InvalidInput") {
            try store.join(invite: "storyloom:1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", memberName: "Ben", role: .reporter)
        }
        guard case let .InvalidInput(field, reason)? = error else { return XCTFail("expected InvalidInput") }
        XCTAssertEqual(field, "invite")
        XCTAssertFalse(reason.contains("should start with"), reason)
    }

    func testDamagedBytesAreCorruptDataSaidOnce() async throws {
        let asha = try await foundingPhone("Asha")
        let error = await thrownError("CorruptData") { try asha.store.importDocument(bytes: Data("not a document".utf8)) }
        guard case let .CorruptData(reason)? = error else { return XCTFail("expected CorruptData") }
        XCTAssertFalse(reason.hasPrefix("corrupt data"), reason)
        XCTAssertEqual(error?.description.components(separatedBy: "corrupt data").count, 2)
    }

    func testAClosedStoreThrowsClosedFromEveryMethod() async throws {
        let asha = try await foundingPhone("Asha")
        let story = try asha.story("The 42", teller: asha.sharingStoryteller("Amira"))
        try asha.store.close()
        await assertThrows("Closed") { try asha.store.projects() }
        await assertThrows("Closed") { try asha.store.story(id: story) }
        await assertThrows("Closed") { try asha.store.addTag(id: story, tag: "x") }
        await assertThrows("Closed") { try asha.store.importDocument(bytes: Data([1])) }
        await assertThrows("Closed") { try asha.store.invite(project: asha.project) }
    }
}
