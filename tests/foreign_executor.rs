//! Channels under a minimal hand-written executor, with no aiochan loop running at all.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::panic::catch_unwind;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Wake, Waker};

use aiochan::Chan;

/// The ids of tasks to poll, in the order they were woken.
type RunQueue = Arc<Mutex<VecDeque<usize>>>;

/// The waker of one task: waking it queues its id.
struct TaskWaker {
    id: usize,
    queue: RunQueue,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.queue.lock().unwrap().push_back(self.id);
    }
}

/// A single-threaded executor: polls a task only when its waker was woken, so a lost wake-up
/// leaves a task unfinished, which `run` reports.
#[derive(Default)]
struct Executor {
    tasks: Vec<Option<Pin<Box<dyn Future<Output = ()>>>>>,
    queue: RunQueue,
}

impl Executor {
    fn spawn(&mut self, future: impl Future<Output = ()> + 'static) {
        self.queue.lock().unwrap().push_back(self.tasks.len());
        self.tasks.push(Some(Box::pin(future)));
    }

    /// Polls woken tasks until none is woken; panics if a task is left unfinished.
    fn run(mut self) {
        assert!(
            catch_unwind(aiochan::now).is_err(),
            "no aiochan loop must run on this thread"
        );
        loop {
            let next = self.queue.lock().unwrap().pop_front();
            let Some(id) = next else { break };
            let Some(task) = self.tasks[id].as_mut() else {
                continue;
            };
            let waker = Waker::from(Arc::new(TaskWaker {
                id,
                queue: self.queue.clone(),
            }));
            if task
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_ready()
            {
                self.tasks[id] = None;
            }
        }
        let stuck: Vec<_> = (0..self.tasks.len())
            .filter(|&id| self.tasks[id].is_some())
            .collect();
        assert!(
            stuck.is_empty(),
            "tasks {stuck:?} never completed: a wake-up was lost"
        );
    }
}

const N: u32 = 1000;

/// One producer puts `0..N` and closes; one consumer gets until `None`. Returns what the consumer
/// received and the most values ever put but not yet received.
fn exchange(c: Chan<u32>) -> (Vec<u32>, u32) {
    let sent = Rc::new(Cell::new(0u32));
    let received = Rc::new(RefCell::new(Vec::new()));
    let ahead = Rc::new(Cell::new(0u32));
    let mut ex = Executor::default();
    ex.spawn({
        let (c, sent, received, ahead) = (c.clone(), sent.clone(), received.clone(), ahead.clone());
        async move {
            for i in 0..N {
                assert!(c.put(i).await, "put {i} refused");
                sent.set(sent.get() + 1);
                let in_flight = sent.get() - received.borrow().len() as u32;
                ahead.set(ahead.get().max(in_flight));
            }
            c.close();
        }
    });
    ex.spawn({
        let received = received.clone();
        async move {
            while let Some(v) = c.get().await {
                received.borrow_mut().push(v);
            }
        }
    });
    ex.run();
    let got = received.take();
    (got, ahead.get())
}

#[test]
fn a_rendezvous_channel_carries_1000_values_in_order() {
    let (got, ahead) = exchange(Chan::new());
    assert_eq!(got, (0..N).collect::<Vec<_>>());
    assert!(
        ahead <= 1,
        "a rendezvous put completed {ahead} values ahead of the gets"
    );
}

#[test]
fn a_fixed_channel_carries_1000_values_in_order_with_back_pressure() {
    let (got, ahead) = exchange(Chan::fixed(4));
    assert_eq!(got, (0..N).collect::<Vec<_>>());
    assert!(
        (4..=5).contains(&ahead),
        "the producer ran {ahead} values ahead of a consumer behind a buffer of 4"
    );
}

#[test]
fn values_of_several_producers_each_arrive_in_order() {
    let c = Chan::fixed(4);
    let received = Rc::new(RefCell::new(Vec::new()));
    let mut ex = Executor::default();
    for p in 0..3u32 {
        let c = c.clone();
        ex.spawn(async move {
            for i in 0..300 {
                assert!(c.put((p, i)).await);
            }
        });
    }
    ex.spawn({
        let (c, received) = (c.clone(), received.clone());
        async move {
            for _ in 0..900 {
                let v = c.get().await.expect("a value");
                received.borrow_mut().push(v);
            }
        }
    });
    ex.run();
    let got = received.take();
    for p in 0..3 {
        let of_p: Vec<_> = got.iter().filter(|v| v.0 == p).map(|v| v.1).collect();
        assert_eq!(of_p, (0..300).collect::<Vec<_>>(), "producer {p}");
    }
}

#[test]
fn several_consumers_receive_every_value_exactly_once() {
    let c = Chan::new();
    let received = Rc::new(RefCell::new(Vec::new()));
    let mut ex = Executor::default();
    for _ in 0..4 {
        let (c, received) = (c.clone(), received.clone());
        ex.spawn(async move {
            while let Some(v) = c.get().await {
                received.borrow_mut().push(v);
            }
        });
    }
    ex.spawn({
        let c = c.clone();
        async move {
            for i in 0..N {
                assert!(c.put(i).await);
            }
            c.close();
        }
    });
    ex.run();
    let mut got = received.take();
    got.sort_unstable();
    assert_eq!(got, (0..N).collect::<Vec<_>>());
}

#[test]
fn join_completes_under_a_foreign_executor() {
    let c = Chan::fixed(2);
    let joined = Rc::new(Cell::new(false));
    let mut ex = Executor::default();
    ex.spawn({
        let (c, joined) = (c.clone(), joined.clone());
        async move {
            c.join().await;
            joined.set(true);
        }
    });
    ex.spawn({
        let c = c.clone();
        async move {
            c.put(1).await;
            c.put(2).await;
            c.close();
            assert_eq!(c.get().await, Some(1));
            assert_eq!(c.get().await, Some(2));
        }
    });
    ex.run();
    assert!(joined.get());
}

#[test]
fn callbacks_of_waiting_operations_run_when_completed_without_a_loop() {
    let c = Chan::new();
    let got = Rc::new(Cell::new(None));
    let seen = got.clone();
    c.get_then(move |v| seen.set(v));
    let mut ex = Executor::default();
    ex.spawn({
        let (c, got) = (c.clone(), got.clone());
        async move {
            assert!(c.put(9).await);
            assert_eq!(got.get(), Some(9), "with no loop the callback ran at once");
        }
    });
    ex.run();
}

// --- Tasks, operators and timers under another executor, through `aiochan::use_spawner` ---

use std::panic::{self, AssertUnwindSafe};
use std::sync::{Condvar, OnceLock};
use std::time::{Duration, Instant};

use aiochan::ops::Out;
use aiochan::{from_range, go, select, tick_tock, timeout, LocalTask, Op};

/// Tasks woken, from any thread, and a signal for the executor waiting for one.
#[derive(Default)]
struct Woken {
    ids: Mutex<VecDeque<usize>>,
    signal: Condvar,
}

/// The waker of one task of a [`Spawning`] executor.
struct WakeTask {
    id: usize,
    woken: Arc<Woken>,
}

impl Wake for WakeTask {
    fn wake(self: Arc<Self>) {
        self.woken.ids.lock().unwrap().push_back(self.id);
        self.woken.signal.notify_one();
    }
}

/// A single-threaded executor that aiochan spawns onto (it installs itself with
/// `aiochan::use_spawner`) and that waits for wake-ups from other threads (the timer thread) while
/// tasks remain; a task that waits over 10 s fails the test.
#[derive(Clone, Default)]
struct Spawning {
    tasks: Rc<RefCell<Vec<Option<LocalTask>>>>,
    woken: Arc<Woken>,
}

impl Spawning {
    fn spawn(&self, task: LocalTask) {
        let mut tasks = self.tasks.borrow_mut();
        self.woken.ids.lock().unwrap().push_back(tasks.len());
        tasks.push(Some(task));
    }

    /// The next task woken; `None` once every task has completed.
    fn next(&self) -> Option<usize> {
        let mut ids = self.woken.ids.lock().unwrap();
        loop {
            if let Some(id) = ids.pop_front() {
                return Some(id);
            }
            if self.tasks.borrow().iter().all(Option::is_none) {
                return None;
            }
            let (again, waited) = self
                .woken
                .signal
                .wait_timeout(ids, Duration::from_secs(10))
                .unwrap();
            assert!(!waited.timed_out(), "tasks waited 10 s for a wake-up");
            ids = again;
        }
    }

    /// Runs `main` and every task spawned until all have completed, with itself as aiochan's
    /// spawner.
    fn run(self, main: impl Future<Output = ()> + 'static) {
        assert!(
            catch_unwind(aiochan::now).is_err(),
            "no aiochan loop must run on this thread"
        );
        let spawner = self.clone();
        let _spawner = aiochan::use_spawner(move |task| spawner.spawn(task));
        self.spawn(Box::pin(main));
        while let Some(id) = self.next() {
            // Out of the table while polled, so that the task may spawn others.
            let Some(mut task) = self.tasks.borrow_mut()[id].take() else {
                continue;
            };
            let waker = Waker::from(Arc::new(WakeTask {
                id,
                woken: self.woken.clone(),
            }));
            if task
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending()
            {
                self.tasks.borrow_mut()[id] = Some(task);
            }
        }
    }
}

#[test]
fn go_spawns_onto_the_installed_spawner_and_its_handle_gives_the_output() {
    let got = Rc::new(Cell::new(0));
    let seen = got.clone();
    Spawning::default().run(async move {
        let task = go(async { 6 * 7 });
        assert_eq!(task.await, 42);
        let c = Chan::<u32>::new();
        let waiting = go({
            let c = c.clone();
            async move { c.get().await }
        });
        aiochan::nop().await;
        assert!(!waiting.is_finished());
        waiting.abort();
        assert!(c.try_put(1).is_err(), "the aborted get no longer waits");
        seen.set(42);
    });
    assert_eq!(got.get(), 42);
}

#[test]
fn operators_run_as_tasks_of_the_foreign_executor() {
    let got = Rc::new(RefCell::new(Vec::new()));
    let seen = got.clone();
    Spawning::default().run(async move {
        let evens = from_range(0..10)
            .map(|v| v * 3, Out::new())
            .filter(|v| v % 2 == 0, Out::fixed(2));
        let merged = aiochan::ops::merge([evens, from_range(100..102)], Out::new());
        let mut all = merged.collect().await;
        all.sort_unstable();
        *seen.borrow_mut() = all;
    });
    assert_eq!(*got.borrow(), [0, 6, 12, 18, 24, 100, 101]);
}

#[test]
fn timeout_closes_in_real_time_under_a_foreign_executor() {
    let waited = Rc::new(Cell::new(Duration::ZERO));
    let seen = waited.clone();
    Spawning::default().run(async move {
        let start = Instant::now();
        let never = Chan::<u32>::new();
        let deadline = timeout::<u32>(Duration::from_millis(30));
        let chosen = select([Op::get(&never), Op::get(&deadline)]).await;
        assert_eq!(chosen.index, 1);
        assert!(deadline.is_closed());
        seen.set(start.elapsed());
    });
    assert!(
        waited.get() >= Duration::from_millis(30),
        "the timeout closed after {:?}",
        waited.get()
    );
}

#[test]
fn tick_tock_ticks_in_real_time_under_a_foreign_executor() {
    let ticks = Rc::new(RefCell::new(Vec::new()));
    let seen = ticks.clone();
    Spawning::default().run(async move {
        let start = Instant::now();
        let ticker = tick_tock(Duration::from_millis(5));
        for _ in 0..3 {
            let (n, at) = ticker.get().await.expect("a tick");
            seen.borrow_mut()
                .push((n, at - start >= Duration::from_millis(5 * n)));
        }
        ticker.close();
    });
    assert_eq!(*ticks.borrow(), [(1, true), (2, true), (3, true)]);
}

#[test]
fn a_sleep_waits_in_real_time_with_no_spawner_needed() {
    // No executor at all: this thread polls the sleeping task each time it is woken.
    let woken = Arc::new(Woken::default());
    let mut task: LocalTask = Box::pin(async {
        let start = Instant::now();
        aiochan::sleep(Duration::from_millis(20)).await;
        assert!(start.elapsed() >= Duration::from_millis(20));
    });
    let waker = Waker::from(Arc::new(WakeTask {
        id: 0,
        woken: woken.clone(),
    }));
    while task
        .as_mut()
        .poll(&mut Context::from_waker(&waker))
        .is_pending()
    {
        let ids = woken.ids.lock().unwrap();
        let (mut ids, waited) = woken
            .signal
            .wait_timeout_while(ids, Duration::from_secs(10), |ids| ids.is_empty())
            .unwrap();
        assert!(!waited.timed_out(), "the sleep was never woken");
        ids.clear();
    }
}

/// Where the last panic on this thread was raised, recorded by a panic hook installed once.
fn last_panic_line() -> Option<(String, u32)> {
    thread_local! {
        static LAST: RefCell<Option<(String, u32)>> = const { RefCell::new(None) };
    }
    static HOOK: OnceLock<()> = OnceLock::new();
    HOOK.get_or_init(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let at = info.location().map(|l| (l.file().to_string(), l.line()));
            LAST.with(|last| *last.borrow_mut() = at);
            default(info);
        }));
    });
    LAST.with(|last| last.borrow_mut().take())
}

/// The message of the panic of `f`, and the line it names.
fn panic_of(f: impl FnOnce()) -> (String, Option<(String, u32)>) {
    last_panic_line();
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("a panic");
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    (message, last_panic_line())
}

#[test]
fn with_no_loop_and_no_spawner_a_panic_names_what_the_user_called_and_where() {
    let (message, at) = panic_of(|| drop(timeout::<()>(Duration::from_millis(1))));
    let line = line!() - 1;
    assert!(
        message.starts_with(
            "aiochan::timeout needs a running event loop: call it inside aiochan::run(..)"
        ),
        "{message}"
    );
    assert!(message.contains("aiochan::use_spawner"), "{message}");
    assert_eq!(at, Some((file!().to_string(), line)));

    let c = Chan::<u32>::new();
    let (message, at) = panic_of(|| drop(c.map(|v| v + 1, Out::new())));
    let line = line!() - 1;
    assert!(
        message.starts_with("aiochan::Chan::map needs a running event loop"),
        "{message}"
    );
    assert_eq!(at, Some((file!().to_string(), line)));

    let (message, _) = panic_of(|| drop(tick_tock(Duration::from_millis(1))));
    assert!(message.starts_with("aiochan::tick_tock needs"), "{message}");
    let (message, _) = panic_of(|| drop(from_range(0..3).parallel_pipe(1, |v| v, Out::new())));
    assert!(
        message.starts_with("aiochan::Chan::parallel_pipe needs"),
        "{message}"
    );
    let (message, at) = panic_of(|| {
        aiochan::now();
    });
    let line = line!() - 2;
    assert!(message.starts_with("aiochan::now needs"), "{message}");
    assert_eq!(at, Some((file!().to_string(), line)));
}

#[test]
fn timeout_future_elapses_in_real_time_under_a_foreign_executor() {
    let outcome = Rc::new(RefCell::new(None));
    let seen = outcome.clone();
    Spawning::default().run(async move {
        let start = Instant::now();
        let quiet = Chan::<u32>::new();
        let late = aiochan::timeout_future(Duration::from_millis(20), quiet.get()).await;
        let ready = Chan::fixed(1).add([3]);
        let on_time = aiochan::timeout_future(Duration::from_secs(5), ready.get()).await;
        *seen.borrow_mut() = Some((late.is_err(), start.elapsed(), on_time));
    });
    let (late, took, on_time) = outcome.take().expect("the task ran");
    assert!(
        late && took >= Duration::from_millis(20),
        "{late} after {took:?}"
    );
    assert_eq!(on_time, Ok(Some(3)));
}

#[test]
fn select_then_calls_back_when_a_task_of_the_foreign_executor_completes_it() {
    let c = Chan::new();
    let got = Rc::new(RefCell::new(None));
    let seen = got.clone();
    aiochan::select_then([aiochan::Op::get(&c)], false, move |chosen| {
        *seen.borrow_mut() = Some(chosen.value());
    });
    let mut ex = Executor::default();
    ex.spawn({
        let (c, got) = (c.clone(), got.clone());
        async move {
            assert!(c.put(8).await);
            assert_eq!(
                *got.borrow(),
                Some(Some(8)),
                "with no loop the callback ran at once"
            );
        }
    });
    ex.run();
}

#[test]
fn parallel_pipes_and_dup_run_under_a_foreign_executor() {
    let got = Rc::new(RefCell::new(None));
    let seen = got.clone();
    Spawning::default().run(async move {
        let squares = from_range(0..8).parallel_pipe(2, |v| v * v, Out::new());
        let dup = squares.dup();
        let (a, b) = (dup.tap(Out::fixed(8)), dup.tap(Out::fixed(8)));
        let a = a.collect().await;
        let b = b.collect().await;
        let (numbers, errors) = from_range(0..4).parallel_pipe_try(
            aiochan::ops::Parallel::threads(2).unordered(),
            |v| if v % 2 == 0 { Ok(v) } else { Err(v) },
            Out::new(),
            Out::fixed(4),
        );
        let mut evens = numbers.collect().await;
        evens.sort_unstable();
        let mut odd: Vec<u64> = errors.collect().await.iter().map(|e| e.index()).collect();
        odd.sort_unstable();
        *seen.borrow_mut() = Some((a, b, evens, odd));
    });
    let squares: Vec<i64> = (0..8).map(|v| v * v).collect();
    assert_eq!(
        got.take(),
        Some((squares.clone(), squares, vec![0, 2], vec![1, 3]))
    );
}

#[test]
fn what_reads_the_loop_itself_still_panics_under_a_foreign_executor_naming_it() {
    let c = Chan::<u8>::new();
    let (message, _) = panic_of(|| drop(c.sender()));
    assert!(
        message.starts_with("aiochan::Chan::sender needs a running event loop"),
        "{message}"
    );
    let (message, _) = panic_of(|| drop(aiochan::Handle::current()));
    assert!(
        message.starts_with("aiochan::Handle::current needs a running event loop"),
        "{message}"
    );
}
