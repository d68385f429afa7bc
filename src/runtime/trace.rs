//! Traces of a run: what each task did, when, with which channel; rendered as a text timeline, a
//! Mermaid sequence diagram, or a standalone SVG.
//!
//! Tracing is off unless a run is started with [`Runtime::run_traced`](crate::Runtime::run_traced);
//! off, it costs one thread-local flag test per event site.

use std::cell::Cell;
use std::fmt::Write;
use std::time::Duration;

/// What happened. Tasks and channels are named as in panics and deadlock reports (`main`,
/// `task 'name'`, `task #3`, `channel 'name'`, `channel #1`).
// Each variant's doc names its fields.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// `parent` spawned `task`.
    Spawn { parent: String, task: String },
    /// `task` parked, waiting on `on`.
    Park { task: String, on: String },
    /// `task` became ready.
    Wake { task: String },
    /// A timer of `task` fired.
    Timer { task: String },
    /// `task` put a value into `chan`'s buffer.
    Put { task: String, chan: String },
    /// `task` got a value from `chan`'s buffer.
    Get { task: String, chan: String },
    /// A value went from `from` to `to` through `chan`: a rendezvous.
    Handoff {
        chan: String,
        from: String,
        to: String,
    },
    /// `task` closed `chan`.
    Close { task: String, chan: String },
}

/// One event and when it happened, on the loop's clock (virtual time included), since the loop
/// started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceEvent {
    /// When, since the loop started.
    pub at: Duration,
    /// What.
    pub event: Event,
}

/// The events of one traced run, in order.
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

impl Trace {
    pub(crate) fn push(&mut self, at: Duration, event: Event) {
        self.events.push(TraceEvent { at, event });
    }

    /// The events, in order.
    pub fn events(&self) -> &[TraceEvent] {
        &self.events
    }

    /// One line per event: `  0.100s  task 'p0' -> channel #1 -> task 'c0'`.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for e in &self.events {
            let what = match &e.event {
                Event::Spawn { parent, task } => format!("{parent} spawns {task}"),
                Event::Park { task, on } => format!("{task} waits on {on}"),
                Event::Wake { task } => format!("{task} is ready"),
                Event::Timer { task } => format!("timer of {task} fires"),
                Event::Put { task, chan } => format!("{task} puts into {chan}"),
                Event::Get { task, chan } => format!("{task} gets from {chan}"),
                Event::Handoff { chan, from, to } => format!("{from} -> {chan} -> {to}"),
                Event::Close { task, chan } => format!("{task} closes {chan}"),
            };
            let _ = writeln!(out, "{:>9.3}s  {what}", e.at.as_secs_f64());
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
                Event::Spawn { parent, task } => {
                    add(parent, if parent == "main" { MAIN } else { OTHER });
                    add(task, OTHER);
                }
                Event::Park { task, .. } | Event::Wake { task } | Event::Timer { task } => {
                    add(task, OTHER)
                }
                Event::Put { task, chan } => {
                    add(task, SENDER);
                    add(chan, CHANNEL);
                }
                Event::Get { task, chan } | Event::Close { task, chan } => {
                    add(task, OTHER);
                    add(chan, CHANNEL);
                }
                Event::Handoff { chan, from, to } => {
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
    /// the channel and one out of it. Wake-ups are left out, as noise.
    pub fn to_mermaid(&self) -> String {
        let parts = self.participants();
        let id = |name: &str| {
            let i = parts.iter().position(|(n, _)| n == name).unwrap_or(0);
            format!("P{i}")
        };
        let mut out = String::from("sequenceDiagram\n");
        for (i, (name, chan)) in parts.iter().enumerate() {
            let kind = if *chan { "participant" } else { "actor" };
            let _ = writeln!(out, "    {kind} P{i} as {}", name.replace('\'', ""));
        }
        for e in &self.events {
            let t = format!("{:.3}s", e.at.as_secs_f64());
            let _ = match &e.event {
                Event::Spawn { parent, task } => {
                    writeln!(out, "    {}-->>{}: spawn ({t})", id(parent), id(task))
                }
                Event::Park { task, on } => {
                    writeln!(
                        out,
                        "    Note over {}: waits on {} ({t})",
                        id(task),
                        on.replace('\'', "")
                    )
                }
                Event::Timer { task } => writeln!(out, "    Note over {}: timer ({t})", id(task)),
                Event::Put { task, chan } => {
                    writeln!(out, "    {}->>{}: put ({t})", id(task), id(chan))
                }
                Event::Get { task, chan } => {
                    writeln!(out, "    {}->>{}: get ({t})", id(chan), id(task))
                }
                Event::Handoff { chan, from, to } => writeln!(
                    out,
                    "    {}->>{}: put ({t})\n    {}->>{}: get ({t})",
                    id(from),
                    id(chan),
                    id(chan),
                    id(to)
                ),
                Event::Close { task, chan } => {
                    writeln!(out, "    {}-x{}: close ({t})", id(task), id(chan))
                }
                Event::Wake { .. } => Ok(()),
            };
        }
        out
    }

    /// A standalone SVG sequence diagram: a lifeline per task and channel (channels shaded), time
    /// running down, each hand-off an arrow from the putter into the channel and on to the getter.
    /// Wake-ups and parks are left out, as noise.
    pub fn to_svg(&self) -> String {
        const COL: usize = 150;
        const ROW: usize = 26;
        const LEFT: usize = 80;
        const TOP: usize = 60;
        let parts = self.participants();
        let rows: Vec<&TraceEvent> = self
            .events
            .iter()
            .filter(|e| !matches!(e.event, Event::Wake { .. } | Event::Park { .. }))
            .collect();
        let x = |name: &str| {
            LEFT + COL / 2 + COL * parts.iter().position(|(n, _)| n == name).unwrap_or(0)
        };
        let width = LEFT + COL * parts.len().max(1) + 20;
        let height = TOP + ROW * (rows.len() + 1) + 20;
        let mut svg = String::new();
        let _ = writeln!(
            svg,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="monospace" font-size="12">"#
        );
        svg.push_str(
            r##"<defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="8" refY="4" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#333"/></marker></defs>"##,
        );
        svg.push('\n');
        let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
        for (name, chan) in &parts {
            let cx = x(name);
            let (fill, stroke) = if *chan {
                ("#fde9b6", "#b7791f")
            } else {
                ("#dbeafe", "#1d4ed8")
            };
            let _ = writeln!(
                svg,
                r#"<rect x="{}" y="10" width="{}" height="28" rx="6" fill="{fill}" stroke="{stroke}"/><text x="{cx}" y="29" text-anchor="middle">{}</text>"#,
                cx - COL / 2 + 6,
                COL - 12,
                escape(name)
            );
            let _ = writeln!(
                svg,
                r#"<line x1="{cx}" y1="38" x2="{cx}" y2="{}" stroke="{stroke}" stroke-dasharray="{}"/>"#,
                height - 10,
                if *chan { "2,2" } else { "6,4" }
            );
        }
        let arrow = |svg: &mut String,
                     from: usize,
                     to: usize,
                     y: usize,
                     label: &str,
                     dashed: bool| {
            let _ = writeln!(
                svg,
                r##"<line x1="{from}" y1="{y}" x2="{to}" y2="{y}" stroke="#333" marker-end="url(#arrow)"{}/><text x="{}" y="{}" text-anchor="middle" fill="#333">{label}</text>"##,
                if dashed {
                    r#" stroke-dasharray="4,3""#
                } else {
                    ""
                },
                (from + to) / 2,
                y - 4
            );
        };
        for (row, e) in rows.iter().enumerate() {
            let y = TOP + ROW * (row + 1);
            let _ = writeln!(
                svg,
                r##"<text x="6" y="{}" fill="#666">{:.3}s</text>"##,
                y + 4,
                e.at.as_secs_f64()
            );
            match &e.event {
                Event::Spawn { parent, task } => {
                    arrow(&mut svg, x(parent), x(task), y, "spawn", true)
                }
                Event::Timer { task } => {
                    let _ = writeln!(
                        svg,
                        r##"<circle cx="{}" cy="{y}" r="5" fill="#9ca3af"/><text x="{}" y="{}" fill="#666">timer</text>"##,
                        x(task),
                        x(task) + 8,
                        y + 4
                    );
                }
                Event::Put { task, chan } => arrow(&mut svg, x(task), x(chan), y, "put", false),
                Event::Get { task, chan } => arrow(&mut svg, x(chan), x(task), y, "get", false),
                Event::Handoff { chan, from, to } => {
                    arrow(&mut svg, x(from), x(chan), y, "put", false);
                    arrow(&mut svg, x(chan), x(to), y, "get", false);
                }
                Event::Close { task, chan } => arrow(&mut svg, x(task), x(chan), y, "close", true),
                Event::Park { .. } | Event::Wake { .. } => {}
            }
        }
        svg.push_str("</svg>\n");
        svg
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
