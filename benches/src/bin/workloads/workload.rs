//! The workloads, the trait every implementation fills in, and the figures a run reports.

use std::time::{Duration, Instant};

/// The longest `timers` sleep; every run takes at least this long, so only the excess is reported.
const TIMER_SPREAD_MS: u64 = 100;

/// The buffer of `spsc_buffered`'s channel.
const SPSC_BUFFER: usize = 1024;
/// How many tasks feed `fanin`'s channel.
const FANIN_PRODUCERS: u64 = 1000;
/// The buffer of every link of `pipeline`.
const PIPELINE_BUFFER: usize = 64;
/// The buffer of `fanin`'s channel.
const FANIN_BUFFER: usize = 64;
/// How many unbuffered channels, each with its own producer, `select4`'s consumer selects over.
pub const SELECT_CHANNELS: u64 = 4;
/// How many unbuffered channels, each with its own producer, `select_wide`'s consumer selects over.
const SELECT_WIDE_CHANNELS: u64 = 64;
/// How many `spawn_blocking` calls are in flight at once.
pub const BLOCKING_IN_FLIGHT: usize = 100;
/// How long each `spawn_blocking` job keeps its thread busy.
const BLOCKING_JOB: Duration = Duration::from_micros(1);

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
    /// Task A puts `0..n` on channel `a`, one at a time, and gets each back from channel `b`, which
    /// task B fills with whatever it gets from `a`; both channels are unbuffered. A tallies the
    /// echoes.
    fn pingpong(n: u64) -> ChannelSample;
    /// One producer puts `0..n` on a channel with a buffer of `buffer` values (0: unbuffered) and
    /// closes it; one consumer gets until the channel is closed and tallies what it got.
    fn spsc(n: u64, buffer: usize) -> ChannelSample;
    /// `producers` tasks put `0..n` between them (producer `p` puts `fanin_values(p, ..)`) on one
    /// channel with a buffer of `buffer` values; the channel closes when the last producer is done;
    /// one consumer gets until it is closed and tallies what it got.
    fn fanin(n: u64, producers: u64, buffer: usize) -> ChannelSample;
    /// `SELECT_CHANNELS` producers, each on its own unbuffered channel, put `0..n` between them
    /// (producer `p` puts `fanin_values(p, SELECT_CHANNELS, n)`), then each closes its channel; one
    /// consumer repeatedly selects a get over the channels still open, with no preference among
    /// them (random, not priority order), until all are closed, and tallies what it got.
    fn select4(n: u64) -> ChannelSample;
    /// `channels` producers, each on its own unbuffered channel, put `0..n` between them (producer
    /// `p` puts `fanin_values(p, channels, n)`), then each closes its channel; one consumer
    /// repeatedly selects a get over the channels still open with the library's select over a
    /// number of channels known only at run time, until all are closed, and tallies what it got.
    fn select_wide(n: u64, channels: u64) -> ChannelSample;
    /// Makes `n` unbuffered channels and spawns `n` tasks, task `i` getting one value from channel
    /// `i` and returning it; once every task has parked on its get (each counts itself in just
    /// before it gets), puts `i` on channel `i` in order, awaits every task and tallies what they
    /// returned.
    fn idle(n: u64) -> PeakSample;
    /// A source puts `0..n`; stage 1 doubles each value; stage 2 keeps the multiples of 3; a
    /// consumer tallies what arrives. Every link is a channel with a buffer of `buffer` values
    /// (aiochan uses its own `map` and `filter` operators; the peers hand-write the stages).
    fn pipeline(n: u64, buffer: usize) -> ChannelSample;
    /// Makes `n` calls of the peer's `spawn_blocking`, call `i` running `blocking_job(i)` on the
    /// peer's pool of blocking threads, keeping `BLOCKING_IN_FLIGHT` calls in flight: once that
    /// many are pending, the oldest is awaited before the next call is made. Sums what the calls
    /// return. `None` if the peer has no pool for blocking calls.
    fn spawn_blocking(n: u64) -> Option<BlockingSample>;
}

/// A workload the binary can run; adding one means a variant here and a method on `Contender`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    Pingpong,
    SpscUnbuffered,
    SpscBuffered,
    Fanin,
    Select4,
    Pipeline,
    Spawn,
    Timers,
    SpawnBlocking,
    FaninP10,
    FaninP1000,
    FaninP100000,
    Idle,
    SelectWide,
}

impl Workload {
    pub const ALL: [Workload; 14] = [
        Workload::Pingpong,
        Workload::SpscUnbuffered,
        Workload::SpscBuffered,
        Workload::Fanin,
        Workload::Select4,
        Workload::Pipeline,
        Workload::Spawn,
        Workload::Timers,
        Workload::SpawnBlocking,
        Workload::FaninP10,
        Workload::FaninP1000,
        Workload::FaninP100000,
        Workload::Idle,
        Workload::SelectWide,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Workload::Pingpong => "pingpong",
            Workload::SpscUnbuffered => "spsc_unbuffered",
            Workload::SpscBuffered => "spsc_buffered",
            Workload::Fanin => "fanin",
            Workload::Select4 => "select4",
            Workload::Pipeline => "pipeline",
            Workload::Spawn => "spawn",
            Workload::Timers => "timers",
            Workload::SpawnBlocking => "spawn_blocking",
            Workload::FaninP10 => "fanin_p10",
            Workload::FaninP1000 => "fanin_p1000",
            Workload::FaninP100000 => "fanin_p100000",
            Workload::Idle => "idle",
            Workload::SelectWide => "select_wide",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.name() == name)
    }

    pub fn default_n(self) -> u64 {
        match self {
            Workload::Pingpong
            | Workload::SpscUnbuffered
            | Workload::Fanin
            | Workload::Select4
            | Workload::Pipeline
            | Workload::FaninP10
            | Workload::FaninP1000
            | Workload::FaninP100000
            | Workload::Idle
            | Workload::SelectWide => 1_000_000,
            Workload::SpscBuffered => 10_000_000,
            Workload::Spawn => 1_000_000,
            Workload::Timers => 100_000,
            Workload::SpawnBlocking => 100_000,
        }
    }

    /// Whether the workload's channels are unbuffered, which only rendezvous channels honour.
    pub fn is_unbuffered(self) -> bool {
        matches!(
            self,
            Workload::Pingpong
                | Workload::SpscUnbuffered
                | Workload::Select4
                | Workload::Idle
                | Workload::SelectWide
        )
    }

    /// What each number on a run's output line measures, in order; all are lower-is-better.
    pub fn metrics(self) -> &'static [&'static str] {
        match self {
            Workload::Pingpong => &["ns/round trip"],
            Workload::SpscUnbuffered
            | Workload::SpscBuffered
            | Workload::Fanin
            | Workload::Select4
            | Workload::FaninP10
            | Workload::FaninP1000
            | Workload::FaninP100000
            | Workload::SelectWide => &["ns/message"],
            Workload::Pipeline => &["ns/source value"],
            Workload::Spawn | Workload::Idle => &["ns/task", "peak bytes/task"],
            Workload::Timers => &["ms beyond 100"],
            Workload::SpawnBlocking => &["ns/call"],
        }
    }

    /// Runs this workload once with `C` and returns one figure per entry of `metrics`; `None` if
    /// `C` has nothing to run it with.
    pub fn figures<C: Contender>(self, n: u64) -> Option<Vec<f64>> {
        let channel = |sample: ChannelSample| {
            assert_eq!(
                sample.tally,
                Tally::of_range(n),
                "{}: the values got are not 0..n, each once",
                self.name()
            );
            vec![sample.elapsed.as_nanos() as f64 / n as f64]
        };
        Some(match self {
            Workload::Pingpong => channel(C::pingpong(n)),
            Workload::SpscUnbuffered => channel(C::spsc(n, 0)),
            Workload::SpscBuffered => channel(C::spsc(n, SPSC_BUFFER)),
            Workload::Fanin => channel(C::fanin(n, FANIN_PRODUCERS, FANIN_BUFFER)),
            Workload::Select4 => channel(C::select4(n)),
            Workload::FaninP10 => channel(C::fanin(n, 10, FANIN_BUFFER)),
            Workload::FaninP1000 => channel(C::fanin(n, 1000, FANIN_BUFFER)),
            Workload::FaninP100000 => channel(C::fanin(n, 100_000, FANIN_BUFFER)),
            Workload::SelectWide => channel(C::select_wide(n, SELECT_WIDE_CHANNELS)),
            Workload::Pipeline => {
                let sample = C::pipeline(n, PIPELINE_BUFFER);
                assert_eq!(
                    sample.tally,
                    Tally::of_pipeline(n),
                    "pipeline: the consumer did not get the doubled multiples of 3, each once"
                );
                vec![sample.elapsed.as_nanos() as f64 / n as f64]
            }
            Workload::Spawn => {
                let sample = C::spawn(n);
                per_task_with_peak(sample.elapsed, sample.rss_before, n)
            }
            Workload::Idle => {
                let sample = C::idle(n);
                assert_eq!(
                    sample.tally,
                    Tally::of_range(n),
                    "idle: the tasks did not get 0..n, each once"
                );
                per_task_with_peak(sample.elapsed, sample.rss_before, n)
            }
            Workload::Timers => {
                let elapsed = C::timers(n);
                vec![elapsed.as_secs_f64() * 1e3 - TIMER_SPREAD_MS as f64]
            }
            Workload::SpawnBlocking => {
                let sample = C::spawn_blocking(n)?;
                assert_eq!(
                    sample.sum,
                    n * (n - 1) / 2,
                    "spawn_blocking: the calls did not return 0..n, each once"
                );
                vec![sample.elapsed.as_nanos() as f64 / n as f64]
            }
        })
    }
}

/// The figures of a run that reports memory: wall time per task in ns, and peak resident bytes
/// per task. The high-water mark only rises, so reading it after the runtime is gone still captures
/// the peak reached while every task and handle was alive.
fn per_task_with_peak(elapsed: Duration, rss_before: u64, n: u64) -> Vec<f64> {
    let peak = status_bytes("VmHWM").saturating_sub(rss_before);
    vec![elapsed.as_nanos() as f64 / n as f64, peak as f64 / n as f64]
}

/// The job of `spawn_blocking` call `i`: keeps its thread busy for `BLOCKING_JOB` (spinning, as a
/// short computation would; sleeping that little would take far longer) and returns `i`.
pub fn blocking_job(i: u64) -> u64 {
    let start = Instant::now();
    while start.elapsed() < BLOCKING_JOB {
        std::hint::spin_loop();
    }
    i
}

/// How long task `i` of `timers` sleeps: 1 to 100 ms, spread evenly by a prime stride.
pub fn timer_delay(i: u64) -> Duration {
    Duration::from_millis(1 + (i * 7919) % TIMER_SPREAD_MS)
}

/// The values producer `p` of `producers` puts in `fanin`, `select4` and `select_wide`: every `producers`-th value of `0..n`,
/// from `p`, so that the producers share `0..n` evenly whatever `n` is.
pub fn fanin_values(p: u64, producers: u64, n: u64) -> impl Iterator<Item = u64> {
    (p..n).step_by(producers as usize)
}

/// How many values a channel workload's receiving task got, and their sum: a run is valid only if
/// that matches `0..n` (a lost or doubled value shows in one or the other).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    count: u64,
    sum: u64,
}

impl Tally {
    pub fn add(&mut self, value: u64) {
        self.count += 1;
        self.sum += value;
    }

    /// What `pipeline`'s consumer gets from `0..n`: `2i` for every `i` whose double is a multiple
    /// of 3.
    fn of_pipeline(n: u64) -> Self {
        let mut tally = Self::default();
        for v in (0..n).map(|i| i * 2).filter(|v| v % 3 == 0) {
            tally.add(v);
        }
        tally
    }

    fn of_range(n: u64) -> Self {
        Self {
            count: n,
            sum: n * (n - 1) / 2,
        }
    }
}

/// The result of one channel workload run.
pub struct ChannelSample {
    elapsed: Duration,
    tally: Tally,
}

/// The clock of a channel workload, started inside the runtime before the first channel is made.
pub struct ChannelClock(Instant);

impl ChannelClock {
    pub fn start() -> Self {
        Self(Instant::now())
    }

    /// Stops the clock; `tally` is what the receiving task got, checked by `Workload::figures`.
    pub fn stop(self, tally: Tally) -> ChannelSample {
        ChannelSample {
            elapsed: self.0.elapsed(),
            tally,
        }
    }
}

/// The result of one `spawn_blocking` run.
pub struct BlockingSample {
    elapsed: Duration,
    sum: u64,
}

/// The clock of a `spawn_blocking` run, started inside the runtime.
pub struct BlockingClock(Instant);

impl BlockingClock {
    pub fn start() -> Self {
        Self(Instant::now())
    }

    /// Stops the clock; `sum` is what the calls returned, checked by `Workload::figures`.
    pub fn stop(self, sum: u64) -> BlockingSample {
        BlockingSample {
            elapsed: self.0.elapsed(),
            sum,
        }
    }
}

/// The result of one `spawn` run.
pub struct SpawnSample {
    elapsed: Duration,
    rss_before: u64,
}

/// The clock of a `spawn` run, started inside the runtime: a `PeakClock` whose check is the sum of
/// the task indices.
pub struct SpawnClock(PeakClock);

impl SpawnClock {
    /// Notes resident memory first, so the runtime's own startup is not charged to the tasks.
    pub fn start() -> Self {
        Self(PeakClock::start())
    }

    /// Stops the clock and checks that every task's index came back exactly once.
    pub fn stop(self, n: u64, sum: u64) -> SpawnSample {
        let elapsed = self.0.start.elapsed();
        assert_eq!(sum, n * (n - 1) / 2, "spawn: wrong sum of task indices");
        SpawnSample {
            elapsed,
            rss_before: self.0.rss_before,
        }
    }
}

/// The result of one `idle` run.
pub struct PeakSample {
    elapsed: Duration,
    rss_before: u64,
    tally: Tally,
}

/// The clock of a run that reports memory (`idle`, and `spawn` through `SpawnClock`), started
/// inside the runtime before the first task or channel is made.
pub struct PeakClock {
    rss_before: u64,
    start: Instant,
}

impl PeakClock {
    /// Notes resident memory first, so the runtime's own startup is not charged to the tasks.
    pub fn start() -> Self {
        let rss_before = status_bytes("VmRSS");
        Self {
            rss_before,
            start: Instant::now(),
        }
    }

    /// Stops the clock; `tally` is what the tasks returned, checked by `Workload::figures`.
    pub fn stop(self, tally: Tally) -> PeakSample {
        PeakSample {
            elapsed: self.start.elapsed(),
            rss_before: self.rss_before,
            tally,
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
