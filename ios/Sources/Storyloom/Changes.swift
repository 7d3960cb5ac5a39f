// Change notifications as a Swift AsyncStream: hand-written beside the
// generated bindings (Storyloom.swift), on top of Store.addListener.
import Foundation

extension Store {
    /// Every change to the store — local writes, merges from sync and
    /// bundles, erasures, other processes' writes — from now until the
    /// iterating task is cancelled or the loop ends, which unsubscribes.
    ///
    /// Changes are buffered without limit (each is a few ids), so none is
    /// lost however slowly the loop runs.
    ///
    /// ```swift
    /// for await change in store.changes() where change.stories.contains(storyId) {
    ///     await refresh()
    /// }
    /// ```
    public func changes() -> AsyncStream<StoreChange> {
        AsyncStream(bufferingPolicy: .unbounded) { continuation in
            let subscription = addListener(listener: ChangeForwarder(continuation))
            continuation.onTermination = { _ in
                _ = subscription.cancel()
            }
        }
    }
}

/// Hands each change the store tells to an AsyncStream.
private final class ChangeForwarder: StoreListener {
    private let continuation: AsyncStream<StoreChange>.Continuation

    init(_ continuation: AsyncStream<StoreChange>.Continuation) {
        self.continuation = continuation
    }

    func onChange(change: StoreChange) throws {
        continuation.yield(change)
    }
}
