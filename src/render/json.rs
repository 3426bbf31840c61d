//! `report.json`: the evidence model, pretty-printed, keys in a fixed order.

use crate::render::RenderError;
use crate::results::Report;

/// Renders the report as JSON.
pub fn render(report: &Report) -> Result<Vec<u8>, RenderError> {
    let mut out = serde_json::to_vec_pretty(report)?;
    out.push(b'\n');
    Ok(out)
}

/// Reads a `report.json` back.
pub fn parse(bytes: &[u8]) -> Result<Report, serde_json::Error> {
    serde_json::from_slice(bytes)
}
