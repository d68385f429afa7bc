//! The http_router example's server, driven over loopback by real blocking HTTP clients on threads.

#[allow(dead_code)]
#[path = "../examples/http_router.rs"]
mod http_router;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use aiochan::{go, spawn_blocking, Async, Chan};
use http_router::{serve, Config, Stats};

mod common;
use common::{ms, within};

/// A configuration with short times, so that tests stay quick.
fn quick() -> Config {
    Config {
        deadline: ms(300),
        io_timeout: ms(600),
        slow: ms(3000),
        workers: 2,
        queue: 4,
        backend_delays: vec![ms(400), ms(20), ms(200)],
        max_connections: 64,
    }
}

/// Serves on 127.0.0.1:0 inside `aiochan::run`, runs `client` (blocking) on a thread with the
/// server's address, then shuts the server down; returns what the client returned and the server's
/// stats. The whole run must end within 10 s.
fn with_server<R: Send + 'static>(
    config: Config,
    client: impl FnOnce(SocketAddr) -> R + Send + 'static,
) -> (R, Stats) {
    within(Duration::from_secs(10), move || {
        aiochan::run(async move {
            let listener = Async::<TcpListener>::bind("127.0.0.1:0").unwrap();
            let addr = listener.get_ref().local_addr().unwrap();
            let shutdown = Chan::new();
            let server = go(serve(listener, shutdown.clone(), config));
            let result = spawn_blocking(move || client(addr)).await;
            shutdown.close();
            (result, server.await)
        })
    })
}

/// A response as the client saw it.
#[derive(Debug)]
struct Reply {
    status: u16,
    body: String,
}

/// Opens a connection and sends `raw` on it.
fn send(addr: SocketAddr, raw: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream.write_all(raw).unwrap();
    stream
}

/// Sends `raw` on a new connection and reads the response to the end of the stream (the server
/// closes after one response), checking its framing.
fn exchange(addr: SocketAddr, raw: &[u8]) -> Reply {
    receive(send(addr, raw))
}

/// Reads a response to the end of the stream, checking its framing.
fn receive(mut stream: TcpStream) -> Reply {
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of head in {text:?}"));
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    assert!(status_line.starts_with("HTTP/1.1 "), "{status_line:?}");
    let status = status_line[9..12].parse().unwrap();
    let length: usize = lines
        .find_map(|line| line.strip_prefix("Content-Length: "))
        .unwrap_or_else(|| panic!("no Content-Length in {head:?}"))
        .parse()
        .unwrap();
    assert_eq!(length, body.len(), "Content-Length of {text:?}");
    Reply {
        status,
        body: body.to_string(),
    }
}

fn get(addr: SocketAddr, path: &str) -> Reply {
    exchange(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").as_bytes(),
    )
}

fn post(addr: SocketAddr, path: &str, body: &str) -> Reply {
    let raw = format!(
        "POST {path} HTTP/1.1\r\nHost: test\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    exchange(addr, raw.as_bytes())
}

/// Runs `request` on `n` threads that start together; returns their results in thread order.
fn concurrently<R: Send + 'static>(
    addr: SocketAddr,
    n: usize,
    request: impl Fn(SocketAddr, usize) -> R + Send + Sync + 'static,
) -> Vec<R> {
    let request = Arc::new(request);
    let start = Arc::new(Barrier::new(n));
    let threads: Vec<_> = (0..n)
        .map(|i| {
            let (request, start) = (request.clone(), start.clone());
            thread::spawn(move || {
                start.wait();
                request(addr, i)
            })
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}

#[test]
fn known_routes_answer_200_with_their_bodies() {
    let (replies, stats) = with_server(quick(), |addr| {
        [
            get(addr, "/"),
            get(addr, "/hello/aiochan"),
            get(addr, "/hello/query?ignored=1"),
            post(addr, "/echo", "ping\r\nwith a line break"),
        ]
    });
    let seen: Vec<_> = replies
        .iter()
        .map(|r| (r.status, r.body.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            (200, "hello, world\n"),
            (200, "hello, aiochan\n"),
            (200, "hello, query\n"),
            (200, "ping\r\nwith a line break"),
        ]
    );
    assert_eq!(stats.connections, 4);
    assert_eq!(stats.responses.get(&200), Some(&4));
}

#[test]
fn unknown_paths_answer_404_from_the_router() {
    let (replies, stats) = with_server(quick(), |addr| {
        [get(addr, "/nope"), get(addr, "/hellothere")]
    });
    assert_eq!(replies[0].status, 404);
    assert_eq!(replies[0].body, "no route for /nope\n");
    // Prefixes match whole path segments.
    assert_eq!(replies[1].status, 404);
    assert_eq!(stats.responses.get(&404), Some(&2));
}

#[test]
fn a_wrong_method_answers_405_and_a_malformed_request_400() {
    let (replies, _) = with_server(quick(), |addr| {
        [
            get(addr, "/echo"),
            exchange(addr, b"nonsense\r\n\r\n"),
            exchange(addr, b"DELETE / HTTP/1.1\r\n\r\n"),
        ]
    });
    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [405, 400, 501]);
}

#[test]
fn a_route_slower_than_the_deadline_answers_504_at_the_deadline() {
    let config = quick();
    let (deadline, slow) = (config.deadline, config.slow);
    let ((reply, took), stats) = with_server(config, |addr| {
        let start = Instant::now();
        let reply = get(addr, "/slow");
        (reply, start.elapsed())
    });
    assert_eq!(reply.status, 504);
    assert_eq!(reply.body, "deadline exceeded\n");
    assert!(
        took >= deadline && took < slow,
        "answered after {took:?}: not at the deadline {deadline:?}"
    );
    assert_eq!(stats.responses.get(&504), Some(&1));
}

#[test]
fn fanout_answers_with_the_first_backend_to_reply() {
    // Backends take 400, 20 and 200 ms: backend-1 answers first.
    let (replies, _) = with_server(quick(), |addr| [get(addr, "/fanout"), get(addr, "/fanout")]);
    for reply in replies {
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body, "fanout: backend-1 answered first of 3\n");
    }
}

#[test]
fn concurrent_clients_each_get_their_own_answer() {
    // Enough workers and queue for everyone; backend-1 answers the eight fan-outs one after the
    // other, 20 ms each, within the deadline.
    let config = Config {
        deadline: ms(1000),
        workers: 8,
        queue: 16,
        ..quick()
    };
    let (replies, stats) = with_server(config, |addr| {
        concurrently(addr, 24, |addr, i| match i % 3 {
            0 => get(addr, &format!("/hello/client-{i}")),
            1 => get(addr, "/fanout"),
            _ => get(addr, &format!("/missing/{i}")),
        })
    });
    for (i, reply) in replies.iter().enumerate() {
        let expected = match i % 3 {
            0 => (200, format!("hello, client-{i}\n")),
            1 => (200, "fanout: backend-1 answered first of 3\n".to_string()),
            _ => (404, format!("no route for /missing/{i}\n")),
        };
        assert_eq!((reply.status, reply.body.clone()), expected, "client {i}");
    }
    assert_eq!(stats.connections, 24);
    assert_eq!(stats.responses.get(&200), Some(&16));
    assert_eq!(stats.responses.get(&404), Some(&8));
}

#[test]
fn a_full_pool_sheds_load_with_503_at_once() {
    // One worker and a queue of one: of four simultaneous slow requests, the worker takes one,
    // the queue holds one, and the router refuses the other two without waiting.
    let config = Config {
        workers: 1,
        queue: 1,
        ..quick()
    };
    let deadline = config.deadline;
    let (replies, _) = with_server(config, |addr| {
        concurrently(addr, 4, |addr, _| {
            let start = Instant::now();
            (get(addr, "/slow"), start.elapsed())
        })
    });
    let mut statuses: Vec<u16> = replies.iter().map(|(r, _)| r.status).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [503, 503, 504, 504], "{replies:?}");
    for (reply, took) in &replies {
        if reply.status == 503 {
            assert!(*took < deadline, "a 503 took {took:?}");
        }
    }
}

#[test]
fn a_client_that_sends_nothing_gets_408_after_the_io_timeout() {
    let config = quick();
    let io_timeout = config.io_timeout;
    let ((reply, took), _) = with_server(config, |addr| {
        let start = Instant::now();
        (exchange(addr, b"GET /hello HTTP/1.1\r\n"), start.elapsed())
    });
    assert_eq!(reply.status, 408);
    assert!(took >= io_timeout, "answered after {took:?}");
}

#[test]
fn shutdown_answers_open_connections_then_serve_returns_leaving_no_task_behind() {
    let config = quick();
    let report = within(Duration::from_secs(10), move || {
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            aiochan::run(async move {
                let listener = Async::<TcpListener>::bind("127.0.0.1:0").unwrap();
                let addr = listener.get_ref().local_addr().unwrap();
                let shutdown = Chan::new();
                let server = go(serve(listener, shutdown.clone(), config));
                // A /slow request is in flight when the shutdown comes: it was sent before a /hello
                // that has been answered, so it has been accepted.
                let in_flight = spawn_blocking(move || {
                    let slow = send(addr, b"GET /slow HTTP/1.1\r\n\r\n");
                    assert_eq!(get(addr, "/hello").status, 200);
                    thread::spawn(move || receive(slow))
                })
                .await;
                shutdown.put(()).await;
                let stats = server.await;
                let slow = spawn_blocking(move || in_flight.join().unwrap()).await;
                assert_eq!(slow.status, 504, "the open connection was answered");
                assert_eq!(stats.connections, 2);
                let refused = spawn_blocking(move || TcpStream::connect(addr)).await;
                assert!(
                    refused.is_err(),
                    "the listener is closed once serve returns"
                );
                // Every task serve started has ended: waiting on a channel nobody has is now a
                // deadlock whose report lists main alone.
                Chan::<()>::new().named("nobody").get().await;
            })
        }));
        let payload = outcome.expect_err("the run ends in a deadlock report");
        payload
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_else(|| resume_unwind(payload))
    });
    let tasks: Vec<&str> = report.lines().filter(|l| l.starts_with("  ")).collect();
    assert_eq!(
        tasks,
        ["  main: waits on get from channel 'nobody' at tests/http_router.rs:312"],
        "{report}"
    );
}
