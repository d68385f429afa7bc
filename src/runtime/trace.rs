//! Traces of a run: what each task did, when, with which channel; rendered as a text timeline, a
//! Mermaid sequence diagram, a standalone SVG, or a self-contained HTML page that steps through
//! the run event by event.
//!
//! Tracing is off unless a run is started with [`Runtime::run_traced`](crate::Runtime::run_traced),
//! or on a runtime built with [`Builder::trace`](crate::Builder::trace) (then
//! [`Runtime::take_trace`](crate::Runtime::take_trace) collects the runs); off, it costs one
//! thread-local flag test per event site.
//!
//! # What a trace holds
//!
//! Every poll of a task is a [`Event::Run`], followed by how the poll ended: [`Event::Park`] (with
//! what the task waits on and, where known, the line that waits), [`Event::Yield`] (ready again at
//! once), or [`Event::End`]. Channels report every move of a value: [`Event::Put`] into the
//! buffer, [`Event::Get`] out of it, [`Event::Handoff`] from a putter straight to a getter,
//! [`Event::Enqueue`] and [`Event::Withdraw`] of waiting operations, [`Event::Close`],
//! [`Event::ClosedGet`] (a get completed with `None` by the close) and [`Event::Refused`] (a put
//! on a closed channel); each carries the channel's buffer and queues just after the event, as a
//! [`ChanSnapshot`]. Channels are generic, so the trace counts values, except on a channel made
//! with [`Chan::trace_values`](crate::Chan::trace_values), whose values it writes with `Debug`.
//!
//! # The viewer
//!
//! [`Trace::to_html`] writes one page, with no network access and no external script, that shows
//! the run: a lane per task with its state over time as coloured bands (running, ready, parked on a
//! channel, select, lock or join, sleeping, finished or panicked), a lane per channel with its
//! buffer and its queues of waiting puts and gets, each hand-off as an arrow from the putter
//! through the channel to the getter, and marks for spawns, ends, closes, refused puts and gets
//! completed by a close. The time axis switches between virtual time and event order. Step with
//! the buttons or the keyboard (← and → for the previous and next event, space to play or pause);
//! the current event is described in a sentence under the lanes, with its source line when the
//! trace has it. The page opens at the step that its address names (`viewer.html#step=12`).

use std::cell::Cell;
use std::fmt::Write;
use std::time::Duration;

mod html;
mod svg;

/// What happened. Tasks and channels are named as in panics and deadlock reports (`main`,
/// `task 'name'`, `task #3`, `channel 'name'`, `channel #1`); source locations read
/// `src/main.rs:12`.
// Each variant's doc names its fields.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A traced run begins: the `run`th one recorded into this trace (from 1), with its `seed`.
    /// Times restart from zero at every run.
    Begin { run: usize, seed: u64 },
    /// `parent` spawned `task`, at the source location `at`.
    Spawn {
        parent: String,
        task: String,
        at: Option<String>,
    },
    /// The loop polls `task`: it runs until its next await that cannot complete.
    Run { task: String },
    /// `task`'s poll ended with the task waiting on `on` (`get from channel 'jobs'`, `a timer`,
    /// `select of ...`, `lock 'db' held by task 'a'`, `the end of task 'w'`), a wait of kind
    /// `wait`, written at `at` when known.
    Park {
        task: String,
        on: String,
        wait: WaitKind,
        at: Option<String>,
    },
    /// `task`'s poll ended with the task ready again: it yielded (`nop`) or woke itself.
    Yield { task: String },
    /// `task` became ready: it runs in a later turn.
    Wake { task: String },
    /// A timer of `task` fired.
    Timer { task: String },
    /// `task` ended: it returned, panicked, or was aborted.
    End { task: String, how: TaskEnd },
    /// A put (`side` [`Side::Put`]) or get of `task` waits in `chan`'s queue.
    Enqueue {
        task: String,
        chan: String,
        side: Side,
        after: ChanSnapshot,
    },
    /// A waiting put or get of `task` left `chan`'s queue without completing (its select chose
    /// another operation, or its future was dropped).
    Withdraw {
        task: String,
        chan: String,
        side: Side,
        after: ChanSnapshot,
    },
    /// `task` put a value into `chan`'s buffer (`value`, written with `Debug`, for a channel made
    /// with [`Chan::trace_values`](crate::Chan::trace_values)).
    Put {
        task: String,
        chan: String,
        value: Option<String>,
        after: ChanSnapshot,
    },
    /// `task` got a value from `chan`'s buffer.
    Get {
        task: String,
        chan: String,
        value: Option<String>,
        after: ChanSnapshot,
    },
    /// A value went from `from` to `to` through `chan`: a rendezvous, or a put to a getter that
    /// was already waiting.
    Handoff {
        chan: String,
        from: String,
        to: String,
        value: Option<String>,
        after: ChanSnapshot,
    },
    /// `task` closed `chan`.
    Close {
        task: String,
        chan: String,
        after: ChanSnapshot,
    },
    /// A get of `task` on `chan` completed with `None`: the channel is closed and drained.
    ClosedGet {
        task: String,
        chan: String,
        after: ChanSnapshot,
    },
    /// A put of `task` on `chan` completed with `false`: the channel is closed.
    Refused {
        task: String,
        chan: String,
        after: ChanSnapshot,
    },
}

/// Which queue of a channel an operation waits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The queue of waiting puts.
    Put,
    /// The queue of waiting gets.
    Get,
}

/// What kind of thing a parked task waits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitKind {
    /// A put or get on one channel, or a channel to be closed and drained.
    Chan,
    /// A select over several channel operations.
    Select,
    /// A timer: `sleep`, or a timer of its own.
    Timer,
    /// The end of another task.
    Join,
    /// A primitive of [`sync`](crate::sync): a lock, a semaphore, a wait group, ...
    Sync,
    /// A socket.
    Io,
    /// A future outside aiochan.
    Other,
}

/// How a task ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskEnd {
    /// Its future returned.
    Finished,
    /// It panicked (which ends the run).
    Panicked,
    /// Its join handle aborted it.
    Aborted,
}

/// A channel just after an event: its buffer and who waits in its queues, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChanSnapshot {
    /// Values in the buffer (those handed back by dropped gets included).
    pub buffered: usize,
    /// How many values the buffer holds at most: `Some(0)` for a rendezvous channel, `None` for
    /// an unbounded one.
    pub capacity: Option<usize>,
    /// The tasks whose puts wait, oldest first.
    pub puts: Vec<String>,
    /// The tasks whose gets wait, oldest first.
    pub gets: Vec<String>,
    /// Whether the channel is closed.
    pub closed: bool,
}

/// One event and when it happened, on the loop's clock (virtual time included), since its run
/// started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceEvent {
    /// When, since the run started.
    pub at: Duration,
    /// What.
    pub event: Event,
}

/// The events of one or more traced runs, in order (each run starts with [`Event::Begin`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trace {
    events: Vec<TraceEvent>,
}

thread_local! {
    /// Whether the loop running on this thread records a trace.
    static TRACING: Cell<bool> = const { Cell::new(false) };
}

/// Whether events are being recorded on this thread.
#[inline]
pub(crate) fn is_on() -> bool {
    TRACING.with(Cell::get)
}

/// Turns recording on or off for this thread; returns the previous setting.
pub(crate) fn set(on: bool) -> bool {
    TRACING.with(|t| t.replace(on))
}

/// `src/main.rs:12`: how traces write a source location.
pub(crate) fn site(at: &std::panic::Location<'_>) -> String {
    format!("{}:{}", at.file(), at.line())
}

impl Event {
    /// The channel the event is about, with its state after the event, if it is about one.
    pub fn channel(&self) -> Option<(&str, &ChanSnapshot)> {
        match self {
            Event::Enqueue { chan, after, .. }
            | Event::Withdraw { chan, after, .. }
            | Event::Put { chan, after, .. }
            | Event::Get { chan, after, .. }
            | Event::Handoff { chan, after, .. }
            | Event::Close { chan, after, .. }
            | Event::ClosedGet { chan, after, .. }
            | Event::Refused { chan, after, .. } => Some((chan, after)),
            _ => None,
        }
    }

    /// One sentence: `task 'p0' -> channel 'jobs' -> task #2`, `task #2 waits on get from channel
    /// 'jobs'`.
    pub fn describe(&self) -> String {
        match self {
            Event::Begin { run, seed } => format!("run {run} begins (seed {seed})"),
            Event::Spawn { parent, task, .. } => format!("{parent} spawns {task}"),
            Event::Run { task } => format!("{task} runs"),
            Event::Park { task, on, .. } => format!("{task} waits on {on}"),
            Event::Yield { task } => format!("{task} yields"),
            Event::Wake { task } => format!("{task} is ready"),
            Event::Timer { task } => format!("timer of {task} fires"),
            Event::End { task, how } => match how {
                TaskEnd::Finished => format!("{task} ends"),
                TaskEnd::Panicked => format!("{task} panics"),
                TaskEnd::Aborted => format!("{task} is aborted"),
            },
            Event::Enqueue {
                task, chan, side, ..
            } => format!("{task} queues a {} on {chan}", side.word()),
            Event::Withdraw {
                task, chan, side, ..
            } => format!("{task} withdraws its {} from {chan}", side.word()),
            Event::Put {
                task, chan, value, ..
            } => format!("{task} puts into {chan}{}", shown(value)),
            Event::Get {
                task, chan, value, ..
            } => format!("{task} gets from {chan}{}", shown(value)),
            Event::Handoff {
                chan,
                from,
                to,
                value,
                ..
            } => format!("{from} -> {chan} -> {to}{}", shown(value)),
            Event::Close { task, chan, .. } => format!("{task} closes {chan}"),
            Event::ClosedGet { task, chan, .. } => {
                format!("{task} gets nothing from {chan}: closed")
            }
            Event::Refused { task, chan, .. } => format!("{task} cannot put into {chan}: closed"),
        }
    }
}

/// `: "product 1"` after an event that moved a value, when the trace shows values.
fn shown(value: &Option<String>) -> String {
    value.as_ref().map(|v| format!(": {v}")).unwrap_or_default()
}

impl Side {
    fn word(self) -> &'static str {
        match self {
            Side::Put => "put",
            Side::Get => "get",
        }
    }
}

impl Trace {
    pub(crate) fn push(&mut self, at: Duration, event: Event) {
        self.events.push(TraceEvent { at, event });
    }

    /// Appends the events of `other`, a later run.
    pub(crate) fn append(&mut self, other: &Trace) {
        self.events.extend_from_slice(&other.events);
    }

    /// The events, in order.
    pub fn events(&self) -> &[TraceEvent] {
        &self.events
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// One line per event: `  0.100s  task 'p0' -> channel #1 -> task 'c0'`, with the channel's
    /// buffer and queues after each channel event, and source lines where known.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for e in &self.events {
            let _ = write!(out, "{:>9.3}s  {}", e.at.as_secs_f64(), e.event.describe());
            if let Some((_, after)) = e.event.channel() {
                let _ = write!(out, "  [{}]", after.summary());
            }
            if let Event::Park { at: Some(at), .. } | Event::Spawn { at: Some(at), .. } = &e.event {
                let _ = write!(out, "  at {at}");
            }
            out.push('\n');
        }
        out
    }

    /// The tasks and channels, channels marked, laid out so that values flow left to right: `main`,
    /// then tasks that put, then channels, then the other tasks, each group in order of first
    /// appearance.
    fn participants(&self) -> Vec<(String, bool)> {
        let mut seen: Vec<(String, u8)> = Vec::new();
        let mut add = |name: &str, group: u8| match seen.iter_mut().find(|(n, _)| n == name) {
            Some((_, g)) => *g = (*g).min(group),
            None => seen.push((name.to_string(), group)),
        };
        const MAIN: u8 = 0;
        const SENDER: u8 = 1;
        const CHANNEL: u8 = 2;
        const OTHER: u8 = 3;
        for e in &self.events {
            match &e.event {
                Event::Begin { .. } => {}
                Event::Spawn { parent, task, .. } => {
                    add(parent, if parent == "main" { MAIN } else { OTHER });
                    add(task, OTHER);
                }
                Event::Run { task }
                | Event::Park { task, .. }
                | Event::Yield { task }
                | Event::Wake { task }
                | Event::Timer { task }
                | Event::End { task, .. } => add(task, OTHER),
                Event::Put { task, chan, .. }
                | Event::Refused { task, chan, .. }
                | Event::Enqueue {
                    task,
                    chan,
                    side: Side::Put,
                    ..
                } => {
                    add(task, SENDER);
                    add(chan, CHANNEL);
                }
                Event::Get { task, chan, .. }
                | Event::Close { task, chan, .. }
                | Event::ClosedGet { task, chan, .. }
                | Event::Enqueue { task, chan, .. }
                | Event::Withdraw { task, chan, .. } => {
                    add(task, OTHER);
                    add(chan, CHANNEL);
                }
                Event::Handoff { chan, from, to, .. } => {
                    add(from, SENDER);
                    add(chan, CHANNEL);
                    add(to, OTHER);
                }
            }
        }
        if let Some(main) = seen.iter_mut().find(|(n, _)| n == "main") {
            main.1 = MAIN;
        }
        // A stable sort keeps first appearance within each group.
        seen.sort_by_key(|(_, group)| *group);
        seen.into_iter()
            .map(|(name, group)| (name, group == CHANNEL))
            .collect()
    }

    /// A Mermaid sequence diagram: tasks and channels as participants, each hand-off an arrow into
    /// the channel and one out of it, waits and ends as notes, closes and their effects as crossed
    /// arrows. Runs, wake-ups and queue changes are left out, as noise.
    pub fn to_mermaid(&self) -> String {
        let parts = self.participants();
        let id = |name: &str| {
            let i = parts.iter().position(|(n, _)| n == name).unwrap_or(0);
            format!("P{i}")
        };
        let mut out = String::from("sequenceDiagram\n");
        for (i, (name, chan)) in parts.iter().enumerate() {
            let kind = if *chan { "participant" } else { "actor" };
            let _ = writeln!(out, "    {kind} P{i} as {}", mermaid_text(name));
        }
        for e in &self.events {
            let t = format!("{:.3}s", e.at.as_secs_f64());
            let _ = match &e.event {
                Event::Begin { run, seed } => {
                    writeln!(out, "    Note over P0: run {run}, seed {seed}")
                }
                Event::Spawn { parent, task, .. } => {
                    writeln!(out, "    {}-->>{}: spawn ({t})", id(parent), id(task))
                }
                Event::Park { task, on, .. } => writeln!(
                    out,
                    "    Note over {}: waits on {} ({t})",
                    id(task),
                    mermaid_text(on)
                ),
                Event::Timer { task } => writeln!(out, "    Note over {}: timer ({t})", id(task)),
                Event::End { task, how } => writeln!(
                    out,
                    "    Note over {}: {} ({t})",
                    id(task),
                    match how {
                        TaskEnd::Finished => "ends",
                        TaskEnd::Panicked => "panics",
                        TaskEnd::Aborted => "aborted",
                    }
                ),
                Event::Put { task, chan, .. } => {
                    writeln!(out, "    {}->>{}: put ({t})", id(task), id(chan))
                }
                Event::Get { task, chan, .. } => {
                    writeln!(out, "    {}->>{}: get ({t})", id(chan), id(task))
                }
                Event::Handoff { chan, from, to, .. } => writeln!(
                    out,
                    "    {}->>{}: put ({t})\n    {}->>{}: get ({t})",
                    id(from),
                    id(chan),
                    id(chan),
                    id(to)
                ),
                Event::Close { task, chan, .. } => {
                    writeln!(out, "    {}-x{}: close ({t})", id(task), id(chan))
                }
                Event::ClosedGet { task, chan, .. } => {
                    writeln!(out, "    {}--x{}: None, closed ({t})", id(chan), id(task))
                }
                Event::Refused { task, chan, .. } => {
                    writeln!(
                        out,
                        "    {}--x{}: put refused, closed ({t})",
                        id(task),
                        id(chan)
                    )
                }
                Event::Run { .. }
                | Event::Yield { .. }
                | Event::Wake { .. }
                | Event::Enqueue { .. }
                | Event::Withdraw { .. } => Ok(()),
            };
        }
        out
    }

    /// A standalone SVG of the run, for static docs: a lifeline per task and channel (channels
    /// shaded), time running down, waits as bands on the lifelines (labelled with what the task
    /// waits on), hand-offs as arrows from the putter into the channel and on to the getter,
    /// spawns, ends, closes, refused puts and gets completed by a close marked. Rows follow time:
    /// events at the same instant share a stretch, and a pause of virtual time opens a gap.
    pub fn to_svg(&self) -> String {
        svg::render(self, &self.participants())
    }

    /// One self-contained HTML page (inline script and style, no network access) that steps
    /// through the run: see [the module docs](self) for what it shows. The trace is embedded as
    /// JSON; [`Trace::to_json`] gives the same text.
    pub fn to_html(&self) -> String {
        html::render(self)
    }

    /// The trace as JSON: `{"events": [{"i": 0, "run": 1, "t": 0.0, "kind": "Begin", ...}]}`, one
    /// object per event with its fields, as the HTML viewer reads it.
    pub fn to_json(&self) -> String {
        html::json(self)
    }
}

impl ChanSnapshot {
    /// `buffer 1/2, puts: task 'a', gets: none, closed`.
    fn summary(&self) -> String {
        let list = |names: &[String]| {
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        };
        let mut text = match self.capacity {
            Some(0) => "no buffer".to_string(),
            Some(cap) => format!("buffer {}/{cap}", self.buffered),
            None => format!("buffer {}", self.buffered),
        };
        let _ = write!(
            text,
            ", puts: {}, gets: {}",
            list(&self.puts),
            list(&self.gets)
        );
        if self.closed {
            text.push_str(", closed");
        }
        text
    }
}

/// Mermaid's text: quotes and semicolons would end a label.
fn mermaid_text(text: &str) -> String {
    text.replace(['\'', ';'], "")
}

/// Text as it may appear in XML or HTML.
pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
