//! What the `parallel` and `remote` modes share: one measurement run as a subprocess, medians, and parsing counts.

use std::process::{exit, Command, Stdio};

/// Runs this executable with `args` (one measurement of a mode) and returns the figure it prints.
pub fn figure(args: &[&str]) -> f64 {
    let exe = std::env::current_exe().expect("locate the running executable");
    let output = Command::new(exe)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .expect("start a subprocess");
    let what = args.join(" ");
    if !output.status.success() {
        eprintln!("workloads: `{what}` failed: {}", output.status);
        exit(1);
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout.trim().parse().unwrap_or_else(|_| {
        eprintln!("workloads: `{what}` printed {stdout:?}, not a figure");
        exit(1)
    })
}

/// `text` as a positive integer; otherwise `usage_error` says that `what` must be one.
pub fn positive(text: &str, what: &str, usage_error: fn(&str) -> !) -> u64 {
    text.parse()
        .ok()
        .filter(|&n| n > 0)
        .unwrap_or_else(|| usage_error(&format!("{what} must be a positive integer")))
}

/// The median of `figures` (the mean of the middle two for an even count).
pub fn median(mut figures: Vec<f64>) -> f64 {
    figures.sort_by(f64::total_cmp);
    let mid = figures.len() / 2;
    if figures.len() % 2 == 1 {
        figures[mid]
    } else {
        (figures[mid - 1] + figures[mid]) / 2.0
    }
}
