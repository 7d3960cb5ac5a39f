// Media: a recording attached from a file with progress, read back by range
// for a player, listed and exported; cancelling from the progress callback;
// cancelling the task mid-attach; keep-media consent required; a photo from
// bytes (mirrors MediaTest.kt).
import Foundation
import Storyloom
import XCTest

/// Records progress and cancels once `stopAfter` bytes are done.
private final class Progress: MediaProgress, @unchecked Sendable {
    private let seen = Locked<[UInt64]>([])
    private let stopAfter: UInt64

    init(stopAfter: UInt64 = .max) {
        self.stopAfter = stopAfter
    }

    var done: [UInt64] { seen.current }

    func onProgress(done: UInt64, total: UInt64) -> Bool {
        seen.update { $0.append(done) }
        return done < stopAfter
    }
}


/// Reports the start of an attach (0 bytes done), then holds it until the
/// test releases it.
private final class Gate: MediaProgress, @unchecked Sendable {
    private let seen = Locked<[UInt64]>([])
    private let firstChunk: DispatchSemaphore
    private let release: DispatchSemaphore

    init(firstChunk: DispatchSemaphore, release: DispatchSemaphore) {
        self.firstChunk = firstChunk
        self.release = release
    }

    var done: [UInt64] { seen.current }

    func onProgress(done: UInt64, total: UInt64) -> Bool {
        seen.update { $0.append(done) }
        firstChunk.signal()
        _ = release.wait(timeout: .now() + 10)
        return true
    }
}

private let chunk = 1 << 20

private func recording(_ size: Int) -> Data {
    Data((0..<size).map { UInt8(($0 * 31) % 251) })
}

private extension Phone {
    func recordedStoryteller(_ name: String) throws -> ParticipantId {
        let id = try storyteller(name)
        _ = try store.grantConsent(
            project: project,
            grant: NewConsentGrant(storyteller: id, scopes: [.record, .keepMedia], method: .spoken, attribution: .pseudonym)
        )
        return id
    }
}

final class MediaTests: StoreTestCase {
    func testARecordingAttachedFromAFilePlaysBackFromAnyPosition() async throws {
        let phone = try await foundingPhone("Asha")
        let store = phone.store
        let story = try phone.story("The 42", teller: try phone.recordedStoryteller("Amira"), transcript: "The bus stopped coming.")
        let bytes = recording(chunk * 2 + 1234)
        let file = path("interview.m4a")
        try bytes.write(to: URL(fileURLWithPath: file))
        let progress = Progress()
        let item = try await store.attachMediaFile(
            story: story,
            path: file,
            media: NewMedia(kind: .audio, mime: "audio/mp4", caption: "At the depot", durationMs: 61_000),
            progress: progress
        )
        XCTAssertEqual(item.size, UInt64(bytes.count))
        XCTAssertEqual(progress.done.last, UInt64(bytes.count))
        XCTAssertTrue(item.contentHash.hasPrefix("sha256:"))

        // A player seeking across a chunk boundary gets exactly those bytes.
        let start = chunk - 10
        let range = try store.readMedia(id: item.id, start: UInt64(start), len: 20)
        XCTAssertEqual(range, bytes.subdata(in: start..<(start + 20)))

        let listed = try store.storyMedia(story: story)
        XCTAssertEqual(listed.map(\.id), [item.id])
        XCTAssertTrue(listed[0].present)
        XCTAssertFalse(listed[0].withdrawn)

        let out = path("copy.m4a")
        let exported = try await store.exportMedia(id: item.id, path: out, overwrite: false)
        XCTAssertEqual(exported, UInt64(bytes.count))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out)), bytes)
        await assertThrows("InvalidInput") { try await store.exportMedia(id: item.id, path: out, overwrite: false) }
    }

    func testCancellingFromTheProgressCallbackLeavesNothingAttached() async throws {
        let phone = try await foundingPhone("Asha")
        let story = try phone.story("The 42", teller: try phone.recordedStoryteller("Amira"))
        let file = path("long.m4a")
        try recording(chunk * 3).write(to: URL(fileURLWithPath: file))
        await assertThrows("Cancelled") {
            try await phone.store.attachMediaFile(
                story: story, path: file, media: NewMedia(kind: .audio), progress: Progress(stopAfter: UInt64(chunk)))
        }
        XCTAssertEqual(try phone.store.storyMedia(story: story).count, 0)
    }

    func testCancellingTheTaskStopsAnAttachAndLeavesNothingAttached() async throws {
        let phone = try await foundingPhone("Asha")
        let story = try phone.story("The 42", teller: try phone.recordedStoryteller("Amira"))
        let file = path("long.m4a")
        try recording(chunk * 3).write(to: URL(fileURLWithPath: file))
        let firstChunk = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let progress = Gate(firstChunk: firstChunk, release: release)
        let attach = Task {
            try await phone.store.attachMediaFile(story: story, path: file, media: NewMedia(kind: .audio), progress: progress)
        }
        await Task.detached { firstChunk.wait() }.value
        attach.cancel()
        _ = await attach.result
        release.signal()

        let kept = try await phone.store.attachMediaFile(story: story, path: file, media: NewMedia(kind: .audio))
        XCTAssertEqual(try phone.store.storyMedia(story: story).map(\.id), [kept.id])
        XCTAssertEqual(progress.done, [0], "the cancelled attach went on after it started")
    }

    func testMediaNeedKeepMediaConsentAndAPhotoCanComeFromBytes() async throws {
        let phone = try await foundingPhone("Asha")
        let store = phone.store
        let withoutConsent = try phone.story("The 42", teller: try phone.sharingStoryteller("Bilal"))
        let refused = await assertThrows("ConsentRequired") {
            try store.attachMediaBytes(story: withoutConsent, bytes: Data([1, 2, 3]), media: NewMedia(kind: .photo, mime: "image/jpeg"))
        }
        XCTAssertTrue(refused.contains("keep-media"), refused)

        let story = try phone.story("Depot", teller: try phone.recordedStoryteller("Amira"))
        let photo = try store.attachMediaBytes(story: story, bytes: Data([9, 8, 7]), media: NewMedia(kind: .photo, mime: "image/jpeg"))
        XCTAssertEqual(try store.readMedia(id: photo.id, start: 1, len: 10), Data([8, 7]))
        try store.removeMedia(story: story, id: photo.id)
        await assertThrows("NotFound") { try store.readMedia(id: photo.id, start: 0, len: 1) }
    }

    func testAHighlightPlaysExactlyItsQuoteFromTheRecording() async throws {
        let phone = try await foundingPhone("Asha")
        let store = phone.store
        let text = "The bus stopped coming. Then the library closed."
        let story = try phone.story("The 42", teller: try phone.recordedStoryteller("Amira"), transcript: text)
        let recording = try store.attachMediaBytes(story: story, bytes: Data([1]), media: NewMedia(kind: .audio, durationMs: 20_000))
        _ = try store.addSegment(story: story, media: recording.id, start: 24, end: 48, startMs: 10_000, endMs: 20_000)
        let at = try utf16Offset(of: "library closed", in: text)
        let quote = try store.addHighlight(story: story, start: at, end: at + 14, theme: nil, note: "")
        let range = try XCTUnwrap(try store.highlightTimeRange(story: story, highlight: quote))
        XCTAssertEqual(range, TimeRange(mediaId: recording.id, startMs: 13_750, endMs: 19_583))
        XCTAssertEqual(try store.storySegments(story: story).count, 1)
    }
}
