//! `kubeattest explain ID`: what a check looks at, why, how to fix it, where it is used.

use std::fmt::Write as _;
use std::io::Write as _;

use anyhow::bail;

use crate::catalog::Catalog;
use crate::cli::EXIT_OK;
use crate::commands::select;
use crate::quote::escape_controls;

/// Explains a check, named by its id, a framework item id (`5.2.2`, `cis-1.12/5.2.2`:
/// the checks deciding it) or another tool's id (`C-0057`).
pub fn explain(catalog: &Catalog, id: &str, json: bool) -> anyhow::Result<u8> {
    if catalog.check(id).is_none() {
        let frameworks: Vec<&crate::catalog::Framework> = catalog.frameworks.iter().collect();
        let named = select::resolve(catalog, &frameworks, id);
        if !named.is_empty() {
            let mut checks: Vec<&str> = Vec::new();
            for n in &named {
                match n {
                    select::Named::Check(c) => checks.push(&c.id),
                    select::Named::Item(fw, item) => {
                        if !json {
                            let mut out = String::new();
                            writeln!(out, "{} {} — {}", fw.id, item.id, item.title)?;
                            if item.checks.is_empty() {
                                writeln!(out, "  manual: no check decides it")?;
                                if let Some(a) = &item.audit {
                                    writeln!(out, "\nHow to assess it\n{}", indent(a.trim()))?;
                                }
                            } else if !item.automated {
                                writeln!(
                                    out,
                                    "  decided by: {} (manual in the benchmark: a failing check fails it; otherwise a person judges it, with the checks as evidence)",
                                    item.checks.join(", ")
                                )?;
                                if let Some(a) = &item.audit {
                                    writeln!(out, "\nHow to assess it\n{}", indent(a.trim()))?;
                                }
                            } else {
                                writeln!(out, "  decided by: {}", item.checks.join(", "))?;
                            }
                            writeln!(out)?;
                            print_text(&out)?;
                        }
                        checks.extend(item.checks.iter().map(String::as_str));
                    }
                }
            }
            checks.dedup();
            for c in checks {
                explain_check(catalog, c, json)?;
                if !json {
                    writeln!(std::io::stdout().lock())?;
                }
            }
            return Ok(EXIT_OK);
        }
    }
    explain_check(catalog, id, json)
}

fn explain_check(catalog: &Catalog, id: &str, json: bool) -> anyhow::Result<u8> {
    let Some(check) = catalog.check(id) else {
        let close: Vec<&str> = catalog
            .checks
            .iter()
            .map(|c| c.id.as_str())
            .filter(|c| c.contains(id) || id.contains(*c))
            .take(5)
            .collect();
        let hint = if close.is_empty() {
            "run `kubeattest controls list` to see every check".to_string()
        } else {
            format!("did you mean: {}?", close.join(", "))
        };
        bail!("unknown check, item or peer id `{id}`; {hint}");
    };
    let used_by = catalog.items_using(id);
    if json {
        let v = serde_json::json!({
            "id": check.id,
            "title": check.title,
            "severity": check.severity,
            "description": check.description,
            "rationale": check.rationale,
            "remediation": check.remediation,
            "limits": check.limits,
            "references": check.references,
            "peers": check.peers,
            "assertion": {"kind": check.assertion.kind(), "how": check.assertion.describe()},
            "used_by": used_by.iter().map(|(f, i)| serde_json::json!({"framework": f, "item": i})).collect::<Vec<_>>(),
            "defined_at": format!("{}:{}", check.file, check.line),
        });
        writeln!(
            std::io::stdout().lock(),
            "{}",
            serde_json::to_string_pretty(&v)?
        )?;
        return Ok(EXIT_OK);
    }
    let mut out = String::new();
    writeln!(out, "{} — {}", check.id, check.title)?;
    writeln!(out, "severity: {}", check.severity.as_str())?;
    writeln!(out, "\nWhat it checks\n  {}", check.description.trim())?;
    writeln!(out, "\nWhy it matters\n  {}", check.rationale.trim())?;
    writeln!(out, "\nHow to fix\n{}", indent(check.remediation.trim()))?;
    writeln!(
        out,
        "\nHow it is checked ({})\n  {}",
        check.assertion.kind(),
        check.assertion.describe()
    )?;
    if let Some(l) = &check.limits {
        writeln!(out, "\nLimits\n  {}", l.trim())?;
    }
    if !used_by.is_empty() {
        writeln!(out, "\nUsed by")?;
        for (f, i) in &used_by {
            writeln!(out, "  {f} {i}")?;
        }
    }
    if !check.peers.is_empty() {
        let peers: Vec<String> = check
            .peers
            .iter()
            .map(|(k, v)| format!("{k}: {}", v.join(", ")))
            .collect();
        writeln!(out, "\nEquivalent in other tools\n  {}", peers.join("\n  "))?;
    }
    if !check.references.is_empty() {
        writeln!(out, "\nReferences")?;
        for r in &check.references {
            writeln!(out, "  {r}")?;
        }
    }
    writeln!(out, "\nDefined at controls/{}:{}", check.file, check.line)?;
    print_text(&out)?;
    Ok(EXIT_OK)
}

/// Writes `text` to stdout line by line with control characters escaped: a catalog
/// overlay's text cannot move the cursor or rewrite the terminal.
fn print_text(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    for line in text.lines() {
        writeln!(out, "{}", escape_controls(line))?;
    }
    Ok(())
}

fn indent(s: &str) -> String {
    s.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
