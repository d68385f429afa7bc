//! The trace viewer: one self-contained HTML page (inline style and script, the trace embedded as
//! JSON) that steps through a run event by event.

use std::fmt::Write;

use super::{ChanSnapshot, Event, Side, TaskEnd, Trace, WaitKind};

/// The page's style.
const STYLE: &str = include_str!("viewer.css");
/// The page's script: reads the JSON in `#trace-data` and draws the lanes.
const SCRIPT: &str = include_str!("viewer.js");

/// The page for `trace`.
pub(super) fn render(trace: &Trace) -> String {
    let mut page = String::with_capacity(STYLE.len() + SCRIPT.len() + 200 * trace.events.len());
    page.push_str(concat!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
        "<title>aiochan trace</title>\n<style>\n"
    ));
    page.push_str(STYLE);
    page.push_str(concat!(
        "</style>\n</head>\n<body>\n",
        "<header>\n<h1>aiochan trace</h1>\n",
        "<div id=\"controls\" role=\"toolbar\">\n",
        "<button id=\"first\" title=\"first event (Home)\">&#x00AB; first</button>\n",
        "<button id=\"prev\" title=\"previous event (&#x2190;)\">&#x25C0; prev</button>\n",
        "<button id=\"play\" title=\"play or pause (space)\">&#x25B6; play</button>\n",
        "<button id=\"next\" title=\"next event (&#x2192;)\">next &#x25B6;</button>\n",
        "<button id=\"last\" title=\"last event (End)\">last &#x00BB;</button>\n",
        "<input id=\"slider\" type=\"range\" min=\"0\" value=\"0\" aria-label=\"event\">\n",
        "<span>event <b id=\"step\">0</b> of <span id=\"count\">0</span></span>\n",
        "<span id=\"clock\"></span>\n",
        "<label>axis <select id=\"axis\">",
        "<option value=\"order\">event order</option>",
        "<option value=\"time\">virtual time</option></select></label>\n",
        "</div>\n</header>\n",
        "<p id=\"event-desc\" aria-live=\"polite\"></p>\n<p id=\"event-site\"></p>\n",
        "<main>\n<div id=\"timeline\"></div>\n",
        "<aside>\n<h2>Channels</h2>\n<div id=\"chans\"></div>\n",
        "<h2>Tasks</h2>\n<ul id=\"tasks\"></ul>\n</aside>\n</main>\n",
        "<footer id=\"legend\"></footer>\n",
        "<script id=\"trace-data\" type=\"application/json\">\n"
    ));
    // `</` cannot end the script element early: JSON strings escape every `<`.
    page.push_str(&json(trace));
    page.push_str("\n</script>\n<script>\n");
    page.push_str(SCRIPT);
    page.push_str("</script>\n</body>\n</html>\n");
    page
}

/// The trace as JSON, one object per event.
pub(super) fn json(trace: &Trace) -> String {
    let mut out = String::from("{\"events\": [\n");
    let mut run = 0;
    for (i, e) in trace.events.iter().enumerate() {
        if let Event::Begin { run: r, .. } = e.event {
            run = r;
        }
        if i > 0 {
            out.push_str(",\n");
        }
        let mut obj = Obj::new(&mut out);
        obj.int("i", i as u64);
        obj.int("run", run as u64);
        obj.num("t", e.at.as_secs_f64());
        fields(&mut obj, &e.event);
        obj.end();
    }
    out.push_str("\n]}");
    out
}

/// Writes the kind and fields of `event`.
fn fields(o: &mut Obj<'_>, event: &Event) {
    let kind = match event {
        Event::Begin { run: _, seed } => {
            o.int("seed", *seed);
            "Begin"
        }
        Event::Spawn { parent, task, at } => {
            o.str("parent", parent);
            o.str("task", task);
            o.opt("at", at.as_deref());
            "Spawn"
        }
        Event::Run { task } => {
            o.str("task", task);
            "Run"
        }
        Event::Park { task, on, wait, at } => {
            o.str("task", task);
            o.str("on", on);
            o.str("wait", wait_name(*wait));
            o.opt("at", at.as_deref());
            "Park"
        }
        Event::Yield { task } => {
            o.str("task", task);
            "Yield"
        }
        Event::Wake { task } => {
            o.str("task", task);
            "Wake"
        }
        Event::Timer { task } => {
            o.str("task", task);
            "Timer"
        }
        Event::End { task, how } => {
            o.str("task", task);
            o.str(
                "how",
                match how {
                    TaskEnd::Finished => "finished",
                    TaskEnd::Panicked => "panicked",
                    TaskEnd::Aborted => "aborted",
                },
            );
            "End"
        }
        Event::Enqueue {
            task,
            chan,
            side,
            after,
        }
        | Event::Withdraw {
            task,
            chan,
            side,
            after,
        } => {
            o.str("task", task);
            o.str(
                "side",
                match side {
                    Side::Put => "put",
                    Side::Get => "get",
                },
            );
            o.chan(chan, after);
            if matches!(event, Event::Enqueue { .. }) {
                "Enqueue"
            } else {
                "Withdraw"
            }
        }
        Event::Handoff {
            chan,
            from,
            to,
            value,
            after,
        } => {
            o.str("from", from);
            o.str("to", to);
            o.opt("value", value.as_deref());
            o.chan(chan, after);
            "Handoff"
        }
        Event::Put {
            task,
            chan,
            value,
            after,
        }
        | Event::Get {
            task,
            chan,
            value,
            after,
        } => {
            o.str("task", task);
            o.opt("value", value.as_deref());
            o.chan(chan, after);
            if matches!(event, Event::Put { .. }) {
                "Put"
            } else {
                "Get"
            }
        }
        Event::Close { task, chan, after }
        | Event::ClosedGet { task, chan, after }
        | Event::Refused { task, chan, after } => {
            o.str("task", task);
            o.chan(chan, after);
            match event {
                Event::Close { .. } => "Close",
                Event::ClosedGet { .. } => "ClosedGet",
                _ => "Refused",
            }
        }
    };
    o.str("kind", kind);
}

fn wait_name(wait: WaitKind) -> &'static str {
    match wait {
        WaitKind::Chan => "chan",
        WaitKind::Select => "select",
        WaitKind::Timer => "timer",
        WaitKind::Join => "join",
        WaitKind::Sync => "sync",
        WaitKind::Io => "io",
        WaitKind::Other => "other",
    }
}

/// A JSON object being written.
struct Obj<'a> {
    out: &'a mut String,
    /// Whether a field has been written (the next one needs a comma).
    any: bool,
}

impl<'a> Obj<'a> {
    fn new(out: &'a mut String) -> Obj<'a> {
        out.push('{');
        Obj { out, any: false }
    }

    fn key(&mut self, key: &str) {
        if self.any {
            self.out.push_str(", ");
        }
        self.any = true;
        let _ = write!(self.out, "\"{key}\": ");
    }

    fn num(&mut self, key: &str, value: f64) {
        self.key(key);
        let _ = write!(self.out, "{value}");
    }

    fn int(&mut self, key: &str, value: u64) {
        self.key(key);
        let _ = write!(self.out, "{value}");
    }

    fn str(&mut self, key: &str, value: &str) {
        self.key(key);
        string(self.out, value);
    }

    fn opt(&mut self, key: &str, value: Option<&str>) {
        match value {
            Some(value) => self.str(key, value),
            None => {
                self.key(key);
                self.out.push_str("null");
            }
        }
    }

    /// The channel and its state after the event.
    fn chan(&mut self, chan: &str, after: &ChanSnapshot) {
        self.str("chan", chan);
        self.int("buffered", after.buffered as u64);
        match after.capacity {
            Some(cap) => self.int("capacity", cap as u64),
            None => self.opt("capacity", None),
        }
        for (key, names) in [("puts", &after.puts), ("gets", &after.gets)] {
            self.key(key);
            self.out.push('[');
            for (i, name) in names.iter().enumerate() {
                if i > 0 {
                    self.out.push_str(", ");
                }
                string(self.out, name);
            }
            self.out.push(']');
        }
        self.key("closed");
        self.out
            .push_str(if after.closed { "true" } else { "false" });
    }

    fn end(self) {
        self.out.push('}');
    }
}

/// `text` as a JSON string, with `<`, `>` and `&` escaped so that it can sit in a script element.
fn string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '<' | '>' | '&' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::string;

    #[test]
    fn json_strings_cannot_close_the_script_element() {
        let mut out = String::new();
        string(&mut out, "task '</script>' \"q\" \\ \n");
        assert_eq!(out, r#""task '\u003c/script\u003e' \"q\" \\ \n""#);
    }
}
