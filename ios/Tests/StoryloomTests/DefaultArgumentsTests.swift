import Foundation
import Storyloom
import XCTest

final class DefaultArgumentsTests: StoreTestCase {
    func testSearchAddHighlightAndExportBundleWorkWithoutTheirOptionalArguments() async throws {
        let asha = try await foundingPhone("Asha")
        let amira = try asha.sharingStoryteller("Amira")
        let story = try asha.story("The 42", teller: amira, transcript: "The bus stopped coming.")
        let hits = try await asha.store.search(query: "bus")
        XCTAssertEqual(hits.map(\.storyId), [story])
        let highlight = try asha.store.addHighlight(story: story, start: 4, end: 7)
        XCTAssertEqual(try asha.store.story(id: story).highlights.map(\.id), [highlight])
        let bundle = try await asha.store.exportBundle(project: asha.project)
        XCTAssertFalse(bundle.isEmpty)
    }
}
