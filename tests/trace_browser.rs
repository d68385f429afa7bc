//! The trace viewer in a real browser: headless Chromium opens the fan-out run's page, the test
//! steps through every event with the keyboard (over the DevTools protocol, spoken with std only)
//! and checks, from the DOM, the described event, every task's state and the channel's buffer and
//! queues against the trace computed here.
//!
//! Without Chromium the test says it is skipped and passes, unless `AIOCHAN_BROWSER_TEST=required`
//! (as in `.ci/run`), which makes a missing browser a failure.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aiochan::{ChanSnapshot, Event, TaskEnd, Trace, WaitKind};

#[allow(dead_code)]
#[path = "../examples/trace_fan_out.rs"]
mod fan_out;

/// How long the browser may take to start, or to answer one command.
const PATIENCE: Duration = Duration::from_secs(60);

#[test]
fn the_viewer_steps_through_the_fan_out_run_with_the_keyboard() {
    let Some(chromium) = find_chromium() else {
        let required = std::env::var("AIOCHAN_BROWSER_TEST").is_ok_and(|v| v == "required");
        assert!(
            !required,
            "AIOCHAN_BROWSER_TEST=required but no chromium was found: install it \
             (apt-get install -y chromium) or unset the variable"
        );
        eprintln!("skipped: no chromium (set AIOCHAN_BROWSER_TEST=required to fail instead)");
        return;
    };
    let trace = fan_out::fan_out_trace();
    let expected = replay(&trace);
    let dir = TempDir::new();
    let page = dir.0.join("fan-out.html");
    std::fs::write(&page, trace.to_html()).expect("write the page");
    let mut browser = Browser::open(&chromium, &dir.0, &page);
    let tab = &mut browser.tab;

    wait_for(
        tab,
        "document.readyState === 'complete' && !!document.getElementById('step')",
    );
    let n = trace.events().len();
    assert_eq!(
        tab.eval("document.getElementById('count').textContent"),
        (n - 1).to_string()
    );

    let first_handoff = trace
        .events()
        .iter()
        .position(|e| matches!(e.event, Event::Handoff { .. }))
        .expect("the fan-out run hands values off");
    let c0_runs = (first_handoff..n)
        .find(|&i| matches!(&trace.events()[i].event, Event::Run { task } if task == "task 'c0'"))
        .expect("c0 runs after its first value");
    let mut seen_desc = Vec::new();
    for step in 0..n {
        if step > 0 {
            tab.key("ArrowRight", "ArrowRight", 39);
        }
        let dom = tab.dom();
        assert_eq!(dom.step, step, "the step after {step} key presses");
        check_step(&trace, &expected, &dom, step);
        seen_desc.push(dom.desc.clone());
        if step == first_handoff {
            assert_eq!(
                dom.desc,
                "task 'c0' takes \"product 1 from p0\" from channel 'products', put by task 'p0' \
                 (a hand-off)."
            );
            assert_eq!(dom.tasks["p0"], "running", "p0 is putting");
            assert_eq!(dom.tasks["c0"], "parked", "c0 is not woken yet");
            assert_eq!(dom.chans["products"].gets, 2, "c1 and c2 still wait");
        }
        if step == c0_runs {
            assert_eq!(dom.tasks["c0"], "running");
            assert_eq!(
                dom.tasks["p1"], "sleeping",
                "p1 sleeps before its next product"
            );
        }
    }
    assert!(
        seen_desc
            .iter()
            .any(|d| d.contains("closes channel 'products'")),
        "the close is described"
    );
    assert!(seen_desc
        .iter()
        .any(|d| d == "task 'c0' gets None from channel 'products': it is closed and empty."));
    assert!(seen_desc.iter().any(|d| d
        == "task 'p0' tries to put into channel 'products': refused, the channel is closed (put \
            returns false)."));

    // Back one step with ←; the hash follows the step, and a page opened at it starts there.
    tab.key("ArrowLeft", "ArrowLeft", 37);
    let dom = tab.dom();
    assert_eq!(dom.step, n - 2);
    check_step(&trace, &expected, &dom, n - 2);
    assert_eq!(tab.eval("location.hash"), format!("#step={}", n - 2));

    // Space plays from the start once at the end, and pauses.
    tab.key("End", "End", 35);
    tab.key(" ", "Space", 32);
    wait_for(tab, "+document.getElementById('step').textContent >= 3");
    tab.key(" ", "Space", 32);
    assert_eq!(tab.eval("document.body.dataset.playing"), "false");
    let paused = tab.dom();
    assert!(paused.step >= 3 && paused.step < n - 1, "played some steps");
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(tab.dom().step, paused.step, "paused");
    check_step(&trace, &expected, &paused, paused.step);

    // The time axis switches without moving the step.
    tab.eval("(() => { const a = document.getElementById('axis'); a.value = 'time'; a.dispatchEvent(new Event('change')); return 'ok'; })()");
    assert_eq!(tab.dom().step, paused.step);
    assert!(
        tab.eval("document.querySelectorAll('#timeline svg rect').length.toString()")
            .parse::<usize>()
            .unwrap()
            > 20
    );
}

/// What the DOM shows at one step.
#[derive(Debug)]
struct Dom {
    step: usize,
    desc: String,
    /// `data-task` -> `data-state`.
    tasks: HashMap<String, String>,
    /// `data-chan` -> its counts.
    chans: HashMap<String, Counts>,
}

/// A channel's counts as the DOM shows them.
#[derive(Debug, PartialEq, Eq)]
struct Counts {
    buffered: usize,
    puts: usize,
    gets: usize,
    closed: bool,
}

/// The script that reads the state out of the DOM: one `key=value` a line.
const READ_DOM: &str = r#"(() => {
  const lines = ['step=' + document.getElementById('step').textContent,
                 'desc=' + document.getElementById('event-desc').textContent];
  document.querySelectorAll('[data-task]').forEach(e => lines.push('task ' + e.dataset.task + '=' + e.dataset.state));
  document.querySelectorAll('[data-chan]').forEach(e => lines.push('chan ' + e.dataset.chan + '=' +
    [e.dataset.buffered, e.dataset.puts, e.dataset.gets, e.dataset.closed].join(' ')));
  return lines.join('\n');
})()"#;

/// Compares the DOM at `step` with the trace.
fn check_step(trace: &Trace, expected: &[HashMap<String, &'static str>], dom: &Dom, step: usize) {
    let event = &trace.events()[step].event;
    for name in names_in(event) {
        assert!(
            dom.desc.contains(&name),
            "step {step}: {:?} does not name {name} ({event:?})",
            dom.desc
        );
    }
    let mut want: Vec<(String, &str)> = expected[step]
        .iter()
        .map(|(t, s)| (t.clone(), *s))
        .collect();
    let mut got: Vec<(String, &str)> = dom
        .tasks
        .iter()
        .map(|(t, s)| (t.clone(), s.as_str()))
        .collect();
    want.sort();
    got.sort();
    assert_eq!(got, want, "task states at step {step} ({event:?})");
    if let Some((chan, after)) = last_snapshot(trace, step) {
        assert_eq!(
            dom.chans[&short(&chan)],
            Counts {
                buffered: after.buffered,
                puts: after.puts.len(),
                gets: after.gets.len(),
                closed: after.closed,
            },
            "channel {chan} at step {step}"
        );
    }
}

/// The task and channel names an event's sentence must contain.
fn names_in(event: &Event) -> Vec<String> {
    match event {
        Event::Handoff { chan, from, to, .. } => vec![chan.clone(), from.clone(), to.clone()],
        Event::Spawn { parent, task, .. } => vec![parent.clone(), task.clone()],
        Event::Begin { .. } => vec![],
        other => {
            let mut names = Vec::new();
            if let Some((chan, _)) = other.channel() {
                names.push(chan.to_string());
            }
            match other {
                Event::Run { task }
                | Event::Park { task, .. }
                | Event::Yield { task }
                | Event::Wake { task }
                | Event::Timer { task }
                | Event::End { task, .. }
                | Event::Put { task, .. }
                | Event::Get { task, .. }
                | Event::Close { task, .. }
                | Event::ClosedGet { task, .. }
                | Event::Refused { task, .. }
                | Event::Enqueue { task, .. }
                | Event::Withdraw { task, .. } => names.push(task.clone()),
                _ => {}
            }
            names
        }
    }
}

/// The state of the fan-out's only channel after event `step`, from the last event about it.
fn last_snapshot(trace: &Trace, step: usize) -> Option<(String, ChanSnapshot)> {
    trace.events()[..=step]
        .iter()
        .rev()
        .find_map(|e| e.event.channel())
        .map(|(chan, after)| (chan.to_string(), after.clone()))
}

/// Every task's state after each event, as the viewer defines them: spawned or woken is ready,
/// polled is running, parked is sleeping (on a timer) or parked, then finished.
fn replay(trace: &Trace) -> Vec<HashMap<String, &'static str>> {
    let mut states: HashMap<String, &'static str> = HashMap::new();
    let mut out = Vec::new();
    for e in trace.events() {
        let running = |task: &str| states.get(&short(task)) == Some(&"running");
        let woken = matches!(&e.event, Event::Wake { task } if !running(task));
        let mut set = |task: &str, state| {
            if task == "main" || task.starts_with("task ") {
                states.insert(short(task), state);
            }
        };
        match &e.event {
            Event::Spawn { task, .. } => set(task, "ready"),
            Event::Wake { task } if woken => set(task, "ready"),
            Event::Run { task } => set(task, "running"),
            Event::Yield { task } => set(task, "ready"),
            Event::Park { task, wait, .. } => set(
                task,
                if *wait == WaitKind::Timer {
                    "sleeping"
                } else {
                    "parked"
                },
            ),
            Event::End { task, how } => set(
                task,
                match how {
                    TaskEnd::Finished => "finished",
                    TaskEnd::Panicked => "panicked",
                    TaskEnd::Aborted => "aborted",
                },
            ),
            _ => {}
        }
        let mut shown = states.clone();
        // Lanes exist from the start: a task not spawned yet shows as `none`.
        for e in trace.events() {
            if let Event::Spawn { task, .. } = &e.event {
                shown.entry(short(task)).or_insert("none");
            }
        }
        shown.entry("main".to_string()).or_insert("none");
        out.push(shown);
    }
    out
}

/// `task 'c0'` -> `c0`, `channel 'products'` -> `products`, `task #3` -> `#3`.
fn short(label: &str) -> String {
    let rest = label
        .strip_prefix("task ")
        .or_else(|| label.strip_prefix("channel "))
        .unwrap_or(label);
    rest.trim_matches('\'').to_string()
}

fn find_chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::iter::once(PathBuf::from("/usr/bin/chromium"))
        .chain(
            std::env::split_paths(&path)
                .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name))),
        )
        .find(|p| p.is_file())
}

/// Waits until the page says `condition` is true.
fn wait_for(tab: &mut Tab, condition: &str) {
    let start = Instant::now();
    while tab.eval(&format!("String(!!({condition}))")) != "true" {
        assert!(
            start.elapsed() < PATIENCE,
            "the page never got to: {condition}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A directory of this test's own, removed at the end.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let dir = std::env::temp_dir().join(format!("aiochan-viewer-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("make a temporary directory");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Headless Chromium showing one page, and the DevTools connection to that page.
struct Browser {
    child: Child,
    tab: Tab,
}

impl Browser {
    fn open(chromium: &Path, dir: &Path, page: &Path) -> Browser {
        let profile = dir.join("profile");
        let mut child = Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-extensions",
                "--remote-debugging-port=0",
                "--window-size=1400,900",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("file://{}#step=0", page.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromium.display()));
        // Chromium writes the port it listens on into the profile.
        let start = Instant::now();
        let port = loop {
            let text =
                std::fs::read_to_string(profile.join("DevToolsActivePort")).unwrap_or_default();
            if let Some(port) = text
                .lines()
                .next()
                .and_then(|l| l.trim().parse::<u16>().ok())
            {
                break port;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("chromium exited at start: {status}");
            }
            assert!(
                start.elapsed() < PATIENCE,
                "chromium did not start its DevTools server"
            );
            std::thread::sleep(Duration::from_millis(100));
        };
        let start = Instant::now();
        let ws_path = loop {
            if let Some(path) = page_target(port) {
                break path;
            }
            assert!(start.elapsed() < PATIENCE, "chromium shows no page");
            std::thread::sleep(Duration::from_millis(100));
        };
        let tab = Tab::connect(port, &ws_path);
        Browser { child, tab }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The WebSocket path of the first page target (`/devtools/page/...`), from `/json/list`.
fn page_target(port: u16) -> Option<String> {
    let stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(PATIENCE)).ok()?;
    let mut stream = BufReader::new(stream);
    write!(
        stream.get_mut(),
        "GET /json/list HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
    )
    .ok()?;
    // The server keeps the connection open: read as many bytes as it announces.
    let mut length = 0;
    loop {
        let mut line = String::new();
        stream.read_line(&mut line).ok()?;
        if line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0; length];
    stream.read_exact(&mut body).ok()?;
    let body = String::from_utf8(body).ok()?;
    let page = body.find("\"type\": \"page\"")?;
    // The object of the page target holds its URL; objects are flat, so search within it.
    let start = body[..page].rfind('{')?;
    let end = page + body[page..].find('}')?;
    let object = &body[start..end];
    let key = "\"webSocketDebuggerUrl\": \"ws://";
    let url = &object[object.find(key)? + key.len()..];
    let url = &url[..url.find('"')?];
    Some(url[url.find('/')?..].to_string())
}

/// A WebSocket connection to one page's DevTools endpoint.
struct Tab {
    stream: BufReader<TcpStream>,
    /// The id of the last command sent.
    id: u64,
}

impl Tab {
    fn connect(port: u16, path: &str) -> Tab {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to DevTools");
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        let mut stream = BufReader::new(stream);
        write!(
            stream.get_mut(),
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: YWlvY2hhbi12aWV3ZXItdA==\r\n\
             Sec-WebSocket-Version: 13\r\n\r\n"
        )
        .unwrap();
        let mut status = String::new();
        stream.read_line(&mut status).unwrap();
        assert!(status.contains(" 101 "), "no WebSocket upgrade: {status}");
        loop {
            let mut line = String::new();
            stream.read_line(&mut line).unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
        }
        Tab { stream, id: 0 }
    }

    /// Sends a DevTools command and returns its response (events in between are skipped).
    fn call(&mut self, method: &str, params: &str) -> String {
        self.id += 1;
        let message = format!(
            r#"{{"id":{},"method":"{method}","params":{params}}}"#,
            self.id
        );
        self.send(message.as_bytes());
        let prefix = format!(r#"{{"id":{},"#, self.id);
        loop {
            let reply = self.receive();
            if reply.starts_with(&prefix) {
                assert!(!reply.contains(r#""error":"#), "{method} failed: {reply}");
                return reply;
            }
        }
    }

    /// Evaluates `expression` in the page; its value must be a string.
    fn eval(&mut self, expression: &str) -> String {
        let params = format!(
            r#"{{"expression":{},"returnByValue":true}}"#,
            json_string(expression)
        );
        let reply = self.call("Runtime.evaluate", &params);
        assert!(!reply.contains("exceptionDetails"), "{expression}: {reply}");
        let key = r#""value":""#;
        let at = reply
            .find(key)
            .unwrap_or_else(|| panic!("{expression} gave no string: {reply}"));
        parse_json_string(&reply[at + key.len() - 1..])
    }

    /// Presses and releases a key, as a person would.
    fn key(&mut self, key: &str, code: &str, key_code: u32) {
        for kind in ["keyDown", "keyUp"] {
            let text = if key == " " && kind == "keyDown" {
                r#","text":" ""#
            } else {
                ""
            };
            self.call(
                "Input.dispatchKeyEvent",
                &format!(
                    r#"{{"type":"{kind}","key":{},"code":"{code}","windowsVirtualKeyCode":{key_code}{text}}}"#,
                    json_string(key)
                ),
            );
        }
    }

    fn dom(&mut self) -> Dom {
        let text = self.eval(READ_DOM);
        let mut dom = Dom {
            step: usize::MAX,
            desc: String::new(),
            tasks: HashMap::new(),
            chans: HashMap::new(),
        };
        for line in text.lines() {
            let (key, value) = line.split_once('=').expect("key=value");
            if key == "step" {
                dom.step = value.parse().unwrap();
            } else if key == "desc" {
                dom.desc = value.to_string();
            } else if let Some(task) = key.strip_prefix("task ") {
                dom.tasks.insert(task.to_string(), value.to_string());
            } else if let Some(chan) = key.strip_prefix("chan ") {
                let v: Vec<&str> = value.split(' ').collect();
                dom.chans.insert(
                    chan.to_string(),
                    Counts {
                        buffered: v[0].parse().unwrap(),
                        puts: v[1].parse().unwrap(),
                        gets: v[2].parse().unwrap(),
                        closed: v[3] == "true",
                    },
                );
            }
        }
        dom
    }

    /// Sends one masked text frame.
    fn send(&mut self, payload: &[u8]) {
        let mask = [0x5a, 0x17, 0xc3, 0x88];
        let mut frame = vec![0x81];
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n if n < 65536 => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.stream
            .get_mut()
            .write_all(&frame)
            .expect("send to DevTools");
    }

    /// Reads one text message (joining continuation frames).
    fn receive(&mut self) -> String {
        let mut message = Vec::new();
        loop {
            let mut head = [0u8; 2];
            self.stream
                .read_exact(&mut head)
                .expect("read from DevTools");
            let len = match head[1] & 0x7f {
                126 => {
                    let mut b = [0u8; 2];
                    self.stream.read_exact(&mut b).unwrap();
                    u16::from_be_bytes(b) as usize
                }
                127 => {
                    let mut b = [0u8; 8];
                    self.stream.read_exact(&mut b).unwrap();
                    u64::from_be_bytes(b) as usize
                }
                n => n as usize,
            };
            let mut payload = vec![0u8; len];
            self.stream.read_exact(&mut payload).unwrap();
            match head[0] & 0x0f {
                0x8 => panic!("DevTools closed the connection"),
                0x9 | 0xa => continue,
                _ => message.extend_from_slice(&payload),
            }
            if head[0] & 0x80 != 0 {
                return String::from_utf8(message).expect("DevTools speaks UTF-8");
            }
        }
    }
}

/// `text` as a JSON string literal.
fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The JSON string literal at the start of `text`, decoded.
fn parse_json_string(text: &str) -> String {
    let mut chars = text.chars();
    assert_eq!(chars.next(), Some('"'));
    let mut out = String::new();
    while let Some(c) = chars.next() {
        match c {
            '"' => return out,
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('u') => {
                    let hex: String = chars.by_ref().take(4).collect();
                    let unit = u32::from_str_radix(&hex, 16).expect("a \\u escape");
                    out.push(char::from_u32(unit).unwrap_or('\u{fffd}'));
                }
                Some(other) => out.push(other),
                None => break,
            },
            c => out.push(c),
        }
    }
    panic!("an unterminated JSON string: {text}")
}
