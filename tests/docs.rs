//! The documentation keeps up with the code: the `ops` module's table names every public operator.

use std::fs;
use std::path::Path;

/// The public functions of the `ops` files other than `mod.rs`, by file, leaving out the builder
/// methods of `Parallel` (documented on it, not operators themselves).
fn public_operators() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ops");
    let mut found = Vec::new();
    for entry in fs::read_dir(&dir).expect("src/ops is readable") {
        let path = entry.expect("a directory entry").path();
        let file = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        if file == "mod" {
            continue;
        }
        let source = fs::read_to_string(&path).expect("an ops file is readable");
        let mut in_parallel_builder = false;
        for line in source.lines() {
            if line.starts_with("impl") {
                in_parallel_builder = line.starts_with("impl Parallel {");
            }
            let Some(rest) = line.trim_start().strip_prefix("pub fn ") else {
                continue;
            };
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !in_parallel_builder {
                found.push((file.to_string(), name));
            }
        }
    }
    found.sort();
    found
}

#[test]
fn the_ops_table_names_every_public_operator_in_its_file() {
    let table = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ops/mod.rs"))
        .expect("src/ops/mod.rs is readable");
    let operators = public_operators();
    assert!(operators.len() > 40, "{operators:?}");
    for (file, name) in operators {
        let row = table
            .lines()
            .find(|line| line.starts_with(&format!("//! | `{file}` |")))
            .unwrap_or_else(|| panic!("the ops table has no row for `{file}`"));
        assert!(
            row.contains(&format!("[`{name}`]")),
            "the ops table's row for `{file}` does not name `{name}`"
        );
    }
}
