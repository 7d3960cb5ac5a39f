//! The benchmark report: every scenario of the performance targets, run
//! beside its baseline (raw Automerge + rusqlite doing the same work, and
//! samod — the Rust automerge-repo — for multi-document sync) in the same
//! run, written to a JSON file a machine can compare.
//!
//! Run: `cargo bench -p storyloom --bench report` (sizes 100, 1,000 and
//! 10,000 stories; several minutes), or
//! `cargo bench -p storyloom --bench report -- --sizes 100 --out report.json`
//! for one size. `--scenario NAME` runs the scenarios whose name starts
//! with NAME (`--scenario encrypted` runs the encrypted-store ones); `--quick` takes fewer
//! repetitions and smaller fixed sizes: CI runs
//! `cargo test -p storyloom --bench report -- --quick --sizes 100` (a debug
//! build, so its figures mean nothing; it keeps the benchmarks from rotting).
//!
//! Each scenario runs in a child process of its own (this binary again,
//! with `--child`), so its peak resident memory is its own and a scenario
//! that blows up cannot take the others with it. Figures are medians of
//! interleaved repetitions (see `measure.rs`); nothing is asserted: a
//! target missed is reported as `"met": false`, never as a failure. A
//! scenario that cannot run at all (the relay's Apache did not start, a
//! panic) makes the run exit non-zero after the report is written.

mod encryption;
mod measure;
mod relay_scenarios;
mod samod_baseline;
mod store_scenarios;
mod sync_scenarios;
mod text;

use std::path::PathBuf;
use std::process::Command;

use serde::{Deserialize, Serialize};

/// One figure of the report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row {
    pub scenario: String,
    /// Stories in the store (0 where size does not apply).
    pub size: usize,
    /// What is measured, e.g. `time_ms`, `bytes`, `round_trips`, `peak_rss_mb`.
    pub metric: String,
    pub storyloom: f64,
    pub baseline: Option<f64>,
    pub baseline_name: Option<String>,
    /// Storyloom / baseline (median of paired ratios where interleaved).
    pub ratio: Option<f64>,
    pub target: String,
    pub met: bool,
}

/// What a figure must reach.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// Storyloom ≤ this × the baseline.
    Ratio(f64),
    /// Storyloom ≤ this, in the metric's unit.
    AtMost(f64),
    /// Reported only.
    None,
}

impl Row {
    pub fn new(scenario: &str, size: usize, metric: &str, storyloom: f64, target: Target) -> Self {
        let mut row = Self {
            scenario: scenario.into(),
            size,
            metric: metric.into(),
            storyloom,
            baseline: None,
            baseline_name: None,
            ratio: None,
            target: String::new(),
            met: true,
        };
        row.judge(target);
        row
    }

    /// A figure beside its baseline; `ratio` if the caller has a better
    /// (paired) ratio than storyloom / baseline.
    pub fn paired(
        scenario: &str,
        size: usize,
        metric: &str,
        (storyloom, baseline): (f64, f64),
        baseline_name: &str,
        ratio: Option<f64>,
        target: Target,
    ) -> Self {
        let mut row = Self::new(scenario, size, metric, storyloom, Target::None);
        row.baseline = Some(baseline);
        row.baseline_name = Some(baseline_name.into());
        row.ratio = Some(ratio.unwrap_or(storyloom / baseline.max(1e-9)));
        row.judge(target);
        row
    }

    fn judge(&mut self, target: Target) {
        (self.target, self.met) = match target {
            Target::Ratio(max) => (
                format!("≤ {max}× {}", self.baseline_name.as_deref().unwrap_or("baseline")),
                self.ratio.is_some_and(|r| r <= max),
            ),
            Target::AtMost(max) => (format!("≤ {max}"), self.storyloom <= max),
            Target::None => ("reported".into(), true),
        };
    }
}

/// Every scenario: its name, whether it runs once per size, and its body.
type Scenario = (&'static str, bool, fn(usize) -> Vec<Row>);

const SCENARIOS: &[Scenario] = &[
    (
        "create_story_with_consent",
        false,
        store_scenarios::create_story_with_consent,
    ),
    (
        "consent_grant_large_ledger",
        false,
        store_scenarios::consent_grant_large_ledger,
    ),
    ("transcript_splices", false, store_scenarios::transcript_splices),
    (
        "keystroke_long_transcript",
        false,
        store_scenarios::keystroke_long_transcript,
    ),
    ("add_4mib_transcript", false, store_scenarios::add_large_transcript),
    ("open_and_first_page", true, store_scenarios::open_and_list),
    ("search", true, store_scenarios::search),
    ("first_sync", true, sync_scenarios::first_sync),
    (
        "first_sync_consent_per_story",
        true,
        sync_scenarios::first_sync_consent_per_story,
    ),
    (
        "sync_changed_and_nothing_new",
        true,
        sync_scenarios::changed_and_nothing_new,
    ),
    // Encrypted store beside a plaintext one (ADR 0010).
    ("encrypted_create_story", false, encryption::create_story),
    ("encrypted_keystroke", false, encryption::keystroke),
    ("encrypted_open_and_first_page", true, encryption::open_and_first_page),
    ("encrypted_search", true, encryption::search),
    ("encrypted_first_sync_1000", false, encryption::sync_1000),
    // The relay through loopback WebDAV beside a direct session (ADR 0009).
    ("relay_webdav_first_sync", true, relay_scenarios::first_sync),
];

struct Options {
    sizes: Vec<usize>,
    out: PathBuf,
    only: Option<String>,
}

fn options(args: &[String]) -> Options {
    let mut options = Options {
        sizes: vec![100, 1_000, 10_000],
        out: PathBuf::from("target/bench-report.json"),
        only: None,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => {} // read in `main`
            "--sizes" => {
                if let Some(list) = args.next() {
                    options.sizes = list.split(',').filter_map(|s| s.trim().parse().ok()).collect();
                }
            }
            "--out" => {
                if let Some(path) = args.next() {
                    options.out = PathBuf::from(path);
                }
            }
            "--scenario" => options.only = args.next().cloned(),
            _ => {} // `cargo bench` passes `--bench`; ignore what we do not know.
        }
    }
    options
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--quick") {
        measure::set_quick();
    }
    if let Some(at) = args.iter().position(|a| a == "--child") {
        run_child(&args[at + 1..]);
        return;
    }
    let options = options(&args[1..]);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("storyloom benchmark report ({cores} cores); sizes {:?}", options.sizes);
    let mut rows = Vec::new();
    let mut failed = Vec::new();
    for (name, per_size, _) in SCENARIOS {
        if options.only.as_deref().is_some_and(|only| !name.starts_with(only)) {
            continue;
        }
        let sizes = if *per_size { options.sizes.clone() } else { vec![0] };
        for size in sizes {
            match run_in_child(name, size) {
                Ok(mut found) => {
                    for row in &found {
                        print_row(row);
                    }
                    rows.append(&mut found);
                }
                Err(err) => {
                    eprintln!("{name} ({size}): {err}");
                    failed.push(format!("{name} ({size})"));
                }
            }
        }
    }
    let report = serde_json::json!({
        "machine": { "cores": cores, "os": std::env::consts::OS, "arch": std::env::consts::ARCH },
        "rows": rows,
        "met": rows.iter().filter(|r| r.met).count(),
        "missed": rows.iter().filter(|r| !r.met).count(),
    });
    if let Some(dir) = options.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::create_dir_all(dir);
    }
    match serde_json::to_vec_pretty(&report).map(|bytes| std::fs::write(&options.out, bytes)) {
        Ok(Ok(())) => println!("report written to {}", options.out.display()),
        Ok(Err(err)) => eprintln!("could not write {}: {err}", options.out.display()),
        Err(err) => eprintln!("could not encode the report: {err}"),
    }
    // A scenario that could not run (a server that did not start, a
    // panic) fails the run: its figures are missing, not met.
    if !failed.is_empty() {
        eprintln!("scenarios that did not run: {}", failed.join(", "));
        std::process::exit(1);
    }
}

/// Runs one scenario in a child process and reads back its rows.
fn run_in_child(name: &str, size: usize) -> Result<Vec<Row>, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let output = Command::new(exe)
        .args(["--child", name, &size.to_string()])
        .args(measure::quick().then_some("--quick"))
        .output()
        .map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(format!(
            "child failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).lines().last().unwrap_or("")
        ));
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.strip_prefix("ROW "))
        .map(|json| serde_json::from_str(json).map_err(|e| e.to_string()))
        .collect()
}

fn run_child(args: &[String]) {
    let (Some(name), Some(size)) = (args.first(), args.get(1).and_then(|s| s.parse::<usize>().ok())) else {
        eprintln!("usage: --child SCENARIO SIZE");
        std::process::exit(2);
    };
    let Some((_, _, body)) = SCENARIOS.iter().find(|(n, _, _)| n == name) else {
        eprintln!("no scenario {name}");
        std::process::exit(2);
    };
    for row in body(size) {
        println!("ROW {}", serde_json::to_string(&row).expect("rows encode"));
    }
}

fn print_row(row: &Row) {
    let baseline = match (row.baseline, &row.baseline_name) {
        (Some(b), Some(name)) => format!("{b:>10.2} ({name})"),
        _ => String::new(),
    };
    let ratio = row.ratio.map(|r| format!("{r:>6.2}×")).unwrap_or_default();
    println!(
        "{:<30} {:>6} {:<16} {:>10.2} {:<40} {:>8}  target {:<28} {}",
        row.scenario,
        row.size,
        row.metric,
        row.storyloom,
        baseline,
        ratio,
        row.target,
        if row.met { "met" } else { "MISSED" }
    );
}
