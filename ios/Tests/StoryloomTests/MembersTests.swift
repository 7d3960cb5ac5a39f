// Members through the bindings: a coordinator removes a member, the removed
// phone is refused and cannot open a bundle sealed afterwards, and roles
// (mirrors MembersTest.kt).
import Foundation
import Storyloom
import XCTest

final class MembersTests: StoreTestCase {
    private func carryMessages(between a: SyncSession, and b: SyncSession) async throws {
        var message = try XCTUnwrap(a.firstMessage())
        while true {
            guard let reply = try await b.receive(message: message) else { break }
            guard let next = try await a.receive(message: reply) else { break }
            message = next
        }
    }

    private func invitedPhone(_ name: String, from: Phone) async throws -> Phone {
        let store = try await openStore("\(name).storyloom")
        let joined = try store.join(invite: from.store.invite(project: from.project), memberName: name, role: .reporter)
        try await carryMessages(
            between: from.store.startSync(project: from.project),
            and: store.acceptSync(project: from.project)
        )
        return Phone(store: store, project: from.project, member: joined.memberId)
    }

    func testACoordinatorRemovesAMemberAndTheRemovedPhoneIsRefused() async throws {
        let asha = try await foundingPhone("Asha")
        let ben = try await invitedPhone("Ben", from: asha)
        let cara = try await invitedPhone("Cara", from: asha)
        try await carryMessages(
            between: ben.store.startSync(project: asha.project),
            and: asha.store.acceptSync(project: asha.project)
        )

        _ = await assertThrows("InvalidInput") { try ben.store.removeMember(project: asha.project, member: cara.member) }

        try asha.store.removeMember(project: asha.project, member: cara.member)
        let listed = try XCTUnwrap(asha.store.members(project: asha.project).first { $0.id == cara.member })
        XCTAssertTrue(listed.removed)
        XCTAssertTrue(listed.devices.isEmpty)

        // Ben missed the rotation: he starts the session and picks up the new epoch.
        try await carryMessages(
            between: ben.store.startSync(project: asha.project),
            and: asha.store.acceptSync(project: asha.project)
        )
        let refused = await assertThrows("SyncRejected") {
            try await self.carryMessages(
                between: cara.store.startSync(project: asha.project),
                and: ben.store.acceptSync(project: asha.project)
            )
        }
        XCTAssertTrue(refused.contains("removed"), refused)
        let bundle = try await ben.store.exportBundle(project: asha.project)
        _ = await assertThrows("WrongKey") { try await cara.store.importBundle(bundle: bundle) }

        try asha.store.setMemberRole(project: asha.project, member: ben.member, role: .coordinator)
        try await carryMessages(
            between: asha.store.startSync(project: asha.project),
            and: ben.store.acceptSync(project: asha.project)
        )
        let benListed = try XCTUnwrap(ben.store.members(project: asha.project).first { $0.id == ben.member })
        XCTAssertEqual(benListed.role, .coordinator)
    }
}
