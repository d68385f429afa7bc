//! The loop's clock in ticks of one millisecond: real time, or virtual time that jumps to the next
//! timer whenever nothing is ready.

use std::cell::Cell;
use std::time::{Duration, Instant};

/// The clock of one loop.
#[derive(Debug)]
pub(crate) struct Clock {
    /// The real instant the loop started; tick 0.
    start: Instant,
    /// Under virtual time: the current time since `start`, moved only by `advance_to`.
    virtual_now: Option<Cell<Duration>>,
    /// Under real time: the time since `start` as read at the start of this turn (read lazily, at
    /// most once a turn); `None` until read.
    turn_now: Cell<Option<Duration>>,
}

/// Whole ticks in `d`, rounded up.
fn ticks_ceil(d: Duration) -> u64 {
    let ms = d.as_millis();
    let ms = if d > Duration::from_millis(ms as u64) {
        ms + 1
    } else {
        ms
    };
    u64::try_from(ms).unwrap_or(u64::MAX)
}

impl Clock {
    pub(crate) fn new(virtual_time: bool) -> Clock {
        Clock {
            start: Instant::now(),
            virtual_now: virtual_time.then(|| Cell::new(Duration::ZERO)),
            turn_now: Cell::new(None),
        }
    }

    pub(crate) fn is_virtual(&self) -> bool {
        self.virtual_now.is_some()
    }

    /// A new turn begins: real time will be read afresh.
    pub(crate) fn begin_turn(&self) {
        self.turn_now.set(None);
    }

    /// Time since the loop started, as of the start of this turn.
    fn elapsed(&self) -> Duration {
        if let Some(v) = &self.virtual_now {
            return v.get();
        }
        match self.turn_now.get() {
            Some(now) => now,
            None => {
                let now = self.start.elapsed();
                self.turn_now.set(Some(now));
                now
            }
        }
    }

    /// The loop's instant: the tick of the current turn (whole ticks, rounded down).
    pub(crate) fn now_tick(&self) -> u64 {
        (self.elapsed().as_millis()).try_into().unwrap_or(u64::MAX)
    }

    /// Re-reads real time (a no-op under virtual time) and returns the current tick.
    pub(crate) fn refresh(&self) -> u64 {
        self.begin_turn();
        self.now_tick()
    }

    /// The first tick at which a sleep of `d` begun this turn has fully elapsed.
    pub(crate) fn tick_after(&self, d: Duration) -> u64 {
        ticks_ceil(self.elapsed().saturating_add(d))
    }

    /// The first tick at or after `at`.
    pub(crate) fn tick_at(&self, at: Instant) -> u64 {
        ticks_ceil(at.saturating_duration_since(self.start))
    }

    /// The instant the loop started.
    pub(crate) fn start(&self) -> Instant {
        self.start
    }

    /// The loop's notion of now as an `Instant`.
    pub(crate) fn now(&self) -> Instant {
        self.start + self.elapsed()
    }

    /// How long real time still has to run until `tick`.
    pub(crate) fn until(&self, tick: u64) -> Duration {
        let at = self.start + Duration::from_millis(tick);
        at.saturating_duration_since(Instant::now())
    }

    /// Under virtual time, moves the clock forward to `tick` (never back).
    pub(crate) fn advance_to(&self, tick: u64) {
        if let Some(v) = &self.virtual_now {
            let to = Duration::from_millis(tick);
            if to > v.get() {
                v.set(to);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_round_up() {
        assert_eq!(ticks_ceil(Duration::ZERO), 0);
        assert_eq!(ticks_ceil(Duration::from_micros(1)), 1);
        assert_eq!(ticks_ceil(Duration::from_millis(500)), 500);
        assert_eq!(ticks_ceil(Duration::from_micros(500_001)), 501);
        assert_eq!(ticks_ceil(Duration::MAX), u64::MAX);
    }

    #[test]
    fn virtual_clock_moves_only_forward_on_advance() {
        let c = Clock::new(true);
        assert_eq!(c.now_tick(), 0);
        assert_eq!(c.tick_after(Duration::from_millis(500)), 500);
        c.advance_to(500);
        c.advance_to(200);
        assert_eq!(c.now_tick(), 500);
        assert_eq!(c.tick_after(Duration::from_millis(500)), 1000);
    }
}
