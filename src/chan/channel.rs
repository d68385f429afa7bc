//! The channel machine: buffer, queues of parked puts and gets, close, and the rules of core.async
//! for moving values between them.
//!
//! Every operation first tries to complete at once (the fast path: a buffer with room or values, a
//! parked party on the other side, a closed channel); only then does it park. Parked operations are
//! entries of one [`Parked`] queue per direction, named by stable keys held by their futures, and
//! queued in arrival order. An entry leaves its queue when it is committed, withdrawn, or found
//! inactive; it is freed when its owner has collected the result or withdrawn it.

use std::collections::VecDeque;
use std::rc::Rc;

use slab::Slab;

use super::buffer::{AnyBuffer, Buffer};
use super::handler::{Party, Wakes, Who};
use super::parked::{Parked, Slot};
use super::stats::{ChanState, ChanStats};
use crate::runtime::core::Core;
use crate::runtime::trace::{self, ChanSnapshot, Event, Side};
use crate::runtime::waker::Waiter;
use crate::runtime::{self, ChanOp, ParkedIn, ParkedWait, WaitSite, WaitsOn};

/// At most this many operations wait on one channel in each direction unless the channel says
/// otherwise with `Chan::max_pending` (core.async's `MAX-QUEUE-SIZE`): more is almost always a
/// missing buffer or a runaway producer.
pub(crate) const MAX_PENDING: u32 = 1024;

/// What a put came to.
pub(crate) enum PutOutcome<T> {
    /// Completed: the value was accepted.
    Accepted,
    /// Completed: the value was accepted, and the buffer discarded this value (the one put, or one
    /// it held), for the caller to drop once the state is no longer borrowed: its `Drop` may use the
    /// channel.
    AcceptedDiscarding(T),
    /// The channel is closed: the value is handed back (a waiting put then completes with `false`).
    Closed(T),
    /// Parked under this key.
    Parked(usize),
    /// Could not complete at once and may not park: the value is handed back.
    Refused(T),
}

/// What a get came to.
pub(crate) enum TakeOutcome<T> {
    /// Completed: a value, or `None` if the channel is closed and drained.
    Done(Option<T>),
    /// Parked under this key.
    Parked(usize),
    /// Could not complete at once and may not park.
    Refused,
}

/// The state of one channel. What most channels never need lives out of line in [`Rare`], so
/// that the many channels of a program each cost little while they wait.
pub(crate) struct State<T> {
    /// Its number, for messages about unnamed channels.
    pub(crate) number: u64,
    /// Where it was made (the caller of its constructor), for reports about unnamed channels.
    made_at: &'static std::panic::Location<'static>,
    /// `None` for a rendezvous channel.
    buffer: Option<AnyBuffer<T>>,
    /// Parked puts, with the values they offer.
    puts: Parked<bool, Option<T>>,
    /// Parked gets.
    takes: Parked<Option<T>, ()>,
    /// The name, wait site, given-back values and joins, made at the first need of one of them.
    rare: Option<Box<Rare<T>>>,
    /// The most operations that may wait in each direction (`MAX_PENDING` unless set with
    /// `Chan::max_pending`).
    max_pending: u32,
    /// Set once by `close`.
    closed: bool,
    /// Set for a channel that the loop's clock closes or feeds (`timeout`, `tick_tock`): waiting
    /// on it is waiting for a timer, which the leak check forgives.
    pub(crate) timed: bool,
    /// Values delivered from the buffer.
    delivered_buffered: u64,
    /// Values delivered to a get that had been waiting.
    delivered_queued: u64,
    /// Values delivered to a get straight from a waiting put.
    delivered_immediate: u64,
    /// Whether the running loop knows this channel, to list its parked operations in a deadlock
    /// report (see `Chan::register_channel`); the loop clears it when it ends.
    pub(crate) registered: bool,
    /// How traces show a value, set by `Chan::trace_values`; `None`: traces count values only.
    pub(crate) show: Option<fn(&T) -> String>,
}

/// The parts of a channel's state that most channels never use.
struct Rare<T> {
    /// The channel's name, if it was given one.
    name: Option<Rc<str>>,
    /// How deadlock reports name the channel; made at the first need.
    site: Option<Rc<WaitSite>>,
    /// Values committed to gets whose futures were then dropped: they go back to the head of the
    /// channel, ahead of the buffer. Never non-empty while an active get is parked.
    returned: VecDeque<T>,
    /// The waiting `join` futures, under keys they hold: whom each wakes once the channel is closed
    /// and drained (`None` once woken). A future withdraws its entry when it completes or is
    /// dropped, so dropped joins leave nothing behind and a new one scans nothing.
    joiners: Slab<Option<Waiter>>,
}

impl<T: 'static> State<T> {
    pub(crate) fn new(
        buffer: Option<AnyBuffer<T>>,
        number: u64,
        made_at: &'static std::panic::Location<'static>,
    ) -> State<T> {
        State {
            number,
            made_at,
            buffer,
            puts: Parked::default(),
            takes: Parked::default(),
            rare: None,
            max_pending: MAX_PENDING,
            closed: false,
            timed: false,
            delivered_buffered: 0,
            delivered_queued: 0,
            delivered_immediate: 0,
            registered: false,
            show: None,
        }
    }

    /// The channel as messages show it: `channel 'jobs'` or `channel #3`.
    pub(crate) fn label(&self) -> String {
        label_of(self.name(), self.number)
    }

    /// The name given with `Chan::named`.
    pub(crate) fn name(&self) -> &Option<Rc<str>> {
        name_in(&self.rare)
    }

    pub(crate) fn set_name(&mut self, name: Rc<str>) {
        let rare = self.rare_mut();
        rare.name = Some(name);
        rare.site = None;
    }

    /// Sets the most operations that may wait in each direction (beyond `u32::MAX` is no limit).
    pub(crate) fn set_max_pending(&mut self, n: usize) {
        self.max_pending = u32::try_from(n).unwrap_or(u32::MAX);
    }

    /// The rare parts, made now if they were not.
    fn rare_mut(&mut self) -> &mut Rare<T> {
        self.rare.get_or_insert_with(|| {
            Box::new(Rare {
                name: None,
                site: None,
                returned: VecDeque::new(),
                joiners: Slab::new(),
            })
        })
    }

    /// Whether values given back by dropped gets wait at the head of the channel.
    #[inline]
    fn has_returned(&self) -> bool {
        self.rare.as_ref().is_some_and(|r| !r.returned.is_empty())
    }

    /// Whether `join` futures wait.
    #[inline]
    fn has_joiners(&self) -> bool {
        self.rare.as_ref().is_some_and(|r| !r.joiners.is_empty())
    }

    /// Records that the task polled with `cx` waits in `op` on this channel: always for `Join` (the
    /// waiting joiners are not in a queue the deadlock report reads), for puts and gets only when
    /// the loop traces.
    pub(crate) fn note_wait(&mut self, cx: &std::task::Context<'_>, op: ChanOp) {
        let site = self.site_ref();
        runtime::note_wait(
            cx,
            || WaitsOn::Chan {
                site: site.clone(),
                op,
            },
            |w| matches!(w, WaitsOn::Chan { site: s, op: o } if *o == op && Rc::ptr_eq(s, site)),
        );
    }

    /// The operations parked by tasks of the loop that still wait, for a deadlock report.
    fn parked_waits(&mut self, out: &mut Vec<ParkedWait>) {
        let site = self.site();
        for party in self.puts.waiting() {
            push_wait(out, party, &site, ChanOp::Put);
        }
        for party in self.takes.waiting() {
            push_wait(out, party, &site, ChanOp::Get);
        }
    }

    /// How deadlock reports name this channel.
    pub(crate) fn site(&mut self) -> Rc<WaitSite> {
        self.site_ref().clone()
    }

    /// How deadlock reports name this channel, made at the first call.
    fn site_ref(&mut self) -> &Rc<WaitSite> {
        if self.rare.as_ref().is_none_or(|r| r.site.is_none()) {
            let label = match self.name() {
                Some(_) => self.label(),
                None => format!(
                    "{} (made at {}:{})",
                    self.label(),
                    self.made_at.file(),
                    self.made_at.line()
                ),
            };
            let timed = self.timed;
            self.rare_mut().site = Some(Rc::new(WaitSite::new(label, timed)));
        }
        let rare = self.rare.as_ref().expect("made just above");
        rare.site.as_ref().expect("made just above")
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed
    }

    /// The fast path of a put: into a buffer with room while no get waits (so nobody is to be
    /// told). Returns the value the buffer discarded, if any, for the caller to drop once the state
    /// is no longer borrowed; hands the value back when the full path is needed.
    #[inline]
    pub(crate) fn try_put_buffered(&mut self, value: T) -> Result<Option<T>, T> {
        match &mut self.buffer {
            Some(buffer)
                if !self.closed
                    && self.takes.is_empty()
                    && !buffer.is_full()
                    && !trace::is_on() =>
            {
                Ok(buffer.add(value))
            }
            _ => Err(value),
        }
    }

    /// The fast path of a get: from a buffer holding values while no put waits to refill it and
    /// nothing was given back. `None` when the full path is needed.
    #[inline]
    pub(crate) fn try_take_buffered(&mut self) -> Option<T> {
        if !self.puts.is_empty() || self.has_returned() || self.closed || trace::is_on() {
            return None;
        }
        let value = self.buffer.as_mut()?.remove()?;
        self.delivered_buffered += 1;
        Some(value)
    }

    /// Puts `value`, on behalf of `who`.
    pub(crate) fn put(&mut self, value: T, who: Who<'_, bool>, wakes: &mut Wakes) -> PutOutcome<T> {
        if self.closed {
            self.trace(|core, chan, after| Event::Refused {
                task: core.current_label(),
                chan,
                after,
            });
            return PutOutcome::Closed(value);
        }
        let shown = self.shown(&value);
        if let Some(buffer) = self.buffer.as_mut().filter(|b| !b.is_full()) {
            let discarded = buffer.add(value);
            self.trace(|core, chan, after| Event::Put {
                task: core.current_label(),
                chan,
                value: shown,
                after,
            });
            self.feed_takers(wakes);
            return match discarded {
                None => PutOutcome::Accepted,
                Some(discarded) => PutOutcome::AcceptedDiscarding(discarded),
            };
        }
        if let Some(key) = self.takes.pop() {
            self.delivered_queued += 1;
            self.trace_handoff(None, Some(key), shown);
            self.takes.complete(key, Some(value), wakes);
            return PutOutcome::Accepted;
        }
        match who.park() {
            Some(party) => PutOutcome::Parked(self.park_put(party, value)),
            None => PutOutcome::Refused(value),
        }
    }

    /// Takes a value, on behalf of `who`.
    pub(crate) fn take(&mut self, who: Who<'_, Option<T>>, wakes: &mut Wakes) -> TakeOutcome<T> {
        if let Some(value) = self.rare.as_mut().and_then(|r| r.returned.pop_front()) {
            self.trace_get(None, self.shown(&value));
            self.wake_joiners_if_drained(wakes);
            return TakeOutcome::Done(Some(value));
        }
        if let Some(value) = self
            .buffer
            .as_mut()
            .filter(|b| !b.is_empty())
            .and_then(|b| b.remove())
        {
            self.delivered_buffered += 1;
            self.trace_get(None, self.shown(&value));
            self.refill_from_putters(wakes);
            self.wake_joiners_if_drained(wakes);
            return TakeOutcome::Done(Some(value));
        }
        if let Some(key) = self.puts.pop() {
            self.delivered_immediate += 1;
            let value = self.puts.value_mut(key).take();
            self.trace_handoff(Some(key), None, value.as_ref().and_then(|v| self.shown(v)));
            self.puts.complete(key, true, wakes);
            self.wake_joiners_if_drained(wakes);
            return TakeOutcome::Done(value);
        }
        if self.closed {
            self.trace(|core, chan, after| Event::ClosedGet {
                task: core.current_label(),
                chan,
                after,
            });
            return TakeOutcome::Done(None);
        }
        match who.park() {
            Some(party) => TakeOutcome::Parked(self.park_take(party)),
            None => TakeOutcome::Refused,
        }
    }

    /// Closes the channel: waiting gets complete with `None`; buffered values and waiting puts
    /// still drain to later gets; later puts complete with `false`.
    pub(crate) fn close(&mut self, wakes: &mut Wakes) {
        if self.closed {
            return;
        }
        self.closed = true;
        self.trace(|core, chan, after| Event::Close {
            task: core.current_label(),
            chan,
            after,
        });
        // A get waits only while the buffer is empty and no put waits, so each gets `None`.
        while let Some(key) = self.takes.pop() {
            self.trace(|core, chan, after| Event::ClosedGet {
                task: slot_label(core, self.takes.slot(key)),
                chan,
                after,
            });
            self.takes.complete(key, None, wakes);
        }
        if let Some(buffer) = &mut self.buffer {
            buffer.close();
        }
        self.wake_joiners_if_drained(wakes);
    }

    /// Whether a get might complete at once: false only if it certainly would not (nothing given
    /// back, buffered or parked on the put side, and the channel open). Cheaper than a refused
    /// `take`, so that a select passes over channels that are not ready at little cost.
    #[inline]
    pub(crate) fn may_take(&self) -> bool {
        !self.puts.is_empty()
            || self.closed
            || self.has_returned()
            || self.buffer.as_ref().is_some_and(|b| !b.is_empty())
    }

    /// Whether a put might complete at once: false only if it certainly would not (no room, no
    /// parked get, and the channel open).
    #[inline]
    pub(crate) fn may_put(&self) -> bool {
        !self.takes.is_empty() || self.closed || self.buffer.as_ref().is_some_and(|b| !b.is_full())
    }

    /// Whether a put would complete at once (delivered, buffered, or refused by a closed channel).
    pub(crate) fn can_put(&mut self) -> bool {
        self.closed
            || match &self.buffer {
                Some(buffer) => !buffer.is_full(),
                None => self.takes.has_active(),
            }
    }

    /// Whether a get would complete at once (a value, or `None` from a closed, drained channel).
    pub(crate) fn can_take(&mut self) -> bool {
        self.has_returned()
            || self.buffer.as_ref().is_some_and(|b| !b.is_empty())
            || self.puts.has_active()
            || self.closed
    }

    /// Whether the channel is closed and nothing is left to get.
    pub(crate) fn is_drained(&self) -> bool {
        self.closed
            && !self.has_returned()
            && self.buffer.as_ref().is_none_or(|b| b.is_empty())
            && !self.puts.has_active()
    }

    /// Makes sure the join whose entry is `key` (made now if it has none) wakes whoever polls with
    /// `cx` once the channel is closed and drained: a re-poll refreshes its entry in place.
    pub(crate) fn wait_join(&mut self, key: &mut Option<usize>, cx: &std::task::Context<'_>) {
        match *key {
            Some(k) => {
                let entry = &mut self.rare_mut().joiners[k];
                if !entry.as_ref().is_some_and(|w| w.wakes(cx)) {
                    *entry = Some(Waiter::of(cx));
                }
            }
            None => *key = Some(self.rare_mut().joiners.insert(Some(Waiter::of(cx)))),
        }
    }

    /// The join whose entry is `key` completed or was dropped: its entry goes. Returns the waiter it
    /// still held, for the caller to drop once the channel is no longer borrowed.
    pub(crate) fn withdraw_join(&mut self, key: usize) -> Option<Waiter> {
        self.rare_mut().joiners.remove(key)
    }

    #[inline]
    fn wake_joiners_if_drained(&mut self, wakes: &mut Wakes) {
        if self.closed && self.has_joiners() {
            self.wake_joiners(wakes);
        }
    }

    #[cold]
    fn wake_joiners(&mut self, wakes: &mut Wakes) {
        if self.is_drained() {
            // Entries stay until their futures withdraw them, so that no key is reused meanwhile.
            for (_, entry) in &mut self.rare_mut().joiners {
                if let Some(waiter) = entry.take() {
                    wakes.wake(waiter);
                }
            }
        }
    }

    /// Moves buffered values to waiting gets.
    #[inline]
    fn feed_takers(&mut self, wakes: &mut Wakes) {
        if self.takes.is_empty() {
            return;
        }
        while self.buffer.as_ref().is_some_and(|b| !b.is_empty()) {
            let Some(key) = self.takes.pop() else { break };
            let value = self.buffer.as_mut().and_then(|b| b.remove());
            self.delivered_queued += 1;
            self.trace_get(Some(key), value.as_ref().and_then(|v| self.shown(v)));
            self.takes.complete(key, value, wakes);
        }
    }

    /// Moves the values of waiting puts into the buffer while it has room.
    #[inline]
    fn refill_from_putters(&mut self, wakes: &mut Wakes) {
        if self.puts.is_empty() {
            return;
        }
        while self.buffer.as_ref().is_some_and(|b| !b.is_full()) {
            let Some(key) = self.puts.pop() else { break };
            let shown = self.puts.value(key).as_ref().and_then(|v| self.shown(v));
            if let (Some(value), Some(buffer)) = (self.puts.value_mut(key).take(), &mut self.buffer)
            {
                // Only a buffer of one's own may be full at times and discard: rare enough for
                // the notification's allocation.
                if let Some(discarded) = buffer.add(value) {
                    wakes.drop_later(discarded);
                }
            }
            self.trace_put(key, shown);
            self.puts.complete(key, true, wakes);
        }
    }

    /// Parks a put without trying to complete it (the caller knows it cannot).
    #[inline]
    pub(crate) fn park_put(&mut self, party: Party<bool>, value: T) -> usize {
        let (name, number, max) = (name_in(&self.rare), self.number, self.max_pending as usize);
        let key = self.puts.park(party, Some(value), max, || {
            too_many(name, number, max, ChanOp::Put)
        });
        self.trace_queue(true, Side::Put, self.puts.slot(key));
        key
    }

    /// Parks a get without trying to complete it (the caller knows it cannot).
    #[inline]
    pub(crate) fn park_take(&mut self, party: Party<Option<T>>) -> usize {
        let (name, number, max) = (name_in(&self.rare), self.number, self.max_pending as usize);
        let key = self
            .takes
            .park(party, (), max, || too_many(name, number, max, ChanOp::Get));
        self.trace_queue(true, Side::Get, self.takes.slot(key));
        key
    }

    /// The result of a parked put, if it has completed; otherwise makes sure `waiter` is the one
    /// woken (for a put parked by a future).
    #[inline]
    pub(crate) fn poll_put(
        &mut self,
        key: usize,
        refresh: impl FnOnce(&mut Waiter),
    ) -> Option<bool> {
        self.puts.poll(key, refresh)
    }

    /// `poll_put` for a put future that wants its value back if the put completed without
    /// delivering it (refused by [`refuse_puts`](State::refuse_puts)).
    pub(crate) fn poll_put_back(
        &mut self,
        key: usize,
        refresh: impl FnOnce(&mut Waiter),
    ) -> Option<Result<(), T>> {
        let undelivered = match self.puts.slot(key) {
            Slot::Done(false) => self.puts.value_mut(key).take(),
            _ => None,
        };
        let accepted = self.poll_put(key, refresh)?;
        Some(match undelivered {
            None if accepted => Ok(()),
            undelivered => Err(undelivered.expect("a refused put future keeps its value")),
        })
    }

    /// Completes every waiting put with `false`, for a channel nobody will get from again (the
    /// last [`Receiver`](super::Receiver) dropped). The value of a future's or a callback's put
    /// stays in its entry, for its owner to take back: a future with
    /// [`poll_put_back`](State::poll_put_back), a callback with
    /// [`cancel_put`](State::cancel_put) (else it goes with the channel); the values of select arms
    /// and background puts are dropped.
    pub(crate) fn refuse_puts(&mut self, wakes: &mut Wakes) {
        while let Some(key) = self.puts.pop() {
            match self.puts.slot(key) {
                Slot::Parked(Party::Future(_)) => {}
                Slot::Parked(Party::Callback(_)) => {
                    // Left as a completed entry, unlike a callback put that delivered.
                    if let Slot::Parked(Party::Callback(cb)) =
                        self.puts.replace_slot(key, Slot::Done(false))
                    {
                        wakes.call(move || cb(false));
                    }
                    continue;
                }
                // Dropped once the state is no longer borrowed: its `Drop` may use the channel.
                _ => {
                    if let Some(value) = self.puts.value_mut(key).take() {
                        wakes.drop_later(value);
                    }
                }
            }
            self.puts.complete(key, false, wakes);
        }
        self.wake_joiners_if_drained(wakes);
    }

    /// How many values wait in the buffer (and given back to its head), not counting waiting puts.
    pub(crate) fn len(&self) -> usize {
        self.rare.as_ref().map_or(0, |r| r.returned.len())
            + self.buffer.as_ref().map_or(0, |b| b.len())
    }

    /// How many values the buffer holds at most: `Some(0)` for a rendezvous channel, `None` for an
    /// unbounded buffer.
    pub(crate) fn capacity(&self) -> Option<usize> {
        self.buffer.as_ref().map_or(Some(0), |b| b.capacity())
    }

    /// The result of a parked get, if it has completed; otherwise makes sure `waiter` is the one
    /// woken (for a get parked by a future).
    #[inline]
    pub(crate) fn poll_take(
        &mut self,
        key: usize,
        refresh: impl FnOnce(&mut Waiter),
    ) -> Option<Option<T>> {
        self.takes.poll(key, refresh)
    }

    /// The owner of a parked put gives it up. Returns the value if it was never delivered, for the
    /// caller to drop once the channel is no longer borrowed; a put that completed keeps its
    /// promise (its value was delivered) and returns nothing.
    pub(crate) fn cancel_put(&mut self, key: usize, wakes: &mut Wakes) -> Option<T> {
        if trace::is_on() && self.puts.is_linked(key) {
            self.trace_queue(false, Side::Put, self.puts.slot(key));
        }
        let (value, _) = self.puts.withdraw(key);
        // The withdrawn put may have been the last thing a closed channel held.
        self.wake_joiners_if_drained(wakes);
        value
    }

    /// The owner of a parked get gives it up. A value already committed to it goes back to the head
    /// of the channel: to the oldest waiting get, or ahead of the buffer. No value is lost.
    pub(crate) fn cancel_take(&mut self, key: usize, wakes: &mut Wakes) {
        if trace::is_on() && self.takes.is_linked(key) {
            self.trace_queue(false, Side::Get, self.takes.slot(key));
        }
        if let (_, Some(Some(value))) = self.takes.withdraw(key) {
            self.give_back(value, wakes);
        }
    }

    fn give_back(&mut self, value: T, wakes: &mut Wakes) {
        match self.takes.pop() {
            // Already counted as delivered when it was first handed out.
            Some(key) => self.takes.complete(key, Some(value), wakes),
            None => self.rare_mut().returned.push_front(value),
        }
    }

    /// Counters and state, as aiochan's `ChanStat`.
    pub(crate) fn stats(&self) -> ChanStats {
        let state = if self.puts.has_active() {
            ChanState::PendingPuts
        } else if self.takes.has_active() {
            ChanState::PendingGets
        } else {
            ChanState::Fluent
        };
        ChanStats {
            state,
            buffered: self.delivered_buffered,
            queued: self.delivered_queued,
            immediate: self.delivered_immediate,
        }
    }

    /// For `Debug`: the buffer's kind and fill.
    pub(crate) fn describe_buffer(&self) -> String {
        match &self.buffer {
            None => "none (rendezvous)".to_string(),
            Some(b) => match b.capacity() {
                Some(cap) => format!("{}({}), holding {}", b.kind(), cap, b.len()),
                None => format!("{}, holding {}", b.kind(), b.len()),
            },
        }
    }

    /// For `Debug`: active waiting puts and gets.
    pub(crate) fn pending(&self) -> (usize, usize) {
        (self.puts.waiting().count(), self.takes.waiting().count())
    }

    /// For `Debug`: `join` futures waiting for the channel to be closed and drained (polled, and
    /// neither completed nor dropped).
    pub(crate) fn pending_joins(&self) -> usize {
        self.rare.as_ref().map_or(0, |r| r.joiners.len())
    }

    /// For tests of sweeping: the lengths of the queues, inactive entries included.
    pub(crate) fn queue_lens(&self) -> (usize, usize) {
        (self.puts.len(), self.takes.len())
    }
}

impl<T: 'static> State<T> {
    /// How a trace shows `value`: only for a channel made with `Chan::trace_values`, while the
    /// loop traces.
    #[inline]
    fn shown(&self, value: &T) -> Option<String> {
        self.show
            .and_then(|show| trace::is_on().then(|| show(value)))
    }

    /// Records a trace event about this channel, with its state after the event, if the loop
    /// traces.
    #[inline]
    fn trace(&self, event: impl FnOnce(&Core, String, ChanSnapshot) -> Event) {
        if trace::is_on() {
            runtime::record(|core| event(core, self.label(), self.snapshot(core)));
        }
    }

    /// The buffer and the active waiting operations, for a trace.
    fn snapshot(&self, core: &Core) -> ChanSnapshot {
        ChanSnapshot {
            buffered: self.len(),
            capacity: self.capacity(),
            puts: self.puts.waiting().map(|party| party.label(core)).collect(),
            gets: self
                .takes
                .waiting()
                .map(|party| party.label(core))
                .collect(),
            closed: self.closed,
        }
    }

    /// The operation parked as `slot` joined (`enqueue`) or left the queue of `side`.
    fn trace_queue<R>(&self, enqueue: bool, side: Side, slot: &Slot<R>) {
        self.trace(|core, chan, after| {
            let task = match slot {
                // A select that committed elsewhere no longer knows its task: the withdrawal
                // runs in the task's own poll.
                Slot::Parked(Party::Select { .. }) if !enqueue => core.current_label(),
                _ => slot_label(core, slot),
            };
            if enqueue {
                Event::Enqueue {
                    task,
                    chan,
                    side,
                    after,
                }
            } else {
                // Recorded just before the entry goes: the snapshot is of the queue without it.
                let mut after = after;
                let queue = match side {
                    Side::Put => &mut after.puts,
                    Side::Get => &mut after.gets,
                };
                if let Some(i) = queue.iter().position(|t| *t == task) {
                    queue.remove(i);
                }
                Event::Withdraw {
                    task,
                    chan,
                    side,
                    after,
                }
            }
        });
    }

    /// A value moved from the putter (the parked put `putter`, or the running task) to the getter
    /// (the parked get `taker`, or the running task).
    fn trace_handoff(&self, putter: Option<usize>, taker: Option<usize>, value: Option<String>) {
        self.trace(|core, chan, after| Event::Handoff {
            chan,
            from: putter.map_or_else(
                || core.current_label(),
                |k| slot_label(core, self.puts.slot(k)),
            ),
            to: taker.map_or_else(
                || core.current_label(),
                |k| slot_label(core, self.takes.slot(k)),
            ),
            value,
            after,
        });
    }

    /// A value left the buffer for the parked get `taker`, or the running task.
    fn trace_get(&self, taker: Option<usize>, value: Option<String>) {
        self.trace(|core, chan, after| Event::Get {
            task: taker.map_or_else(
                || core.current_label(),
                |k| slot_label(core, self.takes.slot(k)),
            ),
            chan,
            value,
            after,
        });
    }

    /// The value of the parked put `putter` entered the buffer.
    fn trace_put(&self, putter: usize, value: Option<String>) {
        self.trace(|core, chan, after| Event::Put {
            task: slot_label(core, self.puts.slot(putter)),
            chan,
            value,
            after,
        });
    }
}

/// How traces name the party of a parked operation.
fn slot_label<R>(core: &Core, slot: &Slot<R>) -> String {
    match slot {
        Slot::Parked(party) => party.label(core),
        Slot::Done(_) | Slot::Vacant => "a withdrawn operation".to_string(),
    }
}

impl<T: 'static> ParkedIn for std::cell::RefCell<State<T>> {
    fn parked(&self, out: &mut Vec<ParkedWait>) {
        if let Ok(mut st) = self.try_borrow_mut() {
            st.parked_waits(out);
        }
    }

    fn forget_loop(&self) {
        if let Ok(mut st) = self.try_borrow_mut() {
            st.registered = false;
        }
    }
}

/// Adds the wait of `party`, parked in `op` on the channel `site` names, if it is a task of the loop
/// that still waits.
fn push_wait<R>(out: &mut Vec<ParkedWait>, party: &Party<R>, site: &Rc<WaitSite>, op: ChanOp) {
    let (task, select) = match party {
        Party::Future(Waiter::Task(task)) => (*task, None),
        Party::Select { flag, arm } if flag.is_active() => match flag.task() {
            Some(task) => (task, Some((Rc::as_ptr(flag) as usize, *arm))),
            None => return,
        },
        _ => return,
    };
    out.push(ParkedWait {
        task,
        site: site.clone(),
        op,
        select,
    });
}

/// A channel as messages show it, by its name or else its number.
fn label_of(name: &Option<Rc<str>>, number: u64) -> String {
    match name {
        Some(name) => format!("channel '{name}'"),
        None => format!("channel #{number}"),
    }
}

/// Panics: more than `max` operations `op` would wait on the channel.
#[cold]
#[inline(never)]
fn too_many(name: &Option<Rc<str>>, number: u64, max: usize, op: ChanOp) -> ! {
    let chan = label_of(name, number);
    match op {
        ChanOp::Put => panic!(
            "{chan}: more than {max} puts are waiting on it. Give it a buffer (Chan::fixed(n), or a \
             dropping or sliding one if values may be discarded), put from fewer tasks at once, or \
             raise the limit with Chan::max_pending"
        ),
        _ => panic!(
            "{chan}: more than {max} gets are waiting on it. Get from fewer tasks at once (one \
             consumer can hand values on to others), or raise the limit with Chan::max_pending"
        ),
    }
}

/// The name kept in a channel's rare parts, if it has any.
fn name_in<T>(rare: &Option<Box<Rare<T>>>) -> &Option<Rc<str>> {
    match rare {
        Some(rare) => &rare.name,
        None => &None,
    }
}
