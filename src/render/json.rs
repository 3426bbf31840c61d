//! `report.json`: the evidence model, keys in a fixed order.
//!
//! The run and the frameworks' headers are pretty-printed; every record of a list
//! (coverage entry, check, finding, framework item, exception) is one line: a large report
//! stays greppable and line-diffable, costs no indentation per field, and is written
//! straight from the model without building the document in memory.
//!
//! Nothing is said twice (schema 2.2; [`crate::results`]' `record` reads it back): a finding
//! names its subject by index in `subjects` and gives its severity only when it is not its
//! check's; a check's message is left out when it only counts its subjects, an item's when
//! its checks' verdicts give it; counts leave out zeros; and below `--detail full` a check
//! that passed or did not apply leaves out its static text (rationale, remediation,
//! references, peers: the catalog's, named by `run.catalog`), since nothing in the report
//! asks to act on it.

use foldhash::HashMap;
use std::io::Write;

use rayon::prelude::*;
use serde::ser::SerializeMap;
use serde::Serialize;

use crate::catalog::Severity;
use crate::render::sink::Sink;
use crate::render::RenderError;
use crate::results::{
    CheckResult, Counts, Detail, Finding, ItemResult, Observation, Report, Status, Subject,
};

/// Writes the report as JSON.
pub fn write(report: &Report, out: &mut dyn Write) -> Result<(), RenderError> {
    let mut sink = Sink::new(out);
    let w = &mut sink;
    w.write_all(b"{\n")?;
    field(w, "schema_version", &report.schema_version)?;
    field(w, "run", &report.run)?;
    records(w, "  ", "coverage", &report.coverage)?;
    w.write_all(b",\n")?;
    let lean = report.run.detail != Detail::Full;
    let checks: Vec<CheckRecord> = report
        .checks
        .iter()
        .map(|c| CheckRecord::of(c, lean))
        .collect();
    records(w, "  ", "checks", &checks)?;
    drop(checks);
    w.write_all(b",\n")?;
    // Subjects: the pass subjects (`--detail failing`) keep their indexes; the findings'
    // own follow, each once, in order of first appearance.
    let mut table: Vec<&Subject> = report.subjects.iter().collect();
    let mut index: HashMap<&Subject, u32> = table
        .iter()
        .enumerate()
        .map(|(i, s)| (*s, i as u32))
        .collect();
    // Each check once, for the severity of its findings and the verdict of its items.
    let by_id: HashMap<&str, &CheckResult> =
        report.checks.iter().map(|c| (c.id.as_str(), c)).collect();
    // Findings about one object share one subject: it is looked up by value once, then by
    // address (hashing a whole subject per finding was 4 % of a scan's work).
    let mut by_address: HashMap<*const Subject, u32> = HashMap::default();
    write!(w, "  \"findings\": [")?;
    // Findings are the bulk of the file: each batch is serialized on all cores, in slices
    // written in order, so the output is the same as one record after the other and memory
    // holds one batch's text at a time.
    let mut ids: Vec<u32> = Vec::with_capacity(FINDINGS_BATCH);
    for (b, batch) in report.findings.chunks(FINDINGS_BATCH).enumerate() {
        ids.clear();
        for f in batch {
            let subject: &Subject = &f.subject;
            ids.push(
                *by_address
                    .entry(std::sync::Arc::as_ptr(&f.subject))
                    .or_insert_with(|| {
                        let next = table.len() as u32;
                        *index.entry(subject).or_insert_with(|| {
                            table.push(subject);
                            next
                        })
                    }),
            );
        }
        let first = b == 0;
        let parts: Vec<Result<Vec<u8>, serde_json::Error>> = batch
            .par_chunks(FINDINGS_SLICE)
            .zip(ids.par_chunks(FINDINGS_SLICE))
            .enumerate()
            .map(|(s, (findings, ids))| {
                let mut buf = Vec::with_capacity(findings.len() * 512);
                for (k, (f, id)) in findings.iter().zip(ids).enumerate() {
                    let very_first = first && s == 0 && k == 0;
                    buf.extend_from_slice(if very_first { b"\n    " } else { b",\n    " });
                    let severity = by_id.get(f.check.as_str()).map(|c| c.severity);
                    serde_json::to_writer(&mut buf, &FindingRecord::of(f, *id, severity))?;
                }
                Ok(buf)
            })
            .collect();
        for part in parts {
            w.write_all(&part?)?;
        }
    }
    w.write_all(if report.findings.is_empty() {
        b"]"
    } else {
        b"\n  ]"
    })?;
    drop((index, by_address));
    if !table.is_empty() {
        w.write_all(b",\n")?;
        records(w, "  ", "subjects", &table)?;
    }
    drop(table);
    // Compact passes (`--detail failing`): per check the indexes of the subjects that passed.
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
        let items: Vec<ItemRecord> = fw.items.iter().map(|i| ItemRecord::of(i, &by_id)).collect();
        records(w, "      ", "items", &items)?;
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
    sink.finish()?;
    Ok(())
}

/// Findings serialized per batch (see [`write`]): the text of one batch is held at a time.
const FINDINGS_BATCH: usize = 8192;
/// Findings per task within a batch.
const FINDINGS_SLICE: usize = 256;

/// A check as written: static text only where there is something to act on.
#[derive(Serialize)]
struct CheckRecord<'a> {
    id: &'a str,
    title: &'a str,
    severity: Severity,
    status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rationale: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remediation: Option<&'a str>,
    counts: NonZero<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    peers: Option<&'a std::collections::BTreeMap<String, Vec<String>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    references: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unassessed: Option<&'a str>,
}

impl<'a> CheckRecord<'a> {
    /// `lean`: below `--detail full`, where a check that passed or did not apply leaves
    /// out its static text.
    fn of(c: &'a CheckResult, lean: bool) -> Self {
        let text = !(lean && matches!(c.status, Status::Pass | Status::NotApplicable));
        CheckRecord {
            id: &c.id,
            title: &c.title,
            severity: c.severity,
            status: c.status,
            message: (c.message.is_empty() || c.message != c.counts.summary())
                .then_some(c.message.as_str()),
            rationale: text.then_some(c.rationale.as_str()),
            remediation: text.then_some(c.remediation.as_str()),
            counts: NonZero(&c.counts),
            peers: (text && !c.peers.is_empty()).then_some(&c.peers),
            references: (text && !c.references.is_empty()).then_some(c.references.as_slice()),
            unassessed: c.unassessed.as_deref(),
        }
    }
}

/// Counts without their zeros, in the model's field order.
struct NonZero<'a>(&'a Counts);

impl Serialize for NonZero<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let order = [
            Status::Pass,
            Status::Fail,
            Status::Warn,
            Status::Manual,
            Status::NotApplicable,
            Status::Error,
            Status::Waived,
        ];
        let mut map = s.serialize_map(None)?;
        for status in order {
            let n = self.0.get(status);
            if n > 0 {
                map.serialize_entry(status.as_str(), &n)?;
            }
        }
        map.end()
    }
}

/// A finding as written: its subject by index, its severity only when not its check's.
#[derive(Serialize)]
struct FindingRecord<'a> {
    check: &'a str,
    status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    severity: Option<Severity>,
    subject: u32,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    observations: &'a [Observation],
    #[serde(skip_serializing_if = "str::is_empty")]
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    waiver: Option<&'a crate::exceptions::Waiver>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    unassessed: bool,
}

impl<'a> FindingRecord<'a> {
    fn of(f: &'a Finding, subject: u32, check_severity: Option<Severity>) -> Self {
        FindingRecord {
            check: &f.check,
            status: f.status,
            severity: (check_severity != Some(f.severity)).then_some(f.severity),
            subject,
            observations: &f.observations,
            message: &f.message,
            waiver: f.waiver.as_deref(),
            unassessed: f.unassessed,
        }
    }
}

/// A framework item as written: its message only when its checks' verdicts do not give it.
#[derive(Serialize)]
struct ItemRecord<'a> {
    id: &'a str,
    title: &'a str,
    section: &'a str,
    status: Status,
    checks: &'a [String],
    automated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    profile: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    audit: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attestation: Option<&'a crate::attestations::Attested>,
}

impl<'a> ItemRecord<'a> {
    fn of(i: &'a ItemResult, checks: &HashMap<&str, &CheckResult>) -> Self {
        let verdict = |id: &str| {
            checks.get(id).map(|c| crate::results::Part {
                status: c.status,
                message: c.message.as_str(),
                unassessed: c.unassessed.as_deref(),
            })
        };
        let derived = crate::results::item_message(i.status, i.automated, &i.checks, verdict);
        ItemRecord {
            id: &i.id,
            title: &i.title,
            section: &i.section,
            status: i.status,
            checks: &i.checks,
            automated: i.automated,
            profile: i.profile.as_deref(),
            audit: i.audit.as_deref(),
            message: (i.message != derived).then_some(i.message.as_str()),
            attestation: i.attestation.as_deref(),
        }
    }
}

/// `"key": [` then one compact record per line, then `]` (no trailing comma or newline).
fn records<T: Serialize>(
    w: &mut Sink<'_>,
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
fn field<T: Serialize>(w: &mut Sink<'_>, key: &str, value: &T) -> Result<(), RenderError> {
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
    // A later major version may mean things this build would silently misread.
    let major = report.schema_version.split('.').next().unwrap_or("");
    if !matches!(major, "1" | "2") {
        return Err(<serde_json::Error as serde::de::Error>::custom(format!(
            "schema_version {} is not one this kubeattest reads (1.x and 2.x); use the kubeattest that wrote it, or a newer one",
            report.schema_version
        )));
    }
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
        // Everything but the static text of the checks that passed or did not apply, which
        // the catalog gives back.
        let mut back = parse(&bytes).expect("reads back");
        assert!(back.checks.iter().any(|c| c.remediation.is_empty()));
        assert!(back.fill_static_text(&catalog));
        assert_eq!(back, report);
        // The model written out in full (every subject and severity inline) reads the same.
        let expanded = serde_json::to_vec(&report).expect("expanded");
        assert_eq!(parse(&expanded).expect("reads back"), report);
        assert!(bytes.len() < expanded.len());
        // Nothing said twice: subjects by index, each once; no severity equal to the check's.
        let table = value["subjects"].as_array().expect("subjects");
        let distinct: foldhash::HashSet<String> = table.iter().map(|s| s.to_string()).collect();
        assert_eq!(distinct.len(), table.len());
        for f in value["findings"].as_array().expect("findings") {
            let i = f["subject"].as_u64().expect("an index") as usize;
            assert!(i < table.len());
            assert!(f.get("severity").is_none(), "{f}");
        }
        let text = String::from_utf8(bytes).expect("utf-8");
        // One finding, subject and check's passes per line.
        let lines = |prefix: &str| text.lines().filter(|l| l.starts_with(prefix)).count();
        assert_eq!(
            lines("    {\"check\":"),
            report.findings.len() + report.passed.len()
        );
        assert_eq!(lines("    {\"kind\":"), table.len());
    }

    #[test]
    fn static_text_is_written_for_checks_to_act_on_and_at_full_detail() {
        use crate::results::{Detail, Status};
        let written = |detail| {
            let mut bytes = Vec::new();
            write(&demo_report(detail), &mut bytes).expect("write");
            let v: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
            v["checks"].as_array().expect("checks").clone()
        };
        for c in written(Detail::Failing) {
            let quiet = matches!(c["status"].as_str(), Some("pass" | "not_applicable"));
            assert_eq!(c.get("remediation").is_none(), quiet, "{c}");
            assert_eq!(c.get("rationale").is_none(), quiet, "{c}");
            assert!(c["counts"]
                .as_object()
                .expect("counts")
                .values()
                .all(|n| n != 0));
        }
        assert!(written(Detail::Full)
            .iter()
            .all(|c| c.get("remediation").is_some() && c.get("rationale").is_some()));
        let report = demo_report(Detail::Failing);
        assert!(report.checks.iter().any(|c| c.status == Status::Pass));
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
        let distinct: foldhash::HashSet<_> = report.subjects.iter().collect();
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
