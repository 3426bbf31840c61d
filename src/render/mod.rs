//! Renderers: results → bytes, one module per format, fed only by the [`Report`].

pub mod csv;
pub mod json;
pub mod summary;

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
}

impl Format {
    /// The file name in a report folder.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Json => "report.json",
            Format::Csv => "findings.csv",
        }
    }

    /// Renders the report in this format.
    pub fn render(self, report: &Report) -> Result<Vec<u8>, RenderError> {
        match self {
            Format::Json => json::render(report),
            Format::Csv => csv::render(report),
        }
    }
}
