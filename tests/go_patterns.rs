//! The programs of examples/go_patterns.rs and examples/philosophers.rs print the same, snapshotted
//! text under virtual time and a fixed seed.

use std::process::Command;

mod common;
use common::{check_command_line, example_binary, example_ids};

/// Runs example `name` with `args` under `seed`; its standard output.
fn run_seeded(name: &str, args: &[&str], seed: u64) -> String {
    let output = Command::new(example_binary(name))
        .args(args)
        .env("AIOCHAN_SEED", seed.to_string())
        .output()
        .expect("the example runs");
    assert!(
        output.status.success(),
        "{name} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("the example prints UTF-8")
}

#[test]
fn the_lists_of_programs() {
    insta::assert_snapshot!("programs", run_seeded("go_patterns", &["--list"], 1));
    insta::assert_snapshot!("tables", run_seeded("philosophers", &["--list"], 1));
}

#[test]
fn every_pattern_prints_its_snapshot_under_virtual_time() {
    for id in example_ids("go_patterns") {
        insta::assert_snapshot!(
            id.as_str(),
            run_seeded("go_patterns", &[&id, "--virtual"], 1)
        );
    }
}

#[test]
fn every_table_prints_its_snapshot_under_virtual_time() {
    for id in example_ids("philosophers") {
        let name = format!("philosophers-{id}");
        insta::assert_snapshot!(name, run_seeded("philosophers", &[&id, "--virtual"], 1));
    }
}

#[test]
fn the_naive_table_deadlocks_under_seed_1_and_the_others_do_not() {
    let naive = run_seeded("philosophers", &["naive", "--virtual"], 1);
    assert!(
        naive.contains("| deadlock: all tasks are asleep"),
        "{naive}"
    );
    for id in ["waiter", "ordered"] {
        for seed in 1..=20 {
            let out = run_seeded("philosophers", &[id, "--virtual"], seed);
            assert!(
                out.ends_with("meals eaten: Aristotle 5, Kant 5, Spinoza 5, Marx 5, Russell 5\n"),
                "{id} under seed {seed}:\n{out}"
            );
        }
    }
}

#[test]
fn every_program_prints_the_same_twice_under_one_seed() {
    let programs = example_ids("go_patterns")
        .into_iter()
        .map(|id| ("go_patterns", id))
        .chain(
            example_ids("philosophers")
                .into_iter()
                .map(|id| ("philosophers", id)),
        );
    for (name, id) in programs {
        for seed in [1, 2] {
            let args = [id.as_str(), "--virtual"];
            assert_eq!(
                run_seeded(name, &args, seed),
                run_seeded(name, &args, seed),
                "{name} {id} under seed {seed}"
            );
        }
    }
}

#[test]
fn the_seed_changes_what_the_random_programs_print() {
    for id in ["boring-1-call", "select-1-fan-in", "search-5-replicas"] {
        let args = [id, "--virtual"];
        assert_ne!(
            run_seeded("go_patterns", &args, 1),
            run_seeded("go_patterns", &args, 2),
            "{id}"
        );
    }
}

#[test]
fn an_unknown_program_is_refused() {
    for name in ["go_patterns", "philosophers"] {
        let output = Command::new(example_binary(name))
            .arg("no-such-program")
            .output()
            .expect("the example runs");
        assert_eq!(output.status.code(), Some(2), "{name}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("--list"));
    }
}

#[test]
fn the_command_lines_list_help_refuse_and_trace() {
    check_command_line("go_patterns", "select-4-quit");
    check_command_line("philosophers", "waiter");
}
