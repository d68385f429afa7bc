//! `Mix` (core.async's mix) under virtual time: inputs joining and leaving, solo, mute and pause,
//! both solo modes, how promptly changes take effect, and how the mix ends.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use std::time::{Duration, Instant};

use aiochan::ops::{Mix, MixState, Out, SoloMode};
use aiochan::{go, nop, now, sleep_until, Chan, JoinHandle};

mod common;
use common::run_seeded;

/// Runs `future` under virtual time with a fixed seed.
fn run_virtual<F: Future>(future: F) -> F::Output {
    run_seeded(3, future)
}

const SOLO: MixState = MixState {
    solo: true,
    mute: false,
    pause: false,
};
const MUTE: MixState = MixState {
    solo: false,
    mute: true,
    pause: false,
};
const PAUSE: MixState = MixState {
    solo: false,
    mute: false,
    pause: true,
};
const PLAIN: MixState = MixState {
    solo: false,
    mute: false,
    pause: false,
};

/// Milliseconds since `start`.
fn since(start: Instant) -> u64 {
    (now() - start).as_millis() as u64
}

/// Waits until `at` milliseconds after `start`.
async fn at(start: Instant, at: u64) {
    sleep_until(start + Duration::from_millis(at)).await;
}

/// Lets every task that can run do so for a few turns.
async fn settle() {
    for _ in 0..5 {
        nop().await;
    }
}

/// Puts each value at its time (milliseconds after `start`); returns when each put completed.
fn scheduled<T: 'static>(
    start: Instant,
    chan: &Chan<T>,
    items: Vec<(u64, T)>,
) -> JoinHandle<Vec<u64>> {
    let chan = chan.clone();
    go(async move {
        let mut done = Vec::new();
        for (time, value) in items {
            at(start, time).await;
            chan.put(value).await;
            done.push(since(start));
        }
        done
    })
}

/// What `out` delivers, with the time it came.
type Log<T> = Rc<RefCell<Vec<(u64, T)>>>;

/// Reads `out` for good, logging every value.
fn record<T: 'static>(start: Instant, out: &Chan<T>) -> Log<T> {
    let log: Log<T> = Rc::default();
    let (out, sink) = (out.clone(), log.clone());
    go(async move {
        while let Some(v) = out.get().await {
            sink.borrow_mut().push((since(start), v));
        }
    });
    log
}

/// The values a channel holds now, taken without waiting.
fn leftovers<T: 'static>(chan: &Chan<T>) -> Vec<T> {
    std::iter::from_fn(|| chan.try_get().ok()).collect()
}

#[test]
fn mix_passes_the_values_of_every_input_as_they_come() {
    let log = run_virtual(async {
        let start = now();
        let mix = Mix::new(Out::new());
        let log = record(start, mix.out());
        let (a, b) = (Chan::new(), Chan::new());
        mix.admix(&a);
        mix.admix(&b);
        scheduled(start, &a, vec![(10, "a1"), (30, "a2")]);
        scheduled(start, &b, vec![(20, "b1"), (40, "b2")]).await;
        settle().await;
        log.take()
    });
    assert_eq!(log, [(10, "a1"), (20, "b1"), (30, "a2"), (40, "b2")]);
}

#[test]
fn mix_takes_a_muted_inputs_values_and_drops_them() {
    let (log, puts) = run_virtual(async {
        let start = now();
        let mix = Mix::new(Out::new());
        let log = record(start, mix.out());
        let (a, b) = (Chan::new(), Chan::new());
        mix.admix(&a);
        mix.toggle(&b, MUTE);
        scheduled(start, &a, vec![(10, 1), (30, 3)]);
        let puts = scheduled(start, &b, vec![(20, 2), (40, 4)]).await;
        settle().await;
        (log.take(), puts)
    });
    assert_eq!(log, [(10, 1), (30, 3)]);
    assert_eq!(
        puts,
        [20, 40],
        "the muted input's puts complete on time: its values are taken"
    );
}

#[test]
fn mix_leaves_a_paused_inputs_values_where_they_are() {
    run_virtual(async {
        let start = now();
        let mix = Mix::new(Out::fixed(8));
        let paused = Chan::fixed(4).add([1, 2]);
        mix.toggle(&paused, PAUSE);
        at(start, 50).await;
        assert_eq!(leftovers(mix.out()), Vec::<i32>::new());
        assert_eq!(leftovers(&paused), [1, 2]);
        paused.add([3]);
        mix.toggle(&paused, PLAIN);
        settle().await;
        assert_eq!(leftovers(mix.out()), [3]);
    });
}

#[test]
fn mix_solo_in_mute_mode_drops_the_other_inputs_values() {
    let (log, other_puts) = run_virtual(async {
        let start = now();
        let mix = Mix::new(Out::new());
        let log = record(start, mix.out());
        let (lead, other) = (Chan::new(), Chan::new());
        mix.toggle(&lead, SOLO);
        mix.admix(&other);
        scheduled(start, &lead, vec![(10, "lead1"), (30, "lead2")]);
        let other_puts = scheduled(start, &other, vec![(20, "o1"), (40, "o2"), (60, "o3")]);
        at(start, 50).await;
        mix.toggle(&lead, PLAIN);
        let other_puts = other_puts.await;
        settle().await;
        (log.take(), other_puts)
    });
    assert_eq!(log, [(10, "lead1"), (30, "lead2"), (60, "o3")]);
    assert_eq!(other_puts, [20, 40, 60], "muted, not paused: taken on time");
}

#[test]
fn mix_solo_in_pause_mode_leaves_the_other_inputs_waiting() {
    let (log, other_puts) = run_virtual(async {
        let start = now();
        let mix = Mix::new(Out::new());
        mix.solo_mode(SoloMode::Pause);
        let log = record(start, mix.out());
        let (lead, other) = (Chan::new(), Chan::new());
        mix.toggle(&lead, SOLO);
        mix.admix(&other);
        scheduled(start, &lead, vec![(10, "lead1"), (30, "lead2")]);
        let other_puts = scheduled(start, &other, vec![(20, "o1"), (40, "o2")]);
        at(start, 50).await;
        mix.unmix(&lead);
        let other_puts = other_puts.await;
        settle().await;
        (log.take(), other_puts)
    });
    assert_eq!(log, [(10, "lead1"), (30, "lead2"), (50, "o1"), (50, "o2")]);
    assert_eq!(other_puts, [50, 50], "paused until the solo ended");
}

#[test]
fn mix_solo_ignores_the_soloed_inputs_own_mute_and_pause() {
    run_virtual(async {
        let mix = Mix::new(Out::fixed(8));
        let lead = Chan::fixed(2).add([1, 2]);
        let all_flags = MixState {
            solo: true,
            mute: true,
            pause: true,
        };
        mix.toggle(&lead, all_flags);
        settle().await;
        assert_eq!(leftovers(mix.out()), [1, 2]);
    });
}

#[test]
fn mix_a_paused_input_stays_paused_while_another_is_soloed_in_mute_mode() {
    run_virtual(async {
        let mix = Mix::new(Out::fixed(8));
        let (lead, paused, other) = (Chan::fixed(1), Chan::fixed(1), Chan::fixed(1));
        mix.toggle(&lead, SOLO);
        mix.toggle(&paused, PAUSE);
        mix.admix(&other);
        lead.add([1]);
        paused.add([2]);
        other.add([3]);
        settle().await;
        assert_eq!(leftovers(mix.out()), [1]);
        assert_eq!(leftovers(&paused), [2], "paused: not taken");
        assert_eq!(
            leftovers(&other),
            Vec::<i32>::new(),
            "muted by the solo: taken, dropped"
        );
    });
}

#[test]
fn mix_changes_take_effect_while_the_mix_waits() {
    let (log, puts) = run_virtual(async {
        let start = now();
        let mix = Mix::new(Out::new());
        let log = record(start, mix.out());
        let input = Chan::new();
        mix.admix(&input);
        // The mix is waiting on `input` when it is paused, and must stop waiting on it.
        let puts = scheduled(start, &input, vec![(10, 1), (20, 2)]);
        at(start, 5).await;
        mix.toggle(&input, PAUSE);
        at(start, 30).await;
        assert!(log.borrow().is_empty());
        mix.toggle(&input, PLAIN);
        let puts = puts.await;
        settle().await;
        (log.take(), puts)
    });
    assert_eq!(log, [(30, 1), (30, 2)]);
    assert_eq!(puts, [30, 30]);
}

#[test]
fn mix_admix_wakes_an_empty_mix_and_unmix_leaves_values_in_the_input() {
    run_virtual(async {
        let start = now();
        let mix = Mix::new(Out::fixed(8));
        at(start, 10).await;
        let input = Chan::fixed(4).add([1]);
        mix.admix(&input);
        settle().await;
        assert_eq!(leftovers(mix.out()), [1]);
        mix.unmix(&input);
        input.add([2, 3]);
        settle().await;
        assert_eq!(leftovers(&input), [2, 3]);
        assert_eq!(mix.state(&input), None);
        assert_eq!(mix.inputs(), 0);
    });
}

#[test]
fn mix_unmix_all_removes_every_input() {
    run_virtual(async {
        let mix = Mix::new(Out::fixed(8));
        let inputs: Vec<Chan<u8>> = (0..3).map(|_| Chan::fixed(1)).collect();
        for input in &inputs {
            mix.admix(input);
        }
        mix.unmix_all();
        for input in &inputs {
            input.add([7]);
        }
        settle().await;
        assert_eq!(mix.inputs(), 0);
        assert!(inputs.iter().all(|c| c.try_get() == Ok(7)));
    });
}

#[test]
fn mix_toggle_adds_an_input_in_the_given_state_and_admix_keeps_it() {
    run_virtual(async {
        let mix = Mix::new(Out::new());
        let input = Chan::<u8>::new();
        mix.toggle(&input, MUTE);
        mix.admix(&input);
        assert_eq!(mix.state(&input), Some(MUTE));
        assert_eq!(mix.inputs(), 1);
    });
}

#[test]
fn mix_forgets_closed_inputs_and_never_closes_its_output() {
    run_virtual(async {
        let mix = Mix::new(Out::fixed(8));
        let a = Chan::fixed(2).add([1, 2]).close();
        let b = Chan::fixed(1).add([3]).close();
        mix.admix(&a);
        mix.admix(&b);
        settle().await;
        assert_eq!(mix.inputs(), 0);
        let mut got = leftovers(mix.out());
        got.sort();
        assert_eq!(got, [1, 2, 3]);
        assert!(!mix.out().is_closed());
    });
}

#[test]
fn mix_stops_when_its_output_is_closed() {
    run_virtual(async {
        let mix = Mix::new(Out::new());
        let input = Chan::fixed(5).add([1, 2, 3, 4, 5]);
        mix.admix(&input);
        assert_eq!(mix.out().get().await, Some(1));
        mix.out().close();
        settle().await;
        // The put of 2 was waiting: it still drains from the closed output. Then the mix stops.
        assert_eq!(mix.out().try_get().ok(), Some(2));
        settle().await;
        assert_eq!(leftovers(&input), [3, 4, 5]);
        assert!(format!("{mix:?}").contains("stopped: true"));
    });
}

#[test]
fn mix_debug_shows_its_state_without_t_debug() {
    struct Opaque;
    run_virtual(async {
        let mix = Mix::new(Out::<Opaque>::new());
        mix.toggle(&Chan::new(), SOLO);
        mix.toggle(&Chan::new(), MUTE);
        mix.admix(&Chan::new());
        let shown = format!("{mix:?}");
        for part in [
            "inputs: 3",
            "soloed: 1",
            "muted: 1",
            "paused: 0",
            "solo_mode: Mute",
        ] {
            assert!(shown.contains(part), "{shown}");
        }
    });
}
