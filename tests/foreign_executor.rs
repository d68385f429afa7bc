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
