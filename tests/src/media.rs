//! Recordings for media tests: bytes that look like a compressed recording
//! and what an app says when it attaches one.

use storyloom::{MediaKind, NewMedia};

/// The plaintext size of a media chunk (ADR 0008).
pub const CHUNK: usize = 1 << 20;

/// `len` bytes that look like a recording: incompressible, with no runs the
/// encryption could hide in; the same `seed` gives the same bytes.
pub fn recording(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// An interview recorded at the depot, as the app describes it.
pub fn audio() -> NewMedia {
    NewMedia {
        kind: MediaKind::Audio,
        mime: "audio/ogg".into(),
        caption: "Interview at the depot".into(),
        duration_ms: Some(61_000),
    }
}
