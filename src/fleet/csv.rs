//! `fleet.csv`: one row per cluster, run and framework (the newest run's rows carry the
//! item counts; older runs only their score), for spreadsheets and trend charts. Text read
//! from the report folders (cluster name, run, framework, path) is neutralised as in
//! findings.csv: a cell cannot start a spreadsheet formula.

use crate::fleet::{score_text, Fleet};
use crate::render::csv::cell;
use crate::render::RenderError;
use crate::results::Status;

/// Renders the fleet as CSV.
pub fn render(fleet: &Fleet) -> Result<Vec<u8>, RenderError> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "cluster",
        "run_id",
        "started_at",
        "latest",
        "framework",
        "score",
    ];
    header.extend(Status::ALL.iter().map(|s| s.as_str()));
    header.extend(["stale", "coverage_failures", "path"]);
    w.write_record(&header)?;
    for c in &fleet.clusters {
        for run in c.runs.iter().rev() {
            let latest = run.id == c.latest.id;
            for (fw, score) in &run.scores {
                let mut row = vec![
                    cell(&c.name).into_owned(),
                    cell(&run.id).into_owned(),
                    cell(&run.started_at).into_owned(),
                    latest.to_string(),
                    cell(fw).into_owned(),
                    score.map(|_| score_text(*score)).unwrap_or_default(),
                ];
                let counts = latest
                    .then(|| c.frameworks.iter().find(|f| f.id == *fw))
                    .flatten();
                row.extend(Status::ALL.iter().map(|s| {
                    counts
                        .map(|f| f.summary.count(*s).to_string())
                        .unwrap_or_default()
                }));
                row.push(if latest {
                    c.stale.to_string()
                } else {
                    String::new()
                });
                row.push(run.coverage_failures.to_string());
                row.push(cell(&run.path).into_owned());
                w.write_record(&row)?;
            }
        }
    }
    w.into_inner()
        .map_err(|e| RenderError::Io(std::io::Error::other(e.to_string())))
}
