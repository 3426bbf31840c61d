//! Property test (issue 14, item 8): valid manifests mutated at random never make the
//! pipeline panic, and the same input always gives the same findings. Bounded for CI:
//! `PROPTEST_CASES` (default 128) cases over a handful of fixtures.

use std::sync::OnceLock;

use kubeattest::catalog::{self, Catalog};
use kubeattest::collect::manifests;
use kubeattest::evaluate::{evaluate, RunInfo};
use kubeattest::inventory::Inventory;
use proptest::prelude::*;

/// Fixtures the mutations start from (read from the checkout at test time).
const SEEDS: &[&str] = &[
    "privileged-container/fail",
    "host-pid-namespace/fail",
    "tls-certificate-holds-private-key/fail",
    "credential-in-configmap/fail",
];

fn seeds() -> &'static Vec<String> {
    static SEEDS_TEXT: OnceLock<Vec<String>> = OnceLock::new();
    SEEDS_TEXT.get_or_init(|| {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/checks");
        let mut out = Vec::new();
        for seed in SEEDS {
            let Ok(dir) = std::fs::read_dir(root.join(seed)) else {
                continue;
            };
            let mut files: Vec<_> = dir.filter_map(|e| e.ok().map(|e| e.path())).collect();
            files.sort();
            if let Some(f) = files.first() {
                out.push(std::fs::read_to_string(f).expect("fixture"));
            }
        }
        assert!(!out.is_empty(), "seed fixtures exist");
        out
    })
}

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| catalog::load(None).expect("catalog"))
}

/// One edit to a text.
#[derive(Debug, Clone)]
enum Edit {
    Delete(usize, usize),
    Insert(usize, String),
    DuplicateLine(usize),
    Indent(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let token = prop_oneof![
        Just("&a ".to_string()),
        Just("*a".to_string()),
        Just("[".to_string()),
        Just("{".to_string()),
        Just(": ".to_string()),
        Just("- ".to_string()),
        Just("\n---\n".to_string()),
        Just("kind: List\nitems:\n- ".to_string()),
        Just("\"".to_string()),
        Just("\u{0}".to_string()),
        Just("\u{1b}[2J".to_string()),
        Just("9999999999999999999999".to_string()),
        "[ -~]{0,12}",
    ];
    prop_oneof![
        (any::<usize>(), 0usize..40).prop_map(|(a, n)| Edit::Delete(a, n)),
        (any::<usize>(), token).prop_map(|(a, t)| Edit::Insert(a, t)),
        any::<usize>().prop_map(Edit::DuplicateLine),
        (any::<usize>(), 0usize..6).prop_map(|(a, n)| Edit::Indent(a, n)),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut t: Vec<char> = text.chars().collect();
    for e in edits {
        let at = |a: usize, len: usize| if len == 0 { 0 } else { a % (len + 1) };
        match e {
            Edit::Delete(a, n) => {
                let start = at(*a, t.len());
                let end = (start + n).min(t.len());
                t.drain(start..end);
            }
            Edit::Insert(a, s) => {
                let i = at(*a, t.len());
                t.splice(i..i, s.chars());
            }
            Edit::DuplicateLine(a) => {
                let s: String = t.iter().collect();
                let lines: Vec<&str> = s.lines().collect();
                if !lines.is_empty() {
                    let i = a % lines.len();
                    let mut out = lines.clone();
                    out.insert(i, lines[i]);
                    t = (out.join("\n") + "\n").chars().collect();
                }
            }
            Edit::Indent(a, n) => {
                let s: String = t.iter().collect();
                let mut lines: Vec<String> = s.lines().map(str::to_string).collect();
                if !lines.is_empty() {
                    let i = a % lines.len();
                    lines[i] = format!("{}{}", " ".repeat(*n), lines[i].trim_start());
                    t = (lines.join("\n") + "\n").chars().collect();
                }
            }
        }
    }
    t.into_iter().collect()
}

fn findings(text: &str) -> String {
    let mut inv = Inventory::default();
    manifests::add_text(&mut inv, "mutated.yaml", text);
    inv.finish();
    let c = catalog();
    let frameworks: Vec<_> = c.frameworks.iter().collect();
    let report = evaluate(c, &inv, &frameworks, RunInfo::default());
    let mut out = serde_json::to_string(&report.findings).expect("json");
    out.push_str(&serde_json::to_string(&report.coverage).expect("json"));
    out
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(128),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn mutated_manifests_never_panic_and_are_deterministic(
        seed in 0usize..16,
        edits in proptest::collection::vec(edit(), 1..6),
    ) {
        let seeds = seeds();
        let text = apply(&seeds[seed % seeds.len()], &edits);
        let a = findings(&text);
        let b = findings(&text);
        prop_assert_eq!(a, b);
    }
}
