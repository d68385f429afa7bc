//! The workloads, the trait every implementation fills in, and the figures a run reports.

use std::time::{Duration, Instant};

/// The longest `timers` sleep; every run takes at least this long, so only the excess is reported.
const TIMER_SPREAD_MS: u64 = 100;

/// One implementation of every workload.
///
/// Each method builds its runtime, then starts its clock inside it, so runtime construction and
/// teardown are excluded for every implementation alike.
pub trait Contender {
    /// Spawns `n` tasks that return their index, awaits the handles in order and sums them.
    fn spawn(n: u64) -> SpawnSample;
    /// Spawns `n` tasks, task `i` sleeping `timer_delay(i)`, awaits them all and returns the wall
    /// time from just before the first spawn to just after the last join.
    fn timers(n: u64) -> Duration;
}

/// A workload the binary can run; adding one means a variant here and a method on `Contender`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    Spawn,
    Timers,
}

impl Workload {
    pub const ALL: [Workload; 2] = [Workload::Spawn, Workload::Timers];

    pub fn name(self) -> &'static str {
        match self {
            Workload::Spawn => "spawn",
            Workload::Timers => "timers",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.name() == name)
    }

    pub fn default_n(self) -> u64 {
        match self {
            Workload::Spawn => 1_000_000,
            Workload::Timers => 100_000,
        }
    }

    /// What each number on a run's output line measures, in order; all are lower-is-better.
    pub fn metrics(self) -> &'static [&'static str] {
        match self {
            Workload::Spawn => &["ns/task", "peak bytes/task"],
            Workload::Timers => &["ms beyond 100"],
        }
    }

    /// Runs this workload once with `C` and returns one figure per entry of `metrics`.
    pub fn figures<C: Contender>(self, n: u64) -> Vec<f64> {
        match self {
            Workload::Spawn => {
                let sample = C::spawn(n);
                // The high-water mark only rises, so reading it after the runtime is gone still
                // captures the peak reached while every task and handle was alive.
                let peak = status_bytes("VmHWM").saturating_sub(sample.rss_before);
                vec![
                    sample.elapsed.as_nanos() as f64 / n as f64,
                    peak as f64 / n as f64,
                ]
            }
            Workload::Timers => {
                let elapsed = C::timers(n);
                vec![elapsed.as_secs_f64() * 1e3 - TIMER_SPREAD_MS as f64]
            }
        }
    }
}

/// How long task `i` of `timers` sleeps: 1 to 100 ms, spread evenly by a prime stride.
pub fn timer_delay(i: u64) -> Duration {
    Duration::from_millis(1 + (i * 7919) % TIMER_SPREAD_MS)
}

/// The result of one `spawn` run.
pub struct SpawnSample {
    elapsed: Duration,
    rss_before: u64,
}

/// The clock of a `spawn` run, started inside the runtime.
pub struct SpawnClock {
    rss_before: u64,
    start: Instant,
}

impl SpawnClock {
    /// Notes resident memory first, so the runtime's own startup is not charged to the tasks.
    pub fn start() -> Self {
        let rss_before = status_bytes("VmRSS");
        Self {
            rss_before,
            start: Instant::now(),
        }
    }

    /// Stops the clock and checks that every task's index came back exactly once.
    pub fn stop(self, n: u64, sum: u64) -> SpawnSample {
        let elapsed = self.start.elapsed();
        assert_eq!(sum, n * (n - 1) / 2, "spawn: wrong sum of task indices");
        SpawnSample {
            elapsed,
            rss_before: self.rss_before,
        }
    }
}

/// Reads a `kB` field of /proc/self/status, in bytes; Linux-only, like the machines this runs on.
fn status_bytes(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.trim().strip_suffix(" kB")?.parse::<u64>().ok())
        .map(|kib| kib * 1024)
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}
