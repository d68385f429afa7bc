//! `Async<T>`: sockets on the loop, registered with its poller.
//!
//! A source is registered once, with no interest. A task whose operation would block records itself
//! as a waiter and arms the source's interest; the poller reports the source at most once per arming
//! (oneshot) and as long as it is ready (level-triggered), so arming after a `WouldBlock` never
//! misses readiness. Every event wakes all the source's waiters, which simply retry.

use std::cell::Cell;
use std::fmt;
use std::future::poll_fn;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs, UdpSocket};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::path::Path;
#[cfg(feature = "io")]
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use polling::Event;
use slab::Slab;

use super::context;
use super::deadlock::WaitsOn;
use super::shared::Shared;
use super::waker::{self, Waiter};

/// A registered source, as the loop keeps it.
#[derive(Debug, Default)]
pub(crate) struct IoSource {
    /// Events seen so far; a waiting operation compares it with the count it last saw.
    ticks: u64,
    /// Whether the armed interest includes reading.
    want_read: bool,
    /// Whether the armed interest includes writing.
    want_write: bool,
    /// Tasks waiting for the source, woken by its next event, each under the token of the wait
    /// that registered it (so that a wait given up withdraws exactly its own entry).
    waiters: Vec<(u64, Waiter)>,
    /// Source of wait tokens.
    next_token: u64,
}

impl IoSource {
    /// The poller reported the source: its (oneshot) interest is spent; every waiter retries.
    fn fire(&mut self, woken: &mut Vec<Waiter>) {
        self.ticks += 1;
        self.want_read = false;
        self.want_write = false;
        woken.extend(self.waiters.drain(..).map(|(_, waiter)| waiter));
    }
}

/// The loop's registered sources, and how many waiters they hold between them, so that the loop
/// knows without a scan whether a task waits on I/O. Every change to a source's waiters goes
/// through these methods, which keep the count.
#[derive(Debug, Default)]
pub(crate) struct IoSources {
    /// The sources, by poller key.
    sources: Slab<IoSource>,
    /// The waiters of all the sources.
    waiters: usize,
}

impl IoSources {
    /// Whether a task waits on a source (so the loop must keep polling rather than report a
    /// deadlock).
    pub(crate) fn is_waited_on(&self) -> bool {
        self.waiters > 0
    }

    fn insert(&mut self) -> usize {
        self.sources.insert(IoSource::default())
    }

    /// Forgets a source; its waiters are returned for the caller to drop outside the borrow.
    fn remove(&mut self, key: usize) -> Option<IoSource> {
        let source = self.sources.try_remove(key)?;
        self.waiters -= source.waiters.len();
        Some(source)
    }

    /// The poller reported source `key` (a stale key is ignored).
    pub(crate) fn fire(&mut self, key: usize, woken: &mut Vec<Waiter>) {
        if let Some(source) = self.sources.get_mut(key) {
            self.waiters -= source.waiters.len();
            source.fire(woken);
        }
    }

    /// Removes the registration `token` of source `key`, if it still holds it.
    fn withdraw(&mut self, key: usize, token: u64) {
        if let Some(source) = self.sources.get_mut(key) {
            let before = source.waiters.len();
            source.waiters.retain(|(t, _)| *t != token);
            self.waiters -= before - source.waiters.len();
        }
    }

    /// `None` if source `key` had an event since `seen`; otherwise registers whoever polls with
    /// `cx` under `token` (made at the first registration) and returns the interest to arm.
    fn wait(
        &mut self,
        key: usize,
        seen: &Cell<u64>,
        token: &Cell<Option<u64>>,
        read: bool,
        cx: &Context<'_>,
    ) -> Option<Event> {
        let source = &mut self.sources[key];
        if source.ticks != seen.get() {
            seen.set(source.ticks);
            return None;
        }
        let mine = *token.get().get_or_insert_with(|| {
            source.next_token += 1;
            source.next_token
        });
        token.set(Some(mine));
        match source.waiters.iter_mut().find(|(t, _)| *t == mine) {
            Some((_, waiter)) if waiter.wakes(cx) => {}
            Some((_, waiter)) => *waiter = Waiter::of(cx),
            None => {
                source.waiters.push((mine, Waiter::of(cx)));
                self.waiters += 1;
            }
        }
        source.want_read |= read;
        source.want_write |= !read;
        Some(Event::new(key, source.want_read, source.want_write))
    }
}

/// An I/O object (socket) in non-blocking mode, registered with the running loop's poller: its
/// operations wait on the loop instead of blocking the thread.
///
/// ```
/// use aiochan::Async;
/// use std::net::{TcpListener, TcpStream};
///
/// aiochan::run(async {
///     let listener = Async::<TcpListener>::bind("127.0.0.1:0").unwrap();
///     let addr = listener.get_ref().local_addr().unwrap();
///     let client = aiochan::go(async move {
///         let stream = Async::<TcpStream>::connect(addr).await.unwrap();
///         stream.write_all(b"ping").await.unwrap();
///     });
///     let (stream, _) = listener.accept().await.unwrap();
///     let mut buf = [0; 4];
///     stream.read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"ping");
///     client.await;
/// });
/// ```
///
/// # Ownership
/// The poller must forget a descriptor before it is closed, so an `Async` must hold what keeps its
/// descriptor open. [`Async::new`] therefore takes a `T: 'static`: an owned object (`TcpStream`),
/// a share of one (`Rc<TcpStream>`, `Arc<TcpStream>`: the share the `Async` holds keeps it open),
/// or a borrow that lasts for ever. A borrow of a local is rejected, since the object could be
/// dropped, closing the descriptor, while a leaked (`mem::forget`) `Async` left it registered:
///
/// ```compile_fail,E0597
/// use aiochan::Async;
/// use std::net::TcpListener;
///
/// aiochan::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
///     let registered = Async::new(&listener).unwrap(); // error: `listener` does not live long enough
///     std::mem::forget(registered);
///     drop(listener); // would close the descriptor while it is still registered
/// });
/// ```
///
/// Leaking an `Async` that owns its object leaks the object too: the descriptor then stays open
/// (and registered) until the process exits.
pub struct Async<T: AsFd> {
    /// The object; `None` only while being taken apart.
    io: Option<T>,
    /// The descriptor `io` gave when it was registered, which registration changes and removal
    /// name (rather than whatever `io` answers later).
    fd: RawFd,
    /// Its key in the loop's poller and source table.
    key: usize,
    /// The loop it is registered with.
    loop_id: u32,
    /// That loop's shared part, to deregister even after the loop has ended.
    shared: Arc<Shared>,
    /// The source's event count when a read last waited.
    seen_by_read: Cell<u64>,
    /// The source's event count when a write last waited.
    seen_by_write: Cell<u64>,
    /// The registration of `AsyncRead::poll_read`, which has no future of its own to hold it.
    #[cfg(feature = "io")]
    read_token: Cell<Option<u64>>,
    /// The registration of `AsyncWrite`'s polls.
    #[cfg(feature = "io")]
    write_token: Cell<Option<u64>>,
}

impl<T: AsFd + 'static> Async<T> {
    /// Puts `io` in non-blocking mode and registers it with the running loop. `io` must be
    /// `'static` (see [Ownership](Async#ownership)).
    ///
    /// # Panics
    /// Outside a running loop.
    #[track_caller]
    pub fn new(io: T) -> io::Result<Async<T>> {
        rustix::io::ioctl_fionbio(&io, true)?;
        context::with_core("Async::new", |core| {
            let key = core.io().borrow_mut().insert();
            let fd = io.as_fd().as_raw_fd();
            // SAFETY: `polling` requires `fd` to stay open until it is deleted from the poller.
            // `T: 'static` holds no borrow that could end, so `fd` is owned by `io` (alone, or
            // shared through an `Rc`/`Arc` whose count `io` keeps above zero) or borrowed for ever.
            // Only `&T` is ever lent out, and I/O safety forbids closing through `&T` a descriptor
            // that `as_fd` may have lent, so nothing closes `fd` while `io` lives. The returned
            // `Async` keeps `io` until `drop` or `into_inner` has deleted `fd`; if the `Async` is
            // leaked instead, `io` is leaked with it and `fd` is never closed.
            if let Err(e) = unsafe { core.shared().poller().add(fd, Event::none(key)) } {
                let removed = core.io().borrow_mut().remove(key);
                drop(removed);
                return Err(e);
            }
            Ok(Async {
                io: Some(io),
                fd,
                key,
                loop_id: core.id(),
                shared: core.shared().clone(),
                seen_by_read: Cell::new(0),
                seen_by_write: Cell::new(0),
                #[cfg(feature = "io")]
                read_token: Cell::new(None),
                #[cfg(feature = "io")]
                write_token: Cell::new(None),
            })
        })
    }
}

impl<T: AsFd> Async<T> {
    /// The object.
    pub fn get_ref(&self) -> &T {
        self.io
            .as_ref()
            .expect("an Async holds its object until taken apart")
    }

    /// Deregisters the object and gives it back (still in non-blocking mode).
    pub fn into_inner(mut self) -> io::Result<T> {
        // On an error the object is dropped with `self`, which tries to deregister it again.
        self.shared.poller().delete(self.registered())?;
        self.forget_source();
        Ok(self
            .io
            .take()
            .expect("an Async holds its object until taken apart"))
    }

    /// The registered descriptor, borrowed for as long as `self` holds the object.
    ///
    /// # Panics
    /// Once the object has been taken out.
    fn registered(&self) -> BorrowedFd<'_> {
        assert!(
            self.io.is_some(),
            "an Async holds its object until taken apart"
        );
        // SAFETY: `fd` is the descriptor `io` gave at registration, which stays open as long as
        // `io` lives (see `Async::new`); `io` is in `self`, and is taken out only by `&mut self`
        // methods, which this borrow excludes.
        unsafe { BorrowedFd::borrow_raw(self.fd) }
    }

    /// Waits until the source may be read.
    ///
    /// # Cancel safety
    /// Dropping the future withdraws its wait.
    pub async fn readable(&self) -> io::Result<()> {
        let wait = Wait::new(self);
        poll_fn(|cx| self.poll_ready(cx, true, &wait.token)).await
    }

    /// Waits until the source may be written.
    ///
    /// # Cancel safety
    /// Dropping the future withdraws its wait.
    pub async fn writable(&self) -> io::Result<()> {
        let wait = Wait::new(self);
        poll_fn(|cx| self.poll_ready(cx, false, &wait.token)).await
    }

    /// Runs the non-blocking read operation `op` until it does not report `WouldBlock`, waiting for
    /// readability between attempts.
    ///
    /// # Cancel safety
    /// Dropping the future withdraws its wait; `op` has had no effect unless it returned.
    pub async fn read_with<R>(&self, mut op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        let wait = Wait::new(self);
        poll_fn(|cx| self.poll_op(cx, true, &wait.token, &mut op)).await
    }

    /// Runs the non-blocking write operation `op` until it does not report `WouldBlock`, waiting for
    /// writability between attempts.
    ///
    /// # Cancel safety
    /// Dropping the future withdraws its wait; `op` has had no effect unless it returned.
    pub async fn write_with<R>(&self, mut op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        let wait = Wait::new(self);
        poll_fn(|cx| self.poll_op(cx, false, &wait.token, &mut op)).await
    }

    /// One attempt of `op`, waiting for readiness if it would block.
    fn poll_op<R>(
        &self,
        cx: &mut Context<'_>,
        read: bool,
        token: &Cell<Option<u64>>,
        op: &mut impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        loop {
            match op(self.get_ref()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                result => return Poll::Ready(result),
            }
            match self.poll_ready(cx, read, token) {
                Poll::Ready(Ok(())) => continue,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    /// Removes the registration `token`, if the source still holds it.
    fn withdraw(&self, token: u64) {
        let key = self.key;
        context::with_current(|core| {
            if core.id() == self.loop_id {
                core.io().borrow_mut().withdraw(key, token);
            }
        });
    }

    /// Ready if the source had an event since this direction last waited; otherwise registers the
    /// task (under `token`, made at the first registration) and arms the interest.
    fn poll_ready(
        &self,
        cx: &mut Context<'_>,
        read: bool,
        token: &Cell<Option<u64>>,
    ) -> Poll<io::Result<()>> {
        let seen = if read {
            &self.seen_by_read
        } else {
            &self.seen_by_write
        };
        context::with_core("Async", |core| {
            assert_eq!(
                core.id(),
                self.loop_id,
                "aiochan: an Async was used on another event loop than the one it was registered with"
            );
            let waited = core.io().borrow_mut().wait(self.key, seen, token, read, cx);
            let Some(interest) = waited else {
                return Poll::Ready(Ok(()));
            };
            if let Some(task) = waker::task_of(cx) {
                core.note_wait(task, || WaitsOn::Io, |w| matches!(w, WaitsOn::Io));
            }
            match self.shared.poller().modify(self.registered(), interest) {
                Ok(()) => Poll::Pending,
                Err(e) => Poll::Ready(Err(e)),
            }
        })
    }

    /// Removes the source from its loop's table, if that loop still runs here.
    fn forget_source(&self) {
        let key = self.key;
        let removed = context::with_current(|core| {
            (core.id() == self.loop_id).then(|| core.io().borrow_mut().remove(key))
        });
        drop(removed);
    }
}

/// The registration of one waiting future, withdrawn when the future is dropped.
struct Wait<'a, T: AsFd> {
    source: &'a Async<T>,
    token: Cell<Option<u64>>,
}

impl<'a, T: AsFd> Wait<'a, T> {
    fn new(source: &'a Async<T>) -> Wait<'a, T> {
        Wait {
            source,
            token: Cell::new(None),
        }
    }
}

impl<T: AsFd> Drop for Wait<'_, T> {
    fn drop(&mut self) {
        if let Some(token) = self.token.get() {
            self.source.withdraw(token);
        }
    }
}

impl<T: AsFd> Drop for Async<T> {
    fn drop(&mut self) {
        if self.io.is_some() {
            // Deregistering fails only if the poller is gone with its loop, which forgot the fd.
            let _ = self.shared.poller().delete(self.registered());
            self.forget_source();
            // Only now may the object close the descriptor.
            self.io = None;
        }
    }
}

impl<T: AsFd> fmt::Debug for Async<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Async")
            .field("fd", &self.io.as_ref().map(|_| self.fd))
            .field("key", &self.key)
            .finish()
    }
}

impl<T: AsFd> Async<T>
where
    for<'a> &'a T: Read + Write,
{
    /// Reads into `buf`, waiting until data (or the end of the stream: `Ok(0)`) is there.
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.read_with(|io| { io }.read(buf)).await
    }

    /// Fills `buf` exactly, or fails with `UnexpectedEof`.
    pub async fn read_exact(&self, mut buf: &mut [u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.read(buf).await? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => buf = &mut buf[n..],
            }
        }
        Ok(())
    }

    /// Writes some of `buf`, waiting until the object accepts bytes.
    pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        self.write_with(|io| { io }.write(buf)).await
    }

    /// Writes all of `buf`.
    pub async fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.write(buf).await? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                n => buf = &buf[n..],
            }
        }
        Ok(())
    }
}

impl Async<TcpListener> {
    /// Binds a listener to `addr` (port 0: any free port) on the running loop.
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<Async<TcpListener>> {
        Async::new(TcpListener::bind(addr)?)
    }

    /// Waits for the next connection.
    pub async fn accept(&self) -> io::Result<(Async<TcpStream>, SocketAddr)> {
        let (stream, addr) = self.read_with(TcpListener::accept).await?;
        Ok((Async::new(stream)?, addr))
    }
}

impl Async<TcpStream> {
    /// Connects to `addr`. The connection is made on a blocking thread (see
    /// [`spawn_blocking`](crate::spawn_blocking)), so the loop goes on meanwhile.
    pub async fn connect(
        addr: impl ToSocketAddrs + Send + 'static,
    ) -> io::Result<Async<TcpStream>> {
        let stream = super::spawn_blocking(move || TcpStream::connect(addr)).await?;
        Async::new(stream)
    }
}

impl Async<UdpSocket> {
    /// Binds a UDP socket to `addr` on the running loop.
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<Async<UdpSocket>> {
        Async::new(UdpSocket::bind(addr)?)
    }

    /// Sends `buf` to `addr`.
    pub async fn send_to(&self, buf: &[u8], addr: SocketAddr) -> io::Result<usize> {
        self.write_with(|s| s.send_to(buf, addr)).await
    }

    /// Receives one datagram into `buf`.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.read_with(|s| s.recv_from(buf)).await
    }
}

impl Async<UnixStream> {
    /// Connects to the socket at `path`, on a blocking thread.
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<Async<UnixStream>> {
        let path = path.as_ref().to_owned();
        let stream = super::spawn_blocking(move || UnixStream::connect(path)).await?;
        Async::new(stream)
    }

    /// A connected pair of Unix sockets, both on the running loop.
    pub fn pair() -> io::Result<(Async<UnixStream>, Async<UnixStream>)> {
        let (a, b) = UnixStream::pair()?;
        Ok((Async::new(a)?, Async::new(b)?))
    }
}

#[cfg(feature = "io")]
impl<T: AsFd> futures_io::AsyncRead for Async<T>
where
    for<'a> &'a T: Read,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this: &Self = &self;
        this.poll_op(cx, true, &this.read_token, &mut |io: &T| { io }.read(buf))
    }
}

#[cfg(feature = "io")]
impl<T: AsFd> futures_io::AsyncWrite for Async<T>
where
    for<'a> &'a T: Write,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this: &Self = &self;
        this.poll_op(cx, false, &this.write_token, &mut |io: &T| {
            { io }.write(buf)
        })
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this: &Self = &self;
        this.poll_op(cx, false, &this.write_token, &mut |io: &T| { io }.flush())
    }

    /// Flushes only: a generic `T` has no half-close. To send end-of-stream on a TCP or Unix stream,
    /// call `get_ref().shutdown(Shutdown::Write)`.
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}
