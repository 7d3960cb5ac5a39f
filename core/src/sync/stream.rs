//! Drives one sync session over a pair of byte streams (a TCP socket, a
//! Bluetooth channel, a pipe), with the frame format every platform shares
//! (docs/sync-transport.md): each message is a 4-byte big-endian length and
//! that many bytes; a frame of length 0 says "I have nothing more to send".
//! The Kotlin and Swift helpers (SyncTransport.kt / SyncTransport.swift)
//! speak the same frames, so an app on one side and the CLI or a Rust
//! service on the other meet without either inventing framing.

use std::io::{ErrorKind as IoKind, Read, Write};

use super::SyncProgress;
use crate::error::{Error, Result};
use crate::ids::ProjectId;
use crate::store::Store;

/// Which side of the session this device plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamRole {
    /// Speaks first (the side that connected, by convention).
    Initiator,
    /// Answers (the side that listened).
    Responder,
}

/// Writes one frame: the message's length (big-endian `u32`), then the message.
pub fn write_frame(output: &mut impl Write, message: &[u8]) -> Result<()> {
    let len = u32::try_from(message.len())
        .map_err(|_| Error::invalid("message", "is longer than a frame can carry (4 GiB)"))?;
    output.write_all(&len.to_be_bytes())?;
    output.write_all(message)?;
    Ok(())
}

/// Writes the end frame (length 0): this side has nothing more to send.
pub fn write_end(output: &mut impl Write) -> Result<()> {
    output.write_all(&0u32.to_be_bytes())?;
    Ok(())
}

/// Reads one frame: `None` for the end frame. A frame longer than `max`
/// bytes, or a stream that ends mid-frame, is `SyncRejected`.
pub fn read_frame(input: &mut impl Read, max: usize) -> Result<Option<Vec<u8>>> {
    let mut len = [0u8; 4];
    read_exact(input, &mut len)?;
    let len = u32::from_be_bytes(len) as usize;
    if len == 0 {
        return Ok(None);
    }
    if len > max {
        return Err(Error::SyncRejected(format!(
            "the peer announced a {len}-byte message; at most {max} are accepted"
        )));
    }
    let mut message = vec![0u8; len];
    read_exact(input, &mut message)?;
    Ok(Some(message))
}

fn read_exact(input: &mut impl Read, buf: &mut [u8]) -> Result<()> {
    input.read_exact(buf).map_err(|err| match err.kind() {
        IoKind::UnexpectedEof => Error::SyncRejected("the connection closed in the middle of the session".into()),
        _ => Error::Io(err),
    })
}

/// Runs a whole session for `project` over `input`/`output` and returns its
/// progress. Each side, when its session has nothing more to say, sends the
/// end frame and keeps reading until the peer's end frame arrives.
pub fn sync_over_stream(
    store: &Store,
    project: ProjectId,
    role: StreamRole,
    input: &mut impl Read,
    output: &mut impl Write,
) -> Result<SyncProgress> {
    let max = super::SyncLimits::default().max_message_bytes;
    let mut session = match role {
        StreamRole::Initiator => {
            let (session, first) = store.start_sync(project)?;
            write_frame(output, &first)?;
            session
        }
        StreamRole::Responder => store.accept_sync(project)?,
    };
    output.flush()?;
    let mut ended = false;
    while let Some(message) = read_frame(input, max)? {
        match store.sync_receive(&mut session, &message)? {
            Some(reply) => write_frame(output, &reply)?,
            None => {
                write_end(output)?;
                ended = true;
            }
        }
        output.flush()?;
    }
    if !ended {
        write_end(output)?;
        output.flush()?;
    }
    Ok(session.progress())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_is_a_big_endian_length_then_the_bytes_and_zero_ends() {
        let mut wire = Vec::new();
        write_frame(&mut wire, b"abc").unwrap();
        write_end(&mut wire).unwrap();
        assert_eq!(wire, [0, 0, 0, 3, b'a', b'b', b'c', 0, 0, 0, 0]);
        let mut input = wire.as_slice();
        assert_eq!(read_frame(&mut input, 16).unwrap(), Some(b"abc".to_vec()));
        assert_eq!(read_frame(&mut input, 16).unwrap(), None);
    }

    #[test]
    fn an_oversized_or_cut_frame_is_rejected() {
        let mut input: &[u8] = &[0, 0, 1, 0, 1, 2];
        assert!(matches!(read_frame(&mut input, 16), Err(Error::SyncRejected(_))));
        let mut cut: &[u8] = &[0, 0, 0, 9, 1, 2];
        assert!(matches!(read_frame(&mut cut, 16), Err(Error::SyncRejected(_))));
    }
}
