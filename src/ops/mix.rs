//! Mix (core.async's mix): several inputs into one output, each input soloed, muted or paused.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use super::Out;
use crate::{go, select, Chan, Op};

/// How one input of a [`Mix`] is treated (core.async's `:solo`, `:mute` and `:pause` flags).
///
/// ```
/// use aiochan::ops::MixState;
///
/// let muted = MixState { mute: true, ..MixState::default() };
/// assert!(!muted.solo && !muted.pause);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MixState {
    /// Soloed: while any input is soloed, only soloed inputs reach the output; the others are
    /// muted or paused, as the [`SoloMode`] says. A soloed input's `mute` and `pause` are ignored.
    pub solo: bool,
    /// Muted: the input's values are still taken, but dropped.
    pub mute: bool,
    /// Paused: the input's values are not taken at all; they wait in the input.
    pub pause: bool,
}

/// What happens to the inputs that are not soloed while some input is (core.async's
/// `solo-mode`).
///
/// ```
/// use aiochan::ops::SoloMode;
///
/// assert_eq!(SoloMode::default(), SoloMode::Mute);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SoloMode {
    /// They are muted: taken and dropped (the default). An input that is also paused stays paused.
    #[default]
    Mute,
    /// They are paused: not taken.
    Pause,
}

/// A mix (core.async's `mix`): puts the values of a changing set of inputs on one output, as they
/// come, each input soloed, muted or paused as its [`MixState`] says.
///
/// Inputs join with [`admix`](Mix::admix) (or [`toggle`](Mix::toggle)) and leave with
/// [`unmix`](Mix::unmix), or by being closed and drained. Changes take effect at once: the mixing
/// task waits on a change signal together with the inputs, so it never waits on an input it should
/// no longer read, and every value taken after the change returns follows the new states. (A value
/// taken just before is delivered under the states it was taken with.) When several inputs have a
/// value ready, the loop's seeded generator picks which is taken first.
///
/// The mix never closes its output, even a closing [`Out`]: its inputs come and go, so it has no
/// end of its own. Closing the output stops the mix; values not yet taken stay in the inputs.
///
/// Handles are cheap to clone; every clone is the same mix.
///
/// ```
/// use aiochan::{ops::{Mix, MixState, Out}, Chan};
///
/// aiochan::run(async {
///     let mix = Mix::new(Out::fixed(8));
///     let (music, noise) = (Chan::fixed(2).add([1, 2]), Chan::fixed(2).add([-1, -2]));
///     mix.admix(&music);
///     mix.toggle(&noise, MixState { mute: true, ..MixState::default() });
///     assert_eq!(mix.out().get().await, Some(1));
///     assert_eq!(mix.out().get().await, Some(2));
///     aiochan::nop().await;
///     assert!(noise.try_get().is_err()); // taken, and dropped
///     assert!(mix.out().try_get().is_err());
/// });
/// ```
pub struct Mix<T: 'static> {
    shared: Rc<Shared<T>>,
}

/// What the handles and the mixing task share.
struct Shared<T: 'static> {
    /// Where the values go.
    out: Chan<T>,
    /// The inputs and their states.
    state: RefCell<State<T>>,
}

/// The mutable part of a mix.
struct State<T: 'static> {
    /// The inputs in the order they joined, with their states; changed by the handles, and by the
    /// task when an input turns out closed and drained.
    inputs: Vec<(Chan<T>, MixState)>,
    /// What happens to inputs that are not soloed while some input is.
    solo_mode: SoloMode,
    /// The change signal: never given a value, closed and replaced on every change, which wakes the
    /// task out of its select. A closed channel, unlike a value, needs no `T`.
    change: Chan<T>,
    /// Set once the output turned out closed: the task has ended.
    stopped: bool,
}

impl<T: 'static> State<T> {
    /// Wakes the mixing task to read the new states.
    fn changed(&mut self) {
        self.change.close();
        self.change = Chan::new();
    }

    /// The inputs to read now, each with whether its values go to the output, and the change
    /// signal to wait on with them.
    fn plan(&self) -> (Vec<(Chan<T>, bool)>, Chan<T>) {
        let soloing = self.inputs.iter().any(|(_, s)| s.solo);
        let reads = self
            .inputs
            .iter()
            .filter_map(|(input, s)| {
                let (read, deliver) = if s.solo {
                    (true, true)
                } else if soloing {
                    (self.solo_mode == SoloMode::Mute && !s.pause, false)
                } else {
                    (!s.pause, !s.mute)
                };
                read.then(|| (input.clone(), deliver))
            })
            .collect();
        (reads, self.change.clone())
    }
}

impl<T: 'static> Mix<T> {
    /// A mix with no inputs yet, feeding `out` (core.async's `mix`); see [`Mix`].
    ///
    /// ```
    /// use aiochan::{ops::{Mix, Out}, Chan};
    ///
    /// aiochan::run(async {
    ///     let out = Chan::fixed(4);
    ///     let mix = Mix::new(Out::to(&out));
    ///     mix.admix(&Chan::fixed(1).add(["a"]));
    ///     assert_eq!(out.get().await, Some("a"));
    /// });
    /// ```
    ///
    /// # Panics
    /// Outside a running loop.
    #[track_caller]
    pub fn new(out: Out<T>) -> Mix<T> {
        let _api = crate::runtime::calling("ops::Mix::new");
        let shared = Rc::new(Shared {
            out: out.chan().clone(),
            state: RefCell::new(State {
                inputs: Vec::new(),
                solo_mode: SoloMode::Mute,
                change: Chan::new(),
                stopped: false,
            }),
        });
        go(mixing(shared.clone()));
        Mix { shared }
    }

    /// Adds `input` to the mix, with every flag off; an input already in the mix keeps its state.
    ///
    /// ```
    /// use aiochan::{ops::{Mix, Out}, Chan};
    ///
    /// aiochan::run(async {
    ///     let mix = Mix::new(Out::new());
    ///     let input = Chan::<u8>::new();
    ///     mix.admix(&input);
    ///     mix.admix(&input);
    ///     assert_eq!(mix.inputs(), 1);
    /// });
    /// ```
    pub fn admix(&self, input: &Chan<T>) {
        let mut st = self.shared.state.borrow_mut();
        if !st.inputs.iter().any(|(c, _)| c == input) {
            st.inputs.push((input.clone(), MixState::default()));
            st.changed();
        }
    }

    /// Removes `input` from the mix; its values from now on stay in it. A value already taken from
    /// it is still delivered.
    ///
    /// ```
    /// use aiochan::{ops::{Mix, Out}, Chan};
    ///
    /// aiochan::run(async {
    ///     let mix = Mix::new(Out::fixed(1));
    ///     let input = Chan::fixed(1);
    ///     mix.admix(&input);
    ///     mix.unmix(&input);
    ///     input.add([1]);
    ///     aiochan::nop().await;
    ///     assert_eq!(input.try_get(), Ok(1));
    /// });
    /// ```
    pub fn unmix(&self, input: &Chan<T>) {
        let mut st = self.shared.state.borrow_mut();
        st.inputs.retain(|(c, _)| c != input);
        st.changed();
    }

    /// Removes every input from the mix.
    ///
    /// ```
    /// use aiochan::{ops::{Mix, Out}, Chan};
    ///
    /// aiochan::run(async {
    ///     let mix = Mix::new(Out::new());
    ///     mix.admix(&Chan::<u8>::new());
    ///     mix.unmix_all();
    ///     assert_eq!(mix.inputs(), 0);
    /// });
    /// ```
    pub fn unmix_all(&self) {
        let mut st = self.shared.state.borrow_mut();
        st.inputs.clear();
        st.changed();
    }

    /// Sets the state of `input` (all three flags at once, replacing the old ones), adding it to the
    /// mix if it is not in it: an input can join muted or paused from the start.
    ///
    /// ```
    /// use aiochan::{ops::{Mix, MixState, Out}, Chan};
    ///
    /// aiochan::run(async {
    ///     let mix = Mix::new(Out::fixed(1));
    ///     let input = Chan::fixed(1).add([7]);
    ///     let paused = MixState { pause: true, ..MixState::default() };
    ///     mix.toggle(&input, paused);
    ///     aiochan::nop().await;
    ///     assert_eq!(mix.state(&input), Some(paused));
    ///     assert!(mix.out().try_get().is_err());
    ///     mix.toggle(&input, MixState::default());
    ///     assert_eq!(mix.out().get().await, Some(7));
    /// });
    /// ```
    pub fn toggle(&self, input: &Chan<T>, state: MixState) {
        let mut st = self.shared.state.borrow_mut();
        match st.inputs.iter_mut().find(|(c, _)| c == input) {
            Some(entry) => entry.1 = state,
            None => st.inputs.push((input.clone(), state)),
        }
        st.changed();
    }

    /// Sets what happens to the inputs that are not soloed while some input is; [`SoloMode::Mute`]
    /// until changed.
    ///
    /// ```
    /// use aiochan::{ops::{Mix, MixState, Out, SoloMode}, Chan};
    ///
    /// aiochan::run(async {
    ///     let mix = Mix::new(Out::fixed(4));
    ///     mix.solo_mode(SoloMode::Pause);
    ///     let (lead, rest) = (Chan::new(), Chan::fixed(1).add(["waits"]));
    ///     mix.toggle(&lead, MixState { solo: true, ..MixState::default() });
    ///     mix.admix(&rest);
    ///     lead.put("solo").await;
    ///     assert_eq!(mix.out().get().await, Some("solo"));
    ///     assert_eq!(rest.try_get(), Ok("waits"));
    /// });
    /// ```
    pub fn solo_mode(&self, mode: SoloMode) {
        let mut st = self.shared.state.borrow_mut();
        st.solo_mode = mode;
        st.changed();
    }

    /// The state of `input`, or `None` if it is not in the mix.
    pub fn state(&self, input: &Chan<T>) -> Option<MixState> {
        let st = self.shared.state.borrow();
        st.inputs.iter().find(|(c, _)| c == input).map(|(_, s)| *s)
    }

    /// The number of inputs.
    pub fn inputs(&self) -> usize {
        self.shared.state.borrow().inputs.len()
    }

    /// The output (core.async's `muxch`).
    pub fn out(&self) -> &Chan<T> {
        &self.shared.out
    }
}

/// The mixing task.
async fn mixing<T: 'static>(shared: Rc<Shared<T>>) {
    while !shared.out.is_closed() {
        // Planned afresh each time round, so that the select reflects every change made meanwhile.
        let (reads, change) = shared.state.borrow().plan();
        let ops = reads
            .iter()
            .map(|(input, _)| Op::get(input))
            .chain([Op::get(&change)]);
        let chosen = select(ops).await;
        let Some((input, deliver)) = reads.get(chosen.index) else {
            continue;
        };
        match chosen.value() {
            Some(value) => {
                if *deliver && !shared.out.put(value).await {
                    break;
                }
            }
            None => shared.state.borrow_mut().inputs.retain(|(c, _)| c != input),
        }
    }
    shared.state.borrow_mut().stopped = true;
}

impl<T: 'static> Clone for Mix<T> {
    fn clone(&self) -> Mix<T> {
        Mix {
            shared: self.shared.clone(),
        }
    }
}

impl<T: 'static> fmt::Debug for Mix<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Ok(st) = self.shared.state.try_borrow() else {
            return f.write_str("Mix { <in use> }");
        };
        let count = |flag: fn(&MixState) -> bool| st.inputs.iter().filter(|(_, s)| flag(s)).count();
        f.debug_struct("Mix")
            .field("out", &self.shared.out)
            .field("inputs", &st.inputs.len())
            .field("soloed", &count(|s| s.solo))
            .field("muted", &count(|s| s.mute))
            .field("paused", &count(|s| s.pause))
            .field("solo_mode", &st.solo_mode)
            .field("stopped", &st.stopped)
            .finish()
    }
}
