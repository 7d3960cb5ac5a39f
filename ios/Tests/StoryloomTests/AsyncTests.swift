// The long calls are async: off the caller's thread, and cancellable.
// Mirrors android/src/test/kotlin/org/storyloom/AsyncTest.kt.
import Foundation
import Storyloom
import XCTest

final class AsyncTests: StoreTestCase {
    private func manyStories(_ phone: Phone, _ count: Int) throws -> [StoryId] {
        let teller = try phone.sharingStoryteller("Amira")
        let words = String(repeating: "the bus stopped coming and nobody told us why ", count: 40)
        return try (1...count).map { try phone.story("Story \($0)", teller: teller, transcript: "\($0) \(words)") }
    }

    func testCancellingTheTaskMidSyncCancelsTheSessionAndLeavesBothStoresWhole() async throws {
        let asha = try await foundingPhone("Asha")
        let stories = try manyStories(asha, 150)
        let ben = try await openStore("ben.storyloom")
        _ = try ben.join(invite: asha.store.invite(project: asha.project), memberName: "Ben", role: .facilitator)

        let a = try await asha.store.startSync(project: asha.project)
        let b = try await ben.acceptSync(project: asha.project)
        let first = try XCTUnwrap(a.firstMessage())
        let (applying, started) = AsyncStream<Void>.makeStream()
        let task = Task {
            var message = first
            var round = 0
            while true {
                round += 1
                if round == 2 { started.yield() } // round 2 carries Asha's stories to Ben
                guard let reply = try await b.receive(message: message) else { break }
                guard let next = try await a.receive(message: reply) else { break }
                message = next
            }
        }
        for await _ in applying { break }
        task.cancel()
        _ = await task.result
        await assertThrows("Cancelled") { try await b.receive(message: Data([1])) }

        let again = try await asha.store.startSync(project: asha.project)
        let answer = try await ben.acceptSync(project: asha.project)
        var message = try XCTUnwrap(again.firstMessage())
        while true {
            guard let reply = try await answer.receive(message: message) else { break }
            guard let next = try await again.receive(message: reply) else { break }
            message = next
        }
        XCTAssertTrue(again.isDone() && answer.isDone())
        let page = try ben.listStories(query: StoryQuery(project: asha.project, limit: 500))
        XCTAssertEqual(page.stories.count, stories.count)
    }

    func testAnAsyncStreamOfChangesSeesLocalWritesInOrder() async throws {
        let asha = try await foundingPhone("Asha")
        let amira = try asha.storyteller("Amira")
        let changes = asha.store.changes()
        let story = try asha.story("The 42", teller: amira)
        try asha.store.addTag(id: story, tag: "transport")
        var told: [StoreChange] = []
        for await change in changes {
            told.append(change)
            if told.count == 2 { break } // ending the loop unsubscribes
        }
        XCTAssertEqual(told.map(\.stories), [[story], [story]])
        XCTAssertTrue(told.allSatisfy { $0.origin == .local })
    }
}
