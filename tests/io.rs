//! Sockets on the loop: TCP, UDP and Unix round trips, full buffers, futures-io, waits and cleanup.

use std::cell::Cell;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream, UdpSocket};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::sync::{mpsc, Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use aiochan::{go, select, sleep, timeout, Async, Chan, JoinHandle};

mod common;
use common::{ms, panic_message, within};

/// The tests of this file run one at a time, so that the file descriptor count sees only its own.
fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Reads until the end of the stream.
async fn read_to_end<T: AsFd>(stream: &Async<T>) -> Vec<u8>
where
    for<'a> &'a T: Read + Write,
{
    let mut data = Vec::new();
    let mut buf = [0; 4096];
    loop {
        match stream.read(&mut buf).await.unwrap() {
            0 => return data,
            n => data.extend_from_slice(&buf[..n]),
        }
    }
}

/// `len` bytes that differ between neighbouring positions and between `salt`s.
fn pattern(len: usize, salt: u8) -> Vec<u8> {
    let block: Vec<u8> = (0..251u8).map(|i| i ^ salt.wrapping_mul(37)).collect();
    let mut bytes = block.repeat(len / block.len() + 1);
    bytes.truncate(len);
    bytes
}

#[test]
fn tcp_round_trip_between_a_listener_and_a_client_on_the_same_loop() {
    let _serial = serial();
    aiochan::run(async {
        let listener = Async::<TcpListener>::bind("127.0.0.1:0").unwrap();
        let addr = listener.get_ref().local_addr().unwrap();
        let server = go(async move {
            let (stream, peer) = listener.accept().await.unwrap();
            let mut request = [0; 4];
            stream.read_exact(&mut request).await.unwrap();
            stream.write_all(b"pong").await.unwrap();
            (request, peer)
        });
        let client = Async::<TcpStream>::connect(addr).await.unwrap();
        client.write_all(b"ping").await.unwrap();
        let mut reply = [0; 4];
        client.read_exact(&mut reply).await.unwrap();
        assert_eq!(&reply, b"pong");
        let (request, peer) = server.await;
        assert_eq!(&request, b"ping");
        assert_eq!(peer, client.get_ref().local_addr().unwrap());
        // The server's stream is gone with its task: the client reads the end of the stream.
        assert_eq!(client.read(&mut reply).await.unwrap(), 0);
    });
}

#[test]
fn fifty_concurrent_connections_are_each_echoed_back_their_own_bytes() {
    let _serial = serial();
    const CLIENTS: usize = 50;
    let echoed = aiochan::run(async {
        let listener = Async::<TcpListener>::bind("127.0.0.1:0").unwrap();
        let addr = listener.get_ref().local_addr().unwrap();
        let server = go(async move {
            let mut echoes = Vec::new();
            for _ in 0..CLIENTS {
                let (stream, _) = listener.accept().await.unwrap();
                echoes.push(go(async move {
                    let data = read_to_end(&stream).await;
                    stream.write_all(&data).await.unwrap();
                }));
            }
            for echo in echoes {
                echo.await;
            }
        });
        let clients: Vec<JoinHandle<(usize, Vec<u8>)>> = (0..CLIENTS)
            .map(|i| {
                go(async move {
                    let stream = Async::<TcpStream>::connect(addr).await.unwrap();
                    stream
                        .write_all(format!("client {i}").as_bytes())
                        .await
                        .unwrap();
                    stream.get_ref().shutdown(Shutdown::Write).unwrap();
                    (i, read_to_end(&stream).await)
                })
            })
            .collect();
        let mut echoed = Vec::new();
        for client in clients {
            echoed.push(client.await);
        }
        server.await;
        echoed
    });
    assert_eq!(echoed.len(), CLIENTS);
    for (i, data) in echoed {
        assert_eq!(String::from_utf8(data).unwrap(), format!("client {i}"));
    }
}

/// Moves `len` bytes from `from` to `to` with a writer task and a reader task. The reader starts
/// only once the writer has found the socket full (or has written everything), so that the writer
/// must wait for writability; returns how many writes found it full.
fn pump<T: AsFd + 'static>(
    from: Rc<Async<T>>,
    to: Rc<Async<T>>,
    len: usize,
    salt: u8,
) -> JoinHandle<usize>
where
    for<'a> &'a T: Read + Write,
{
    let full = Chan::<()>::new();
    let gate = full.clone();
    let reader = go(async move {
        gate.get().await;
        let mut received = Vec::with_capacity(len);
        let mut buf = vec![0; 64 * 1024];
        while received.len() < len {
            match to.read(&mut buf).await.unwrap() {
                0 => panic!("the stream ended after {} bytes", received.len()),
                n => received.extend_from_slice(&buf[..n]),
            }
        }
        assert!(received == pattern(len, salt), "the bytes arrived intact");
    });
    go(async move {
        let data = pattern(len, salt);
        let blocked = Cell::new(0);
        let mut sent = 0;
        while sent < len {
            sent += from
                .write_with(|mut socket| match socket.write(&data[sent..]) {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        blocked.set(blocked.get() + 1);
                        full.close();
                        Err(e)
                    }
                    written => written,
                })
                .await
                .unwrap();
        }
        full.close();
        reader.await;
        blocked.get()
    })
}

/// Sends `len` bytes each way between `a` and `b` at once; returns how many writes found the
/// socket full, each way.
async fn both_ways<T: AsFd + 'static>(a: Async<T>, b: Async<T>, len: usize) -> (usize, usize)
where
    for<'a> &'a T: Read + Write,
{
    let (a, b) = (Rc::new(a), Rc::new(b));
    let there = pump(a.clone(), b.clone(), len, 1);
    let back = pump(b, a, len, 2);
    (there.await, back.await)
}

#[test]
fn a_mebibyte_each_way_over_a_unix_pair_waits_for_writability_when_the_buffer_is_full() {
    let _serial = serial();
    let blocked = within(Duration::from_secs(10), || {
        aiochan::run(async {
            let (a, b) = Async::<UnixStream>::pair().unwrap();
            both_ways(a, b, 1 << 20).await
        })
    });
    assert!(
        blocked.0 > 0 && blocked.1 > 0,
        "writes found full: {blocked:?}"
    );
}

#[test]
fn eight_mebibytes_each_way_over_tcp_wait_for_writability_when_the_buffers_are_full() {
    // Loopback TCP buffers grow to a few MiB before a writer finds them full, hence 8 MiB.
    let _serial = serial();
    let blocked = within(Duration::from_secs(10), || {
        aiochan::run(async {
            let listener = Async::<TcpListener>::bind("127.0.0.1:0").unwrap();
            let addr = listener.get_ref().local_addr().unwrap();
            let client = go(Async::<TcpStream>::connect(addr));
            let (server, _) = listener.accept().await.unwrap();
            both_ways(client.await.unwrap(), server, 8 << 20).await
        })
    });
    assert!(
        blocked.0 > 0 && blocked.1 > 0,
        "writes found full: {blocked:?}"
    );
}

#[test]
fn udp_datagrams_make_a_round_trip_with_their_sender_addresses() {
    let _serial = serial();
    aiochan::run(async {
        let a = Async::<UdpSocket>::bind("127.0.0.1:0").unwrap();
        let b = Async::<UdpSocket>::bind("127.0.0.1:0").unwrap();
        let (a_addr, b_addr) = (
            a.get_ref().local_addr().unwrap(),
            b.get_ref().local_addr().unwrap(),
        );
        let echo = go(async move {
            let mut buf = [0; 64];
            let (n, from) = b.recv_from(&mut buf).await.unwrap();
            buf[..n].reverse();
            b.send_to(&buf[..n], from).await.unwrap();
            from
        });
        assert_eq!(a.send_to(b"datagram", b_addr).await.unwrap(), 8);
        let mut buf = [0; 64];
        let (n, from) = a.recv_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"margatad"[..], b_addr));
        assert_eq!(echo.await, a_addr);
    });
}

#[test]
fn a_unix_pair_carries_bytes_both_ways_and_reports_the_end_of_the_stream() {
    let _serial = serial();
    aiochan::run(async {
        let (a, b) = Async::<UnixStream>::pair().unwrap();
        let peer = go(async move {
            let mut question = [0; 8];
            b.read_exact(&mut question).await.unwrap();
            b.write_all(b"answer").await.unwrap();
            question
        });
        a.write_all(b"question").await.unwrap();
        let mut answer = [0; 6];
        a.read_exact(&mut answer).await.unwrap();
        assert_eq!(&answer, b"answer");
        assert_eq!(&peer.await, b"question");
        let mut more = [0; 1];
        assert_eq!(a.read(&mut more).await.unwrap(), 0);
        let err = a.read_exact(&mut more).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    });
}

#[test]
fn connecting_to_a_closed_port_fails_without_hanging() {
    let _serial = serial();
    let addr = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let result = within(Duration::from_secs(5), move || {
        aiochan::run(async move { Async::<TcpStream>::connect(addr).await.map(|_| ()) })
    });
    assert_eq!(result.unwrap_err().kind(), io::ErrorKind::ConnectionRefused);
}

#[test]
fn a_task_waiting_on_a_socket_is_not_a_deadlock_while_a_thread_will_send() {
    let _serial = serial();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (go_ahead, wait) = mpsc::channel();
    // A plain thread, unknown to the loop: no handle, no waker. Only the socket can wake the loop.
    let peer = thread::spawn(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        wait.recv().unwrap();
        thread::sleep(ms(50));
        stream.write_all(b"late").unwrap();
    });
    let (got, waited) = within(Duration::from_secs(5), move || {
        aiochan::run(async move {
            let listener = Async::new(listener).unwrap();
            let (stream, _) = listener.accept().await.unwrap();
            let start = Instant::now();
            go_ahead.send(()).unwrap();
            let mut buf = [0; 4];
            stream.read_exact(&mut buf).await.unwrap();
            (buf, start.elapsed())
        })
    });
    peer.join().unwrap();
    assert_eq!(&got, b"late");
    assert!(
        waited >= ms(50),
        "the read waited for the thread ({waited:?})"
    );
}

/// Entries in this process's descriptor table.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// Waits (a little) for the descriptor count to come back to `expected`: a thread of
/// `spawn_blocking` may drop its waker, and with it the loop's poller, just after `run` returns.
fn assert_fds_back_to(expected: usize) {
    let start = Instant::now();
    while open_fds() != expected && start.elapsed() < Duration::from_secs(1) {
        thread::sleep(ms(5));
    }
    assert_eq!(open_fds(), expected, "file descriptors left behind");
}

#[test]
fn no_file_descriptor_outlives_the_run_not_even_the_poller() {
    let _serial = serial();
    let before = open_fds();
    aiochan::run(async {});
    assert_fds_back_to(before);

    aiochan::run(async {
        assert_eq!(open_fds(), before, "a loop opens its poller only for I/O");
        // The first source opens the poller (an epoll instance and an eventfd).
        drop(Async::<UnixStream>::pair().unwrap());
        let in_run = open_fds();
        let (a, b) = Async::<UnixStream>::pair().unwrap();
        drop((a, b));
        assert_eq!(
            open_fds(),
            in_run,
            "a dropped Async closes its socket at once"
        );

        let listener = Async::<TcpListener>::bind("127.0.0.1:0").unwrap();
        let addr = listener.get_ref().local_addr().unwrap();
        let client = go(Async::<TcpStream>::connect(addr));
        let (server, _) = listener.accept().await.unwrap();
        let client = client.await.unwrap();
        client.write_all(b"x").await.unwrap();
        let mut buf = [0; 1];
        server.read_exact(&mut buf).await.unwrap();
        let udp = Async::<UdpSocket>::bind("127.0.0.1:0").unwrap();
        udp.send_to(b"self", udp.get_ref().local_addr().unwrap())
            .await
            .unwrap();
        udp.recv_from(&mut buf).await.unwrap();
        // Left for the loop's shutdown: a task parked on a socket it owns.
        let (parked, _peer) = Async::<UnixStream>::pair().unwrap();
        go(async move { parked.readable().await });
        sleep(ms(5)).await;
    });
    assert_fds_back_to(before);
}

#[test]
fn an_async_that_outlives_its_run_releases_the_socket_and_poller_when_dropped() {
    let _serial = serial();
    let before = open_fds();
    let kept = aiochan::run(async {
        let (a, b) = Async::<UnixStream>::pair().unwrap();
        drop(b);
        a
    });
    assert!(open_fds() > before, "the socket is still open");
    drop(kept);
    assert_fds_back_to(before);
}

#[test]
fn aborting_a_task_parked_on_a_socket_closes_the_socket_and_the_loop_goes_on() {
    let _serial = serial();
    within(Duration::from_secs(5), || {
        aiochan::run(async {
            let (a, b) = Async::<UnixStream>::pair().unwrap();
            let reader = go(async move {
                let mut buf = [0; 1];
                a.read(&mut buf).await
            });
            sleep(ms(10)).await;
            // The task owns `a` and waits on it: aborting drops both.
            reader.abort();
            let mut buf = [0; 1];
            assert_eq!(
                b.read(&mut buf).await.unwrap(),
                0,
                "the peer sees the close"
            );
        })
    });
}

#[test]
fn a_deadlock_after_a_socket_wait_was_dropped_with_its_socket_is_reported() {
    let _serial = serial();
    let report = within(Duration::from_secs(1), || {
        panic_message(|| {
            aiochan::run(async {
                let (a, b) = Async::<UnixStream>::pair().unwrap();
                let deadline = timeout::<()>(ms(10));
                select! {
                    _ = a.readable() => unreachable!("nothing was sent"),
                    _ = get(deadline) => {}
                }
                drop((a, b));
                Chan::<()>::new().named("nobody").get().await;
            })
        })
    });
    assert!(
        report.contains("main: waits on get from channel 'nobody'"),
        "{report}"
    );
}

#[test]
fn a_deadlock_after_a_socket_wait_timed_out_is_reported_while_the_socket_lives() {
    // The read below lost to its timeout and was dropped; nothing waits on the socket any more,
    // so the loop is deadlocked and must say so rather than sleep forever.
    let _serial = serial();
    let report = within(Duration::from_secs(1), || {
        panic_message(|| {
            aiochan::run(async {
                let (a, _b) = Async::<UnixStream>::pair().unwrap();
                let deadline = timeout::<()>(ms(10));
                select! {
                    _ = a.readable() => unreachable!("nothing was sent"),
                    _ = get(deadline) => {}
                }
                Chan::<()>::new().named("nobody").get().await;
            })
        })
    });
    assert!(
        report.contains("main: waits on get from channel 'nobody'"),
        "{report}"
    );
}

#[test]
fn a_forgotten_async_never_has_its_descriptor_closed_while_registered() {
    // `Async::new(&listener)` followed by `mem::forget` and `drop(listener)` used to close a
    // registered descriptor; it no longer compiles (see the `Async` docs). What still compiles
    // keeps the descriptor open for as long as it is registered.
    let _serial = serial();
    within(Duration::from_secs(5), || {
        aiochan::run(async {
            // The loop's first source opens its poller: count from after that.
            drop(Async::<UnixStream>::pair().unwrap());
            let before = open_fds();
            // A shared object: the forgotten `Async` keeps its share, so dropping ours closes nothing.
            let listener = Arc::new(TcpListener::bind("127.0.0.1:0").unwrap());
            let addr = listener.local_addr().unwrap();
            std::mem::forget(Async::new(listener.clone()).unwrap());
            drop(listener);
            assert_eq!(
                open_fds(),
                before + 1,
                "the listener's socket is still open"
            );
            // Still listening: the kernel completes a connection to it.
            let client = Async::<TcpStream>::connect(addr).await.unwrap();
            drop(client);

            // An owned object is leaked with its `Async`: its socket stays open, and its peer can
            // still write to it.
            let (forgotten, peer) = Async::<UnixStream>::pair().unwrap();
            std::mem::forget(forgotten);
            peer.write_all(b"still open").await.unwrap();

            // The loop goes on serving other sockets, and dropping or taking apart an `Async`
            // still closes or returns its object.
            let in_use = open_fds();
            let (a, b) = Async::<UnixStream>::pair().unwrap();
            a.write_all(b"ping").await.unwrap();
            let mut buf = [0; 4];
            b.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"ping");
            drop(a);
            let b = b.into_inner().unwrap();
            assert_eq!(open_fds(), in_use + 1, "only the taken-out socket is open");
            drop(b);
            assert_eq!(open_fds(), in_use);
        })
    });
}

/// An object whose `as_fd` answers one of two sockets, as a flag says.
struct Switching {
    first: UnixStream,
    second: UnixStream,
    answer_second: Cell<bool>,
}

impl AsFd for Switching {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        if self.answer_second.get() {
            self.second.as_fd()
        } else {
            self.first.as_fd()
        }
    }
}

#[test]
fn an_async_waits_on_the_descriptor_it_registered_when_its_object_later_answers_another() {
    // Registration changes and removal name the descriptor given at registration, not whatever the
    // object answers later (which, at removal, would leave the registered one behind).
    let _serial = serial();
    let (ready, readable) = within(Duration::from_secs(5), || {
        aiochan::run(async {
            let (first, mut first_peer) = UnixStream::pair().unwrap();
            let (second, _second_peer) = UnixStream::pair().unwrap();
            let source = Async::new(Switching {
                first,
                second,
                answer_second: Cell::new(false),
            })
            .unwrap();
            source.get_ref().answer_second.set(true);
            let waiting = source.readable();
            first_peer.write_all(b"x").unwrap();
            let ready = waiting.await;
            let mut buf = [0; 1];
            let readable = (&source.get_ref().first).read(&mut buf).map(|_| buf[0]);
            (ready.map_err(|e| e.kind()), readable.map_err(|e| e.kind()))
        })
    });
    assert_eq!(ready, Ok(()));
    assert_eq!(readable, Ok(b'x'));
}
