// Runs a sync session over a pair of byte streams (a socket, a Bluetooth
// channel): hand-written beside the generated bindings. The frames are the
// ones the Rust side and Kotlin use (docs/sync-transport.md): a 4-byte
// big-endian length, then the message; a length of 0 ends this side's turn.
import Foundation

/// The largest message a peer may announce (the core's own limit per message).
public let maxSyncFrameBytes = 64 * 1024 * 1024

extension Store {
    /// Runs one sync session for `project` over `input` and `output` (both
    /// already opened) until both sides are done, and returns its progress.
    /// One side passes `initiator: true` (by convention the one that
    /// connected). Cancelling the task cancels the session; close the
    /// streams as well to unblock a read waiting for the peer.
    public func syncOver(
        project: ProjectId, input: InputStream, output: OutputStream, initiator: Bool
    ) async throws -> SyncProgress {
        let session = initiator ? try await startSync(project: project) : try await acceptSync(project: project)
        if let first = session.firstMessage() {
            try writeFrame(first, to: output)
        }
        var ended = false
        while let message = try readFrame(from: input) {
            try Task.checkCancellation()
            if let reply = try await session.receive(message: message) {
                try writeFrame(reply, to: output)
            } else {
                try writeFrame(Data(), to: output)
                ended = true
            }
        }
        if !ended {
            try writeFrame(Data(), to: output)
        }
        return session.progress()
    }
}

private func writeFrame(_ message: Data, to output: OutputStream) throws {
    var length = UInt32(message.count).bigEndian
    try writeAll(Data(bytes: &length, count: 4), to: output)
    try writeAll(message, to: output)
}

private func writeAll(_ data: Data, to output: OutputStream) throws {
    try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
        guard let base = buffer.bindMemory(to: UInt8.self).baseAddress else { return }
        var written = 0
        while written < data.count {
            let n = output.write(base + written, maxLength: data.count - written)
            if n <= 0 {
                throw StoreError.SyncRejected(reason: "the connection closed in the middle of the session")
            }
            written += n
        }
    }
}

/// The next message, or nil for the peer's end frame.
private func readFrame(from input: InputStream) throws -> Data? {
    let header = try readExactly(4, from: input)
    let length = header.reduce(0) { ($0 << 8) | Int($1) }
    if length == 0 { return nil }
    guard length <= maxSyncFrameBytes else {
        throw StoreError.SyncRejected(reason: "the peer announced a \(length)-byte message; at most \(maxSyncFrameBytes) are accepted")
    }
    return try readExactly(length, from: input)
}

private func readExactly(_ count: Int, from input: InputStream) throws -> Data {
    var data = Data(count: count)
    var read = 0
    try data.withUnsafeMutableBytes { (buffer: UnsafeMutableRawBufferPointer) in
        guard let base = buffer.bindMemory(to: UInt8.self).baseAddress else { return }
        while read < count {
            let n = input.read(base + read, maxLength: count - read)
            if n <= 0 {
                throw StoreError.SyncRejected(reason: "the connection closed in the middle of the session")
            }
            read += n
        }
    }
    return data
}
