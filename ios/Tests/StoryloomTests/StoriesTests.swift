// Stories: fields, transcript splices in UTF-16 offsets, tags, storytellers,
// highlights and comments, lists and search, history, size limits, typed
// errors and a two-phone merge (mirrors StoriesTest.kt).
import Foundation
import Storyloom
import XCTest

final class StoriesTests: StoreTestCase {
    func testAStoryIsCreatedReadAndUpdated() async throws {
        let phone = try await foundingPhone("Asha")
        let store = phone.store
        let amira = try phone.storyteller("Amira")
        let at = try XCTUnwrap(ISO8601DateFormatter().date(from: "2026-11-20T14:30:00Z"))
        let recorded = RecordedAt(at: at, utcOffsetMinutes: 60)
        let id = try store.createStory(
            project: phone.project,
            story: NewStory(
                title: "The 42",
                storytellers: [amira],
                transcript: "The bus stopped coming.",
                language: "en-GB",
                recordedAt: recorded,
                place: "Leeds",
                tags: ["Transport"]
            )
        )
        try store.updateStory(id: id, update: StoryUpdate(title: "The 42 bus", status: .collected))
        let story = try store.story(id: id)
        XCTAssertEqual(story.title, "The 42 bus")
        XCTAssertEqual(story.status, .collected)
        XCTAssertEqual(story.recordedAt, recorded)
        XCTAssertEqual(story.tags, ["transport"])
        XCTAssertEqual(story.storytellers, [amira])
        XCTAssertEqual(story.reporter, phone.member)
    }

    func testSplicesUseUTF16OffsetsEmojiAndCombiningMarksIncluded() async throws {
        let phone = try await foundingPhone("Asha")
        let store = phone.store
        let text = "Hi 😀 the cafe\u{301}"
        let id = try phone.story("Café", teller: phone.storyteller("Amira"), transcript: text)
        // Swift counts characters (😀 is one); the store counts UTF-16 code
        // units (😀 is two), as UITextView's change callbacks do.
        try store.spliceTranscript(id: id, start: utf16Offset(of: "the", in: text), delete: 3, insert: "our")
        try store.spliceTranscript(
            id: id,
            start: utf16Offset(of: "😀", in: text),
            delete: Int32("😀".utf16.count),
            insert: "🚌"
        )
        XCTAssertEqual(try store.story(id: id).transcript, "Hi 🚌 our cafe\u{301}")
        let inside = await assertThrows("InvalidInput") {
            try store.spliceTranscript(id: id, start: 4, delete: 0, insert: "x") // between the two halves of 🚌
        }
        XCTAssertTrue(inside.contains("surrogate"), inside)
        await assertThrows("InvalidInput") { try store.spliceTranscript(id: id, start: -1, delete: 0, insert: "x") }
        await assertThrows("InvalidInput") { try store.spliceTranscript(id: id, start: 0, delete: 99, insert: "") }
        XCTAssertEqual(try store.story(id: id).transcript, "Hi 🚌 our cafe\u{301}")
    }

    func testWholeTextUpdatesAndTheSummary() async throws {
        let phone = try await foundingPhone("Asha")
        let store = phone.store
        let id = try phone.story("T", teller: phone.storyteller("Amira"), transcript: "one two three")
        try store.setTranscript(id: id, text: "one 2 three four")
        try store.setSummary(id: id, text: "Numbers")
        try store.spliceSummary(id: id, start: 7, delete: 0, insert: ", counted")
        let story = try store.story(id: id)
        XCTAssertEqual(story.transcript, "one 2 three four")
        XCTAssertEqual(story.summary, "Numbers, counted")
    }

    func testTagsStorytellersHighlightsAndComments() async throws {
        let phone = try await foundingPhone("Asha")
        let store = phone.store
        let amira = try phone.storyteller("Amira")
        let bilal = try phone.storyteller("Bilal")
        let transcript = "We waited an hour. The bus never came."
        let id = try phone.story("The 42", teller: amira, transcript: transcript)
        try store.addTag(id: id, tag: "Transport")
        try store.addTag(id: id, tag: "waiting")
        try store.removeTag(id: id, tag: "WAITING")
        try store.addStoryteller(id: id, participant: bilal)
        try store.removeStoryteller(id: id, participant: amira)
        let start = try utf16Offset(of: "The bus", in: transcript)
        let highlight = try store.addHighlight(
            story: id,
            start: start,
            end: Int32(transcript.utf16.count),
            theme: "reliability",
            note: "key quote"
        )
        try store.spliceTranscript(id: id, start: 0, delete: 0, insert: "Honestly, ")
        let comment = try store.addComment(story: id, body: "Use this in the report", highlight: highlight)

        let story = try store.story(id: id)
        XCTAssertEqual(story.tags, ["transport"])
        XCTAssertEqual(story.storytellers, [bilal])
        // The highlight follows its words when text is inserted before them.
        XCTAssertEqual(story.highlights.map(\.quote), ["The bus never came."])
        XCTAssertEqual(story.highlights.map(\.start), [start + Int32("Honestly, ".utf16.count)])
        XCTAssertEqual(story.comments.map(\.highlight), [highlight])
        try store.removeComment(story: id, comment: comment)
        try store.removeHighlight(story: id, highlight: highlight)
        XCTAssertTrue(try store.story(id: id).highlights.isEmpty)
        await assertThrows("NotFound") { try store.removeHighlight(story: id, highlight: highlight) }
    }

    func testListsPageThroughTheIndexAndSearchFindsWords() async throws {
        let phone = try await foundingPhone("Asha")
        let store = phone.store
        let amira = try phone.storyteller("Amira")
        let ids = try (0..<5).map { i in
            try store.createStory(
                project: phone.project,
                story: NewStory(
                    title: "Story \(i)",
                    storytellers: [amira],
                    transcript: i == 3 ? "The library closed in March." : "Nothing much.",
                    tags: i % 2 == 0 ? ["even"] : []
                )
            )
        }
        let first = try store.listStories(query: StoryQuery(project: phone.project, limit: 2))
        XCTAssertEqual(first.stories.map(\.id), [ids[4], ids[3]])
        XCTAssertEqual(first.nextOffset, 2)
        let last = try store.listStories(query: StoryQuery(project: phone.project, limit: 2, offset: 4))
        XCTAssertEqual(last.stories.map(\.id), [ids[0]])
        XCTAssertNil(last.nextOffset)
        XCTAssertEqual(try store.listStories(query: StoryQuery(project: phone.project, tag: "even")).stories.count, 3)
        let byTitle = try store.listStories(query: StoryQuery(project: phone.project, sort: .titleAsc))
        XCTAssertEqual(byTitle.stories.first?.title, "Story 0")

        let hits = try await store.search(query: "library", project: phone.project, limit: 10)
        XCTAssertEqual(hits.map(\.storyId), [ids[3]])
        let snippet = try XCTUnwrap(hits.first).snippet
        XCTAssertTrue(snippet.contains("[library]"), snippet)
        await assertThrows("InvalidInput") { try await store.search(query: "  ", project: nil, limit: 10) }
    }

    func testTheHistorySaysWhoDidWhat() async throws {
        let phone = try await foundingPhone("Asha")
        let store = phone.store
        let id = try phone.story("T", teller: phone.storyteller("Amira"), transcript: "text")
        try store.addTag(id: id, tag: "x")
        _ = try store.addHighlight(story: id, start: 0, end: 4, theme: nil, note: "")
        let history = try store.storyHistory(id: id)
        XCTAssertEqual(history.map(\.kind), [.created, .tagsChanged, .highlightAdded])
        let device = store.deviceId()
        XCTAssertTrue(history.allSatisfy { $0.memberName == "Asha" && $0.deviceId == device })
    }

    func testAOneMegabyteTranscriptWorksAndTenMegabytesIsRefused() async throws {
        let phone = try await foundingPhone("Asha")
        let store = phone.store
        let big = String(repeating: "Long interview text, said slowly. ", count: 32 * 1024)
        let id = try phone.story("Long", teller: phone.storyteller("Amira"), transcript: big)
        try store.spliceTranscript(id: id, start: Int32(big.utf16.count), delete: 0, insert: " The end.")
        XCTAssertTrue(try store.story(id: id).transcript.hasSuffix("slowly.  The end."))
        let huge = await assertThrows("InvalidInput") {
            try store.setTranscript(id: id, text: String(repeating: "x", count: 10 * 1024 * 1024))
        }
        XCTAssertTrue(huge.contains("limit"), huge)
    }

    func testBadStoryInputGetsTypedErrors() async throws {
        let phone = try await foundingPhone("Asha")
        let store = phone.store
        await assertThrows("InvalidInput") {
            try store.createStory(project: phone.project, story: NewStory(title: ""))
        }
        await assertThrows("NotFound") {
            try store.createStory(
                project: phone.project,
                story: NewStory(title: "T", storytellers: ["01a2140a-1f35-70dc-9bee-556149f20b83"])
            )
        }
        let id = try phone.story("T", teller: phone.storyteller("Amira"))
        await assertThrows("InvalidInput") {
            try store.updateStory(id: id, update: StoryUpdate(language: "en_GB!"))
        }
        let sharing = await assertThrows("ConsentRequired") { try store.exportStoryDocument(id: id) }
        XCTAssertTrue(sharing.contains("share-in-project"), sharing)
        // Offsets from UTC stop short of a whole day.
        await assertThrows("InvalidInput") {
            try store.updateStory(
                id: id,
                update: StoryUpdate(recordedAt: RecordedAt(at: Date(), utcOffsetMinutes: 24 * 60))
            )
        }
        XCTAssertEqual(try store.story(id: id).title, "T")
    }

    func testTwoPhonesMergeAStory() async throws {
        let asha = try await foundingPhone("Asha")
        let ben = try await joiningPhone("Ben", from: asha)
        let amira = try asha.sharingStoryteller("Amira")
        let id = try asha.story("The 42", teller: amira, transcript: "The bus stopped coming.")
        try exchangeParticipant(asha, ben, amira)
        try exchangeStory(asha, ben, id)
        try asha.store.spliceTranscript(id: id, start: 4, delete: 3, insert: "number 42 bus")
        try ben.store.spliceTranscript(id: id, start: 23, delete: 0, insert: " Nobody told us why.")
        try exchangeStory(asha, ben, id)
        let expected = "The number 42 bus stopped coming. Nobody told us why."
        XCTAssertEqual(try asha.store.story(id: id).transcript, expected)
        XCTAssertEqual(try ben.store.story(id: id).transcript, expected)
        let nobody = try await ben.store.search(query: "nobody", project: nil, limit: 5)
        XCTAssertEqual(nobody.count, 1)
    }
}
