//! The fan-out operators: `Dup` (every value to every tap, in lockstep), `Pub` (every value to the
//! subscribers of its topic) and `distribute` (every value to exactly one output).

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::rc::Rc;

use aiochan::ops::{merge, Out};
use aiochan::{from_range, go, nop, now, sleep, Chan};

mod common;
use common::{ms, run_seeded};

/// Runs `future` under virtual time with a fixed seed.
fn run_virtual<F: Future>(future: F) -> F::Output {
    run_seeded(11, future)
}

/// Lets every task that can run do so for a few turns.
async fn settle() {
    for _ in 0..5 {
        nop().await;
    }
}

/// Every value until the channel is closed and drained.
async fn drain<T: 'static>(chan: &Chan<T>) -> Vec<T> {
    let mut got = Vec::new();
    while let Some(v) = chan.get().await {
        got.push(v);
    }
    got
}

/// The values a channel holds now, taken without waiting.
fn leftovers<T: 'static>(chan: &Chan<T>) -> Vec<T> {
    std::iter::from_fn(|| chan.try_get().ok()).collect()
}

/// A value type without `Debug`, `PartialEq` or anything else.
#[derive(Clone)]
struct Opaque;

#[test]
fn dup_hands_every_value_to_every_tap_in_order() {
    run_virtual(async {
        let source = Chan::new();
        let dup = source.dup();
        let taps: Vec<Chan<i32>> = (0..3).map(|_| dup.tap(Out::new())).collect();
        go(async move {
            for i in 0..20 {
                source.put(i).await;
            }
            source.close();
        });
        let readers: Vec<_> = taps
            .into_iter()
            .map(|tap| go(async move { drain(&tap).await }))
            .collect();
        for reader in readers {
            assert_eq!(reader.await, (0..20).collect::<Vec<_>>());
        }
    });
}

#[test]
fn dup_waits_for_every_tap_before_taking_the_next_value() {
    let (seen, taken) = run_virtual(async {
        let source = Chan::fixed(8).add(0..5).close();
        let dup = source.dup();
        let fast = dup.tap(Out::new());
        let slow = dup.tap(Out::new());
        let start = now();
        go(async move {
            loop {
                sleep(ms(100)).await;
                if slow.get().await.is_none() {
                    break;
                }
            }
        });
        let probe = go(async move {
            let mut taken = Vec::new();
            for _ in 0..3 {
                sleep(ms(50)).await;
                taken.push(source.stats().buffered);
                sleep(ms(50)).await;
            }
            taken
        });
        let mut seen = Vec::new();
        while let Some(v) = fast.get().await {
            seen.push((v, (now() - start).as_millis()));
        }
        (seen, probe.await)
    });
    // The fast tap gets each value as soon as the slow one has taken the previous one.
    assert_eq!(seen, [(0, 0), (1, 100), (2, 200), (3, 300), (4, 400)]);
    // At 50, 150 and 250 ms the source has given up one value per value the slow tap took, plus one.
    assert_eq!(taken, [1, 2, 3]);
}

#[test]
fn dup_removes_a_tap_found_closed() {
    run_virtual(async {
        let source = Chan::new();
        let dup = source.dup();
        let kept = dup.tap(Out::fixed(8));
        let dropped = dup.tap(Out::fixed(1));
        source.put(1).await;
        settle().await;
        assert_eq!(dup.taps(), 2);
        dropped.close();
        source.put(2).await;
        source.put(3).await;
        settle().await;
        assert_eq!(dup.taps(), 1);
        assert_eq!(leftovers(&kept), [1, 2, 3]);
        // What it held before closing still drains.
        assert_eq!(leftovers(&dropped), [1]);
    });
}

#[test]
fn dup_closes_only_the_taps_made_to_close_when_the_source_ends() {
    run_virtual(async {
        let source = Chan::fixed(2).add([1, 2]);
        let dup = source.dup();
        let closing = dup.tap(Out::fixed(2));
        let kept = dup.tap(Out::fixed(2).keep_open());
        source.close();
        assert_eq!(drain(&closing).await, [1, 2]);
        settle().await;
        assert_eq!(leftovers(&kept), [1, 2]);
        assert!(!kept.is_closed());
        assert_eq!(dup.taps(), 0);
    });
}

#[test]
fn dup_finishes_a_tap_made_after_the_source_ended_at_once() {
    run_virtual(async {
        let dup = Chan::<u8>::new().close().dup();
        settle().await;
        assert!(dup.tap(Out::new()).is_closed());
        assert!(!dup.tap(Out::new().keep_open()).is_closed());
    });
}

#[test]
fn dup_drops_values_while_it_has_no_taps() {
    run_virtual(async {
        let source = Chan::fixed(3).add([1, 2, 3]);
        let dup = source.dup();
        settle().await;
        assert!(leftovers(&source).is_empty());
        let tap = dup.tap(Out::fixed(1));
        source.put(4).await;
        assert_eq!(tap.get().await, Some(4));
    });
}

#[test]
fn dup_untap_withdraws_a_value_not_yet_taken_so_the_others_go_on() {
    run_virtual(async {
        let source = Chan::fixed(3).add([1, 2, 3]).close();
        let dup = source.dup();
        let never_read = dup.tap(Out::new());
        let reader = dup.tap(Out::fixed(8));
        settle().await;
        assert_eq!(
            leftovers(&reader),
            [1],
            "held back by the tap that is never read"
        );
        dup.untap(&never_read);
        assert_eq!(drain(&reader).await, [2, 3]);
        assert_eq!(never_read.try_get().ok(), None);
        assert!(!never_read.is_closed(), "an untapped channel is left open");
    });
}

#[test]
fn dup_untap_all_leaves_the_taps_open_and_drops_later_values() {
    run_virtual(async {
        let source = Chan::new();
        let dup = source.dup();
        let (a, b) = (dup.tap(Out::fixed(2)), dup.tap(Out::fixed(2)));
        source.put(1).await;
        settle().await;
        dup.untap_all();
        source.put(2).await;
        source.close();
        settle().await;
        assert_eq!((leftovers(&a), leftovers(&b)), (vec![1], vec![1]));
        assert!(!a.is_closed() && !b.is_closed());
    });
}

#[test]
fn dup_close_stops_taking_and_leaves_the_taps_open() {
    run_virtual(async {
        let source = Chan::fixed(4);
        let dup = source.dup();
        let tap = dup.tap(Out::fixed(4));
        source.put(1).await;
        settle().await;
        dup.close();
        source.add([2, 3]).close();
        settle().await;
        assert_eq!(leftovers(&source), [2, 3]);
        assert_eq!(leftovers(&tap), [1]);
        assert!(!tap.is_closed());
    });
}

#[test]
fn dup_tapping_a_channel_again_updates_whether_it_is_closed() {
    run_virtual(async {
        let source = Chan::fixed(1).add([1]);
        let dup = source.dup();
        let out = Chan::fixed(2);
        dup.tap(Out::to(&out));
        dup.tap(Out::to(&out).keep_open());
        assert_eq!(dup.taps(), 1);
        source.close();
        settle().await;
        assert_eq!(leftovers(&out), [1], "tapped once, so one copy");
        assert!(!out.is_closed());
    });
}

#[test]
fn dup_debug_shows_its_state_without_t_debug() {
    run_virtual(async {
        let dup = Chan::<Opaque>::new().dup();
        dup.tap(Out::new());
        dup.tap(Out::new());
        let shown = format!("{dup:?}");
        assert!(shown.contains("taps: 2"), "{shown}");
        assert!(shown.contains("ended: false"), "{shown}");
    });
}

#[test]
fn pub_routes_each_value_to_the_subscribers_of_its_topic() {
    run_virtual(async {
        let source = Chan::new();
        let p = source.publish(|s: &&str| s.len());
        let short_a = p.sub(1, Out::fixed(8));
        let short_b = p.sub(1, Out::fixed(8));
        let long = p.sub(3, Out::fixed(8));
        let both = Chan::fixed(8);
        p.sub(1, Out::to(&both).keep_open());
        p.sub(3, Out::to(&both).keep_open());
        assert_eq!((p.topics(), p.subs(&1), p.subs(&3)), (2, 3, 2));
        for word in ["a", "abc", "b", "xy", "def", "c"] {
            source.put(word).await;
        }
        source.close();
        assert_eq!(drain(&short_a).await, ["a", "b", "c"]);
        assert_eq!(drain(&short_b).await, ["a", "b", "c"]);
        assert_eq!(drain(&long).await, ["abc", "def"]);
        // Rendezvous feeds: the source moves one value at a time, so the order is the source's.
        assert_eq!(leftovers(&both), ["a", "abc", "b", "def", "c"]);
        assert!(!both.is_closed());
    });
}

#[test]
fn pub_drops_values_of_topics_without_subscribers() {
    run_virtual(async {
        let source = Chan::fixed(4).add([1, 2, 3]);
        let p = source.publish(|n: &i32| n % 2);
        settle().await;
        assert!(leftovers(&source).is_empty());
        let odd = p.sub(1, Out::fixed(4));
        source.add([4, 5]).close();
        assert_eq!(drain(&odd).await, [5]);
    });
}

#[test]
fn pub_unsub_stops_delivery_and_forgets_a_topic_left_without_subscribers() {
    run_virtual(async {
        let source = Chan::new();
        let p = source.publish(|n: &i32| *n > 0);
        let (a, b) = (p.sub(true, Out::fixed(8)), p.sub(true, Out::fixed(8)));
        source.put(1).await;
        settle().await;
        p.unsub(&true, &a);
        assert_eq!(p.subs(&true), 1);
        source.put(2).await;
        settle().await;
        p.unsub(&true, &b);
        assert_eq!(p.topics(), 0);
        source.put(3).await;
        source.close();
        settle().await;
        assert_eq!(leftovers(&a), [1]);
        assert_eq!(leftovers(&b), [1, 2]);
        assert!(
            !a.is_closed() && !b.is_closed(),
            "unsubscribed channels are left open"
        );
    });
}

#[test]
fn pub_unsub_all_of_one_topic_or_of_all() {
    run_virtual(async {
        let source = Chan::new();
        let p = source.publish(|n: &u32| n % 3);
        let subs: Vec<Chan<u32>> = (0..3).map(|t| p.sub(t, Out::fixed(8))).collect();
        p.unsub_all(Some(&0));
        source.put(0).await;
        source.put(1).await;
        settle().await;
        assert_eq!(leftovers(&subs[0]), Vec::<u32>::new());
        assert_eq!(leftovers(&subs[1]), [1]);
        p.unsub_all(None);
        assert_eq!(p.topics(), 0);
        source.put(2).await;
        settle().await;
        assert_eq!(leftovers(&subs[2]), Vec::<u32>::new());
    });
}

#[test]
fn pub_closes_subscribers_when_the_source_ends_after_handing_out_its_values() {
    run_virtual(async {
        let source = Chan::fixed(6).add([1, 2, 3, 4, 5, 6]);
        let p = source.publish_buffered(|n: &i32| n % 2, 4);
        let odd = p.sub(1, Out::fixed(1));
        let even = p.sub(0, Out::fixed(1));
        let kept = p.sub(0, Out::fixed(8).keep_open());
        source.close();
        assert_eq!(drain(&odd).await, [1, 3, 5]);
        assert_eq!(drain(&even).await, [2, 4, 6]);
        settle().await;
        assert_eq!(leftovers(&kept), [2, 4, 6]);
        assert!(!kept.is_closed());
        // Subscribing after the end: finished at once.
        assert!(p.sub(1, Out::new()).is_closed());
    });
}

#[test]
fn pub_forgets_subscribers_found_closed() {
    run_virtual(async {
        let source = Chan::new();
        let p = source.publish(|_: &u8| ());
        let gone = p.sub((), Out::new());
        gone.close();
        source.put(1).await;
        settle().await;
        assert_eq!(p.subs(&()), 0);
        source.put(2).await;
        settle().await;
        assert_eq!(p.topics(), 0);
    });
}

#[test]
fn pub_a_slow_topic_holds_back_the_source_unless_its_feed_is_buffered() {
    for buffered in [false, true] {
        let got = run_virtual(async move {
            let source = Chan::fixed(8).add([10, 11, 12, 1]).close();
            let p = if buffered {
                source.publish_buffered(|n: &i32| *n >= 10, 4)
            } else {
                source.publish(|n: &i32| *n >= 10)
            };
            let _unread = p.sub(true, Out::new());
            let small = p.sub(false, Out::fixed(1));
            settle().await;
            leftovers(&small)
        });
        let expected: &[i32] = if buffered { &[1] } else { &[] };
        assert_eq!(got, expected, "buffered: {buffered}");
    }
}

#[test]
fn pub_unsubscribing_a_subscriber_that_never_reads_frees_the_publication() {
    run_virtual(async {
        // `a` waits for `never_read`, so the publication waits to feed `b` to its topic.
        let source = Chan::fixed(4).add(['a', 'b', 'A']).close();
        let p = source.publish(|c: &char| c.is_uppercase());
        let never_read = p.sub(false, Out::new());
        let upper = p.sub(true, Out::fixed(4));
        settle().await;
        assert_eq!(leftovers(&upper), Vec::<char>::new(), "held back");
        p.unsub(&false, &never_read);
        assert_eq!(drain(&upper).await, ['A']);
    });
}

#[test]
fn pub_debug_shows_its_state_without_t_debug() {
    run_virtual(async {
        let p = Chan::<Opaque>::new().publish(|_| 0u8);
        p.sub(0, Out::new());
        p.sub(0, Out::new());
        let shown = format!("{p:?}");
        assert!(shown.contains("topics: 1"), "{shown}");
        assert!(shown.contains("subs: 2"), "{shown}");
    });
}

#[test]
fn distribute_sends_each_value_to_exactly_one_output() {
    let received = run_virtual(async {
        let received: Rc<RefCell<HashMap<usize, Vec<i64>>>> = Rc::default();
        let outs: Vec<Chan<i64>> = (0..3).map(|_| Chan::new()).collect();
        from_range(0..100).distribute(outs.clone(), true);
        let workers: Vec<_> = outs
            .into_iter()
            .enumerate()
            .map(|(n, out)| {
                let received = received.clone();
                go(async move {
                    while let Some(v) = out.get().await {
                        received.borrow_mut().entry(n).or_default().push(v);
                        sleep(ms(1 + 2 * n as u64)).await;
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.await;
        }
        received.take()
    });
    let mut all: Vec<i64> = received.values().flatten().copied().collect();
    all.sort();
    assert_eq!(all, (0..100).collect::<Vec<_>>(), "each value once");
    // The fastest worker takes the most.
    assert!(received[&0].len() > received[&1].len());
    assert!(received[&1].len() > received[&2].len());
}

#[test]
fn distribute_drops_closed_outputs_without_losing_a_value() {
    let (taken, delivered) = run_virtual(async {
        let input = from_range(0..50);
        let (a, b) = (Chan::new(), Chan::new());
        input.distribute([a.clone(), b.clone()], true);
        let quitter = go(async move {
            let mut got = Vec::new();
            while let Some(v) = b.get().await {
                got.push(v);
                if got.len() == 5 {
                    b.close();
                }
                sleep(ms(3)).await;
            }
            got
        });
        let mut delivered = Vec::new();
        while let Some(v) = a.get().await {
            delivered.push(v);
            sleep(ms(1)).await;
        }
        delivered.extend(quitter.await);
        (
            input.stats().buffered + input.stats().immediate + input.stats().queued,
            delivered,
        )
    });
    let mut sorted = delivered.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), delivered.len(), "never twice");
    assert_eq!(delivered.len() as u64, taken, "delivered == taken");
    assert_eq!(sorted, (0..50).collect::<Vec<_>>());
}

#[test]
fn distribute_offers_a_value_refused_by_a_closed_output_to_the_others() {
    run_virtual(async {
        let input = Chan::new();
        let (a, b) = (Chan::new(), Chan::new());
        input.distribute([a.clone(), b.clone()], true);
        settle().await;
        // Closed while the distributor waits on the input: the put of 1 to `b` fails.
        b.close();
        input.put(1).await;
        settle().await;
        assert_eq!(a.get().await, Some(1));
        assert_eq!(b.try_get().ok(), None);
        input.close();
        assert_eq!(a.get().await, None);
    });
}

#[test]
fn distribute_stops_taking_once_every_output_is_closed() {
    run_virtual(async {
        let input = Chan::fixed(10).add(0..10);
        let out = Chan::new();
        input.distribute([out.clone()], true);
        for i in 0..3 {
            assert_eq!(out.get().await, Some(i));
        }
        out.close();
        settle().await;
        // The put of 3 was waiting: it still drains from the closed output.
        assert_eq!(out.try_get().ok(), Some(3));
        settle().await;
        assert_eq!(leftovers(&input), (4..10).collect::<Vec<_>>());

        let untouched = Chan::fixed(3).add([1, 2, 3]);
        untouched.distribute([Chan::new().close()], true);
        settle().await;
        assert_eq!(leftovers(&untouched), [1, 2, 3]);
    });
}

#[test]
fn distribute_closes_the_outputs_when_the_input_ends_only_if_told() {
    run_virtual(async {
        let closing = [Chan::<u8>::new(), Chan::new()];
        let input = Chan::new().distribute(closing.clone(), true);
        input.close();
        settle().await;
        assert!(closing.iter().all(Chan::is_closed));

        let kept = [Chan::<u8>::fixed(1), Chan::fixed(1)];
        Chan::fixed(1)
            .add([9])
            .close()
            .distribute(kept.clone(), false);
        settle().await;
        assert!(kept.iter().all(|c| !c.is_closed()));
        let got: Vec<u8> = kept.iter().flat_map(leftovers).collect();
        assert_eq!(got, [9]);
    });
}

#[test]
fn distribute_and_merge_round_trip() {
    let mut got = run_virtual(async {
        let outs: Vec<Chan<i64>> = (0..4).map(|_| Chan::fixed(2)).collect();
        from_range(0..40).distribute(outs.clone(), true);
        drain(&merge(outs, Out::new())).await
    });
    got.sort();
    assert_eq!(got, (0..40).collect::<Vec<_>>());
}

#[test]
fn pub_close_ends_every_topic_and_leaves_the_rest_of_the_source() {
    run_virtual(async {
        let source = Chan::fixed(8);
        let p = source.publish_buffered(|n: &i32| n % 2, 2);
        let odd = p.sub(1, Out::fixed(1));
        let even = p.sub(0, Out::new());
        let kept = p.sub(0, Out::fixed(8).keep_open());
        source.add([1, 2, 3]);
        settle().await;
        p.close();
        p.close();
        source.add([4, 5]);
        // What the topics took before the close is still handed out, then the subscribers end.
        assert_eq!(drain(&odd).await, [1, 3]);
        assert_eq!(drain(&even).await, [2]);
        settle().await;
        assert_eq!(leftovers(&kept), [2]);
        assert!(!kept.is_closed(), "a subscriber kept open stays open");
        assert!(!source.is_closed(), "the source is left open");
        assert_eq!(leftovers(&source), [4, 5]);
        assert!(
            p.sub(1, Out::new()).is_closed(),
            "a later sub is finished at once"
        );
        assert_eq!(p.topics(), 0);
    });
}

#[test]
fn pub_close_lets_a_value_being_handed_out_reach_its_subscriber() {
    run_virtual(async {
        let source = Chan::new();
        let p = source.publish(|_: &&str| ());
        let slow = p.sub((), Out::new());
        let producer = go({
            let source = source.clone();
            async move { source.put("in flight").await }
        });
        settle().await;
        // The pub took the value and waits for the subscriber to take it.
        assert!(producer.await);
        p.close();
        settle().await;
        assert_eq!(drain(&slow).await, ["in flight"]);
    });
}
