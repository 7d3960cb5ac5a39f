//! The library's log, handed to the app: a `LogSink` the app implements
//! (Logcat, `os_log`, a file) receives each event the core emits through
//! `tracing`, down to the level the app asks for (ADR 0014).
//!
//! Events carry ids, counts, sizes and durations only (the core's
//! `logging` module is the one place they are written). Only the
//! library's own targets (`storyloom::…`) are forwarded; what its
//! dependencies log stays out, so nothing they might print reaches the app.

use std::cell::Cell;
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

use tracing::field::{Field, Visit};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// How much to log, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum LogLevel {
    /// An operation failed on this device (storage, I/O, an internal bug).
    Error,
    /// Refused input from a peer, a relay or a file; a failed operation.
    Warn,
    /// What each operation did: opened, synced, imported, erased.
    Info,
    /// Per-message detail of a sync session; lookups of what is gone.
    Debug,
    /// Everything, for a developer chasing a bug.
    Trace,
}

impl LogLevel {
    fn rank(self) -> u8 {
        match self {
            Self::Error => 1,
            Self::Warn => 2,
            Self::Info => 3,
            Self::Debug => 4,
            Self::Trace => 5,
        }
    }

    fn of(level: &tracing::Level) -> Self {
        match *level {
            tracing::Level::ERROR => Self::Error,
            tracing::Level::WARN => Self::Warn,
            tracing::Level::INFO => Self::Info,
            tracing::Level::DEBUG => Self::Debug,
            _ => Self::Trace,
        }
    }
}

/// One event of the library's log.
#[derive(Debug, Clone, uniffi::Record)]
pub struct LogRecord {
    /// How severe the event is.
    pub level: LogLevel,
    /// The area, such as `storyloom::sync` or `storyloom::media`: use it as
    /// a Logcat tag or an `os_log` category.
    pub target: String,
    /// What happened and its fields, e.g. `store opened device=… schema_version=8
    /// encrypted=true duration_ms=12`. Never personal data.
    pub message: String,
}

/// What a sink may report; the library ignores it, but a sink that throws
/// must not break the library.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum LogSinkError {
    /// The sink failed; the text is ignored.
    #[error("{0}")]
    Failed(String),
}

impl From<uniffi::UnexpectedUniFFICallbackError> for LogSinkError {
    fn from(err: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Failed(err.reason)
    }
}

/// Receives the library's log. Called on the thread that did the work
/// (often a worker thread): keep it quick and thread-safe. Events the sink
/// itself causes (by calling the library from `log`) are dropped rather
/// than looping.
#[uniffi::export(with_foreign)]
pub trait LogSink: Send + Sync {
    /// Receives one event at or above the level given to `setLogSink`. A
    /// thrown error is ignored.
    fn log(&self, record: LogRecord) -> Result<(), LogSinkError>;
}

/// 0 while no sink is set: every event is skipped before it is formatted.
static MAX_LEVEL: AtomicU8 = AtomicU8::new(0);
static SINK: RwLock<Option<Arc<dyn LogSink>>> = RwLock::new(None);
static INSTALLED: OnceLock<bool> = OnceLock::new();

thread_local! {
    /// Set while this thread is inside a sink's `log`.
    static FORWARDING: Cell<bool> = const { Cell::new(false) };
}

/// Sends the library's log at `max_level` and above to `sink`, replacing
/// any sink set before. Call it once at start-up (e.g. in
/// `Application.onCreate`). Returns false if the process already has
/// another global `tracing` subscriber (an app with Rust code of its own),
/// in which case that subscriber receives the events instead.
#[uniffi::export]
pub fn set_log_sink(sink: Arc<dyn LogSink>, max_level: LogLevel) -> bool {
    let installed = *INSTALLED.get_or_init(|| {
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(SinkLayer)).is_ok()
    });
    *SINK.write().unwrap_or_else(|p| p.into_inner()) = Some(sink);
    MAX_LEVEL.store(max_level.rank(), Ordering::SeqCst);
    tracing::callsite::rebuild_interest_cache();
    installed
}

/// Stops sending the log to the sink set by `set_log_sink`.
#[uniffi::export]
pub fn clear_log_sink() {
    MAX_LEVEL.store(0, Ordering::SeqCst);
    *SINK.write().unwrap_or_else(|p| p.into_inner()) = None;
    tracing::callsite::rebuild_interest_cache();
}

fn wanted(metadata: &Metadata<'_>) -> bool {
    metadata.target().starts_with("storyloom")
        && LogLevel::of(metadata.level()).rank() <= MAX_LEVEL.load(Ordering::Relaxed)
}

struct SinkLayer;

impl<S: Subscriber> Layer<S> for SinkLayer {
    fn register_callsite(&self, _metadata: &'static Metadata<'static>) -> Interest {
        // The level can change at any time: ask again for every event.
        Interest::sometimes()
    }

    fn enabled(&self, metadata: &Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        wanted(metadata)
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        use tracing::level_filters::LevelFilter;
        Some(match MAX_LEVEL.load(Ordering::Relaxed) {
            0 => LevelFilter::OFF,
            1 => LevelFilter::ERROR,
            2 => LevelFilter::WARN,
            3 => LevelFilter::INFO,
            4 => LevelFilter::DEBUG,
            _ => LevelFilter::TRACE,
        })
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        if !wanted(event.metadata()) || FORWARDING.with(Cell::get) {
            return;
        }
        let Some(sink) = SINK.read().unwrap_or_else(|p| p.into_inner()).clone() else {
            return;
        };
        let mut text = Text::default();
        event.record(&mut text);
        let record = LogRecord {
            level: LogLevel::of(event.metadata().level()),
            target: event.metadata().target().to_owned(),
            message: text.finish(),
        };
        FORWARDING.with(|f| f.set(true));
        // A sink that throws (an error) or panics is the app's bug; the
        // library carries on either way.
        let _ = catch_unwind(AssertUnwindSafe(|| sink.log(record)));
        FORWARDING.with(|f| f.set(false));
    }
}

/// Formats an event as its message followed by `name=value` fields.
#[derive(Default)]
struct Text {
    message: String,
    fields: String,
}

impl Text {
    fn finish(self) -> String {
        if self.fields.is_empty() {
            self.message
        } else {
            format!("{}{}", self.message, self.fields)
        }
    }
}

impl Visit for Text {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.fields, " {}={}", field.name(), value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.fields, " {}={:?}", field.name(), value);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[derive(Default)]
    struct Keep(Mutex<Vec<LogRecord>>);

    impl LogSink for Keep {
        fn log(&self, record: LogRecord) -> Result<(), LogSinkError> {
            self.0.lock().unwrap().push(record);
            Ok(())
        }
    }

    struct Throws;

    impl LogSink for Throws {
        fn log(&self, _record: LogRecord) -> Result<(), LogSinkError> {
            panic!("a sink with a bug")
        }
    }

    /// One test: the sink is process-wide.
    #[test]
    fn a_sink_gets_the_stores_log_at_its_level_and_a_panicking_sink_breaks_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let kept = Arc::new(Keep::default());
        assert!(set_log_sink(kept.clone(), LogLevel::Info));
        let store = storyloom::Store::open(dir.path().join("a.storyloom")).unwrap();
        store.close().unwrap();
        {
            let records = kept.0.lock().unwrap();
            let opened = records.iter().find(|r| r.message.starts_with("store opened")).unwrap();
            assert_eq!(opened.level, LogLevel::Info);
            assert_eq!(opened.target, "storyloom::store");
            assert!(opened.message.contains("encrypted=false"), "{}", opened.message);
            assert!(records.iter().all(|r| r.level.rank() <= LogLevel::Info.rank()));
        }

        set_log_sink(Arc::new(Throws), LogLevel::Trace);
        let store = storyloom::Store::open(dir.path().join("a.storyloom")).unwrap();
        store.close().unwrap();

        clear_log_sink();
        let before = kept.0.lock().unwrap().len();
        set_log_sink(kept.clone(), LogLevel::Warn);
        let store = storyloom::Store::open(dir.path().join("a.storyloom")).unwrap();
        store.close().unwrap();
        assert_eq!(kept.0.lock().unwrap().len(), before, "info events are below Warn");
        clear_log_sink();
    }
}
