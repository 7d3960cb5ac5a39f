// Runs a sync session over a pair of byte streams (a socket, a Bluetooth
// channel): hand-written beside the generated bindings. The frames are the
// ones the Rust side and Swift use (docs/sync-transport.md): a 4-byte
// big-endian length, then the message; a length of 0 ends this side's turn.
package org.storyloom

import java.io.DataInputStream
import java.io.DataOutputStream
import java.io.InputStream
import java.io.OutputStream
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.ensureActive
import kotlinx.coroutines.withContext

/** The largest message a peer may announce (the core's own limit per message). */
const val MAX_SYNC_FRAME_BYTES: Int = 64 * 1024 * 1024

/**
 * Runs one sync session for [project] over [input] and [output] until both
 * sides are done, and returns its progress. One side passes
 * `initiator = true` (by convention the one that connected), the other
 * `false`. Reads and writes happen on `Dispatchers.IO`; cancelling the
 * coroutine cancels the session (close the socket as well to unblock a
 * read that is waiting for the peer). The streams are flushed, not closed.
 *
 * ```
 * Socket(host, port).use { socket ->
 *     store.syncOver(project, socket.getInputStream(), socket.getOutputStream(), initiator = true)
 * }
 * ```
 */
suspend fun Store.syncOver(
    project: ProjectId,
    input: InputStream,
    output: OutputStream,
    initiator: Boolean,
): SyncProgress = withContext(Dispatchers.IO) {
    val reader = DataInputStream(input.buffered())
    val writer = DataOutputStream(output.buffered())
    val session = if (initiator) startSync(project) else acceptSync(project)
    session.firstMessage()?.let { writer.writeFrame(it) }
    writer.flush()
    var ended = false
    while (true) {
        ensureActive()
        val message = reader.readFrame() ?: break
        val reply = session.receive(message)
        if (reply != null) {
            writer.writeFrame(reply)
        } else {
            writer.writeInt(0)
            ended = true
        }
        writer.flush()
    }
    if (!ended) {
        writer.writeInt(0)
        writer.flush()
    }
    session.progress()
}

private fun DataOutputStream.writeFrame(message: ByteArray) {
    writeInt(message.size)
    write(message)
}

/** The next message, or null for the peer's end frame. */
private fun DataInputStream.readFrame(): ByteArray? {
    val size = try {
        readInt()
    } catch (e: java.io.EOFException) {
        throw StoreException.SyncRejected("the connection closed in the middle of the session")
    }
    if (size == 0) return null
    if (size < 0 || size > MAX_SYNC_FRAME_BYTES) {
        throw StoreException.SyncRejected("the peer announced a ${size.toUInt()}-byte message; at most $MAX_SYNC_FRAME_BYTES are accepted")
    }
    return ByteArray(size).also {
        try {
            readFully(it)
        } catch (e: java.io.EOFException) {
            throw StoreException.SyncRejected("the connection closed in the middle of the session")
        }
    }
}
