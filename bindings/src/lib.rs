//! Storyloom for Kotlin and Swift, through UniFFI.
//!
//! A thin facade over the `storyloom` crate: it converts types and errors
//! and adds no behaviour of its own. Each file mirrors one part of the core
//! API.

mod consent;
mod error;

mod ids;
mod listener;
mod logging;
mod media;
mod members;
mod participants;
mod projects;
mod records;
mod relay;
mod store;
mod store_key;
mod stories;
mod sync;
mod worker;

pub use error::StoreError;
pub use listener::StoreListener;
pub use logging::{LogLevel, LogRecord, LogSink, clear_log_sink, set_log_sink};
pub use media::{MediaItem, MediaProgress, NewMedia, Segment};
pub use members::MemberStatus;
pub use records::*;
pub use store::{Store, Subscription};

uniffi::setup_scaffolding!("storyloom");
