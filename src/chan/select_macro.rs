//! The machinery behind the `select!` macro: arms of different types behind one trait, run with
//! the same two passes and shared flag as [`select`](super::select()), round after round while the
//! value an arm got does not match its pattern.
//!
//! Not a public API: the macro expands to calls of these items, which may change at any time.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::channel::{PutOutcome, TakeOutcome};
use super::handler::{Flag, Party, Who};
use super::select::{first_ready, note_select_wait};
use super::Chan;
use crate::runtime::{ChanOp, WaitSite};

/// The most arms one `select!` may have.
pub const MAX_ARMS: usize = 16;

/// What the second pass hands each arm: the select's flag.
pub struct Parking<'a> {
    flag: &'a Rc<Flag>,
}

/// One arm of a `select!`, with its result kept until the arm's body takes it.
pub trait Arm {
    /// Whether the arm takes part (an arm whose `if` guard was false does not, nor one whose value
    /// did not match its pattern in an earlier round, nor a put arm whose value is gone).
    fn enabled(&self) -> bool {
        true
    }
    /// Whether the first pass should try the arm: false only if it certainly cannot complete at
    /// once. A channel arm looks at its channel without changing it; a future arm must be polled
    /// to know, so it says true.
    fn may_complete(&self) -> bool {
        true
    }
    /// First pass: completes at once if it can (a future arm is polled once).
    fn try_now(&mut self, cx: &mut Context<'_>) -> bool;
    /// Second pass: a channel arm parks as arm `arm` under the select's flag.
    fn park(&mut self, arm: usize, parking: &mut Parking<'_>);
    /// Later polls: a future arm polls its future again; channel arms wait for the flag.
    fn poll_again(&mut self, cx: &mut Context<'_>) -> bool;
    /// The committed channel arm collects its result from its channel.
    fn collect(&mut self);
    /// A parked channel arm that lost withdraws from its channel.
    fn withdraw(&mut self);
    /// The channel operation a parked channel arm waits in, for traces.
    fn site(&self) -> Option<ArmSite> {
        None
    }
}

/// The channel operation a parked arm waits in, as traces name it.
pub struct ArmSite(Rc<WaitSite>, ChanOp);

/// A get arm.
pub struct GetArm<'a, T: 'static> {
    /// The channel.
    chan: &'a Chan<T>,
    /// The parked get, from the second pass until the arm collects or withdraws.
    key: Option<usize>,
    /// The value got, from completion until the pattern check or the body takes it.
    result: Option<Option<T>>,
}

/// What a `get` or `put` arm takes: a reference to a [`Chan`] or to one of its halves
/// ([`Receiver`](crate::Receiver), [`Sender`](crate::Sender)), through any number of references
/// (the macro adds one: `get(c)` and `get(&c)` both work).
pub trait ChanRef<'a, T> {
    /// The channel, borrowed for as long as the reference is.
    fn chan_ref(self) -> &'a Chan<T>;
}

impl<'a, T> ChanRef<'a, T> for &'a Chan<T> {
    fn chan_ref(self) -> &'a Chan<T> {
        self
    }
}

impl<'a, T, R: ChanRef<'a, T> + Copy> ChanRef<'a, T> for &R {
    fn chan_ref(self) -> &'a Chan<T> {
        (*self).chan_ref()
    }
}

/// Makes a get arm, from a [`Chan`] or a [`Receiver`](crate::Receiver).
#[inline]
pub fn get<'a, T: 'static>(chan: impl ChanRef<'a, T>) -> GetArm<'a, T> {
    GetArm {
        chan: chan.chan_ref(),
        key: None,
        result: None,
    }
}

impl<T: 'static> Arm for GetArm<'_, T> {
    fn may_complete(&self) -> bool {
        self.chan.state.borrow().may_take()
    }

    fn try_now(&mut self, _: &mut Context<'_>) -> bool {
        match self.chan.with_state(|st, wakes| st.take(Who::Try, wakes)) {
            TakeOutcome::Done(value) => {
                self.result = Some(value);
                true
            }
            TakeOutcome::Refused => false,
            TakeOutcome::Parked(_) => unreachable!("a try never parks"),
        }
    }

    fn park(&mut self, arm: usize, parking: &mut Parking<'_>) {
        let mut st = self.chan.state.borrow_mut();
        self.key = Some(st.park_take(Party::Select {
            flag: parking.flag.clone(),
            arm,
        }));
        self.chan.register_channel(&mut st);
    }

    fn site(&self) -> Option<ArmSite> {
        self.key?;
        Some(ArmSite(self.chan.state.borrow_mut().site(), ChanOp::Get))
    }

    fn poll_again(&mut self, _: &mut Context<'_>) -> bool {
        false
    }

    fn collect(&mut self) {
        let key = self.key.take().expect("a committed arm was parked");
        let got = self.chan.state.borrow_mut().poll_take(key, |_| {});
        self.result = Some(got.expect("the committed get is done"));
    }

    fn withdraw(&mut self) {
        self.chan.drop_get(&mut self.key);
    }
}

impl<T: 'static> Drop for GetArm<'_, T> {
    fn drop(&mut self) {
        self.withdraw();
    }
}

/// A put arm.
pub struct PutArm<'a, T: 'static> {
    /// The channel.
    chan: &'a Chan<T>,
    /// The value, until the put is tried or parked; back again when a parked put withdraws.
    value: Option<T>,
    /// The parked put, from the second pass until the arm collects or withdraws.
    key: Option<usize>,
    /// Whether the value was accepted, from completion until the pattern check or the body takes it.
    result: Option<bool>,
}

/// Makes a put arm, to a [`Chan`] or a [`Sender`](crate::Sender).
#[inline]
pub fn put<'a, T: 'static>(chan: impl ChanRef<'a, T>, value: T) -> PutArm<'a, T> {
    PutArm {
        chan: chan.chan_ref(),
        value: Some(value),
        key: None,
        result: None,
    }
}

impl<T: 'static> Arm for PutArm<'_, T> {
    /// A put arm takes part while it holds its value. It holds none after a round in which a
    /// future arm won while the put had been delivered (see the `select!` docs): that put is done
    /// and is not made again.
    fn enabled(&self) -> bool {
        self.value.is_some()
    }

    fn may_complete(&self) -> bool {
        self.value.is_some() && self.chan.state.borrow().may_put()
    }

    fn try_now(&mut self, _: &mut Context<'_>) -> bool {
        let Some(value) = self.value.take() else {
            return false;
        };
        let outcome = self
            .chan
            .with_state(|st, wakes| st.put(value, Who::Try, wakes));
        match outcome {
            PutOutcome::Accepted | PutOutcome::AcceptedDiscarding(_) => self.result = Some(true),
            PutOutcome::Closed(_) => self.result = Some(false),
            PutOutcome::Refused(value) => self.value = Some(value),
            PutOutcome::Parked(_) => unreachable!("a try never parks"),
        }
        self.result.is_some()
    }

    fn park(&mut self, arm: usize, parking: &mut Parking<'_>) {
        let Some(value) = self.value.take() else {
            return;
        };
        let mut st = self.chan.state.borrow_mut();
        self.key = Some(st.park_put(
            Party::Select {
                flag: parking.flag.clone(),
                arm,
            },
            value,
        ));
        self.chan.register_channel(&mut st);
    }

    fn site(&self) -> Option<ArmSite> {
        self.key?;
        Some(ArmSite(self.chan.state.borrow_mut().site(), ChanOp::Put))
    }

    fn poll_again(&mut self, _: &mut Context<'_>) -> bool {
        false
    }

    fn collect(&mut self) {
        let key = self.key.take().expect("a committed arm was parked");
        let done = self.chan.state.borrow_mut().poll_put(key, |_| {});
        self.result = Some(done.expect("the committed put is done"));
    }

    /// Takes back the value of a put that was not delivered, for the next round of the select.
    fn withdraw(&mut self) {
        if let Some(key) = self.key.take() {
            self.value = self.chan.with_state(|st, wakes| st.cancel_put(key, wakes));
        }
    }
}

impl<T: 'static> Drop for PutArm<'_, T> {
    fn drop(&mut self) {
        self.withdraw();
    }
}

/// An arm awaiting any future.
pub struct FutureArm<F: Future> {
    /// The future, polled in every round until it completes.
    future: Pin<Box<F>>,
    /// Its output, from completion until the pattern check or the body takes it.
    result: Option<F::Output>,
}

/// Makes a future arm.
#[inline]
pub fn future<F: Future>(future: F) -> FutureArm<F> {
    FutureArm {
        future: Box::pin(future),
        result: None,
    }
}

impl<F: Future> Arm for FutureArm<F> {
    fn try_now(&mut self, cx: &mut Context<'_>) -> bool {
        self.poll_again(cx)
    }

    fn park(&mut self, _: usize, _: &mut Parking<'_>) {}

    fn poll_again(&mut self, cx: &mut Context<'_>) -> bool {
        match self.future.as_mut().poll(cx) {
            Poll::Ready(output) => {
                self.result = Some(output);
                true
            }
            Poll::Pending => false,
        }
    }

    fn collect(&mut self) {}

    fn withdraw(&mut self) {}
}

/// An arm that can be switched off: `None` when its `if` guard was false, which leaves the arm out
/// of the select (its operation is never started, nor is a put's value or a future evaluated), or
/// once a value it got did not match its pattern, which leaves it out of the select's later rounds.
pub struct Switch<A>(Option<A>);

/// Makes an arm that takes part (`Some`) or not (`None`, its guard was false).
#[inline]
pub fn switch<A: Arm>(arm: Option<A>) -> Switch<A> {
    Switch(arm)
}

impl<A> Switch<A> {
    /// Leaves the arm out of the rest of the select: its value did not match its pattern.
    pub fn disable(&mut self) {
        self.0 = None;
    }
}

/// The result of a chosen arm, for its pattern and body.
pub trait Chosen {
    /// What the arm's pattern binds.
    type Output;
    /// Where the arm keeps its result until the body takes it.
    fn result(&self) -> &Option<Self::Output>;
    /// The same, to take it.
    fn result_mut(&mut self) -> &mut Option<Self::Output>;
    /// The result of the arm that completed, left in place for the pattern check.
    fn peek(&self) -> &Self::Output {
        self.result()
            .as_ref()
            .expect("select!: the chosen arm has its result")
    }
    /// Takes the result of the arm that completed.
    fn take(&mut self) -> Self::Output {
        self.result_mut()
            .take()
            .expect("select!: the chosen arm has its result")
    }
}

impl<T: 'static> Chosen for GetArm<'_, T> {
    type Output = Option<T>;
    fn result(&self) -> &Option<Option<T>> {
        &self.result
    }
    fn result_mut(&mut self) -> &mut Option<Option<T>> {
        &mut self.result
    }
}

impl<T: 'static> Chosen for PutArm<'_, T> {
    type Output = bool;
    fn result(&self) -> &Option<bool> {
        &self.result
    }
    fn result_mut(&mut self) -> &mut Option<bool> {
        &mut self.result
    }
}

impl<F: Future> Chosen for FutureArm<F> {
    type Output = F::Output;
    fn result(&self) -> &Option<F::Output> {
        &self.result
    }
    fn result_mut(&mut self) -> &mut Option<F::Output> {
        &mut self.result
    }
}

impl<A: Chosen> Chosen for Switch<A> {
    type Output = A::Output;
    fn result(&self) -> &Option<A::Output> {
        self.0
            .as_ref()
            .expect("select!: a disabled arm is never chosen")
            .result()
    }
    fn result_mut(&mut self) -> &mut Option<A::Output> {
        self.0
            .as_mut()
            .expect("select!: a disabled arm is never chosen")
            .result_mut()
    }
}

impl<A: Arm> Arm for Switch<A> {
    fn enabled(&self) -> bool {
        self.0.as_ref().is_some_and(Arm::enabled)
    }

    fn may_complete(&self) -> bool {
        self.0.as_ref().is_some_and(Arm::may_complete)
    }

    fn try_now(&mut self, cx: &mut Context<'_>) -> bool {
        self.0.as_mut().is_some_and(|arm| arm.try_now(cx))
    }

    fn park(&mut self, arm: usize, parking: &mut Parking<'_>) {
        if let Some(inner) = &mut self.0 {
            inner.park(arm, parking);
        }
    }

    fn poll_again(&mut self, cx: &mut Context<'_>) -> bool {
        self.0.as_mut().is_some_and(|arm| arm.poll_again(cx))
    }

    fn collect(&mut self) {
        if let Some(arm) = &mut self.0 {
            arm.collect();
        }
    }

    fn withdraw(&mut self) {
        if let Some(arm) = &mut self.0 {
            arm.withdraw();
        }
    }

    fn site(&self) -> Option<ArmSite> {
        self.0.as_ref()?.site()
    }
}

/// What one round of a `select!` picked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// The arm of this index completed.
    Arm(usize),
    /// No arm could complete at once, and there is a `default` arm.
    Default,
    /// Every arm is disabled, and there is an `else` branch.
    Disabled,
}

/// The future of one round of a `select!`.
pub struct Run<'a, 'b> {
    /// The arms, in the order written.
    arms: &'a mut [&'b mut dyn Arm],
    /// Whether the arms are tried in the order written (`biased;`) rather than at random.
    priority: bool,
    /// Whether the select has a `default` arm.
    has_default: bool,
    /// Whether the select has an `else` branch.
    has_else: bool,
    /// The flag the arms parked under, once the first pass found none ready.
    flag: Option<Rc<Flag>>,
    /// Where the `select!` was written, for reports.
    at: &'static std::panic::Location<'static>,
}

/// Runs one round of the arms (see the module doc).
#[inline]
#[track_caller]
pub fn run<'a, 'b>(
    arms: &'a mut [&'b mut dyn Arm],
    priority: bool,
    has_default: bool,
    has_else: bool,
) -> Run<'a, 'b> {
    assert!(
        !arms.is_empty() && arms.len() <= MAX_ARMS,
        "select! takes between 1 and {MAX_ARMS} arms besides `default` and `else`"
    );
    Run {
        arms,
        priority,
        has_default,
        has_else,
        flag: None,
        at: std::panic::Location::caller(),
    }
}

impl Run<'_, '_> {
    /// Records, in a trace, that the task polled with `cx` waits in this select.
    fn note_wait(&self, cx: &Context<'_>) {
        note_select_wait(cx, || {
            self.arms
                .iter()
                .filter_map(|arm| arm.site())
                .map(|ArmSite(site, op)| (site, op))
        });
    }

    /// Arm `winner` completed: the others withdraw.
    fn finish(&mut self, winner: usize) -> Poll<Pick> {
        for (i, arm) in self.arms.iter_mut().enumerate() {
            if i != winner {
                arm.withdraw();
            }
        }
        Poll::Ready(Pick::Arm(winner))
    }
}

impl Future for Run<'_, '_> {
    type Output = Pick;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Pick> {
        let this = self.get_mut();
        let poll = this.poll_arms(cx);
        if poll.is_pending() {
            crate::runtime::note_wait_site(cx, this.at);
        }
        poll
    }
}

impl Run<'_, '_> {
    /// One poll of the select: its first pass, or a look at the parked arms.
    fn poll_arms(&mut self, cx: &mut Context<'_>) -> Poll<Pick> {
        let this = self;
        let n = this.arms.len();
        let Some(flag) = this.flag.clone() else {
            let arms = &mut *this.arms;
            let may = |arm: &&mut dyn Arm| arm.may_complete();
            if let Some(i) = first_ready(arms, this.priority, may, |arm| arm.try_now(cx)) {
                return Poll::Ready(Pick::Arm(i));
            }
            // A disabled arm never completes, so this costs nothing when an arm did.
            let any_enabled = this.arms.iter().any(|arm| arm.enabled());
            if !any_enabled && this.has_else {
                return Poll::Ready(Pick::Disabled);
            }
            if this.has_default {
                return Poll::Ready(Pick::Default);
            }
            assert!(
                any_enabled,
                "select! at {}: every arm is disabled (by its `if` guard, or because the value it \
                 got did not match its pattern) and there is no `else` branch, so it would wait \
                 forever; add an `else => ...` branch to say what to do then (or a `default` arm)",
                this.at
            );
            let flag = Rc::new(Flag::default());
            flag.set_waiter(cx);
            let mut parking = Parking { flag: &flag };
            for (i, arm) in this.arms.iter_mut().enumerate() {
                arm.park(i, &mut parking);
            }
            this.note_wait(cx);
            this.flag = Some(flag);
            return Poll::Pending;
        };
        if let Some(winner) = flag.committed() {
            this.arms[winner].collect();
            return this.finish(winner);
        }
        for i in 0..n {
            let completed = this.arms[i].poll_again(cx);
            // A future arm's poll may itself have completed a parked channel arm of this select, by
            // putting to, taking from or closing its channel (see the `select!` docs on a future arm
            // that completes a channel arm).
            match flag.committed() {
                None if completed => {
                    // Claim the flag so that no channel can commit another arm from now on.
                    flag.commit(i);
                    return this.finish(i);
                }
                None => {}
                // Both completed in this poll. The future wins: its output may hold values that
                // nothing could give back, whereas the channel arm loses nothing by being
                // withdrawn. A get arm's value goes back to the head of its channel; a put arm's
                // value was delivered, to the future's own get or into the buffer its get made room
                // in, and stays there. (Reporting the channel arm would drop the future's output.)
                Some(_) if completed => return this.finish(i),
                // The channel arm completed first, and wins; no later future arm is polled.
                Some(committed) => {
                    this.arms[committed].collect();
                    return this.finish(committed);
                }
            }
        }
        flag.set_waiter(cx);
        this.note_wait(cx);
        Poll::Pending
    }
}

/// Waits until exactly one of several operations completes, then runs that arm's body; the channels
/// may have different types, and an arm may also await any future.
///
/// ```text
/// select! {
///     [biased; | priority;]            // optional: try the arms in the order written
///     pattern = get(chan) => body,     // the value is an Option<T>: None once chan is closed and drained
///     pattern = put(chan, value) => body, // the value is a bool: false if chan was closed
///     pattern = future => body,        // the value is the future's output
///     pattern = get(chan), if cond => body, // any arm may have a guard: false leaves it out
///     default => body,                 // optional: taken when no arm can complete at once
///     else => body,                    // optional: taken when every arm is disabled
/// }
/// ```
///
/// Channel arms keep the exactly-once guarantee of [`select`](crate::select()): when several could
/// complete, one is chosen (at random from the loop's seeded generator, or the first written with
/// `biased;`) and no other has any effect. A future arm that completes first makes every channel arm
/// withdraw; the futures of arms that lose are dropped when the select ends. With `default`,
/// nothing is ever queued. At most 16 arms. Use it inside an `async` block.
///
/// # Patterns
///
/// An arm's pattern may be refutable, as in tokio's `select!`: `Some(v) = get(chan)` takes part
/// only while `chan` gives values. When the value an arm got does not match its pattern, the arm is
/// disabled for the rest of this select, and the select goes on waiting on the other arms. **That
/// value is consumed**: it was taken from the channel (or the put was made, or the future
/// completed) and is dropped, exactly as if a `match` without that case had thrown it away. So
/// `Some(1) = get(chan)` on a channel holding 2 takes the 2 and drops it; match on a value you
/// mean to keep (`v = get(chan) => match v { ... }`), not on a filter of it. A pattern may use
/// `mut`, `ref`, `@` and `|` as in a `match`.
///
/// # `else`
///
/// An arm is disabled by a false `if` guard or by a value that did not match its pattern. When
/// every arm is disabled, the `else` branch runs: in a loop, `else => break` leaves once every
/// channel is closed. With both `default` and `else`, `else` runs when every arm is disabled and
/// `default` when some arm is enabled but none can complete at once. A select whose arms are all
/// disabled, with neither `else` nor `default`, panics with a message that names where it was
/// written: it could never complete.
///
/// # A future arm that completes a channel arm
///
/// A future arm that completes a channel arm of the same select (it puts on or closes a channel that
/// a get arm waits on, or takes from one that a put arm waits on) follows one rule, so that no value
/// is lost:
/// - if the future is still pending after that poll, the channel arm completed first and wins; no
///   later future arm is polled;
/// - if the future completed in that same poll, both happened, and the future wins: its output may
///   hold values that nothing could give back, whereas the channel arm loses nothing by being
///   withdrawn. A value a get arm had received goes back to the head of its channel, for the next
///   get; a put arm's value stays delivered (to the future's own get, or into the buffer that get
///   made room in), though the select does not report it, and that put arm takes no part in a later
///   round of the select.
///
/// # Guards
///
/// An arm with a guard, `, if cond` before its `=>`, takes part only if `cond` is true when the
/// select starts; a false guard does not even evaluate the arm's operation (nor a put's value, nor
/// the future). This is Go's nil channel, and tokio's guard: a loop over channels leaves out the
/// ones it found closed.
///
/// ```
/// use std::time::Duration;
/// use aiochan::{select, sleep, Chan};
///
/// aiochan::Runtime::builder().virtual_time(true).build().run(async {
///     let numbers: Chan<i32> = Chan::fixed(1).add([1]);
///     let words: Chan<&str> = Chan::new();
///     let said = select! {
///         n = get(numbers) => format!("number {n:?}"),
///         ok = put(words, "hello") => format!("put {ok}"),
///         _ = sleep(Duration::from_secs(1)) => "timed out".to_string(),
///     };
///     assert_eq!(said, "number Some(1)");
///
///     let nothing = select! {
///         w = get(words) => w.unwrap_or_default(),
///         default => "nobody there",
///     };
///     assert_eq!(nothing, "nobody there");
/// });
/// ```
///
/// Getting from two channels until both are closed, with guards:
///
/// ```
/// use aiochan::{select, Chan};
///
/// aiochan::run(async {
///     let letters = Chan::fixed(2).add(["a", "b"]).close();
///     let digits = Chan::fixed(1).add(["1"]).close();
///     let (mut letters_open, mut digits_open) = (true, true);
///     let mut got = Vec::new();
///     while letters_open || digits_open {
///         select! {
///             v = get(letters), if letters_open => match v {
///                 Some(v) => got.push(v),
///                 None => letters_open = false,
///             },
///             v = get(digits), if digits_open => match v {
///                 Some(v) => got.push(v),
///                 None => digits_open = false,
///             },
///         }
///     }
///     got.sort();
///     assert_eq!(got, ["1", "a", "b"]);
/// });
/// ```
///
/// The same loop with patterns and `else`, as tokio users write it: a closed channel disables its
/// arm for that select, and `else` leaves once both are closed.
///
/// ```
/// use aiochan::{select, Chan};
///
/// aiochan::run(async {
///     let letters = Chan::fixed(2).add(["a", "b"]).close();
///     let digits = Chan::fixed(1).add(["1"]).close();
///     let mut got = Vec::new();
///     loop {
///         select! {
///             Some(v) = get(letters) => got.push(v),
///             Some(v) = get(digits) => got.push(v),
///             else => break,
///         }
///     }
///     got.sort();
///     assert_eq!(got, ["1", "a", "b"]);
/// });
/// ```
///
/// A value that does not match is consumed, and the select waits on the other arms:
///
/// ```
/// use aiochan::{select, Chan};
///
/// aiochan::run(async {
///     let numbers: Chan<i32> = Chan::fixed(2).add([-1, 2]);
///     let words: Chan<&str> = Chan::fixed(1).add(["w"]);
///     let got = select! {
///         biased;
///         Some(n @ 0..) = get(numbers) => format!("natural {n}"),
///         Some(w) = get(words) => format!("word {w}"),
///     };
///     assert_eq!(got, "word w");
///     assert_eq!(numbers.try_get(), Ok(2), "the -1 is gone");
/// });
/// ```
#[macro_export]
macro_rules! select {
    (biased; $($rest:tt)*) => {
        $crate::select!(@parse true [] [] [] [_a0 _a1 _a2 _a3 _a4 _a5 _a6 _a7 _a8 _a9 _a10 _a11 _a12 _a13 _a14 _a15]
            [0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15] $($rest)*)
    };
    (priority; $($rest:tt)*) => {
        $crate::select!(biased; $($rest)*)
    };
    // All arms parsed: expand. Each round runs the arms still enabled; an arm whose value does not
    // match its pattern is switched off and the select goes on with the others. The bodies run
    // after the loop, so that a `break` or `continue` in a body means the user's loop.
    (@parse $prio:tt [$([$id:ident $idx:tt $kind:ident ($($args:tt)*) [$($pat:tt)*] [$($guard:tt)*] $body:tt])*]
        [$($default:tt)?] [$($else:tt)?] [$($ids:ident)*] [$($idxs:tt)*]) => {{
        $( let mut $id = $crate::__private::select::switch($crate::select!(@arm [$($guard)*] $kind ($($args)*))); )*
        let __aiochan_pick = loop {
            let __aiochan_pick = $crate::__private::select::run(
                &mut [$( &mut $id as &mut dyn $crate::__private::select::Arm ),*],
                $prio,
                $crate::select!(@has $($default)?),
                $crate::select!(@has $($else)?),
            )
            .await;
            match __aiochan_pick {
                $( $crate::__private::select::Pick::Arm($idx) => {
                    match $crate::__private::select::Chosen::peek(&$id) {
                        #[allow(unused_variables)]
                        $crate::select!(@clean [] [] $($pat)*) => break __aiochan_pick,
                        #[allow(unreachable_patterns)]
                        _ => $crate::__private::select::Switch::disable(&mut $id),
                    }
                } )*
                _ => break __aiochan_pick,
            }
        };
        match __aiochan_pick {
            $( $crate::__private::select::Pick::Arm($idx) => {
                match $crate::__private::select::Chosen::take(&mut $id) {
                    #[allow(unused_variables)]
                    $($pat)* => $body,
                    #[allow(unreachable_patterns)]
                    _ => ::core::unreachable!("select!: the value matched its pattern"),
                }
            } )*
            $crate::__private::select::Pick::Default => $crate::select!(@branch "default" $($default)?),
            $crate::__private::select::Pick::Disabled => $crate::select!(@branch "else" $($else)?),
            $crate::__private::select::Pick::Arm(_) => ::core::unreachable!(),
        }
    }};
    (@arm [] $kind:ident ($($args:tt)*)) => {
        ::core::option::Option::Some($crate::__private::select::$kind($($args)*))
    };
    // A guarded arm's operation (and a put's value, or the future) is not even evaluated when the
    // guard is false.
    (@arm [$guard:expr] $kind:ident ($($args:tt)*)) => {
        if $guard {
            ::core::option::Option::Some($crate::__private::select::$kind($($args)*))
        } else {
            ::core::option::Option::None
        }
    };
    (@has) => { false };
    (@has $branch:tt) => { true };
    (@branch $name:literal) => { ::core::unreachable!(::core::concat!("select! without `", $name, "` never picks it")) };
    (@branch $name:literal $body:tt) => { $body };
    // A pattern without `mut` and `ref`, to test a value through a reference before the real
    // pattern moves it: the pattern's tokens, with a stack of the groups being rewritten.
    (@clean $out:tt $stack:tt mut $($rest:tt)*) => { $crate::select!(@clean $out $stack $($rest)*) };
    (@clean $out:tt $stack:tt ref $($rest:tt)*) => { $crate::select!(@clean $out $stack $($rest)*) };
    (@clean $out:tt [$($stack:tt)*] ($($inner:tt)*) $($rest:tt)*) => {
        $crate::select!(@clean [] [[paren $out [$($rest)*]] $($stack)*] $($inner)*)
    };
    (@clean $out:tt [$($stack:tt)*] [$($inner:tt)*] $($rest:tt)*) => {
        $crate::select!(@clean [] [[bracket $out [$($rest)*]] $($stack)*] $($inner)*)
    };
    (@clean $out:tt [$($stack:tt)*] {$($inner:tt)*} $($rest:tt)*) => {
        $crate::select!(@clean [] [[brace $out [$($rest)*]] $($stack)*] $($inner)*)
    };
    (@clean [$($out:tt)*] $stack:tt $token:tt $($rest:tt)*) => {
        $crate::select!(@clean [$($out)* $token] $stack $($rest)*)
    };
    (@clean [$($inner:tt)*] [[paren [$($out:tt)*] [$($rest:tt)*]] $($stack:tt)*]) => {
        $crate::select!(@clean [$($out)* ($($inner)*)] [$($stack)*] $($rest)*)
    };
    (@clean [$($inner:tt)*] [[bracket [$($out:tt)*] [$($rest:tt)*]] $($stack:tt)*]) => {
        $crate::select!(@clean [$($out)* [$($inner)*]] [$($stack)*] $($rest)*)
    };
    (@clean [$($inner:tt)*] [[brace [$($out:tt)*] [$($rest:tt)*]] $($stack:tt)*]) => {
        $crate::select!(@clean [$($out)* {$($inner)*}] [$($stack)*] $($rest)*)
    };
    (@clean [$($out:tt)*] []) => { $($out)* };
    // Arm heads: `default`, `else`, or a pattern, whose tokens are gathered up to its `=`.
    (@parse $prio:tt $arms:tt $default:tt $else:tt $ids:tt $idxs:tt default $($rest:tt)*) => {
        $crate::select!(@body $prio $arms $default $else $ids $idxs (default) $($rest)*)
    };
    (@parse $prio:tt $arms:tt $default:tt $else:tt $ids:tt $idxs:tt else $($rest:tt)*) => {
        $crate::select!(@body $prio $arms $default $else $ids $idxs (else) $($rest)*)
    };
    (@parse $prio:tt $arms:tt $default:tt $else:tt [] $idxs:tt $($rest:tt)+) => {
        ::core::compile_error!("select! takes at most 16 arms")
    };
    (@parse $prio:tt $arms:tt $default:tt $else:tt $ids:tt $idxs:tt $($rest:tt)+) => {
        $crate::select!(@pat $prio $arms $default $else $ids $idxs [] $($rest)+)
    };
    (@pat $prio:tt $arms:tt $default:tt $else:tt [$id:ident $($ids:ident)*] [$idx:tt $($idxs:tt)*] $pat:tt
        = get($chan:expr), if $guard:expr => $($rest:tt)*) => {
        $crate::select!(@body $prio $arms $default $else [$($ids)*] [$($idxs)*]
            ($id $idx get (&$chan) $pat [$guard]) => $($rest)*)
    };
    (@pat $prio:tt $arms:tt $default:tt $else:tt [$id:ident $($ids:ident)*] [$idx:tt $($idxs:tt)*] $pat:tt
        = get($chan:expr) => $($rest:tt)*) => {
        $crate::select!(@body $prio $arms $default $else [$($ids)*] [$($idxs)*]
            ($id $idx get (&$chan) $pat []) => $($rest)*)
    };
    (@pat $prio:tt $arms:tt $default:tt $else:tt [$id:ident $($ids:ident)*] [$idx:tt $($idxs:tt)*] $pat:tt
        = put($chan:expr, $value:expr), if $guard:expr => $($rest:tt)*) => {
        $crate::select!(@body $prio $arms $default $else [$($ids)*] [$($idxs)*]
            ($id $idx put (&$chan, $value) $pat [$guard]) => $($rest)*)
    };
    (@pat $prio:tt $arms:tt $default:tt $else:tt [$id:ident $($ids:ident)*] [$idx:tt $($idxs:tt)*] $pat:tt
        = put($chan:expr, $value:expr) => $($rest:tt)*) => {
        $crate::select!(@body $prio $arms $default $else [$($ids)*] [$($idxs)*]
            ($id $idx put (&$chan, $value) $pat []) => $($rest)*)
    };
    (@pat $prio:tt $arms:tt $default:tt $else:tt [$id:ident $($ids:ident)*] [$idx:tt $($idxs:tt)*] $pat:tt
        = $future:expr, if $guard:expr => $($rest:tt)*) => {
        $crate::select!(@body $prio $arms $default $else [$($ids)*] [$($idxs)*]
            ($id $idx future ($future) $pat [$guard]) => $($rest)*)
    };
    (@pat $prio:tt $arms:tt $default:tt $else:tt [$id:ident $($ids:ident)*] [$idx:tt $($idxs:tt)*] $pat:tt
        = $future:expr => $($rest:tt)*) => {
        $crate::select!(@body $prio $arms $default $else [$($ids)*] [$($idxs)*]
            ($id $idx future ($future) $pat []) => $($rest)*)
    };
    (@pat $prio:tt $arms:tt $default:tt $else:tt $ids:tt $idxs:tt [$($pat:tt)*] $token:tt $($rest:tt)*) => {
        $crate::select!(@pat $prio $arms $default $else $ids $idxs [$($pat)* $token] $($rest)*)
    };
    // Arm bodies: `default` and `else` fill their slot (once); an arm joins the list.
    (@body $prio:tt $arms:tt $default:tt $else:tt $ids:tt $idxs:tt $head:tt => $body:block , $($rest:tt)*) => {
        $crate::select!(@add $prio $arms $default $else $ids $idxs $head $body $($rest)*)
    };
    (@body $prio:tt $arms:tt $default:tt $else:tt $ids:tt $idxs:tt $head:tt => $body:block $($rest:tt)*) => {
        $crate::select!(@add $prio $arms $default $else $ids $idxs $head $body $($rest)*)
    };
    (@body $prio:tt $arms:tt $default:tt $else:tt $ids:tt $idxs:tt $head:tt => $body:expr , $($rest:tt)*) => {
        $crate::select!(@add $prio $arms $default $else $ids $idxs $head $body $($rest)*)
    };
    (@body $prio:tt $arms:tt $default:tt $else:tt $ids:tt $idxs:tt $head:tt => $body:expr) => {
        $crate::select!(@add $prio $arms $default $else $ids $idxs $head $body)
    };
    (@add $prio:tt $arms:tt [] $else:tt $ids:tt $idxs:tt (default) $body:tt $($rest:tt)*) => {
        $crate::select!(@parse $prio $arms [$body] $else $ids $idxs $($rest)*)
    };
    (@add $prio:tt $arms:tt $default:tt $else:tt $ids:tt $idxs:tt (default) $($rest:tt)*) => {
        ::core::compile_error!("select! takes at most one `default` arm")
    };
    (@add $prio:tt $arms:tt $default:tt [] $ids:tt $idxs:tt (else) $body:tt $($rest:tt)*) => {
        $crate::select!(@parse $prio $arms $default [$body] $ids $idxs $($rest)*)
    };
    (@add $prio:tt $arms:tt $default:tt $else:tt $ids:tt $idxs:tt (else) $($rest:tt)*) => {
        ::core::compile_error!("select! takes at most one `else` branch")
    };
    (@add $prio:tt [$($arms:tt)*] $default:tt $else:tt $ids:tt $idxs:tt ($($head:tt)*) $body:tt $($rest:tt)*) => {
        $crate::select!(@parse $prio [$($arms)* [$($head)* $body]] $default $else $ids $idxs $($rest)*)
    };
    // Without `biased;`: random order.
    ($($rest:tt)*) => {
        $crate::select!(@parse false [] [] [] [_a0 _a1 _a2 _a3 _a4 _a5 _a6 _a7 _a8 _a9 _a10 _a11 _a12 _a13 _a14 _a15]
            [0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15] $($rest)*)
    };
}
