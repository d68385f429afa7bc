//! The programs of aiochan's tutorial, ported to Rust, one per code cell; then programs for
//! chapters 6 to 11 of the crate's own tutorial (`aiochan::tutorial`), one per example, in
//! `examples/tutorial/`.
//!
//! ```text
//! cargo run --example tutorial -- --list                   # the ids, each with a line about it
//! cargo run --example tutorial -- coroutines-4-go          # one program, in real time
//! cargo run --example tutorial -- coroutines-4-go --virtual  # the same under virtual time
//! cargo run --example tutorial -- channels-6-fan-out --virtual --trace fan.html  # watch it run
//! ```
//!
//! `--trace FILE` records the run and writes it in the format the file's extension names: `.html`
//! (a page that steps through the run event by event), `.svg` or `.mmd` (a Mermaid diagram).
//!
//! Under virtual time the loop's ordering rules alone decide the interleaving, so every program
//! prints exactly what the tutorial prints (tests/tutorial.rs checks each against a snapshot;
//! the programs with threads print only what does not depend on how the threads are scheduled).

use std::time::Duration;

use aiochan::{go, go_named, nop, select, sleep, try_select, Chan, Op, Runtime};

mod cli;

/// A tutorial program: it starts its own loop(s) on the given runtime, as the tutorial's cells call
/// `ac.run(main())`.
type Program = fn(&Runtime);

/// Every program, by id, in tutorial order.
const PROGRAMS: &[cli::Entry<Program>] = &[
    (
        "coroutines-1-silly",
        "an async function run to its result",
        coroutines::silly,
    ),
    (
        "coroutines-2-count",
        "one counter that sleeps between counts",
        coroutines::count_once,
    ),
    (
        "coroutines-3-sequential",
        "two counters awaited one after the other: no concurrency",
        coroutines::sequential,
    ),
    (
        "coroutines-4-go",
        "go runs counter a while main counts b",
        coroutines::with_go,
    ),
    (
        "coroutines-5-forgot-go",
        "an async call without go or await never runs",
        coroutines::forgot_go,
    ),
    (
        "coroutines-6-main-returns",
        "the run ends when main returns, spawned counters unrun",
        coroutines::main_returns,
    ),
    (
        "coroutines-7-main-sleeps",
        "while main sleeps, the spawned counters run",
        coroutines::main_sleeps,
    ),
    (
        "coroutines-8-no-interleaving",
        "no interleaving unless await: the spawned task runs after main's turn",
        coroutines::no_interleaving,
    ),
    (
        "coroutines-9-nop",
        "nop hands the turn to the tasks already ready",
        coroutines::with_nop,
    ),
    (
        "channels-1-producer-consumer",
        "a producer and a consumer meet on a channel",
        channels::producer_consumer,
    ),
    (
        "channels-2-close",
        "closing the channel sends both sides home",
        channels::close,
    ),
    (
        "channels-3-async-for",
        "the consumer as a while-let loop over the channel",
        channels::iterate,
    ),
    (
        "channels-4-producer-owns-channel",
        "the producer makes the channel and returns it",
        channels::producer_owns_channel,
    ),
    (
        "channels-5-fan-in",
        "three producers, one consumer",
        channels::fan_in,
    ),
    (
        "channels-6-fan-out",
        "three producers, three consumers, one channel",
        channels::fan_out,
    ),
    (
        "channels-7-different-rates",
        "producers at different rates: the faster ones do more",
        channels::different_rates,
    ),
    (
        "buffers-1-fixed",
        "a put into a buffer of one completes with nobody getting",
        buffers::fixed,
    ),
    (
        "buffers-2-back-pressure",
        "a worker runs ahead of its consumer by at most the buffer",
        buffers::back_pressure,
    ),
    (
        "buffers-3-dropping",
        "a full dropping buffer discards the newest value",
        buffers::dropping,
    ),
    (
        "buffers-4-sliding",
        "a full sliding buffer discards the oldest value",
        buffers::sliding,
    ),
    (
        "buffers-5-lock",
        "a channel holding one value as a lock: ten workers take turns",
        buffers::lock,
    ),
    (
        "buffers-6-semaphore",
        "a channel holding two values as a semaphore",
        buffers::semaphore,
    ),
    (
        "buffers-7-select-locks",
        "three workers select whichever of three locks is free",
        buffers::select_locks,
    ),
    (
        "select-1-first-ready",
        "select gets from exactly one of three ready channels",
        selecting::first_ready,
    ),
    (
        "select-2-puts",
        "select over two puts: exactly one completes",
        selecting::puts,
    ),
    (
        "select-3-stop-workers",
        "closing one channel stops every worker, with priority",
        selecting::stop_workers,
    ),
    (
        "select-4-default",
        "with a default, select gives up what cannot complete at once",
        selecting::default,
    ),
    (
        "time-1-deadline",
        "one deadline for a whole conversation: a timeout channel",
        time::deadline,
    ),
    (
        "time-2-silence",
        "a fresh sleep arm each round limits the silence",
        time::silence,
    ),
    (
        "time-3-ticks",
        "tick_tock: late ticks come one per get, none skipped",
        time::ticks,
    ),
    (
        "time-4-steady-pace",
        "sleep drifts, sleep_until keeps a steady pace",
        time::steady_pace,
    ),
    (
        "operators-1-pipeline",
        "filter, map and take over an endless range",
        operators::pipeline,
    ),
    (
        "operators-2-shared-output",
        "two sources feed one channel that stays open",
        operators::shared_output,
    ),
    (
        "operators-3-folding",
        "fold, reduce, scan and into_collection",
        operators::folding,
    ),
    (
        "operators-4-shaping",
        "skip, take_while, distinct, group and group_by",
        operators::shaping,
    ),
    (
        "operators-5-async-pipe",
        "eight 100 ms lookups, four at once, in order",
        operators::async_pipe,
    ),
    (
        "combinations-1-merge-zip",
        "merge as values come, zip in lockstep",
        combinations::merge_zip,
    ),
    (
        "combinations-2-combine-latest",
        "a dashboard of the latest of each input",
        combinations::combine_latest_dashboard,
    ),
    (
        "combinations-3-dup-pub",
        "every value to every tap; values by topic",
        combinations::dup_pub,
    ),
    (
        "combinations-4-distribute",
        "each value to one of three workers' inboxes",
        combinations::distribute,
    ),
    (
        "combinations-5-mix",
        "a mix with a paused input",
        combinations::mix,
    ),
    (
        "parallelism-1-spawn-blocking",
        "a blocking call on a thread while the loop runs",
        parallelism::spawn_blocking_call,
    ),
    (
        "parallelism-2-parallel-pipe",
        "number crunching on four threads, results in order",
        parallelism::parallel_pipe,
    ),
    (
        "parallelism-3-threads-feed-the-loop",
        "threads put into a loop channel with back-pressure",
        parallelism::threads_feed_the_loop,
    ),
    (
        "parallelism-4-handle",
        "a plain thread runs a future on the loop",
        parallelism::handle,
    ),
    (
        "normal-code-1-run",
        "a loop inside an ordinary function, and one in the background",
        normal_code::run_and_run_in_thread,
    ),
    (
        "normal-code-2-values-in",
        "a plain thread feeds the loop; closing when it is done",
        normal_code::values_in,
    ),
    (
        "normal-code-3-values-out",
        "a loop channel as a blocking iterator on a plain thread",
        normal_code::values_out,
    ),
    (
        "normal-code-4-mutex",
        "a lock kept across an await: one fetch for three lookups",
        normal_code::mutex,
    ),
    (
        "testing-1-retries",
        "exponential back-off, timed to the millisecond",
        testing::retries,
    ),
    (
        "testing-2-seeds",
        "the same seed makes the same choice",
        testing::seeds,
    ),
    (
        "testing-3-explore",
        "exploring schedules finds an overbooked seat",
        testing::explore,
    ),
    (
        "testing-4-deadlock-report",
        "a deadlock ends the run with a report of who waits on what",
        testing::deadlock_report,
    ),
    (
        "testing-5-task-panic",
        "a task's panic ends the run, naming the task",
        testing::task_panic,
    ),
    (
        "testing-6-kubernetes",
        "Kubernetes #10182: a lock and a channel deadlock, and the fix",
        testing::kubernetes,
    ),
];

/// Chapter 6: time.
#[path = "tutorial/time.rs"]
mod time;

/// Chapter 7: functional operators.
#[path = "tutorial/operators.rs"]
mod operators;

/// Chapter 8: combining channels.
#[path = "tutorial/combinations.rs"]
mod combinations;

/// Chapter 9: parallelism.
#[path = "tutorial/parallelism.rs"]
mod parallelism;

/// Chapter 10: back to normal code.
#[path = "tutorial/normal_code.rs"]
mod normal_code;

/// Chapter 11: testing.
#[path = "tutorial/testing.rs"]
mod testing;

/// Milliseconds from `start` to now, on the loop's clock.
fn ms_since(start: std::time::Instant) -> u128 {
    (aiochan::now() - start).as_millis()
}

/// "Coroutines and event loops": tasks, `go`, `nop` and the loop's ordering.
mod coroutines {
    use super::*;

    async fn silly_fn(x: i32) -> i32 {
        println!("executing silly with {x}");
        x + 1
    }

    /// `ac.run(silly(2))`, printing the returned value as the notebook does.
    pub fn silly(rt: &Runtime) {
        println!("{}", rt.run(silly_fn(2)));
    }

    async fn count(tag: &str, n_max: u32) {
        let mut i = 0;
        while i < n_max {
            sleep(Duration::from_millis(500)).await;
            i += 1;
            println!("{tag} {i}");
        }
    }

    pub fn count_once(rt: &Runtime) {
        rt.run(count("counter:", 3));
    }

    /// Awaiting one counter after the other: no concurrency.
    pub fn sequential(rt: &Runtime) {
        rt.run(async {
            count("counter a:", 3).await;
            count("counter b:", 3).await;
        });
    }

    /// `go` runs counter a concurrently while main counts b.
    pub fn with_go(rt: &Runtime) {
        rt.run(async {
            go(count("counter a:", 3));
            count("counter b:", 3).await;
        });
    }

    /// Calling an async function without `go` builds a future and drops it: counter a never runs
    /// (the compiler warns that the future is unused, which is the point of the lesson).
    pub fn forgot_go(rt: &Runtime) {
        rt.run(async {
            #[allow(unused_must_use, clippy::let_underscore_future)]
            let _ = count("counter a:", 3);
            count("counter b:", 3).await;
        });
    }

    /// `run` returns as soon as main does: the spawned counters never get a turn.
    pub fn main_returns(rt: &Runtime) {
        rt.run(async {
            go(count("counter a:", 3));
            go(count("counter b:", 3));
        });
    }

    /// While main sleeps, the counters run.
    pub fn main_sleeps(rt: &Runtime) {
        rt.run(async {
            go(count("counter a:", 3));
            go(count("counter b:", 3));
            sleep(Duration::from_secs(3)).await;
        });
    }

    /// No interleaving unless await: the spawned task runs only after main finishes its turn.
    pub fn no_interleaving(rt: &Runtime) {
        rt.run(async {
            println!("before");
            go(async { println!("do work") });
            println!("after");
        });
    }

    /// `nop` hands the turn to the tasks already ready.
    pub fn with_nop(rt: &Runtime) {
        rt.run(async {
            println!("before");
            go(async { println!("do work") });
            nop().await;
            println!("after");
        });
    }
}

/// "Channels": rendezvous between producers and consumers, closing, fan-in and fan-out.
mod channels {
    use super::*;

    /// Produces "product 1", "product 2", ... every 100 ms until the channel is closed.
    async fn producer(c: Chan<String>) {
        let mut i = 0;
        loop {
            sleep(Duration::from_millis(100)).await;
            i += 1;
            if !c.put(format!("product {i}")).await {
                println!("producer goes home");
                break;
            }
        }
    }

    /// Main walks away after 600 ms, leaving producer and consumer dangling.
    pub fn producer_consumer(rt: &Runtime) {
        async fn consumer(c: Chan<String>) {
            loop {
                let product = c.get().await;
                println!("obtained: {}", product.unwrap_or_default());
            }
        }
        rt.run(async {
            let c = Chan::new();
            go(producer(c.clone()));
            go(consumer(c));
            sleep(Duration::from_millis(600)).await;
            println!("It is late, let us call it a day.");
        });
    }

    /// Closing the channel tells both sides to go home: `get` gives `None`, `put` gives `false`.
    pub fn close(rt: &Runtime) {
        async fn consumer(c: Chan<String>) {
            loop {
                match c.get().await {
                    Some(product) => println!("obtained: {product}"),
                    None => {
                        println!("consumer goes home");
                        break;
                    }
                }
            }
        }
        rt.run(async {
            let c = Chan::new();
            go(producer(c.clone()));
            go(consumer(c.clone()));
            sleep(Duration::from_millis(600)).await;
            println!("It is late, let us call it a day.");
            c.close();
            sleep(Duration::from_millis(200)).await;
        });
    }

    /// The consumer as a loop over the channel's values, which ends when it is closed.
    async fn consumer(c: Chan<String>) {
        while let Some(product) = c.get().await {
            println!("obtained: {product}");
        }
        println!("consumer goes home");
    }

    pub fn iterate(rt: &Runtime) {
        rt.run(async {
            let c = Chan::new();
            go(producer(c.clone()));
            go(consumer(c.clone()));
            sleep(Duration::from_millis(600)).await;
            println!("It is late, let us call it a day.");
            c.close();
            sleep(Duration::from_millis(200)).await;
        });
    }

    /// Channels are values: the producer makes its own and returns it.
    pub fn producer_owns_channel(rt: &Runtime) {
        async fn producer() -> Chan<String> {
            let c = Chan::new();
            go(super::channels::producer(c.clone()));
            c
        }
        rt.run(async {
            let c = producer().await;
            go(consumer(c.clone()));
            sleep(Duration::from_millis(600)).await;
            println!("It is late, let us call it a day.");
            c.close();
            sleep(Duration::from_millis(200)).await;
        });
    }

    /// Starts a producer task named `tag` that produces every `interval` (the names show in
    /// `--trace`).
    fn spawn_producer(c: &Chan<String>, tag: String, interval: Duration) {
        go_named(tag.clone(), tagged_producer(c.clone(), tag, interval));
    }

    /// Starts a consumer task named `tag`.
    fn spawn_consumer(c: &Chan<String>, tag: String) {
        go_named(tag.clone(), tagged_consumer(c.clone(), tag));
    }

    /// A producer tagged `tag` that produces every `interval`.
    async fn tagged_producer(c: Chan<String>, tag: String, interval: Duration) {
        let mut i = 0;
        loop {
            sleep(interval).await;
            i += 1;
            if !c.put(format!("product {i} from {tag}")).await {
                println!("producer {tag} goes home");
                break;
            }
        }
    }

    /// A consumer tagged `tag`.
    async fn tagged_consumer(c: Chan<String>, tag: String) {
        while let Some(product) = c.get().await {
            println!("{tag} obtained: {product}");
        }
        println!("consumer {tag} goes home");
    }

    /// Three producers, one consumer.
    pub fn fan_in(rt: &Runtime) {
        rt.run(async {
            let c = Chan::new().named("products");
            for i in 0..3 {
                spawn_producer(&c, format!("p{i}"), Duration::from_millis(100));
            }
            go(consumer(c.clone()));
            sleep(Duration::from_millis(600)).await;
            println!("It is late, let us call it a day.");
            c.close();
            sleep(Duration::from_millis(200)).await;
        });
    }

    /// Three producers, three consumers: the work divides itself evenly.
    pub fn fan_out(rt: &Runtime) {
        rt.run(async {
            let c = Chan::new().named("products");
            for i in 0..3 {
                spawn_producer(&c, format!("p{i}"), Duration::from_millis(100));
            }
            for i in 0..3 {
                spawn_consumer(&c, format!("c{i}"));
            }
            sleep(Duration::from_millis(600)).await;
            println!("It is late, let us call it a day.");
            c.close();
            sleep(Duration::from_millis(200)).await;
        });
    }

    /// Producers at different rates: more of the work comes from the faster ones.
    pub fn different_rates(rt: &Runtime) {
        rt.run(async {
            let c = Chan::new().named("products");
            for i in 0..3u32 {
                let interval = Duration::from_millis(100) * (i + 1);
                spawn_producer(&c, format!("p{i}"), interval);
            }
            for i in 0..3 {
                spawn_consumer(&c, format!("c{i}"));
            }
            sleep(Duration::from_secs(1)).await;
            println!("It is late, let us call it a day.");
            c.close();
            sleep(Duration::from_millis(200)).await;
        });
    }
}

/// "select: the paramount operation": exactly one of several operations completes.
mod selecting {
    use super::*;

    /// The name a channel was given.
    fn name<T: 'static>(c: &Chan<T>) -> String {
        c.name().as_deref().unwrap_or("?").to_string()
    }

    /// Three channels hold values; select gets from exactly one of them, chosen at random (the seed
    /// fixes which: `AIOCHAN_SEED=1` picks c2, `AIOCHAN_SEED=3` c1, `AIOCHAN_SEED=6` c3). The others
    /// keep all their values.
    pub fn first_ready(rt: &Runtime) {
        let chan = |name: &str, values: [&str; 3]| {
            Chan::new()
                .named(name)
                .add(values.map(String::from))
                .close()
        };
        rt.run(async {
            let c1 = chan("c1", ["1", "2", "3"]);
            let c2 = chan("c2", ["a", "b", "c"]);
            let c3 = chan("c3", ["x", "y", "z"]);
            let chosen = select([Op::get(&c1), Op::get(&c2), Op::get(&c3)]).await;
            let from = name(&chosen.chan);
            println!("the result is {}", chosen.value().unwrap_or_default());
            println!("the result is from {from}");
            for (c, tag) in [(&c1, "c1"), (&c2, "c2"), (&c3, "c3")] {
                while let Some(v) = c.get().await {
                    println!("{tag} still has value: {v}");
                }
            }
        });
    }

    /// Puts can be selected too: both receivers wait, and exactly one put completes.
    pub fn puts(rt: &Runtime) {
        async fn receive(c: Chan<&'static str>) {
            let r = c.get().await.unwrap_or_default();
            println!("received {r} on {}", name(&c));
        }
        rt.run(async {
            let c1 = Chan::new().named("c1");
            let c2 = Chan::new().named("c2");
            go(receive(c1.clone()));
            go(receive(c2.clone()));
            // Let the receivers start waiting; without this, neither put could complete at once and
            // the select would wait, then complete on c1, whose receiver runs first.
            nop().await;
            let chosen = select([Op::put(&c1, "A"), Op::put(&c2, "B")]).await;
            println!("select completes on {}", name(&chosen.chan));
        });
    }

    /// Closing one channel stops every worker: with priority, `stop` wins whenever it is ready.
    pub fn stop_workers(rt: &Runtime) {
        async fn worker(out: Chan<String>, stop: Chan<String>, tag: String) {
            let mut i = 0;
            loop {
                i += 1;
                sleep(Duration::from_millis(100)).await;
                let chosen = select([Op::get(&stop), Op::put(&out, format!("{tag}-{i}"))])
                    .priority()
                    .await;
                if chosen.chan == stop {
                    println!("{tag} stopped");
                    break;
                }
            }
        }
        async fn consumer(c: Chan<String>, stop: Chan<String>) {
            loop {
                let chosen = select([Op::get(&stop), Op::get(&c)]).priority().await;
                if chosen.chan == stop {
                    println!("consumer stopped");
                    break;
                }
                println!("received {}", chosen.value().unwrap_or_default());
            }
        }
        rt.run(async {
            let c = Chan::new();
            let stop = Chan::new();
            for i in 0..3 {
                go(worker(c.clone(), stop.clone(), format!("worker{i}")));
            }
            go(consumer(c, stop.clone()));
            sleep(Duration::from_millis(600)).await;
            stop.close();
            sleep(Duration::from_millis(200)).await;
        });
    }

    /// With a default, select completes only what can complete at once, and queues nothing.
    pub fn default(rt: &Runtime) {
        rt.run(async {
            let ch = Chan::new();
            if let Err(_unsent) = try_select([Op::put(&ch, "value")], false) {
                println!("giveup");
                println!("put cannot complete immediately and was given up");
            }
        });
    }
}

/// "Channel buffering": fixed buffers and back-pressure, dropping and sliding buffers, channels as
/// locks and semaphores.
mod buffers {
    use super::*;

    /// With a buffer of one, a put completes without a get waiting.
    pub fn fixed(rt: &Runtime) {
        rt.run(async {
            let c = Chan::fixed(1);
            c.put("a").await;
            let result = c.get().await.unwrap();
            println!("result {result}");
        });
    }

    /// The worker runs ahead of the consumer by at most the buffer's size.
    pub fn back_pressure(rt: &Runtime) {
        async fn worker(c: Chan<u32>) {
            let mut i = 0;
            loop {
                i += 1;
                sleep(Duration::from_millis(50)).await;
                println!("producing {i}");
                c.put(i).await;
            }
        }
        async fn consumer(c: Chan<u32>) {
            loop {
                sleep(Duration::from_millis(200)).await;
                let result = c.get().await.unwrap();
                println!("consuming {result}");
            }
        }
        rt.run(async {
            let c = Chan::fixed(3);
            go(worker(c.clone()));
            go(consumer(c));
            sleep(Duration::from_secs(1)).await;
        });
    }

    async fn put_three_and_print(c: Chan<u32>) {
        c.put(1).await;
        c.put(2).await;
        c.put(3).await;
        c.close();
        while let Some(v) = c.get().await {
            println!("{v}");
        }
    }

    /// A full dropping buffer discards the newest value.
    pub fn dropping(rt: &Runtime) {
        rt.run(put_three_and_print(Chan::dropping(2)));
    }

    /// A full sliding buffer discards the oldest value.
    pub fn sliding(rt: &Runtime) {
        rt.run(put_three_and_print(Chan::sliding(2)));
    }

    /// Takes the lock (a value out of the channel), works 100 ms, puts it back.
    async fn worker(lock: Chan<bool>, tag: u32) {
        loop {
            lock.get().await;
            println!("{tag} is now working");
            sleep(Duration::from_millis(100)).await;
            lock.put(true).await;
        }
    }

    /// A buffer of one holding one value is a lock: the ten workers take turns.
    pub fn lock(rt: &Runtime) {
        rt.run(async {
            let lock = Chan::fixed(1).add([true]);
            for i in 0..10 {
                go(worker(lock.clone(), i));
            }
            sleep(Duration::from_secs(1)).await;
        });
    }

    /// Three locks and three workers that take whichever lock is free: select over locks.
    pub fn select_locks(rt: &Runtime) {
        async fn worker(locks: Vec<Chan<bool>>, tag: String) {
            loop {
                let ops = locks.iter().map(Op::get);
                let lock = select(ops).await.chan;
                println!("{tag} working");
                sleep(Duration::from_millis(100)).await;
                lock.put(true).await;
            }
        }
        rt.run(async {
            let locks: Vec<Chan<bool>> = (0..3)
                .map(|i| Chan::fixed(1).named(format!("lock{i}")).add([true]))
                .collect();
            for i in 0..3 {
                go(worker(locks.clone(), format!("worker-{i}")));
            }
            sleep(Duration::from_millis(500)).await;
        });
    }

    /// A buffer of two holding two values is a semaphore: two workers at a time.
    pub fn semaphore(rt: &Runtime) {
        rt.run(async {
            let lock = Chan::fixed(2).add([true, true]);
            for i in 0..10 {
                go(worker(lock.clone(), i));
            }
            sleep(Duration::from_secs(1)).await;
        });
    }
}

fn main() {
    cli::main("tutorial", "program", PROGRAMS, |program, rt| program(rt));
}
