//! Sockets through the `futures_io` traits (the `io` feature): `AsyncRead` and `AsyncWrite` move
//! bytes, and a read polled with a foreign waker is woken when data arrives.
#![cfg(feature = "io")]

use std::cell::Cell;
use std::future::{poll_fn, Future};
use std::io;
use std::os::unix::net::UnixStream;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Wake, Waker};
use std::time::Duration;

use aiochan::{go, sleep, Async};
use futures_io::{AsyncRead, AsyncWrite};

mod common;
use common::{ms, within};

/// `AsyncRead::poll_read`, awaited.
async fn read_via(reader: &mut (impl AsyncRead + Unpin), buf: &mut [u8]) -> io::Result<usize> {
    poll_fn(|cx| Pin::new(&mut *reader).poll_read(cx, buf)).await
}

/// `AsyncWrite::poll_write`, awaited.
async fn write_via(writer: &mut (impl AsyncWrite + Unpin), buf: &[u8]) -> io::Result<usize> {
    poll_fn(|cx| Pin::new(&mut *writer).poll_write(cx, buf)).await
}

/// `AsyncWrite::poll_flush`, awaited.
async fn flush_via(writer: &mut (impl AsyncWrite + Unpin)) -> io::Result<()> {
    poll_fn(|cx| Pin::new(&mut *writer).poll_flush(cx)).await
}

/// `AsyncWrite::poll_close`, awaited.
async fn close_via(writer: &mut (impl AsyncWrite + Unpin)) -> io::Result<()> {
    poll_fn(|cx| Pin::new(&mut *writer).poll_close(cx)).await
}

#[test]
fn futures_io_traits_move_bytes_and_a_pending_read_is_woken_by_the_write() {
    aiochan::run(async {
        let (mut a, mut b) = Async::<UnixStream>::pair().unwrap();
        let done = Rc::new(Cell::new(false));
        let finished = done.clone();
        let reader = go(async move {
            let mut buf = [0; 16];
            let n = read_via(&mut b, &mut buf).await.unwrap();
            finished.set(true);
            buf[..n].to_vec()
        });
        sleep(ms(20)).await;
        assert!(!done.get(), "the read waits for data");
        assert_eq!(write_via(&mut a, b"hello").await.unwrap(), 5);
        flush_via(&mut a).await.unwrap();
        close_via(&mut a).await.unwrap();
        assert_eq!(reader.await, b"hello");
    });
}

/// A waker that wakes another: polls through it reach the loop as a foreign waker.
struct Forward(Waker);

impl Wake for Forward {
    fn wake(self: Arc<Self>) {
        self.0.wake_by_ref();
    }
}

/// Polls `future` with a foreign waker that forwards to the task's own.
async fn under_foreign_waker<F: Future + Unpin>(mut future: F) -> F::Output {
    poll_fn(|cx: &mut Context<'_>| {
        let waker = Waker::from(Arc::new(Forward(cx.waker().clone())));
        Pin::new(&mut future).poll(&mut Context::from_waker(&waker))
    })
    .await
}

#[test]
fn a_read_polled_with_a_foreign_waker_is_woken_when_data_arrives() {
    within(Duration::from_secs(5), || {
        aiochan::run(async {
            let (mut a, b) = Async::<UnixStream>::pair().unwrap();
            let writer = go(async move {
                sleep(ms(20)).await;
                b.write_all(b"x").await.unwrap();
                b
            });
            let mut buf = [0; 1];
            let n = under_foreign_waker(Box::pin(read_via(&mut a, &mut buf)))
                .await
                .unwrap();
            assert_eq!((n, buf), (1, *b"x"));
            drop(writer.await);
        })
    });
}
