//! Helpers shared by the behaviour tests: seeded virtual-time runs, a watchdog, a panic's text, a
//! foreign oneshot, a shared log, and the example binaries.
// Each test binary uses only some of these.
#![allow(dead_code)]

use std::future::Future;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

/// Runs `future` on a loop with virtual time and seed `seed`, so that a run repeats exactly.
pub fn run_seeded<F: Future>(seed: u64, future: F) -> F::Output {
    aiochan::Runtime::builder()
        .virtual_time(true)
        .seed(seed)
        .build()
        .run(future)
}

/// A bound on wall-clock time: `limit`, or 20 times `limit` under Miri, where a test runs some
/// hundreds of times slower than natively (still far quicker than a hang or an hour-long timer).
pub fn slack(limit: Duration) -> Duration {
    if cfg!(miri) {
        limit * 20
    } else {
        limit
    }
}

/// `n` milliseconds.
pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// What tasks of a test did, in order.
pub type Log = std::rc::Rc<std::cell::RefCell<Vec<String>>>;

/// An empty log.
pub fn log() -> Log {
    Log::default()
}

/// Appends `what` to `log`.
pub fn push(log: &Log, what: impl Into<String>) {
    log.borrow_mut().push(what.into());
}

/// The text of the panic `f` ends in (a deadlock report, say); fails the test if `f` returns.
pub fn panic_message<R>(f: impl FnOnce() -> R) -> String {
    let payload = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(_) => panic!("expected a panic"),
        Err(payload) => payload,
    };
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .expect("a text payload")
}

/// Runs `body` on a thread of its own; fails the test if it does not finish within `limit` (a
/// broken loop would otherwise hang the test binary), and resumes its panic if it panics. Under
/// Miri the limit is stretched by [`slack`].
pub fn within<T: Send + 'static>(limit: Duration, body: impl FnOnce() -> T + Send + 'static) -> T {
    let limit = slack(limit);
    let (tx, rx) = mpsc::channel();
    let thread = thread::spawn(move || {
        let _ = tx.send(body());
    });
    match rx.recv_timeout(limit) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            resume_unwind(thread.join().expect_err("the body ended without a result"))
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("did not finish within {limit:?}"),
    }
}

/// A oneshot channel whose receiver is a foreign future: it keeps a clone of its task's waker.
pub struct Oneshot<T>(Arc<Mutex<(Option<T>, Option<Waker>)>>);

/// A connected sender and receiver.
pub fn oneshot<T>() -> (Oneshot<T>, Oneshot<T>) {
    let inner = Arc::new(Mutex::new((None, None)));
    (Oneshot(inner.clone()), Oneshot(inner))
}

impl<T> Oneshot<T> {
    /// Delivers the value and wakes the receiver's task.
    pub fn send(self, value: T) {
        let waker = {
            let mut inner = self.0.lock().unwrap();
            inner.0 = Some(value);
            inner.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Drops the kept waker without waking it, as a sender that gives up would.
    pub fn drop_waker(&self) -> bool {
        let waker = self.0.lock().unwrap().1.take();
        waker.is_some()
    }
}

impl<T> Future for Oneshot<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut inner = self.0.lock().unwrap();
        match inner.0.take() {
            Some(value) => Poll::Ready(value),
            None => {
                inner.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// The example binary `name` that `cargo test` builds beside the test binaries.
pub fn example_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's own path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("test binaries live in target/<profile>/deps");
    let binary = profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} is missing: run the whole `cargo test` (which builds the examples), \
         or `cargo build --example {name}` first",
        binary.display()
    );
    binary
}

/// Runs example `name` with `args`; its exit status, standard output and standard error.
pub fn run_example(name: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let output = std::process::Command::new(example_binary(name))
        .args(args)
        .env("AIOCHAN_SEED", "1")
        .output()
        .expect("the example runs");
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).expect("the example prints UTF-8");
    (
        output.status.code(),
        text(output.stdout),
        text(output.stderr),
    )
}

/// The ids example `name` lists, each the first word of a line of `--list`.
pub fn example_ids(name: &str) -> Vec<String> {
    let (status, list, err) = run_example(name, &["--list"]);
    assert_eq!(status, Some(0), "{name} --list: {err}");
    list.lines()
        .map(|line| {
            line.split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

/// Checks the command line that example `name` shares with the other multi-program examples:
/// `--help`, an aligned `--list`, usage errors with status 2, and `--trace` in each format, tried
/// on program `id`.
pub fn check_command_line(name: &str, id: &str) {
    for help in ["--help", "-h"] {
        let (status, out, _) = run_example(name, &[help]);
        assert_eq!(status, Some(0), "{name} {help}");
        assert!(
            out.starts_with("usage:") && out.contains("--trace"),
            "{out}"
        );
    }

    let (status, list, _) = run_example(name, &["--list"]);
    assert_eq!(status, Some(0));
    let columns: Vec<usize> = list
        .lines()
        .map(|line| {
            let id_end = line.find(' ').expect("an id, then its description");
            let about = id_end + line[id_end..].find(|c| c != ' ').expect("a description");
            assert!(about >= id_end + 2, "{name} --list: {line:?}");
            about
        })
        .collect();
    assert!(columns.len() >= 3, "{list}");
    assert!(
        columns.iter().all(|&c| c == columns[0]),
        "{name} --list is not aligned:\n{list}"
    );

    for wrong in [
        &["--no-such-flag", id][..],
        &["-x", id],
        &[],
        &[id, id],
        &["--list", id],
        &[id, "--trace"],
        &[id, "--trace", "trace.txt"],
    ] {
        let (status, out, err) = run_example(name, wrong);
        assert_eq!(status, Some(2), "{name} {wrong:?}");
        assert!(out.is_empty(), "{name} {wrong:?} ran: {out}");
        assert!(err.contains("usage:"), "{name} {wrong:?}: {err}");
    }
    assert!(!std::path::Path::new("trace.txt").exists());

    let dir = std::env::temp_dir().join(format!("aiochan-trace-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let (_, untraced, _) = run_example(name, &[id, "--virtual"]);
    for (extension, starts) in [
        ("html", "<!doctype html"),
        ("svg", "<svg"),
        ("mmd", "sequenceDiagram"),
    ] {
        let file = dir.join(format!("{id}.{extension}"));
        let path = file.to_str().expect("a UTF-8 path");
        let (status, out, err) = run_example(name, &[id, "--virtual", "--trace", path]);
        assert_eq!(status, Some(0), "{name} {id} --trace {path}: {err}");
        assert_eq!(out, untraced, "tracing changed what {name} {id} prints");
        let written = std::fs::read_to_string(&file).expect("the trace file is written");
        assert!(
            written
                .trim_start()
                .to_lowercase()
                .starts_with(&starts.to_lowercase()),
            "{path} starts {:?}",
            &written[..written.len().min(80)]
        );
        assert!(
            written.len() > 500,
            "{path} holds almost nothing: {written}"
        );
    }
    std::fs::remove_dir_all(&dir).expect("the temporary directory is removed");
}
