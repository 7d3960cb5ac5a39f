// One store called from many threads at once, as an app's UI, background
// sync and search do (mirrors ConcurrencyTest.kt).
import Foundation
import Storyloom
import XCTest

final class ConcurrencyTests: StoreTestCase {
    func testEightThreadsWriteReadAndSearchAtOnceWithoutErrorOrDeadlock() async throws {
        let phone = try await foundingPhone("Asha")
        let store = phone.store
        let amira = try phone.storyteller("Amira")
        let shared = try phone.story("Shared", teller: amira)
        let threads = 8
        let rounds = 25
        let start = DispatchSemaphore(value: 0)
        let finished = DispatchGroup()
        let errors = Locked<[Error]>([])
        let created = Locked(0)

        // Real threads rather than a queue, so all eight are in the store at once.
        for t in 0..<threads {
            finished.enter()
            Thread {
                defer { finished.leave() }
                start.wait()
                do {
                    for i in 0..<rounds {
                        switch (t + i) % 4 {
                        case 0:
                            _ = try phone.story(
                                "Story \(t)-\(i)",
                                teller: amira,
                                transcript: "words from thread \(t) round \(i)"
                            )
                            created.update { $0 += 1 }
                        case 1:
                            try store.spliceTranscript(id: shared, start: 0, delete: 0, insert: "t\(t) ")
                        case 2:
                            _ = try store.listStories(query: StoryQuery(project: phone.project, limit: 20))
                        default:
                            // A plain thread waits for the async search.
                            let answered = DispatchSemaphore(value: 0)
                            var failure: Error?
                            Task {
                                do { _ = try await store.search(query: "thread", project: phone.project, limit: 5) } catch { failure = error }
                                answered.signal()
                            }
                            answered.wait()
                            if let failure { throw failure }
                        }
                    }
                } catch {
                    errors.update { $0.append(error) }
                }
            }.start()
        }
        for _ in 0..<threads {
            start.signal()
        }

        XCTAssertEqual(finished.wait(timeout: .now() + 120), .success, "no deadlock: all threads finished")
        XCTAssertEqual(errors.current.map { "\($0)" }, [])
        let listed = try store.listStories(query: StoryQuery(project: phone.project, limit: 500)).stories
        XCTAssertEqual(listed.count, created.current + 1)
        let splices = (0..<threads).flatMap { t in (0..<rounds).filter { i in (t + i) % 4 == 1 } }.count
        let transcript = try store.story(id: shared).transcript
        let marks = try NSRegularExpression(pattern: "t\\d ")
            .numberOfMatches(in: transcript, range: NSRange(transcript.startIndex..., in: transcript))
        XCTAssertEqual(marks, splices)
    }
}
