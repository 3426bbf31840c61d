//! Renderers: results → bytes, one module per format, fed only by the [`Report`].

pub mod csv;
pub mod html;
pub mod json;
pub mod pdf;
pub mod summary;
pub mod view;

use std::io::Write;

use crate::bundle::ManifestEntry;
use crate::results::Report;

/// A rendering failure.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// JSON serialisation failed.
    #[error("cannot render JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// CSV writing failed.
    #[error("cannot render CSV: {0}")]
    Csv(#[from] ::csv::Error),
    /// The HTML template failed to render.
    #[error("cannot render HTML: {0}")]
    Template(String),
    /// The PDF could not be laid out.
    #[error("cannot render PDF: {0}")]
    Pdf(String),
    /// Writing to the output failed.
    #[error("cannot write output: {0}")]
    Io(#[from] std::io::Error),
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Format {
    /// `report.json`: the evidence model.
    Json,
    /// `findings.csv`: one row per framework item × subject.
    Csv,
    /// `report.html`: one self-contained page.
    Html,
    /// `report.pdf`: the audit document (rendered last: its appendix lists the other files' hashes).
    Pdf,
}

impl Format {
    /// The file name in a report folder.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Json => "report.json",
            Format::Csv => "findings.csv",
            Format::Html => "report.html",
            Format::Pdf => "report.pdf",
        }
    }

    /// Every format, in the order they are rendered (PDF last).
    pub const ALL: [Format; 4] = [Format::Json, Format::Csv, Format::Html, Format::Pdf];

    /// Renders the report in this format. `bundle` lists the files already written to the
    /// same folder; the PDF's appendix prints their SHA-256.
    pub fn render(self, report: &Report, bundle: &[ManifestEntry]) -> Result<Vec<u8>, RenderError> {
        let mut out = Vec::new();
        self.write_to(report, bundle, &mut out)?;
        Ok(out)
    }

    /// Renders straight into a writer, so large JSON and CSV reports are never held whole
    /// in memory.
    pub fn write_to(
        self,
        report: &Report,
        bundle: &[ManifestEntry],
        w: &mut dyn Write,
    ) -> Result<(), RenderError> {
        match self {
            Format::Json => json::write(report, w),
            Format::Csv => csv::write(report, w),
            Format::Html => Ok(w.write_all(&html::render(report)?)?),
            Format::Pdf => Ok(w.write_all(&pdf::render(report, bundle)?)?),
        }
    }
}
