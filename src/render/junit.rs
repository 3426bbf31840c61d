//! `junit.xml`: JUnit XML for CI test tabs.
//!
//! One `<testsuite>` per framework, one `<testcase>` per item (`classname` = its section,
//! `name` = `id title`). A failing item carries a `<failure>` listing its failing findings
//! (the first [`SHOWN`], then how many more); an item that could not be assessed carries an
//! `<error>`; warn, manual and not_applicable items are `<skipped>` with the reason (as
//! kube-bench does with WARN); waived items pass and name the exception in `<system-out>`.

use foldhash::HashMap;
use std::io::Write;

use crate::render::RenderError;
use crate::results::{Finding, FrameworkResult, ItemResult, Report, Status};

/// Findings listed per testcase; the rest are counted.
pub const SHOWN: usize = 20;

/// Escapes text for XML content and attributes, dropping characters XML 1.0 forbids.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

fn finding_line(f: &Finding) -> String {
    let source = f
        .observations
        .iter()
        .find(|o| !o.holds)
        .or(f.observations.first())
        .map(|o| format!(" [{}]", o.source))
        .unwrap_or_default();
    let message = if f.message.is_empty() {
        String::new()
    } else {
        format!(": {}", f.message)
    };
    format!(
        "{} {} {}{message}{source}",
        f.status.as_str(),
        f.check,
        f.subject.display()
    )
}

/// The findings of an item's checks with a given status.
fn findings_with<'r>(
    report: &'r Report,
    runs: &HashMap<&str, std::ops::Range<usize>>,
    item: &ItemResult,
    status: Status,
) -> Vec<&'r Finding> {
    item.checks
        .iter()
        .filter_map(|c| runs.get(c.as_str()))
        .flat_map(|r| report.findings[r.clone()].iter())
        .filter(|f| f.status == status)
        .collect()
}

fn listing(findings: &[&Finding], item: &ItemResult) -> String {
    let mut text: Vec<String> = findings
        .iter()
        .take(SHOWN)
        .map(|f| finding_line(f))
        .collect();
    if findings.len() > SHOWN {
        text.push(format!("… and {} more", findings.len() - SHOWN));
    }
    if text.is_empty() {
        text.push(item.message.clone());
    }
    text.join("\n")
}

fn testcase(
    w: &mut dyn Write,
    report: &Report,
    runs: &HashMap<&str, std::ops::Range<usize>>,
    fw: &FrameworkResult,
    item: &ItemResult,
) -> Result<(), RenderError> {
    let section = fw
        .sections
        .iter()
        .find(|s| s.id == item.section)
        .map(|s| format!("{} {}", s.id, s.title))
        .unwrap_or_else(|| item.section.clone());
    write!(
        w,
        "    <testcase classname=\"{}\" name=\"{}\"",
        escape(&section),
        escape(&format!("{} {}", item.id, item.title))
    )?;
    // Waivers of the item, also where another subject's finding decides it.
    let waivers = waiver_lines(&findings_with(report, runs, item, Status::Waived));
    let out = system_out(&waivers);
    let body = |w: &mut dyn Write, tag: &str, kind: &str, status: Status| {
        let found = findings_with(report, runs, item, status);
        let message = if found.is_empty() {
            item.message.clone()
        } else {
            format!("{} finding(s) {}", found.len(), status.as_str())
        };
        writeln!(
            w,
            ">\n      <{tag} message=\"{}\" type=\"{kind}\">{}</{tag}>{out}\n    </testcase>",
            escape(&message),
            escape(&listing(&found, item))
        )
    };
    match item.status {
        // A pass a person attested says so (the item's message names the assessor).
        Status::Pass if item.attestation.is_some() => writeln!(
            w,
            ">\n      <system-out>{}</system-out>\n    </testcase>",
            escape(&item.message)
        )?,
        Status::Pass => writeln!(w, "/>")?,
        Status::Fail => body(w, "failure", "fail", Status::Fail)?,
        Status::Error => body(w, "error", "error", Status::Error)?,
        Status::Warn => body(w, "skipped", "warn", Status::Warn)?,
        Status::Manual | Status::NotApplicable => writeln!(
            w,
            ">\n      <skipped message=\"{}: {}\"/>{out}\n    </testcase>",
            item.status.as_str(),
            escape(&item.message)
        )?,
        Status::Waived => writeln!(
            w,
            ">\n      <system-out>{}</system-out>\n    </testcase>",
            escape(&waivers.join("\n"))
        )?,
    }
    Ok(())
}

/// A `<system-out>` element holding `lines` (nothing when there are none).
fn system_out(lines: &[String]) -> String {
    if lines.is_empty() {
        return String::new();
    }
    format!(
        "\n      <system-out>{}</system-out>",
        escape(&lines.join("\n"))
    )
}

/// One line per waived finding (the first [`SHOWN`]): what, on which subject, why, who
/// approved it, until when, and the ticket.
fn waiver_lines(found: &[&Finding]) -> Vec<String> {
    let mut lines: Vec<String> = found
        .iter()
        .take(SHOWN)
        .map(|f| match &f.waiver {
            Some(wv) => format!(
                "waived {} {}: {} (approved by {}, until {}{})",
                f.check,
                f.subject.display(),
                wv.justification,
                wv.approver,
                wv.expires,
                wv.ticket
                    .as_deref()
                    .map(|t| format!(", ticket {t}"))
                    .unwrap_or_default()
            ),
            None => finding_line(f),
        })
        .collect();
    if found.len() > SHOWN {
        lines.push(format!("… and {} more waived", found.len() - SHOWN));
    }
    lines
}

/// Writes the JUnit XML document.
pub fn write(report: &Report, w: &mut dyn Write) -> Result<(), RenderError> {
    let runs = report.runs();
    let count = |fw: &FrameworkResult, st: &[Status]| {
        fw.items.iter().filter(|i| st.contains(&i.status)).count()
    };
    let (mut tests, mut failures, mut errors, mut skipped) = (0, 0, 0, 0);
    for fw in &report.frameworks {
        tests += fw.items.len();
        failures += count(fw, &[Status::Fail]);
        errors += count(fw, &[Status::Error]);
        skipped += count(fw, &[Status::Warn, Status::Manual, Status::NotApplicable]);
    }
    writeln!(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    writeln!(
        w,
        "<testsuites name=\"kubeattest {}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">",
        escape(&report.run.target.name)
    )?;
    for fw in &report.frameworks {
        writeln!(
            w,
            "  <testsuite name=\"{}\" id=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
            escape(&format!("{} {}", fw.title, fw.version)),
            escape(&fw.id),
            fw.items.len(),
            count(fw, &[Status::Fail]),
            count(fw, &[Status::Error]),
            count(fw, &[Status::Warn, Status::Manual, Status::NotApplicable]),
        )?;
        writeln!(w, "    <properties>")?;
        let score = fw
            .summary
            .score
            .map_or_else(|| "none".to_string(), |s| format!("{s}"));
        for (k, v) in [
            ("framework", fw.id.as_str()),
            ("score", score.as_str()),
            ("run", report.run.id.as_str()),
        ] {
            writeln!(w, "      <property name=\"{k}\" value=\"{}\"/>", escape(v))?;
        }
        writeln!(w, "    </properties>")?;
        for item in &fw.items {
            testcase(w, report, &runs, fw, item)?;
        }
        writeln!(w, "  </testsuite>")?;
    }
    writeln!(w, "</testsuites>")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_forbidden_characters() {
        assert_eq!(escape("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
    }
}
