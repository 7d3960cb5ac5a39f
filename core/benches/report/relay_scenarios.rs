//! The relay beside a direct session (issue 10), in the same run: new
//! stories pushed and pulled through loopback WebDAV (Apache with
//! mod_dav_fs, started by `tests/servers/webdav.sh` exactly as the relay
//! tests start it) against `sync_stores` of the same stores, interleaved;
//! the requests the server answers for a relay sync with nothing new; and
//! the bytes on the relay after compaction against the stores' own
//! document bytes.
//!
//! Without Apache there is nothing honest to measure: the scenario says so
//! and exits non-zero (so the report run fails) rather than falling back to
//! a folder or memory relay.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use storyloom::sync::{CancelHandle, sync_stores};
use storyloom::{RelayConfig, RelaySummary, Store, StoryId};

use crate::measure::{median_f64, ms, quick};
use crate::sync_scenarios::{receiver, sender};
use crate::{Row, Target};

const SCENARIO: &str = "relay_webdav_first_sync";

/// A device compacts once its manifest names more than 8 objects (ADR
/// 0009), so one new object per edit gets there well before this.
const EDITS_BEFORE_GIVING_UP: usize = 30;

/// Apache WebDAV on loopback, stopped when dropped.
struct Apache {
    script: PathBuf,
    dir: tempfile::TempDir,
    url: String,
    user: String,
    password: String,
    data: PathBuf,
    request_log: PathBuf,
}

impl Apache {
    fn start() -> Result<Self, String> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/servers/webdav.sh");
        let dir = tempfile::tempdir().map_err(|e| format!("no temp dir: {e}"))?;
        let out = Command::new("bash")
            .arg(&script)
            .arg("start")
            .arg(dir.path())
            .output()
            .map_err(|e| format!("could not run {}: {e}", script.display()))?;
        if !out.status.success() {
            return Err(format!(
                "the WebDAV relay server (Apache) did not start, so the relay was not measured: {} \
                 (install it with `.ci/install-relay-servers`, as root)",
                String::from_utf8_lossy(&out.stderr).trim().replace('\n', " | ")
            ));
        }
        let vars: BTreeMap<String, String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let var = |key: &str| {
            vars.get(key)
                .cloned()
                .ok_or_else(|| format!("webdav.sh printed no {key}="))
        };
        Ok(Self {
            url: var("URL")?,
            user: var("USER")?,
            password: var("PASSWORD")?,
            data: PathBuf::from(var("DATA")?),
            request_log: PathBuf::from(var("REQUEST_LOG")?),
            script,
            dir,
        })
    }

    /// A relay of its own in a new folder of the server, so each
    /// repetition starts from an empty relay. A relay's root must exist
    /// (as an organisation's Nextcloud folder does); it is made on disk,
    /// owned like the server's own folder.
    fn relay(&self, folder: &str) -> Result<RelayConfig, String> {
        use std::os::unix::fs::{MetadataExt, chown};
        let path = self.data.join(folder);
        let owner = std::fs::metadata(&self.data).map_err(|e| format!("the server's data folder: {e}"))?;
        std::fs::create_dir(&path)
            .and_then(|()| chown(&path, Some(owner.uid()), Some(owner.gid())))
            .map_err(|e| format!("could not make the relay folder {}: {e}", path.display()))?;
        Ok(RelayConfig::new(format!("{}/{folder}", self.url)).with_credentials(&self.user, &self.password))
    }

    /// Requests the server has answered so far.
    fn requests(&self) -> usize {
        std::fs::read_to_string(&self.request_log).map_or(0, |log| log.lines().count())
    }

    /// Bytes of every file the server keeps for one relay folder.
    fn bytes_in(&self, folder: &str) -> u64 {
        fn walk(path: &Path) -> u64 {
            match std::fs::read_dir(path) {
                Ok(entries) => entries.flatten().map(|e| walk(&e.path())).sum(),
                Err(_) => std::fs::metadata(path).map_or(0, |m| m.len()),
            }
        }
        walk(&self.data.join(folder))
    }
}

impl Drop for Apache {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(&self.script)
            .arg("stop")
            .arg(self.dir.path())
            .status();
    }
}

fn relay_sync(store: &Store, relay: &RelayConfig) -> Result<RelaySummary, String> {
    store
        .relay_sync(relay, &mut |_| {}, &CancelHandle::new())
        .map_err(|e| format!("relay sync failed: {e}"))
}

pub fn first_sync(size: usize) -> Vec<Row> {
    // `measure` fails loudly here, after Apache has been stopped.
    match measure(size) {
        Ok(rows) => rows,
        Err(err) => {
            eprintln!("{SCENARIO} ({size}): {err}");
            std::process::exit(1);
        }
    }
}

fn measure(size: usize) -> Result<Vec<Row>, String> {
    let apache = Apache::start()?;
    measure_on(&apache, size).map_err(|err| {
        let log = std::fs::read_to_string(&apache.request_log).unwrap_or_default();
        let last: Vec<&str> = log.lines().rev().take(3).collect();
        format!("{err} (the server's last answers, newest first: {})", last.join("; "))
    })
}

/// Stories in a quick (debug, CI smoke) run: enough to go through every
/// step, push, pull, a quiet sync and compaction, in seconds.
const QUICK_STORIES: usize = 20;

fn measure_on(apache: &Apache, size: usize) -> Result<Vec<Row>, String> {
    let size = if quick() { size.min(QUICK_STORIES) } else { size };
    let (f, ids) = sender(size);
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let pairs = if quick() || size >= 10_000 { 1 } else { 3 };
    let (mut direct_ms, mut relay_ms, mut push_ms, mut pull_ms, mut ratios) = (vec![], vec![], vec![], vec![], vec![]);
    let mut last = None;
    for pair in 0..pairs {
        let direct_rx = receiver(&f, &dir, 2 * pair);
        let relay_rx = receiver(&f, &dir, 2 * pair + 1);
        let folder = format!("run-{pair}");
        let relay = apache.relay(&folder)?;
        let run_direct = || -> Result<Duration, String> {
            let started = Instant::now();
            sync_stores(&f.store, &direct_rx, f.project).map_err(|e| format!("direct session failed: {e}"))?;
            Ok(started.elapsed())
        };
        let run_relay = || -> Result<(Duration, Duration), String> {
            let started = Instant::now();
            relay_sync(&f.store, &relay)?;
            let push = started.elapsed();
            let started = Instant::now();
            relay_sync(&relay_rx, &relay)?;
            Ok((push, started.elapsed()))
        };
        // Alternate which side goes first (see `measure.rs`).
        let (d, (push, pull)) = if pair % 2 == 0 {
            let d = run_direct()?;
            (d, run_relay()?)
        } else {
            let r = run_relay()?;
            (run_direct()?, r)
        };
        let r = push + pull;
        for (how, store) in [("the relay", &relay_rx), ("the direct session", &direct_rx)] {
            let held = held(store, &ids);
            if held < ids.len() {
                return Err(format!("{how} delivered {held} of {} stories", ids.len()));
            }
        }
        direct_ms.push(ms(d));
        relay_ms.push(ms(r));
        push_ms.push(ms(push));
        pull_ms.push(ms(pull));
        ratios.push(ms(r) / ms(d).max(1e-9));
        last = Some((folder, relay, relay_rx));
    }
    let (folder, relay, relay_rx) = last.ok_or("no repetition ran")?;

    // Nothing new: the receiver syncs again; its relay holds two member
    // devices' mailboxes (the sender's and its own).
    let members = 2.0;
    let before = apache.requests();
    let quiet = relay_sync(&relay_rx, &relay)?;
    let answered = apache.requests() - before;

    // Compaction: the sender edits and syncs until it replaces its
    // objects with a snapshot, then the receiver catches up.
    let mut replaced = 0;
    for round in 0..EDITS_BEFORE_GIVING_UP {
        f.store
            .splice_transcript(ids[round % ids.len()], 0, 0, "Edited: ")
            .map_err(|e| e.to_string())?;
        replaced += relay_sync(&f.store, &relay)?.deleted;
        if replaced > 0 {
            break;
        }
    }
    if replaced == 0 {
        return Err("the sender never compacted its mailbox".into());
    }
    relay_sync(&relay_rx, &relay)?;
    let on_relay = apache.bytes_in(&folder) as f64;
    let documents: u64 = ids
        .iter()
        .map(|id| {
            f.store
                .story_storage_stats(*id)
                .map(|s| s.snapshot_bytes + s.incremental_bytes)
        })
        .sum::<Result<u64, _>>()
        .map_err(|e| e.to_string())?;

    let baseline = "direct session (sync_stores)";
    Ok(vec![
        Row::paired(
            SCENARIO,
            size,
            "time_ms",
            (median_f64(&mut relay_ms), median_f64(&mut direct_ms)),
            baseline,
            Some(median_f64(&mut ratios)),
            Target::Ratio(2.0),
        ),
        Row::new(SCENARIO, size, "push_ms", median_f64(&mut push_ms), Target::None),
        Row::new(SCENARIO, size, "pull_ms", median_f64(&mut pull_ms), Target::None),
        Row::new(
            "relay_webdav_nothing_new",
            size,
            "requests",
            answered as f64,
            Target::AtMost(members + 1.0),
        ),
        Row::new(
            "relay_webdav_nothing_new",
            size,
            "requests_counted",
            quiet.requests as f64,
            Target::AtMost(members + 1.0),
        ),
        Row::paired(
            "relay_webdav_after_compaction",
            size,
            "bytes",
            (on_relay, documents as f64),
            "the stores' own story documents",
            None,
            Target::Ratio(1.5),
        ),
    ])
}

/// How many of `ids` the store holds.
fn held(store: &Store, ids: &[StoryId]) -> usize {
    ids.iter().filter(|id| store.story(**id).is_ok()).count()
}
