//! `report.json`: the evidence model, pretty-printed, keys in a fixed order.

use crate::render::RenderError;
use crate::results::Report;

/// Writes the report as pretty JSON.
pub fn write(report: &Report, w: &mut dyn std::io::Write) -> Result<(), RenderError> {
    serde_json::to_writer_pretty(&mut *w, report)?;
    w.write_all(b"\n")?;
    Ok(())
}

/// Reads a `report.json` back.
pub fn parse(bytes: &[u8]) -> Result<Report, serde_json::Error> {
    serde_json::from_slice(bytes)
}
