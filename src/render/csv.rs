//! `findings.csv`: one row per finding (check × subject), for spreadsheets and GRC tools.
//!
//! Each row names the framework items its check decides (`items`: `cis-1.12 5.2.2;
//! pss-baseline privileged`), so a failing subject is listed once however many frameworks
//! ask about it; filter `items` to see one control. A check that found nothing to look at
//! gets one row with its status and reason; a manual item (no check) gets one row with its
//! audit instructions. Passes are listed as the report holds them (one row per pass from
//! the report's pass lists at the default detail, nothing observed; as findings at `full`;
//! counted in one row at `summary`). A check's remediation is written in full once, in
//! report.json; rows that call for action (neither pass nor not_applicable) carry its first
//! sentence, or its `Good:` example (a command or setting) when the remediation opens with
//! a `Bad:` one.
//!
//! `severity` is given on rows that call for action or a look (not on passes nor on
//! not_applicable rows, as with the remediation): the check's severity is in report.json
//! `checks`.
//!
//! Cells are written relative to the row's subject, which has its own columns: `observed`
//! paths inside the subject's pod spec start there (`containers[0].image`); `source` is
//! `line N` for a place in the subject's `file` and drops a `node X: ` prefix naming the
//! subject's node; `message` does not open with the subject's name nor repeat the
//! `expected` cell (`…, expected false`) or the subject's node (`on node cp-1`); an observed record
//! leaves out the fields its path already names (a grant's subject, binding and role).
//!
//! `subject_namespace`, `subject_node` and `owner` group rows by namespace, node and owner
//! (see [`crate::ownership`]). The owner is recorded only on findings that did not pass
//! (cost follows failures), so pass rows leave it empty (`(no owner)` when none was found); per-owner totals with passes are in
//! report.json `breakdown` and the HTML/PDF "By owner" table.
//!
//! Cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or
//! carriage return) are prefixed with `'`, as OWASP advises against CSV injection: object
//! names and observed values come from the cluster and are attacker-controlled.

use foldhash::HashMap;

use crate::render::sink::Sink;
use crate::render::RenderError;
use crate::results::{CheckResult, Finding, Listed, Observation, Report, Status, Subject};

const HEADER: &[&str] = &[
    "status",
    "severity",
    "check",
    "items",
    "subject_kind",
    "subject_namespace",
    "subject_name",
    "file",
    "line",
    "observed",
    "expected",
    "source",
    "message",
    "remediation",
    "waiver_justification",
    "waiver_approver",
    "waiver_ticket",
    "waiver_expires",
    "waiver_source",
    "subject_node",
    "owner",
];

/// Each observation as `path=value`, `; `-separated. A path inside the subject's pod spec is
/// written from the pod spec (`containers[0].image`, not
/// `spec.jobTemplate.spec.template.spec.containers[0].image`), as messages say it; the full
/// path is in report.json.
fn observed(obs: &[Observation], subject: &Subject) -> String {
    use crate::checks::condition::render_into;
    let pod_spec = crate::checks::workload::pod_paths(&subject.kind).map(|(spec, _)| spec);
    let mut out = String::new();
    for (i, o) in obs.iter().enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        let in_pod_spec = pod_spec.and_then(|p| o.path.strip_prefix(p)?.strip_prefix('.'));
        out.push_str(in_pod_spec.unwrap_or(&o.path));
        out.push('=');
        match &o.observed {
            serde_json::Value::Null => out.push_str("(not set)"),
            // A record's fields that the path already names (a grant's subject, binding
            // and role in `subject → binding → role → rules[0]`) are not repeated.
            serde_json::Value::Object(fields) => {
                let rest: serde_json::Map<String, serde_json::Value> = fields
                    .iter()
                    .filter(|(_, v)| !v.as_str().is_some_and(|s| o.path.contains(s)))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                render_into(&mut out, &serde_json::Value::Object(rest));
            }
            other => render_into(&mut out, other),
        }
    }
    out
}

/// Each observation's text, `; `-separated, a repeat of the one before left out.
fn join(obs: &[Observation], f: impl Fn(&Observation) -> &str) -> String {
    let mut out = String::new();
    let mut last = None;
    for text in obs.iter().map(f) {
        if last == Some(text) {
            continue;
        }
        if last.is_some() {
            out.push_str("; ");
        }
        out.push_str(text);
        last = Some(text);
    }
    out
}

/// Where each observation was read, relative to the row's subject: a place in the
/// subject's own file is `line N` (the file is in the `file` column), and a fact read on
/// the subject's node drops the `node X: ` prefix (the node is in `subject_node`).
fn sources(obs: &[Observation], subject: &Subject) -> String {
    let mut out = String::new();
    let mut last: Option<(&str, &str)> = None;
    for o in obs {
        let s = o.source.as_str();
        let in_file = subject.file.as_deref().and_then(|f| {
            s.strip_prefix(f)
                .and_then(|r| r.strip_prefix(':'))
                .map(|rest| ("line ", rest))
        });
        let on_node = || {
            subject.node.as_deref().and_then(|n| {
                s.strip_prefix("node ")
                    .and_then(|r| r.strip_prefix(n))
                    .and_then(|r| r.strip_prefix(": "))
                    .map(|rest| ("", rest))
            })
        };
        let shown = in_file.or_else(on_node).unwrap_or(("", s));
        if last.is_some_and(|l| same_text(l, shown)) {
            continue;
        }
        if last.is_some() {
            out.push_str("; ");
        }
        out.push_str(shown.0);
        out.push_str(shown.1);
        last = Some(shown);
    }
    out
}

/// Whether two texts, each in two pieces, read the same.
fn same_text((a1, b1): (&str, &str), (a2, b2): (&str, &str)) -> bool {
    a1.len() + b1.len() == a2.len() + b2.len()
        && a1
            .bytes()
            .chain(b1.bytes())
            .eq(a2.bytes().chain(b2.bytes()))
}

/// The subject is in its own columns: a message that starts by naming it
/// ([`Subject::display`] and `: `) does not repeat it. Compared piece by piece, since this
/// runs for every row.
fn without_subject<'m>(message: &'m str, s: &Subject) -> &'m str {
    let rest = message
        .strip_prefix(&*s.kind)
        .and_then(|r| r.strip_prefix(' '));
    let rest = match (&s.namespace, rest) {
        (Some(ns), Some(r)) => r.strip_prefix(&**ns).and_then(|r| r.strip_prefix('/')),
        (None, r) => r,
        (_, None) => None,
    };
    rest.and_then(|r| r.strip_prefix(&*s.name))
        .and_then(|r| r.strip_prefix(": "))
        .unwrap_or(message)
}

/// The `expected` column holds what each observation expected: a message that says it
/// again (`…, expected false`) does not. A message that says no `, expected ` is returned
/// as it is, without building any pattern.
fn without_expected<'m>(message: &'m str, obs: &[Observation]) -> std::borrow::Cow<'m, str> {
    if !message.contains(", expected ") {
        return std::borrow::Cow::Borrowed(message);
    }
    let mut last = None;
    let said = obs
        .iter()
        .map(|o| o.expected.as_str())
        .filter(|e| !e.is_empty())
        .filter(|e| last.replace(*e) != Some(*e));
    without_said(message.into(), said.map(|e| format!(", expected {e}")))
}

/// The `source` column says where each observation was read: a message that names the same
/// place in parentheses (`tlsCertFile is not set (process /usr/bin/kubelet pid 811 …)`) does
/// not say it again. `source` is that cell (places joined by `; `).
fn without_source<'m>(
    message: std::borrow::Cow<'m, str>,
    source: &str,
) -> std::borrow::Cow<'m, str> {
    if source.is_empty() || !message.contains(" (") {
        return message;
    }
    let said = source.split("; ").filter(|p| !p.is_empty());
    without_said(message, said.map(|place| format!(" ({place})")))
}

/// The `subject_node` column names the node: a message that says it again (`kube-apiserver
/// --profiling on node cp-1 is true`) does not.
fn without_node<'m>(
    message: std::borrow::Cow<'m, str>,
    node: Option<&str>,
) -> std::borrow::Cow<'m, str> {
    match node {
        Some(n) if message.contains(" on node ") => {
            without_said(message, std::iter::once(format!(" on node {n}")))
        }
        _ => message,
    }
}

/// `message` with every occurrence of each of `said` removed; borrowed while nothing is.
fn without_said<'m>(
    message: std::borrow::Cow<'m, str>,
    said: impl Iterator<Item = String>,
) -> std::borrow::Cow<'m, str> {
    let mut out = message;
    for s in said {
        if out.contains(&s) {
            out = std::borrow::Cow::Owned(out.replace(&s, ""));
        }
    }
    out
}

/// Whether a row carries its check's short remediation: only rows that call for action
/// (not a pass, and not a check or subject that was not applicable).
fn remediation_for(status: Status, short: &str) -> &str {
    if calls_for_action(status) {
        short
    } else {
        ""
    }
}

/// A row's severity: how bad what it found is, so only rows that call for action carry
/// one (a check's severity is in report.json `checks`).
fn severity_for(status: Status, severity: &str) -> &str {
    if calls_for_action(status) {
        severity
    } else {
        ""
    }
}

/// Whether a row reports something to act on or look at: not a pass, and not a check or
/// subject that was not applicable.
fn calls_for_action(status: Status) -> bool {
    !matches!(status, Status::Pass | Status::NotApplicable)
}

/// A cell made safe to open in a spreadsheet: a leading formula character gets a `'`.
pub fn cell(s: &str) -> std::borrow::Cow<'_, str> {
    if is_formula(s) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// Whether a spreadsheet would run the cell as a formula (it starts with `=`, `+`, `-`,
/// `@`, tab or carriage return).
fn is_formula(s: &str) -> bool {
    matches!(
        s.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// What a remediation says to do, in one line (the full text is in report.json).
///
/// Remediation text is wrapped prose, then examples. The cell takes the opening paragraph,
/// its lines joined, up to the end of its first sentence or clause (`.` or `;`, outside
/// backticks and not in `e.g.`), so that no cell stops mid-sentence. A remediation that
/// shows the bad flag or field first gives its `Good:` example instead (the command or
/// setting, continuation lines included); a lead that ends in `:` before a `Good:`
/// example is followed by that example.
fn short_remediation(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut i = lines.iter().take_while(|l| l.trim().is_empty()).count();
    let starts = |l: &str, word: &str| l.trim_start().starts_with(word);
    let mut lead = Vec::new();
    while let Some(l) = lines.get(i).filter(|l| !l.trim().is_empty()) {
        if starts(l, "Bad:") || starts(l, "Good:") {
            break;
        }
        lead.push(l.trim());
        i += 1;
    }
    let lead = first_sentence(&lead.join(" "));
    if !lead.is_empty() && !lead.ends_with(':') {
        return lead;
    }
    // The example: the first `Good:` line and the indented lines continuing it.
    let rest = &lines[i..];
    let good = rest.iter().position(|l| starts(l, "Good:")).map(|g| {
        let head = rest[g].trim().trim_start_matches("Good:").trim();
        let more = rest[g + 1..]
            .iter()
            .take_while(|l| l.starts_with(' ') && !l.trim().is_empty() && !starts(l, "Bad:"));
        let mut parts = vec![head];
        parts.extend(more.map(|l| l.trim()));
        parts.join(" ")
    });
    match (lead.strip_suffix(':'), good) {
        (Some(lead), Some(good)) if !good.is_empty() => format!("{lead}: {good}"),
        (None, Some(good)) if !good.is_empty() => good,
        (Some(lead), _) => format!("{lead}."),
        _ => lead,
    }
}

/// The text up to the end of its first sentence or clause, which ends in `.`: a `.` or
/// `;` before a space or the end, outside backticks and not the dot of `e.g.`/`i.e.`.
fn first_sentence(text: &str) -> String {
    let mut in_code = false;
    for (at, c) in text.char_indices() {
        match c {
            '`' => in_code = !in_code,
            '.' | ';' if !in_code => {
                let end = text[at + 1..]
                    .chars()
                    .next()
                    .is_none_or(char::is_whitespace);
                let abbreviation = ["e.g", "i.e"].iter().any(|a| text[..at].ends_with(a));
                if end && !abbreviation {
                    return format!("{}.", &text[..at]);
                }
            }
            _ => {}
        }
    }
    text.to_string()
}

/// The waiver columns of a row no exception waived.
const NO_WAIVER: [&str; 5] = ["", "", "", "", ""];

/// The node and owner columns of a row about a check or item as a whole.
const NO_GROUPS: [&str; 2] = ["", ""];

/// Rows written as the `csv` crate writes them (a field is quoted, its quotes doubled, only
/// when it holds a comma, a quote, CR or LF; rows end in LF), straight into one buffer:
/// most rows are passes whose leading cells are the same for a whole check, so those are
/// escaped once per check ([`Rows::pass_lead`]) and copied.
struct Rows<'w> {
    out: Sink<'w>,
}

/// Appends `s` as one CSV cell: neutralised for spreadsheets ([`cell`]), then quoted when
/// it must be.
fn push_cell(buf: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    // `cell`, without building a new string: the `'` itself never needs quoting.
    let formula = is_formula(s);
    let quoted = needs_quotes(bytes);
    if quoted {
        buf.push(b'"');
    }
    if formula {
        buf.push(b'\'');
    }
    if quoted {
        for (i, part) in bytes.split(|&b| b == b'"').enumerate() {
            if i > 0 {
                buf.extend_from_slice(b"\"\"");
            }
            buf.extend_from_slice(part);
        }
        buf.push(b'"');
    } else {
        buf.extend_from_slice(bytes);
    }
}

/// Whether a cell holds a comma, a quote, CR or LF, looked for eight bytes at a time (most
/// cells hold none, and this runs over every byte of the file).
fn needs_quotes(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    // A high bit set for each byte of `w` equal to `b` (exact as to whether there is one).
    fn has(w: u64, b: u8) -> u64 {
        let x = w ^ (ONES * u64::from(b));
        x.wrapping_sub(ONES) & !x & (ONES << 7)
    }
    let mut words = bytes.chunks_exact(8);
    for chunk in &mut words {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        if has(w, b',') | has(w, b'"') | has(w, b'\r') | has(w, b'\n') != 0 {
            return true;
        }
    }
    words
        .remainder()
        .iter()
        .any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
}

impl Rows<'_> {
    fn row(&mut self, cells: &[&str]) -> Result<(), RenderError> {
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                self.out.buf.push(b',');
            }
            push_cell(&mut self.out.buf, c);
        }
        self.end_row()
    }

    fn end_row(&mut self) -> Result<(), RenderError> {
        self.out.buf.push(b'\n');
        Ok(self.out.end_record()?)
    }

    /// One row about a check as a whole (no subject listed).
    fn check_row(
        &mut self,
        check: &CheckResult,
        items: &str,
        status: Status,
        message: &str,
        short: &str,
    ) -> Result<(), RenderError> {
        let remediation = remediation_for(status, short);
        let mut row = vec![
            status.as_str(),
            severity_for(status, check.severity.as_str()),
            check.id.as_str(),
            items,
        ];
        row.extend(["", "", "", "", "", "", "", ""]);
        row.extend([message, remediation]);
        row.extend(NO_WAIVER);
        row.extend(NO_GROUPS);
        self.row(&row)
    }

    /// The cells a check's pass rows open with (`pass,,check,items,`: no severity, see
    /// [`severity_for`]), escaped once.
    fn pass_lead(check: &CheckResult, items: &str) -> Vec<u8> {
        let mut lead = Vec::new();
        for c in [
            Status::Pass.as_str(),
            severity_for(Status::Pass, check.severity.as_str()),
            check.id.as_str(),
            items,
        ] {
            push_cell(&mut lead, c);
            lead.push(b',');
        }
        lead
    }

    /// One row for a compact pass: its check and subject, nothing observed.
    fn pass_row(&mut self, lead: &[u8], s: &Subject) -> Result<(), RenderError> {
        let buf = &mut self.out.buf;
        buf.extend_from_slice(lead);
        push_cell(buf, &s.kind);
        buf.push(b',');
        push_cell(buf, s.namespace.as_deref().unwrap_or_default());
        buf.push(b',');
        push_cell(buf, &s.name);
        buf.push(b',');
        push_cell(buf, s.file.as_deref().unwrap_or_default());
        buf.push(b',');
        if let Some(line) = s.line {
            // Writing into a Vec cannot fail.
            let _ = std::io::Write::write_fmt(buf, format_args!("{line}"));
        }
        // Nothing observed, expected, sourced, said or waived (ten empty cells), then the
        // node, and no owner: passes are never given one (see the module doc).
        buf.extend_from_slice(b",,,,,,,,,,,");
        push_cell(buf, s.node.as_deref().unwrap_or_default());
        buf.push(b',');
        self.end_row()
    }

    fn finding_row(
        &mut self,
        items: &str,
        f: &Finding,
        grouped: bool,
        short: &str,
    ) -> Result<(), RenderError> {
        // Owners are recorded on what did not pass, and left out when none was found.
        let owner = match (&f.subject.owner, f.status) {
            (Some(o), _) => &**o,
            (None, Status::Pass) => "",
            (None, _) if grouped => crate::ownership::NO_OWNER,
            (None, _) => "",
        };
        let line = f.subject.line.map(|l| l.to_string()).unwrap_or_default();
        let observed = observed(&f.observations, &f.subject);
        let expected = join(&f.observations, |o| o.expected.as_str());
        let source = sources(&f.observations, &f.subject);
        let message = without_source(
            without_expected(without_subject(&f.message, &f.subject), &f.observations),
            &source,
        );
        let message = without_node(message, f.subject.node.as_deref());
        let remediation = remediation_for(f.status, short);
        let w = f.waiver.as_deref();
        let expires = w.map(|w| w.expires.to_string()).unwrap_or_default();
        self.row(&[
            f.status.as_str(),
            severity_for(f.status, f.severity.as_str()),
            f.check.as_str(),
            items,
            &*f.subject.kind,
            f.subject.namespace.as_deref().unwrap_or_default(),
            &*f.subject.name,
            f.subject.file.as_deref().unwrap_or_default(),
            line.as_str(),
            observed.as_str(),
            expected.as_str(),
            source.as_str(),
            &message,
            remediation,
            w.map_or("", |w| w.justification.as_str()),
            w.map_or("", |w| w.approver.as_str()),
            w.and_then(|w| w.ticket.as_deref()).unwrap_or_default(),
            expires.as_str(),
            w.map_or("", |w| w.source.as_str()),
            f.subject.node.as_deref().unwrap_or_default(),
            owner,
        ])
    }
}

/// Writes the findings as CSV, streaming from the report's findings (no copy of them).
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> Result<(), RenderError> {
    let mut rows = Rows {
        out: Sink::new(out),
    };
    rows.row(HEADER)?;
    // The framework items each check decides, written once per row as `fw item; …`.
    let items: HashMap<&str, String> = report
        .items_by_check(" ")
        .into_iter()
        .map(|(k, v)| (k, v.join("; ")))
        .collect();
    let listing = report.listing();
    let grouped = !report.breakdown.is_empty();
    for check in &report.checks {
        let decides = items.get(check.id.as_str()).map_or("", String::as_str);
        let short = short_remediation(&check.remediation);
        let pass_lead = Rows::pass_lead(check, decides);
        if check.counts.total() == 0 {
            rows.check_row(check, decides, check.status, &check.message, &short)?;
        }
        let mut listed = 0;
        for entry in listing.of(check) {
            match entry {
                Listed::Finding(f) => {
                    listed += usize::from(f.status == Status::Pass);
                    rows.finding_row(decides, f, grouped, &short)?;
                }
                Listed::Pass(_, subject) => {
                    listed += 1;
                    rows.pass_row(&pass_lead, subject)?;
                }
            }
        }
        let unlisted = check.counts.pass.saturating_sub(listed);
        if unlisted > 0 {
            let note = format!(
                "{unlisted} subject(s) passed (not listed: report written with --detail summary)"
            );
            rows.check_row(check, decides, Status::Pass, &note, &short)?;
        }
    }
    for fw in &report.frameworks {
        for item in fw.items.iter().filter(|i| i.checks.is_empty()) {
            let id = format!("{} {}", fw.id, item.id);
            let title = match &item.attestation {
                Some(a) => format!("{} ({}: {})", item.title, a.label(), a.statement.trim()),
                None => format!("{} (assess by hand)", item.title),
            };
            let audit = item.audit.as_deref().unwrap_or_default().trim();
            let mut row = vec![item.status.as_str(), "", "", id.as_str()];
            row.extend(["", "", "", "", "", "", "", ""]);
            row.extend([title.as_str(), audit]);
            row.extend(NO_WAIVER);
            row.extend(NO_GROUPS);
            rows.row(&row)?;
        }
    }
    rows.out.finish()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_quoted_as_the_csv_crate_quotes_them() {
        let cells = [
            "plain",
            "",
            "a,b",
            "say \"hi\"",
            "two\nlines",
            "cr\rhere",
            "=1+2",
            "-x",
            "'q",
            "é ü",
            "=a,\"b\"",
            "\r\n",
            "\"",
        ];
        let mut ours = Vec::new();
        let mut rows = Rows {
            out: Sink::new(&mut ours),
        };
        let reversed: Vec<&str> = cells.iter().rev().copied().collect();
        rows.row(&cells).expect("row");
        rows.row(&reversed).expect("row");
        rows.out.finish().expect("flush");
        let mut theirs = csv::Writer::from_writer(Vec::new());
        for row in [&cells[..], &reversed] {
            let safe: Vec<String> = row.iter().map(|c| cell(c).into_owned()).collect();
            theirs.write_record(&safe).expect("record");
        }
        assert_eq!(
            String::from_utf8(ours).expect("utf-8"),
            String::from_utf8(theirs.into_inner().expect("inner")).expect("utf-8")
        );
    }

    #[test]
    fn quoting_is_found_at_every_place_in_a_word() {
        let naive = |b: &[u8]| b.iter().any(|c| matches!(c, b',' | b'"' | b'\r' | b'\n'));
        for len in 0..24 {
            // Every byte value as filler (bytes next to the special ones, high bytes).
            for fill in 0..=255u8 {
                let plain = vec![fill; len];
                assert_eq!(needs_quotes(&plain), naive(&plain), "{fill} × {len}");
                for at in 0..len {
                    for special in [b',', b'"', b'\r', b'\n'] {
                        let mut v = plain.clone();
                        v[at] = special;
                        assert!(
                            needs_quotes(&v),
                            "{special} at {at} of {len}, filler {fill}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn formula_cells_are_neutralised() {
        for s in ["=cmd|' /C calc'!A0", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(cell(s).starts_with('\''), "{s:?}");
        }
        assert_eq!(cell("--anonymous-auth=false"), "'--anonymous-auth=false");
        for s in ["web", "", "1.2.3", "a=b"] {
            assert_eq!(cell(s), s);
        }
    }

    #[test]
    fn a_message_does_not_repeat_its_subject() {
        let mut s = Subject {
            kind: "Pod".into(),
            namespace: Some("web".into()),
            name: "api".into(),
            ..Subject::default()
        };
        for (message, cell) in [
            ("Pod web/api: runs as root", "runs as root"),
            ("Pod web/apix: runs as root", "Pod web/apix: runs as root"),
            ("Pod other/api: x", "Pod other/api: x"),
            ("runs as root", "runs as root"),
        ] {
            assert_eq!(without_subject(message, &s), cell);
            assert_eq!(
                without_subject(message, &s),
                message
                    .strip_prefix(&format!("{}: ", s.display()))
                    .unwrap_or(message)
            );
        }
        s.namespace = None;
        assert_eq!(without_subject("Pod api: x", &s), "x");
        assert_eq!(without_subject("Pod web/api: x", &s), "Pod web/api: x");
    }

    #[test]
    fn short_remediation_is_the_first_sentence_or_the_good_example() {
        assert_eq!(short_remediation("\n  Set x.\nThen y."), "Set x.");
        assert_eq!(short_remediation(""), "");
        // Wrapped lines are joined; the sentence ends at `;` or `.`, not inside backticks
        // or an abbreviation.
        assert_eq!(
            short_remediation("Run a CNI (e.g. Calico) or set `a.b; c`\nand x; then y.\n"),
            "Run a CNI (e.g. Calico) or set `a.b; c` and x."
        );
        assert_eq!(
            short_remediation("Bad:   kube-apiserver --x=10 ...\nGood:  kube-apiserver --x=100\n         --y=1 ...\n"),
            "kube-apiserver --x=100 --y=1 ..."
        );
        assert_eq!(
            short_remediation("Set it in the config file:\nBad:   a: true\nGood:  a: false\n"),
            "Set it in the config file: a: false"
        );
        assert_eq!(
            short_remediation("List the networks:\n\n    spec: {}\n"),
            "List the networks."
        );
        assert_eq!(short_remediation("Bad: only"), "");
    }

    /// Every remediation in the built-in catalog gives a cell that reads as a finished
    /// sentence or a `Good:` example: wrapped text is never cut mid-sentence, and a
    /// remediation that is only an example needs a sentence before it.
    #[test]
    fn every_builtin_remediation_has_a_whole_short_form() {
        let catalog = crate::catalog::load(None).expect("built-in catalog");
        for check in &catalog.checks {
            let short = short_remediation(&check.remediation);
            // A `Good:` example is a command or a setting, not a sentence: the cell must
            // hold the whole first line of it.
            let good = check.remediation.lines().find_map(|l| {
                let head = l.trim_start().strip_prefix("Good:")?.trim();
                (!head.is_empty()).then_some(head)
            });
            let whole = short.ends_with(['.', ')']) || good.is_some_and(|g| short.contains(g));
            assert!(
                whole,
                "{}: remediation cell `{short}` is not a whole sentence",
                check.id
            );
        }
    }

    fn obs(source: &str, path: &str, observed: serde_json::Value) -> Observation {
        Observation {
            source: source.into(),
            path: path.into(),
            observed,
            expected: "x".into(),
            holds: false,
            note: None,
        }
    }

    #[test]
    fn sources_are_relative_to_the_subject() {
        let s = Subject {
            kind: "Pod".into(),
            name: "p".into(),
            file: Some("demo/a.yaml".into()),
            node: Some("cp-1".into()),
            ..Default::default()
        };
        let o = [
            obs("demo/a.yaml:28 (command)", "p", serde_json::Value::Null),
            obs("demo/b.yaml:3", "p", serde_json::Value::Null),
            obs("node cp-1: /etc/x", "p", serde_json::Value::Null),
            obs("node w-1: /etc/x", "p", serde_json::Value::Null),
        ];
        assert_eq!(
            sources(&o, &s),
            "line 28 (command); demo/b.yaml:3; /etc/x; node w-1: /etc/x"
        );
    }

    #[test]
    fn a_record_does_not_repeat_what_its_path_names() {
        let o = obs(
            "rbac.yaml:1",
            "Group g → RoleBinding ns/b → ClusterRole edit → rules[2]",
            serde_json::json!({"subject": "Group g", "binding": "RoleBinding ns/b",
                "role": "ClusterRole edit", "scope": "namespace ns", "rule": {"verbs": ["get"]}}),
        );
        let binding = Subject {
            kind: "RoleBinding".into(),
            ..Default::default()
        };
        assert_eq!(
            observed(&[o], &binding),
            "Group g → RoleBinding ns/b → ClusterRole edit → rules[2]={\"scope\":\"namespace ns\",\"rule\":{\"verbs\":[\"get\"]}}"
        );
    }

    #[test]
    fn observed_paths_start_at_the_subjects_pod_spec() {
        let of = |kind: &str, path: &str| {
            let s = Subject {
                kind: kind.into(),
                ..Default::default()
            };
            observed(&[obs("f.yaml:1", path, serde_json::json!(true))], &s)
        };
        assert_eq!(
            of(
                "CronJob",
                "spec.jobTemplate.spec.template.spec.containers[0].securityContext.privileged"
            ),
            "containers[0].securityContext.privileged=true"
        );
        assert_eq!(
            of("Deployment", "spec.template.spec.hostPID"),
            "hostPID=true"
        );
        assert_eq!(of("Pod", "spec.hostNetwork"), "hostNetwork=true");
        // Outside the pod spec (the pod template's labels, the object's own fields), and
        // kinds without a pod: the path as it is.
        assert_eq!(
            of("Deployment", "spec.template.metadata.labels"),
            "spec.template.metadata.labels=true"
        );
        assert_eq!(
            of("Deployment", "spec.template.spec"),
            "spec.template.spec=true"
        );
        assert_eq!(of("Service", "spec.type"), "spec.type=true");
    }

    #[test]
    fn only_rows_that_call_for_action_carry_a_severity() {
        for status in [Status::Pass, Status::NotApplicable] {
            assert_eq!(severity_for(status, "high"), "");
        }
        for status in [
            Status::Fail,
            Status::Warn,
            Status::Error,
            Status::Manual,
            Status::Waived,
        ] {
            assert_eq!(severity_for(status, "high"), "high");
        }
    }

    #[test]
    fn a_message_does_not_repeat_the_source_cell() {
        let source = "line 3; process /usr/bin/kubelet pid 811";
        let message =
            "kubelet on node n: tlsCertFile is not set (process /usr/bin/kubelet pid 811)";
        assert_eq!(
            without_source(message.into(), source),
            "kubelet on node n: tlsCertFile is not set"
        );
        assert!(matches!(
            without_source("no parenthesis".into(), source),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn a_message_does_not_repeat_the_node_cell() {
        let message = "kube-apiserver --profiling on node cp-1 is true";
        assert_eq!(
            without_node(message.into(), Some("cp-1")),
            "kube-apiserver --profiling is true"
        );
        assert_eq!(without_node(message.into(), Some("cp-2")), message);
        assert_eq!(without_node(message.into(), None), message);
    }
}
