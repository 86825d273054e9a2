//! The modules of each Rust crate in `src-tauri` form layers with no cycles, and no source file
//! grows past 600 lines.
//!
//! Cycles: the core's `garage` uses `wear`, `wear` uses `store`, never the other way round, and
//! within `garage` the table-level modules never call up into the `workshop`; the app
//! (`src-tauri/src`) and the CLI (`src-tauri/cli/src`) are held to the same rule of no cycles.
//! Checked by reading every `crate::…` path in a crate's sources, and every `super::…` and
//! `self::…` path outside its test modules, at two granularities: top-level modules (`store`,
//! `garage`, …) and files (`garage::rides`, `wear::usage`, …).
//!
//! Size: a file over 600 non-blank lines before its `#[cfg(test)]` module is doing more than one
//! job; split it along its seams.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A file may have at most this many non-blank lines before its test module.
const MAX_LINES: usize = 600;

fn src_tauri() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../src-tauri")
}

/// The source folders of the crates in `src-tauri`: the core, the app and the CLI.
fn core_src() -> PathBuf {
    src_tauri().join("core/src")
}

fn app_src() -> PathBuf {
    src_tauri().join("src")
}

fn cli_src() -> PathBuf {
    src_tauri().join("cli/src")
}

/// `src/garage/rides.rs` → `garage::rides`; `src/store/mod.rs` → `store`; `lib.rs` and `main.rs`
/// (crate roots) → ``.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("file under src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    let is_root = parts.len() == 1 && matches!(parts[0].as_str(), "lib" | "main");
    if is_root || parts.last().map(String::as_str) == Some("mod") {
        parts.pop();
    }
    parts.join("::")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src dir") {
        let path = entry.expect("dir entry").path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        // Build output and Tauri's generated files are not ours to split.
        if name
            .as_deref()
            .is_some_and(|n| n.starts_with('.') || n == "target" || n == "gen")
        {
            continue;
        }
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A file's text before its first `#[cfg(test)]` item: what it ships.
fn before_tests(text: &str) -> &str {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if line.starts_with("#[cfg(test)]") {
            break;
        }
        at += line.len();
    }
    &text[..at]
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
    paths_after(text, "crate::")
}

/// Every path a file names after `prefix` (`crate::`, `super::`, `self::`), without it.
fn paths_after(text: &str, prefix: &str) -> Vec<String> {
    let text = strip_comments(text);
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(i) = text[at..].find(prefix) {
        let before = text[..at + i].chars().last();
        at += i + prefix.len();
        let rest = &text[at..];
        // `$crate::` in macros means this crate too; `foo_crate::` and the second `super::` of
        // `super::super::` (read from the first) do not start a path.
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
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

/// The paths of one file as modules of its crate: `crate::` paths anywhere (tests included), and
/// `super::` and `self::` paths outside its test modules (where `super` is the file itself).
fn named_modules(
    module: &str,
    text: &str,
    modules: &BTreeSet<String>,
    root: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut out: Vec<String> = crate_paths(text)
        .iter()
        .map(|p| resolve(p, modules, root))
        .collect();
    // In `a/b.rs` (module `a::b`) `self` is `a::b` and `super` is `a`; in `a/mod.rs` (module `a`)
    // `self` is `a` and `super` the crate root.
    let segments: Vec<&str> = module.split("::").filter(|s| !s.is_empty()).collect();
    let shipped = before_tests(text);
    for (prefix, up) in [("self::", 0), ("super::", 1)] {
        for path in paths_after(shipped, prefix) {
            let mut path = path.as_str();
            let mut up = up;
            while let Some(rest) = path.strip_prefix("super::") {
                path = rest;
                up += 1;
            }
            let Some(base) = segments.len().checked_sub(up) else {
                continue;
            };
            let mut full = segments[..base].join("::");
            if !path.is_empty() {
                full = if full.is_empty() {
                    path.to_owned()
                } else {
                    format!("{full}::{path}")
                };
            }
            // Up to the crate root, a name may be one the root re-exports.
            let reexports = if base == 0 { root } else { &BTreeMap::new() };
            out.push(resolve(&full, modules, reexports));
        }
    }
    out
}

/// Modules caught in cycles: each strongly connected group of two or more (Tarjan's algorithm),
/// sorted, so a failure names every cycle at once.
fn tangles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Walk<'g> {
        graph: &'g BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'g>(w: &mut Walk<'g>, node: &'g str) {
        let i = w.index.len();
        w.index.insert(node, i);
        w.low.insert(node, i);
        w.stack.push(node);
        w.on_stack.insert(node);
        for next in w.graph.get(node).into_iter().flatten() {
            let next = next.as_str();
            if !w.index.contains_key(next) {
                visit(w, next);
                let low = w.low[node].min(w.low[next]);
                w.low.insert(node, low);
            } else if w.on_stack.contains(next) {
                let low = w.low[node].min(w.index[next]);
                w.low.insert(node, low);
            }
        }
        if w.low[node] == w.index[node] {
            let mut group = Vec::new();
            while let Some(n) = w.stack.pop() {
                w.on_stack.remove(n);
                group.push(n.to_owned());
                if n == node {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                w.found.push(group);
            }
        }
    }
    let mut w = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for node in graph.keys() {
        if !w.index.contains_key(node.as_str()) {
            visit(&mut w, node);
        }
    }
    w.found.sort();
    w.found
}

/// file module → the file modules it names, and the same folded to top-level modules, for the
/// crate whose sources are in `src`.
fn graphs(
    src: &Path,
) -> (
    BTreeMap<String, BTreeSet<String>>,
    BTreeMap<String, BTreeSet<String>>,
) {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(src, f)).collect();
    let root_file = ["lib.rs", "main.rs"]
        .iter()
        .map(|f| src.join(f))
        .find(|f| f.exists())
        .expect("a crate root");
    let root = root_reexports(&std::fs::read_to_string(root_file).expect("crate root"));
    let mut by_file: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut by_top: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let from = module_of(src, file);
        if from.is_empty() {
            continue; // the crate root only declares, re-exports and starts
        }
        let text = std::fs::read_to_string(file).expect("read source");
        for to in named_modules(&from, &text, &modules, &root) {
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

/// Asserts that the crate in `src` has no cycle between files or between top-level modules; the
/// scan must have seen at least `min_modules` modules with dependencies to be trusted.
fn assert_no_cycles(src: &Path, min_modules: usize) {
    let (by_file, by_top) = graphs(src);
    assert!(
        by_file.len() >= min_modules,
        "the scan of {} found too few modules to be trusted: {by_file:?}",
        src.display()
    );
    let top = tangles(&by_top);
    let files = tangles(&by_file);
    assert!(
        top.is_empty() && files.is_empty(),
        "{}: modules that use each other in a circle\n  between top-level modules: {top:?}\n  between files: {files:?}",
        src.display()
    );
}

/// Non-blank lines before the first `#[cfg(test)]` item.
fn shipped_lines(text: &str) -> usize {
    before_tests(text)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count()
}

/// Asserts that no `.rs` file under `dir` is over [`MAX_LINES`] before its tests.
fn assert_files_stay_small(dir: &Path) {
    let mut files = Vec::new();
    rust_files(dir, &mut files);
    assert!(!files.is_empty(), "no Rust files under {}", dir.display());
    let mut big: Vec<(usize, String)> = files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).expect("read source");
            let rel = f.strip_prefix(src_tauri()).unwrap_or(f);
            (shipped_lines(&text), rel.display().to_string())
        })
        .filter(|(n, _)| *n > MAX_LINES)
        .collect();
    big.sort();
    assert!(
        big.is_empty(),
        "files over {MAX_LINES} non-blank lines before their tests (split them along their seams): {big:?}"
    );
}

#[test]
fn core_modules_have_no_cycles_between_files_or_folders() {
    assert_no_cycles(&core_src(), 20);
}

#[test]
fn app_modules_have_no_cycles_between_files_or_folders() {
    assert_no_cycles(&app_src(), 5);
}

#[test]
fn cli_modules_have_no_cycles_between_files_or_folders() {
    assert_no_cycles(&cli_src(), 5);
}

#[test]
fn core_files_stay_under_600_lines_before_their_tests() {
    assert_files_stay_small(&core_src());
}

#[test]
fn app_files_stay_under_600_lines_before_their_tests() {
    // The app crate's own folder, without the core and the CLI (checked above and below).
    assert_files_stay_small(&app_src());
    let build = src_tauri().join("build.rs");
    let text = std::fs::read_to_string(&build).expect("build.rs");
    assert!(shipped_lines(&text) <= MAX_LINES, "build.rs is too long");
}

#[test]
fn cli_files_stay_under_600_lines_before_their_tests() {
    assert_files_stay_small(&cli_src());
}

#[test]
fn layers_point_down_garage_to_wear_to_store() {
    let (by_file, by_top) = graphs(&core_src());
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
    g.insert(
        "b".to_owned(),
        BTreeSet::from(["a".to_owned(), "c".to_owned()]),
    );
    g.insert("c".to_owned(), BTreeSet::from(["d".to_owned()]));
    g.insert("d".to_owned(), BTreeSet::from(["c".to_owned()]));
    g.insert("e".to_owned(), BTreeSet::from(["a".to_owned()]));
    assert_eq!(
        tangles(&g),
        [vec!["a", "b"], vec!["c", "d"]],
        "every cycle is named"
    );
}

#[test]
fn relative_paths_resolve_from_the_file_and_skip_its_tests() {
    let modules: BTreeSet<String> = [
        "sync",
        "sync::engine",
        "sync::apply",
        "sync::apply::merge",
        "sync::apply::inbox",
        "store",
    ]
    .iter()
    .map(|m| m.to_string())
    .collect();
    let root = BTreeMap::new();
    let text = "use super::inbox::{hold, TableInfo};\nuse super::super::batch;\nuse self::x::Y;\n\
                #[cfg(test)]\nmod tests {\n    use super::*;\n    use super::super::engine;\n}\n";
    let mut named = named_modules("sync::apply::merge", text, &modules, &root);
    named.sort();
    named.dedup();
    // `batch` is no known module here, so it folds to `sync`; the tests' paths are not read.
    assert_eq!(named, ["sync", "sync::apply::inbox", "sync::apply::merge"]);
    let in_mod_rs = named_modules("sync::apply", "use super::engine;\n", &modules, &root);
    assert_eq!(in_mod_rs, ["sync::engine"]);
    assert_eq!(shipped_lines("a\n\n b\n#[cfg(test)]\nmod tests {}\n"), 2);
}
