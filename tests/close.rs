//! Closing a channel in every state: empty, buffered, with waiting puts or gets; `join`.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;

use aiochan::{go, nop, Chan, TryGetError, TryPutError};

mod common;
use common::run_seeded;

/// Runs `future` on a loop with virtual time and a fixed seed.
fn run_virtual<F: Future>(future: F) -> F::Output {
    run_seeded(4, future)
}

/// Lets every ready task run a few turns.
async fn settle() {
    for _ in 0..5 {
        nop().await;
    }
}

/// Spawns a task that waits on `c.join()` and records, in `log`, the step at which it returned.
fn joiner<T: 'static>(c: &Chan<T>, step: &Rc<Cell<u32>>, log: &Rc<RefCell<Vec<u32>>>) {
    let (c, step, log) = (c.clone(), step.clone(), log.clone());
    go(async move {
        c.join().await;
        log.borrow_mut().push(step.get());
    });
}

#[test]
fn closing_an_empty_channel_completes_waiting_gets_with_none() {
    run_virtual(async {
        let c = Chan::<u8>::fixed(2);
        let getters: Vec<_> = (0..3)
            .map(|_| {
                let c = c.clone();
                go(async move { c.get().await })
            })
            .collect();
        settle().await;
        assert!(getters.iter().all(|g| !g.is_finished()));
        assert!(!c.is_closed());
        c.close();
        assert!(c.is_closed());
        for g in getters {
            assert_eq!(g.await, None);
        }
        assert_eq!(c.get().await, None);
        assert_eq!(c.try_get(), Err(TryGetError::Closed));
    });
}

#[test]
fn closing_completes_waiting_get_callbacks_with_none() {
    let c = Chan::<u8>::new();
    let got = Rc::new(Cell::new(Some(1)));
    let seen = got.clone();
    c.get_then(move |v| seen.set(v));
    assert_eq!(got.get(), Some(1), "the get waits");
    c.close();
    assert_eq!(
        got.get(),
        None,
        "no loop runs: the callback ran when the close completed it"
    );
}

#[test]
fn buffered_values_still_drain_after_close_then_gets_give_none() {
    run_virtual(async {
        let c = Chan::fixed(3);
        c.add([1, 2]);
        c.close();
        assert!(c.is_closed(), "closed although values remain");
        assert!(!c.put(3).await, "a put after close is refused");
        assert_eq!(c.try_put(4), Err(TryPutError::Closed(4)));
        assert_eq!(c.get().await, Some(1));
        assert_eq!(c.get().await, Some(2));
        assert_eq!(c.get().await, None);
        assert_eq!(c.get().await, None);
    });
}

#[test]
fn waiting_puts_still_drain_after_close_and_complete_with_true() {
    run_virtual(async {
        let c = Chan::new();
        let putters: Vec<_> = (1..=3)
            .map(|i| {
                let c = c.clone();
                go(async move { c.put(i).await })
            })
            .collect();
        settle().await;
        c.close();
        assert!(
            !c.put(99).await,
            "a new put is refused while older ones still wait"
        );
        settle().await;
        assert!(
            putters.iter().all(|p| !p.is_finished()),
            "close does not complete waiting puts"
        );
        assert_eq!(c.get().await, Some(1));
        assert_eq!(c.get().await, Some(2));
        assert_eq!(c.get().await, Some(3));
        assert_eq!(c.get().await, None);
        for p in putters {
            assert!(
                p.await,
                "a put taken after the close still completes with true"
            );
        }
    });
}

#[test]
fn after_close_the_buffer_drains_before_the_waiting_puts() {
    run_virtual(async {
        let c = Chan::fixed(2);
        c.add([1, 2, 3, 4]); // 1 and 2 buffered, 3 and 4 waiting
        c.close();
        let mut got = Vec::new();
        while let Some(v) = c.get().await {
            got.push(v);
        }
        assert_eq!(got, [1, 2, 3, 4]);
    });
}

#[test]
fn waiting_put_callbacks_complete_with_true_when_drained_after_close() {
    run_virtual(async {
        let c = Chan::new();
        let result = Rc::new(Cell::new(None));
        let seen = result.clone();
        c.put_then("v", move |ok| seen.set(Some(ok)));
        c.close();
        assert_eq!(c.get().await, Some("v"));
        nop().await;
        assert_eq!(result.get(), Some(true));
        let refused = Rc::new(Cell::new(None));
        let seen = refused.clone();
        c.put_then("w", move |ok| seen.set(Some(ok)));
        assert_eq!(refused.get(), Some(false), "refused at once, synchronously");
    });
}

#[test]
fn close_is_idempotent_and_chains() {
    run_virtual(async {
        let c = Chan::fixed(2);
        c.add([1]);
        assert!(c.close() == c, "close returns the same channel");
        c.close();
        c.close();
        assert!(c.is_closed());
        assert_eq!(
            c.get().await,
            Some(1),
            "closing again did not drop the buffered value"
        );
        assert_eq!(c.get().await, None);
        c.close();
        assert_eq!(c.get().await, None);
    });
}

#[test]
fn every_clone_sees_the_close() {
    let a = Chan::<u8>::new();
    let b = a.clone();
    b.close();
    assert!(a.is_closed());
    assert_eq!(a.try_put(1), Err(TryPutError::Closed(1)));
}

#[test]
fn join_completes_only_once_closed_and_drained() {
    let log = Rc::new(RefCell::new(Vec::new()));
    run_virtual({
        let log = log.clone();
        async move {
            let step = Rc::new(Cell::new(0));
            let c = Chan::fixed(2);
            c.add(["a", "b"]);
            joiner(&c, &step, &log);
            settle().await;
            step.set(1);
            c.close();
            settle().await;
            step.set(2);
            assert_eq!(c.get().await, Some("a"));
            settle().await;
            step.set(3);
            assert_eq!(c.get().await, Some("b"));
            settle().await;
            step.set(4);
        }
    });
    assert_eq!(
        *log.borrow(),
        [3],
        "join returned after the last value was taken"
    );
}

#[test]
fn join_waits_for_waiting_puts_to_be_taken() {
    let log = Rc::new(RefCell::new(Vec::new()));
    run_virtual({
        let log = log.clone();
        async move {
            let step = Rc::new(Cell::new(0));
            let c = Chan::new();
            c.add([1, 2]);
            c.close();
            joiner(&c, &step, &log);
            settle().await;
            step.set(1);
            c.get().await;
            settle().await;
            step.set(2);
            c.get().await;
            settle().await;
            step.set(3);
        }
    });
    assert_eq!(*log.borrow(), [2]);
}

#[test]
fn join_of_an_open_empty_channel_waits_for_the_close() {
    let log = Rc::new(RefCell::new(Vec::new()));
    run_virtual({
        let log = log.clone();
        async move {
            let step = Rc::new(Cell::new(0));
            let c = Chan::<u8>::new();
            joiner(&c, &step, &log);
            settle().await;
            step.set(1);
            c.close();
            settle().await;
            step.set(2);
        }
    });
    assert_eq!(*log.borrow(), [1]);
}

#[test]
fn join_of_a_closed_drained_channel_completes_at_once() {
    run_virtual(async {
        let c = Chan::<u8>::fixed(1).close();
        c.join().await;
        c.join().await;
    });
}

#[test]
fn join_completes_when_the_last_waiting_put_is_withdrawn_after_close() {
    // A closed channel whose only waiting put is given up is closed and drained: its joiner must
    // not wait forever.
    run_virtual(async {
        let c = Chan::new();
        let putter = go({
            let c = c.clone();
            async move { c.put(1).await }
        });
        settle().await;
        c.close();
        let j = go({
            let c = c.clone();
            async move { c.join().await }
        });
        settle().await;
        assert!(
            !j.is_finished(),
            "a waiting put keeps the channel undrained"
        );
        putter.abort();
        assert_eq!(
            c.try_get(),
            Err(TryGetError::Closed),
            "the channel is now drained"
        );
        j.await;
    });
}

#[test]
fn join_has_many_waiters() {
    run_virtual(async {
        let c = Chan::fixed(1);
        c.add([0]);
        let joins: Vec<_> = (0..3)
            .map(|_| {
                let c = c.clone();
                go(async move { c.join().await })
            })
            .collect();
        settle().await;
        c.close();
        c.get().await;
        for j in joins {
            j.await;
        }
    });
}
