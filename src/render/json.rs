//! `report.json`: the evidence model, keys in a fixed order.
//!
//! The run and the frameworks' headers are pretty-printed; every record of a list
//! (coverage entry, check, finding, framework item, exception) is one line: a large report
//! stays greppable and line-diffable, costs no indentation per field, and is written
//! straight from the model without building the document in memory.

use std::io::Write;

use serde::Serialize;

use crate::render::RenderError;
use crate::results::Report;

/// Writes the report as JSON.
pub fn write(report: &Report, w: &mut dyn Write) -> Result<(), RenderError> {
    w.write_all(b"{\n")?;
    field(w, "schema_version", &report.schema_version)?;
    field(w, "run", &report.run)?;
    records(w, "  ", "coverage", &report.coverage)?;
    w.write_all(b",\n")?;
    records(w, "  ", "checks", &report.checks)?;
    w.write_all(b",\n")?;
    records(w, "  ", "findings", &report.findings)?;
    // Compact passes (`--detail failing`): each subject once, then per check the indexes
    // of the subjects that passed.
    if !report.subjects.is_empty() {
        w.write_all(b",\n")?;
        records(w, "  ", "subjects", &report.subjects)?;
    }
    if !report.passed.is_empty() {
        w.write_all(b",\n")?;
        records(w, "  ", "passed", &report.passed)?;
    }
    w.write_all(b",\n  \"frameworks\": [")?;
    for (i, fw) in report.frameworks.iter().enumerate() {
        w.write_all(if i == 0 { b"\n    {\n" } else { b",\n    {\n" })?;
        for (key, value) in [
            ("id", serde_json::to_string(&fw.id)?),
            ("title", serde_json::to_string(&fw.title)?),
            ("version", serde_json::to_string(&fw.version)?),
            ("summary", serde_json::to_string(&fw.summary)?),
        ] {
            writeln!(w, "      {}: {value},", serde_json::to_string(key)?)?;
        }
        records(w, "      ", "sections", &fw.sections)?;
        w.write_all(b",\n")?;
        records(w, "      ", "items", &fw.items)?;
        w.write_all(b"\n    }")?;
    }
    w.write_all(if report.frameworks.is_empty() {
        b"],\n"
    } else {
        b"\n  ],\n"
    })?;
    records(w, "  ", "exceptions", &report.exceptions)?;
    if !report.attestations.is_empty() {
        w.write_all(b",\n")?;
        records(w, "  ", "attestations", &report.attestations)?;
    }
    if !report.breakdown.is_empty() {
        let b = &report.breakdown;
        write!(
            w,
            ",\n  \"breakdown\": {{\n    \"owner_labels\": {},\n",
            serde_json::to_string(&b.owner_labels)?
        )?;
        records(w, "    ", "owners", &b.owners)?;
        w.write_all(b",\n")?;
        records(w, "    ", "namespaces", &b.namespaces)?;
        w.write_all(b",\n")?;
        records(w, "    ", "nodes", &b.nodes)?;
        w.write_all(b"\n  }")?;
    }
    if let Some(e) = &report.exposure {
        // One entry per line, like the other lists.
        w.write_all(b",\n  \"exposure\": {\n")?;
        records(w, "    ", "entries", &e.entries)?;
        if !e.not_read.is_empty() {
            w.write_all(b",\n")?;
            records(w, "    ", "not_read", &e.not_read)?;
        }
        w.write_all(b"\n  }")?;
    }
    w.write_all(b"\n}\n")?;
    Ok(())
}

/// `"key": [` then one compact record per line, then `]` (no trailing comma or newline).
fn records<T: Serialize>(
    w: &mut dyn Write,
    indent: &str,
    key: &str,
    items: &[T],
) -> Result<(), RenderError> {
    write!(w, "{indent}{}: [", serde_json::to_string(key)?)?;
    for (i, item) in items.iter().enumerate() {
        w.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        write!(w, "{indent}  ")?;
        serde_json::to_writer(&mut *w, item)?;
    }
    if !items.is_empty() {
        write!(w, "\n{indent}")?;
    }
    w.write_all(b"]")?;
    Ok(())
}

/// One top-level key with its value pretty-printed, indented one level, and a comma.
fn field<T: Serialize>(w: &mut dyn Write, key: &str, value: &T) -> Result<(), RenderError> {
    let text = serde_json::to_string_pretty(value)?;
    write!(w, "  {}: ", serde_json::to_string(key)?)?;
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            w.write_all(b"\n  ")?;
        }
        w.write_all(line.as_bytes())?;
    }
    w.write_all(b",\n")?;
    Ok(())
}

/// Reads a `report.json` back (schema 1.x or 2.x), normalized to the current model.
pub fn parse(bytes: &[u8]) -> Result<Report, serde_json::Error> {
    let mut report: Report = serde_json::from_slice(bytes)?;
    report.normalize(None);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_report_reads_back_identical() {
        let inventory = crate::collect::demo::collect().expect("demo");
        let catalog = crate::catalog::load(None).expect("catalog");
        let frameworks: Vec<_> = catalog.frameworks.iter().collect();
        let info = crate::evaluate::RunInfo {
            started_at: "2026-01-01T00:00:00Z".into(),
            ..Default::default()
        };
        let report = crate::evaluate::evaluate(&catalog, &inventory, &frameworks, info);
        let mut bytes = Vec::new();
        write(&report, &mut bytes).expect("write");
        let value: serde_json::Value = serde_json::from_slice(&bytes).expect("valid JSON");
        assert_eq!(value, serde_json::to_value(&report).expect("value"));
        assert_eq!(parse(&bytes).expect("reads back"), report);
        let text = String::from_utf8(bytes).expect("utf-8");
        // One finding, subject and check's passes per line.
        let lines = |prefix: &str| text.lines().filter(|l| l.starts_with(prefix)).count();
        assert_eq!(
            lines("    {\"check\":"),
            report.findings.len() + report.passed.len()
        );
        assert_eq!(lines("    {\"kind\":"), report.subjects.len());
    }

    fn demo_report(detail: crate::results::Detail) -> Report {
        let inventory = crate::collect::demo::collect().expect("demo");
        let catalog = crate::catalog::load(None).expect("catalog");
        let frameworks: Vec<_> = catalog.frameworks.iter().collect();
        let info = crate::evaluate::RunInfo {
            started_at: "2026-01-01T00:00:00Z".into(),
            detail,
            ..Default::default()
        };
        crate::evaluate::evaluate(&catalog, &inventory, &frameworks, info)
    }

    /// The report as schema 2.0 wrote it: compact passes among the findings, in subject
    /// order within their check, and no subject table.
    fn as_schema_2_0(report: &Report) -> serde_json::Value {
        let findings: Vec<serde_json::Value> = report
            .listed()
            .map(|l| serde_json::to_value(l.to_finding().as_ref()).expect("finding"))
            .collect();
        let mut v = serde_json::to_value(report).expect("value");
        let o = v.as_object_mut().expect("object");
        o.insert("schema_version".into(), "2.0".into());
        o.insert("findings".into(), findings.into());
        o.remove("subjects");
        o.remove("passed");
        v
    }

    #[test]
    fn passes_at_default_detail_are_listed_once_by_subject_index() {
        use crate::results::Status;
        let report = demo_report(crate::results::Detail::Failing);
        assert!(report.findings.iter().all(|f| f.status != Status::Pass));
        assert!(!report.passed.is_empty());
        let by_check = report.passed_by_check();
        assert_eq!(by_check.len(), report.passed.len(), "one list per check");
        for c in &report.checks {
            let listed = by_check.get(c.id.as_str()).map_or(0, |l| l.len());
            assert_eq!(listed, c.counts.pass, "{}", c.id);
            let others = report.findings.iter().filter(|f| f.check == c.id).count();
            assert_eq!(others, c.counts.total() - c.counts.pass, "{}", c.id);
        }
        // Each subject once, each used, numbered by first appearance.
        let distinct: std::collections::HashSet<_> = report.subjects.iter().collect();
        assert_eq!(distinct.len(), report.subjects.len());
        let mut next = 0;
        for &i in report.passed.iter().flat_map(|p| p.subjects.iter()) {
            assert!(i <= next, "subject {i} before {next}");
            next = next.max(i + 1);
        }
        assert_eq!(next as usize, report.subjects.len());
        assert!(report
            .subjects
            .iter()
            .all(|s| s.api_version.is_none() && s.owner.is_none()));
    }

    #[test]
    fn a_schema_2_0_report_reads_into_the_same_model() {
        let report = demo_report(crate::results::Detail::Failing);
        let old = serde_json::to_vec(&as_schema_2_0(&report)).expect("bytes");
        assert_eq!(parse(&old).expect("2.0 reads"), report);
    }

    #[test]
    fn a_full_report_compacted_to_failing_is_the_failing_report() {
        let failing = demo_report(crate::results::Detail::Failing);
        let mut full = demo_report(crate::results::Detail::Full);
        assert!(full.passed.is_empty() && full.subjects.is_empty());
        assert!(full
            .findings
            .iter()
            .any(|f| f.status == crate::results::Status::Pass && !f.observations.is_empty()));
        full.normalize(Some(crate::results::Detail::Failing));
        assert_eq!(full.subjects, failing.subjects);
        assert_eq!(full.passed, failing.passed);
        assert_eq!(full.findings.len(), failing.findings.len());
    }

    #[test]
    fn empty_lists_are_valid_json() {
        let report = Report {
            schema_version: crate::results::SCHEMA_VERSION.into(),
            run: serde_json::from_value(serde_json::json!({
                "id": "x", "tool": {"name": "kubeattest", "version": "0"},
                "catalog": {"version": "1", "digest": "d"},
                "started_at": "2026-01-01T00:00:00Z", "finished_at": "2026-01-01T00:00:00Z",
                "target": {"name": "t"}, "scope": {"frameworks": [], "sources": []}
            }))
            .expect("run"),
            coverage: Vec::new(),
            checks: Vec::new(),
            findings: Vec::new(),
            subjects: Vec::new(),
            passed: Vec::new(),
            frameworks: Vec::new(),
            exceptions: Vec::new(),
            attestations: Vec::new(),
            breakdown: Default::default(),
            exposure: Some(crate::exposure::Exposure::default()),
        };
        let mut bytes = Vec::new();
        write(&report, &mut bytes).expect("write");
        let back: Report = serde_json::from_slice(&bytes).expect("valid JSON");
        assert_eq!(back, report);
    }
}
