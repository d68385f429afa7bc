//! `select`: complete exactly one of several channel operations (core.async's `alts!`, Go's
//! `select`).
//!
//! A select works in two passes, as Go's runtime does. The first completes one operation that can
//! complete at once, without parking, and touches nothing else: it looks at every channel to see
//! which operations may complete, draws one of those, and tries it (`first_ready`).
//! Only if none can does the second pass park every operation in its channel, all sharing one
//! [`Flag`]; the first channel to commit one of them clears the flag, which deactivates the others,
//! and the select withdraws them from their channels when it resumes. Parking only after every
//! operation failed means a select can never complete against itself (a get and a put on the same
//! channel).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::channel::{PutOutcome, TakeOutcome};
use super::handler::{Flag, Party, Who};
use super::Chan;
use crate::runtime::rng::Draws;
use crate::runtime::{self, ChanOp, WaitSite, WaitsOn};

/// One operation of a select: a get, or a put of a value.
pub enum Op<T> {
    /// Get a value from the channel.
    Get(Chan<T>),
    /// Put the value on the channel.
    Put(Chan<T>, T),
}

impl<T> Op<T> {
    /// A get from `chan`: a [`Chan`], or anything that is one (a [`Receiver`](crate::Receiver)).
    pub fn get(chan: &(impl AsRef<Chan<T>> + ?Sized)) -> Op<T> {
        Op::Get(chan.as_ref().clone())
    }

    /// A put of `value` to `chan`: a [`Chan`], or anything that is one (a
    /// [`Sender`](crate::Sender)).
    pub fn put(chan: &(impl AsRef<Chan<T>> + ?Sized), value: T) -> Op<T> {
        Op::Put(chan.as_ref().clone(), value)
    }
}

impl<T: 'static> fmt::Debug for Op<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Get(c) => f.debug_tuple("Get").field(c).finish(),
            Op::Put(c, _) => f.debug_tuple("Put").field(c).finish(),
        }
    }
}

/// How the completed operation of a select ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome<T> {
    /// A get completed: the value, or `None` if the channel was closed and drained.
    Got(Option<T>),
    /// A put completed: `true` if the value was accepted, `false` if the channel was closed.
    Put(bool),
}

/// The one operation a select completed.
pub struct Selected<T: 'static> {
    /// Its position in the list of operations.
    pub index: usize,
    /// Its channel.
    pub chan: Chan<T>,
    /// How it ended.
    pub outcome: Outcome<T>,
}

impl<T: fmt::Debug + 'static> fmt::Debug for Selected<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Selected")
            .field("index", &self.index)
            .field("chan", &self.chan)
            .field("outcome", &self.outcome)
            .finish()
    }
}

impl<T: 'static> Selected<T> {
    /// The value of a completed get (`None` for a closed channel, or if a put completed).
    pub fn value(self) -> Option<T> {
        match self.outcome {
            Outcome::Got(value) => value,
            Outcome::Put(_) => None,
        }
    }
}

/// One operation while the select runs; a select keeps them in the caller's order.
struct Arm<T> {
    chan: Chan<T>,
    /// Whether the operation is a put.
    is_put: bool,
    /// The value of a put, until it moves into the channel.
    value: Option<T>,
    /// The parked operation in `chan`, after the second pass.
    key: Option<usize>,
}

/// Waits until exactly one of `ops` completes, at the earliest moment one can, and returns it.
///
/// When several operations could complete, one is chosen at random from the loop's seeded
/// generator (so a seed fixes the choice); [`Select::priority`] makes the first one in `ops` win.
/// A put to a closed channel completes with `false`, a get from a closed, drained channel with
/// `None`.
///
/// ```
/// use aiochan::{select, Chan, Op, Outcome};
///
/// aiochan::run(async {
///     let numbers = Chan::fixed(1).add([7]);
///     let words: Chan<i32> = Chan::new();
///     let chosen = select([Op::get(&words), Op::get(&numbers)]).await;
///     assert_eq!(chosen.index, 1);
///     assert_eq!(chosen.chan, numbers);
///     assert_eq!(chosen.outcome, Outcome::Got(Some(7)));
/// });
/// ```
///
/// # Panics
/// If `ops` is empty: such a select would wait forever (a [`try_select`] of nothing is fine).
#[inline]
#[track_caller]
pub fn select<T: 'static>(ops: impl IntoIterator<Item = Op<T>>) -> Select<T> {
    let sel = arms(ops);
    assert!(
        !sel.arms.is_empty(),
        "aiochan::select of no operations would wait forever"
    );
    sel
}

/// The operations, not yet tried.
#[inline]
#[track_caller]
fn arms<T: 'static>(ops: impl IntoIterator<Item = Op<T>>) -> Select<T> {
    let arms: Arms<T> = ops
        .into_iter()
        .map(|op| match op {
            Op::Get(chan) => Arm {
                chan,
                is_put: false,
                value: None,
                key: None,
            },
            Op::Put(chan, value) => Arm {
                chan,
                is_put: true,
                value: Some(value),
                key: None,
            },
        })
        .collect();
    Select {
        arms,
        priority: false,
        flag: None,
        done: false,
        at: std::panic::Location::caller(),
    }
}

/// Completes one of `ops` if one can complete at once, and otherwise hands the operations back
/// without having queued anything: a select with a default (aiochan's `default=`, Go's `default:`).
///
/// ```
/// use aiochan::{try_select, Chan, Op};
///
/// let ch = Chan::new();
/// match try_select([Op::put(&ch, "value")], false) {
///     Ok(_) => unreachable!("nobody is there to get"),
///     Err(ops) => assert_eq!(ops.len(), 1),
/// }
/// ```
#[track_caller]
pub fn try_select<T: 'static>(
    ops: impl IntoIterator<Item = Op<T>>,
    priority: bool,
) -> Result<Selected<T>, Vec<Op<T>>> {
    let mut sel = arms(ops);
    sel.priority = priority;
    match sel.first_pass() {
        Some(selected) => Ok(selected),
        None => {
            sel.done = true;
            Err(std::mem::take(&mut sel.arms)
                .into_iter()
                .map(|arm| match arm.value {
                    Some(value) => Op::Put(arm.chan, value),
                    None => Op::Get(arm.chan),
                })
                .collect())
        }
    }
}

/// The operations of a select, on the heap: a select future is moved at least twice before it
/// runs, and inline arms made those moves cost more than the allocation (measured on select4).
type Arms<T> = Vec<Arm<T>>;

/// The future of [`select`].
///
/// # Cancel safety
/// Dropping it never loses a value: a get that had already been given a value returns it to the head
/// of its channel, and puts that were not chosen are withdrawn (their values never delivered).
#[must_use = "a select does nothing unless awaited"]
pub struct Select<T: 'static> {
    /// The operations, in the caller's order.
    arms: Arms<T>,
    /// Whether the first operation that can complete wins (rather than a random one).
    priority: bool,
    /// Shared by the parked operations, after the second pass.
    flag: Option<Rc<Flag>>,
    /// Set once the select has completed or been given up.
    done: bool,
    /// Where the select was written, for reports.
    at: &'static std::panic::Location<'static>,
}

impl<T: 'static> Select<T> {
    /// Makes the select prefer the operations in the order given: when several can complete, the
    /// first of them does (aiochan's `priority=True`, tokio's `biased;`).
    pub fn priority(mut self) -> Select<T> {
        self.priority = true;
        self
    }

    /// Completes, without parking, one operation that can complete at once: a random one (the first
    /// in the order given, with priority).
    fn first_pass(&mut self) -> Option<Selected<T>> {
        let mut outcome = None;
        let arms = &mut self.arms;
        let index = first_ready(arms, self.priority, may_complete, |arm| {
            outcome = try_now(arm);
            outcome.is_some()
        })?;
        self.done = true;
        Some(Selected {
            index,
            chan: self.arms[index].chan.clone(),
            outcome: outcome.expect("the arm that completed has an outcome"),
        })
    }

    /// Parks every operation under one flag.
    fn second_pass(&mut self, cx: &Context<'_>) {
        let flag = Rc::new(Flag::default());
        flag.set_waiter(cx);
        for (arm_no, arm) in self.arms.iter_mut().enumerate() {
            let flag = flag.clone();
            let mut st = arm.chan.state.borrow_mut();
            arm.key = Some(match arm.value.take() {
                Some(value) => st.park_put(Party::Select { flag, arm: arm_no }, value),
                None => st.park_take(Party::Select { flag, arm: arm_no }),
            });
            arm.chan.register_channel(&mut st);
        }
        self.note_wait(cx);
        self.flag = Some(flag);
    }

    /// Records, in a trace, that the task polled with `cx` waits in this select.
    fn note_wait(&self, cx: &Context<'_>) {
        note_select_wait(cx, || {
            self.arms.iter().map(|arm| {
                let op = if arm.is_put { ChanOp::Put } else { ChanOp::Get };
                (arm.chan.state.borrow_mut().site(), op)
            })
        });
    }

    /// Gives up the select before it is seen to complete: withdraws every operation and hands back
    /// the values of the puts with their positions, from the puts parked in their channels too.
    /// If an arm has committed already, that arm's outcome comes back instead, as from a poll.
    pub(crate) fn give_up(mut self) -> Result<Selected<T>, Vec<(usize, T)>> {
        if let Some(arm) = self.flag.as_ref().and_then(|flag| flag.committed()) {
            return Ok(self.finish(arm));
        }
        self.done = true;
        let mut values = Vec::new();
        for (arm_no, arm) in self.arms.iter_mut().enumerate() {
            if !arm.is_put {
                withdraw(arm);
                continue;
            }
            let value = match arm.key.take() {
                Some(key) => arm.chan.withdraw_put(key),
                None => arm.value.take(),
            };
            values.extend(value.map(|v| (arm_no, v)));
        }
        Err(values)
    }

    /// Collects the result of the committed arm and withdraws the others.
    fn finish(&mut self, committed: usize) -> Selected<T> {
        self.done = true;
        let mut outcome = None;
        for (arm_no, arm) in self.arms.iter_mut().enumerate() {
            assert!(arm.key.is_some(), "every arm parked in the second pass");
            if arm_no != committed {
                withdraw(arm);
                continue;
            }
            let key = arm.key.take().expect("checked just above");
            let mut st = arm.chan.state.borrow_mut();
            outcome = Some(if arm.is_put {
                Outcome::Put(st.poll_put(key, |_| {}).expect("the committed put is done"))
            } else {
                Outcome::Got(
                    st.poll_take(key, |_| {})
                        .expect("the committed get is done"),
                )
            });
        }
        Selected {
            index: committed,
            chan: self.arms[committed].chan.clone(),
            outcome: outcome.expect("the committed arm is among the arms"),
        }
    }
}

/// Withdraws a parked arm; a value committed to a get goes back to its channel.
fn withdraw<T: 'static>(arm: &mut Arm<T>) {
    if arm.is_put {
        arm.chan.drop_put(&mut arm.key);
    } else {
        arm.chan.drop_get(&mut arm.key);
    }
}

/// Whether arm `arm` might complete at once (false only if it certainly cannot).
fn may_complete<T: 'static>(arm: &Arm<T>) -> bool {
    let st = arm.chan.state.borrow();
    if arm.is_put {
        st.may_put()
    } else {
        st.may_take()
    }
}

/// Tries arm `arm` at once, without parking: its outcome if it completed.
fn try_now<T: 'static>(arm: &mut Arm<T>) -> Option<Outcome<T>> {
    if arm.is_put {
        let value = arm
            .value
            .take()
            .expect("a put arm holds its value until parked");
        match arm
            .chan
            .with_state(|st, wakes| st.put(value, Who::Try, wakes))
        {
            PutOutcome::Accepted | PutOutcome::AcceptedDiscarding(_) => Some(Outcome::Put(true)),
            PutOutcome::Closed(_) => Some(Outcome::Put(false)),
            PutOutcome::Refused(value) => {
                arm.value = Some(value);
                None
            }
            PutOutcome::Parked(_) => unreachable!("a try never parks"),
        }
    } else {
        match arm.chan.with_state(|st, wakes| st.take(Who::Try, wakes)) {
            TakeOutcome::Done(value) => Some(Outcome::Got(value)),
            TakeOutcome::Refused => None,
            TakeOutcome::Parked(_) => unreachable!("a try never parks"),
        }
    }
}

/// Records, for a trace, that the task polled with `cx` waits in a select on the channel
/// operations `sites` yields, in the caller's order (nothing if it yields none, or if the loop does
/// not trace: deadlock reports read a parked select's arms from its channels' queues).
pub(crate) fn note_select_wait<I>(cx: &Context<'_>, sites: impl Fn() -> I)
where
    I: Iterator<Item = (Rc<WaitSite>, ChanOp)>,
{
    if !runtime::trace::is_on() || sites().next().is_none() {
        return;
    }
    runtime::note_wait(
        cx,
        || WaitsOn::Select(Rc::new(sites().collect())),
        |_| false,
    );
}

/// Selects of up to this many operations ask every operation whether it may complete before
/// choosing; larger ones try theirs in a shuffled order.
const MASKED: usize = 64;

/// Completes one of `ops` that can complete at once, and returns its index. `may` says cheaply
/// whether an operation might complete (false only if it certainly cannot); `ready` tries it and
/// says whether it completed. With `priority` the operations are tried in order; otherwise the one
/// completed is uniformly random among those that can, drawn from the loop's generator.
///
/// Up to 64 operations, every one is asked `may` first and the draw is made among those that may:
/// one draw per select, and no try of an operation that is not ready. (An operation that may but
/// then does not complete leaves the candidates and the draw is made again.) Asking changes
/// nothing and costs no branch that depends on the draw, whereas trying operations one by one in a
/// random order mispredicted a branch at almost every failed try: that was most of the cost of a
/// select on select4. Larger selects take the first ready operation of a random order, which has
/// the same distribution.
pub(crate) fn first_ready<A>(
    ops: &mut [A],
    priority: bool,
    may: impl Fn(&A) -> bool,
    mut ready: impl FnMut(&mut A) -> bool,
) -> Option<usize> {
    let n = ops.len();
    if n > MASKED {
        return first_ready_shuffled(n, priority, |i| may(&ops[i]) && ready(&mut ops[i]));
    }
    let mut candidates = 0u64;
    for (i, op) in ops.iter().enumerate() {
        candidates |= u64::from(may(op)) << i;
    }
    let mut draws = Draws::new();
    while candidates != 0 {
        let count = candidates.count_ones();
        let i = if priority || count == 1 {
            candidates.trailing_zeros()
        } else {
            nth_one(
                candidates,
                draws.below(u64::from(count), runtime::next_random),
            )
        } as usize;
        if ready(&mut ops[i]) {
            return Some(i);
        }
        candidates &= !(1 << i);
    }
    None
}

/// The position of set bit number `k` of `bits`, counting from the lowest (number 0).
fn nth_one(mut bits: u64, k: u64) -> u32 {
    for _ in 0..k {
        bits &= bits - 1;
    }
    bits.trailing_zeros()
}

/// Tries operations `0..n` until `ready` says one completed, and returns it: in order with
/// `priority`, otherwise in a uniformly random order drawn from the loop's generator.
///
/// The order is a Fisher-Yates shuffle run lazily: each step draws the next operation from those not
/// yet tried, so a select whose first try succeeds pays for one draw, not for a whole permutation.
fn first_ready_shuffled(
    n: usize,
    priority: bool,
    mut ready: impl FnMut(usize) -> bool,
) -> Option<usize> {
    if priority {
        return (0..n).find(|&i| ready(i));
    }
    // Only selects of more than `MASKED` operations come here, so there is a first step, and it
    // needs no table.
    let mut draws = Draws::new();
    let first = draws.below(n as u64, runtime::next_random) as usize;
    if ready(first) {
        return Some(first);
    }
    // The order table of a select this large is on the heap, like its operations.
    let mut order: Vec<usize> = (0..n).collect();
    order.swap(0, first);
    for i in 1..n {
        let j = i + draws.below((n - i) as u64, runtime::next_random) as usize;
        order.swap(i, j);
        let arm = order[i];
        if ready(arm) {
            return Some(arm);
        }
    }
    None
}

impl<T: 'static> Unpin for Select<T> {}

impl<T: 'static> Future for Select<T> {
    type Output = Selected<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Selected<T>> {
        let this = self.get_mut();
        assert!(
            !this.done,
            "aiochan: a Select was polled after it completed"
        );
        match &this.flag {
            None => {
                if let Some(selected) = this.first_pass() {
                    return Poll::Ready(selected);
                }
                this.second_pass(cx);
                crate::runtime::note_wait_site(cx, this.at);
                Poll::Pending
            }
            Some(flag) => match flag.committed() {
                Some(arm) => Poll::Ready(this.finish(arm)),
                None => {
                    flag.set_waiter(cx);
                    this.note_wait(cx);
                    crate::runtime::note_wait_site(cx, this.at);
                    Poll::Pending
                }
            },
        }
    }
}

impl<T: 'static> Drop for Select<T> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        for arm in &mut self.arms {
            withdraw(arm);
        }
    }
}

impl<T: 'static> fmt::Debug for Select<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Select")
            .field("operations", &self.arms.len())
            .field("priority", &self.priority)
            .field("parked", &self.flag.is_some())
            .field("done", &self.done)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nth_one_counts_set_bits_from_the_lowest() {
        assert_eq!(nth_one(0b1, 0), 0);
        assert_eq!(nth_one(0b1011_0100, 0), 2);
        assert_eq!(nth_one(0b1011_0100, 1), 4);
        assert_eq!(nth_one(0b1011_0100, 2), 5);
        assert_eq!(nth_one(0b1011_0100, 3), 7);
        assert_eq!(nth_one(1 << 63 | 1, 1), 63);
    }

    #[test]
    fn first_ready_tries_only_the_operations_that_may_complete() {
        // Operation i may complete if bit i of `may` is set, and does if bit i of `can` is.
        let (may, can) = (0b0110_1010u8, 0b0100_0000u8);
        for priority in [false, true] {
            let mut ops: Vec<(usize, bool)> = (0..8).map(|i| (i, false)).collect();
            let chosen = first_ready(
                &mut ops,
                priority,
                |&(i, _)| may & 1 << i != 0,
                |(i, tried)| {
                    *tried = true;
                    can & 1 << *i != 0
                },
            );
            assert_eq!(chosen, Some(6));
            for (i, tried) in ops {
                assert!(!tried || may & 1 << i != 0, "operation {i} was tried");
            }
        }
        let mut none: Vec<(usize, bool)> = (0..3).map(|i| (i, false)).collect();
        assert_eq!(first_ready(&mut none, false, |_| false, |_| true), None);
    }
}
