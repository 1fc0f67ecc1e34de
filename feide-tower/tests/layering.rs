//! The module graph reads bottom-up: a module may use only the modules listed below it here, and
//! the list itself has no cycle. Adding an upward `use crate::…` fails this test, naming the file
//! and the edge; change the design (move the shared piece down), not the table, unless the new
//! edge really points down.
//!
//! Only code counts: comments and doc comments (intra-doc links to higher modules are fine) are
//! skipped. Paths are read from `crate::<module>` and `$crate::<module>`; a grouped
//! `use crate::{a, b}` is refused so that every edge is visible to this check.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Each top-level module of `src/` and the modules it may use, lowest first. `lib.rs` (the map)
/// may use everything.
const LAYERS: &[(&str, &[&str])] = &[
    // Plain data and helpers with no knowledge of OpenID Connect.
    ("body", &[]),
    ("take_ready", &[]),
    // The tower plumbing of every guarding layer: decide, then call.
    ("gate", &["body", "take_ready"]),
    ("answer", &["body", "gate"]),
    ("secret", &[]),
    ("env", &[]),
    ("feide", &[]),
    ("find_byte", &[]),
    // Metric names and recording (feature "metrics"): called from every layer above.
    ("telemetry", &[]),
    ("hot_cache", &["telemetry"]),
    // Refusals as plain data, shared by every layer that refuses.
    ("denial", &["answer", "body", "gate"]),
    // HTTP to a provider: bounded reads, the https rule, ProviderError.
    ("fetch", &["telemetry"]),
    // Tokens (validator and key cache) and sealed session cookies.
    ("token", &["fetch", "feide", "find_byte", "telemetry"]),
    // Server-side session stores: the contract, memory and Redis.
    ("store", &["telemetry"]),
    ("session", &["secret", "find_byte", "hot_cache", "store"]),
    // One OpenID provider: discovery, token endpoint, client credentials.
    (
        "provider",
        &["token", "fetch", "secret", "env", "feide", "telemetry"],
    ),
    ("apis", &["provider", "fetch", "secret", "telemetry"]),
    // The four features.
    (
        "bearer",
        &[
            "telemetry",
            "provider",
            "token",
            "denial",
            "answer",
            "body",
            "env",
            "hot_cache",
            "take_ready",
            "gate",
        ],
    ),
    (
        "introspection",
        &[
            "telemetry",
            "bearer",
            "provider",
            "token",
            "fetch",
            "denial",
            "body",
            "take_ready",
            "gate",
        ],
    ),
    (
        "login",
        &[
            "telemetry",
            "apis",
            "provider",
            "session",
            "store",
            "token",
            "denial",
            "answer",
            "body",
            "env",
            "secret",
            "fetch",
            "hot_cache",
            "take_ready",
            "gate",
        ],
    ),
    (
        "exchange",
        &[
            "telemetry",
            "apis",
            "provider",
            "session",
            "token",
            "fetch",
            "secret",
            "env",
            "body",
            "take_ready",
            "gate",
        ],
    ),
    // Bearer or session on one route.
    (
        "access",
        &[
            "bearer",
            "introspection",
            "login",
            "session",
            "token",
            "denial",
            "answer",
            "body",
            "take_ready",
            "gate",
        ],
    ),
    // Who may enter: rules on Feide's facts about a session's user or a data source's caller.
    (
        "authorization",
        &[
            "apis",
            "bearer",
            "exchange",
            "login",
            "provider",
            "session",
            "store",
            "token",
            "telemetry",
            "denial",
            "answer",
            "body",
            "gate",
        ],
    ),
    // Liveness and readiness: the providers' keys and the session stores.
    (
        "health",
        &[
            "login", "provider", "store", "token", "answer", "body", "gate",
        ],
    ),
    // Framework sugar.
    (
        "axum",
        &[
            "access",
            "authorization",
            "apis",
            "bearer",
            "exchange",
            "introspection",
            "login",
            "session",
            "token",
        ],
    ),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to (`src/login/start.rs` → `login`), `None` for lib.rs.
fn module_of(file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src()).expect("under src/");
    let first = relative
        .components()
        .next()?
        .as_os_str()
        .to_str()?
        .to_owned();
    match first.strip_suffix(".rs") {
        Some("lib") => None,
        Some(name) => Some(name.to_owned()),
        None => Some(first),
    }
}

/// The code of `text` without comments: line comments (doc comments included) and block comments
/// (nested too). A `//` or `/*` inside a string literal (a URL) starts no comment, so the code after
/// it on that line is still read.
fn code_only(text: &str) -> String {
    let mut kept = Vec::with_capacity(text.len());
    let mut in_block = 0usize;
    for line in text.lines() {
        let bytes = line.as_bytes();
        let mut in_string = false;
        let mut i = 0;
        while i < bytes.len() {
            let next = bytes.get(i + 1).copied();
            if in_block > 0 {
                match (bytes[i], next) {
                    (b'*', Some(b'/')) => {
                        in_block -= 1;
                        i += 2;
                    }
                    (b'/', Some(b'*')) => {
                        in_block += 1;
                        i += 2;
                    }
                    _ => i += 1,
                }
                continue;
            }
            match (bytes[i], next) {
                // An escaped character in a string, or the character literal '"'.
                (b'\\', Some(_)) if in_string => {
                    kept.extend_from_slice(&bytes[i..i + 2]);
                    i += 2;
                    continue;
                }
                (b'\'', Some(b'"')) if bytes.get(i + 2) == Some(&b'\'') => {
                    kept.extend_from_slice(&bytes[i..i + 3]);
                    i += 3;
                    continue;
                }
                (b'"', _) => in_string = !in_string,
                (b'/', Some(b'/')) if !in_string => break,
                (b'/', Some(b'*')) if !in_string => {
                    in_block += 1;
                    i += 2;
                    continue;
                }
                _ => {}
            }
            kept.push(bytes[i]);
            i += 1;
        }
        kept.push(b'\n');
    }
    // Only whole ASCII-delimited runs were dropped, so the rest is still UTF-8.
    String::from_utf8(kept).expect("comments end on ASCII delimiters")
}

/// The top-level modules `code` names through `crate::`, and whether it used a grouped import.
fn uses(code: &str) -> (BTreeSet<String>, bool) {
    let mut found = BTreeSet::new();
    let mut grouped = false;
    for (at, _) in code.match_indices("crate::") {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // e.g. `some_crate::`
        }
        let after = &code[at + "crate::".len()..];
        if after.starts_with('{') {
            grouped = true;
            continue;
        }
        let name: String = after
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        // `crate::Provider`, `crate::Answer`: re-exports at the root name their home module below.
        if name.chars().next().is_some_and(char::is_lowercase) {
            found.insert(name);
        }
    }
    (found, grouped)
}

#[test]
fn comments_are_skipped_but_not_urls_in_strings() {
    let code = code_only(concat!(
        "let issuer = \"https://op.example\"; crate::upward::call();\n",
        "/// [`X`](crate::doc_link::X)\n",
        "let a = 1; // crate::line_comment\n",
        "/* crate::block /* nested */ crate::still_block */ crate::after_block::f();\n",
        "let quote = '\"'; crate::after_char::g(); // crate::comment_again\n",
    ));
    let (used, grouped) = uses(&code);
    let used: Vec<&str> = used.iter().map(String::as_str).collect();
    assert_eq!(used, ["after_block", "after_char", "upward"]);
    assert!(!grouped);
}

#[test]
fn the_layer_table_has_no_cycle() {
    let table: BTreeMap<&str, &[&str]> = LAYERS.iter().copied().collect();
    // Listed lowest first: every module may only use modules listed before it.
    let mut seen = BTreeSet::new();
    for (module, below) in LAYERS {
        for dependency in *below {
            assert!(
                seen.contains(dependency),
                "{module} may use {dependency}, which is not listed below it"
            );
        }
        seen.insert(*module);
    }
    assert_eq!(table.len(), LAYERS.len(), "a module is listed twice");
}

#[test]
fn no_module_uses_a_module_above_it() {
    let table: BTreeMap<&str, &[&str]> = LAYERS.iter().copied().collect();
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    files.sort();
    let mut problems = Vec::new();
    let mut modules = BTreeSet::new();
    for file in &files {
        let Some(module) = module_of(file) else {
            continue;
        };
        modules.insert(module.clone());
        let text = fs::read_to_string(file).expect("source is readable");
        let (used, grouped) = uses(&code_only(&text));
        let shown = file.strip_prefix(src()).expect("under src/").display();
        if grouped {
            problems.push(format!(
                "{shown}: grouped `crate::{{..}}` import; name each module"
            ));
        }
        let Some(allowed) = table.get(module.as_str()) else {
            problems.push(format!(
                "{shown}: module `{module}` is not in the layer table"
            ));
            continue;
        };
        for used in used.iter().filter(|u| **u != module) {
            if !allowed.contains(&used.as_str()) {
                problems.push(format!(
                    "{shown}: `{module}` uses `{used}`, which is not below it"
                ));
            }
        }
    }
    for (module, _) in LAYERS {
        if !modules.contains(*module) {
            problems.push(format!(
                "the layer table lists `{module}`, which is not in src/"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "layering broken:\n{}",
        problems.join("\n")
    );
}
