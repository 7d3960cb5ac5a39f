// Change listeners: told about local writes and merges, unharmed by a
// listener that throws, and free to read the store while being told
// (mirrors ListenerTest.kt).
import Foundation
import Storyloom
import XCTest

/// Keeps every change it is told about; callbacks may come from any thread.
private final class Recorder: StoreListener {
    private let recorded = Locked<[StoreChange]>([])

    var changes: [StoreChange] { recorded.current }

    func onChange(change: StoreChange) throws {
        recorded.update { $0.append(change) }
    }
}

/// An app's listener with a bug in it.
private final class FailingListener: StoreListener {
    struct AppBug: Error {}

    let error: Error

    init(throwing error: Error) {
        self.error = error
    }

    func onChange(change: StoreChange) throws {
        throw error
    }
}

/// Reads back the title of every story it is told about.
private final class TitleReader: StoreListener, @unchecked Sendable {
    // Weak: the store holds its listeners, so a strong reference back would
    // keep both alive for ever. Set once, before the listener is added.
    weak var store: Store?
    let titles = Locked<[String]>([])

    func onChange(change: StoreChange) throws {
        guard let store else { return }
        for id in change.stories {
            let title = try store.story(id: id).title
            titles.update { $0.append(title) }
        }
    }
}

final class ListenerTests: StoreTestCase {
    func testListenersHearAboutLocalWrites() async throws {
        let phone = try await foundingPhone("Asha")
        let store = phone.store
        let recorder = Recorder()
        let subscription = store.addListener(listener: recorder)
        let amira = try phone.storyteller("Amira")
        let story = try phone.story("T", teller: amira)
        try store.addTag(id: story, tag: "x")
        let changes = recorder.changes
        XCTAssertEqual(changes.count, 3)
        guard changes.count == 3 else { return }
        XCTAssertEqual(changes[0].participants, [amira])
        XCTAssertEqual(changes[1].stories, [story])
        XCTAssertEqual(changes[2].stories, [story])
        XCTAssertTrue(changes.allSatisfy { $0.origin == .local })

        XCTAssertTrue(subscription.cancel())
        XCTAssertFalse(subscription.cancel(), "cancelling twice is harmless")
        try store.addTag(id: story, tag: "y")
        XCTAssertEqual(recorder.changes.count, 3)
    }

    func testListenersHearAboutMerges() async throws {
        let asha = try await foundingPhone("Asha")
        let ben = try await joiningPhone("Ben", from: asha)
        let amira = try asha.sharingStoryteller("Amira")
        let story = try asha.story("T", teller: amira, transcript: "text")
        let recorder = Recorder()
        _ = ben.store.addListener(listener: recorder)
        _ = try ben.store.importDocument(bytes: asha.store.exportParticipantDocument(id: amira))
        _ = try ben.store.importDocument(bytes: asha.store.exportStoryDocument(id: story))
        XCTAssertEqual(recorder.changes.last?.origin, .merge)
        XCTAssertEqual(recorder.changes.last?.stories, [story])
    }

    // Both ways a Swift listener can fail: the declared ListenerError, and any
    // other error an app's code throws.
    func testAListenerThatThrowsDoesNotBreakTheStoreOrOtherListeners() async throws {
        let phone = try await foundingPhone("Asha")
        let store = phone.store
        _ = store.addListener(listener: FailingListener(throwing: ListenerError.Failed(message: "app bug")))
        _ = store.addListener(listener: FailingListener(throwing: FailingListener.AppBug()))
        let recorder = Recorder()
        _ = store.addListener(listener: recorder)
        let amira = try phone.storyteller("Amira")
        XCTAssertEqual(try store.participant(id: amira).displayName, "Amira")
        XCTAssertEqual(recorder.changes.count, 1)
    }

    func testAListenerMayReadTheStoreWhileBeingTold() async throws {
        let phone = try await foundingPhone("Asha")
        let reader = TitleReader()
        reader.store = phone.store
        _ = phone.store.addListener(listener: reader)
        _ = try phone.story("Read back", teller: phone.storyteller("Amira"))
        XCTAssertEqual(reader.titles.current, ["Read back"])
    }
}
