//! What a parked task waits on, and the report `run` gives when every task waits forever.

use std::cell::{Cell, RefCell};
use std::fmt::Write;
use std::panic::Location;
use std::rc::Rc;

use super::task::TaskId;

/// What a task is parked on, recorded by the future that returned `Pending` so that a deadlock
/// report can say it. Puts, gets and selects record here only when the loop traces (the trace shows
/// every park); for the report, their waits are read from the channels' queues (`ParkedIn`).
#[derive(Debug, Clone, Default)]
pub(crate) enum WaitsOn {
    /// Nothing recorded: the task awaits a future that is not aiochan's.
    #[default]
    Unknown,
    /// The join handle of another task.
    Join(TaskId),
    /// A timer.
    Timer,
    /// An operation on a channel (only `Join` outside traces).
    Chan { site: Rc<WaitSite>, op: ChanOp },
    /// A select over these channel operations, in the order the caller gave them (behind one thin
    /// pointer, so that every task's record stays two words).
    Select(Rc<Vec<(Rc<WaitSite>, ChanOp)>>),
    /// An I/O source (only reported if the source was dropped while waited on).
    Io,
    /// Nothing recorded but where the wait was written: a channel operation or a select, which
    /// the report describes from the channels' queues.
    Site(&'static std::panic::Location<'static>),
    /// A primitive of [`sync`](crate::sync): a lock, a semaphore, a wait group, ...
    Sync(Rc<SyncSite>),
}

// Every task slot holds one record: keep it at two words (a fat pointer in a variant made each slot,
// and the spawn benchmark's bytes per task, 8 bytes bigger).
const _: () = assert!(std::mem::size_of::<WaitsOn>() <= 2 * std::mem::size_of::<usize>());

/// A channel operation parked by a task of the loop, as its channel lists it for a deadlock report.
pub(crate) struct ParkedWait {
    /// The task that waits.
    pub(crate) task: TaskId,
    /// The channel.
    pub(crate) site: Rc<WaitSite>,
    pub(crate) op: ChanOp,
    /// For an arm of a select: the select's identity (its flag's address) and the arm's position.
    pub(crate) select: Option<(usize, usize)>,
}

/// A channel that can list the operations tasks have parked in it. A loop keeps every channel that
/// has had a task park in it and asks them only when it writes a deadlock report, so parking itself
/// records nothing.
pub(crate) trait ParkedIn {
    /// Adds the operations still waiting in the channel to `out`.
    fn parked(&self, out: &mut Vec<ParkedWait>);
    /// The loop that knew the channel has ended: a later loop must be told of it again.
    fn forget_loop(&self);
}

/// Describes what each task in `waits` waits on, from its channels' queues: one select (its arms in
/// the caller's order), else its parked operations one after the other; and whether a timer will
/// end the wait (one of those operations is on a `timeout` or `tick_tock` channel).
pub(crate) fn describe_parked(mut waits: Vec<ParkedWait>) -> Vec<(TaskId, String, bool)> {
    waits.sort_by_key(|w| (w.task.key, w.task.gen, w.select.is_none(), w.select));
    let mut described: Vec<(TaskId, String, bool)> = Vec::new();
    let mut i = 0;
    while i < waits.len() {
        let task = waits[i].task;
        let end = i + waits[i..].iter().take_while(|w| w.task == task).count();
        let mine = &waits[i..end];
        let text = match mine[0].select {
            Some((flag, _)) => {
                let arms: Vec<String> = mine
                    .iter()
                    .take_while(|w| w.select.is_some_and(|(f, _)| f == flag))
                    .map(|w| w.site.describe(w.op))
                    .collect();
                format!("select of {}", arms.join(", "))
            }
            None => {
                let ops: Vec<String> = mine.iter().map(|w| w.site.describe(w.op)).collect();
                ops.join(", and on ")
            }
        };
        let timed = mine.iter().any(|w| w.site.is_timed());
        described.push((task, text, timed));
        i = end;
    }
    described
}

/// Which channel operation a task waits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChanOp {
    Put,
    Get,
    Join,
}

/// How reports name a channel that tasks wait on: made once per channel, at its first wait.
#[derive(Debug)]
pub(crate) struct WaitSite {
    /// `channel 'jobs'` or `channel #3`.
    label: String,
    /// Whether the loop's clock ends waits on it (a `timeout` channel closes when its timer fires,
    /// a `tick_tock` channel gets a tick): a task waiting on it is not leaked.
    timed: bool,
}

impl WaitSite {
    pub(crate) fn new(label: String, timed: bool) -> WaitSite {
        WaitSite { label, timed }
    }

    /// Whether a timer ends waits on this channel.
    pub(crate) fn is_timed(&self) -> bool {
        self.timed
    }

    pub(crate) fn describe(&self, op: ChanOp) -> String {
        match op {
            ChanOp::Put => format!("put to {}", self.label),
            ChanOp::Get => format!("get from {}", self.label),
            ChanOp::Join => format!("{} to be closed and drained", self.label),
        }
    }
}

/// How reports name a primitive of [`sync`](crate::sync) that tasks wait on, and who holds it:
/// made once per primitive, and kept up to date by it as tasks acquire and release it.
#[derive(Debug)]
pub(crate) struct SyncSite {
    /// `"lock"`, `"semaphore"`, `"wait group"`: what kind of primitive it is.
    kind: &'static str,
    /// The name given with `named`, if any.
    name: RefCell<Option<Rc<str>>>,
    /// Where the primitive was made: names it when it has no name.
    made_at: &'static Location<'static>,
    /// The tasks that hold it (a lock's owner, a read lock's readers, the tasks with permits of a
    /// semaphore, a once cell's initialiser), in the order they took it.
    holders: RefCell<Vec<TaskId>>,
    /// The count that reports give for a primitive that waits for a number of events.
    progress: Cell<Progress>,
}

/// The count a report gives for a primitive that waits for a number of events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Progress {
    /// Nothing to count (locks, semaphores, notify, once cells).
    None,
    /// A wait group's counter: how many tasks have still to call `done`.
    Counter(usize),
    /// A barrier: how many of its tasks have arrived in the current generation, and how many it
    /// waits for.
    Arrived(usize, usize),
}

/// A report names at most this many holders of one primitive, then says how many more there are.
const HOLDERS_SHOWN: usize = 4;

impl SyncSite {
    /// A primitive of kind `kind` (`"lock"`), made at `made_at`.
    pub(crate) fn new(kind: &'static str, made_at: &'static Location<'static>) -> SyncSite {
        SyncSite {
            kind,
            name: RefCell::new(None),
            made_at,
            holders: RefCell::new(Vec::new()),
            progress: Cell::new(Progress::None),
        }
    }

    /// Names the primitive, for reports and `Debug`.
    pub(crate) fn set_name(&self, name: Rc<str>) {
        *self.name.borrow_mut() = Some(name);
    }

    /// The name given with `named`.
    pub(crate) fn name(&self) -> Option<Rc<str>> {
        self.name.borrow().clone()
    }

    /// `lock 'accounts'`, or `lock made at src/bank.rs:12`: how messages name the primitive.
    pub(crate) fn label(&self) -> String {
        match &*self.name.borrow() {
            Some(name) => format!("{} '{name}'", self.kind),
            None => format!(
                "{} made at {}:{}",
                self.kind,
                self.made_at.file(),
                self.made_at.line()
            ),
        }
    }

    /// `task` now holds the primitive (nothing is recorded for `None`: a future polled outside a
    /// loop).
    pub(crate) fn add_holder(&self, task: Option<TaskId>) {
        if let Some(task) = task {
            self.holders.borrow_mut().push(task);
        }
    }

    /// `task` no longer holds the primitive (once: a task holding it twice, by two read guards,
    /// still holds it once).
    pub(crate) fn remove_holder(&self, task: Option<TaskId>) {
        let mut holders = self.holders.borrow_mut();
        if let Some(i) = holders.iter().position(|&h| Some(h) == task) {
            holders.remove(i);
        }
    }

    /// The holders as messages name them (`task 'transfer'`, `main`), for `Debug`.
    pub(crate) fn holder_labels(&self) -> Vec<String> {
        let holders = self.holders.borrow();
        super::context::with_current(|core| holders.iter().map(|&t| core.task_label(t)).collect())
            .unwrap_or_default()
    }

    /// Sets the count that reports give.
    pub(crate) fn set_progress(&self, progress: Progress) {
        self.progress.set(progress);
    }

    /// `lock 'accounts' held by task 'transfer'`, `barrier 'phase' (1 of 3 arrived)`.
    fn describe(&self, task: &dyn Fn(TaskId) -> String) -> String {
        let mut text = self.label();
        match self.progress.get() {
            Progress::None => {}
            Progress::Counter(n) => {
                let _ = write!(text, " ({n} still to call done)");
            }
            Progress::Arrived(arrived, of) => {
                let _ = write!(text, " ({arrived} of {of} arrived)");
            }
        }
        let holders = self.holders.borrow();
        if holders.is_empty() {
            return text;
        }
        let verb = if self.kind == "once cell" {
            "being initialised by"
        } else {
            "held by"
        };
        let mut names: Vec<String> = holders
            .iter()
            .take(HOLDERS_SHOWN)
            .map(|&t| task(t))
            .collect();
        if holders.len() > HOLDERS_SHOWN {
            names.push(format!("{} more", holders.len() - HOLDERS_SHOWN));
        }
        let last = names.pop().unwrap_or_default();
        if names.is_empty() {
            let _ = write!(text, " {verb} {last}");
        } else {
            let _ = write!(text, " {verb} {} and {last}", names.join(", "));
        }
        text
    }
}

impl WaitsOn {
    /// Whether the wait lasts for ever unless another task acts: false for a timer, for a
    /// channel a timer ends, and for what lies outside aiochan (a socket, a foreign future). A
    /// join depends on the joined task, which the caller settles.
    /// Where the wait was written, if the record says.
    pub(crate) fn site(&self) -> Option<&'static std::panic::Location<'static>> {
        match self {
            WaitsOn::Site(at) => Some(at),
            _ => None,
        }
    }

    pub(crate) fn blocks_for_ever(&self) -> bool {
        match self {
            WaitsOn::Unknown | WaitsOn::Site(_) | WaitsOn::Timer | WaitsOn::Io => false,
            WaitsOn::Join(_) | WaitsOn::Sync(_) => true,
            WaitsOn::Chan { site, .. } => !site.is_timed(),
            WaitsOn::Select(arms) => !arms.iter().any(|(site, _)| site.is_timed()),
        }
    }

    /// The description in a deadlock report; `task` names another task.
    pub(crate) fn describe(&self, task: impl Fn(super::task::TaskId) -> String) -> String {
        match self {
            WaitsOn::Unknown | WaitsOn::Site(_) => UNKNOWN.to_string(),
            WaitsOn::Timer => "a timer".to_string(),
            WaitsOn::Io => "an I/O source".to_string(),
            WaitsOn::Join(target) => format!("the end of {}", task(*target)),
            WaitsOn::Chan { site, op } => site.describe(*op),
            WaitsOn::Sync(site) => site.describe(&task),
            WaitsOn::Select(arms) => {
                let arms: Vec<String> = arms.iter().map(|(site, op)| site.describe(*op)).collect();
                format!("select of {}", arms.join(", "))
            }
        }
    }
}

/// Builds the text of the leak check's panic from one line per leaked task.
pub(crate) fn leak_report(leaked: &[String], replay_hint: &str) -> String {
    let n = leaked.len();
    let mut text = format!(
        "leak: {n} task{s} still blocked after main returned",
        s = if n == 1 { "" } else { "s" }
    );
    for line in leaked {
        let _ = write!(text, "\n  {line}");
    }
    let _ = write!(
        text,
        "\n(mark a task meant to outlive main with JoinHandle::daemon)\n{replay_hint}"
    );
    text
}

/// Builds the text of the deadlock panic from the blocked tasks, in spawn order, each with a
/// description of what it waits on.
pub(crate) fn report(blocked: &[(String, String)], replay_hint: &str) -> String {
    let mut text = String::from("deadlock: all tasks are asleep");
    for (who, what) in blocked {
        let _ = write!(text, "\n  {who}: waits on {what}");
    }
    let _ = write!(text, "\n{replay_hint}");
    text
}

/// The description of a foreign wait.
const UNKNOWN: &str = "a future outside aiochan that kept no waker, so nothing can wake it";
