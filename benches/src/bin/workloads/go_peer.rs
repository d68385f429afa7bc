//! The Go peer: `benches/go/workloads.go`, built with the Go toolchain into a binary beside this
//! one and run as a subprocess, since Go code cannot run in this process.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::workload::Workload;

/// Where the Go source lives.
fn source_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("go")
}

/// Where the built Go binary goes: beside this executable.
fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("locate the running executable");
    exe.with_file_name("workloads-go")
}

/// Builds the Go binary (`go build` does nothing when it is up to date). `Err` says why it could not
/// be built: most often, no `go` on the PATH.
pub fn build() -> Result<PathBuf, String> {
    let out = binary();
    let status = Command::new("go")
        .args(["build", "-o"])
        .arg(&out)
        .arg(".")
        .current_dir(source_dir())
        .stdin(Stdio::null())
        .status()
        .map_err(|err| format!("cannot run `go build` ({err}); install Go 1.19 or later"))?;
    if status.success() {
        Ok(out)
    } else {
        Err(format!(
            "`go build` in {} failed: {status}",
            source_dir().display()
        ))
    }
}

/// Runs one workload in the Go binary and returns its figures; exits the process on failure, as a
/// failing in-process workload would.
pub fn figures(workload: Workload, n: u64) -> Vec<f64> {
    let binary = build().unwrap_or_else(|why| {
        eprintln!("workloads: the Go peer: {why}");
        std::process::exit(1)
    });
    let output = Command::new(&binary)
        .args([workload.name(), &n.to_string()])
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .expect("start the Go workload binary");
    if !output.status.success() {
        eprintln!(
            "workloads: `workloads-go {} {n}` failed: {}",
            workload.name(),
            output.status
        );
        std::process::exit(1);
    }
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .map(|figure| {
            figure.parse().unwrap_or_else(|_| {
                eprintln!("workloads: the Go binary printed {figure:?}, not a figure");
                std::process::exit(1)
            })
        })
        .collect()
}
