//! Every program of examples/tutorial.rs prints the tutorial's text under virtual time (insta
//! snapshots of the example binary's output).

use std::process::Command;

mod common;
use common::{check_command_line, example_binary, example_ids};

/// Runs the tutorial with `args` under seed 1 (the seeded programs depend on it).
fn tutorial(args: &[&str]) -> String {
    tutorial_seeded(args, 1)
}

fn tutorial_seeded(args: &[&str], seed: u64) -> String {
    let output = Command::new(example_binary("tutorial"))
        .args(args)
        .env("AIOCHAN_SEED", seed.to_string())
        .output()
        .expect("the tutorial example runs");
    assert!(
        output.status.success(),
        "tutorial {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("the tutorial prints UTF-8")
}

#[test]
fn the_list_of_programs() {
    insta::assert_snapshot!("programs", tutorial(&["--list"]));
}

#[test]
fn every_program_prints_the_tutorial_text_under_virtual_time() {
    for id in example_ids("tutorial") {
        insta::assert_snapshot!(id.as_str(), tutorial(&[&id, "--virtual"]));
    }
}

#[test]
fn seeded_programs_repeat_under_one_seed_and_vary_across_seeds() {
    for id in ["select-1-first-ready", "select-2-puts"] {
        let runs: Vec<String> = (1..=8)
            .map(|seed| tutorial_seeded(&[id, "--virtual"], seed))
            .collect();
        for (seed, run) in (1..=8).zip(&runs) {
            assert_eq!(
                &tutorial_seeded(&[id, "--virtual"], seed),
                run,
                "{id} under seed {seed}"
            );
        }
        let distinct: std::collections::BTreeSet<&String> = runs.iter().collect();
        assert!(distinct.len() >= 2, "{id} printed the same under 8 seeds");
    }
}

#[test]
fn an_unknown_program_is_refused() {
    let output = Command::new(example_binary("tutorial"))
        .arg("no-such-program")
        .output()
        .expect("the tutorial example runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--list"));
}

#[test]
fn the_seeds_the_first_ready_program_suggests_pick_the_channels_it_names() {
    for (seed, chan) in [(1, "c2"), (3, "c1"), (6, "c3")] {
        let out = tutorial_seeded(&["select-1-first-ready", "--virtual"], seed);
        assert!(
            out.contains(&format!("the result is from {chan}\n")),
            "seed {seed}: {out}"
        );
    }
}

#[test]
fn the_command_line_lists_helps_refuses_and_traces() {
    check_command_line("tutorial", "channels-6-fan-out");
}
