//! Timing and memory: interleaved A/B repetitions with medians, and the
//! process's peak resident memory.
//!
//! Running every baseline repetition before every candidate repetition lets
//! a warming cache or a busy neighbour favour one side; alternating them
//! (A, B, A, B, …) exposes both to the same conditions, and the ratio is
//! taken per pair before the median, so a slow moment hits both sides of
//! the pair it falls in.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Medians of interleaved runs of a baseline and a candidate.
pub struct Paired {
    pub baseline: Duration,
    pub candidate: Duration,
    /// Median of the per-pair ratios candidate / baseline.
    pub ratio: f64,
}

/// Runs `baseline` and `candidate` alternately, `pairs` times each.
pub fn interleaved(pairs: usize, mut baseline: impl FnMut(), mut candidate: impl FnMut()) -> Paired {
    let mut base = Vec::with_capacity(pairs);
    let mut cand = Vec::with_capacity(pairs);
    let mut ratios = Vec::with_capacity(pairs);
    for i in 0..pairs {
        // Alternate which side goes first, so neither always runs on a
        // cache the other just warmed.
        let (b, c) = if i % 2 == 0 {
            let b = time(&mut baseline);
            (b, time(&mut candidate))
        } else {
            let c = time(&mut candidate);
            (time(&mut baseline), c)
        };
        ratios.push(c.as_secs_f64() / b.as_secs_f64().max(1e-9));
        base.push(b);
        cand.push(c);
    }
    Paired {
        baseline: median(&mut base),
        candidate: median(&mut cand),
        ratio: median_f64(&mut ratios),
    }
}

/// Times one run.
pub fn time(f: &mut impl FnMut()) -> Duration {
    let started = Instant::now();
    f();
    started.elapsed()
}

/// Median and 95th percentile of `runs` timings.
pub fn percentiles(runs: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    let mut times: Vec<Duration> = (0..runs).map(|_| time(&mut f)).collect();
    times.sort();
    let p95 = times[((times.len() * 95) / 100).min(times.len() - 1)];
    (median(&mut times), p95)
}

pub fn median(values: &mut [Duration]) -> Duration {
    values.sort();
    values[values.len() / 2]
}

pub fn median_f64(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// This process's peak resident set so far, in MB (Linux `VmHWM`); 0 where
/// the platform does not say.
pub fn peak_rss_mb() -> f64 {
    status_kb("VmHWM:") / 1024.0
}

/// This process's resident set now, in MB.
pub fn rss_mb() -> f64 {
    status_kb("VmRSS:") / 1024.0
}

fn status_kb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .unwrap_or(0.0)
}

/// Set by `--quick` (the CI smoke run): fewer repetitions and smaller
/// fixed-size scenarios, so the benchmarks never rot but cost little.
static QUICK: AtomicBool = AtomicBool::new(false);

pub fn set_quick() {
    QUICK.store(true, Ordering::Relaxed);
}

pub fn quick() -> bool {
    QUICK.load(Ordering::Relaxed)
}

/// `full` repetitions, or a few in a quick run.
pub fn reps(full: usize) -> usize {
    if quick() { (full / 5).clamp(1, 5) } else { full }
}
