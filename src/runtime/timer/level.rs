//! One level of the timer wheel: 64 slots of equal width and a bitmap of the occupied ones.

use super::wheel::TimerKey;

/// Slots per level; a power of two so that slot arithmetic is shifts and masks.
pub(super) const SLOTS: usize = 64;
/// log2(SLOTS): how many bits of a deadline each level consumes.
pub(super) const SLOT_BITS: u32 = 6;

/// A level of the wheel. Level `l` has slots `64^l` ticks wide and spans `64^(l+1)` ticks.
#[derive(Debug)]
pub(super) struct Level {
    /// Which level this is (0 is the finest).
    level: u32,
    /// Bit `s` is set while slot `s` holds at least one timer.
    occupied: u64,
    /// The timers of each slot, in no particular order; an entry knows its own index here so that
    /// cancelling it is a `swap_remove`.
    slots: [Vec<TimerKey>; SLOTS],
}

impl Level {
    pub(super) fn new(level: u32) -> Level {
        Level {
            level,
            occupied: 0,
            slots: std::array::from_fn(|_| Vec::new()),
        }
    }

    /// Width of one slot of this level, in ticks.
    pub(super) fn slot_width(&self) -> u64 {
        1 << (self.level * SLOT_BITS)
    }

    /// Which slot of this level a tick falls in.
    pub(super) fn slot_of(&self, tick: u64) -> usize {
        ((tick >> (self.level * SLOT_BITS)) as usize) & (SLOTS - 1)
    }

    /// Adds a timer to a slot; returns its index within the slot.
    pub(super) fn push(&mut self, slot: usize, key: TimerKey) -> u32 {
        self.occupied |= 1 << slot;
        let list = &mut self.slots[slot];
        list.push(key);
        (list.len() - 1) as u32
    }

    /// Removes the timer at `index` of `slot`. Returns the key of the timer that took its place (the
    /// slot's last one), whose recorded index the caller must update.
    pub(super) fn remove(&mut self, slot: usize, index: u32) -> Option<TimerKey> {
        let list = &mut self.slots[slot];
        list.swap_remove(index as usize);
        if list.is_empty() {
            self.occupied &= !(1 << slot);
        }
        list.get(index as usize).copied()
    }

    /// Empties a slot, handing its timers to the caller.
    pub(super) fn take(&mut self, slot: usize) -> Vec<TimerKey> {
        self.occupied &= !(1 << slot);
        std::mem::take(&mut self.slots[slot])
    }

    /// The tick at which the next occupied slot at or after `elapsed` must be processed: its start, or
    /// `elapsed` itself when `elapsed` already lies inside it.
    pub(super) fn next_expiration(&self, elapsed: u64) -> Option<u64> {
        if self.occupied == 0 {
            return None;
        }
        let now_slot = self.slot_of(elapsed);
        let ahead = self.occupied.rotate_right(now_slot as u32).trailing_zeros() as usize;
        let slot = (now_slot + ahead) % SLOTS;
        let span = self.slot_width() << SLOT_BITS;
        let level_start = elapsed & !(span - 1);
        let mut start = level_start + slot as u64 * self.slot_width();
        if slot < now_slot {
            // The wheel never leaves a timer behind it, but should one sit in a slot the level has
            // already passed, it belongs to the next turn of this level.
            start += span;
        }
        Some(start.max(elapsed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_arithmetic() {
        let l0 = Level::new(0);
        let l1 = Level::new(1);
        assert_eq!(l0.slot_width(), 1);
        assert_eq!(l1.slot_width(), 64);
        assert_eq!(l0.slot_of(70), 6);
        assert_eq!(l1.slot_of(70), 1);
        assert_eq!(l1.slot_of(64 * 64 + 5), 0);
    }

    #[test]
    fn next_expiration_finds_the_nearest_occupied_slot() {
        let mut l1 = Level::new(1);
        assert_eq!(l1.next_expiration(0), None);
        l1.push(3, 10);
        l1.push(5, 11);
        assert_eq!(l1.next_expiration(0), Some(3 * 64));
        // Inside slot 3 already: process it at once.
        assert_eq!(l1.next_expiration(3 * 64 + 7), Some(3 * 64 + 7));
        l1.take(3);
        assert_eq!(l1.next_expiration(3 * 64 + 7), Some(5 * 64));
    }

    #[test]
    fn remove_reports_the_entry_that_moved() {
        let mut l0 = Level::new(0);
        l0.push(2, 1);
        l0.push(2, 2);
        l0.push(2, 3);
        assert_eq!(l0.remove(2, 0), Some(3));
        assert_eq!(l0.remove(2, 1), None);
        assert_eq!(l0.remove(2, 0), None);
        assert_eq!(l0.next_expiration(0), None);
    }
}
