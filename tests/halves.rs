//! `Sender` and `Receiver`: halves of a channel that close it when the last of their kind drops.

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use aiochan::ops::Out;
use aiochan::{
    channel, channel_fixed, go, nop, select, Chan, Op, Outcome, SendError, TryGetError, TryPutError,
};

mod common;
use common::{run_seeded, within};

/// Runs `future` on a loop with virtual time and a fixed seed.
fn run_virtual<F: Future>(future: F) -> F::Output {
    run_seeded(15, future)
}

/// Lets every ready task run a few turns.
async fn settle() {
    for _ in 0..5 {
        nop().await;
    }
}

/// A value that counts its drops.
struct Counted(Rc<Cell<usize>>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

#[test]
fn the_receiver_drains_the_buffer_then_gets_none_once_the_last_sender_drops() {
    run_virtual(async {
        let (tx, rx) = channel_fixed(4);
        let tx2 = tx.clone();
        tx.send(1).await.unwrap();
        tx2.send(2).await.unwrap();
        drop(tx);
        assert!(!rx.is_closed(), "a sender is still alive");
        drop(tx2);
        assert!(rx.is_closed());
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(rx.recv().await, Some(2));
        assert_eq!(rx.recv().await, None);
        assert_eq!(rx.try_recv(), Err(TryGetError::Closed));
    });
}

#[test]
fn a_receive_waiting_when_the_last_sender_drops_gets_none() {
    run_virtual(async {
        let (tx, rx) = channel::<u8>();
        let consumer = go(async move { rx.recv().await });
        settle().await;
        drop(tx);
        assert_eq!(consumer.await, None);
    });
}

#[test]
fn a_consumer_loop_ends_when_the_producer_tasks_end() {
    let got = run_virtual(async {
        let (tx, rx) = channel();
        for id in 0..3 {
            let tx = tx.clone();
            go(async move {
                for i in 0..3 {
                    tx.send(id * 10 + i).await.unwrap();
                }
            });
        }
        drop(tx);
        let mut got = Vec::new();
        while let Some(v) = rx.recv().await {
            got.push(v);
        }
        got
    });
    let mut sorted = got.clone();
    sorted.sort();
    assert_eq!(sorted, [0, 1, 2, 10, 11, 12, 20, 21, 22]);
}

#[test]
fn sends_hand_their_value_back_once_the_last_receiver_drops() {
    run_virtual(async {
        let (tx, rx) = channel_fixed(2);
        let rx2 = rx.clone();
        tx.send("kept").await.unwrap();
        drop(rx);
        assert_eq!(tx.try_send("still open"), Ok(()));
        drop(rx2);
        assert!(tx.is_closed());
        match tx.send("late").await {
            Err(SendError::Closed(back)) => assert_eq!(back, "late"),
            other => panic!("expected the value back, got {other:?}"),
        }
        assert_eq!(tx.try_send("later"), Err(TryPutError::Closed("later")));
        assert!(!tx.as_chan().put("by put").await, "a put still says false");
    });
}

#[test]
fn a_send_waiting_when_the_last_receiver_drops_gets_its_value_back() {
    run_virtual(async {
        let (tx, rx) = channel::<String>();
        let sender = go(async move { tx.send("parked".to_string()).await });
        settle().await;
        assert_eq!(rx.as_chan().stats().state, aiochan::ChanState::PendingPuts);
        drop(rx);
        match sender.await {
            Err(SendError::Closed(back)) => assert_eq!(back, "parked"),
            other => panic!("expected the value back, got {other:?}"),
        }
    });
}

#[test]
fn every_kind_of_waiting_put_is_answered_when_the_last_receiver_drops() {
    run_virtual(async {
        let drops = Rc::new(Cell::new(0));
        let (tx, rx) = channel::<Counted>();
        let by_put = go({
            let tx = tx.clone();
            let drops = drops.clone();
            async move { tx.as_chan().put(Counted(drops)).await }
        });
        let by_select = go({
            let tx = tx.clone();
            let drops = drops.clone();
            async move {
                select! {
                    ok = put(tx, Counted(drops)) => ok,
                }
            }
        });
        let answered = Rc::new(Cell::new(None));
        let seen = answered.clone();
        tx.as_chan()
            .put_then(Counted(drops.clone()), move |ok| seen.set(Some(ok)));
        settle().await;
        assert_eq!(rx.as_chan().stats().state, aiochan::ChanState::PendingPuts);
        drop(rx);
        assert!(!by_put.await);
        assert!(!by_select.await);
        settle().await;
        assert_eq!(answered.get(), Some(false));
        assert_eq!(
            drops.get(),
            2,
            "the put and the select arm dropped their values"
        );
        assert_eq!(tx.as_chan().queue_lens(), (0, 0));
        drop(tx);
        assert_eq!(drops.get(), 3, "the callback's value went with the channel");
    });
}

#[test]
fn buffered_values_are_dropped_with_the_channel_once_every_handle_is_gone() {
    run_virtual(async {
        let drops = Rc::new(Cell::new(0));
        let (tx, rx) = channel_fixed(2);
        tx.send(Counted(drops.clone())).await.ok().unwrap();
        tx.send(Counted(drops.clone())).await.ok().unwrap();
        drop(rx);
        assert_eq!(
            drops.get(),
            0,
            "the buffer is not emptied when the receivers go"
        );
        assert_eq!(tx.len(), 2);
        drop(tx);
        assert_eq!(drops.get(), 2);
    });
}

#[test]
fn closing_from_the_receiver_refuses_sends_but_lets_buffered_values_drain() {
    run_virtual(async {
        let (tx, rx) = channel_fixed(2);
        tx.send(1).await.unwrap();
        rx.close();
        assert_eq!(tx.send(2).await, Err(SendError::Closed(2)));
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(rx.recv().await, None);
    });
}

#[test]
fn closing_from_a_sender_closes_for_every_sender() {
    run_virtual(async {
        let (tx, rx) = channel_fixed(1);
        let tx2 = tx.clone();
        tx.close();
        assert_eq!(tx2.try_send(1), Err(TryPutError::Closed(1)));
        assert_eq!(rx.recv().await, None);
    });
}

#[test]
fn a_send_waiting_when_a_sender_closes_the_channel_still_delivers() {
    run_virtual(async {
        let (tx, rx) = channel();
        let sender = go({
            let tx = tx.clone();
            async move { tx.send(7).await }
        });
        settle().await;
        tx.close();
        assert_eq!(
            rx.recv().await,
            Some(7),
            "core.async: waiting puts drain after a close"
        );
        assert_eq!(sender.await, Ok(()));
        assert_eq!(rx.recv().await, None);
    });
}

#[test]
fn halves_take_part_in_select_macro_arms() {
    run_virtual(async {
        let (numbers_tx, numbers_rx) = channel_fixed(1);
        let (words_tx, words_rx) = channel::<&str>();
        numbers_tx.send(3).await.unwrap();
        let said = select! {
            biased;
            n = get(numbers_rx) => format!("number {n:?}"),
            ok = put(words_tx, "hi") => format!("put {ok}"),
        };
        assert_eq!(said, "number Some(3)");
        drop(numbers_tx);
        let (mut open, mut ends) = (true, 0);
        while open {
            select! {
                n = get(&numbers_rx), if open => match n {
                    Some(n) => panic!("nothing more was sent, got {n}"),
                    None => {
                        open = false;
                        ends += 1;
                    }
                },
            }
        }
        assert_eq!(ends, 1);
        drop(words_rx);
        let refused = select! {
            ok = put(&words_tx, "nobody") => ok,
        };
        assert!(!refused, "the last receiver is gone");
    });
}

#[test]
fn halves_take_part_in_select_operations() {
    run_virtual(async {
        let (a_tx, a_rx) = channel::<u8>();
        let (b_tx, b_rx) = channel_fixed(1);
        b_tx.send(9).await.unwrap();
        let chosen = select([Op::get(&a_rx), Op::get(&b_rx)]).await;
        assert_eq!((chosen.index, chosen.outcome), (1, Outcome::Got(Some(9))));
        assert_eq!(&chosen.chan, b_rx.as_chan());
        let consumer = go(async move { a_rx.recv().await });
        let put = select([Op::put(&a_tx, 4)]).await;
        assert_eq!(put.outcome, Outcome::Put(true));
        assert_eq!(consumer.await, Some(4));
    });
}

#[test]
fn a_receiver_handed_to_an_operator_ends_it_when_the_senders_drop() {
    let got = run_virtual(async {
        let (tx, rx) = channel_fixed(2);
        let rx2 = rx.clone();
        let evens = rx.into_chan().filter(|v: &i32| v % 2 == 0, Out::new());
        drop(rx2);
        // The receiving side now lives with the channel: the clone's drop closed nothing.
        assert!(!tx.is_closed());
        go(async move {
            for v in 0..6 {
                tx.send(v).await.unwrap();
            }
        });
        evens.collect().await
    });
    assert_eq!(got, [0, 2, 4]);
}

#[test]
fn a_sender_turned_into_a_channel_keeps_it_open() {
    run_virtual(async {
        let (tx, rx) = channel_fixed(1);
        let tx2 = tx.clone();
        let plain = tx.into_chan();
        drop(tx2);
        assert!(!rx.is_closed());
        plain.put(1).await;
        plain.close();
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(rx.recv().await, None);
    });
}

#[test]
fn into_split_works_with_any_buffer_and_sees_nothing_of_older_clones() {
    run_virtual(async {
        let chan = Chan::sliding(1);
        let old = chan.clone();
        let (tx, rx) = chan.into_split();
        tx.send(1).await.unwrap();
        tx.send(2).await.unwrap();
        assert_eq!((rx.len(), rx.capacity()), (1, Some(1)));
        drop(tx);
        assert!(old.is_closed(), "the old clone sees the same channel close");
        assert_eq!(old.get().await, Some(2));
        assert_eq!(rx.recv().await, None);
    });
}

#[test]
fn debug_shows_how_many_handles_share_each_side() {
    let (tx, rx) = channel::<u8>();
    let _tx2 = tx.clone();
    let shown = format!("{tx:?} / {rx:?}");
    assert!(shown.contains("senders: 2"), "{shown}");
    assert!(shown.contains("receivers: 1"), "{shown}");
    assert!(shown.contains("closed: false"), "{shown}");
}

#[test]
fn chan_send_hands_the_value_back_on_a_closed_channel() {
    run_virtual(async {
        let c = Chan::fixed(1);
        assert_eq!(c.send(1).await, Ok(()));
        c.close();
        assert_eq!(c.send(2).await.unwrap_err().into_inner(), Some(2));
        assert_eq!(c.get().await, Some(1));
    });
}

#[test]
fn a_remote_sender_counts_as_a_sender_until_its_last_clone_drops() {
    let got = within(Duration::from_secs(20), || {
        aiochan::run(async {
            let (tx, rx) = channel_fixed(2);
            let remote = tx.remote();
            drop(tx);
            assert!(!rx.is_closed(), "the remote sender keeps the channel open");
            let feeders: Vec<_> = (0..2)
                .map(|t| {
                    let remote = remote.clone();
                    std::thread::spawn(move || {
                        for i in 0..5 {
                            remote.put_blocking(t * 100 + i).unwrap();
                        }
                    })
                })
                .collect();
            drop(remote);
            let mut got = Vec::new();
            while let Some(v) = rx.recv().await {
                got.push(v);
            }
            aiochan::spawn_blocking(move || {
                for f in feeders {
                    f.join().unwrap();
                }
            })
            .await;
            got
        })
    });
    let mut sorted = got.clone();
    sorted.sort();
    assert_eq!(sorted, [0, 1, 2, 3, 4, 100, 101, 102, 103, 104]);
}

#[test]
fn a_remote_sender_gets_its_value_back_once_the_receivers_are_gone() {
    within(Duration::from_secs(20), || {
        aiochan::run(async {
            let (tx, rx) = channel_fixed(1);
            let remote = tx.remote();
            drop(rx);
            let thread = std::thread::spawn(move || remote.put_blocking(5));
            let answer = aiochan::spawn_blocking(move || thread.join().unwrap()).await;
            assert_eq!(answer, Err(SendError::Closed(5)));
            drop(tx);
        })
    });
}

#[test]
fn a_remote_put_waiting_when_the_last_receiver_drops_gets_its_value_back() {
    within(Duration::from_secs(20), || {
        aiochan::run(async {
            let (tx, rx) = channel_fixed(1);
            tx.send(1).await.unwrap();
            let remote = tx.remote();
            let thread = std::thread::spawn(move || remote.put_blocking(2));
            // Wait until the thread's put waits in the full channel.
            while rx.as_chan().stats().state != aiochan::ChanState::PendingPuts {
                aiochan::sleep(Duration::from_millis(1)).await;
            }
            drop(rx);
            let answer = aiochan::spawn_blocking(move || thread.join().unwrap()).await;
            assert_eq!(answer, Err(SendError::Closed(2)));
        })
    });
}

#[cfg(feature = "stream")]
mod stream_and_sink {
    //! `Receiver: Stream` and `Sender: Sink`.

    use std::future::poll_fn;
    use std::pin::Pin;

    use aiochan::{channel, channel_fixed, go, Closed};
    use futures_core::Stream;
    use futures_sink::Sink;

    use super::{run_virtual, settle};

    async fn next<S: Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
        poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
    }

    /// `SinkExt::send`: waits for room, starts the send, waits for it to complete.
    async fn send<T, S: Sink<T, Error = Closed> + Unpin>(
        sink: &mut S,
        value: T,
    ) -> Result<(), Closed> {
        poll_fn(|cx| Pin::new(&mut *sink).poll_ready(cx)).await?;
        Pin::new(&mut *sink).start_send(value)?;
        poll_fn(|cx| Pin::new(&mut *sink).poll_flush(cx)).await
    }

    #[test]
    fn a_receiver_streams_until_the_senders_drop() {
        let got = run_virtual(async {
            let (tx, mut rx) = channel();
            go(async move {
                for i in 0..3 {
                    tx.send(i).await.unwrap();
                }
            });
            let mut got = Vec::new();
            while let Some(v) = next(&mut rx).await {
                got.push(v);
            }
            got
        });
        assert_eq!(got, [0, 1, 2]);
    }

    #[test]
    fn a_sender_is_a_sink_that_fails_once_the_receivers_are_gone() {
        run_virtual(async {
            let (mut tx, rx) = channel_fixed(1);
            let mut other = tx.clone();
            send(&mut tx, 1).await.unwrap();
            // `other` has a sink state of its own: its send waits for room.
            let consumer = go(async move {
                let first = rx.recv().await;
                settle().await;
                (first, rx.recv().await)
            });
            send(&mut other, 2).await.unwrap();
            assert_eq!(consumer.await, (Some(1), Some(2)));
            assert_eq!(send(&mut tx, 3).await, Err(Closed));
        });
    }

    #[test]
    fn closing_the_sink_closes_the_channel() {
        run_virtual(async {
            let (mut tx, mut rx) = channel_fixed(2);
            send(&mut tx, 'a').await.unwrap();
            poll_fn(|cx| Pin::new(&mut tx).poll_close(cx))
                .await
                .unwrap();
            assert!(rx.is_closed());
            assert_eq!(next(&mut rx).await, Some('a'));
            assert_eq!(next(&mut rx).await, None);
        });
    }
}
