//! The dining philosophers with channels as forks: a naive table that deadlocks, two that do not.
//!
//! ```text
//! cargo run --example philosophers -- --list                          # the tables
//! AIOCHAN_SEED=1 cargo run --example philosophers -- naive --virtual  # a deadlock, replayable
//! AIOCHAN_SEED=1 cargo run --example philosophers -- waiter --virtual
//! cargo run --example philosophers -- ordered                         # in real time
//! AIOCHAN_SEED=1 cargo run --example philosophers -- naive --virtual --trace naive.html  # watch
//! ```
//!
//! Five philosophers sit at a round table with one fork between each pair of neighbours; each needs
//! both the fork on the left and the fork on the right to eat. A fork is a channel with a buffer of
//! one that holds one value, `Chan::fixed(1).add([()])`: getting the value is picking the fork up
//! (a get waits while a neighbour holds it), putting it back is laying the fork down.
//!
//! The philosophers think, pick up their forks, eat and lay the forks down, five meals each, with
//! random durations from the loop's seeded generator. What differs between the tables is only how
//! a philosopher picks up the forks:
//!
//! - `naive`: left fork, then right fork. If all five hold their left fork at once, each waits for
//!   a right fork that its neighbour holds and will not lay down: a cycle of waits, a deadlock.
//!   aiochan's loop notices that no task can ever wake and ends the run with a report of who waits
//!   on what; the program catches it and prints it (Aristotle waits on fork 1, which Kant holds
//!   while waiting on fork 2, and so on round to Russell, who waits on Aristotle's fork 0). It may
//!   also go well: about half the seeds deadlock. `AIOCHAN_SEED=1` does, after sixteen meals.
//! - `waiter`: a waiter lets at most four sit at the table at once (a semaphore: a channel holding
//!   four seat tokens). With four philosophers and five forks, one of them always has both forks
//!   within reach, so the cycle cannot close. Under the same seed this dinner goes exactly as the
//!   naive one until the moment that one deadlocks: there the waiter keeps the fifth philosopher
//!   waiting for a seat, and everyone gets all five meals.
//! - `ordered`: forks are numbered and everyone picks up the lower-numbered fork first. The last
//!   philosopher, whose left fork is the highest, thus reaches right first, which breaks the cycle
//!   (a global lock order, the usual cure for deadlocks between locks).

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::time::{Duration, Instant};

use aiochan::{go_named, now, random_below, sleep, Chan, Runtime};

mod cli;

/// Who sits at the table, in order: philosopher `i` has fork `i` on the left and fork `i + 1`
/// (modulo five) on the right.
const NAMES: [&str; 5] = ["Aristotle", "Kant", "Spinoza", "Marx", "Russell"];

/// How many meals each philosopher wants.
const MEALS: u32 = 5;

/// Upper bounds, in milliseconds, of the random times spent thinking before a meal, reaching from
/// the first fork to the second, and eating. The longer the reach compared with the thinking, the
/// likelier all five hold one fork at once, and the likelier the naive table deadlocks.
const THINK_MS: u64 = 50;
const REACH_MS: u64 = 30;
const EAT_MS: u64 = 30;

/// How philosophers pick up their forks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Manners {
    Naive,
    Waiter,
    Ordered,
}

/// Every table, by id.
const TABLES: &[cli::Entry<Manners>] = &[
    (
        "naive",
        "left fork, then right fork: may deadlock",
        Manners::Naive,
    ),
    (
        "waiter",
        "a waiter seats at most four at once",
        Manners::Waiter,
    ),
    (
        "ordered",
        "everyone picks up the lower-numbered fork first",
        Manners::Ordered,
    ),
];

/// A fork: a channel holding the one `()` while the fork lies on the table.
type Fork = Chan<()>;

/// Sleeps a random number of milliseconds below `bound`, from the loop's seeded generator.
async fn random_sleep(bound: u64) {
    sleep(Duration::from_millis(random_below(bound))).await;
}

/// What the philosophers share: the forks, the waiter's seats, and the record of meals.
struct Table {
    manners: Manners,
    /// Fork `i` lies between philosopher `i - 1` (modulo five) and philosopher `i`.
    forks: Vec<Fork>,
    /// The waiter's seat tokens, four for five philosophers (used only with `Manners::Waiter`).
    seats: Chan<()>,
    /// Per philosopher, the meals eaten so far; it outlives the run, so that the meals eaten
    /// before a deadlock can still be counted.
    meals: Rc<RefCell<[u32; 5]>>,
    /// The loop's clock when dinner began.
    started: Instant,
}

/// One philosopher's life: `MEALS` times think, pick up both forks (as the table's manners say),
/// eat, lay the forks down.
async fn philosopher(seat: usize, table: Rc<Table>) {
    let name = NAMES[seat];
    let left = &table.forks[seat];
    let right = &table.forks[(seat + 1) % NAMES.len()];
    for meal in 1..=MEALS {
        // Thinking.
        random_sleep(THINK_MS).await;
        if table.manners == Manners::Waiter {
            // Ask the waiter for a seat: wait until fewer than four are at the table.
            table.seats.get().await;
        }
        // The fork to pick up first: the left one, unless the forks are ordered and the right one
        // has the lower number (only for the last philosopher, whose right fork is fork 0).
        let (first, second) = if table.manners == Manners::Ordered && seat == NAMES.len() - 1 {
            (right, left)
        } else {
            (left, right)
        };
        first.get().await;
        // Reaching for the second fork takes a moment: the window in which a neighbour can take it.
        random_sleep(REACH_MS).await;
        second.get().await;
        println!(
            "{:>4} ms  {name} eats meal {meal}",
            (now() - table.started).as_millis()
        );
        table.meals.borrow_mut()[seat] += 1;
        // Eating.
        random_sleep(EAT_MS).await;
        // Forks lie in channels with room for their one value, so laying one down never waits.
        left.put(()).await;
        right.put(()).await;
        if table.manners == Manners::Waiter {
            table.seats.put(()).await;
        }
    }
}

/// Seats the five philosophers with the given manners and waits until all have eaten.
async fn dinner(manners: Manners, meals: Rc<RefCell<[u32; 5]>>) {
    let table = Rc::new(Table {
        manners,
        forks: (0..NAMES.len())
            .map(|i| Chan::fixed(1).named(format!("fork {i}")).add([()]))
            .collect(),
        seats: Chan::fixed(4).named("seats").add([(); 4]),
        meals,
        started: now(),
    });
    // Named tasks: the names appear in the deadlock report.
    let diners: Vec<_> = (0..NAMES.len())
        .map(|seat| go_named(NAMES[seat], philosopher(seat, table.clone())))
        .collect();
    for diner in diners {
        diner.await;
    }
    println!(
        "{:>4} ms  everyone has eaten",
        (now() - table.started).as_millis()
    );
}

/// The text of a panic payload.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
}

/// Runs a dinner; a deadlock, which the loop reports by panicking out of `run`, is caught and
/// printed. Any other panic goes on as usual.
fn serve(rt: &Runtime, manners: Manners) {
    let meals = Rc::new(RefCell::new([0; 5]));
    // The default hook would print the report to stderr as a crash; this program expects it.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !panic_text(info.payload()).is_some_and(|text| text.starts_with("deadlock")) {
            default_hook(info);
        }
    }));
    let outcome = catch_unwind(AssertUnwindSafe(|| rt.run(dinner(manners, meals.clone()))));
    let _ = std::panic::take_hook();
    if let Err(payload) = outcome {
        match panic_text(&*payload) {
            Some(report) if report.starts_with("deadlock") => {
                println!("the loop ends the run with this report:");
                for line in report.lines() {
                    println!("  | {line}");
                }
            }
            _ => std::panic::resume_unwind(payload),
        }
    }
    let meals = meals.borrow();
    let eaten: Vec<String> = NAMES
        .iter()
        .zip(meals.iter())
        .map(|(name, n)| format!("{name} {n}"))
        .collect();
    println!("meals eaten: {}", eaten.join(", "));
}

fn main() {
    cli::main("philosophers", "table", TABLES, |manners, rt| {
        serve(rt, manners)
    });
}
