//! `report.pdf`: the audit document, laid out by our own small engine ([`layout`]) over
//! printpdf, with an embedded pre-subset Unicode font ([`fonts`]).
//!
//! Order: cover, table of contents (page numbers and links), executive summary with bar
//! charts, one chapter per framework (section chart, worst items, every item with a status
//! badge), findings with evidence and remediation (compact per-check subject tables when a
//! check has many), manual items, passed checks, appendix (scope, coverage, SHA-256 of the
//! other bundle files). Every page but the cover carries the cluster name, "page X of Y" and
//! the generation time (the run's end, so re-rendering `report.json` gives the same text).

pub mod fonts;
pub mod layout;

use printpdf::{PdfDocument, PdfPage, PdfSaveOptions};

use crate::render::view::{CheckView, Count, FindingView, View};
use crate::render::RenderError;
use crate::results::Report;
use fonts::{Face, Fonts};
use layout::{
    ink, line_color, muted, rgb, severity_color, status_color, Cell, Layout, Row, MARGIN_X, PAGE_H,
    PAGE_W, TEXT_W,
};

/// Above this many non-passing findings, a check's subjects are listed in one compact table
/// instead of one evidence block each.
const DETAIL_LIMIT: usize = 12;
/// Table of contents lines per page.
const TOC_PER_PAGE: usize = 44;

/// Renders the report as PDF; `bundle` holds the other files of the folder (name, bytes),
/// whose sizes and SHA-256 the appendix lists.
pub fn render(
    report: &Report,
    bundle: &[crate::manifest::ManifestEntry],
) -> Result<Vec<u8>, RenderError> {
    let view = View::new(report);
    let mut doc = PdfDocument::new(&view.title);
    let fonts = Fonts::load(&mut doc)?;
    let mut l = Layout::new(&fonts);

    // Table of contents entries: (level, title, anchor).
    let mut toc: Vec<(u8, String, String)> =
        vec![(1, "Executive summary".into(), "summary".into())];
    for fw in &view.frameworks {
        toc.push((
            1,
            format!("{} {}", fw.title, fw.version),
            format!("fw-{}", fw.id),
        ));
    }
    toc.push((
        1,
        "Findings with evidence and remediation".into(),
        "findings".into(),
    ));
    for c in &view.problems {
        toc.push((
            2,
            format!("{} ({})", c.title, c.id),
            format!("check-{}", c.id),
        ));
    }
    toc.push((1, "Manual items".into(), "manual".into()));
    toc.push((1, "Passed checks".into(), "passed".into()));
    toc.push((
        1,
        "Appendix: scope, coverage and bundle hashes".into(),
        "appendix".into(),
    ));
    let toc_pages = toc.len().div_ceil(TOC_PER_PAGE);

    cover(&mut l, &view);
    for _ in 0..toc_pages {
        l.new_page();
    }
    summary(&mut l, &view);
    for fw in &view.frameworks {
        framework(&mut l, fw, &view);
    }
    findings(&mut l, &view);
    manual(&mut l, &view);
    passed(&mut l, &view);
    appendix(&mut l, &view, bundle);
    table_of_contents(&mut l, &toc, toc_pages);
    header_footer(&mut l, &view);
    l.link_ops();

    for (_, title, anchor) in toc.iter().filter(|(lvl, _, _)| *lvl == 1) {
        if let Some((page, _)) = l.anchors.get(anchor) {
            doc.add_bookmark(title, page + 1);
        }
    }
    let pages = std::mem::take(&mut l.pages)
        .into_iter()
        .map(|ops| PdfPage::new(printpdf::Mm(210.0), printpdf::Mm(297.0), ops))
        .collect();
    doc.with_pages(pages);
    let when = chrono::DateTime::parse_from_rfc3339(&report.run.finished_at)
        .map(|d| d.timestamp())
        .unwrap_or(0);
    let date = printpdf::OffsetDateTime::from_unix_timestamp(when)
        .map_err(|e| RenderError::Pdf(e.to_string()))?;
    let info = &mut doc.metadata.info;
    info.creation_date = date;
    info.modification_date = date;
    info.metadata_date = date;
    info.author = format!("{} {}", report.run.tool.name, report.run.tool.version);
    info.creator = info.author.clone();
    info.producer = info.author.clone();
    info.subject = format!("Compliance evidence for {}", view.cluster);
    info.identifier = report.run.id.clone();
    let opts = PdfSaveOptions {
        subset_fonts: false,
        ..PdfSaveOptions::default()
    };
    let mut warnings = Vec::new();
    Ok(doc.save(&opts, &mut warnings))
}

fn cover(l: &mut Layout, view: &View) {
    l.new_page();
    l.rect(0.0, 0.0, PAGE_W, 250.0, rgb(28, 36, 48));
    l.text(
        MARGIN_X,
        90.0,
        Face::Regular,
        12.0,
        rgb(180, 190, 205),
        "kubeattest · compliance evidence",
    );
    l.y = 120.0;
    for line in l
        .fonts
        .wrap(Face::Bold, 26.0, "Kubernetes compliance report", TEXT_W)
    {
        let b = l.y + 26.0;
        l.text(MARGIN_X, b, Face::Bold, 26.0, rgb(255, 255, 255), &line);
        l.y += 32.0;
    }
    for line in l.fonts.wrap(Face::Bold, 20.0, &view.cluster, TEXT_W) {
        let b = l.y + 20.0;
        l.text(MARGIN_X, b, Face::Bold, 20.0, rgb(144, 202, 249), &line);
        l.y += 26.0;
    }
    l.y = 280.0;
    let label_w = 130.0;
    for f in &view.cover {
        let lines = l
            .fonts
            .wrap(Face::Regular, 10.0, &f.value, TEXT_W - label_w);
        let b = l.y + 10.0;
        l.text(MARGIN_X, b, Face::Regular, 10.0, muted(), &f.label);
        for line in lines {
            let b = l.y + 10.0;
            l.text(MARGIN_X + label_w, b, Face::Regular, 10.0, ink(), &line);
            l.y += 14.0;
        }
        l.y += 3.0;
    }
    l.y += 16.0;
    // Scores at a glance.
    for fw in &view.frameworks {
        let b = l.y + 11.0;
        l.text(
            MARGIN_X,
            b,
            Face::Bold,
            11.0,
            ink(),
            &format!("{} {}", fw.title, fw.version),
        );
        l.text(
            PAGE_W - MARGIN_X - 60.0,
            b,
            Face::Bold,
            14.0,
            ink(),
            &fw.score,
        );
        l.y += 18.0;
        stacked_bar(l, MARGIN_X, TEXT_W, 10.0, &fw.counts);
        l.y += 18.0;
    }
    l.y += 6.0;
    l.paragraph(
        Face::Regular,
        8.5,
        muted(),
        &format!(
            "Score = {}. Every verdict in this document is rendered from report.json of this run; the appendix lists the SHA-256 of every other file of the bundle. Generated {}.",
            view.score_formula, view.generated_at
        ),
        MARGIN_X,
        TEXT_W,
    );
}

/// A horizontal bar split by status counts, with counts written inside wide segments.
fn stacked_bar(l: &mut Layout, x: f32, width: f32, h: f32, counts: &[Count]) {
    let total: usize = counts.iter().map(|c| c.count).sum();
    if total == 0 {
        l.rect(x, l.y, width, h, line_color());
        return;
    }
    let mut cx = x;
    for c in counts.iter().filter(|c| c.count > 0) {
        let w = width * c.count as f32 / total as f32;
        let y = l.y;
        l.rect(cx, y, w, h, status_color(&c.name));
        let label = c.count.to_string();
        let size = (h - 2.0).min(8.0);
        if l.fonts.width(Face::Bold, size, &label) + 4.0 < w {
            let fg = if c.name == "not_applicable" {
                ink()
            } else {
                rgb(255, 255, 255)
            };
            l.text(
                cx + 2.0,
                y + h / 2.0 + size / 2.8,
                Face::Bold,
                size,
                fg,
                &label,
            );
        }
        cx += w;
    }
}

fn legend(l: &mut Layout, counts: &[Count]) {
    l.ensure(14.0);
    let mut x = MARGIN_X;
    for c in counts {
        let y = l.y;
        l.rect(x, y + 1.0, 8.0, 8.0, status_color(&c.name));
        let label = format!("{} {}", c.name.replace('_', " "), c.count);
        l.text(x + 11.0, y + 8.5, Face::Regular, 8.0, ink(), &label);
        x += 18.0 + l.fonts.width(Face::Regular, 8.0, &label);
    }
    l.y += 14.0;
}

fn table_of_contents(l: &mut Layout, toc: &[(u8, String, String)], toc_pages: usize) {
    for (chunk_i, chunk) in toc.chunks(TOC_PER_PAGE).enumerate() {
        let page = 1 + chunk_i;
        if page > toc_pages {
            break;
        }
        let mut y = layout::TOP;
        if chunk_i == 0 {
            l.text_on(
                page,
                MARGIN_X,
                y + 18.0,
                Face::Bold,
                18.0,
                ink(),
                "Contents",
            );
            let (a, b) = (y + 26.0, y + 26.0);
            l.line_on(page, MARGIN_X, a, PAGE_W - MARGIN_X, b, 1.2, ink());
            y += 36.0;
        }
        for (level, title, anchor) in chunk {
            let Some((target, _)) = l.anchors.get(anchor).copied() else {
                continue;
            };
            let (face, size, indent) = if *level == 1 {
                (Face::Bold, 10.5, 0.0)
            } else {
                (Face::Regular, 9.0, 16.0)
            };
            let num = (target + 1).to_string();
            let num_w = l.fonts.width(face, size, &num);
            let avail = TEXT_W - indent - 40.0;
            let mut t = l.fonts.clean(face, title);
            while l.fonts.width(face, size, &t) > avail && t.chars().count() > 4 {
                t.pop();
                while l.fonts.width(face, size, &format!("{t}…")) > avail && t.chars().count() > 4
                {
                    t.pop();
                }
                t.push('…');
            }
            l.text_on(page, MARGIN_X + indent, y + size, face, size, ink(), &t);
            l.text_on(
                page,
                PAGE_W - MARGIN_X - num_w,
                y + size,
                face,
                size,
                ink(),
                &num,
            );
            let tw = l.fonts.width(face, size, &t);
            let dots_from = MARGIN_X + indent + tw + 6.0;
            let dots_to = PAGE_W - MARGIN_X - num_w - 6.0;
            if dots_to > dots_from {
                l.line_on(
                    page,
                    dots_from,
                    y + size,
                    dots_to,
                    y + size,
                    0.4,
                    line_color(),
                );
            }
            l.links
                .push((page, [MARGIN_X, y, TEXT_W, size * 1.5], anchor.clone()));
            y += if *level == 1 { 17.0 } else { 14.5 };
        }
    }
}

fn header_footer(l: &mut Layout, view: &View) {
    let total = l.pages.len();
    for page in 1..total {
        let head = format!("kubeattest · {}", view.cluster);
        l.text_on(page, MARGIN_X, 30.0, Face::Regular, 8.0, muted(), &head);
        let right = "Kubernetes compliance report";
        let w = l.fonts.width(Face::Regular, 8.0, right);
        l.text_on(
            page,
            PAGE_W - MARGIN_X - w,
            30.0,
            Face::Regular,
            8.0,
            muted(),
            right,
        );
        l.line_on(
            page,
            MARGIN_X,
            36.0,
            PAGE_W - MARGIN_X,
            36.0,
            0.5,
            line_color(),
        );
        let fy = PAGE_H - 28.0;
        l.line_on(
            page,
            MARGIN_X,
            fy - 10.0,
            PAGE_W - MARGIN_X,
            fy - 10.0,
            0.5,
            line_color(),
        );
        let gen = format!("Generated {} · run {}", view.generated_at, run_id(view));
        l.text_on(page, MARGIN_X, fy, Face::Regular, 8.0, muted(), &gen);
        let num = format!("page {} of {}", page + 1, total);
        let w = l.fonts.width(Face::Regular, 8.0, &num);
        l.text_on(
            page,
            PAGE_W - MARGIN_X - w,
            fy,
            Face::Regular,
            8.0,
            muted(),
            &num,
        );
    }
}

fn run_id(view: &View) -> String {
    view.cover
        .iter()
        .find(|f| f.label == "Run id")
        .map(|f| f.value.clone())
        .unwrap_or_default()
}

fn summary(l: &mut Layout, view: &View) {
    l.heading(1, "Executive summary", Some("summary"));
    l.paragraph(
        Face::Regular,
        9.5,
        ink(),
        &format!(
            "{} framework(s) were evaluated against {}. {} finding(s) (check × subject) were recorded; {} source(s) were read{}.",
            view.frameworks.len(),
            view.cluster,
            view.finding_count,
            view.coverage.len(),
            if view.coverage_failures > 0 {
                format!(", {} could not be read (see the appendix)", view.coverage_failures)
            } else {
                ", all completely".to_string()
            }
        ),
        MARGIN_X,
        TEXT_W,
    );
    l.space(6.0);
    let rows: Vec<Row> = view
        .frameworks
        .iter()
        .map(|fw| {
            let mut cells = vec![
                Cell::bold(format!("{} {}", fw.title, fw.version)).linked(format!("fw-{}", fw.id)),
                Cell::bold(fw.score.clone()),
            ];
            for c in &fw.counts {
                cells.push(Cell::text(c.count.to_string()).colored(if c.count > 0 {
                    status_color(&c.name)
                } else {
                    muted()
                }));
            }
            cells.push(Cell::text(fw.total.to_string()));
            Row::Cells(cells)
        })
        .collect();
    let mut cols: Vec<(&str, f32)> = vec![("Framework", 0.31), ("Score", 0.09)];
    let names = ["fail", "error", "warn", "waived", "manual", "pass", "n/a"];
    for n in names {
        cols.push((n, 0.075));
    }
    cols.push(("total", 0.075));
    l.table(&cols, &rows, 8.5);
    l.paragraph(
        Face::Regular,
        8.0,
        muted(),
        &format!("Score = {}.", view.score_formula),
        MARGIN_X,
        TEXT_W,
    );
    l.space(8.0);

    l.heading(2, "Items by status", None);
    for fw in &view.frameworks {
        l.ensure(40.0);
        let b = l.y + 9.5;
        l.text(
            MARGIN_X,
            b,
            Face::Bold,
            9.5,
            ink(),
            &format!("{} {} — score {}", fw.title, fw.version, fw.score),
        );
        l.y += 14.0;
        stacked_bar(l, MARGIN_X, TEXT_W, 14.0, &fw.counts);
        l.y += 18.0;
        legend(
            l,
            &fw.counts
                .iter()
                .filter(|c| c.count > 0)
                .cloned()
                .collect::<Vec<_>>(),
        );
        l.space(4.0);
    }

    l.heading(2, "Failing findings by severity", None);
    let max = view
        .severity_counts
        .iter()
        .map(|c| c.count)
        .max()
        .unwrap_or(0)
        .max(1);
    for c in &view.severity_counts {
        l.ensure(16.0);
        let y = l.y;
        l.text(
            MARGIN_X,
            y + 9.0,
            Face::Bold,
            9.0,
            severity_color(&c.name),
            &c.name.to_uppercase(),
        );
        let w = (TEXT_W - 130.0) * c.count as f32 / max as f32;
        if c.count > 0 {
            l.rect(
                MARGIN_X + 80.0,
                y,
                w.max(1.0),
                11.0,
                severity_color(&c.name),
            );
        }
        l.text(
            MARGIN_X + 86.0 + w,
            y + 9.0,
            Face::Regular,
            9.0,
            ink(),
            &c.count.to_string(),
        );
        l.y += 16.0;
    }
    l.space(6.0);

    l.heading(2, "Worst items first", None);
    for fw in &view.frameworks {
        l.paragraph(
            Face::Bold,
            9.5,
            ink(),
            &format!("{} {}", fw.title, fw.version),
            MARGIN_X,
            TEXT_W,
        );
        if fw.worst.is_empty() {
            l.paragraph(
                Face::Regular,
                9.0,
                muted(),
                "No item fails, errs or warns.",
                MARGIN_X,
                TEXT_W,
            );
            l.space(6.0);
            continue;
        }
        let rows: Vec<Row> = fw
            .worst
            .iter()
            .take(15)
            .map(|i| {
                Row::Cells(vec![
                    Cell::badge(&i.status),
                    Cell::severity(&i.severity),
                    Cell::bold(i.id.clone()),
                    Cell::text(i.title.clone()),
                    Cell::mono(i.checks.join(", ")).linked(
                        i.checks
                            .first()
                            .map(|c| format!("check-{c}"))
                            .unwrap_or_default(),
                    ),
                ])
            })
            .collect();
        l.table(
            &[
                ("Status", 0.11),
                ("Severity", 0.1),
                ("Item", 0.08),
                ("Title", 0.43),
                ("Check", 0.28),
            ],
            &rows,
            8.0,
        );
        if fw.worst.len() > 15 {
            l.paragraph(
                Face::Regular,
                8.5,
                muted(),
                &format!(
                    "… and {} more; see the framework chapter.",
                    fw.worst.len() - 15
                ),
                MARGIN_X,
                TEXT_W,
            );
            l.space(4.0);
        }
    }
}

fn framework(l: &mut Layout, fw: &crate::render::view::FrameworkView, view: &View) {
    l.heading(
        1,
        &format!("{} {}", fw.title, fw.version),
        Some(&format!("fw-{}", fw.id)),
    );
    l.paragraph(
        Face::Bold,
        11.0,
        ink(),
        &format!("Score {} over {} items", fw.score, fw.total),
        MARGIN_X,
        TEXT_W,
    );
    l.paragraph(
        Face::Regular,
        8.0,
        muted(),
        &format!("Score = {}.", view.score_formula),
        MARGIN_X,
        TEXT_W,
    );
    l.space(4.0);
    let sev: Vec<String> = fw
        .severity_counts
        .iter()
        .map(|c| format!("{} {}", c.name, c.count))
        .collect();
    l.paragraph(
        Face::Regular,
        9.0,
        ink(),
        &format!("Failing findings by severity: {}", sev.join(", ")),
        MARGIN_X,
        TEXT_W,
    );
    l.space(6.0);
    l.heading(3, "Items by section", None);
    legend(
        l,
        &fw.counts
            .iter()
            .filter(|c| c.count > 0)
            .cloned()
            .collect::<Vec<_>>(),
    );
    for s in fw.sections.iter().filter(|s| !s.items.is_empty()) {
        l.ensure(14.0);
        let y = l.y;
        let mut label = l
            .fonts
            .clean(Face::Regular, &format!("{} {}", s.id, s.title));
        while l.fonts.width(Face::Regular, 8.0, &label) > 200.0 && label.chars().count() > 4 {
            label.pop();
        }
        l.text(MARGIN_X, y + 8.0, Face::Regular, 8.0, ink(), &label);
        let total: usize = s.counts.iter().map(|c| c.count).sum();
        let w = (TEXT_W - 240.0) * (total as f32 / max_section(fw) as f32);
        stacked_bar(l, MARGIN_X + 205.0, w.max(4.0), 10.0, &s.counts);
        l.text(
            MARGIN_X + 210.0 + w.max(4.0),
            y + 8.0,
            Face::Regular,
            8.0,
            muted(),
            &total.to_string(),
        );
        l.y += 13.0;
    }
    l.space(8.0);
    l.heading(3, "Every item", None);
    let mut rows = Vec::new();
    for s in &fw.sections {
        if s.items.is_empty() {
            rows.push(Row::Group(format!("{} {}", s.id, s.title)));
            continue;
        }
        rows.push(Row::Group(format!("{} {}", s.id, s.title)));
        for i in &s.items {
            let why = if i.checks.is_empty() {
                "manual: see the audit instructions".to_string()
            } else {
                i.checks.join(", ")
            };
            let link = if i.checks.is_empty() {
                "manual".to_string()
            } else {
                format!("check-{}", i.checks[0])
            };
            rows.push(Row::Cells(vec![
                Cell::bold(i.id.clone()),
                Cell::text(i.title.clone()),
                Cell::badge(&i.status),
                Cell::mono(why).colored(muted()).linked(link),
            ]));
        }
    }
    l.table(
        &[
            ("Item", 0.09),
            ("Title", 0.5),
            ("Status", 0.13),
            ("Decided by", 0.28),
        ],
        &rows,
        8.0,
    );
}

fn max_section(fw: &crate::render::view::FrameworkView) -> usize {
    fw.sections
        .iter()
        .map(|s| s.counts.iter().map(|c| c.count).sum::<usize>())
        .max()
        .unwrap_or(1)
        .max(1)
}

fn findings(l: &mut Layout, view: &View) {
    l.heading(
        1,
        "Findings with evidence and remediation",
        Some("findings"),
    );
    l.paragraph(
        Face::Regular,
        9.0,
        muted(),
        &format!(
            "Checks that did not pass, worst first. Each finding names the subject, where it was observed, the value seen and what was expected; the remediation follows. Every observation was collected during the run ({}).",
            view.cover.iter().find(|f| f.label == "Run").map(|f| f.value.as_str()).unwrap_or("")
        ),
        MARGIN_X,
        TEXT_W,
    );
    if view.problems.is_empty() {
        l.paragraph(
            Face::Regular,
            10.0,
            ink(),
            "No check failed.",
            MARGIN_X,
            TEXT_W,
        );
    }
    for c in &view.problems {
        check(l, c);
    }
}

fn check(l: &mut Layout, c: &CheckView) {
    l.y += 8.0;
    l.ensure(90.0);
    l.rule(0.8, line_color());
    l.y += 6.0;
    l.anchor(format!("check-{}", c.id));
    let y = l.y;
    let w = l.badge(MARGIN_X, y, &c.status, 8.0);
    let sev = c.severity.to_uppercase();
    l.text(
        MARGIN_X + w + 6.0,
        y + 9.0,
        Face::Bold,
        8.5,
        severity_color(&c.severity),
        &sev,
    );
    let sw = l.fonts.width(Face::Bold, 8.5, &sev);
    l.text(
        MARGIN_X + w + 12.0 + sw,
        y + 9.0,
        Face::Mono,
        8.5,
        muted(),
        &c.id,
    );
    l.y += 16.0;
    l.paragraph(Face::Bold, 11.0, ink(), &c.title, MARGIN_X, TEXT_W);
    let counts: Vec<String> = c
        .counts
        .iter()
        .map(|n| format!("{} {}", n.name, n.count))
        .collect();
    let mut meta = format!("Items: {}", c.items.join(", "));
    if !c.peers.is_empty() {
        meta.push_str(&format!(" · peers: {}", c.peers.join(", ")));
    }
    meta.push_str(&format!(" · findings: {}", counts.join(", ")));
    l.paragraph(Face::Regular, 8.0, muted(), &meta, MARGIN_X, TEXT_W);
    l.space(3.0);
    if c.findings.is_empty() {
        l.paragraph(Face::Regular, 9.0, ink(), &c.message, MARGIN_X, TEXT_W);
    } else if c.findings.len() <= DETAIL_LIMIT {
        for f in &c.findings {
            finding_block(l, f);
        }
    } else {
        l.paragraph(
            Face::Regular,
            8.5,
            ink(),
            &format!(
                "{} subjects did not pass; one row each (every observation is in report.json).",
                c.findings.len()
            ),
            MARGIN_X,
            TEXT_W,
        );
        let rows: Vec<Row> = c
            .findings
            .iter()
            .map(|f| {
                let obs = f
                    .observations
                    .iter()
                    .find(|o| !o.holds)
                    .or(f.observations.first())
                    .map(|o| format!("{} = {} (expected {})", o.path, o.observed, o.expected))
                    .unwrap_or_else(|| f.message.clone());
                Row::Cells(vec![
                    Cell::badge(&f.status),
                    Cell::mono(f.subject.clone()),
                    Cell::mono(f.location.clone()).colored(muted()),
                    Cell::mono(obs),
                ])
            })
            .collect();
        l.table(
            &[
                ("Status", 0.11),
                ("Subject", 0.32),
                ("Location", 0.2),
                ("Observed", 0.37),
            ],
            &rows,
            7.0,
        );
    }
    l.space(2.0);
    l.ensure(30.0);
    l.paragraph(Face::Bold, 9.0, ink(), "Remediation", MARGIN_X, TEXT_W);
    l.code_block(&c.remediation, 7.5);
    if !c.passed.is_empty() {
        l.paragraph(
            Face::Regular,
            8.0,
            muted(),
            &format!(
                "{} subject(s) passed this check (listed in report.json and report.html).",
                c.passed.len()
            ),
            MARGIN_X,
            TEXT_W,
        );
    }
}

fn finding_block(l: &mut Layout, f: &FindingView) {
    l.ensure(40.0);
    let y = l.y;
    let w = l.badge(MARGIN_X, y, &f.status, 7.0);
    let x = MARGIN_X + w + 6.0;
    let lines = l.fonts.wrap(Face::Mono, 8.5, &f.subject, TEXT_W - w - 6.0);
    for (i, line) in lines.iter().enumerate() {
        l.text(x, y + 8.5 + i as f32 * 11.0, Face::Mono, 8.5, ink(), line);
    }
    l.y += 11.0 * lines.len() as f32 + 2.0;
    let mut text = f.message.clone();
    if !f.location.is_empty() {
        text = format!("{} — {}", f.location, text);
    }
    l.paragraph(Face::Regular, 8.0, muted(), &text, x, TEXT_W - w - 6.0);
    if !f.observations.is_empty() {
        let rows: Vec<Row> = f
            .observations
            .iter()
            .map(|o| {
                let observed = if o.note.is_empty() {
                    o.observed.clone()
                } else {
                    format!("{} ({})", o.observed, o.note)
                };
                Row::Cells(vec![
                    Cell::mono(o.source.clone()),
                    Cell::mono(o.path.clone()),
                    Cell::mono(observed).colored(if o.holds {
                        ink()
                    } else {
                        status_color("fail")
                    }),
                    Cell::mono(o.expected.clone()),
                ])
            })
            .collect();
        l.table(
            &[
                ("Source", 0.34),
                ("Path", 0.22),
                ("Observed", 0.26),
                ("Expected", 0.18),
            ],
            &rows,
            7.0,
        );
    } else {
        l.space(4.0);
    }
}

fn manual(l: &mut Layout, view: &View) {
    l.heading(1, "Manual items", Some("manual"));
    l.paragraph(
        Face::Regular,
        9.0,
        muted(),
        "No automated check decides these items; they are never reported as pass. An auditor assesses each with the instructions given.",
        MARGIN_X,
        TEXT_W,
    );
    l.space(4.0);
    for fw in &view.frameworks {
        l.heading(
            2,
            &format!("{} {} — {} item(s)", fw.title, fw.version, fw.manual.len()),
            None,
        );
        let rows: Vec<Row> = fw
            .manual
            .iter()
            .map(|i| {
                let audit = if i.audit.is_empty() {
                    i.message.clone()
                } else {
                    i.audit.clone()
                };
                Row::Cells(vec![
                    Cell::bold(i.id.clone()),
                    Cell::text(i.title.clone()),
                    Cell::mono(audit),
                ])
            })
            .collect();
        l.table(
            &[("Item", 0.08), ("Title", 0.34), ("How to assess", 0.58)],
            &rows,
            7.5,
        );
    }
}

fn passed(l: &mut Layout, view: &View) {
    l.heading(1, "Passed checks", Some("passed"));
    l.paragraph(
        Face::Regular,
        9.0,
        muted(),
        "Checks that held on every subject in scope, or had nothing in scope (with the reason).",
        MARGIN_X,
        TEXT_W,
    );
    l.space(4.0);
    let rows: Vec<Row> = view
        .passed
        .iter()
        .map(|c| {
            let subjects = if c.passed.is_empty() && c.findings.is_empty() {
                c.message.clone()
            } else {
                format!("{} subject(s) passed", c.passed.len())
            };
            Row::Cells(vec![
                Cell::text(c.title.clone()),
                Cell::mono(c.id.clone()).colored(muted()),
                Cell::badge(&c.status),
                Cell::severity(&c.severity),
                Cell::text(subjects).colored(muted()),
            ])
        })
        .collect();
    for c in &view.passed {
        // Anchors so item tables can link here.
        l.anchors
            .entry(format!("check-{}", c.id))
            .or_insert((l.pages.len().saturating_sub(1), l.y));
    }
    l.table(
        &[
            ("Check", 0.33),
            ("Id", 0.27),
            ("Status", 0.13),
            ("Severity", 0.1),
            ("Subjects", 0.17),
        ],
        &rows,
        7.5,
    );
}

fn appendix(l: &mut Layout, view: &View, bundle: &[crate::manifest::ManifestEntry]) {
    l.heading(
        1,
        "Appendix: scope, coverage and bundle hashes",
        Some("appendix"),
    );
    l.heading(2, "Scope and run", None);
    let rows: Vec<Row> = view
        .cover
        .iter()
        .map(|f| {
            Row::Cells(vec![
                Cell::text(f.label.clone()).colored(muted()),
                Cell::mono(f.value.clone()),
            ])
        })
        .collect();
    l.table(&[("Fact", 0.25), ("Value", 0.75)], &rows, 8.0);
    l.heading(2, "Coverage", None);
    l.paragraph(
        Face::Regular,
        8.5,
        ink(),
        &if view.coverage_failures > 0 {
            format!("{} source(s) could not be read; checks depending on them report error, never pass.", view.coverage_failures)
        } else {
            "Every source was read.".to_string()
        },
        MARGIN_X,
        TEXT_W,
    );
    let rows: Vec<Row> = view
        .coverage
        .iter()
        .map(|c| {
            Row::Cells(vec![
                Cell::mono(c.source.clone()),
                if c.failure {
                    Cell::badge("error")
                } else {
                    Cell::text(c.status.clone())
                },
                Cell::text(c.items.to_string()),
                Cell::text(c.error.clone()),
            ])
        })
        .collect();
    l.table(
        &[
            ("Source", 0.4),
            ("Status", 0.13),
            ("Items", 0.09),
            ("Why", 0.38),
        ],
        &rows,
        8.0,
    );
    l.heading(2, "Bundle files", None);
    l.paragraph(
        Face::Regular,
        8.5,
        ink(),
        "SHA-256 of every other file of this report folder at the time this PDF was rendered (MANIFEST.json lists this PDF too). Verify with `sha256sum`.",
        MARGIN_X,
        TEXT_W,
    );
    let rows: Vec<Row> = bundle
        .iter()
        .map(|e| {
            Row::Cells(vec![
                Cell::mono(e.name.clone()),
                Cell::text(e.size.to_string()),
                Cell::mono(e.sha256.clone()),
            ])
        })
        .collect();
    if rows.is_empty() {
        l.paragraph(
            Face::Regular,
            8.5,
            muted(),
            "No other file was rendered with this PDF.",
            MARGIN_X,
            TEXT_W,
        );
    } else {
        l.table(
            &[("File", 0.2), ("Bytes", 0.12), ("SHA-256", 0.68)],
            &rows,
            7.5,
        );
    }
}
