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

fn tutorial(args: &[&str]) -> String {
    let output = Command::new(tutorial_binary())
        .args(args)
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
fn an_unknown_program_is_refused() {
    let output = Command::new(tutorial_binary())
        .arg("no-such-program")
        .output()
        .expect("the tutorial example runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--list"));
}
