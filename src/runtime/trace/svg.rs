//! The SVG rendering of a trace: a lifeline per task and channel, time running down, waits as
//! bands, running stretches as bars, and every move of a value as an arrow.

use std::collections::HashMap;
use std::fmt::Write;
use std::time::Duration;

use super::{escape, Event, TaskEnd, Trace, WaitKind};

/// Height of one drawn event.
const ROW: f64 = 24.0;
/// Extra space before the first event of a new instant.
const GAP: f64 = 12.0;
/// Left margin, where times are written.
const LEFT: f64 = 72.0;
/// Where the first row goes.
const TOP: f64 = 58.0;
/// Width of a character of the 12 px monospace font, to size boxes to names.
const CHAR: f64 = 7.3;
/// The narrowest column.
const MIN_COL: f64 = 104.0;

/// How each kind of wait is drawn: fill colour and the short label written beside the band.
fn wait_style(kind: WaitKind, on: &str) -> (&'static str, &'static str) {
    match kind {
        WaitKind::Timer => ("#c7d2fe", "sleeps"),
        WaitKind::Chan if on.starts_with("put") => ("#fed7aa", "put waits"),
        WaitKind::Chan if on.starts_with("get") => ("#fed7aa", "get waits"),
        WaitKind::Chan => ("#fed7aa", "waits"),
        WaitKind::Select => ("#fde68a", "select"),
        WaitKind::Join => ("#e9d5ff", "joins"),
        WaitKind::Sync => ("#fecaca", "lock waits"),
        WaitKind::Io | WaitKind::Other => ("#e5e7eb", "waits"),
    }
}

/// A wait drawn as a band on a lifeline.
struct Band {
    x: f64,
    from: f64,
    to: f64,
    kind: WaitKind,
    on: String,
}

/// What the renderer knows of each lifeline while it walks the events.
#[derive(Default)]
struct Line {
    /// Where the lifeline starts (its spawn, or the top).
    start: Option<f64>,
    /// Where it ends (the task's end), if it does.
    end: Option<f64>,
    /// Where the current running stretch began.
    running: Option<f64>,
    /// Where the current wait began, and on what.
    waiting: Option<(f64, WaitKind, String)>,
    /// Where the task last became ready to run, while it waits for its turn.
    ready: Option<f64>,
    /// For a channel: where it was closed.
    closed: Option<f64>,
}

/// The document being drawn.
struct Doc {
    /// Column centres, by participant name.
    x: HashMap<String, f64>,
    /// Bars and bands, drawn under everything else.
    under: String,
    /// Arrows and marks.
    over: String,
}

impl Doc {
    fn x(&self, name: &str) -> f64 {
        self.x.get(name).copied().unwrap_or(LEFT)
    }

    /// An arrow from `from` to `to` at height `y`, labelled above its middle.
    fn arrow(&mut self, from: &str, to: &str, y: f64, label: &str, style: &str) {
        let (x1, x2) = (self.x(from), self.x(to));
        let dash = match style {
            "dashed" => r#" stroke-dasharray="5,3""#,
            _ => "",
        };
        let _ = writeln!(
            self.over,
            r##"<line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="#333" marker-end="url(#arrow)"{dash}/>"##
        );
        self.label((x1 + x2) / 2.0, y - 5.0, label, "middle", "#333");
    }

    /// A label with a white halo, so that it stays readable over lines.
    fn label(&mut self, x: f64, y: f64, text: &str, anchor: &str, fill: &str) {
        let _ = writeln!(
            self.over,
            r#"<text x="{x}" y="{y}" text-anchor="{anchor}" fill="{fill}" stroke="white" stroke-width="3" paint-order="stroke">{}</text>"#,
            escape(text)
        );
    }

    /// A cross at (`x`, `y`): a close, a refused put.
    fn cross(&mut self, x: f64, y: f64, colour: &str) {
        let _ = writeln!(
            self.over,
            r#"<path d="M{} {} l10 10 m0 -10 l-10 10" stroke="{colour}" stroke-width="2"/>"#,
            x - 5.0,
            y - 5.0
        );
    }
}

/// The SVG for `trace`, whose participants are `parts` (channels marked), left to right.
pub(super) fn render(trace: &Trace, parts: &[(String, bool)]) -> String {
    let widths: Vec<f64> = parts
        .iter()
        .map(|(name, _)| (name.chars().count() as f64 * CHAR + 24.0).max(MIN_COL))
        .collect();
    let mut doc = Doc {
        x: HashMap::new(),
        under: String::new(),
        over: String::new(),
    };
    let mut left = LEFT;
    for ((name, _), w) in parts.iter().zip(&widths) {
        doc.x.insert(name.clone(), left + w / 2.0);
        left += w;
    }
    // Room on the right for the labels beside the last lifeline.
    let width = left + 72.0;
    let runs = trace
        .events
        .iter()
        .filter(|e| matches!(e.event, Event::Begin { .. }))
        .count();
    let mut lines: HashMap<&str, Line> = HashMap::new();
    let mut bands: Vec<Band> = Vec::new();
    // The height of the last drawn row, and the instant it showed.
    let mut y = TOP - ROW;
    let mut instant: Option<(usize, Duration)> = None;
    let mut run = 0;
    for e in &trace.events {
        let mid = y + ROW / 2.0;
        match &e.event {
            Event::Run { task } => {
                let line = lines.entry(task).or_default();
                end_wait(&mut bands, doc.x(task), line, mid);
                if let Some(from) = line.ready.take() {
                    ready_band(&mut doc, task, from, mid);
                }
                line.running = Some(mid);
                continue;
            }
            Event::Wake { task } => {
                let line = lines.entry(task).or_default();
                if line.running.is_none() && line.ready.is_none() {
                    end_wait(&mut bands, doc.x(task), line, mid);
                    line.ready = Some(mid);
                }
                continue;
            }
            Event::Park { task, on, wait, .. } => {
                let line = lines.entry(task).or_default();
                end_run(&mut doc, task, line, mid);
                line.waiting = Some((mid, *wait, on.clone()));
                continue;
            }
            Event::Yield { task } => {
                let line = lines.entry(task).or_default();
                end_run(&mut doc, task, line, mid);
                continue;
            }
            Event::Begin { run: r, .. } => {
                run = *r;
                if runs < 2 {
                    continue;
                }
            }
            Event::Enqueue { .. } | Event::Withdraw { .. } => continue,
            _ => {}
        }
        // A drawn row: a new instant opens with a gap, a rule and its time.
        y += ROW;
        if instant != Some((run, e.at)) {
            if instant.is_some() {
                y += GAP;
            }
            instant = Some((run, e.at));
            let _ = writeln!(
                doc.under,
                r##"<line x1="4" y1="{0}" x2="{1}" y2="{0}" stroke="#eee"/><text x="6" y="{2}" fill="#666">{3:.3}s</text>"##,
                y - ROW / 2.0 - 2.0,
                width - 4.0,
                y + 4.0,
                e.at.as_secs_f64()
            );
        }
        draw_row(&mut doc, &mut lines, &e.event, y, width);
    }
    let height = y + ROW + 24.0;
    let bottom = y + ROW / 2.0;
    for (name, line) in lines.iter_mut() {
        let end = line.end.unwrap_or(bottom);
        end_wait(&mut bands, doc.x(name), line, end);
        if let Some(from) = line.ready.take() {
            ready_band(&mut doc, name, from, end);
        }
        end_run(&mut doc, name, line, end);
    }
    for band in &bands {
        if band.to - band.from < 1.0 {
            continue;
        }
        let (fill, short) = wait_style(band.kind, &band.on);
        let _ = writeln!(
            doc.under,
            r##"<rect x="{}" y="{}" width="14" height="{}" fill="{fill}" stroke="#9ca3af" stroke-width="0.5"><title>waits on {}</title></rect>"##,
            band.x - 7.0,
            band.from,
            band.to - band.from,
            escape(&band.on)
        );
        if band.to - band.from >= ROW {
            let _ = writeln!(
                doc.under,
                r##"<text x="{}" y="{}" font-size="10" fill="#555">{short}</text>"##,
                band.x + 10.0,
                band.from + 12.0
            );
        }
    }
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" font-family="monospace" font-size="12">"#
    );
    svg.push_str(
        r##"<defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="8" refY="4" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#333"/></marker></defs>"##,
    );
    svg.push('\n');
    let _ = writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#);
    for ((name, chan), w) in parts.iter().zip(&widths) {
        let cx = doc.x(name);
        let line = lines.get(name.as_str());
        let (fill, stroke) = if *chan {
            ("#fde9b6", "#b7791f")
        } else {
            ("#dbeafe", "#1d4ed8")
        };
        let _ = writeln!(
            svg,
            r#"<rect x="{}" y="10" width="{}" height="28" rx="6" fill="{fill}" stroke="{stroke}"/><text x="{cx}" y="29" text-anchor="middle">{}</text>"#,
            cx - w / 2.0 + 5.0,
            w - 10.0,
            escape(name)
        );
        let start = line.and_then(|l| l.start).unwrap_or(38.0).max(38.0);
        let end = line.and_then(|l| l.end).unwrap_or(height - 14.0);
        let closed = line.and_then(|l| l.closed);
        let open_end = closed.unwrap_or(end);
        let _ = writeln!(
            svg,
            r#"<line x1="{cx}" y1="{start}" x2="{cx}" y2="{open_end}" stroke="{stroke}" stroke-dasharray="{}"/>"#,
            if *chan { "2,2" } else { "6,4" }
        );
        if let Some(closed) = closed {
            let _ = writeln!(
                svg,
                r##"<line x1="{cx}" y1="{closed}" x2="{cx}" y2="{end}" stroke="#bbb" stroke-dasharray="1,4"/>"##
            );
        }
    }
    svg.push_str(&doc.under);
    svg.push_str(&doc.over);
    legend(&mut svg, height - 8.0);
    svg.push_str("</svg>\n");
    svg
}

/// Ends the wait of the task on `line` (whose lifeline is at `x`) at `y`, as a band to draw.
fn end_wait(bands: &mut Vec<Band>, x: f64, line: &mut Line, y: f64) {
    if let Some((from, kind, on)) = line.waiting.take() {
        bands.push(Band {
            x,
            from,
            to: y,
            kind,
            on,
        });
    }
}

/// Draws `task`'s wait for its turn, from `from` to `to`: an outline where it will run.
fn ready_band(doc: &mut Doc, task: &str, from: f64, to: f64) {
    if to - from >= 1.0 {
        let _ = writeln!(
            doc.under,
            r##"<rect x="{}" y="{from}" width="8" height="{}" fill="white" stroke="#1d4ed8" stroke-width="0.8" stroke-dasharray="2,2"><title>ready: waits for its turn</title></rect>"##,
            doc.x(task) - 4.0,
            to - from
        );
    }
}

/// Ends `task`'s running stretch at `y`, drawing it as a bar.
fn end_run(doc: &mut Doc, task: &str, line: &mut Line, y: f64) {
    if let Some(from) = line.running.take() {
        if y - from >= 1.0 {
            let _ = writeln!(
                doc.under,
                r##"<rect x="{}" y="{from}" width="8" height="{}" fill="#60a5fa" stroke="#1d4ed8" stroke-width="0.5"/>"##,
                doc.x(task) - 4.0,
                y - from
            );
        }
    }
}

/// Draws one event that takes a row, at height `y`.
fn draw_row<'a>(
    doc: &mut Doc,
    lines: &mut HashMap<&'a str, Line>,
    event: &'a Event,
    y: f64,
    width: f64,
) {
    match event {
        Event::Begin { run, seed } => {
            let _ = writeln!(
                doc.over,
                r##"<line x1="{LEFT}" y1="{y}" x2="{}" y2="{y}" stroke="#666" stroke-width="1.5"/>"##,
                width - 8.0
            );
            doc.label(
                LEFT + 8.0,
                y - 4.0,
                &format!("run {run} (seed {seed})"),
                "start",
                "#333",
            );
        }
        Event::Spawn { parent, task, .. } => {
            lines.entry(task).or_default().start = Some(y);
            doc.arrow(parent, task, y, "spawn", "dashed");
        }
        Event::Timer { task } => {
            let x = doc.x(task);
            let _ = writeln!(
                doc.over,
                r##"<circle cx="{x}" cy="{y}" r="5" fill="white" stroke="#6366f1" stroke-width="1.5"/>"##
            );
            doc.label(x + 9.0, y + 4.0, "timer", "start", "#4f46e5");
        }
        Event::End { task, how } => {
            let x = doc.x(task);
            lines.entry(task).or_default().end = Some(y);
            let (colour, text) = match how {
                TaskEnd::Finished => ("#333", "ends"),
                TaskEnd::Panicked => ("#dc2626", "panics"),
                TaskEnd::Aborted => ("#dc2626", "aborted"),
            };
            let _ = writeln!(
                doc.over,
                r#"<rect x="{}" y="{}" width="16" height="5" fill="{colour}"/>"#,
                x - 8.0,
                y - 2.5
            );
            doc.label(x + 11.0, y + 4.0, text, "start", colour);
        }
        Event::Put {
            task,
            chan,
            value,
            after,
        } => {
            doc.arrow(task, chan, y, &moved("put", value), "solid");
            fill_note(doc, chan, y, after.buffered, after.capacity);
        }
        Event::Get {
            task,
            chan,
            value,
            after,
        } => {
            doc.arrow(chan, task, y, &moved("get", value), "solid");
            fill_note(doc, chan, y, after.buffered, after.capacity);
        }
        Event::Handoff {
            chan,
            from,
            to,
            value,
            ..
        } => {
            doc.arrow(from, chan, y, &moved("put", value), "solid");
            doc.arrow(chan, to, y, "get", "solid");
        }
        Event::Close { task, chan, .. } => {
            lines.entry(chan).or_default().closed = Some(y);
            doc.arrow(task, chan, y, "close", "dashed");
            let x = doc.x(chan);
            doc.cross(x, y, "#dc2626");
        }
        Event::ClosedGet { task, chan, .. } => {
            doc.arrow(chan, task, y, "None (closed)", "dashed");
        }
        Event::Refused { task, chan, .. } => {
            doc.arrow(task, chan, y, "put refused (closed)", "dashed");
            let x = doc.x(chan);
            doc.cross(x, y, "#dc2626");
        }
        Event::Run { .. }
        | Event::Park { .. }
        | Event::Yield { .. }
        | Event::Wake { .. }
        | Event::Enqueue { .. }
        | Event::Withdraw { .. } => {}
    }
}

/// An arrow's label: `put`, or `put "product 1"` when the trace shows values (cut short).
fn moved(what: &str, value: &Option<String>) -> String {
    match value {
        None => what.to_string(),
        Some(v) if v.chars().count() > 18 => {
            format!("{what} {}\u{2026}", v.chars().take(17).collect::<String>())
        }
        Some(v) => format!("{what} {v}"),
    }
}

/// `1/2` beside a channel's lifeline: its buffer after a put or get.
fn fill_note(doc: &mut Doc, chan: &str, y: f64, buffered: usize, capacity: Option<usize>) {
    let text = match capacity {
        Some(cap) => format!("{buffered}/{cap}"),
        None => format!("{buffered}"),
    };
    let x = doc.x(chan) + 8.0;
    doc.label(x, y + 13.0, &text, "start", "#92400e");
}

/// The key to the colours, along the bottom.
fn legend(svg: &mut String, y: f64) {
    let mut x = LEFT;
    let mut item = |svg: &mut String, fill: &str, text: &str| {
        let _ = write!(
            svg,
            r##"<rect x="{x}" y="{}" width="10" height="10" fill="{fill}" stroke="#9ca3af" stroke-width="0.5"/><text x="{}" y="{y}" font-size="11" fill="#444">{text}</text>"##,
            y - 9.0,
            x + 14.0
        );
        x += 14.0 + text.len() as f64 * 6.7 + 16.0;
    };
    item(svg, "#60a5fa", "running");
    item(svg, "white", "ready");
    item(svg, "#c7d2fe", "sleeping");
    item(svg, "#fed7aa", "waits on a channel");
    item(svg, "#fde68a", "select");
    item(svg, "#e9d5ff", "join");
    item(svg, "#fecaca", "lock");
    svg.push('\n');
}
