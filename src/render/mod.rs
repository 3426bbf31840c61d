//! Renderers: results → bytes, one module per format, fed only by the [`Report`].

pub mod csv;
pub mod groups;
pub mod html;
pub mod json;
pub mod junit;
pub mod openreports;
pub mod oscal;
pub mod pdf;
pub mod prose;
pub mod sarif;
pub mod sink;
pub mod summary;
pub mod table;
pub mod view;

use std::io::Write;

use crate::manifest::ManifestEntry;
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
    /// YAML serialisation failed.
    #[error("cannot render YAML: {0}")]
    Yaml(String),
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
    /// `report.sarif`: SARIF 2.1.0 for code-scanning tools.
    Sarif,
    /// `junit.xml`: JUnit XML, one testsuite per framework, one testcase per item.
    Junit,
    /// `openreports.yaml`: OpenReports `Report` per namespace and one `ClusterReport`.
    Openreports,
    /// `oscal-assessment-results.json`: OSCAL 1.1.2 assessment results (after the files it
    /// lists as back-matter with their SHA-256).
    Oscal,
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
            Format::Sarif => "report.sarif",
            Format::Junit => "junit.xml",
            Format::Openreports => "openreports.yaml",
            Format::Oscal => "oscal-assessment-results.json",
            Format::Pdf => "report.pdf",
        }
    }

    /// The bundle formats `--format all` writes, in the order they are rendered (PDF last).
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
            Format::Sarif => sarif::write(report, w),
            Format::Junit => junit::write(report, w),
            Format::Openreports => openreports::write(report, w),
            Format::Oscal => oscal::write(report, bundle, w),
            Format::Pdf => Ok(w.write_all(&pdf::render(report, bundle)?)?),
        }
    }
}

/// Writes the report as YAML (the same keys as `report.json`), for `-o yaml`.
pub fn write_yaml(report: &Report, w: &mut dyn Write) -> Result<(), RenderError> {
    serde_saphyr::to_io_writer(&mut &mut *w, report).map_err(|e| RenderError::Yaml(e.to_string()))
}
