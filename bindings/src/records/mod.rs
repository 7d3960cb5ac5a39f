//! The records and enums apps exchange with the store. Enums and records
//! whose fields cross the FFI as they are are declared `remote` (UniFFI
//! reuses the core type); the rest are mirrored here with conversions.
//! Times cross as `SystemTime`, which Kotlin sees as `java.time.Instant`
//! and Swift as `Date`.

mod consent;
mod participant;
mod project;
mod story;

pub use consent::*;
pub use participant::*;

pub use project::*;
pub use story::*;

use std::time::SystemTime;

use chrono::{DateTime, Utc};

pub(crate) fn to_system_time(time: DateTime<Utc>) -> SystemTime {
    time.into()
}

pub(crate) fn from_system_time(time: SystemTime) -> DateTime<Utc> {
    time.into()
}

/// Converts each element of a list.
pub(crate) fn all<T, U: From<T>>(items: Vec<T>) -> Vec<U> {
    items.into_iter().map(U::from).collect()
}
