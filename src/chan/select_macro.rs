//! The machinery behind the `select!` macro: arms of different types behind one trait, run with
//! the same two passes and shared flag as [`select`](super::select).
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
    /// Whether the arm takes part (an arm whose `if` guard was false does not).
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
    chan: &'a Chan<T>,
    key: Option<usize>,
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

impl<T: 'static> GetArm<'_, T> {
    /// The value got (`None`: the channel is closed and drained).
    pub fn take(&mut self) -> Option<T> {
        self.result
            .take()
            .expect("select!: the chosen arm has its result")
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
    chan: &'a Chan<T>,
    value: Option<T>,
    key: Option<usize>,
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

impl<T: 'static> PutArm<'_, T> {
    /// Whether the value was accepted (`false`: the channel was closed).
    pub fn take(&mut self) -> bool {
        self.result
            .take()
            .expect("select!: the chosen arm has its result")
    }
}

impl<T: 'static> Arm for PutArm<'_, T> {
    fn may_complete(&self) -> bool {
        self.chan.state.borrow().may_put()
    }

    fn try_now(&mut self, _: &mut Context<'_>) -> bool {
        let value = self.value.take().expect("a put arm holds its value");
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
        let value = self
            .value
            .take()
            .expect("a put arm holds its value until parked");
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

    fn withdraw(&mut self) {
        self.chan.drop_put(&mut self.key);
    }
}

impl<T: 'static> Drop for PutArm<'_, T> {
    fn drop(&mut self) {
        self.withdraw();
    }
}

/// An arm awaiting any future.
pub struct FutureArm<F: Future> {
    future: Pin<Box<F>>,
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

impl<F: Future> FutureArm<F> {
    /// The future's output.
    pub fn take(&mut self) -> F::Output {
        self.result
            .take()
            .expect("select!: the chosen arm has its result")
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

/// An arm with an `if` guard: `None` when the guard was false, which leaves the arm out of the
/// select (its operation is never started, nor is a put's value or a future evaluated).
pub struct Guarded<A>(Option<A>);

/// Makes a guarded arm: `Some` arm if its guard held, `None` for a disabled one.
#[inline]
pub fn guarded<A: Arm>(arm: Option<A>) -> Guarded<A> {
    Guarded(arm)
}

/// The result of a chosen arm, for its body.
pub trait Chosen {
    /// What the arm's pattern binds.
    type Output;
    /// Takes the result of the arm that completed.
    fn take(&mut self) -> Self::Output;
}

impl<T: 'static> Chosen for GetArm<'_, T> {
    type Output = Option<T>;
    fn take(&mut self) -> Option<T> {
        GetArm::take(self)
    }
}

impl<T: 'static> Chosen for PutArm<'_, T> {
    type Output = bool;
    fn take(&mut self) -> bool {
        PutArm::take(self)
    }
}

impl<F: Future> Chosen for FutureArm<F> {
    type Output = F::Output;
    fn take(&mut self) -> F::Output {
        FutureArm::take(self)
    }
}

impl<A: Chosen> Chosen for Guarded<A> {
    type Output = A::Output;
    fn take(&mut self) -> A::Output {
        self.0
            .as_mut()
            .expect("select!: a disabled arm is never chosen")
            .take()
    }
}

impl<A: Arm> Arm for Guarded<A> {
    fn enabled(&self) -> bool {
        self.0.is_some()
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

/// The future a `select!` awaits: the index of the arm that completed, or `None` for the default.
pub struct Run<'a, 'b> {
    arms: &'a mut [&'b mut dyn Arm],
    priority: bool,
    has_default: bool,
    flag: Option<Rc<Flag>>,
    /// Where the `select!` was written, for reports.
    at: &'static std::panic::Location<'static>,
}

/// Runs the arms (see the module doc).
#[inline]
#[track_caller]
pub fn run<'a, 'b>(
    arms: &'a mut [&'b mut dyn Arm],
    priority: bool,
    has_default: bool,
) -> Run<'a, 'b> {
    assert!(
        !arms.is_empty() && arms.len() <= MAX_ARMS,
        "select! takes between 1 and {MAX_ARMS} arms besides `default`"
    );
    Run {
        arms,
        priority,
        has_default,
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
    fn finish(&mut self, winner: usize) -> Poll<Option<usize>> {
        for (i, arm) in self.arms.iter_mut().enumerate() {
            if i != winner {
                arm.withdraw();
            }
        }
        Poll::Ready(Some(winner))
    }
}

impl Future for Run<'_, '_> {
    type Output = Option<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<usize>> {
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
    fn poll_arms(&mut self, cx: &mut Context<'_>) -> Poll<Option<usize>> {
        let this = self;
        let n = this.arms.len();
        let Some(flag) = this.flag.clone() else {
            let arms = &mut *this.arms;
            let may = |arm: &&mut dyn Arm| arm.may_complete();
            if let Some(i) = first_ready(arms, this.priority, may, |arm| arm.try_now(cx)) {
                return Poll::Ready(Some(i));
            }
            if this.has_default {
                return Poll::Ready(None);
            }
            assert!(
                this.arms.iter().any(|arm| arm.enabled()),
                "select!: every arm is disabled by its `if` guard and there is no `default` arm, \
                 so it would wait forever; add a `default` arm or leave the loop once no arm is enabled"
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
///     pattern = get(chan) => body,     // pattern binds Option<T>: None once chan is closed and drained
///     pattern = put(chan, value) => body, // pattern binds bool: false if chan was closed
///     pattern = future => body,        // pattern binds the future's output
///     pattern = get(chan), if cond => body, // any arm may have a guard: false leaves it out
///     default => body,                 // optional: taken when no arm can complete at once
/// }
/// ```
///
/// Channel arms keep the exactly-once guarantee of [`select`](crate::select()): when several could
/// complete, one is chosen (at random from the loop's seeded generator, or the first written with
/// `biased;`) and no other has any effect. A future arm that completes first makes every channel arm
/// withdraw; the futures of arms that lose are dropped. With `default`, nothing is ever queued. At
/// most 16 arms; patterns must be irrefutable. Use it inside an `async` block.
///
/// A future arm that completes a channel arm of the same select (it puts on or closes a channel that
/// a get arm waits on, or takes from one that a put arm waits on) follows one rule, so that no value
/// is lost:
/// - if the future is still pending after that poll, the channel arm completed first and wins; the
///   future is dropped as any losing arm's is, and no later future arm is polled;
/// - if the future completed in that same poll, both happened, and the future wins: its output may
///   hold values that nothing could give back, whereas the channel arm loses nothing by being
///   withdrawn. A value a get arm had received goes back to the head of its channel, for the next
///   get; a put arm's value stays delivered (to the future's own get, or into the buffer that get
///   made room in), though the select does not report it.
///
/// An arm with a guard, `, if cond` before its `=>`, takes part only if `cond` is true when the
/// select starts; a false guard does not even evaluate the arm's operation (nor a put's value, nor
/// the future). This is Go's nil channel, and tokio's guard: a loop over channels leaves out the
/// ones it found closed. A select whose arms are all disabled, without `default`, panics: it could
/// never complete.
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
#[macro_export]
macro_rules! select {
    (biased; $($rest:tt)*) => {
        $crate::select!(@parse true [] [] [_a0 _a1 _a2 _a3 _a4 _a5 _a6 _a7 _a8 _a9 _a10 _a11 _a12 _a13 _a14 _a15]
            [0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15] $($rest)*)
    };
    (priority; $($rest:tt)*) => {
        $crate::select!(biased; $($rest)*)
    };
    // All arms parsed: expand.
    (@parse $prio:tt [$([$id:ident $idx:tt $kind:ident ($($args:tt)*) $pat:tt [$($guard:tt)*] $body:tt])*]
        [$($default:tt)?] [$($ids:ident)*] [$($idxs:tt)*]) => {{
        $( let mut $id = $crate::select!(@arm [$($guard)*] $kind ($($args)*)); )*
        let __aiochan_chosen = $crate::__private::select::run(
            &mut [$( &mut $id as &mut dyn $crate::__private::select::Arm ),*],
            $prio,
            $crate::select!(@has_default $($default)?),
        )
        .await;
        match __aiochan_chosen {
            $( ::core::option::Option::Some($idx) => {
                #[allow(unused_variables)]
                let $pat = $crate::__private::select::Chosen::take(&mut $id);
                $body
            } )*
            ::core::option::Option::None => $crate::select!(@default $($default)?),
            ::core::option::Option::Some(_) => ::core::unreachable!(),
        }
    }};
    (@arm [] $kind:ident ($($args:tt)*)) => {
        $crate::__private::select::$kind($($args)*)
    };
    // A guarded arm's operation (and a put's value, or the future) is not even evaluated when the
    // guard is false.
    (@arm [$guard:expr] $kind:ident ($($args:tt)*)) => {
        $crate::__private::select::guarded(if $guard {
            ::core::option::Option::Some($crate::__private::select::$kind($($args)*))
        } else {
            ::core::option::Option::None
        })
    };
    (@has_default) => { false };
    (@has_default $default:tt) => { true };
    (@default) => { ::core::unreachable!("select! without default never completes without an arm") };
    (@default $default:tt) => { $default };
    // Arm heads.
    (@parse $prio:tt $arms:tt $default:tt $ids:tt $idxs:tt default $($rest:tt)*) => {
        $crate::select!(@body $prio $arms $default $ids $idxs (default) $($rest)*)
    };
    (@parse $prio:tt $arms:tt $default:tt [$id:ident $($ids:ident)*] [$idx:tt $($idxs:tt)*]
        $pat:pat = get($chan:expr), if $guard:expr => $($rest:tt)*) => {
        $crate::select!(@body $prio $arms $default [$($ids)*] [$($idxs)*]
            ($id $idx get (&$chan) $pat [$guard]) => $($rest)*)
    };
    (@parse $prio:tt $arms:tt $default:tt [$id:ident $($ids:ident)*] [$idx:tt $($idxs:tt)*]
        $pat:pat = get($chan:expr) => $($rest:tt)*) => {
        $crate::select!(@body $prio $arms $default [$($ids)*] [$($idxs)*]
            ($id $idx get (&$chan) $pat []) => $($rest)*)
    };
    (@parse $prio:tt $arms:tt $default:tt [$id:ident $($ids:ident)*] [$idx:tt $($idxs:tt)*]
        $pat:pat = put($chan:expr, $value:expr), if $guard:expr => $($rest:tt)*) => {
        $crate::select!(@body $prio $arms $default [$($ids)*] [$($idxs)*]
            ($id $idx put (&$chan, $value) $pat [$guard]) => $($rest)*)
    };
    (@parse $prio:tt $arms:tt $default:tt [$id:ident $($ids:ident)*] [$idx:tt $($idxs:tt)*]
        $pat:pat = put($chan:expr, $value:expr) => $($rest:tt)*) => {
        $crate::select!(@body $prio $arms $default [$($ids)*] [$($idxs)*]
            ($id $idx put (&$chan, $value) $pat []) => $($rest)*)
    };
    (@parse $prio:tt $arms:tt $default:tt [$id:ident $($ids:ident)*] [$idx:tt $($idxs:tt)*]
        $pat:pat = $future:expr, if $guard:expr => $($rest:tt)*) => {
        $crate::select!(@body $prio $arms $default [$($ids)*] [$($idxs)*]
            ($id $idx future ($future) $pat [$guard]) => $($rest)*)
    };
    (@parse $prio:tt $arms:tt $default:tt [$id:ident $($ids:ident)*] [$idx:tt $($idxs:tt)*]
        $pat:pat = $future:expr => $($rest:tt)*) => {
        $crate::select!(@body $prio $arms $default [$($ids)*] [$($idxs)*]
            ($id $idx future ($future) $pat []) => $($rest)*)
    };
    (@parse $prio:tt $arms:tt $default:tt [] $($rest:tt)*) => {
        ::core::compile_error!("select! takes at most 16 arms")
    };
    // Arm bodies.
    (@body $prio:tt $arms:tt [] $ids:tt $idxs:tt (default) => $body:block , $($rest:tt)*) => {
        $crate::select!(@parse $prio $arms [$body] $ids $idxs $($rest)*)
    };
    (@body $prio:tt $arms:tt [] $ids:tt $idxs:tt (default) => $body:block $($rest:tt)*) => {
        $crate::select!(@parse $prio $arms [$body] $ids $idxs $($rest)*)
    };
    (@body $prio:tt $arms:tt [] $ids:tt $idxs:tt (default) => $body:expr , $($rest:tt)*) => {
        $crate::select!(@parse $prio $arms [$body] $ids $idxs $($rest)*)
    };
    (@body $prio:tt $arms:tt [] $ids:tt $idxs:tt (default) => $body:expr) => {
        $crate::select!(@parse $prio $arms [$body] $ids $idxs)
    };
    (@body $prio:tt $arms:tt [$_:tt] $ids:tt $idxs:tt (default) $($rest:tt)*) => {
        ::core::compile_error!("select! takes at most one `default` arm")
    };
    (@body $prio:tt [$($arms:tt)*] $default:tt $ids:tt $idxs:tt ($($head:tt)*) => $body:block , $($rest:tt)*) => {
        $crate::select!(@parse $prio [$($arms)* [$($head)* $body]] $default $ids $idxs $($rest)*)
    };
    (@body $prio:tt [$($arms:tt)*] $default:tt $ids:tt $idxs:tt ($($head:tt)*) => $body:block $($rest:tt)*) => {
        $crate::select!(@parse $prio [$($arms)* [$($head)* $body]] $default $ids $idxs $($rest)*)
    };
    (@body $prio:tt [$($arms:tt)*] $default:tt $ids:tt $idxs:tt ($($head:tt)*) => $body:expr , $($rest:tt)*) => {
        $crate::select!(@parse $prio [$($arms)* [$($head)* $body]] $default $ids $idxs $($rest)*)
    };
    (@body $prio:tt [$($arms:tt)*] $default:tt $ids:tt $idxs:tt ($($head:tt)*) => $body:expr) => {
        $crate::select!(@parse $prio [$($arms)* [$($head)* $body]] $default $ids $idxs)
    };
    // Without `biased;`: random order.
    ($($rest:tt)*) => {
        $crate::select!(@parse false [] [] [_a0 _a1 _a2 _a3 _a4 _a5 _a6 _a7 _a8 _a9 _a10 _a11 _a12 _a13 _a14 _a15]
            [0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15] $($rest)*)
    };
}
