//! Attestations: a person's answer to a manual framework item, with a statement, evidence
//! and an expiry. A valid attestation gives a manual item its status (pass, fail or
//! not_applicable), always marked as attested (`items[].attestation`, its own count
//! `summary.attested`); an expired or invalid one is listed and leaves the item manual.
//! An item decided by automated checks is never overridden. By `check:`, an attestation
//! decides only the items that wait on that check alone; an item the benchmark leaves to a
//! person, or one also waiting on another check, needs `item:`.
//!
//! ```yaml
//! attestations:
//!   - framework: cis-1.12          # optional: the item id is looked up in this framework
//!     item: "1.1.9"                # or `check: <check id>`: the manual items waiting on it alone
//!     result: pass                 # pass | fail | not_applicable (`todo`: not filled in yet)
//!     statement: CNI files are 600 on every node (checked with stat on all 6 nodes).
//!     evidence: { file: evidence/cni-perms.txt, sha256: 3b1f… }   # or { url: https://… }
//!     assessor: jane.doe@example.com
//!     date: 2026-11-30
//!     expires: 2027-05-30
//! ```

use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::catalog::reader::Reader;
use crate::catalog::{Framework, LoadError, LoadErrors};
use crate::results::{Report, Status, Summary};
use crate::yaml;

/// One attestation as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attestation {
    /// Framework id, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework: Option<String>,
    /// Item id, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// Check id, when given (instead of an item).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
    /// `pass`, `fail` or `not_applicable`.
    pub result: Status,
    /// What the assessor found.
    pub statement: String,
    /// Evidence URL, or file name with its SHA-256.
    pub evidence: String,
    /// Who assessed it.
    pub assessor: String,
    /// When it was assessed.
    pub date: NaiveDate,
    /// Last day it is valid.
    pub expires: NaiveDate,
    /// `file:line`.
    pub source: String,
    /// Why it cannot be used (evidence file missing or changed), found when loading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// The evidence file on disk, when the evidence is a file: an input the report must
    /// never overwrite.
    #[serde(skip)]
    pub evidence_file: Option<std::path::PathBuf>,
}

/// How an attestation was used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttestationResult {
    /// The attestation.
    #[serde(flatten)]
    pub attestation: Attestation,
    /// `applied`, `expired`, `invalid` or `unused`.
    pub status: String,
    /// Why, when not applied.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// Items it answered (`framework item`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<String>,
}

/// The attestation an item carries when a person decided it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attested {
    /// Who.
    pub assessor: String,
    /// When.
    pub date: NaiveDate,
    /// Last valid day.
    pub expires: NaiveDate,
    /// What they found.
    pub statement: String,
    /// Evidence reference.
    pub evidence: String,
    /// `file:line` of the attestation.
    pub source: String,
}

impl Attested {
    /// "attested by X on D".
    pub fn label(&self) -> String {
        format!("attested by {} on {}", self.assessor, self.date)
    }
}

fn err(file: &str, line: u32, message: String) -> LoadErrors {
    LoadErrors(vec![LoadError {
        file: file.to_string(),
        line,
        message,
    }])
}

/// Reads an attestations file; every problem is reported with file and line. Entries with
/// `result: todo` (from `attest template`) are skipped. Evidence files are read relative
/// to the attestations file and their SHA-256 compared.
pub fn load(path: &Path) -> Result<Vec<Attestation>, AttestationErrors> {
    load_file(path).map_err(|e| AttestationErrors(e.0))
}

/// Every problem found in an attestations file.
#[derive(Debug, Clone, thiserror::Error)]
pub struct AttestationErrors(pub Vec<LoadError>);

impl std::fmt::Display for AttestationErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        crate::catalog::write_file_problems(f, "attestations", &self.0)
    }
}

fn load_file(path: &Path) -> Result<Vec<Attestation>, LoadErrors> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| err(&shown, 0, format!("cannot read attestations file: {e}")))?;
    let doc = yaml::parse_document(&text)
        .map_err(|e| err(&shown, e.line, format!("invalid YAML: {}", e.message)))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut errors = Vec::new();
    let mut out = Vec::new();
    let mut r = Reader {
        file: shown.clone(),
        errors: &mut errors,
    };
    r.known_keys(&doc, "an attestations file", &["attestations"]);
    for node in r.seq(&doc, "attestations", "an attestations file") {
        let what = "an attestation";
        r.known_keys(
            node,
            what,
            &[
                "framework",
                "item",
                "check",
                "title",
                "result",
                "statement",
                "evidence",
                "assessor",
                "date",
                "expires",
            ],
        );
        let framework = r.opt_string(node, "framework", what);
        let item = r.opt_string(node, "item", what);
        let check = r.opt_string(node, "check", what);
        if item.is_none() == check.is_none() {
            r.error(
                node.line,
                "an attestation names exactly one of `item` or `check`",
            );
        }
        let Some(result_text) = r.string(node, "result", what) else {
            continue;
        };
        let result = match result_text.as_str() {
            "todo" => continue,
            "pass" => Status::Pass,
            "fail" => Status::Fail,
            "not_applicable" => Status::NotApplicable,
            other => {
                let line = node.get("result").map_or(node.line, |n| n.line);
                r.error(
                    line,
                    format!("`result` must be pass, fail or not_applicable, found `{other}`"),
                );
                continue;
            }
        };
        let statement = r.string(node, "statement", what);
        let assessor = r.string(node, "assessor", what);
        let date = date_field(&mut r, node, "date", what);
        let expires = date_field(&mut r, node, "expires", what);
        let mut problem = None;
        let mut evidence_file = None;
        let evidence = match node.get("evidence") {
            None => {
                r.error(
                    node.line,
                    "an attestation has no `evidence` (a url, or a file with its sha256)",
                );
                None
            }
            Some(ev) => {
                r.known_keys(ev, "evidence", &["url", "file", "sha256"]);
                let url = r.opt_string(ev, "url", "evidence");
                let file = r.opt_string(ev, "file", "evidence");
                let sha = r.opt_string(ev, "sha256", "evidence");
                match (url, file, sha) {
                    (Some(u), None, None) => {
                        if let Some(why) = unusable_url(&u) {
                            r.error(
                                ev.get("url").map_or(ev.line, |n| n.line),
                                format!(
                                    "evidence url `{}` {why}",
                                    crate::quote::bounded(
                                        &crate::secrets::without_url_credentials(&u),
                                        120
                                    )
                                ),
                            );
                        }
                        Some(u)
                    }
                    (None, Some(f), Some(s)) => {
                        evidence_file = Some(base.join(&f));
                        match std::fs::read(base.join(&f)) {
                            Err(e) => {
                                problem = Some(format!("evidence file {f} cannot be read: {e}"))
                            }
                            Ok(bytes) => {
                                let actual = crate::bundle::sha256_hex(&bytes);
                                if !actual.eq_ignore_ascii_case(s.trim()) {
                                    problem = Some(format!(
                                        "evidence file {f} has SHA-256 {actual}, the attestation says {s}: it changed after the assessment"
                                    ));
                                }
                            }
                        }
                        Some(format!("{f} (sha256 {s})"))
                    }
                    _ => {
                        r.error(
                            ev.line,
                            "`evidence` is either { url: … } or { file: …, sha256: … }",
                        );
                        None
                    }
                }
            }
        };
        if let (Some(statement), Some(assessor), Some(date), Some(expires), Some(evidence)) =
            (statement, assessor, date, expires, evidence)
        {
            if item.is_some() != check.is_some() {
                out.push(Attestation {
                    framework,
                    item,
                    check,
                    result,
                    statement,
                    evidence,
                    assessor,
                    date,
                    expires,
                    source: format!("{shown}:{}", node.line),
                    problem,
                    evidence_file,
                });
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(LoadErrors(errors))
    }
}

fn date_field(r: &mut Reader, node: &yaml::Node, key: &str, what: &str) -> Option<NaiveDate> {
    r.string(node, key, what).and_then(|s| {
        let d = NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok();
        if d.is_none() {
            let line = node.get(key).map_or(node.line, |n| n.line);
            r.error(
                line,
                format!("`{key}` must be a date YYYY-MM-DD, found `{s}`"),
            );
        }
        d
    })
}

/// Gives manual items of `report` the status of valid attestations and recomputes each
/// framework's summary; records how every attestation was used in `report.attestations`.
pub fn apply(report: &mut Report, attestations: &[Attestation], today: NaiveDate) {
    let mut results = Vec::new();
    let verdicts: std::collections::HashMap<&str, crate::results::Part> = report
        .checks
        .iter()
        .map(|c| {
            (
                c.id.as_str(),
                crate::results::Part {
                    status: c.status,
                    message: c.message.as_str(),
                    unassessed: c.unassessed.as_deref(),
                },
            )
        })
        .collect();
    for a in attestations {
        let mut res = AttestationResult {
            attestation: a.clone(),
            status: "unused".into(),
            reason: String::new(),
            items: Vec::new(),
        };
        if let Some(p) = &a.problem {
            res.status = "invalid".into();
            res.reason = p.clone();
        } else if a.expires < today {
            res.status = "expired".into();
            res.reason = format!("expired on {}; the item stays manual", a.expires);
        } else if a.date > today {
            res.status = "invalid".into();
            res.reason = format!("dated {} in the future", a.date);
        }
        let named = |fw: &str| {
            a.framework
                .as_deref()
                .is_none_or(|f| crate::catalog::framework_matches(fw, f))
        };
        // Frameworks share item numbers (CIS 4.1.3 and NSA/CISA 4.1.3 are different
        // requirements): an item named in several frameworks needs its framework.
        if let (Some(id), "unused") = (&a.item, res.status.as_str()) {
            let holding: Vec<&str> = report
                .frameworks
                .iter()
                .filter(|fw| named(&fw.id) && fw.items.iter().any(|i| &i.id == id))
                .map(|fw| fw.id.as_str())
                .collect();
            if holding.len() > 1 {
                res.status = "invalid".into();
                res.reason = format!(
                    "item {id} is in {}: add `framework:` to say which one was assessed",
                    holding.join(" and ")
                );
            }
        }
        let mut matched = 0;
        let mut automated = Vec::new();
        let mut already = Vec::new();
        let mut conflicts: Vec<(String, String, String)> = Vec::new();
        let mut other_reasons = Vec::new();
        for fw in report.frameworks.iter_mut() {
            if !named(&fw.id) {
                continue;
            }
            for item in fw.items.iter_mut() {
                let hit = match (&a.item, &a.check) {
                    (Some(id), _) => &item.id == id,
                    (None, Some(c)) => item.checks.iter().any(|x| x == c),
                    _ => false,
                };
                if !hit {
                    continue;
                }
                matched += 1;
                if let Some(earlier) = &item.attestation {
                    // Two people disagreeing is no answer: the item goes back to a person.
                    // The item carries the earlier attestation's result.
                    if item.status != a.result && res.status == "unused" {
                        conflicts.push((fw.id.clone(), item.id.clone(), earlier.source.clone()));
                        item.status = Status::Manual;
                        item.message = format!(
                            "attestations disagree ({} and {}): the item stays manual until one answer remains",
                            earlier.source, a.source
                        );
                        item.attestation = None;
                    } else {
                        already.push(format!("{} {} (by {})", fw.id, item.id, earlier.source));
                    }
                    continue;
                }
                if item.status != Status::Manual {
                    automated.push(format!("{} {} ({})", fw.id, item.id, item.status.as_str()));
                    continue;
                }
                // By check, an attestation answers for that check only: it decides an item
                // left to a person for that reason alone, not one the benchmark leaves to a
                // person or that waits on another check too (those need `item:`).
                if let Some(c) = &a.check {
                    let waiting =
                        crate::results::awaiting(&item.checks, |id| verdicts.get(id).copied());
                    if !item.automated || waiting != [c.as_str()] {
                        other_reasons.push(format!(
                            "{} {} ({})",
                            fw.id,
                            item.id,
                            if item.automated {
                                format!("waits on {}", waiting.join(", "))
                            } else {
                                "the benchmark leaves it to a person".to_string()
                            }
                        ));
                        continue;
                    }
                }
                if res.status != "unused" && res.status != "applied" {
                    continue;
                }
                let attested = Attested {
                    assessor: a.assessor.clone(),
                    date: a.date,
                    expires: a.expires,
                    statement: a.statement.clone(),
                    evidence: a.evidence.clone(),
                    source: a.source.clone(),
                };
                item.status = a.result;
                item.message = format!("{}: {}", attested.label(), a.statement.trim());
                item.attestation = Some(Box::new(attested));
                res.status = "applied".into();
                res.items.push(format!("{} {}", fw.id, item.id));
            }
        }
        if !conflicts.is_empty() {
            let names: Vec<String> = conflicts
                .iter()
                .map(|(fw, item, _)| format!("{fw} {item}"))
                .collect();
            for (_, _, source) in &conflicts {
                if let Some(earlier) = results
                    .iter_mut()
                    .find(|r: &&mut AttestationResult| &r.attestation.source == source)
                {
                    earlier.status = "invalid".into();
                    earlier.reason = format!(
                        "contradicted by {} (another result for {}); the item stays manual",
                        a.source,
                        names.join(", ")
                    );
                    earlier.items.clear();
                }
            }
            res.status = "invalid".into();
            res.reason = format!(
                "contradicts an earlier attestation of {}; the item stays manual",
                names.join(", ")
            );
        }
        if matched == 0 && res.status == "unused" {
            res.status = "invalid".into();
            res.reason = format!(
                "no {} {} in the frameworks evaluated",
                if a.item.is_some() { "item" } else { "check" },
                a.item.as_deref().or(a.check.as_deref()).unwrap_or_default()
            );
        } else if res.status == "unused" && !already.is_empty() {
            res.reason = format!(
                "an earlier attestation already answers {}; keep one attestation per item",
                already.join(", ")
            );
        } else if res.status == "unused" && !automated.is_empty() {
            res.reason = format!(
                "decided by automated checks, not by a person: {}",
                automated.join(", ")
            );
        }
        if res.status == "unused" && !other_reasons.is_empty() {
            let more = format!(
                "manual for more than this check, so attest the item itself: {}",
                other_reasons.join(", ")
            );
            res.reason = if res.reason.is_empty() {
                more
            } else {
                format!("{}; {more}", res.reason)
            };
        }
        results.push(res);
    }
    for fw in report.frameworks.iter_mut() {
        fw.summary = summary_with_attested(fw);
    }
    report.attestations = results;
}

/// A framework's summary with `attested` counted.
fn summary_with_attested(fw: &crate::results::FrameworkResult) -> Summary {
    let mut s = Summary::from_statuses(fw.items.iter().map(|i| i.status));
    s.attested = fw.items.iter().filter(|i| i.attestation.is_some()).count();
    s
}

/// A ready-to-fill attestations file listing every manual item of `framework` (items no
/// check decides, and items the benchmark leaves to a person, which are manual unless a
/// check fails) with its audit instructions as comments.
pub fn template(framework: &Framework) -> String {
    let mut t = format!(
        "# Attestations for {} {} — fill in `result` (pass | fail | not_applicable),\n# statement, evidence, assessor, date and expires; entries left at `result: todo`\n# are skipped. Use: kubeattest scan … --attestations attestations.yaml\nattestations:\n",
        framework.title, framework.version
    );
    for item in framework
        .items
        .iter()
        .filter(|i| i.checks.is_empty() || !i.automated)
    {
        t.push_str(&format!("\n  # {} {}\n", item.id, item.title.trim()));
        if let Some(p) = &item.profile {
            t.push_str(&format!("  # Profile: {p}\n"));
        }
        if !item.checks.is_empty() {
            t.push_str(&format!(
                "  # Evidence from checks (a failing one decides the item): {}\n",
                item.checks.join(", ")
            ));
        }
        if let Some(audit) = &item.audit {
            t.push_str("  # Audit:\n");
            for line in audit.trim().lines() {
                t.push_str(&format!("  #   {}\n", line.trim_end()));
            }
        }
        t.push_str(&format!(
            "  - framework: {}\n    item: \"{}\"\n    result: todo\n    statement: \"\"\n    evidence: {{ url: \"\" }}\n    assessor: \"\"\n    date: YYYY-MM-DD\n    expires: YYYY-MM-DD\n",
            framework.id, item.id
        ));
    }
    t
}

/// Why an evidence link cannot be followed by an auditor (`None`: it can): it must be an
/// absolute URL (`https://…`, or another scheme such as a ticket system's), and may not carry
/// a user name or password, which would end up in the report.
fn unusable_url(url: &str) -> Option<&'static str> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Some("is not an absolute URL (e.g. https://tickets.example.com/SEC-123)");
    };
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if !scheme_ok || host.is_empty() || url.chars().any(char::is_whitespace) {
        return Some("is not an absolute URL (e.g. https://tickets.example.com/SEC-123)");
    }
    if host.contains('@') {
        return Some("carries a user name or password; link to the evidence without credentials");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, text: &str) -> std::path::PathBuf {
        let p = dir.join("att.yaml");
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn bad_result_and_missing_fields_are_errors_with_lines() {
        let tmp = tempfile::tempdir().unwrap();
        let p = write(
            tmp.path(),
            "attestations:\n  - item: \"1.1.9\"\n    result: maybe\n  - item: \"1.1.10\"\n    result: pass\n",
        );
        let e = load(&p).unwrap_err();
        let text =
            e.0.iter()
                .map(|e| format!("{}:{} {}", e.file, e.line, e.message))
                .collect::<Vec<_>>()
                .join("\n");
        assert!(text.contains(":3 `result` must be pass"), "{text}");
        assert!(text.contains("has no `statement`"), "{text}");
    }

    #[test]
    fn changed_evidence_file_makes_the_attestation_invalid() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("ev.txt"), "ok").unwrap();
        let p = write(
            tmp.path(),
            "attestations:\n  - item: \"1.1.9\"\n    result: pass\n    statement: s\n    evidence: { file: ev.txt, sha256: 00 }\n    assessor: a\n    date: 2026-01-01\n    expires: 2027-01-01\n",
        );
        let a = load(&p).unwrap();
        assert!(a[0].problem.as_deref().unwrap().contains("changed after"));
    }

    #[test]
    fn evidence_urls_must_be_absolute_and_without_credentials() {
        let tmp = tempfile::tempdir().unwrap();
        let entry = |url: &str| {
            format!("  - item: \"1.1.9\"\n    result: pass\n    statement: s\n    evidence: {{ url: \"{url}\" }}\n    assessor: a\n    date: 2026-01-01\n    expires: 2027-01-01\n")
        };
        let good = [
            "https://tickets.example.com/SEC-1?view=full",
            "jira://SEC/1",
        ];
        let p = write(
            tmp.path(),
            &format!("attestations:\n{}", good.map(entry).concat()),
        );
        assert_eq!(load(&p).unwrap().len(), 2);
        for (bad, says) in [
            ("not a url", "not an absolute URL"),
            ("tickets.example.com/SEC-1", "not an absolute URL"),
            ("https://", "not an absolute URL"),
            (
                "https://bob:CANARY@wiki.example.com/x",
                "user name or password",
            ),
        ] {
            let p = write(tmp.path(), &format!("attestations:\n{}", entry(bad)));
            let e = load(&p).unwrap_err();
            let text: Vec<String> =
                e.0.iter()
                    .map(|e| format!("{}:{}", e.line, e.message))
                    .collect();
            assert!(
                text.iter().any(|t| t.starts_with("5:") && t.contains(says)),
                "{bad}: {text:?}"
            );
            assert!(!text.iter().any(|t| t.contains("CANARY")), "{text:?}");
        }
    }
}
