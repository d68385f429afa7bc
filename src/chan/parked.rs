//! The operations parked in one direction of a channel (its puts, or its gets): one structure serves
//! both, as core.async's one handler queue does.
//!
//! Entries live in a slab: written in place when they park, named by keys that stay valid until
//! their owner collects the result or withdraws, and reused afterwards. The waiting ones are also
//! linked oldest first through `prev`/`next`, so that the oldest is found, and any withdrawn one
//! unlinked, without moving the others. An entry whose party is no longer active (an arm of a
//! select that another arm won) stays linked until its owner withdraws it, and is unlinked on the
//! way when the queue is popped or swept.

use std::fmt;

use super::handler::{Party, Wakes};
use crate::runtime::waker::Waiter;

/// The key of no entry: the end of a list.
const NONE: u32 = u32::MAX;

/// `Entry::prev` of an entry that is not in the list of waiting operations (no key is this large:
/// a queue holds fewer than `u32::MAX` entries).
const UNLINKED: u32 = u32::MAX - 1;

/// Where a parked operation stands.
#[derive(Debug)]
pub(crate) enum Slot<R> {
    /// Waiting for the other side.
    Parked(Party<R>),
    /// Committed: the result waits for the owner to collect it.
    Done(R),
    /// A free entry, linked through `next` to the next free one.
    Vacant,
}

/// One entry: a parked operation with the value it carries (a put's value; nothing for a get).
#[derive(Debug)]
struct Entry<R, V> {
    /// Where the operation stands.
    slot: Slot<R>,
    /// What the operation carries until it commits or is withdrawn (`Option<T>` for a put).
    value: V,
    /// The next older waiting entry while linked (`NONE` at the head); `UNLINKED` once the entry
    /// has left the list (kept here rather than in a flag of its own, so that an entry stays small).
    prev: u32,
    /// The next newer waiting entry while linked (`NONE` at the tail); for a free entry, the next
    /// free one.
    next: u32,
}

/// The parked operations of one direction of a channel, `R` being what an operation completes with
/// and `V` what it carries while it waits.
pub(crate) struct Parked<R, V> {
    /// Every entry, free ones included; a key is an index here.
    entries: Vec<Entry<R, V>>,
    /// The oldest waiting entry (`NONE` if none waits).
    head: u32,
    /// The newest waiting entry (`NONE` if none waits).
    tail: u32,
    /// How many entries are linked, inactive ones not yet unlinked included.
    linked: u32,
    /// The first free entry (`NONE`: the next park grows `entries`).
    free: u32,
}

impl<R, V> Default for Parked<R, V> {
    fn default() -> Parked<R, V> {
        Parked {
            entries: Vec::new(),
            head: NONE,
            tail: NONE,
            linked: 0,
            free: NONE,
        }
    }
}

impl<R: 'static, V> Parked<R, V> {
    /// Whether no operation is linked (waiting, or withdrawn by a select not yet unlinked).
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.head == NONE
    }

    /// How many operations are linked, inactive ones not yet unlinked included.
    pub(crate) fn len(&self) -> usize {
        self.linked as usize
    }

    /// Parks an operation of `party` carrying `value`, newest in the queue, and returns its key.
    /// If `max` operations are linked already, inactive ones are swept first; if that many still
    /// wait, `full` is called (it panics, naming the channel).
    #[inline]
    pub(crate) fn park(
        &mut self,
        party: Party<R>,
        value: V,
        max: usize,
        full: impl FnOnce(),
    ) -> usize {
        if self.linked as usize >= max {
            self.make_room(max, full);
        }
        let entry = Entry {
            slot: Slot::Parked(party),
            value,
            prev: self.tail,
            next: NONE,
        };
        let key = if self.free == NONE {
            self.grow();
            let key = self.entries.len() as u32;
            self.entries.push(entry);
            key
        } else {
            let key = self.free;
            let slot = &mut self.entries[key as usize];
            self.free = slot.next;
            *slot = entry;
            key
        };
        match self.tail {
            NONE => self.head = key,
            tail => self.entries[tail as usize].next = key,
        }
        self.tail = key;
        self.linked += 1;
        key as usize
    }

    /// Makes room for one more entry: one at first (most channels never have more than one
    /// operation waiting on a side), then doubling.
    #[inline]
    fn grow(&mut self) {
        if self.entries.len() == self.entries.capacity() {
            self.entries.reserve_exact(self.entries.len().max(1));
        }
    }

    /// Sweeps the inactive entries; calls `full` if `max` operations still wait.
    #[cold]
    #[inline(never)]
    fn make_room(&mut self, max: usize, full: impl FnOnce()) {
        self.sweep();
        // The limit counts waiting operations, not withdrawn ones.
        if self.linked as usize >= max {
            full();
        }
    }

    /// Unlinks every inactive entry (they stay in the slab until their owners withdraw them).
    fn sweep(&mut self) {
        let mut key = self.head;
        while key != NONE {
            let entry = &self.entries[key as usize];
            let next = entry.next;
            if !is_active(&entry.slot) {
                self.unlink(key);
            }
            key = next;
        }
    }

    /// Unlinks the linked entry `key`.
    fn unlink(&mut self, key: u32) {
        let entry = &mut self.entries[key as usize];
        let (prev, next) = (entry.prev, entry.next);
        entry.prev = UNLINKED;
        match prev {
            NONE => self.head = next,
            prev => self.entries[prev as usize].next = next,
        }
        match next {
            NONE => self.tail = prev,
            next => self.entries[next as usize].prev = prev,
        }
        self.linked -= 1;
    }

    /// Unlinks and returns the oldest waiting entry whose party is still active, unlinking inactive
    /// ones on the way.
    #[inline]
    pub(crate) fn pop(&mut self) -> Option<usize> {
        let key = self.head;
        let entry = self.entries.get_mut(key as usize)?;
        // The common case: the head waits for a task of the loop, and is unlinked here.
        if let Slot::Parked(Party::Future(_)) = entry.slot {
            entry.prev = UNLINKED;
            self.head = entry.next;
            match entry.next {
                NONE => self.tail = NONE,
                next => self.entries[next as usize].prev = NONE,
            }
            self.linked -= 1;
            return Some(key as usize);
        }
        self.pop_slow()
    }

    /// `pop` past a head that is not a plain future's.
    #[inline(never)]
    fn pop_slow(&mut self) -> Option<usize> {
        while self.head != NONE {
            let key = self.head;
            let active = is_active(&self.entries[key as usize].slot);
            self.unlink(key);
            if active {
                return Some(key as usize);
            }
        }
        None
    }

    /// Commits the popped entry `key` with `result` and tells its party.
    #[inline]
    pub(crate) fn complete(&mut self, key: usize, result: R, wakes: &mut Wakes) {
        let entry = &mut self.entries[key];
        // The common party, a task of the loop, is read in place rather than moved out.
        if let Slot::Parked(Party::Future(Waiter::Task(task))) = entry.slot {
            // A task's id needs no drop: forgetting the old slot spares its drop glue.
            std::mem::forget(std::mem::replace(&mut entry.slot, Slot::Done(result)));
            wakes.wake(Waiter::Task(task));
            return;
        }
        self.complete_other(key, result, wakes);
    }

    /// `complete` for every party but a task of the loop.
    #[inline(never)]
    fn complete_other(&mut self, key: usize, result: R, wakes: &mut Wakes) {
        let entry = &mut self.entries[key];
        match std::mem::replace(&mut entry.slot, Slot::Done(result)) {
            Slot::Parked(Party::Callback(cb)) => {
                let Slot::Done(result) = self.free(key) else {
                    unreachable!("written just above")
                };
                wakes.call(move || cb(result));
            }
            Slot::Parked(Party::Background) => {
                self.free(key);
            }
            Slot::Parked(Party::Future(waiter)) => wakes.wake(waiter),
            Slot::Parked(Party::Select { flag, arm }) => {
                if let Some(waiter) = flag.commit(arm) {
                    wakes.wake(waiter);
                }
            }
            Slot::Done(_) | Slot::Vacant => unreachable!("only parked operations are committed"),
        }
    }

    /// Frees the unlinked entry `key`, returning its slot.
    fn free(&mut self, key: usize) -> Slot<R> {
        let entry = &mut self.entries[key];
        debug_assert_eq!(entry.prev, UNLINKED, "a linked entry is freed");
        entry.next = self.free;
        self.free = key as u32;
        std::mem::replace(&mut entry.slot, Slot::Vacant)
    }

    /// The result of the entry `key`, if it has completed (the entry is then freed); otherwise lets
    /// `refresh` make sure the right waiter is woken, for an operation parked by a future.
    #[inline]
    pub(crate) fn poll(&mut self, key: usize, refresh: impl FnOnce(&mut Waiter)) -> Option<R> {
        match &mut self.entries[key].slot {
            Slot::Done(_) => match self.free(key) {
                Slot::Done(result) => Some(result),
                _ => unreachable!("matched just above"),
            },
            Slot::Parked(Party::Future(waiter)) => {
                refresh(waiter);
                None
            }
            _ => None,
        }
    }

    /// The owner of the entry `key` gives it up: the entry is unlinked and freed. Returns what it
    /// still carried, and its result if it had completed.
    pub(crate) fn withdraw(&mut self, key: usize) -> (V, Option<R>)
    where
        V: Default,
    {
        if self.entries[key].prev != UNLINKED {
            self.unlink(key as u32);
        }
        let value = std::mem::take(&mut self.entries[key].value);
        match self.free(key) {
            Slot::Done(result) => (value, Some(result)),
            _ => (value, None),
        }
    }

    /// What the entry `key` carries.
    pub(crate) fn value(&self, key: usize) -> &V {
        &self.entries[key].value
    }

    /// Whether the entry `key` is in the list of waiting operations.
    pub(crate) fn is_linked(&self, key: usize) -> bool {
        self.entries[key].prev != UNLINKED
    }

    /// What the entry `key` carries, to take it.
    pub(crate) fn value_mut(&mut self, key: usize) -> &mut V {
        &mut self.entries[key].value
    }

    /// Puts `slot` in the entry `key`, returning the one it held.
    pub(crate) fn replace_slot(&mut self, key: usize, slot: Slot<R>) -> Slot<R> {
        std::mem::replace(&mut self.entries[key].slot, slot)
    }

    /// Where the entry `key` stands.
    pub(crate) fn slot(&self, key: usize) -> &Slot<R> {
        &self.entries[key].slot
    }

    /// The linked entries, oldest first.
    fn linked(&self) -> impl Iterator<Item = &Entry<R, V>> {
        let mut key = self.head;
        std::iter::from_fn(move || {
            let entry = self.entries.get(key as usize)?;
            key = entry.next;
            Some(entry)
        })
    }

    /// The parties still waiting, oldest first.
    pub(crate) fn waiting(&self) -> impl Iterator<Item = &Party<R>> {
        self.linked().filter_map(|entry| match &entry.slot {
            Slot::Parked(party) if party.is_active() => Some(party),
            _ => None,
        })
    }

    /// Whether any party still waits.
    pub(crate) fn has_active(&self) -> bool {
        self.waiting().next().is_some()
    }
}

impl<R: 'static, V> fmt::Debug for Parked<R, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Parked")
            .field("waiting", &self.waiting().count())
            .field("linked", &self.linked)
            .field("entries", &self.entries.len())
            .finish()
    }
}

/// Whether the slot holds a party that still wants its operation.
fn is_active<R>(slot: &Slot<R>) -> bool {
    matches!(slot, Slot::Parked(party) if party.is_active())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chan::handler::Flag;
    use std::rc::Rc;

    fn parked(queue: &mut Parked<bool, Option<u32>>, value: u32) -> usize {
        queue.park(Party::Background, Some(value), 10, || panic!("full"))
    }

    #[test]
    fn pops_oldest_first_and_reuses_freed_keys() {
        let mut queue = Parked::default();
        let keys: Vec<_> = (0..3).map(|v| parked(&mut queue, v)).collect();
        assert_eq!(keys, [0, 1, 2]);
        assert_eq!(queue.pop(), Some(0));
        assert_eq!(queue.value_mut(0).take(), Some(0));
        queue.withdraw(0);
        assert_eq!(parked(&mut queue, 3), 0, "the freed key is reused");
        let mut order = Vec::new();
        while let Some(key) = queue.pop() {
            order.push(queue.value_mut(key).take());
        }
        assert_eq!(order, [Some(1), Some(2), Some(3)]);
        assert!(queue.is_empty());
    }

    #[test]
    fn a_withdrawn_entry_leaves_the_middle_of_the_queue() {
        let mut queue = Parked::default();
        for v in 0..4 {
            parked(&mut queue, v);
        }
        assert_eq!(queue.withdraw(1), (Some(1), None));
        assert_eq!(queue.withdraw(3), (Some(3), None));
        assert_eq!(queue.len(), 2);
        assert_eq!(
            (queue.pop(), queue.pop(), queue.pop()),
            (Some(0), Some(2), None)
        );
        assert_eq!(*queue.value_mut(2), Some(2));
    }

    #[test]
    fn inactive_entries_are_passed_over_and_swept_at_the_limit() {
        let mut queue: Parked<bool, Option<u32>> = Parked::default();
        let flag = Rc::new(Flag::default());
        let select = |arm| Party::Select {
            flag: flag.clone(),
            arm,
        };
        let inactive = queue.park(select(0), Some(0), 2, || panic!("full"));
        queue.park(select(1), Some(1), 2, || panic!("full"));
        assert!(flag.commit(1).is_none());
        assert!(!queue.has_active());
        // Both are inactive: the sweep at the limit unlinks them, so a third fits.
        let third = queue.park(Party::Background, Some(2), 2, || panic!("full"));
        assert_eq!(queue.len(), 1);
        assert_eq!(queue.pop(), Some(third));
        // The owner still withdraws its unlinked entry, getting its value back.
        assert_eq!(queue.withdraw(inactive), (Some(0), None));
    }

    #[test]
    #[should_panic(expected = "full")]
    fn full_is_called_when_active_entries_reach_the_limit() {
        let mut queue: Parked<bool, Option<u32>> = Parked::default();
        for v in 0..3 {
            queue.park(Party::Background, Some(v), 2, || panic!("full"));
        }
    }
}
