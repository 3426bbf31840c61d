//! HTML and PDF reports and the evidence bundle: what an auditor reads, checked with poppler
//! (`pdftotext`, `pdftoppm`, `pdffonts`, `pdfinfo`; CI installs `poppler-utils`).

use std::path::{Path, PathBuf};
use std::process::Command;

use kubeattest::results::{Report, Status};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kubeattest"))
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `scan --demo --format all` into a fresh folder and returns it.
fn demo_bundle() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("bundle");
    let status = bin()
        .args(["scan", "--demo", "--quiet", "--format", "all", "--out"])
        .arg(&out)
        .status()
        .expect("run kubeattest");
    assert!(
        status.code().is_some_and(|c| c == 0 || c == 3),
        "scan failed: {status}"
    );
    (tmp, out)
}

/// Reads a saved report as `render` does: the checks that passed or did not apply get
/// their static text back from the built-in catalog.
fn read_report(dir: &Path) -> Report {
    let bytes = std::fs::read(dir.join("report.json")).expect("report.json");
    let mut report = kubeattest::render::json::parse(&bytes).expect("parse report.json");
    let catalog = kubeattest::catalog::load(None).expect("built-in catalog");
    report.fill_static_text(&catalog);
    report
}

fn poppler(tool: &str, args: &[&str], file: &Path) -> std::process::Output {
    let out = Command::new(tool)
        .args(args)
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool} (install poppler-utils): {e}"));
    assert!(
        out.status.success(),
        "{tool} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn pdf_text(pdf: &Path) -> String {
    pdftotext(pdf, &[])
}

/// `pdftotext [options] PDF -`: the text of `pdf`.
fn pdftotext(pdf: &Path, options: &[&str]) -> String {
    let out = Command::new("pdftotext")
        .args(options)
        .arg(pdf)
        .arg("-")
        .output()
        .expect("cannot run pdftotext (install poppler-utils)");
    assert!(out.status.success(), "pdftotext failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[test]
fn demo_pdf_names_every_failing_item_the_cluster_and_a_remediation() {
    let (_tmp, dir) = demo_bundle();
    let report = read_report(&dir);
    let text = pdf_text(&dir.join("report.pdf"));
    let flat = squash(&text);
    assert!(
        text.contains(&report.run.target.name),
        "cluster name missing"
    );
    for fw in &report.frameworks {
        for item in fw.items.iter().filter(|i| i.status == Status::Fail) {
            assert!(text.contains(&item.id), "failing item {} missing", item.id);
        }
    }
    let check = report
        .check("privileged-container")
        .expect("demo has privileged-container");
    assert_eq!(check.status, Status::Fail);
    let first_line = check.remediation.lines().next().expect("remediation text");
    assert!(
        flat.contains(&squash(first_line)),
        "remediation `{first_line}` missing from the PDF text"
    );
    assert!(text.contains("Executive summary") && text.contains("Appendix"));
    assert!(text.contains("page 1 of") || text.contains("page 2 of"));
}

#[test]
fn demo_evidence_reads_as_words_tables_and_code() {
    let (_tmp, dir) = demo_bundle();
    let text = pdf_text(&dir.join("report.pdf"));
    // Catalog text shows code in a monospaced face, never its backticks.
    assert!(!text.contains('`'), "a backtick reached the PDF");
    // The rows of subjects that did not pass say what was seen in words: field paths such
    // as `spec.template.spec.containers[0]…` appear only in the lead finding's evidence table.
    let paths = text.matches("spec.template.spec.").count();
    assert!(paths <= 12, "{paths} field paths in the PDF's text");
    // Grant chains and certificates are tables of their own fields.
    for label in [
        "Binding",
        "Role",
        "Scope",
        "Not after",
        "Subject alternative names",
    ] {
        assert!(text.contains(label), "`{label}` missing from the PDF");
    }
    // Node findings name the node in the subject line.
    assert!(
        text.contains("on node worker-2"),
        "node findings do not name the node"
    );
    let html = std::fs::read_to_string(dir.join("report.html")).expect("report.html");
    assert!(
        html.contains("<code>hostPID</code>"),
        "no code span in the HTML"
    );
    assert!(
        html.contains("<table class=\"facts\">"),
        "no fact table in the HTML"
    );
    // The demo's findings fit a document an auditor reads (was 97 pages before the owners
    // and exposure chapters and issue 13's checks were added; 80 with them; 86 with five
    // more checks and the manual items' audit text; 89 with NSA/CISA 4.1.1's failing
    // audit-policy-logs-nothing; 90 with credential-in-container-command); passing subjects
    // are counted, not named.
    let pages = text.matches('\u{c}').count();
    assert!(pages <= 90, "the demo PDF has {pages} pages");
    assert!(!text.contains("passed this check:"));

    // `--detail full` names the passing subjects and shows every listed one with evidence.
    let full = dir.with_file_name("full");
    let status = bin()
        .args([
            "scan", "--demo", "--quiet", "--detail", "full", "--format", "pdf", "--out",
        ])
        .arg(&full)
        .status()
        .expect("run kubeattest");
    assert!(status.code().is_some_and(|c| c == 0 || c == 3));
    let full_text = pdf_text(&full.join("report.pdf"));
    assert!(
        full_text.contains("passed this check:"),
        "full detail does not name passes"
    );
    assert!(full_text.matches('\u{c}').count() > pages);
}

#[test]
fn demo_pdf_renders_every_page_with_the_font_embedded() {
    let (tmp, dir) = demo_bundle();
    let pdf = dir.join("report.pdf");
    let info = String::from_utf8_lossy(&poppler("pdfinfo", &[], &pdf).stdout).into_owned();
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("page count");
    assert!(pages > 5, "only {pages} pages");
    assert!(info.contains("A4"), "not A4: {info}");
    let png = tmp.path().join("png");
    std::fs::create_dir_all(&png).expect("png dir");
    let out = Command::new("pdftoppm")
        .args(["-r", "20", "-png"])
        .arg(&pdf)
        .arg(png.join("p"))
        .output()
        .expect("cannot run pdftoppm (install poppler-utils)");
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "pdftoppm complained: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rendered = std::fs::read_dir(&png).expect("read png dir").count();
    assert_eq!(rendered, pages);

    let fonts = String::from_utf8_lossy(&poppler("pdffonts", &[], &pdf).stdout).into_owned();
    assert!(fonts.contains("DejaVuSans"), "{fonts}");
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "no fonts: {fonts}");
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        // name, type…, encoding, emb, sub, uni, object, id: `emb` is the 5th from the end.
        let emb = cols.get(cols.len().saturating_sub(5)).copied();
        assert_eq!(emb, Some("yes"), "font not embedded: {row}");
    }
}

#[test]
fn html_contains_every_finding_and_is_self_contained() {
    let (_tmp, dir) = demo_bundle();
    let report = read_report(&dir);
    let html = std::fs::read_to_string(dir.join("report.html")).expect("report.html");
    // Per check, the first subjects that did not pass (with their message) and the first
    // that passed are listed; the rest are counted.
    let listing = report.listing();
    for c in &report.checks {
        assert!(
            html.contains(&format!("id=\"check-{}\"", c.id)),
            "check {} missing",
            c.id
        );
        let (passed, not): (Vec<_>, Vec<_>) = listing
            .of(c)
            .map(|f| f.to_finding().into_owned())
            .partition(|f| f.status == Status::Pass);
        for f in not.iter().take(kubeattest::render::view::FINDING_LIMIT) {
            let subject = escape(&f.subject.display());
            assert!(html.contains(&subject), "finding subject {subject} missing");
            // Messages render their `code` spans as <code>, and paths in words; the subject
            // line names a node, so the sentence does not again.
            let mut message = kubeattest::render::view::path_text(&f.message);
            if let Some(node) = f.subject.node.as_deref() {
                message = message.replace(&format!(" on node {node}"), "");
            }
            assert!(
                html.contains(&kubeattest::render::prose::html(&message)),
                "message of {subject} missing"
            );
        }
        for f in passed.iter().take(kubeattest::render::view::PASSED_LIMIT) {
            let subject = escape(&f.subject.display());
            assert!(html.contains(&subject), "passing subject {subject} missing");
        }
        if not.len() > kubeattest::render::view::FINDING_LIMIT {
            let more = not.len() - kubeattest::render::view::FINDING_LIMIT;
            assert!(
                html.contains(&format!("… and {more} more subject(s)")),
                "{}",
                c.id
            );
        }
    }
    for c in report.checks.iter().filter(|c| c.status == Status::Fail) {
        // Paragraphs with code spans and indented code blocks.
        for b in kubeattest::render::prose::blocks(&c.remediation) {
            let shown = if b.kind == "code" {
                kubeattest::render::prose::escape_html(&b.text)
            } else {
                kubeattest::render::prose::html(&b.text)
            };
            assert!(html.contains(&shown), "remediation of {}: {shown}", c.id);
        }
    }
    for needle in ["<link", "src=\"http", "href=\"http", "@import", "url("] {
        assert!(!html.contains(needle), "external reference `{needle}`");
    }
    assert!(html.contains(&report.run.catalog.digest));
}

fn assert_manifest_matches(dir: &Path) {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("MANIFEST.json")).expect("MANIFEST.json"))
            .expect("manifest json");
    let files = manifest["files"].as_array().expect("files");
    let names: Vec<&str> = files.iter().filter_map(|f| f["name"].as_str()).collect();
    for want in ["report.json", "findings.csv", "report.html", "report.pdf"] {
        assert!(names.contains(&want), "{want} not in manifest");
    }
    for f in files {
        let name = f["name"].as_str().expect("name");
        let bytes = std::fs::read(dir.join(name)).expect("bundle file");
        assert_eq!(f["size"].as_u64(), Some(bytes.len() as u64), "{name} size");
        assert_eq!(
            f["sha256"].as_str(),
            Some(kubeattest::bundle::sha256_hex(&bytes).as_str()),
            "{name} hash"
        );
    }
}

#[test]
fn manifest_hashes_match_the_files() {
    let (_tmp, dir) = demo_bundle();
    assert_manifest_matches(&dir);
    // Re-rendering beside the saved report keeps the manifest true.
    let status = bin()
        .arg("render")
        .arg(dir.join("report.json"))
        .args(["--format", "pdf"])
        .status()
        .expect("run render");
    assert!(status.success());
    assert_manifest_matches(&dir);
    // The PDF appendix prints the hashes of the files rendered before it.
    let text = pdf_text(&dir.join("report.pdf"));
    let json = std::fs::read(dir.join("report.json")).expect("report.json");
    assert!(text.contains(&kubeattest::bundle::sha256_hex(&json)));
}

#[test]
fn render_of_saved_report_gives_the_same_html_and_pdf_text() {
    let (tmp, dir) = demo_bundle();
    let again = tmp.path().join("again");
    let status = bin()
        .arg("render")
        .arg(dir.join("report.json"))
        .args(["--format", "csv,html,pdf", "--out"])
        .arg(&again)
        .status()
        .expect("run render");
    assert!(status.success());
    let a = std::fs::read(dir.join("report.html")).expect("html");
    let b = std::fs::read(again.join("report.html")).expect("html again");
    assert!(a == b, "re-rendered HTML differs");
    assert_eq!(
        std::fs::read(dir.join("findings.csv")).expect("csv"),
        std::fs::read(again.join("findings.csv")).expect("csv again")
    );
    assert_eq!(
        pdf_text(&dir.join("report.pdf")),
        pdf_text(&again.join("report.pdf")),
        "re-rendered PDF text differs"
    );
}

/// Cluster strings are attacker-controlled: object names, labels and annotations carrying
/// markup must render as text in the HTML (and not break the PDF).
#[test]
fn cluster_strings_are_escaped_in_html() {
    let (_tmp, dir) = demo_bundle();
    let mut report = read_report(&dir);
    let payload = "<script>alert('x')</script>";
    report.run.target.name = format!("prod{payload}");
    for (i, s) in report.subjects.iter_mut().enumerate() {
        s.name = format!("passing-{i}{payload}").into();
    }
    for (i, f) in report.findings.iter_mut().enumerate() {
        let subject = std::sync::Arc::make_mut(&mut f.subject);
        subject.name = format!("web-{i}{payload}").into();
        subject.namespace = Some(format!("ns\"><img src=x onerror=alert(1)>{i}").into());
        f.message = format!("label app={payload}");
        for o in &mut f.observations {
            o.observed = serde_json::json!({
                "labels": {"app": payload},
                "annotations": {"note": "<img src=x onerror=alert(1)>"}
            });
            o.note = Some(payload.to_string());
        }
    }
    let html = String::from_utf8(kubeattest::render::html::render(&report).expect("render html"))
        .expect("utf-8");
    assert!(
        !html.contains("<script>alert"),
        "script payload rendered as markup"
    );
    assert!(
        !html.contains("<img src=x"),
        "img payload rendered as markup"
    );
    assert_eq!(
        html.matches("<script>").count(),
        1,
        "only our filter script"
    );
    assert!(
        html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;&#x2F;script&gt;")
            || html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;")
    );
    let pdf = kubeattest::render::pdf::render(&report, &[]).expect("render pdf");
    assert!(pdf.starts_with(b"%PDF"));
}

/// `reports/sample/` is regenerated by `scan --demo`; this fails when its HTML or PDF no
/// longer matches what the templates and layout code make from its `report.json`.
#[test]
fn committed_sample_is_current() {
    let sample = repo().join("reports/sample");
    let report = read_report(&sample);
    let html = kubeattest::render::html::render(&report).expect("render html");
    let committed = std::fs::read(sample.join("report.html")).expect("sample report.html");
    assert!(
        html == committed,
        "reports/sample/report.html is stale: regenerate it (see reports/README.md)"
    );
    let tmp = tempfile::tempdir().expect("temp dir");
    let again = tmp.path().join("sample");
    let status = bin()
        .arg("render")
        .arg(sample.join("report.json"))
        .args(["--format", "all", "--out"])
        .arg(&again)
        .status()
        .expect("run render");
    assert!(status.success());
    assert_eq!(
        pdf_text(&sample.join("report.pdf")),
        pdf_text(&again.join("report.pdf")),
        "reports/sample/report.pdf is stale: regenerate it (see reports/README.md)"
    );
}

/// A 10,000-finding report stays usable: compact per-check subject tables, not one evidence
/// block per finding, and at most `FINDING_LIMIT` subjects per check in HTML and PDF.
#[test]
fn large_report_uses_compact_tables() {
    let (_tmp, dir) = demo_bundle();
    let mut report = read_report(&dir);
    // The demo's mix of findings and compact passes, passes as findings (as schema 2.0
    // listed them; `normalize` moves them back into the pass lists).
    let base: Vec<kubeattest::results::Finding> = report
        .listed()
        .map(|f| f.to_finding().into_owned())
        .collect();
    report.subjects.clear();
    report.passed.clear();
    let mut findings = Vec::new();
    'fill: for round in 0.. {
        for f in &base {
            let mut g = f.clone();
            let name = format!("{}-{round}", g.subject.name).into();
            std::sync::Arc::make_mut(&mut g.subject).name = name;
            findings.push(g);
            if findings.len() == 10_000 {
                break 'fill;
            }
        }
    }
    report.findings = findings;
    report.normalize(None);
    report.recount();
    let started = std::time::Instant::now();
    let pdf = kubeattest::render::pdf::render(&report, &[]).expect("render pdf");
    let html = kubeattest::render::html::render(&report).expect("render html");
    eprintln!(
        "10,000 findings: PDF {} bytes, HTML {} bytes, {:?} (debug build)",
        pdf.len(),
        html.len(),
        started.elapsed()
    );
    let tmp = tempfile::tempdir().expect("temp dir");
    let path = tmp.path().join("big.pdf");
    std::fs::write(&path, &pdf).expect("write pdf");
    let text = pdf_text(&path);
    // Every listed check had more subjects than the PDF lists: the sentence says of how many.
    assert!(
        squash(&text).contains("subjects that did not pass, one row each"),
        "no capped compact table"
    );
    let pages = text.matches('\u{c}').count();
    assert!(pages < 300, "{pages} pages");
    // Bounded by what failed per check, not by the number of findings.
    assert!(squash(&text).contains("more subject(s) that did not pass"));
    // At most 25 subjects per check over ~170 checks, whatever the number of findings.
    assert!(html.len() < 2_500_000, "HTML {} bytes", html.len());
    assert!(String::from_utf8_lossy(&html).contains("more in findings.csv"));
}

/// A run with nothing in it (no findings, no frameworks, no coverage) still renders.
#[test]
fn empty_report_renders() {
    let mut report = read_report(&repo().join("reports/sample"));
    report.findings.clear();
    report.frameworks.clear();
    report.checks.clear();
    report.coverage.clear();
    let html = kubeattest::render::html::render(&report).expect("render html");
    assert!(String::from_utf8_lossy(&html).contains("Every source was read"));
    let pdf = kubeattest::render::pdf::render(&report, &[]).expect("render pdf");
    let tmp = tempfile::tempdir().expect("temp dir");
    let path = tmp.path().join("empty.pdf");
    std::fs::write(&path, &pdf).expect("write pdf");
    assert!(pdf_text(&path).contains("No check failed."));
}

/// The text of each page of `pdf`, in order.
fn pdf_pages(pdf: &Path) -> Vec<String> {
    let text = pdf_text(pdf);
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_string).collect();
    // pdftotext ends the last page with a form feed too.
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

/// The text of `pdf` with its layout kept (`pdftotext -layout`).
fn pdf_layout_text(pdf: &Path) -> String {
    pdftotext(pdf, &["-layout"])
}

/// A page's text without the running header and footer every page but the cover carries.
fn page_body(page: &str) -> String {
    page.lines()
        .map(str::trim)
        .filter(|l| {
            !(l.is_empty()
                || l.starts_with("kubeattest · ")
                || *l == "Kubernetes compliance report"
                || l.starts_with("Generated ")
                || (l.starts_with("page ") && l.contains(" of ")))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs kubeattest with `args` in `dir`; the exit code is 0 or 3 (failing findings).
fn run_in(dir: &Path, args: &[&str]) {
    let out = bin()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run kubeattest");
    assert!(
        out.status.code().is_some_and(|c| c == 0 || c == 3),
        "kubeattest {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Session 30 review, P1: the cover's closing note ran onto page 2 and the contents were
/// drawn over it; a page of only header and footer followed the contents. Every page has
/// content of its own, the contents page holds nothing of the cover, and the contents'
/// page numbers lead to their chapters.
#[test]
fn demo_pdf_front_matter_has_no_overlap_and_no_blank_page() {
    let (_tmp, dir) = demo_bundle();
    let pdf = dir.join("report.pdf");
    let pages = pdf_pages(&pdf);
    for (i, page) in pages.iter().enumerate() {
        assert!(
            !page_body(page).is_empty(),
            "page {} holds only the header and footer",
            i + 1
        );
    }
    let contents = pages
        .iter()
        .position(|p| p.lines().any(|l| l.trim() == "Contents"))
        .expect("a Contents page");
    assert!(
        !pages[contents].contains("Score =") && !pages[contents].contains("Read as"),
        "the Contents page holds cover text:\n{}",
        pages[contents]
    );
    assert!(
        pages[..contents].iter().any(|p| p.contains("Score =")),
        "the cover's closing note is missing"
    );
    // The contents' page numbers, read with -layout ("Title ...... 12").
    let layout = pdf_layout_text(&pdf);
    for title in [
        "Executive summary",
        "Findings with evidence and remediation",
        "Manual items",
        "Passed checks",
        "Sign-off",
    ] {
        let number: usize = layout
            .lines()
            .find_map(|l| {
                let l = l.trim();
                l.strip_prefix(title)?
                    .split_whitespace()
                    .last()?
                    .parse()
                    .ok()
            })
            .unwrap_or_else(|| panic!("{title} is not in the contents"));
        assert!(
            page_body(&pages[number - 1])
                .lines()
                .next()
                .is_some_and(|l| l.starts_with(title)),
            "the contents send {title} to page {number}, which begins:\n{}",
            page_body(&pages[number - 1])
        );
    }
}

/// Session 30 review, P2: with a catalog overlay, a preparer and an organisation the cover
/// had more lines than page 1, and the last scores were drawn below its edge. The cover
/// continues on the next page instead: every framework's score is before the contents.
#[test]
fn long_cover_continues_on_the_next_page_and_loses_nothing() {
    let tmp = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(repo().join("controls/checks")).expect("controls/checks") {
        let path = entry.expect("entry").path();
        let to = tmp
            .path()
            .join("overlay/checks")
            .join(path.file_name().expect("name"));
        std::fs::create_dir_all(to.parent().expect("parent")).expect("overlay dir");
        std::fs::copy(&path, &to).expect("copy a catalog file");
    }
    run_in(
        tmp.path(),
        &[
            "--catalog",
            "overlay",
            "scan",
            "--demo",
            "--quiet",
            "--preparer",
            "Alice Auditor, Senior IT Auditor, External Assurance Team (engagement KA-2026-117)",
            "--organisation",
            "Example Corporation International Holdings — Platform Security and Compliance Office, Frankfurt am Main",
            "--out",
            "out",
        ],
    );
    let out = tmp.path().join("out");
    let report = read_report(&out);
    let pages = pdf_pages(&out.join("report.pdf"));
    let contents = pages
        .iter()
        .position(|p| p.lines().any(|l| l.trim() == "Contents"))
        .expect("a Contents page");
    assert!(contents >= 2, "the cover did not need a second page");
    let cover = squash(&pages[..contents].join("\n"));
    assert!(cover.contains("Catalog overlay"), "{cover}");
    assert!(cover.contains("Frankfurt am Main"), "{cover}");
    assert!(cover.contains("Score ="), "{cover}");
    let view = kubeattest::render::view::View::new(&report);
    assert!(!view.frameworks.is_empty());
    for fw in &view.frameworks {
        let name = format!("{} {}", fw.title, fw.version);
        assert!(cover.contains(&name), "{name} is not on the cover: {cover}");
        assert!(
            cover.contains(&fw.score),
            "no score {} on the cover: {cover}",
            fw.score
        );
    }
    assert!(!pages[contents].contains("Score ="));
    assert!(!page_body(&pages[contents - 1]).is_empty());
}

/// Session 30 review, P5: no empty `/GTS_PDFXVersion` (read as a PDF/X claim), `/PageMode`
/// as a name, and the document's language in the catalog.
#[test]
fn pdf_metadata_claims_no_pdfx_and_names_its_language() {
    let (_tmp, dir) = demo_bundle();
    let pdf = dir.join("report.pdf");
    let info = String::from_utf8_lossy(&poppler("pdfinfo", &[], &pdf).stdout).into_owned();
    assert!(!info.contains("PDF subtype"), "{info}");
    assert!(!info.contains("PDF/X"), "{info}");
    let bytes = std::fs::read(&pdf).expect("read pdf");
    let raw = String::from_utf8_lossy(&bytes);
    assert!(!raw.contains("GTS_PDFXVersion"));
    assert!(raw.contains("/Lang(en)") || raw.contains("/Lang (en)"));
    assert!(
        raw.contains("/PageMode/UseOutlines") || raw.contains("/PageMode /UseOutlines"),
        "PageMode is not the name /UseOutlines"
    );
    assert!(!raw.contains("/PageMode("));
    assert!(bytes.starts_with(b"%PDF-1.4"), "/Lang needs PDF 1.4");
}

/// Session 30 review, P3: the registers' badges name the entry's state (applied, expired,
/// unused), as report.html does, not a finding status (an expired attestation of a passing
/// item read FAIL).
#[test]
fn pdf_registers_show_entry_states_not_finding_statuses() {
    let tmp = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        tmp.path().join("exceptions.yaml"),
        r#"exceptions:
  - check: host-pid-namespace
    subject: { kind: DaemonSet, namespace: monitoring, name: node-* }
    justification: node-exporter reads host process statistics by design.
    approver: jane.doe@example.com
    expires: 2099-06-30
  - check: host-network-namespace
    justification: expired waiver for the register
    approver: old.approver@example.com
    expires: 2020-01-01
  - check: host-ipc-namespace
    subject: { kind: Deploymnet }
    justification: misspelt kind, unused
    approver: x@example.com
    expires: 2099-01-01
"#,
    )
    .expect("exceptions");
    std::fs::write(
        tmp.path().join("attestations.yaml"),
        r#"attestations:
  - framework: cis-1.12
    item: "1.2.20"
    result: pass
    statement: --request-timeout is 60s on all three control plane nodes.
    evidence: { url: "https://tickets.example/AUD-17" }
    assessor: sam.assessor@example.com
    date: 2025-11-30
    expires: 2099-05-30
  - framework: cis
    item: "5.4.2"
    result: pass
    statement: expired one
    evidence: { url: "https://tickets.example/AUD-19" }
    assessor: sam.assessor@example.com
    date: 2020-01-01
    expires: 2020-06-30
"#,
    )
    .expect("attestations");
    run_in(
        tmp.path(),
        &[
            "scan",
            "--demo",
            "--quiet",
            "--exceptions",
            "exceptions.yaml",
            "--attestations",
            "attestations.yaml",
            "--out",
            "out",
        ],
    );
    let layout = pdf_layout_text(&tmp.path().join("out/report.pdf"));
    let entry = |about: &str| -> String {
        layout
            .lines()
            .map(str::trim)
            .find(|l| l.contains(about) && l.split_whitespace().count() > 2)
            .map(|l| l.split_whitespace().next().unwrap_or_default().to_string())
            .unwrap_or_else(|| panic!("no register entry for {about}"))
    };
    assert_eq!(entry("host-network-namespace — any subject"), "EXPIRED");
    assert_eq!(entry("host-pid-namespace — DaemonSet"), "APPLIED");
    assert_eq!(entry("host-ipc-namespace — Deploymnet"), "UNUSED");
    assert_eq!(entry("cis item 5.4.2"), "EXPIRED");
    assert_eq!(entry("cis-1.12 item 1.2.20 — attested pass"), "APPLIED");
}

/// Session 30 review, P4: with more failing subjects than the PDF lists, the sentence above
/// a compact table said "25 subject(s) did not pass" of 30. It gives the true count, and
/// sends the reader to findings.csv and report.json (report.html lists 25 too).
#[test]
fn pdf_compact_tables_state_how_many_did_not_pass() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let manifests: String = (0..30)
        .map(|i| {
            format!(
                "apiVersion: apps/v1
kind: Deployment
metadata: {{ name: app-{i:02}, namespace: shop }}
spec:
  selector: {{ matchLabels: {{ app: a{i} }} }}
  template:
    metadata: {{ labels: {{ app: a{i} }} }}
    spec:
      containers:
        - name: main
          image: registry.example.com/shop/app:latest
          securityContext: {{ privileged: true }}
---
"
            )
        })
        .collect();
    std::fs::write(tmp.path().join("many.yaml"), manifests).expect("manifests");
    run_in(
        tmp.path(),
        &[
            "scan",
            "--manifests",
            "many.yaml",
            "--quiet",
            "--out",
            "out",
        ],
    );
    let text = squash(&pdf_text(&tmp.path().join("out/report.pdf")));
    // A medium check: one row each, no evidence blocks.
    assert!(
        text.contains("The first 25 of the 30 subjects that did not pass, one row each"),
        "{text}"
    );
    // A critical or high check: two subjects with their evidence, then the next 23 of 28.
    assert!(
        text.contains("The next 23 of the 28 other subjects that did not pass, one row each"),
        "{text}"
    );
    assert!(text.contains("… and 5 more subject(s) that did not pass"));
    assert!(!text.contains("25 subject(s) did not pass"));
    assert!(!text.contains("23 other subject(s) did not pass"));
}
