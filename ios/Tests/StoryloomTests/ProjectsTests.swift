// Projects: their first member, members and themes, another phone joining,
// and the error for a bad name (mirrors ProjectsTest.kt).
import Foundation
import Storyloom
import XCTest

final class ProjectsTests: StoreTestCase {
    func testANewProjectHasItsCreatorAsFirstMember() async throws {
        let before = Date().addingTimeInterval(-5)
        let phone = try await foundingPhone("Asha", projectName: "Leeds listening")
        let project = try phone.store.project(id: phone.project)
        XCTAssertEqual(project.name, "Leeds listening")
        XCTAssertEqual(project.localMember, phone.member)
        XCTAssertEqual(project.members.map(\.displayName), ["Asha"])
        XCTAssertEqual(project.members.map(\.role), [.reporter])
        XCTAssertGreaterThan(project.createdAt, before)
    }

    func testMembersAndThemesAreAdded() async throws {
        let phone = try await foundingPhone("Asha")
        let store = phone.store
        _ = try store.addMember(project: phone.project, displayName: "Dev (no phone)", role: .storyteller)
        XCTAssertTrue(try store.addTheme(project: phone.project, name: "Sharing power", description: "Who decides"))
        XCTAssertFalse(try store.addTheme(project: phone.project, name: "sharing POWER", description: "again"))
        let project = try store.project(id: phone.project)
        XCTAssertEqual(project.members.count, 2)
        XCTAssertEqual(project.themes.map(\.name), ["Sharing power"])
    }

    func testAnotherPhoneJoinsAProjectItReceived() async throws {
        let asha = try await foundingPhone("Asha")
        let ben = try await joiningPhone("Ben", from: asha)
        XCTAssertEqual(try ben.store.project(id: asha.project).localMember, ben.member)
        XCTAssertEqual(
            try ben.store.joinProject(project: asha.project, memberName: "Ben again", role: .facilitator),
            ben.member
        )
        _ = try asha.store.importDocument(bytes: ben.store.exportProjectDocument(id: asha.project))
        let members = try asha.store.project(id: asha.project).members
        XCTAssertEqual(Set(members.map(\.displayName)), ["Asha", "Ben"])
    }

    func testAnEmptyProjectNameIsInvalidInput() async throws {
        let store = try await openStore("phone")
        let message = await assertThrows("InvalidInput") {
            try store.createProject(name: "  ", memberName: "Asha", role: .reporter)
        }
        XCTAssertTrue(message.contains("project name"), message)
    }
}
