//! The results grouped by owner, namespace and node, as people read them: the "By owner",
//! "By namespace" and "By node" tables of the HTML and PDF, built from report.json
//! `breakdown` alone (see [`crate::ownership`]).
//!
//! Bounded like the rest of the view: at most [`GROUP_LIMIT`] rows per table, the groups
//! with most failures first; the rest are counted and listed in report.json.

use serde::Serialize;

use crate::ownership::{Breakdown, Group};

/// Rows shown per table; the rest are counted.
pub const GROUP_LIMIT: usize = 30;

/// One owner, namespace or node.
#[derive(Debug, Clone, Serialize)]
pub struct GroupRow {
    /// Owner, namespace or node name.
    pub name: String,
    /// Failing findings per severity.
    pub critical: usize,
    /// High.
    pub high: usize,
    /// Medium.
    pub medium: usize,
    /// Low.
    pub low: usize,
    /// All failing findings.
    pub fail: usize,
    /// Findings that could not be assessed, warned, waived or wait for a person.
    pub other: usize,
    /// Passing findings.
    pub pass: usize,
    /// Score as text (`87.5`, or `—` when nothing was decided).
    pub score: String,
}

/// One grouped table.
#[derive(Debug, Clone, Default, Serialize)]
pub struct GroupTable {
    /// Rows shown, most failures first.
    pub rows: Vec<GroupRow>,
    /// Groups in all.
    pub total: usize,
    /// Groups not shown (listed in report.json `breakdown`).
    pub more: usize,
}

/// The three grouped tables.
#[derive(Debug, Clone, Default, Serialize)]
pub struct GroupsView {
    /// Whether the report has a breakdown at all (reports written before it have none).
    pub present: bool,
    /// The owner label keys, as one sentence part (`app.kubernetes.io/part-of, team, owner`).
    pub owner_labels: String,
    /// By owner.
    pub owners: GroupTable,
    /// By namespace.
    pub namespaces: GroupTable,
    /// By node (findings about node facts).
    pub nodes: GroupTable,
}

fn table(groups: &[Group]) -> GroupTable {
    GroupTable {
        rows: groups
            .iter()
            .take(GROUP_LIMIT)
            .map(|g| {
                let c = &g.counts;
                GroupRow {
                    name: g.name.clone(),
                    critical: g.fail.critical,
                    high: g.fail.high,
                    medium: g.fail.medium,
                    low: g.fail.low,
                    fail: c.fail,
                    other: c.error + c.warn + c.waived + c.manual,
                    pass: c.pass,
                    score: g.score.map_or("—".to_string(), |s| format!("{s:.1}")),
                }
            })
            .collect(),
        total: groups.len(),
        more: groups.len().saturating_sub(GROUP_LIMIT),
    }
}

impl GroupsView {
    /// The tables of a report's breakdown.
    pub fn new(b: &Breakdown) -> GroupsView {
        GroupsView {
            present: !b.is_empty(),
            owner_labels: b.owner_labels.join(", "),
            owners: table(&b.owners),
            namespaces: table(&b.namespaces),
            nodes: table(&b.nodes),
        }
    }
}
