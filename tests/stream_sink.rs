//! `ChanStream` and `ChanSink`: a channel through the `Stream` and `Sink` traits of futures.
#![cfg(feature = "stream")]

use std::future::{poll_fn, Future};
use std::pin::Pin;

use aiochan::{from_iter, go, nop, Chan, ChanSink, ChanStream, Closed, TryGetError};
use futures_core::Stream;
use futures_sink::Sink;

mod common;
use common::run_seeded;

/// Runs `future` on a loop with virtual time and a fixed seed.
fn run_virtual<F: Future>(future: F) -> F::Output {
    run_seeded(8, future)
}

/// Lets every ready task run a few turns.
async fn settle() {
    for _ in 0..5 {
        nop().await;
    }
}

async fn next<T: 'static>(stream: &mut ChanStream<T>) -> Option<T> {
    poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
}

async fn ready<T: 'static>(sink: &mut ChanSink<T>) -> Result<(), Closed> {
    poll_fn(|cx| Pin::new(&mut *sink).poll_ready(cx)).await
}

async fn flush<T: 'static>(sink: &mut ChanSink<T>) -> Result<(), Closed> {
    poll_fn(|cx| Pin::new(&mut *sink).poll_flush(cx)).await
}

async fn close<T: 'static>(sink: &mut ChanSink<T>) -> Result<(), Closed> {
    poll_fn(|cx| Pin::new(&mut *sink).poll_close(cx)).await
}

/// `SinkExt::send`: waits for room, starts the put, waits for it to complete.
async fn send<T: 'static>(sink: &mut ChanSink<T>, value: T) -> Result<(), Closed> {
    ready(sink).await?;
    Pin::new(&mut *sink).start_send(value)?;
    flush(sink).await
}

#[test]
fn a_stream_yields_the_values_then_ends_when_the_channel_is_closed_and_drained() {
    run_virtual(async {
        let c = Chan::new();
        let producer = go({
            let c = c.clone();
            async move {
                for i in 0..5 {
                    assert!(c.put(i).await);
                }
                c.close();
            }
        });
        let mut stream = c.stream();
        let mut got = Vec::new();
        while let Some(v) = next(&mut stream).await {
            got.push(v);
        }
        assert_eq!(got, [0, 1, 2, 3, 4]);
        assert_eq!(next(&mut stream).await, None, "an ended stream stays ended");
        producer.await;
    });
}

#[test]
fn a_stream_of_an_iterator_channel() {
    run_virtual(async {
        let mut stream = from_iter(["a", "b"]).stream();
        assert_eq!(next(&mut stream).await, Some("a"));
        assert_eq!(next(&mut stream).await, Some("b"));
        assert_eq!(next(&mut stream).await, None);
    });
}

#[test]
fn a_stream_dropped_while_a_value_was_committed_to_it_gives_the_value_back() {
    run_virtual(async {
        let c = Chan::new();
        let reader = go({
            let c = c.clone();
            async move {
                let mut stream = c.stream();
                next(&mut stream).await
            }
        });
        settle().await;
        assert!(c.put(1).await, "committed to the stream's get");
        reader.abort();
        assert_eq!(c.try_get(), Ok(1));
    });
}

#[test]
fn a_sink_sends_with_back_pressure() {
    run_virtual(async {
        let c = Chan::fixed(1);
        let mut sink = c.sink();
        assert_eq!(send(&mut sink, 1).await, Ok(()), "the buffer had room");
        let sender = go({
            let c = c.clone();
            async move {
                let mut sink = c.sink();
                send(&mut sink, 2).await
            }
        });
        settle().await;
        assert!(!sender.is_finished(), "the buffer is full: the send waits");
        assert_eq!(c.get().await, Some(1));
        assert_eq!(sender.await, Ok(()));
        assert_eq!(c.try_get(), Ok(2));
    });
}

#[test]
fn a_sink_flush_waits_for_a_get_on_a_rendezvous_channel() {
    run_virtual(async {
        let c = Chan::new();
        let sender = go({
            let c = c.clone();
            async move {
                let mut sink = c.sink();
                ready(&mut sink).await.unwrap();
                Pin::new(&mut sink).start_send("v").unwrap();
                flush(&mut sink).await
            }
        });
        settle().await;
        assert!(!sender.is_finished());
        assert!(c.is_get_ready(), "the started put waits in the channel");
        assert_eq!(c.get().await, Some("v"));
        assert_eq!(sender.await, Ok(()));
    });
}

#[test]
fn a_sink_errors_with_closed_after_the_channel_is_closed() {
    run_virtual(async {
        let c = Chan::fixed(2);
        let mut sink = c.sink();
        assert_eq!(send(&mut sink, 1).await, Ok(()));
        c.close();
        assert_eq!(ready(&mut sink).await, Err(Closed));
        assert_eq!(Pin::new(&mut sink).start_send(2), Err(Closed));
        assert_eq!(send(&mut sink, 3).await, Err(Closed));
        assert_eq!(Closed.to_string(), "the channel is closed");
        assert_eq!(c.try_get(), Ok(1));
        assert_eq!(
            c.try_get(),
            Err(TryGetError::Closed),
            "nothing was put after the close"
        );
    });
}

#[test]
fn a_put_started_before_the_close_still_completes() {
    run_virtual(async {
        let c = Chan::new();
        let sender = go({
            let c = c.clone();
            async move {
                let mut sink = c.sink();
                send(&mut sink, 1).await
            }
        });
        settle().await;
        c.close();
        assert_eq!(c.get().await, Some(1));
        assert_eq!(sender.await, Ok(()), "the value was taken");
    });
}

#[test]
fn poll_close_flushes_then_closes_the_channel() {
    run_virtual(async {
        let c = Chan::new();
        let closer = go({
            let c = c.clone();
            async move {
                let mut sink = c.sink();
                ready(&mut sink).await.unwrap();
                Pin::new(&mut sink).start_send(1).unwrap();
                close(&mut sink).await
            }
        });
        settle().await;
        assert!(
            !c.is_closed(),
            "the sink closes only once its put completed"
        );
        assert_eq!(c.get().await, Some(1));
        assert_eq!(closer.await, Ok(()));
        assert!(c.is_closed());
        assert_eq!(c.get().await, None);
    });
}

#[test]
fn poll_close_with_nothing_in_flight_closes_at_once() {
    run_virtual(async {
        let c = Chan::<u8>::new();
        let mut sink = c.sink();
        assert_eq!(close(&mut sink).await, Ok(()));
        assert!(c.is_closed());
        assert_eq!(close(&mut sink).await, Ok(()), "closing again is harmless");
    });
}

#[test]
fn dropping_a_sink_with_a_waiting_put_withdraws_it() {
    run_virtual(async {
        let c = Chan::new();
        let sender = go({
            let c = c.clone();
            async move {
                let mut sink = c.sink();
                send(&mut sink, 1).await
            }
        });
        settle().await;
        assert!(c.is_get_ready());
        sender.abort();
        assert!(!c.is_get_ready());
        assert_eq!(c.try_get(), Err(TryGetError::Empty));
    });
}

#[test]
fn a_sink_and_a_stream_carry_values_end_to_end() {
    run_virtual(async {
        let c = Chan::fixed(2);
        let producer = go({
            let c = c.clone();
            async move {
                let mut sink = c.sink();
                for i in 0..100 {
                    send(&mut sink, i).await.unwrap();
                }
                close(&mut sink).await.unwrap();
            }
        });
        let mut stream = c.stream();
        let mut got = Vec::new();
        while let Some(v) = next(&mut stream).await {
            got.push(v);
        }
        assert_eq!(got, (0..100).collect::<Vec<_>>());
        producer.await;
    });
}

#[test]
fn adapters_show_their_channel_in_debug() {
    let c = Chan::<u8>::new().named("s");
    assert!(
        format!("{:?}", c.stream()).starts_with("ChanStream { chan: Chan { name: \"channel 's'\"")
    );
    assert!(format!("{:?}", c.sink()).starts_with("ChanSink { chan: Chan { name: \"channel 's'\""));
}
