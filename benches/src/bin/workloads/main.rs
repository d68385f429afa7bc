//! Compares aiochan with peer runtimes: runs one workload in-process, or the whole table.

mod aiochan_impl;
mod explore;
mod external;
mod flume_impl;
mod futures_impl;
mod modes;
mod parallel;
mod remote;
mod smol_impl;
mod table;
mod tokio_impl;
mod workload;

use std::path::Path;
use std::process::{exit, Command, Stdio};

use external::External;
use table::Table;
use workload::Workload;

const USAGE: &str = "\
usage: workloads <impl> <workload> <n>
       workloads [--rounds N] [--workloads a,b,..] [--impls a,b,..]
       workloads parallel ...   (parallel_pipe against std threads; see `workloads parallel -h`)
       workloads remote ...     (threads feeding one loop; see `workloads remote -h`)
       workloads explore ...    (schedules per second of testing::Explore; see `workloads explore -h`)

The first form runs one workload once and prints its figures on one line (a lone `-` if
that impl has nothing to run the workload with).
The second runs every selected pair as subprocesses, alternating implementations
within each round (5 rounds by default), and prints a markdown table.";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Impl {
    Aiochan,
    /// aiochan with `select4` written with the `select` function instead of `select!`; in the
    /// table only when `--impls` names it.
    AiochanSelectFn,
    Tokio,
    Smol,
    Flume,
    Futures,
    /// Go, built from `benches/go` with the Go toolchain and run as a subprocess.
    Go,
    /// Python's aiochan 0.2.7 (`benches/python`), run by `python3` on n / 50.
    PythonAiochan,
}

impl Impl {
    /// The columns of the default table (Go's and Python's only where they can run).
    const ALL: [Impl; 7] = [
        Impl::Aiochan,
        Impl::Tokio,
        Impl::Smol,
        Impl::Flume,
        Impl::Futures,
        Impl::Go,
        Impl::PythonAiochan,
    ];

    /// Every implementation that `--impls` may name.
    const NAMED: [Impl; 8] = [
        Impl::Aiochan,
        Impl::AiochanSelectFn,
        Impl::Tokio,
        Impl::Smol,
        Impl::Flume,
        Impl::Futures,
        Impl::Go,
        Impl::PythonAiochan,
    ];

    fn name(self) -> &'static str {
        match self {
            Impl::Aiochan => "aiochan",
            Impl::AiochanSelectFn => "aiochan-select-fn",
            Impl::Tokio => "tokio",
            Impl::Smol => "smol",
            Impl::Flume => "flume",
            Impl::Futures => "futures",
            Impl::Go => "go",
            Impl::PythonAiochan => "python-aiochan",
        }
    }

    /// The peer behind this column if it runs as a subprocess of its own.
    fn external(self) -> Option<External> {
        match self {
            Impl::Go => Some(External::Go),
            Impl::PythonAiochan => Some(External::PythonAiochan),
            _ => None,
        }
    }

    fn parse(name: &str) -> Option<Self> {
        Self::NAMED.into_iter().find(|i| i.name() == name)
    }

    /// Whether its unbuffered channel is a true rendezvous, where a put waits for a get.
    fn has_rendezvous(self) -> bool {
        matches!(
            self,
            Impl::Aiochan | Impl::AiochanSelectFn | Impl::Flume | Impl::Go | Impl::PythonAiochan
        )
    }

    /// One run's figures; `None` if this peer has nothing to run `workload` with.
    fn figures(self, workload: Workload, n: u64) -> Option<Vec<f64>> {
        match self {
            Impl::Aiochan => workload.figures::<aiochan_impl::Aiochan>(n),
            Impl::AiochanSelectFn => workload.figures::<aiochan_impl::AiochanSelectFn>(n),
            Impl::Tokio => workload.figures::<tokio_impl::Tokio>(n),
            Impl::Smol => workload.figures::<smol_impl::Smol>(n),
            Impl::Flume => workload.figures::<flume_impl::Flume>(n),
            Impl::Futures => workload.figures::<futures_impl::Futures>(n),
            Impl::Go | Impl::PythonAiochan => {
                let peer = self.external().expect("an external peer");
                peer.runs(workload)
                    .then(|| peer.figures(workload, peer.scaled_n(n)))
            }
        }
    }
}

/// The footnote for the figures of peers that ran an unbuffered workload on a buffered channel.
const NOT_RENDEZVOUS: &str = "not a rendezvous: this peer has no unbuffered channel, so the run \
    used its smallest buffer (one slot; futures: one per sender), which lets a put run one value \
    ahead of the get.";

/// What `workloads <impl> <workload> <n>` prints when that impl has nothing to run the workload
/// with (no pool for blocking calls, say); the table leaves its cells empty.
const UNSUPPORTED: &str = "-";

/// What the table mode runs.
struct Selection {
    rounds: usize,
    workloads: Vec<Workload>,
    impls: Vec<Impl>,
    /// Whether `--impls` chose the implementations (rather than the default list).
    impls_named: bool,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("-h" | "--help") => println!("{}", usage()),
        Some("parallel") => parallel::main(&args[1..]),
        Some("remote") => remote::main(&args[1..]),
        Some("explore") => explore::main(&args[1..]),
        Some(first) if !first.starts_with("--") => run_one(&args),
        _ => print!("{}", run_table(&parse_selection(args))),
    }
}

fn usage() -> String {
    let impls: Vec<_> = Impl::NAMED.iter().map(|imp| imp.name()).collect();
    let workloads: Vec<_> = Workload::ALL.iter().map(|w| w.name()).collect();
    format!(
        "{USAGE}\n\nimpls:     {}\nworkloads: {}",
        impls.join(" "),
        workloads.join(" ")
    )
}

fn usage_error(message: &str) -> ! {
    eprintln!("workloads: {message}\n\n{}", usage());
    exit(2)
}

fn run_one(args: &[String]) {
    let [imp, workload, n] = args else {
        usage_error("expected <impl> <workload> <n>");
    };
    let imp = Impl::parse(imp).unwrap_or_else(|| usage_error(&format!("unknown impl {imp}")));
    let workload = Workload::parse(workload)
        .unwrap_or_else(|| usage_error(&format!("unknown workload {workload}")));
    let n = n
        .parse()
        .ok()
        .filter(|&n| n > 0)
        .unwrap_or_else(|| usage_error("<n> must be a positive integer"));
    match imp.figures(workload, n) {
        Some(figures) => {
            let figures: Vec<String> = figures
                .iter()
                .map(|figure| format!("{figure:.1}"))
                .collect();
            println!("{}", figures.join(" "));
        }
        None => println!("{UNSUPPORTED}"),
    }
}

fn parse_selection(args: Vec<String>) -> Selection {
    let mut selection = Selection {
        rounds: 5,
        workloads: Workload::ALL.to_vec(),
        impls: Impl::ALL.to_vec(),
        impls_named: false,
    };
    let mut args = args.into_iter();
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .unwrap_or_else(|| usage_error(&format!("{flag} needs a value")));
        match flag.as_str() {
            "--rounds" => {
                selection.rounds = value
                    .parse()
                    .ok()
                    .filter(|&rounds| rounds > 0)
                    .unwrap_or_else(|| usage_error("--rounds takes a positive integer"));
            }
            "--workloads" => selection.workloads = parse_list(&value, Workload::parse),
            "--impls" => {
                selection.impls = parse_list(&value, Impl::parse);
                selection.impls_named = true;
            }
            _ => usage_error(&format!("unknown option {flag}")),
        }
    }
    selection
}

fn parse_list<T>(list: &str, parse: impl Fn(&str) -> Option<T>) -> Vec<T> {
    list.split(',')
        .map(|name| parse(name).unwrap_or_else(|| usage_error(&format!("unknown name {name}"))))
        .collect()
}

/// Runs every selected pair in a fresh subprocess, so no run inherits another's heap, high-water
/// mark or timer state, and interleaves implementations within each round so that drift in the
/// machine's load spreads over all of them rather than landing on one.
fn run_table(selection: &Selection) -> String {
    let exe = std::env::current_exe().expect("locate the running executable");
    let mut impls = selection.impls.clone();
    let mut skipped = Vec::new();
    for imp in impls.clone() {
        let Some(peer) = imp.external() else { continue };
        if let Err(why) = peer.prepare() {
            if selection.impls_named {
                eprintln!("workloads: {}: {why}", imp.name());
                exit(1);
            }
            eprintln!("workloads: leaving {} out: {why}", imp.name());
            impls.retain(|&other| other != imp);
            skipped.push(format!("{} was not run: {why}.\n", imp.name()));
        }
    }
    let names = impls.iter().map(|imp| imp.name()).collect();
    let mut table = Table::new(names, selection.rounds, NOT_RENDEZVOUS);
    for &workload in &selection.workloads {
        let n = workload.default_n();
        let mut runs = vec![Vec::new(); impls.len()];
        // Whether each impl can run this workload; one that cannot is asked once.
        let mut runnable = vec![true; impls.len()];
        for round in 1..=selection.rounds {
            for ((&imp, imp_runs), can) in impls.iter().zip(&mut runs).zip(&mut runnable) {
                if !*can {
                    continue;
                }
                eprintln!(
                    "{} round {round}/{}: {}",
                    workload.name(),
                    selection.rounds,
                    imp.name()
                );
                match run_child(&exe, imp, workload, n) {
                    Some(figures) => imp_runs.push(figures),
                    None => *can = false,
                }
            }
        }
        let marked: Vec<bool> = impls
            .iter()
            .map(|imp| workload.is_unbuffered() && !imp.has_rendezvous())
            .collect();
        table.add(
            format!("{} (n={n})", workload.name()),
            workload.metrics(),
            &runs,
            &marked,
        );
    }
    let mut out = table.render();
    if impls.contains(&Impl::PythonAiochan) {
        out += "python-aiochan ran each workload on n / 50; its figures are per operation all the same.\n";
    }
    for line in skipped {
        out += &line;
    }
    out
}

/// One run's figures from a subprocess; `None` if the impl has nothing to run the workload with.
fn run_child(exe: &Path, imp: Impl, workload: Workload, n: u64) -> Option<Vec<f64>> {
    let output = Command::new(exe)
        .args([imp.name(), workload.name(), &n.to_string()])
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .expect("start a workload subprocess");
    let what = format!("{} {} {n}", imp.name(), workload.name());
    if !output.status.success() {
        eprintln!("workloads: `{what}` failed: {}", output.status);
        exit(1);
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    if stdout.trim() == UNSUPPORTED {
        return None;
    }
    let figures: Option<Vec<f64>> = stdout
        .split_whitespace()
        .map(|figure| figure.parse().ok())
        .collect();
    match figures {
        Some(figures) if figures.len() == workload.metrics().len() => Some(figures),
        _ => {
            eprintln!("workloads: `{what}` printed {stdout:?}, not its figures");
            exit(1)
        }
    }
}
