//! The peers that cannot run in this process: Go (`benches/go`, built with `go build` into a binary
//! beside this one) and Python's aiochan (`benches/python/workloads.py`, run by `python3`). Each runs
//! one workload per subprocess and prints its figures on one line, as `workloads <impl> ...` does.

use std::path::{Path, PathBuf};
use std::process::{exit, Command, Stdio};

use crate::workload::Workload;

/// A peer run as a subprocess.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum External {
    Go,
    /// Python's aiochan 0.2.7, on n / 50 (WORKLOADS.md: Python is that much slower).
    PythonAiochan,
}

impl External {
    /// What `n` this peer runs for a workload whose `n` is given.
    pub fn scaled_n(self, n: u64) -> u64 {
        match self {
            External::Go => n,
            External::PythonAiochan => (n / 50).max(1),
        }
    }

    /// Whether the peer's program has `workload`: neither has `spawn_blocking`, which Go has no
    /// call for (a goroutine blocks only its own OS thread) and Python's aiochan leaves to
    /// asyncio's executor. Python's aiochan has no `fanin_p100000` either: it lets at most 1024
    /// puts wait on one channel, with no way to raise that for one channel (and n / 50 values
    /// would leave most of 100,000 producers with nothing to put).
    pub fn runs(self, workload: Workload) -> bool {
        match self {
            External::Go => workload != Workload::SpawnBlocking,
            External::PythonAiochan => {
                !matches!(workload, Workload::SpawnBlocking | Workload::FaninP100000)
            }
        }
    }

    /// Gets the peer ready (builds the Go binary; checks that `python3` has aiochan) and returns
    /// the command that runs it; `Err` says why it cannot run here.
    pub fn prepare(self) -> Result<Command, String> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        match self {
            External::Go => {
                let binary = go_binary();
                let status = Command::new("go")
                    .args(["build", "-o"])
                    .arg(&binary)
                    .arg(".")
                    .current_dir(dir.join("go"))
                    .stdin(Stdio::null())
                    .status()
                    .map_err(|err| format!("cannot run `go build` ({err}); install Go 1.19+"))?;
                if !status.success() {
                    return Err(format!(
                        "`go build` in {}/go failed: {status}",
                        dir.display()
                    ));
                }
                Ok(Command::new(binary))
            }
            External::PythonAiochan => {
                let found = Command::new("python3")
                    .args(["-c", "import aiochan"])
                    .stdin(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .map_err(|err| format!("cannot run `python3` ({err})"))?;
                if !found.success() {
                    return Err("python3 has no aiochan; `pip install aiochan==0.2.7`".to_string());
                }
                let mut command = Command::new("python3");
                command.arg(dir.join("python").join("workloads.py"));
                Ok(command)
            }
        }
    }

    /// Runs one workload (with `n` already scaled) and returns its figures; exits the process on
    /// failure, as a failing in-process workload would.
    pub fn figures(self, workload: Workload, n: u64) -> Vec<f64> {
        let mut command = self.prepare().unwrap_or_else(|why| {
            eprintln!("workloads: {why}");
            exit(1)
        });
        let output = command
            .args([workload.name(), &n.to_string()])
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .expect("start the peer's subprocess");
        if !output.status.success() {
            eprintln!(
                "workloads: {} {n} failed: {}",
                workload.name(),
                output.status
            );
            exit(1);
        }
        String::from_utf8_lossy(&output.stdout)
            .split_whitespace()
            .map(|figure| {
                figure.parse().unwrap_or_else(|_| {
                    eprintln!("workloads: the peer printed {figure:?}, not a figure");
                    exit(1)
                })
            })
            .collect()
    }
}

/// Where the built Go binary goes: beside this executable.
fn go_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("locate the running executable");
    exe.with_file_name("workloads-go")
}
