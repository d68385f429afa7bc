//! Rob Pike's Go concurrency patterns (Google I/O 2012) as aiochan programs, one per pattern.
//!
//! ```text
//! cargo run --example go_patterns -- --list                          # the ids
//! cargo run --example go_patterns -- select-4-quit                   # one program, in real time
//! AIOCHAN_SEED=1 cargo run --example go_patterns -- select-4-quit --virtual  # replayable
//! cargo run --example go_patterns -- select-4-quit --virtual --trace quit.html  # watch it run
//! ```
//!
//! Goroutines are `go` tasks, Go's `chan` is `Chan`, `select` is `select(..)` or `select!`, and
//! `time.Sleep(rand.Intn(1e3) ms)` is a `sleep` of `random_below(1000)` ms. The random numbers come
//! from the loop's seeded generator, so with `AIOCHAN_SEED` fixed and `--virtual` a program prints
//! the same lines, at the same virtual milliseconds, on every run (tests/go_patterns.rs checks each
//! against a snapshot). Every line starts with the time since the program began.

use std::cell::Cell;
use std::fmt::Display;
use std::future::Future;
use std::time::{Duration, Instant};

use aiochan::{go, now, random_below, select, sleep, timeout, Chan, Op, Runtime};

mod cli;

/// A program: it runs its main future on the given runtime.
type Program = fn(&Runtime);

/// Every program, by id, in the order of the talk.
const PROGRAMS: &[cli::Entry<Program>] = &[
    (
        "boring-1-call",
        "a boring function called: nothing concurrent yet",
        boring::call,
    ),
    (
        "boring-2-go-and-return",
        "go starts the function, main returns at once",
        boring::go_and_return,
    ),
    (
        "boring-3-listen",
        "main listens for two seconds while the task talks",
        boring::listen,
    ),
    (
        "channel-1-communicate",
        "main and the task meet on a channel at every line",
        channel::communicate,
    ),
    (
        "generator-1-returns-channel",
        "a function that starts a task and returns its channel",
        generator::returns_channel,
    ),
    (
        "generator-2-lockstep",
        "two generators read in turn: Joe and Ann alternate",
        generator::lockstep,
    ),
    (
        "fan-in-1-multiplex",
        "two channels merged: whoever is ready speaks first",
        fan_in::multiplex,
    ),
    (
        "fan-in-2-restore-sequencing",
        "fan-in with a wait channel: one line of each per round",
        fan_in::restore_sequencing,
    ),
    (
        "select-1-fan-in",
        "fan-in with one task selecting over both inputs",
        selecting::fan_in,
    ),
    (
        "select-2-timeout-per-message",
        "a fresh 800 ms timer races every message",
        selecting::timeout_per_message,
    ),
    (
        "select-3-timeout-whole-conversation",
        "one five-second deadline for the whole conversation",
        selecting::timeout_whole_conversation,
    ),
    (
        "select-4-quit",
        "a quit channel stops the speaker",
        selecting::quit,
    ),
    (
        "select-5-quit-round-trip",
        "quit with a goodbye, and the speaker's answer",
        selecting::quit_round_trip,
    ),
    (
        "daisy-chain",
        "10,000 tasks in a row, each adding one to a number",
        daisy::chain,
    ),
    (
        "search-1-sequential",
        "Google Search 1.0: web, image, video one after another",
        search::google_1_0,
    ),
    (
        "search-2-concurrent",
        "Google Search 2.0: the three searches at once",
        search::google_2_0,
    ),
    (
        "search-3-timeout",
        "Google Search 2.1: give up on back ends slower than 80 ms",
        search::google_2_1,
    ),
    (
        "search-4-first",
        "ask two replicas, take the first answer",
        search::first_wins,
    ),
    (
        "search-5-replicas",
        "Google Search 3.0: replicated back ends behind a timeout",
        search::google_3_0,
    ),
];

thread_local! {
    /// The loop's clock when the running program began.
    static START: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Runs `main` on `rt`, starting the clock that [`say`] reads.
fn run<F: Future>(rt: &Runtime, main: F) -> F::Output {
    rt.run(async {
        START.with(|start| start.set(Some(now())));
        main.await
    })
}

/// Milliseconds since the program began, on the loop's clock (virtual or real).
fn elapsed_ms() -> u128 {
    let start = START
        .with(Cell::get)
        .expect("the program runs through `run`");
    (now() - start).as_millis()
}

/// Prints `text` after the time since the program began.
fn say(text: impl Display) {
    println!("{:>5} ms  {text}", elapsed_ms());
}

/// Sleeps a random number of milliseconds below `bound`, drawn from the loop's seeded generator.
async fn random_sleep(bound: u64) {
    sleep(Duration::from_millis(random_below(bound))).await;
}

/// A function that runs concurrently with its caller: goroutines as tasks.
mod boring {
    use super::*;

    /// Says `msg` with a counter, pausing a random time (under a second) after each line, `times`
    /// times.
    async fn boring(msg: &str, times: u32) {
        for i in 0..times {
            say(format!("{msg} {i}"));
            random_sleep(1000).await;
        }
    }

    /// Calling the function: the caller waits for all five lines, so nothing is concurrent yet. The
    /// random pauses show in the timestamps.
    pub fn call(rt: &Runtime) {
        run(rt, boring("boring!", 5));
    }

    /// `go` starts the function as a task and main moves on at once. Main then returns, and the run
    /// ends with it: the task is dropped in the middle of its first pause. Go's program would
    /// usually exit before the goroutine printed anything; aiochan's loop gives the tasks that are
    /// ready when main finishes one last turn (as asyncio does), so the task prints its first line.
    pub fn go_and_return(rt: &Runtime) {
        run(rt, async {
            go(boring("boring!", u32::MAX));
        });
    }

    /// Main stays around for two seconds while the task talks, then leaves; the run ends, and the
    /// task with it. Main and the task share nothing yet: they merely run at the same time.
    pub fn listen(rt: &Runtime) {
        run(rt, async {
            go(boring("boring!", u32::MAX));
            say("I'm listening.");
            sleep(Duration::from_secs(2)).await;
            say("You're boring; I'm leaving.");
        });
    }
}

/// Channels: tasks communicate, and synchronise, by passing values.
mod channel {
    use super::*;

    /// Puts its lines on `c` instead of printing them. The put on a rendezvous channel waits until
    /// someone gets the value, so the sender and the receiver meet at every line.
    async fn boring(msg: &str, c: Chan<String>) {
        for i in 0.. {
            if !c.put(format!("{msg} {i}")).await {
                return;
            }
            random_sleep(1000).await;
        }
    }

    /// Main takes five lines from the channel: each get waits for the task's next put, so main
    /// proceeds at the task's pace. Then main leaves, and the task is dropped with the run.
    pub fn communicate(rt: &Runtime) {
        run(rt, async {
            let c = Chan::new();
            go(boring("boring!", c.clone()));
            for _ in 0..5 {
                say(format!("You say: {:?}", c.get().await.unwrap_or_default()));
            }
            say("You're boring; I'm leaving.");
        });
    }
}

/// Generators: a function that starts a task and returns the channel the task talks on.
mod generator {
    use super::*;

    /// Makes a channel, starts a task that talks on it, and hands the channel to the caller: the
    /// channel is the caller's handle on a running service.
    pub fn boring(msg: &'static str) -> Chan<String> {
        let c = Chan::new();
        let out = c.clone();
        go(async move {
            for i in 0.. {
                if !out.put(format!("{msg} {i}")).await {
                    return;
                }
                random_sleep(1000).await;
            }
        });
        c
    }

    /// The caller sees only a channel of lines, not the task behind it.
    pub fn returns_channel(rt: &Runtime) {
        run(rt, async {
            let c = boring("boring!");
            for _ in 0..5 {
                say(format!("You say: {:?}", c.get().await.unwrap_or_default()));
            }
            say("You're boring; I'm leaving.");
        });
    }

    /// Two services, read in turn: Joe and Ann alternate strictly. Whoever is ready first still
    /// waits for the other's turn, because main asks Joe, then Ann, then Joe again.
    pub fn lockstep(rt: &Runtime) {
        run(rt, async {
            let joe = boring("Joe");
            let ann = boring("Ann");
            for _ in 0..5 {
                say(joe.get().await.unwrap_or_default());
                say(ann.get().await.unwrap_or_default());
            }
            say("You're both boring; I'm leaving.");
        });
    }
}

/// Multiplexing: merge several channels into one, so whoever is ready speaks first.
mod fan_in {
    use super::*;
    use crate::generator::boring;

    /// Forwards everything from `a` and from `b` to one new channel, with one forwarding task per
    /// input. Each forwarder waits only on its own input, so a slow speaker no longer holds up a
    /// fast one.
    pub fn fan_in<T: 'static>(a: Chan<T>, b: Chan<T>) -> Chan<T> {
        let c = Chan::new();
        for input in [a, b] {
            let out = c.clone();
            go(async move {
                while let Some(v) = input.get().await {
                    if !out.put(v).await {
                        return;
                    }
                }
            });
        }
        c
    }

    /// Ten lines in the order they were said: Joe and Ann no longer take turns.
    pub fn multiplex(rt: &Runtime) {
        run(rt, async {
            let c = fan_in(boring("Joe"), boring("Ann"));
            for _ in 0..10 {
                say(c.get().await.unwrap_or_default());
            }
            say("You're both boring; I'm leaving.");
        });
    }

    /// A line, and the channel on which its speaker waits for permission to go on.
    struct Message {
        text: String,
        wait: Chan<()>,
    }

    /// Like the generator, but after each line the speaker blocks on its own `wait` channel until
    /// the reader lets it go on.
    fn boring_waiting(msg: &'static str) -> Chan<Message> {
        let c = Chan::new();
        let out = c.clone();
        go(async move {
            let wait = Chan::new();
            for i in 0.. {
                let message = Message {
                    text: format!("{msg} {i}"),
                    wait: wait.clone(),
                };
                if !out.put(message).await {
                    return;
                }
                random_sleep(1000).await;
                wait.get().await;
            }
        });
        c
    }

    /// Restoring sequencing over the merged channel: main takes two lines (one from each speaker,
    /// since each then blocks), and only then releases both. Each round therefore holds one line of
    /// Joe and one of Ann, in whichever order they came: fairness without giving up the fan-in.
    pub fn restore_sequencing(rt: &Runtime) {
        run(rt, async {
            let c = fan_in(boring_waiting("Joe"), boring_waiting("Ann"));
            for round in 1..=5 {
                let first = c.get().await.expect("the speakers never stop");
                let second = c.get().await.expect("the speakers never stop");
                say(format!("round {round}: {}", first.text));
                say(format!("round {round}: {}", second.text));
                first.wait.put(()).await;
                second.wait.put(()).await;
            }
            say("You're both boring; I'm leaving.");
        });
    }
}

/// `select`: wait on several channel operations at once and proceed with the first that is ready.
mod selecting {
    use super::*;
    use crate::generator::boring;

    /// Fan-in with one task instead of one per input: it selects a get over both inputs and
    /// forwards whichever value comes first (when both are ready, the seeded generator picks).
    fn fan_in_select<T: 'static>(a: Chan<T>, b: Chan<T>) -> Chan<T> {
        let c = Chan::new();
        let out = c.clone();
        go(async move {
            loop {
                let Some(v) = select([Op::get(&a), Op::get(&b)]).await.value() else {
                    return;
                };
                if !out.put(v).await {
                    return;
                }
            }
        });
        c
    }

    /// The fan-in of two generators again, now through the select-based fan-in.
    pub fn fan_in(rt: &Runtime) {
        run(rt, async {
            let c = fan_in_select(boring("Joe"), boring("Ann"));
            for _ in 0..10 {
                say(c.get().await.unwrap_or_default());
            }
            say("You're both boring; I'm leaving.");
        });
    }

    /// A timeout per message: every round races the next line against a fresh 800 ms timer (a
    /// future arm of `select!`). Joe pauses up to a second between lines, so sooner or later one
    /// pause is too long.
    pub fn timeout_per_message(rt: &Runtime) {
        run(rt, async {
            let joe = boring("Joe");
            loop {
                select! {
                    line = get(joe) => say(line.unwrap_or_default()),
                    _ = sleep(Duration::from_millis(800)) => {
                        say("You're too slow.");
                        return;
                    }
                }
            }
        });
    }

    /// A timeout for the whole conversation: one `timeout` channel made before the loop closes
    /// after five seconds, and a closed channel is always ready to get from, so every select after
    /// that moment ends on it. The deadline is a value, selected on again and again.
    pub fn timeout_whole_conversation(rt: &Runtime) {
        run(rt, async {
            let joe = boring("Joe");
            let deadline = timeout::<String>(Duration::from_secs(5));
            loop {
                let chosen = select([Op::get(&joe), Op::get(&deadline)]).await;
                if chosen.chan == deadline {
                    say("You talk too much.");
                    return;
                }
                say(chosen.value().unwrap_or_default());
            }
        });
    }

    /// A speaker that stops when told: each round selects between putting its next line and
    /// getting from `quit`. `biased;` tries the arms in the order written, so once `quit` is ready
    /// it wins even if a listener waits for a line too (otherwise the seeded generator would pick
    /// one of the two at random). On leaving, Joe closes his channel: a listener's next get returns
    /// `None` rather than waiting forever.
    ///
    /// A closed `quit` means "stop now"; a goodbye put on `quit` means "clean up and answer", and
    /// Joe answers on the same channel.
    fn boring_until_quit(msg: &'static str, quit: Chan<String>) -> Chan<String> {
        let c = Chan::new();
        let out = c.clone();
        go(async move {
            for i in 0.. {
                select! {
                    biased;
                    goodbye = get(quit) => {
                        match goodbye {
                            None => say(format!("{msg}: quit is closed, so I stop")),
                            Some(goodbye) => {
                                say(format!("{msg} hears {goodbye:?} and cleans up"));
                                quit.put("See you!".to_string()).await;
                            }
                        }
                        out.close();
                        return;
                    },
                    _ = put(out, format!("{msg} {i}")) => {},
                }
                random_sleep(1000).await;
            }
        });
        c
    }

    /// A quit channel: main listens for a random number of lines (the seed decides how many), then
    /// closes `quit`. Joe sees it at his next select, even though nobody listens any more, because
    /// the put and the quit wait together. Closing (rather than putting a value) would tell any
    /// number of speakers at once.
    pub fn quit(rt: &Runtime) {
        run(rt, async {
            let quit = Chan::new();
            let joe = boring_until_quit("Joe", quit.clone());
            for _ in 0..=random_below(10) {
                say(joe.get().await.unwrap_or_default());
            }
            quit.close();
            say("Main closes quit.");
            while let Some(line) = joe.get().await {
                say(format!("one more line: {line}"));
            }
            say("Joe's channel is closed: he has gone.");
        });
    }

    /// The round trip: main says goodbye on `quit` and then waits on the same channel for Joe's
    /// answer, which Joe sends only after cleaning up. Main thus knows that Joe has finished, not
    /// only that he has been told.
    pub fn quit_round_trip(rt: &Runtime) {
        run(rt, async {
            let quit = Chan::new();
            let joe = boring_until_quit("Joe", quit.clone());
            for _ in 0..=random_below(10) {
                say(joe.get().await.unwrap_or_default());
            }
            quit.put("Bye!".to_string()).await;
            say(format!(
                "Joe says: {:?}",
                quit.get().await.unwrap_or_default()
            ));
        });
    }
}

/// The daisy chain: many tasks, each passing a value to its neighbour.
mod daisy {
    use super::*;

    /// How many gophers. Pike's talk chains 100,000 goroutines; 100,000 aiochan tasks take about
    /// 0.15 s in a release build but over half a second in a debug build, so this program uses
    /// 10,000 to keep the tests quick. Set it to 100_000 to see the whole chain.
    const GOPHERS: usize = 10_000;

    /// A gopher: waits for a number from its right, whispers one more to its left.
    async fn whisper(left: Chan<u64>, right: Chan<u64>) {
        if let Some(n) = right.get().await {
            left.put(n + 1).await;
        }
    }

    /// Builds a chain of `GOPHERS` tasks linked by rendezvous channels, all waiting; then puts 1 in
    /// at the right end, and reads at the left end what arrives after every gopher added one. Tasks
    /// are cheap: a waiting task holds only its future and its place in a channel's queue.
    pub fn chain(rt: &Runtime) {
        run(rt, async {
            let leftmost = Chan::new();
            let mut left = leftmost.clone();
            for _ in 0..GOPHERS {
                let right = Chan::new();
                go(whisper(left, right.clone()));
                left = right;
            }
            say(format!("{GOPHERS} gophers wait in a chain"));
            let rightmost = left;
            go(async move {
                rightmost.put(1).await;
            });
            say(format!(
                "the leftmost gopher hears {}",
                leftmost.get().await.unwrap_or_default()
            ));
        });
    }
}

/// A fake Google search: independent back ends, combined with the patterns above.
mod search {
    use super::*;

    /// The queries the programs with timeouts run, one after the other.
    const QUERIES: [&str; 3] = ["golang", "aiochan", "csp"];

    /// A fake back end called `kind`: it answers after a random delay below 100 ms.
    async fn fake_search(kind: &'static str, query: &'static str) -> String {
        random_sleep(100).await;
        format!("{kind} result for {query:?}")
    }

    /// Prints the results of one query and how long it took.
    fn report(query: &str, started: Instant, results: &[String]) {
        for result in results {
            say(result);
        }
        let plural = if results.len() == 1 { "" } else { "s" };
        say(format!(
            "{query:?}: {} result{plural} in {:?}",
            results.len(),
            now() - started
        ));
    }

    /// Google Search 1.0: ask web, image and video one after the other. The query takes the sum of
    /// the three delays.
    pub fn google_1_0(rt: &Runtime) {
        run(rt, async {
            let started = now();
            let mut results = Vec::new();
            for kind in ["web", "image", "video"] {
                results.push(fake_search(kind, "golang").await);
            }
            report("golang", started, &results);
        });
    }

    /// Google Search 2.0: one task per back end, all putting on one channel (a fan-in), and the
    /// query collects three results. It takes as long as the slowest back end, not the sum; the
    /// results come in order of arrival.
    pub fn google_2_0(rt: &Runtime) {
        run(rt, async {
            let started = now();
            let c = Chan::new();
            for kind in ["web", "image", "video"] {
                let c = c.clone();
                go(async move { c.put(fake_search(kind, "golang").await).await });
            }
            let mut results = Vec::new();
            for _ in 0..3 {
                results.extend(c.get().await);
            }
            report("golang", started, &results);
        });
    }

    /// Asks each back end in a task of its own and collects what arrives within `within`. The
    /// channel has room for every answer, so a back end that answers after the deadline finishes
    /// instead of waiting forever for a reader that has gone.
    async fn gather(
        query: &'static str,
        within: Duration,
        ask: impl Fn(Chan<String>, &'static str),
        backends: usize,
    ) -> Vec<String> {
        let c = Chan::fixed(backends);
        ask(c.clone(), query);
        let deadline = timeout(within);
        let mut results = Vec::new();
        for _ in 0..backends {
            let chosen = select([Op::get(&c), Op::get(&deadline)]).await;
            if chosen.chan == deadline {
                say(format!("{query:?} timed out"));
                break;
            }
            results.extend(chosen.value());
        }
        results
    }

    /// Google Search 2.1: the same fan-in, but the query gives up on slow back ends after 80 ms
    /// (one `timeout` channel for the whole query) and returns what it has. A query that times out
    /// comes back with fewer than three results, and none takes longer than 80 ms.
    pub fn google_2_1(rt: &Runtime) {
        run(rt, async {
            for query in QUERIES {
                let started = now();
                let ask = |c: Chan<String>, query| {
                    for kind in ["web", "image", "video"] {
                        let c = c.clone();
                        go(async move { c.put(fake_search(kind, query).await).await });
                    }
                };
                let results = gather(query, Duration::from_millis(80), ask, 3).await;
                report(query, started, &results);
            }
        });
    }

    /// Sends the query to every replica at once and returns the first answer. A promise channel
    /// keeps the first value put and ignores the later ones, which complete at once: the replicas
    /// that lose the race finish without anyone reading their answers.
    async fn first(query: &'static str, replicas: &[&'static str]) -> String {
        let c = Chan::promise();
        for &replica in replicas {
            let c = c.clone();
            go(async move { c.put(fake_search(replica, query).await).await });
        }
        c.get()
            .await
            .expect("a promise channel is never closed here")
    }

    /// Replication: two replicas of the same back end, and the query takes whichever answers
    /// first. The time taken is the smaller of two random delays.
    pub fn first_wins(rt: &Runtime) {
        run(rt, async {
            let started = now();
            let result = first("golang", &["replica 1", "replica 2"]).await;
            report("golang", started, &[result]);
        });
    }

    /// Google Search 3.0: replicated back ends (`first` over two replicas of each kind) behind the
    /// fan-in with a timeout. A query now times out only if both replicas of some kind are slow,
    /// so most queries come back complete, and quickly.
    pub fn google_3_0(rt: &Runtime) {
        run(rt, async {
            for query in QUERIES {
                let started = now();
                let ask = |c: Chan<String>, query| {
                    for replicas in [
                        ["web 1", "web 2"],
                        ["image 1", "image 2"],
                        ["video 1", "video 2"],
                    ] {
                        let c = c.clone();
                        go(async move { c.put(first(query, &replicas).await).await });
                    }
                };
                let results = gather(query, Duration::from_millis(80), ask, 3).await;
                report(query, started, &results);
            }
        });
    }
}

fn main() {
    cli::main("go_patterns", "program", PROGRAMS, |program, rt| {
        program(rt)
    });
}
