//! `-o table` and `-o wide`: every item of every framework, kube-bench style, for a terminal
//! or a CI log.
//!
//! ```text
//! == cis-1.12 CIS Kubernetes Benchmark v1.12 ==
//! [INFO] 5.2 Pod Security Standards
//! [FAIL] 5.2.2 Minimize the admission of privileged containers
//! ```
//!
//! Items are grouped under their section, in benchmark order, titles never cut; each
//! framework ends with its totals and score. `wide` adds, under each item, the checks that
//! decide it with their findings per status (`NOT RUN` for one `--check`/`--skip` left out)
//! and, for an item that is manual, not applicable or in error, why. Colour only when asked for (a terminal without
//! `NO_COLOR`): the caller decides. Text from the input (messages quote subject names) and
//! from catalogs is written with its control characters escaped.

use std::io::Write;

use crate::quote::escape_controls as esc;
use crate::render::RenderError;
use crate::results::{Report, Status};

/// How the table is printed.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    /// Add the checks and their counts under each item.
    pub wide: bool,
    /// ANSI colours on the status labels.
    pub colour: bool,
    /// A report.json is written beside (the listing can send people to it).
    pub report_json: bool,
}

/// The bracketed label of a status.
pub fn label(s: Status) -> &'static str {
    match s {
        Status::Pass => "PASS",
        Status::Fail => "FAIL",
        Status::Warn => "WARN",
        Status::Manual => "MANUAL",
        Status::NotApplicable => "N/A",
        Status::Error => "ERROR",
        Status::Waived => "WAIVED",
    }
}

fn paint(s: Status) -> &'static str {
    match s {
        Status::Pass => "\x1b[32m",
        Status::Fail | Status::Error => "\x1b[31m",
        Status::Warn | Status::Manual => "\x1b[33m",
        Status::Waived => "\x1b[36m",
        Status::NotApplicable => "\x1b[2m",
    }
}

fn tag(s: Status, style: Style) -> String {
    if style.colour {
        format!("{}[{}]\x1b[0m", paint(s), label(s))
    } else {
        format!("[{}]", label(s))
    }
}

/// Writes the listing.
pub fn write(report: &Report, style: Style, w: &mut dyn Write) -> Result<(), RenderError> {
    for (n, fw) in report.frameworks.iter().enumerate() {
        if n > 0 {
            writeln!(w)?;
        }
        writeln!(
            w,
            "== {} {} {} ==",
            esc(&fw.id),
            esc(&fw.title),
            esc(&fw.version)
        )?;
        let mut shown_section: Option<&str> = None;
        for item in &fw.items {
            if shown_section != Some(item.section.as_str()) {
                // The section and, the first time, its parents.
                let mut chain = Vec::new();
                let mut cur = fw.sections.iter().find(|s| s.id == item.section);
                while let Some(s) = cur {
                    chain.push(s);
                    cur = s
                        .parent
                        .as_deref()
                        .and_then(|p| fw.sections.iter().find(|x| x.id == p));
                }
                for s in chain.iter().rev() {
                    let already = shown_section.is_some_and(|prev| {
                        prev == s.id || prev.starts_with(&format!("{}.", s.id))
                    });
                    if !already {
                        writeln!(w, "[INFO] {} {}", esc(&s.id), esc(&s.title))?;
                    }
                }
                shown_section = Some(item.section.as_str());
            }
            writeln!(
                w,
                "{} {} {}",
                tag(item.status, style),
                esc(&item.id),
                esc(&item.title)
            )?;
            if style.wide {
                for c in &item.checks {
                    let Some(check) = report.check(c) else {
                        // Left out by --check/--skip: listed, so the gap shows.
                        writeln!(w, "       NOT RUN {}", esc(c))?;
                        continue;
                    };
                    let counts: Vec<String> = Status::ALL
                        .iter()
                        .filter(|s| check.counts.get(**s) > 0)
                        .map(|s| {
                            format!("{} {}", check.counts.get(*s), s.as_str().replace('_', " "))
                        })
                        .collect();
                    let counts = if counts.is_empty() {
                        esc(&check.message).into_owned()
                    } else {
                        counts.join(", ")
                    };
                    writeln!(
                        w,
                        "       {} {} ({}): {counts}",
                        label(check.status),
                        esc(&check.id),
                        check.severity.as_str()
                    )?;
                }
                // The counts above say it for checked items, unless no check could judge or
                // the item is left to a person (partly assessed, or labelled manual).
                let why = item.checks.is_empty()
                    || matches!(
                        item.status,
                        Status::Error | Status::NotApplicable | Status::Manual
                    );
                if why && !item.message.is_empty() {
                    writeln!(w, "       {}", esc(&item.message))?;
                }
            }
        }
        let sm = &fw.summary;
        writeln!(w, "\n== Summary {} ==", esc(&fw.id))?;
        for s in Status::ALL {
            writeln!(w, "{} items {}", sm.count(s), label(s))?;
        }
        let score = sm.score.map_or("n/a".to_string(), |v| format!("{v:.1}%"));
        writeln!(w, "score {score} ({})", sm.score_formula)?;
    }
    let failed = report.coverage.iter().filter(|c| c.is_failure()).count();
    if failed > 0 {
        // Without report.json they are only on standard error: say how to keep them.
        let look = if style.report_json {
            "see `coverage` in report.json"
        } else {
            "named on standard error; rerun with `-o json`, or with `--out DIR` and json among the `--format`s, to have them under `coverage`"
        };
        writeln!(
            w,
            "\ncoverage: {failed} source(s) could not be read ({look})"
        )?;
    }
    Ok(())
}
