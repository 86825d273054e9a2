//! The core's modules form layers with no cycles: `garage` uses `wear`, `wear` uses `store`,
//! never the other way round, and within `garage` the table-level modules never call up into
//! the `workshop`. Checked by reading every `crate::…` path in the core's sources, at two
//! granularities: top-level modules (`store`, `garage`, `wear`, `time`, …) and files
//! (`garage::rides`, `wear::usage`, …).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn core_src() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../src-tauri/core/src")
}

/// `src/garage/rides.rs` → `garage::rides`; `src/store/mod.rs` → `store`; `lib.rs` → ``.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("file under src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts.join("::")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Drops `//` comments (doc comments mention paths that are not dependencies).
fn strip_comments(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Expands a use tree such as `{a::b, c::{d, e}}` into full paths.
fn expand(prefix: &str, tree: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    if let Some(inner) = tree.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        let mut depth = 0;
        let mut start = 0;
        for (i, ch) in inner.char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(prefix, &inner[start..i], out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        expand(prefix, &inner[start..], out);
        return;
    }
    if tree.is_empty() {
        return;
    }
    match tree.find("::{") {
        Some(i) => expand(&join(prefix, &tree[..i]), &tree[i + 2..], out),
        None => {
            let path = tree.split(" as ").next().unwrap_or(tree).trim();
            out.push(join(prefix, path));
        }
    }
}

fn join(prefix: &str, rest: &str) -> String {
    match (prefix.is_empty(), rest.trim()) {
        (_, "self") => prefix.to_owned(),
        (true, r) => r.to_owned(),
        (false, r) => format!("{prefix}::{r}"),
    }
}

/// Every path a file names under `crate::` (in `use` items and inline), without the prefix.
fn crate_paths(text: &str) -> Vec<String> {
    let text = strip_comments(text);
    let mut out = Vec::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("crate::") {
        let before = rest[..i].chars().last();
        rest = &rest[i + "crate::".len()..];
        // `$crate::` in macros means this crate too; `foo_crate::` does not.
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(rest.len());
        let path = rest[..end].trim_end_matches(':');
        if rest[end..].starts_with('{') {
            let group = &rest[end..end + matching_brace(&rest[end..])];
            expand(path, group, &mut out);
        } else {
            out.push(path.to_owned());
        }
    }
    out
}

/// The length of the `{…}` group `text` starts with, nested groups included.
fn matching_brace(text: &str) -> usize {
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
    }
    text.len()
}

/// What the crate root re-exports (`pub use store::{Store, …}`), as name → module.
fn root_reexports(lib: &str) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for stmt in strip_comments(lib).split(';') {
        let Some(tree) = stmt.trim().strip_prefix("pub use ") else {
            continue;
        };
        let mut paths = Vec::new();
        expand("", tree, &mut paths);
        for p in paths {
            if let Some((module, name)) = p.rsplit_once("::") {
                map.insert(name.to_owned(), module.to_owned());
            }
        }
    }
    map
}

/// The longest known module that `path` starts with.
fn resolve(path: &str, modules: &BTreeSet<String>, root: &BTreeMap<String, String>) -> String {
    let first = path.split("::").next().unwrap_or(path);
    let path = match root.get(first) {
        Some(module) => module.clone(),
        None => path.to_owned(),
    };
    let segments: Vec<&str> = path.split("::").collect();
    (1..=segments.len())
        .rev()
        .map(|n| segments[..n].join("::"))
        .find(|candidate| modules.contains(candidate))
        .unwrap_or_default()
}

/// A cycle in `graph`, if any, as the modules along it.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_owned(), 1);
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next.as_str()).copied().unwrap_or(0) {
                1 => {
                    let from = stack.iter().position(|n| n == next).unwrap_or(0);
                    let mut cycle = stack[from..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(next, graph, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(node.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if state.get(node).copied().unwrap_or(0) == 0 {
            if let Some(c) = visit(node, graph, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

/// file module → the file modules it names, and the same folded to top-level modules.
fn graphs() -> (
    BTreeMap<String, BTreeSet<String>>,
    BTreeMap<String, BTreeSet<String>>,
) {
    let src = core_src();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(&src, f)).collect();
    let root = root_reexports(&std::fs::read_to_string(src.join("lib.rs")).expect("lib.rs"));
    let mut by_file: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut by_top: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let from = module_of(&src, file);
        if from.is_empty() {
            continue; // lib.rs only declares and re-exports
        }
        let text = std::fs::read_to_string(file).expect("read source");
        for path in crate_paths(&text) {
            let to = resolve(&path, &modules, &root);
            // A folder's mod.rs declaring its children is not a dependency on them.
            if to.is_empty() || to == from || to.starts_with(&format!("{from}::")) {
                continue;
            }
            by_file.entry(from.clone()).or_default().insert(to.clone());
            let top = |m: &str| m.split("::").next().unwrap_or(m).to_owned();
            if top(&from) != top(&to) {
                by_top.entry(top(&from)).or_default().insert(top(&to));
            }
        }
    }
    (by_file, by_top)
}

#[test]
fn core_modules_have_no_cycles_between_files_or_folders() {
    let (by_file, by_top) = graphs();
    assert!(
        by_file.len() >= 20,
        "the scan found too few modules to be trusted: {by_file:?}"
    );
    assert_eq!(find_cycle(&by_top), None, "cycle between top-level modules");
    assert_eq!(find_cycle(&by_file), None, "cycle between files");
}

#[test]
fn layers_point_down_garage_to_wear_to_store() {
    let (by_file, by_top) = graphs();
    assert!(by_top["garage"].contains("wear"), "{by_top:?}");
    assert!(by_top["wear"].contains("store"), "{by_top:?}");
    for lower in ["wear", "store", "time", "error", "ids", "validate", "units"] {
        assert!(
            !by_top
                .get(lower)
                .is_some_and(|deps| deps.contains("garage")),
            "{lower} must not use the garage: {by_top:?}"
        );
    }
    assert!(!by_top["store"].contains("wear"), "{by_top:?}");
    // Delivery sits on top of the garage and the wear engine; nothing below calls up into it.
    for lower in [
        "garage", "wear", "store", "time", "ids", "validate", "units", "settings",
    ] {
        assert!(
            !by_top
                .get(lower)
                .is_some_and(|deps| deps.contains("delivery")),
            "{lower} must not use delivery: {by_top:?}"
        );
    }
    // Within the garage, table-level modules never call up into the workshop's multi-step jobs
    // (layers above the garage, such as delivery, may use them).
    for (module, deps) in &by_file {
        if module.starts_with("garage::") && module != "garage::demo" {
            assert!(
                !deps.contains("garage::workshop"),
                "{module} uses the workshop"
            );
        }
    }
}

#[test]
fn the_scan_sees_grouped_and_inline_paths() {
    let mut paths = crate_paths(
        "use crate::garage::{bikes, rules::{self, NewRule}};\nlet e = crate::ErrorKind::Storage; // crate::nope\n$crate::error::Error",
    );
    paths.sort();
    assert_eq!(
        paths,
        [
            "ErrorKind::Storage",
            "error::Error",
            "garage::bikes",
            "garage::rules",
            "garage::rules::NewRule"
        ]
    );
    let mut g = BTreeMap::new();
    g.insert("a".to_owned(), BTreeSet::from(["b".to_owned()]));
    g.insert("b".to_owned(), BTreeSet::from(["a".to_owned()]));
    assert!(find_cycle(&g).is_some(), "a cycle is detected");
}
