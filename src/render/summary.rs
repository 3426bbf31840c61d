//! The compact terminal summary: per framework, counts and score, then the worst items.
//! Names from the input (target, owners) and catalog text are written with their control
//! characters escaped.

use std::fmt::Write as _;

use crate::quote::escape_controls as esc;
use crate::results::{Report, Status};

/// How many non-passing items to list per framework.
const WORST_ITEMS: usize = 10;

/// Renders the summary as plain text.
pub fn render(report: &Report) -> String {
    let mut s = String::new();
    let t = &report.run.target;
    let _ = writeln!(
        s,
        "kubeattest {} — target {}{}{}",
        report.run.tool.version,
        esc(&t.name),
        t.kubernetes_version
            .as_deref()
            .map(|v| format!(" ({})", esc(v)))
            .unwrap_or_default(),
        t.platform
            .as_deref()
            .map(|p| format!(" [{}]", esc(p)))
            .unwrap_or_default(),
    );
    for fw in &report.frameworks {
        let sm = &fw.summary;
        let score = sm.score.map_or("n/a".to_string(), |v| format!("{v:.1}%"));
        let _ = writeln!(
            s,
            "\n{} — {} {}",
            esc(&fw.id),
            esc(&fw.title),
            esc(&fw.version)
        );
        let counts: Vec<String> = Status::ALL
            .iter()
            .map(|st| format!("{} {}", st.as_str(), sm.count(*st)))
            .collect();
        let _ = writeln!(s, "  score {score}   {}", counts.join("  "));
        let mut worst: Vec<_> = fw
            .items
            .iter()
            .filter(|i| matches!(i.status, Status::Fail | Status::Error | Status::Warn))
            .collect();
        // Stable: worst status first, then benchmark order.
        worst.sort_by_key(|i| std::cmp::Reverse(i.status.rank()));
        for item in worst.iter().take(WORST_ITEMS) {
            let mut title = item.title.clone();
            if title.chars().count() > 70 {
                title = title.chars().take(69).collect::<String>() + "…";
            }
            let _ = writeln!(
                s,
                "  {:<5} {:<8} {}",
                label(item.status),
                esc(&item.id),
                esc(&title)
            );
        }
        if worst.len() > WORST_ITEMS {
            let _ = writeln!(
                s,
                "  … and {} more (see the report)",
                worst.len() - WORST_ITEMS
            );
        }
    }
    let owners: Vec<String> = report
        .breakdown
        .owners
        .iter()
        .filter(|g| g.counts.fail > 0)
        .take(5)
        .map(|g| format!("{} {}", esc(&g.name), g.counts.fail))
        .collect();
    if !owners.is_empty() {
        let _ = writeln!(
            s,
            "
failing findings by owner: {}",
            owners.join(", ")
        );
    }
    let failed: Vec<_> = report.coverage.iter().filter(|c| c.is_failure()).collect();
    if !failed.is_empty() {
        let _ = writeln!(
            s,
            "\ncoverage: {} source(s) could not be read (see `coverage` in the report)",
            failed.len()
        );
    }
    s
}

fn label(s: Status) -> &'static str {
    match s {
        Status::Fail => "FAIL",
        Status::Error => "ERROR",
        Status::Warn => "WARN",
        Status::Pass => "PASS",
        Status::Manual => "MAN",
        Status::NotApplicable => "N/A",
        Status::Waived => "WAIVE",
    }
}
