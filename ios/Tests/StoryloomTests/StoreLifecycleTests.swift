// Opening, closing and refusing store files, and the typed errors apps get
// for bad ids and bad bytes (mirrors StoreLifecycleTest.kt).
import Foundation
import Storyloom
import XCTest

final class StoreLifecycleTests: StoreTestCase {
    func testAClosedStoreKeepsItsData() async throws {
        let file = path("phone.storyloom")
        let store = try await Store.open(path: file)
        let project = try store.createProject(name: "Bus routes", memberName: "Asha", role: .reporter).projectId
        try store.close()

        let reopened = try await Store.open(path: file)
        defer { try? reopened.close() }
        XCTAssertEqual(try reopened.project(id: project).name, "Bus routes")
        XCTAssertEqual(try reopened.projects().map(\.id), [project])
    }

    // Kotlin's close() (AutoCloseable) and Swift's close() both close the
    // store; every later call throws StoreError.Closed.
    func testUsingAStoreAfterCloseGivesAClearError() async throws {
        let store = try await Store.open(path: path("phone.storyloom"))
        try store.close()
        let message = await assertThrows("Closed") { try store.projects() }
        XCTAssertTrue(message.contains("closed"), message)
        XCTAssertNoThrow(try store.close(), "closing twice is harmless")
    }

    func testATextFileIsNotAStoreAndIsLeftUntouched() async throws {
        let file = path("notes.txt")
        try "bring biscuits".write(toFile: file, atomically: true, encoding: .utf8)
        let message = await assertThrows("NotAStore") { try await Store.open(path: file) }
        XCTAssertTrue(message.hasPrefix("not a Storyloom store"), message)
        XCTAssertEqual(try String(contentsOfFile: file, encoding: .utf8), "bring biscuits")
    }

    func testAnEmptyFileIsRefused() async throws {
        let file = path("empty")
        XCTAssertTrue(FileManager.default.createFile(atPath: file, contents: Data()))
        await assertThrows("NotAStore") { try await Store.open(path: file) }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file)).count, 0)
    }

    func testAStoreWrittenByANewerLibraryIsRefused() async throws {
        let file = path("phone.storyloom")
        try await Store.open(path: file).close()
        // PRAGMA user_version lives at byte 60 of the SQLite header, big-endian.
        let header = try FileHandle(forUpdating: URL(fileURLWithPath: file))
        try header.seek(toOffset: 60)
        try header.write(contentsOf: Data([0, 0, 0, 99]))
        try header.close()

        let message = await assertThrows("StoreNewerThanLibrary") { try await Store.open(path: file) }
        XCTAssertTrue(message.contains("schema version 99"), message)
    }

    func testEveryDeviceHasItsOwnId() async throws {
        let a = try await openStore("a")
        let b = try await openStore("b")
        XCTAssertNotEqual(a.deviceId(), b.deviceId())
    }

    func testAMalformedIdIsInvalidInputNamingTheField() async throws {
        let store = try await openStore("phone")
        let message = await assertThrows("InvalidInput") { try store.story(id: "not-an-id") }
        XCTAssertTrue(message.contains("story_id"), message)
    }

    func testAnUnknownStoryIsNotFoundWithASentenceForAMessage() async throws {
        let store = try await foundingPhone("Asha").store
        let message = await assertThrows("NotFound") {
            try store.story(id: "01a2140a-1f35-70dc-9bee-556149f20b83")
        }
        XCTAssertEqual(message, "story 01a2140a-1f35-70dc-9bee-556149f20b83 was not found")
    }

    func testGarbageDocumentBytesAreCorruptDataAndChangeNothing() async throws {
        let phone = try await foundingPhone("Asha")
        let store = phone.store
        let before = try store.exportProjectDocument(id: phone.project)
        await assertThrows("CorruptData") { try store.importDocument(bytes: Data("not a document".utf8)) }
        XCTAssertEqual(try store.exportProjectDocument(id: phone.project), before)
    }
}
