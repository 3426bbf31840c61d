//! The executive summary and one chapter per framework: scores, bar charts, worst items,
//! every item with its status.

use super::fonts::Face;
use super::layout::{
    ink, line_color, muted, rgb, severity_color, status_color, Cell, Layout, Row, MARGIN_X, TEXT_W,
};
use crate::render::view::{Count, FrameworkView, View};

/// A sentence naming the items a person attested, per framework (empty when none).
fn attested_note(view: &View) -> String {
    let parts: Vec<String> = view
        .frameworks
        .iter()
        .filter(|f| f.attested > 0)
        .map(|f| format!("{} {}: {}", f.title, f.version, f.attested))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(
            " ATTESTED (manual items decided by a person, not by a check; included in the counts above): {}.",
            parts.join("; ")
        )
    }
}

/// The executive summary: what was evaluated, the scores, and the worst items.
pub(super) fn summary(l: &mut Layout, view: &View) {
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
            view.coverage_total,
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
    super::register::expired_notice(l, view);
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
        &format!("Score = {}.{}", view.score_formula, attested_note(view)),
        MARGIN_X,
        TEXT_W,
    );
    l.space(8.0);
    items_by_status(l, view);
    severity_chart(l, view);
    worst_items(l, view);
}

/// One stacked bar of item statuses per framework.
fn items_by_status(l: &mut Layout, view: &View) {
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
}

/// One bar per severity: how many failing findings.
fn severity_chart(l: &mut Layout, view: &View) {
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
}

/// Per framework, the first items that fail, err or warn, worst first.
fn worst_items(l: &mut Layout, view: &View) {
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
                    Cell::badge(&i.badge()),
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
        let item = id_column(l, fw.worst.iter().take(15).map(|i| i.id.as_str()), 0.08);
        l.table(
            &[
                ("Status", 0.11),
                ("Severity", 0.1),
                ("Item", item),
                ("Title", 0.51 - item),
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

/// A horizontal bar split by status counts, with counts written inside wide segments.
pub(super) fn stacked_bar(l: &mut Layout, x: f32, width: f32, h: f32, counts: &[Count]) {
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

pub(super) fn framework(l: &mut Layout, fw: &FrameworkView, view: &View) {
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
        // Too long for the space before the bar: cut at a word and say so with "…".
        if l.fonts.width(Face::Regular, 8.0, &label) > 198.0 {
            while l.fonts.width(Face::Regular, 8.0, &format!("{label}…")) > 198.0
                && label.chars().count() > 4
            {
                label.pop();
            }
            if let Some(space) = label.trim_end().rfind(' ').filter(|&i| i > label.len() / 2) {
                label.truncate(space);
            }
            label = format!("{}…", label.trim_end());
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
            let why = if !i.attested.is_empty() {
                i.attested.clone()
            } else if i.checks.is_empty() {
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
                Cell::badge(&i.badge()),
                Cell::mono(why).colored(muted()).linked(link),
            ]));
        }
    }
    let item = id_column(
        l,
        fw.sections
            .iter()
            .flat_map(|s| s.items.iter().map(|i| i.id.as_str())),
        0.09,
    );
    l.table(
        &[
            ("Item", item),
            ("Title", 0.59 - item),
            ("Status", 0.13),
            ("Decided by", 0.28),
        ],
        &rows,
        8.0,
    );
}

/// The share of the text width an item id column needs to hold the longest id on one line
/// (`baseline.host-namespaces` would otherwise break every few letters), at least `least`
/// and at most 0.3; the title column gives up the difference.
fn id_column<'a>(l: &Layout, ids: impl Iterator<Item = &'a str>, least: f32) -> f32 {
    let widest = ids
        .map(|id| l.fonts.width(Face::Bold, 8.0, id))
        .fold(0.0_f32, f32::max);
    ((widest + 8.0) / TEXT_W).clamp(least, 0.3)
}

fn max_section(fw: &FrameworkView) -> usize {
    fw.sections
        .iter()
        .map(|s| s.counts.iter().map(|c| c.count).sum::<usize>())
        .max()
        .unwrap_or(1)
        .max(1)
}
