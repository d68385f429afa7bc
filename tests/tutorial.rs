//! Every program of examples/tutorial.rs prints the tutorial's text under virtual time (insta
//! snapshots of the example binary's output).

use std::path::PathBuf;
use std::process::Command;

/// The example binary that `cargo test` builds beside this test.
fn tutorial_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's own path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("test binaries live in target/<profile>/deps");
    let binary = profile_dir
        .join("examples")
        .join(format!("tutorial{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} is missing: run the whole `cargo test` (which builds the examples), \
         or `cargo build --example tutorial` before `cargo test --test tutorial`",
        binary.display()
    );
    binary
}

/// Runs the tutorial with `args` under seed 1 (the seeded programs depend on it).
fn tutorial(args: &[&str]) -> String {
    tutorial_seeded(args, 1)
}

fn tutorial_seeded(args: &[&str], seed: u64) -> String {
    let output = Command::new(tutorial_binary())
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
    for id in tutorial(&["--list"]).lines() {
        insta::assert_snapshot!(id, tutorial(&[id, "--virtual"]));
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
    let output = Command::new(tutorial_binary())
        .arg("no-such-program")
        .output()
        .expect("the tutorial example runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--list"));
}
