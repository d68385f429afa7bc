//! The command line shared by the examples that hold several programs: one id, `--virtual`,
//! `--trace FILE`; or `--list`, `--help`.

use std::path::{Path, PathBuf};
use std::process::exit;

use aiochan::Runtime;

/// One program of an example: its id on the command line, a line about it, and what runs it.
pub type Entry<T> = (&'static str, &'static str, T);

/// The formats `--trace` writes, by file extension.
const TRACE_FORMATS: &[(&str, &str)] = &[
    ("html", "a page that steps through the run"),
    ("svg", "a sequence diagram"),
    ("mmd", "a Mermaid sequence diagram"),
];

/// What the command line asks for.
#[derive(Debug, PartialEq)]
enum Request {
    /// `--help` or `-h`.
    Help,
    /// `--list`.
    List,
    /// Run the program with this id, under virtual time or not, writing its trace to the file.
    Run {
        id: String,
        virtual_time: bool,
        trace: Option<PathBuf>,
    },
}

/// Reads the arguments (without the program name); `Err` says what is wrong with them.
fn parse(args: impl IntoIterator<Item = String>) -> Result<Request, String> {
    let mut args = args.into_iter();
    let (mut list, mut virtual_time, mut trace, mut ids) = (false, false, None, Vec::new());
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--help" | "-h" => return Ok(Request::Help),
            "--list" => list = true,
            "--virtual" => virtual_time = true,
            "--trace" => {
                let file = args.next().ok_or("--trace needs a file name")?;
                trace = Some(trace_file(&file)?);
            }
            _ => match arg.strip_prefix("--trace=") {
                Some(file) => trace = Some(trace_file(file)?),
                None if arg.starts_with('-') => return Err(format!("unknown option {arg:?}")),
                None => ids.push(arg),
            },
        }
    }
    match (list, &ids[..]) {
        (true, []) => Ok(Request::List),
        (true, _) => Err("--list takes no program id".to_string()),
        (false, [_]) => Ok(Request::Run {
            id: ids.remove(0),
            virtual_time,
            trace,
        }),
        (false, []) => Err("name the one to run".to_string()),
        (false, _) => Err(format!("one at a time, not {}", ids.join(" "))),
    }
}

/// The trace file named `file`, if its extension names a format `--trace` writes.
fn trace_file(file: &str) -> Result<PathBuf, String> {
    let extension = Path::new(file).extension().and_then(|e| e.to_str());
    match extension {
        Some(e) if TRACE_FORMATS.iter().any(|(known, _)| *known == e) => Ok(PathBuf::from(file)),
        _ => Err(format!(
            "--trace {file}: the file name must end in .html, .svg or .mmd"
        )),
    }
}

/// The usage text of example `name`, whose ids stand for `what`.
fn usage(name: &str, what: &str) -> String {
    let formats: Vec<String> = TRACE_FORMATS
        .iter()
        .map(|(extension, about)| format!("                    .{extension}: {about}"))
        .collect();
    format!(
        "usage: {name} <{what}> [--virtual] [--trace FILE]\n       {name} --list | --help\n\n\
         \x20 --list            each {what} with a line about it\n\
         \x20 --virtual         run under virtual time: sleeps take no time, the output is exact\n\
         \x20 --trace FILE      record the run and write it to FILE, in the format its extension names:\n\
         {}\n\
         \x20 -h, --help        this text\n",
        formats.join("\n")
    )
}

/// Runs the example `name` as its command line asks: the entry named there is passed to `run`
/// with a runtime on virtual time with `--virtual`, and the run's trace is written where
/// `--trace` says. `--list` prints the entries; bad arguments print the usage and exit with
/// status 2.
pub fn main<T: Copy>(name: &str, what: &str, entries: &[Entry<T>], run: impl FnOnce(T, &Runtime)) {
    let request = parse(std::env::args().skip(1)).unwrap_or_else(|error| {
        eprintln!("{name}: {error}\n\n{}", usage(name, what));
        exit(2);
    });
    let (id, virtual_time, trace) = match request {
        Request::Help => {
            print!("{}", usage(name, what));
            return;
        }
        Request::List => {
            let width = entries.iter().map(|(id, ..)| id.len()).max().unwrap_or(0);
            for (id, about, _) in entries {
                println!("{id:width$}  {about}");
            }
            return;
        }
        Request::Run {
            id,
            virtual_time,
            trace,
        } => (id, virtual_time, trace),
    };
    let Some(&(_, _, entry)) = entries.iter().find(|(known, ..)| *known == id) else {
        eprintln!("{name}: no {what} {id:?} here; `--list` lists them");
        exit(2);
    };
    let rt = Runtime::builder()
        .virtual_time(virtual_time)
        .trace(trace.is_some())
        .build();
    run(entry, &rt);
    if let Some(path) = trace {
        write_trace(&rt, &path);
    }
}

/// Writes the trace `rt` recorded to `path`, in the format its extension names.
fn write_trace(rt: &Runtime, path: &Path) {
    let trace = rt.take_trace();
    let text = match path.extension().and_then(|e| e.to_str()) {
        Some("html") => trace.to_html(),
        Some("svg") => trace.to_svg(),
        // `.mmd`, the one other extension `parse` accepts.
        _ => trace.to_mermaid(),
    };
    if let Err(error) = std::fs::write(path, text) {
        eprintln!("cannot write the trace to {}: {error}", path.display());
        exit(1);
    }
    eprintln!(
        "wrote the trace ({} events) to {}",
        trace.events().len(),
        path.display()
    );
}
