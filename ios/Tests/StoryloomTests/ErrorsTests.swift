// Every error an app can act on, through its fields rather than its
// sentence. Mirrors android/src/test/kotlin/org/storyloom/ErrorsTest.kt.
import Foundation
import Storyloom
import XCTest

final class ErrorsTests: StoreTestCase {
    func testNotFoundAndErasedAreTheTwoWaysAStoryIsGone() throws {
        let asha = try foundingPhone("Asha")
        let amira = try asha.sharingStoryteller("Amira")
        let story = try asha.story("The 42", teller: amira, transcript: "The bus never came.")
        let unknown = "01a2140a-1f35-70dc-9bee-556149f20b83"
        guard case let .NotFound(kind, id)? = thrownError("NotFound", { try asha.store.story(id: unknown) }) else {
            return XCTFail("expected NotFound")
        }
        XCTAssertEqual(kind, .story)
        XCTAssertEqual(id, unknown)

        try asha.store.withdrawConsent(
            project: asha.project, withdrawal: NewConsentWithdrawal(storyteller: amira, story: story, erase: true)
        )
        guard case let .Erased(erasedKind, erasedId)? = thrownError("Erased", { try asha.store.story(id: story) }) else {
            return XCTFail("expected Erased")
        }
        XCTAssertEqual(erasedKind, .story)
        XCTAssertEqual(erasedId, story)
    }

    func testConsentRequiredNamesTheScopeAndTheStory() throws {
        let asha = try foundingPhone("Asha")
        let story = try asha.story("The 42", teller: asha.storyteller("Amira"))
        let error = thrownError("ConsentRequired") { try asha.store.exportStoryDocument(id: story) }
        guard case let .ConsentRequired(scope, storyId)? = error else { return XCTFail("expected ConsentRequired") }
        XCTAssertEqual(scope, .shareInProject)
        XCTAssertEqual(storyId, story)
    }

    func testAnOldInviteIsInvalidInputAndNotToldToStartTheWayItDoes() throws {
        let store = try openStore("ben.storyloom")
        let error = thrownError("InvalidInput") {
            try store.join(invite: "storyloom:1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", memberName: "Ben", role: .reporter)
        }
        guard case let .InvalidInput(field, reason)? = error else { return XCTFail("expected InvalidInput") }
        XCTAssertEqual(field, "invite")
        XCTAssertFalse(reason.contains("should start with"), reason)
    }

    func testDamagedBytesAreCorruptDataSaidOnce() throws {
        let asha = try foundingPhone("Asha")
        let error = thrownError("CorruptData") { try asha.store.importDocument(bytes: Data("not a document".utf8)) }
        guard case let .CorruptData(reason)? = error else { return XCTFail("expected CorruptData") }
        XCTAssertFalse(reason.hasPrefix("corrupt data"), reason)
        XCTAssertEqual(error?.description.components(separatedBy: "corrupt data").count, 2)
    }

    func testAClosedStoreThrowsClosedFromEveryMethod() throws {
        let asha = try foundingPhone("Asha")
        let story = try asha.story("The 42", teller: asha.sharingStoryteller("Amira"))
        try asha.store.close()
        assertThrows("Closed") { try asha.store.projects() }
        assertThrows("Closed") { try asha.store.story(id: story) }
        assertThrows("Closed") { try asha.store.addTag(id: story, tag: "x") }
        assertThrows("Closed") { try asha.store.importDocument(bytes: Data([1])) }
        assertThrows("Closed") { try asha.store.invite(project: asha.project) }
    }
}
