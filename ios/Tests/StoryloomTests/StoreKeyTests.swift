// A store encrypted at rest: opened with its key, refused with any other,
// encrypted in place and rekeyed (mirrors StoreKeyTest.kt).
import Foundation
import Storyloom
import XCTest

final class StoreKeyTests: StoreTestCase {
    func testAnEncryptedStoreOpensWithItsKeyOnly() async throws {
        let file = path("phone.storyloom")
        let key = try generateStoreKey()
        XCTAssertEqual(key.count, 32)
        let store = try await Store.openWithKey(path: file, key: key)
        XCTAssertTrue(store.isEncrypted())
        let project = try store.createProject(name: "Housing", memberName: "Asha", role: .reporter).projectId
        try store.close()

        let before = try Data(contentsOf: URL(fileURLWithPath: file))
        let wrong = await assertThrows("WrongStoreKey") {
            try await Store.openWithKey(path: file, key: try generateStoreKey())
        }
        XCTAssertTrue(wrong.hasPrefix("wrong store key"), wrong)
        _ = await assertThrows("WrongStoreKey") { try await Store.open(path: file) }
        _ = await assertThrows("InvalidInput") { try await Store.openWithKey(path: file, key: key.prefix(31)) }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file)), before, "no byte changed")

        let reopened = try await Store.openWithKey(path: file, key: key)
        defer { try? reopened.close() }
        XCTAssertEqual(try reopened.project(id: project).name, "Housing")
    }

    func testAPlaintextStoreIsEncryptedInPlaceThenRekeyed() async throws {
        let file = path("phone.storyloom")
        let store = try await Store.open(path: file)
        let project = try store.createProject(name: "Housing", memberName: "Asha", role: .reporter).projectId
        try store.close()

        let first = try generateStoreKey()
        try await encryptStore(path: file, key: first)
        _ = await assertThrows("WrongStoreKey") { try await Store.open(path: file) }

        let second = try generateStoreKey()
        try await rekeyStore(path: file, oldKey: first, newKey: second)
        _ = await assertThrows("WrongStoreKey") { try await Store.openWithKey(path: file, key: first) }
        let reopened = try await Store.openWithKey(path: file, key: second)
        defer { try? reopened.close() }
        XCTAssertEqual(try reopened.project(id: project).name, "Housing")
    }
}
