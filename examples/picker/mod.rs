//! The command line shared by the examples that hold several programs: `--list`, or one id and
//! `--virtual`.

use aiochan::Runtime;

/// Picks the entry named on the command line and the runtime to run it on (virtual time with
/// `--virtual`); `--list` prints the ids and exits. Bad arguments exit with status 2.
pub fn pick<T: Copy>(usage: &str, entries: &[(&str, T)]) -> (T, Runtime) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        for (id, _) in entries {
            println!("{id}");
        }
        std::process::exit(0);
    }
    let virtual_time = args.iter().any(|a| a == "--virtual");
    let ids: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let [id] = ids[..] else {
        eprintln!("usage: {usage} [--virtual] | --list");
        std::process::exit(2);
    };
    let Some(&(_, entry)) = entries.iter().find(|(name, _)| name == id) else {
        eprintln!("no {id:?} here; `--list` lists the choices");
        std::process::exit(2);
    };
    (entry, Runtime::builder().virtual_time(virtual_time).build())
}
