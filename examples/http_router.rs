//! A small HTTP/1.1 server whose request routing is done with channels, select and timeouts.

// aiochan's README says its production use is "complex data-flow in routing": requests inside a
// web server handed between tasks over channels. This is that pattern, with a hand-parsed HTTP/1.1
// front end on `Async<TcpListener>`:
//
//   acceptor ──spawns──▶ connection task, one per socket: parses the request, puts
//                          Request { path, reply } on the `requests` channel, then selects:
//                          an answer on `reply`  vs  timeout(deadline)  →  504
//   router task          ──gets──▶ each Request, dispatches it by path prefix to a pool's job
//                          channel with try_put (a full pool answers 503 at once: load shedding);
//                          an unknown path gets 404 from the router itself
//   pool                 = a bounded job channel + N worker tasks; a worker selects: its handler
//                          vs  reply.join() (the connection closed `reply`: nobody waits any more),
//                          so work whose client gave up is dropped, not finished
//   /fanout              asks every backend (a task behind its own channel) and selects the first
//                          answer; closing the other answer channels cancels the losers
//
// Every queue is a bounded channel, every wait on behalf of a request is a select against a
// timeout or a close, and cancellation travels as a channel close: no request waits forever. Shutdown is a channel too: the
// acceptor stops accepting, waits for the open connections, then closes `requests`; the router
// closes the pools, the workers end, the backends are closed, and `serve` returns once every task
// it started has ended.
//
// Routes: GET /, GET /hello[/name], POST /echo (answers the body), GET /slow (works longer than
// the deadline: 504), GET /fanout (first of several backends), anything else: 404.
//
//   cargo run --example http_router -- [addr]        # default 127.0.0.1:8080
//   curl http://127.0.0.1:8080/hello/aiochan
//
// The server stops when it reads a line `quit` on stdin (without a console, kill it).

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, BufRead};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::rc::Rc;
use std::time::Duration;

use aiochan::{go, go_named, select, sleep, spawn_blocking, timeout, Async, Chan, JoinHandle, Op};

/// Where `main` serves when no address is given.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";

/// The most bytes of request line and headers a client may send (431 beyond).
const MAX_HEAD: usize = 8 * 1024;

/// The most bytes of body a client may send (413 beyond).
const MAX_BODY: usize = 64 * 1024;

/// How a server behaves.
#[derive(Debug, Clone)]
pub struct Config {
    /// How long a parsed request may wait for its response (504 after).
    pub deadline: Duration,
    /// How long a client may take to send its request and to take its response (408 after).
    pub io_timeout: Duration,
    /// How long `/slow` works: longer than `deadline`, so it always ends in a 504.
    pub slow: Duration,
    /// Worker tasks per pool.
    pub workers: usize,
    /// Requests a pool's job channel holds while every worker is busy (503 beyond).
    pub queue: usize,
    /// How long each `/fanout` backend takes to answer; one backend per entry.
    pub backend_delays: Vec<Duration>,
    /// Connections open at once: the acceptor stops accepting while this many are open.
    pub max_connections: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            deadline: Duration::from_millis(500),
            io_timeout: Duration::from_secs(5),
            slow: Duration::from_secs(2),
            workers: 4,
            queue: 16,
            backend_delays: [40, 15, 25].map(Duration::from_millis).to_vec(),
            max_connections: 256,
        }
    }
}

/// A response: a status and a plain-text body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status code.
    pub status: u16,
    /// The body, sent as `text/plain`.
    pub body: String,
}

impl Response {
    /// A response with `status` and `body`.
    pub fn new(status: u16, body: impl Into<String>) -> Response {
        Response {
            status,
            body: body.into(),
        }
    }

    /// The reason phrase of the status line.
    fn reason(&self) -> &'static str {
        match self.status {
            200 => "OK",
            400 => "Bad Request",
            404 => "Not Found",
            405 => "Method Not Allowed",
            408 => "Request Timeout",
            413 => "Content Too Large",
            431 => "Request Header Fields Too Large",
            501 => "Not Implemented",
            502 => "Bad Gateway",
            503 => "Service Unavailable",
            504 => "Gateway Timeout",
            _ => "Internal Server Error",
        }
    }

    /// The response as sent: status line, headers, body. The server closes every connection after
    /// one response.
    fn to_bytes(&self) -> Vec<u8> {
        format!(
            "HTTP/1.1 {} {}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{}",
            self.status,
            self.reason(),
            self.body.len(),
            self.body
        )
        .into_bytes()
    }
}

/// A parsed request on its way through the router to a worker, with the channel its answer goes
/// back on. The connection closes `reply` once it no longer waits (answered or timed out).
pub struct Request {
    /// `GET` or `POST`.
    pub method: String,
    /// The path, without the query string.
    pub path: String,
    /// The body (`Content-Length` bytes).
    pub body: Vec<u8>,
    /// Where the response goes: a buffer of one, so that answering never waits.
    pub reply: Chan<Response>,
}

/// What `serve` did, by the time it returned.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Stats {
    /// Connections accepted.
    pub connections: usize,
    /// Responses sent, by status.
    pub responses: BTreeMap<u16, usize>,
}

impl Stats {
    /// Counts a finished connection: its response status, if it got as far as a response.
    fn record(&mut self, status: Option<u16>) {
        if let Some(status) = status {
            *self.responses.entry(status).or_default() += 1;
        }
    }
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} connections", self.connections)?;
        for (status, n) in &self.responses {
            write!(f, ", {n} x {status}")?;
        }
        Ok(())
    }
}

/// The routes, each served by a pool of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Hello,
    Echo,
    Slow,
    Fanout,
}

impl Route {
    const ALL: [Route; 4] = [Route::Hello, Route::Echo, Route::Slow, Route::Fanout];

    /// The path prefix the route serves: the prefix itself and anything under it.
    fn prefix(self) -> &'static str {
        match self {
            Route::Hello => "/hello",
            Route::Echo => "/echo",
            Route::Slow => "/slow",
            Route::Fanout => "/fanout",
        }
    }

    /// The route serving `path`, by prefix (`/hello` serves `/hello` and `/hello/x`, not
    /// `/hellox`); `/` is a hello.
    fn of(path: &str) -> Option<Route> {
        if path == "/" {
            return Some(Route::Hello);
        }
        Route::ALL.into_iter().find(|route| {
            path.strip_prefix(route.prefix())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
    }
}

/// A question to a backend: it puts its answer on `answer`, unless `answer` is closed first.
struct Query {
    answer: Chan<String>,
}

/// Serves HTTP on `listener` until `shutdown` gets a value or is closed; returns once every
/// connection has been answered and every task it started has ended.
pub async fn serve(listener: Async<TcpListener>, shutdown: Chan<()>, config: Config) -> Stats {
    let config = Rc::new(config);
    let requests: Chan<Request> = Chan::fixed(config.queue).named("requests");

    let backends: Rc<Vec<Chan<Query>>> = Rc::new(
        (0..config.backend_delays.len())
            .map(|i| Chan::fixed(config.queue).named(format!("backend-{i}")))
            .collect(),
    );
    let backend_tasks: Vec<JoinHandle<()>> = backends
        .iter()
        .zip(&config.backend_delays)
        .enumerate()
        .map(|(i, (queries, &delay))| {
            go_named(format!("backend-{i}"), backend(i, queries.clone(), delay))
        })
        .collect();

    let mut pools = Vec::new();
    let mut workers = Vec::new();
    for route in Route::ALL {
        let jobs = Chan::fixed(config.queue).named(format!("{route:?} jobs"));
        for n in 0..config.workers {
            let task = worker(route, jobs.clone(), backends.clone(), config.clone());
            workers.push(go_named(format!("{route:?} worker {n}"), task));
        }
        pools.push((route, jobs));
    }
    let router = go_named("router", router(requests.clone(), pools));

    // Each connection task puts its status here when it ends; the buffer has room for every
    // connection that can be open, so that never waits.
    let finished: Chan<Option<u16>> = Chan::fixed(config.max_connections).named("finished");
    let mut stats = Stats::default();
    let mut open = 0;
    loop {
        let go_on = if open < config.max_connections {
            select! {
                accepted = listener.accept() => {
                    match accepted {
                        Ok((stream, _)) => {
                            open += 1;
                            stats.connections += 1;
                            let (requests, config, finished) =
                                (requests.clone(), config.clone(), finished.clone());
                            go(async move {
                                let status = connection(stream, requests, config).await;
                                finished.put(status).await;
                            });
                        }
                        Err(e) => {
                            // Out of file descriptors, say: wait a little rather than spin.
                            eprintln!("http_router: accept failed: {e}");
                            sleep(Duration::from_millis(10)).await;
                        }
                    }
                    true
                }
                status = get(finished) => {
                    open -= 1;
                    stats.record(status.flatten());
                    true
                }
                _ = get(shutdown) => false,
            }
        } else {
            // At the limit: only a finished connection (or the shutdown) can move things on.
            select! {
                status = get(finished) => {
                    open -= 1;
                    stats.record(status.flatten());
                    true
                }
                _ = get(shutdown) => false,
            }
        };
        if !go_on {
            break;
        }
    }

    // Refuse new clients, answer the open connections, then take the pipeline down from its head.
    drop(listener);
    while open > 0 {
        let status = finished.get().await;
        open -= 1;
        stats.record(status.flatten());
    }
    requests.close();
    router.await;
    for worker in workers {
        worker.await;
    }
    for queries in backends.iter() {
        queries.close();
    }
    for backend in backend_tasks {
        backend.await;
    }
    stats
}

/// One connection: reads a request, has it answered through the router within the deadline, writes
/// the response. Returns the status sent, `None` if the client left before sending a request.
async fn connection(
    stream: Async<TcpStream>,
    requests: Chan<Request>,
    config: Rc<Config>,
) -> Option<u16> {
    // Reading and writing are bounded in time: a silent client cannot keep the task (and so a
    // shutdown) waiting.
    let read_deadline = timeout::<()>(config.io_timeout);
    let parsed = select! {
        parsed = read_request(&stream) => parsed,
        _ = get(read_deadline) => Err(Some(Response::new(408, "request timeout\n"))),
    };
    let response = match parsed {
        Ok(incoming) => dispatch(incoming, &requests, &config).await,
        Err(Some(response)) => response,
        Err(None) => return None,
    };
    let bytes = response.to_bytes();
    let write_deadline = timeout::<()>(config.io_timeout);
    let written = select! {
        written = stream.write_all(&bytes) => written,
        _ = get(write_deadline) => Err(io::ErrorKind::TimedOut.into()),
    };
    if written.is_ok() {
        // Send the end of the stream now, so that a client reading to the end gets it at once.
        let _ = stream.get_ref().shutdown(Shutdown::Write);
    }
    Some(response.status)
}

/// A request as read from the socket.
struct Incoming {
    method: String,
    path: String,
    body: Vec<u8>,
}

/// Puts `incoming` on the router channel and waits for its answer, both within the deadline.
async fn dispatch(incoming: Incoming, requests: &Chan<Request>, config: &Config) -> Response {
    let deadline = timeout::<()>(config.deadline);
    let reply = Chan::fixed(1);
    let request = Request {
        method: incoming.method,
        path: incoming.path,
        body: incoming.body,
        reply: reply.clone(),
    };
    let sent = select! {
        sent = put(requests, request) => Some(sent),
        _ = get(deadline) => None,
    };
    let response = match sent {
        Some(true) => select! {
            response = get(reply) => {
                response.unwrap_or_else(|| Response::new(500, "no response\n"))
            }
            _ = get(deadline) => Response::new(504, "deadline exceeded\n"),
        },
        Some(false) => Response::new(503, "shutting down\n"),
        None => Response::new(504, "deadline exceeded\n"),
    };
    // Nobody waits for an answer any more: a worker still on the request sees the close and drops
    // it (see `worker`).
    reply.close();
    response
}

/// The router: sends each request to the pool of its route, or answers 404 (no route) or 503 (the
/// pool's queue is full) itself, so that it never waits on a pool. Closes the pools at the end.
async fn router(requests: Chan<Request>, pools: Vec<(Route, Chan<Request>)>) {
    while let Some(request) = requests.get().await {
        let Some(route) = Route::of(&request.path) else {
            let answer = Response::new(404, format!("no route for {}\n", request.path));
            let _ = request.reply.try_put(answer);
            continue;
        };
        let jobs = &pools
            .iter()
            .find(|(r, _)| *r == route)
            .expect("a pool for every route")
            .1;
        if let Err(refused) = jobs.try_put(request) {
            let request = refused.into_inner();
            let _ = request
                .reply
                .try_put(Response::new(503, format!("{route:?} is busy\n")));
        }
    }
    for (_, jobs) in &pools {
        jobs.close();
    }
}

/// A worker of a pool: handles the pool's jobs one at a time until the job channel is closed. A
/// request whose connection has given up (closed its reply channel) is dropped, also mid-work.
async fn worker(
    route: Route,
    jobs: Chan<Request>,
    backends: Rc<Vec<Chan<Query>>>,
    config: Rc<Config>,
) {
    while let Some(request) = jobs.get().await {
        let reply = request.reply.clone();
        if reply.is_closed() {
            continue;
        }
        select! {
            response = handle(route, request, &backends, &config) => {
                let _ = reply.try_put(response);
            }
            // The reply channel is closed and empty: the handler's future is dropped unfinished.
            _ = reply.join() => {}
        }
    }
}

/// The work of each route.
async fn handle(
    route: Route,
    request: Request,
    backends: &[Chan<Query>],
    config: &Config,
) -> Response {
    match route {
        Route::Hello => {
            let name = request
                .path
                .strip_prefix("/hello/")
                .filter(|name| !name.is_empty())
                .unwrap_or("world");
            Response::new(200, format!("hello, {name}\n"))
        }
        Route::Echo if request.method == "POST" => {
            Response::new(200, String::from_utf8_lossy(&request.body))
        }
        Route::Echo => Response::new(405, "POST a body to /echo\n"),
        Route::Slow => {
            sleep(config.slow).await;
            Response::new(200, "finally\n")
        }
        Route::Fanout => fanout(backends).await,
    }
}

/// Closes the answer channels of a fan-out when it ends, also when it is dropped unfinished: the
/// backends still working on them stop.
struct CloseAll(Vec<Chan<String>>);

impl Drop for CloseAll {
    fn drop(&mut self) {
        for answer in &self.0 {
            answer.close();
        }
    }
}

/// Asks every backend at once and answers with the first answer.
async fn fanout(backends: &[Chan<Query>]) -> Response {
    let mut answers = CloseAll(Vec::new());
    for queries in backends {
        let answer = Chan::fixed(1);
        let query = Query {
            answer: answer.clone(),
        };
        if queries.try_put(query).is_ok() {
            answers.0.push(answer);
        }
    }
    if answers.0.is_empty() {
        return Response::new(503, "every backend is busy\n");
    }
    let asked = answers.0.len();
    match select(answers.0.iter().map(Op::get)).await.value() {
        Some(answer) => Response::new(200, format!("fanout: {answer} answered first of {asked}\n")),
        None => Response::new(502, "no backend answered\n"),
    }
}

/// A backend: answers each query after `delay`, unless the query's answer channel is closed first.
async fn backend(id: usize, queries: Chan<Query>, delay: Duration) {
    while let Some(query) = queries.get().await {
        select! {
            _ = sleep(delay) => {
                let _ = query.answer.try_put(format!("backend-{id}"));
            }
            _ = query.answer.join() => {}
        }
    }
}

/// Reads one request: request line, headers, and a `Content-Length` body. `Err(Some(response))`
/// for a request the server refuses, `Err(None)` if the client left first.
async fn read_request(stream: &Async<TcpStream>) -> Result<Incoming, Option<Response>> {
    let bad = |why: &str| Some(Response::new(400, format!("{why}\n")));
    let mut data = Vec::new();
    let mut chunk = [0; 2048];
    let head_len = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if data.len() > MAX_HEAD {
            return Err(Some(Response::new(431, "request head too large\n")));
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return Err(None),
            Ok(n) => data.extend_from_slice(&chunk[..n]),
        }
    };

    let head = std::str::from_utf8(&data[..head_len]).map_err(|_| bad("head is not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let mut words = lines.next().unwrap_or_default().split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        return Err(bad("malformed request line"));
    };
    if !version.starts_with("HTTP/1.") || !target.starts_with('/') {
        return Err(bad("not an HTTP/1.x request"));
    }
    if method != "GET" && method != "POST" {
        return Err(Some(Response::new(
            501,
            format!("{method} is not supported\n"),
        )));
    }
    let mut length = 0;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            return Err(bad("malformed header"));
        };
        let name = name.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = value
                .trim()
                .parse()
                .map_err(|_| bad("bad Content-Length"))?;
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(Some(Response::new(
                501,
                "chunked bodies are not supported\n",
            )));
        }
    }
    if length > MAX_BODY {
        return Err(Some(Response::new(413, "body too large\n")));
    }
    let method = method.to_string();
    let path = target.split('?').next().unwrap_or(target).to_string();

    let mut body = data.split_off(head_len + 4);
    while body.len() < length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return Err(None),
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    body.truncate(length);
    Ok(Incoming { method, path, body })
}

/// Blocks until stdin has a line `quit` (`true`) or ends (`false`: no console, as when the server
/// runs in the background).
fn quit_typed() -> bool {
    io::stdin()
        .lock()
        .lines()
        .map_while(Result::ok)
        .any(|line| line.trim() == "quit")
}

fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| DEFAULT_ADDR.to_string());
    let stats = aiochan::run(async move {
        let listener = match Async::<TcpListener>::bind(addr.as_str()) {
            Ok(listener) => listener,
            Err(e) => {
                eprintln!("http_router: cannot listen on {addr}: {e}");
                std::process::exit(1);
            }
        };
        let local = listener.get_ref().local_addr().expect("a bound address");
        println!("serving on http://{local}");
        println!("routes: /  /hello/<name>  POST /echo  /slow  /fanout; type `quit` to stop");
        let shutdown = Chan::new();
        let stop = shutdown.clone();
        go(async move {
            if spawn_blocking(quit_typed).await {
                stop.close();
            }
        });
        serve(listener, shutdown, Config::default()).await
    });
    println!("stopped: {stats}");
}
