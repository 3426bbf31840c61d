//! `report.pdf`: the audit document.

use crate::render::RenderError;
use crate::results::Report;

/// Renders the report as PDF; `bundle` holds the other files of the folder (for hashes).
pub fn render(_report: &Report, _bundle: &[(String, Vec<u8>)]) -> Result<Vec<u8>, RenderError> {
    Err(RenderError::Pdf("not yet".into()))
}
