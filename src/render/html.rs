//! `report.html`: one self-contained page (inline CSS, inline SVG charts, a small optional
//! filter script) rendered from `templates/report.html` with Tera.
//!
//! The template's name ends in `.html`, so Tera escapes every value: cluster strings (object
//! names, labels, annotations) are attacker-controlled and must render as text.

use serde::Serialize;

use crate::render::prose;
use crate::render::view::{FrameworkView, View};
use crate::render::RenderError;
use crate::results::Report;

/// The template, embedded so the binary runs from any directory.
const TEMPLATE: &str = include_str!("../../templates/report.html");
/// Its name: the `.html` suffix turns on autoescaping.
const TEMPLATE_NAME: &str = "report.html";
/// The exposure section, included by the report template (autoescaped too).
const EXPOSURE_TEMPLATE: &str = include_str!("../../templates/exposure.html");

/// Width of the bar area of a section chart, in SVG units.
const BAR_WIDTH: f64 = 420.0;
/// Height of one bar row.
const ROW_HEIGHT: f64 = 18.0;

#[derive(Serialize)]
struct Page<'a> {
    view: &'a View,
    charts: Vec<Chart>,
}

/// A stacked bar chart of item statuses per section.
#[derive(Serialize)]
struct Chart {
    height: f64,
    rows: Vec<Row>,
}

#[derive(Serialize)]
struct Row {
    y: f64,
    text_y: f64,
    label: String,
    total: usize,
    segments: Vec<Segment>,
}

#[derive(Serialize)]
struct Segment {
    x: f64,
    width: f64,
    status: String,
    count: usize,
}

fn chart(fw: &FrameworkView) -> Chart {
    let rows: Vec<Row> = fw
        .sections
        .iter()
        .filter(|s| !s.items.is_empty())
        .enumerate()
        .map(|(i, s)| {
            let total: usize = s.counts.iter().map(|c| c.count).sum();
            let mut x = 0.0;
            let segments = s
                .counts
                .iter()
                .map(|c| {
                    let width = BAR_WIDTH * c.count as f64 / total.max(1) as f64;
                    let seg = Segment {
                        x: round(x),
                        width: round(width),
                        status: c.name.clone(),
                        count: c.count,
                    };
                    x += width;
                    seg
                })
                .collect();
            let y = i as f64 * ROW_HEIGHT;
            Row {
                y,
                text_y: y + 12.0,
                label: format!("{} {}", s.id, s.title),
                total,
                segments,
            }
        })
        .collect();
    Chart {
        height: rows.len() as f64 * ROW_HEIGHT,
        rows,
    }
}

fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// `{{ text | prose }}`: escaped text with the catalog's `code` spans in `<code>`.
fn prose_filter(val: std::borrow::Cow<'_, str>, _: tera::Kwargs, _: &tera::State) -> tera::Value {
    tera::Value::safe_string(&prose::html(&val))
}

/// `{{ status | words }}`: a status or count name as people read it (`not applicable`).
fn words_filter(val: std::borrow::Cow<'_, str>, _: tera::Kwargs, _: &tera::State) -> String {
    val.replace('_', " ")
}

/// `{{ remediation | catalog_text }}`: paragraphs (`<p>`, with code spans) and indented
/// code (`<pre>`), every part escaped.
fn catalog_text_filter(
    val: std::borrow::Cow<'_, str>,
    _: tera::Kwargs,
    _: &tera::State,
) -> tera::Value {
    let mut out = String::new();
    for b in prose::blocks(&val) {
        if b.kind == "code" {
            // Code is shown as written: only escaped, backticks kept.
            out.push_str("<pre>");
            out.push_str(&prose::escape_html(&b.text));
            out.push_str("</pre>");
        } else {
            out.push_str("<p>");
            out.push_str(&prose::html(&b.text));
            out.push_str("</p>");
        }
    }
    tera::Value::safe_string(&out)
}

/// Renders the report as a self-contained HTML page.
pub fn render(report: &Report) -> Result<Vec<u8>, RenderError> {
    let view = View::new(report);
    render_view(&view)
}

/// Renders an already-built view.
pub fn render_view(view: &View) -> Result<Vec<u8>, RenderError> {
    let page = Page {
        view,
        charts: view.frameworks.iter().map(chart).collect(),
    };
    let mut tera = tera::Tera::default();
    tera.register_filter("prose", prose_filter);
    tera.register_filter("words", words_filter);
    tera.register_filter("catalog_text", catalog_text_filter);
    tera.add_raw_templates([
        ("exposure.html", EXPOSURE_TEMPLATE),
        (TEMPLATE_NAME, TEMPLATE),
    ])
    .map_err(|e| RenderError::Template(e.to_string()))?;
    let ctx =
        tera::Context::from_serialize(&page).map_err(|e| RenderError::Template(e.to_string()))?;
    let out = tera
        .render(TEMPLATE_NAME, &ctx)
        .map_err(|e| RenderError::Template(format!("{e:?}")))?;
    Ok(out.into_bytes())
}
