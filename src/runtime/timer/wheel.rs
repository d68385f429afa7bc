//! The hierarchical timer wheel: O(1) insert and cancel, and due timers handed out in firing groups.
//!
//! Time is counted in ticks of one millisecond from the start of the loop. Six levels of 64 slots:
//!
//! | level | slot width | span                |
//! |-------|------------|---------------------|
//! | 0     | 1 ms       | 64 ms               |
//! | 1     | 64 ms      | ~4 s                |
//! | 2     | ~4 s       | ~4.5 min            |
//! | 3     | ~4.5 min   | ~4.8 h              |
//! | 4     | ~4.8 h     | ~12.7 days          |
//! | 5     | ~12.7 days | ~2.2 years          |
//!
//! A timer sits at the level of the highest bit in which its deadline differs from `elapsed` (the
//! tick the wheel has processed up to), so every level-0 slot holds timers of a single deadline.
//! Timers beyond the top level's current span (about 2.2 years) wait in an overflow list until the
//! wheel enters their span.
//! When the wheel reaches a slot of a higher level, that slot's timers cascade to finer levels; when
//! it reaches a level-0 slot, the slot becomes the *due* list, sorted by the instant each timer was
//! set, and is handed out one firing group (equal deadline, equal set instant) at a time.

use std::collections::VecDeque;

use slab::Slab;

use super::level::{Level, SLOTS, SLOT_BITS};
use crate::runtime::waker::Waiter;

/// Number of levels of the wheel.
const LEVELS: usize = 6;
/// The ticks within one span of the top level: deadlines that share every higher bit with `elapsed`
/// fit in the levels; later ones overflow.
const TOP_SPAN_MASK: u64 = (1 << (LEVELS as u32 * SLOT_BITS)) - 1;

/// Names one timer of the wheel, for as long as its owner has not released it.
pub(crate) type TimerKey = usize;

/// Where a timer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// Waiting in a slot; `index` is its position in the slot's list.
    Slot { level: u8, slot: u8, index: u32 },
    /// Beyond the top level's current span; `index` is its position in the overflow list.
    Overflow { index: u32 },
    /// In the due list, about to fire.
    Due,
    /// Fired: its waiter was woken; the entry stays until its owner looks.
    Fired,
}

/// One timer.
#[derive(Debug)]
struct Entry {
    /// The tick at which it fires.
    when: u64,
    /// The tick (loop instant) at which it was set; orders timers of equal deadline.
    set_at: u64,
    /// Insertion order, to break ties between timers set at the same instant.
    seq: u64,
    /// Whom to wake. `None` once cancelled while in the due list (the wheel frees it there).
    waiter: Option<Waiter>,
    /// Where the timer is now.
    place: Place,
}

/// The wheel.
#[derive(Debug)]
pub(crate) struct Wheel {
    /// The levels, finest first; allocated at the first timer, so that a loop that never sleeps
    /// (a test run exploring schedules, say) does not make, move and drop 384 empty slot lists.
    levels: Vec<Level>,
    /// Timers whose deadline lies beyond the top level's current span, in no particular order.
    overflow: Vec<TimerKey>,
    /// Every timer that is armed, due, fired-but-not-collected or cancelled-while-due.
    entries: Slab<Entry>,
    /// The tick up to which the wheel has processed slots; never decreases, never passes a timer.
    elapsed: u64,
    /// The level-0 slot being fired, in firing order (set instant, then insertion order).
    due: VecDeque<TimerKey>,
    /// Insertion counter feeding `Entry::seq`.
    seq: u64,
    /// Timers that will still fire (armed or due, not cancelled).
    armed: usize,
}

impl Default for Wheel {
    fn default() -> Wheel {
        Wheel {
            levels: Vec::new(),
            overflow: Vec::new(),
            entries: Slab::new(),
            elapsed: 0,
            due: VecDeque::new(),
            seq: 0,
            armed: 0,
        }
    }
}

/// The level a deadline belongs to, seen from `elapsed`.
fn level_for(elapsed: u64, when: u64) -> usize {
    let masked = (elapsed ^ when) | (SLOTS as u64 - 1);
    let significant = 63 - masked.leading_zeros();
    (significant / SLOT_BITS) as usize
}

impl Wheel {
    /// Number of timers that will still fire.
    #[cfg(test)]
    fn armed(&self) -> usize {
        self.armed
    }

    /// Arms a timer firing at tick `when`, set at loop instant `set_at`.
    pub(crate) fn insert(&mut self, when: u64, set_at: u64, waiter: Waiter) -> TimerKey {
        let when = when.max(self.elapsed);
        self.seq += 1;
        let key = self.entries.insert(Entry {
            when,
            set_at,
            seq: self.seq,
            waiter: Some(waiter),
            place: Place::Due,
        });
        self.place(key);
        self.armed += 1;
        key
    }

    /// Files a timer into the slot its deadline calls for, seen from `elapsed`, or into the overflow
    /// list.
    fn place(&mut self, key: TimerKey) {
        let when = self.entries[key].when;
        if when > self.elapsed | TOP_SPAN_MASK {
            self.overflow.push(key);
            self.entries[key].place = Place::Overflow {
                index: (self.overflow.len() - 1) as u32,
            };
            return;
        }
        if self.levels.is_empty() {
            self.levels = (0..LEVELS as u32).map(Level::new).collect();
        }
        let level = level_for(self.elapsed, when);
        let slot = self.levels[level].slot_of(when);
        let index = self.levels[level].push(slot, key);
        self.entries[key].place = Place::Slot {
            level: level as u8,
            slot: slot as u8,
            index,
        };
    }

    /// Whether the timer has fired.
    pub(crate) fn is_fired(&self, key: TimerKey) -> bool {
        self.entries
            .get(key)
            .is_some_and(|e| e.place == Place::Fired)
    }

    /// Replaces the waiter of a timer that has not fired yet.
    pub(crate) fn set_waiter(&mut self, key: TimerKey, waiter: Waiter) {
        if let Some(entry) = self.entries.get_mut(key) {
            if entry.place != Place::Fired {
                entry.waiter = Some(waiter);
            }
        }
    }

    /// Whether the timer's current waiter would be `waiter` anyway (so re-registering can be skipped).
    pub(crate) fn waiter_matches(&self, key: TimerKey, same: impl FnOnce(&Waiter) -> bool) -> bool {
        self.entries
            .get(key)
            .and_then(|e| e.waiter.as_ref())
            .is_some_and(same)
    }

    /// Releases a timer: cancels it if it has not fired, frees it if it has. Returns the waiter of a
    /// cancelled timer so that the caller can drop it outside any borrow of the loop.
    pub(crate) fn remove(&mut self, key: TimerKey) -> Option<Waiter> {
        let entry = self.entries.get_mut(key)?;
        match entry.place {
            Place::Slot { level, slot, index } => {
                let moved = self.levels[level as usize].remove(slot as usize, index);
                if let Some(moved) = moved {
                    if let Place::Slot { index: i, .. } = &mut self.entries[moved].place {
                        *i = index;
                    }
                }
                self.armed -= 1;
                self.entries.remove(key).waiter
            }
            Place::Overflow { index } => {
                self.overflow.swap_remove(index as usize);
                if let Some(&moved) = self.overflow.get(index as usize) {
                    self.entries[moved].place = Place::Overflow { index };
                }
                self.armed -= 1;
                self.entries.remove(key).waiter
            }
            Place::Due => {
                // The due list still names it; firing frees it.
                self.armed -= 1;
                entry.waiter.take()
            }
            Place::Fired => self.entries.remove(key).waiter,
        }
    }

    /// The tick at which the wheel next has work: the deadline of the earliest timer, or an earlier
    /// tick at which a coarse slot must cascade. `None` when no timer is armed.
    pub(crate) fn next_tick(&self) -> Option<u64> {
        if self.armed == 0 {
            return None;
        }
        if !self.due.is_empty() {
            return Some(self.elapsed);
        }
        self.levels
            .iter()
            .find_map(|l| l.next_expiration(self.elapsed))
            .or_else(|| (!self.overflow.is_empty()).then(|| self.next_span()))
    }

    /// The first tick of the top level's next span.
    fn next_span(&self) -> u64 {
        (self.elapsed | TOP_SPAN_MASK) + 1
    }

    /// Fires the earliest firing group due at or before tick `now`: appends its waiters to `woken` in
    /// the order their timers were set, and returns whether there was such a group.
    pub(crate) fn fire_group(&mut self, now: u64, woken: &mut Vec<Waiter>) -> bool {
        loop {
            while let Some(&key) = self.due.front() {
                if self.entries[key].waiter.is_some() {
                    break;
                }
                self.due.pop_front();
                self.entries.remove(key);
            }
            if let Some(&first) = self.due.front() {
                let set_at = self.entries[first].set_at;
                while let Some(&key) = self.due.front() {
                    let entry = &mut self.entries[key];
                    if entry.set_at != set_at {
                        break;
                    }
                    self.due.pop_front();
                    match entry.waiter.take() {
                        Some(waiter) => {
                            entry.place = Place::Fired;
                            self.armed -= 1;
                            woken.push(waiter);
                        }
                        None => {
                            self.entries.remove(key);
                        }
                    }
                }
                return true;
            }
            if !self.advance(now) {
                return false;
            }
        }
    }

    /// Processes the next slot whose time is at or before `now`: a level-0 slot becomes the due list,
    /// a coarser one cascades. Returns false when no slot is that early.
    fn advance(&mut self, now: u64) -> bool {
        let Some((level, at)) = self
            .levels
            .iter()
            .enumerate()
            .find_map(|(l, level)| level.next_expiration(self.elapsed).map(|at| (l, at)))
        else {
            // The levels are empty: the overflow's turn comes when the next span begins.
            if self.overflow.is_empty() || self.next_span() > now {
                return false;
            }
            self.elapsed = self.next_span();
            for key in std::mem::take(&mut self.overflow) {
                self.place(key);
            }
            return true;
        };
        if at > now {
            return false;
        }
        self.elapsed = at;
        let slot = self.levels[level].slot_of(at);
        let keys = self.levels[level].take(slot);
        if level == 0 {
            let entries = &mut self.entries;
            let mut keys = keys;
            keys.sort_unstable_by_key(|&k| (entries[k].set_at, entries[k].seq));
            for &k in &keys {
                entries[k].place = Place::Due;
            }
            self.due.extend(keys);
        } else {
            for key in keys {
                self.place(key);
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::task::TaskId;

    fn waiter(n: u32) -> Waiter {
        Waiter::Task(TaskId { key: n, gen: n })
    }

    fn fired(w: &mut Wheel, now: u64) -> Vec<u32> {
        let mut out = Vec::new();
        w.fire_group(now, &mut out);
        out.into_iter()
            .map(|w| match w {
                Waiter::Task(id) => id.key,
                Waiter::Waker(_) => unreachable!(),
            })
            .collect()
    }

    #[test]
    fn levels_by_distance() {
        assert_eq!(level_for(0, 0), 0);
        assert_eq!(level_for(0, 63), 0);
        assert_eq!(level_for(0, 64), 1);
        assert_eq!(level_for(60, 70), 1);
        assert_eq!(level_for(64, 127), 0);
        assert_eq!(level_for(0, 64 * 64), 2);
        assert_eq!(level_for(0, TOP_SPAN_MASK), 5);
    }

    #[test]
    fn fires_in_deadline_order_across_levels() {
        let mut w = Wheel::default();
        for (n, when) in [(1, 5000), (2, 70), (3, 3), (4, 300_000), (5, 64)] {
            w.insert(when, 0, waiter(n));
        }
        let mut order = Vec::new();
        while let Some(t) = w.next_tick() {
            order.extend(fired(&mut w, t));
        }
        assert_eq!(order, [3, 5, 2, 1, 4]);
        assert_eq!(w.armed(), 0);
    }

    #[test]
    fn groups_by_set_instant_then_insertion() {
        let mut w = Wheel::default();
        w.insert(10, 2, waiter(1));
        w.insert(10, 0, waiter(2));
        w.insert(10, 0, waiter(3));
        w.insert(10, 2, waiter(4));
        assert_eq!(fired(&mut w, 9), Vec::<u32>::new());
        assert_eq!(fired(&mut w, 10), [2, 3]);
        assert_eq!(fired(&mut w, 10), [1, 4]);
        assert_eq!(fired(&mut w, 10), Vec::<u32>::new());
    }

    #[test]
    fn cancel_in_slot_and_in_due_list() {
        let mut w = Wheel::default();
        let a = w.insert(7, 0, waiter(1));
        let b = w.insert(7, 0, waiter(2));
        let c = w.insert(7, 1, waiter(3));
        assert!(w.remove(a).is_some());
        assert_eq!(fired(&mut w, 7), [2]);
        assert!(w.is_fired(b));
        assert!(w.remove(c).is_some(), "cancelled while due");
        assert_eq!(fired(&mut w, 7), Vec::<u32>::new());
        assert_eq!(w.armed(), 0);
        assert!(w.remove(b).is_none());
        assert!(w.entries.is_empty());
    }

    #[test]
    fn cancelling_keeps_slot_indices_right() {
        let mut w = Wheel::default();
        let keys: Vec<_> = (0..5).map(|n| w.insert(40, 0, waiter(n))).collect();
        w.remove(keys[1]);
        w.remove(keys[4]);
        w.remove(keys[0]);
        assert_eq!(fired(&mut w, 40), [2, 3]);
    }

    #[test]
    fn past_deadlines_fire_at_once() {
        let mut w = Wheel::default();
        w.insert(100, 0, waiter(1));
        assert_eq!(fired(&mut w, 100), [1]);
        w.insert(3, 100, waiter(2));
        assert_eq!(w.next_tick(), Some(100));
        assert_eq!(fired(&mut w, 100), [2]);
    }

    #[test]
    fn deadlines_beyond_the_top_span_overflow_and_fire_on_time() {
        let mut w = Wheel::default();
        let far = 5 * (TOP_SPAN_MASK + 1) + 17;
        w.insert(far, 0, waiter(1));
        let cancelled = w.insert(far + 1, 0, waiter(2));
        w.insert(TOP_SPAN_MASK, 0, waiter(3));
        w.remove(cancelled);
        let mut fired_at = Vec::new();
        while let Some(t) = w.next_tick() {
            fired_at.extend(fired(&mut w, t).into_iter().map(|n| (n, t)));
        }
        assert_eq!(fired_at, [(3, TOP_SPAN_MASK), (1, far)]);
    }

    #[test]
    fn many_random_deadlines_fire_sorted() {
        let mut w = Wheel::default();
        let mut rng = crate::runtime::rng::Rng::new(3);
        let mut expect = Vec::new();
        for n in 0..2000u32 {
            let when = rng.below(10_000_000);
            w.insert(when, 0, waiter(n));
            expect.push((when, n));
        }
        expect.sort();
        let mut got = Vec::new();
        while let Some(t) = w.next_tick() {
            got.extend(fired(&mut w, t).into_iter().map(|n| (t, n)));
        }
        assert_eq!(got, expect);
    }
}
