// Shared helpers for the Storyloom XCTest tests: a fresh folder per test,
// phones (a store with a project it writes to), document exchange between
// phones, and typed-error assertions. The Kotlin tests in
// android/src/test/kotlin/org/storyloom have the same helpers and scenarios.
import Foundation
import Storyloom
import XCTest

/// A test case with its own folder for store files. Stores opened through it
/// are closed, and the folder deleted, when the test ends.
class StoreTestCase: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        try super.setUpWithError()
        folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("storyloom-test-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        // Teardown blocks (which close the stores) have run by now.
        if let folder {
            try FileManager.default.removeItem(at: folder)
        }
        try super.tearDownWithError()
    }

    func path(_ name: String) -> String {
        folder.appendingPathComponent(name).path
    }

    /// Opens a store in this test's folder; it is closed when the test ends.
    func openStore(_ name: String) async throws -> Store {
        let store = try await Store.open(path: path(name))
        addTeardownBlock { try? store.close() }
        return store
    }

    /// A phone that creates a project, with `name` as its first member.
    func foundingPhone(_ name: String, projectName: String = "Bus routes") async throws -> Phone {
        let store = try await openStore("\(name).storyloom")
        let created = try store.createProject(name: projectName, memberName: name, role: .reporter)
        return Phone(store: store, project: created.projectId, member: created.memberId)
    }

    /// A phone that receives `from`'s project and joins it as `name`.
    func joiningPhone(_ name: String, from: Phone) async throws -> Phone {
        let store = try await openStore("\(name).storyloom")
        _ = try store.importDocument(bytes: from.store.exportProjectDocument(id: from.project))
        let member = try store.joinProject(project: from.project, memberName: name, role: .facilitator)
        return Phone(store: store, project: from.project, member: member)
    }
}

/// A phone in the field: a store with a project it writes to.
struct Phone {
    let store: Store
    let project: ProjectId
    let member: MemberId

    func storyteller(_ name: String) throws -> ParticipantId {
        try store.addParticipant(project: project, participant: NewParticipant(displayName: name))
    }

    /// A storyteller whose consent lets their stories travel to the group's other devices.
    func sharingStoryteller(_ name: String) throws -> ParticipantId {
        let id = try storyteller(name)
        _ = try store.grantConsent(
            project: project,
            grant: NewConsentGrant(
                storyteller: id, scopes: [.record, .shareInProject], method: .spoken, attribution: .pseudonym
            )
        )
        return id
    }

    func story(_ title: String, teller: ParticipantId, transcript: String = "") throws -> StoryId {
        try store.createStory(
            project: project,
            story: NewStory(title: title, storytellers: [teller], transcript: transcript)
        )
    }
}

/// Merges a story both ways, as two phones do when they meet (the project
/// first: its consent ledger says whether the story may be shared).
func exchangeStory(_ a: Phone, _ b: Phone, _ story: StoryId) throws {
    _ = try b.store.importDocument(bytes: a.store.exportProjectDocument(id: a.project))
    _ = try a.store.importDocument(bytes: b.store.exportProjectDocument(id: b.project))

    _ = try b.store.importDocument(bytes: a.store.exportStoryDocument(id: story))
    _ = try a.store.importDocument(bytes: b.store.exportStoryDocument(id: story))
}

func exchangeParticipant(_ a: Phone, _ b: Phone, _ participant: ParticipantId) throws {
    _ = try b.store.importDocument(bytes: a.store.exportParticipantDocument(id: participant))
    _ = try a.store.importDocument(bytes: b.store.exportParticipantDocument(id: participant))
}

/// Where `needle` first starts in `text`, in UTF-16 code units: the unit the
/// store counts in, as UITextView and NSString do (Swift's String counts
/// characters, so its own indices cannot be passed straight through).
func utf16Offset(of needle: String, in text: String) throws -> Int32 {
    let range = try XCTUnwrap(text.range(of: needle), "\(needle) is not in the text")
    return Int32(text.utf16.distance(from: text.utf16.startIndex, to: range.lowerBound))
}

extension StoreError {
    /// The case's name ("NotFound", "InvalidInput"…), for assertions.
    var caseName: String {
        switch self {
        case .NotFound: return "NotFound"
        case .Erased: return "Erased"
        case .ConsentRequired: return "ConsentRequired"
        case .InvalidInput: return "InvalidInput"
        case .CorruptData: return "CorruptData"
        case .NotAStore: return "NotAStore"
        case .StoreNewerThanLibrary: return "StoreNewerThanLibrary"
        case .SyncRejected: return "SyncRejected"
        case .WrongKey: return "WrongKey"
        case .Cancelled: return "Cancelled"
        case .Closed: return "Closed"
        case .Internal: return "Internal"
        case .MediaNotPresent: return "MediaNotPresent"
        case .Relay: return "Relay"
        case .WrongStoreKey: return "WrongStoreKey"
        }
    }
}

/// Asserts that `body` throws the `StoreError` case named `expected` (for
/// example "NotFound") and returns the library's sentence for it
/// (`description`), "" if it did not throw.
@discardableResult
func assertThrows<T>(
    _ expected: String,
    file: StaticString = #filePath,
    line: UInt = #line,
    _ body: () async throws -> T
) async -> String {
    await thrownError(expected, file: file, line: line, body)?.description ?? ""
}

/// The `StoreError` `body` throws, checked to be the case named `expected`,
/// for assertions on its fields (`if case let .NotFound(kind, id) = error`).
@discardableResult
func thrownError<T>(
    _ expected: String,
    file: StaticString = #filePath,
    line: UInt = #line,
    _ body: () async throws -> T
) async -> StoreError? {
    do {
        _ = try await body()
        XCTFail("expected StoreError.\(expected), nothing was thrown", file: file, line: line)
        return nil
    } catch let storeError as StoreError {
        XCTAssertEqual(storeError.caseName, expected, file: file, line: line)
        return storeError
    } catch {
        XCTFail("expected a StoreError, got \(error)", file: file, line: line)
        return nil
    }
}
