//! "Results by owner, namespace and node": who owns what failed. One table per grouping
//! (failures per severity, other statuses, passes, score), from the view's
//! [`GroupsView`](crate::render::groups::GroupsView).

use super::fonts::Face;
use super::layout::{muted, severity_color, Cell, Layout, Row, MARGIN_X, TEXT_W};
use crate::render::groups::GroupTable;
use crate::render::view::View;

fn count(n: usize, sev: &str) -> Cell {
    let c = Cell::text(n.to_string());
    if n == 0 {
        c.colored(muted())
    } else {
        c.colored(severity_color(sev))
    }
}

fn group_table(l: &mut Layout, title: &str, first: &str, t: &GroupTable) {
    l.heading(2, title, None);
    let rows: Vec<Row> = t
        .rows
        .iter()
        .map(|r| {
            Row::Cells(vec![
                Cell::text(r.name.clone()),
                count(r.critical, "critical"),
                count(r.high, "high"),
                count(r.medium, "medium"),
                count(r.low, "low"),
                Cell::bold(r.fail.to_string()),
                Cell::text(r.other.to_string()),
                Cell::text(r.pass.to_string()),
                Cell::bold(r.score.clone()),
            ])
        })
        .collect();
    l.table(
        &[
            (first, 0.28),
            ("critical", 0.09),
            ("high", 0.09),
            ("medium", 0.09),
            ("low", 0.08),
            ("fail", 0.08),
            ("other", 0.09),
            ("pass", 0.09),
            ("score", 0.11),
        ],
        &rows,
        8.5,
    );
    if t.more > 0 {
        l.paragraph(
            Face::Regular,
            8.0,
            muted(),
            &format!(
                "… and {} more (all {} in report.json `breakdown`).",
                t.more, t.total
            ),
            MARGIN_X,
            TEXT_W,
        );
    }
}

/// The chapter; nothing for reports written without a breakdown.
pub(super) fn owners(l: &mut Layout, view: &View) {
    let g = &view.groups;
    if !g.present {
        return;
    }
    l.heading(1, "Results by owner, namespace and node", Some("owners"));
    l.paragraph(
        Face::Regular,
        9.0,
        muted(),
        &format!(
            "Findings (check × subject) per group: failing ones per severity, other = error, warn, waived or manual, and passes. Owner = the first of the labels {} found on the subject (its own labels, then its pod template's), else on its namespace, else \"(no owner)\". Score = 100 × (pass + waived) ÷ (pass + waived + fail + warn + error) over the group's findings.",
            g.owner_labels
        ),
        MARGIN_X,
        TEXT_W,
    );
    group_table(l, "By owner", "owner", &g.owners);
    group_table(l, "By namespace", "namespace", &g.namespaces);
    if !g.nodes.rows.is_empty() {
        group_table(l, "By node", "node", &g.nodes);
    }
}
