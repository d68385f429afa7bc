//! What a parked task waits on, and the report `run` gives when every task waits forever.

use std::fmt::Write;

use super::task::TaskId;

/// What a task is parked on, recorded by the future that returned `Pending` so that a deadlock
/// report can say it.
#[derive(Debug, Clone, Default)]
pub(crate) enum WaitsOn {
    /// Nothing recorded: the task awaits a future that is not aiochan's.
    #[default]
    Unknown,
    /// The join handle of another task.
    Join(TaskId),
    /// A timer.
    Timer,
}

/// Builds the text of the deadlock panic from the blocked tasks, in spawn order, each with a
/// description of what it waits on.
pub(crate) fn report(seed: u64, blocked: &[(String, String)]) -> String {
    let mut text = String::from("deadlock: all tasks are asleep");
    for (who, what) in blocked {
        let _ = write!(text, "\n  {who}: waits on {what}");
    }
    let _ = write!(
        text,
        "\n(seed {seed}: run with AIOCHAN_SEED={seed} to replay this run)"
    );
    text
}

/// The description of a foreign wait.
pub(crate) const UNKNOWN: &str =
    "a future outside aiochan that kept no waker, so nothing can wake it";
