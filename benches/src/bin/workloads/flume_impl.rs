//! The workloads with flume channels, run on smol's executor since flume has no runtime.

use std::time::Duration;

use crate::smol_impl::Smol;
use crate::workload::{Contender, SpawnSample};

pub struct Flume;

// Spawning and sleeping involve no channel, so flume contributes nothing of its own there: these
// rows are smol's `LocalExecutor` and `async_io` timers again, which also shows the run-to-run
// noise between two identical contenders. Flume matters for the channel workloads.
impl Contender for Flume {
    fn spawn(n: u64) -> SpawnSample {
        Smol::spawn(n)
    }

    fn timers(n: u64) -> Duration {
        Smol::timers(n)
    }
}
