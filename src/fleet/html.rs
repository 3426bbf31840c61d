//! `fleet.html`: one self-contained page rendered from `templates/fleet.html` with Tera
//! (autoescaped: cluster names and paths are input text).

use serde::Serialize;

use crate::fleet::{delta_text, score_text, Fleet};
use crate::render::RenderError;

/// The template, embedded so the binary runs from any directory.
const TEMPLATE: &str = include_str!("../../templates/fleet.html");
/// Its name: the `.html` suffix turns on autoescaping.
const TEMPLATE_NAME: &str = "fleet.html";

/// Worst items shown on the page (all are in fleet.json).
pub const WORST_SHOWN: usize = 25;

#[derive(Serialize)]
struct Page<'a> {
    fleet: &'a Fleet,
    frameworks: Vec<FwHead>,
    rows: Vec<ClusterRow>,
    worst: Vec<WorstRow>,
    worst_more: usize,
}

#[derive(Serialize)]
struct FwHead {
    id: String,
    label: String,
}

#[derive(Serialize)]
struct ClusterRow {
    name: String,
    anchor: String,
    latest: String,
    runs: usize,
    scores: Vec<ScoreCell>,
    attention: Vec<String>,
    coverage: Vec<String>,
    history: Vec<HistoryRow>,
}

#[derive(Serialize)]
struct ScoreCell {
    score: String,
    delta: String,
    trend: String,
}

#[derive(Serialize)]
struct HistoryRow {
    started_at: String,
    id: String,
    scores: Vec<String>,
    coverage_failures: usize,
}

#[derive(Serialize)]
struct WorstRow {
    framework: String,
    item: String,
    title: String,
    failing: String,
    clusters: String,
}

/// Renders the fleet as HTML.
pub fn render(fleet: &Fleet) -> Result<Vec<u8>, RenderError> {
    let frameworks = fleet.framework_ids();
    let rows = fleet
        .clusters
        .iter()
        .enumerate()
        .map(|(i, c)| ClusterRow {
            name: c.name.clone(),
            anchor: format!("cluster-{i}"),
            latest: c.latest.started_at.clone(),
            runs: c.runs.len(),
            scores: frameworks
                .iter()
                .map(|(id, _)| match c.frameworks.iter().find(|f| f.id == *id) {
                    Some(f) => ScoreCell {
                        score: score_text(f.summary.score),
                        delta: delta_text(f.delta),
                        trend: f.trend.clone(),
                    },
                    None => ScoreCell {
                        score: "—".into(),
                        delta: String::new(),
                        trend: String::new(),
                    },
                })
                .collect(),
            attention: fleet.attention(c),
            coverage: c.coverage_failures_listed.clone(),
            history: c
                .runs
                .iter()
                .rev()
                .map(|r| HistoryRow {
                    started_at: r.started_at.clone(),
                    id: r.id.clone(),
                    scores: frameworks
                        .iter()
                        .map(|(id, _)| {
                            r.scores
                                .get(id)
                                .map_or_else(|| "—".into(), |s| score_text(*s))
                        })
                        .collect(),
                    coverage_failures: r.coverage_failures,
                })
                .collect(),
        })
        .collect();
    let worst = fleet
        .worst_items
        .iter()
        .take(WORST_SHOWN)
        .map(|w| WorstRow {
            framework: w.framework.clone(),
            item: w.item.clone(),
            title: w.title.clone(),
            failing: format!("{} of {}", w.failing_clusters, w.of_clusters),
            clusters: w.clusters.join(", "),
        })
        .collect();
    let page = Page {
        fleet,
        frameworks: frameworks
            .into_iter()
            .map(|(id, label)| FwHead { id, label })
            .collect(),
        rows,
        worst,
        worst_more: fleet.worst_items.len().saturating_sub(WORST_SHOWN),
    };
    let mut tera = tera::Tera::default();
    tera.add_raw_template(TEMPLATE_NAME, TEMPLATE)
        .map_err(|e| RenderError::Template(e.to_string()))?;
    let ctx =
        tera::Context::from_serialize(&page).map_err(|e| RenderError::Template(e.to_string()))?;
    let out = tera
        .render(TEMPLATE_NAME, &ctx)
        .map_err(|e| RenderError::Template(format!("{e:?}")))?;
    Ok(out.into_bytes())
}
