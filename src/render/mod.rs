//! Renderers: results → bytes, one module per format, fed only by the [`Report`].

pub mod csv;
pub mod html;
pub mod json;
pub mod pdf;
pub mod summary;
pub mod view;

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

    /// Renders the report in this format. `bundle` lists the files already rendered for the
    /// same folder (name, bytes); the PDF's appendix prints their SHA-256.
    pub fn render(
        self,
        report: &Report,
        bundle: &[(String, Vec<u8>)],
    ) -> Result<Vec<u8>, RenderError> {
        match self {
            Format::Json => json::render(report),
            Format::Csv => csv::render(report),
            Format::Html => html::render(report),
            Format::Pdf => pdf::render(report, bundle),
        }
    }

    /// Renders several formats in order (PDF last), each knowing the files before it.
    pub fn render_all(
        formats: &[Format],
        report: &Report,
    ) -> Result<Vec<(String, Vec<u8>)>, RenderError> {
        let mut formats = formats.to_vec();
        formats.sort();
        formats.dedup();
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        for f in formats {
            let bytes = f.render(report, &files)?;
            files.push((f.file_name().to_string(), bytes));
        }
        Ok(files)
    }
}
