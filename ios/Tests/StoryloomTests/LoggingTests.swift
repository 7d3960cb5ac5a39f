import Foundation
import XCTest
import Storyloom

final class LoggingTests: StoreTestCase {
    private final class Kept: @unchecked Sendable {
        private let lock = NSLock()
        private var records: [LogRecord] = []
        func add(_ record: LogRecord) { lock.lock(); records.append(record); lock.unlock() }
        var all: [LogRecord] { lock.lock(); defer { lock.unlock() }; return records }
    }

    func testASinkReceivesTheStoresOperationsAtItsLevelAndNeverTheStorysText() async throws {
        let kept = Kept()
        setLogSink(maxLevel: .info) { kept.add($0) }
        defer { clearLogSink() }
        let store = try await Store.open(path: path("a.storyloom"))
        let created = try store.createProject(name: "Quillonbrook", memberName: "Marisol Vantwerpen", role: .reporter)
        let teller = try store.addParticipant(project: created.projectId, participant: NewParticipant(displayName: "Ysolde Kettleburn"))
        _ = try store.createStory(project: created.projectId, story: NewStory(title: "lanterns-over-weir", storytellers: [teller], transcript: "Zanzibar turnpike"))
        try store.close()

        let records = kept.all
        let opened = try XCTUnwrap(records.first { $0.message.hasPrefix("store opened") })
        XCTAssertEqual(opened.level, .info)
        XCTAssertEqual(opened.target, "storyloom::store")
        XCTAssertTrue(records.allSatisfy { [.error, .warn, .info].contains($0.level) })
        let text = records.map(\.message).joined(separator: "\n")
        for phrase in ["Quillonbrook", "Marisol", "Ysolde", "lanterns-over-weir", "Zanzibar"] {
            XCTAssertFalse(text.contains(phrase), "\(phrase) reached the log")
        }
    }
}
