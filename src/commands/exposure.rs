//! `kubeattest exposure`: every way into the cluster from outside, from any source.

use std::io::Write as _;

use crate::cli::{ClusterArgs, ExposureArgs, EXIT_INCOMPLETE, EXIT_OK, EXIT_USAGE};
use crate::collect;
use crate::commands::report_coverage;

/// Builds the exposure inventory and prints it (text, or JSON with `--json`).
pub fn exposure(args: &ExposureArgs) -> anyhow::Result<u8> {
    let inventory = if args.demo {
        collect::demo::collect()?
    } else if let Some(path) = &args.snapshot {
        collect::snapshot::read(path)?
    } else if !args.manifests.is_empty() {
        collect::manifests::collect(&args.manifests)
    } else {
        // The current cluster: only the kinds the inventory reads are listed (GET only).
        let cluster = ClusterArgs {
            kubeconfig: args.kubeconfig.clone(),
            context: args.context.clone(),
            namespace: args.namespace.clone(),
            exclude_namespace: Vec::new(),
            request_timeout: std::time::Duration::from_secs(30),
            list_deadline: std::time::Duration::from_secs(120),
            page_size: 500,
            concurrency: 4,
            agent_namespace: "none".into(),
        };
        let kinds = crate::exposure::KINDS
            .iter()
            .chain(crate::checks::workload::WORKLOAD_KINDS)
            .map(|k| k.to_string())
            .collect();
        collect::cluster::collect(&cluster.options(kinds, args.quiet))?
    };
    report_coverage(&inventory, args.quiet);
    let unread = inventory.coverage.iter().any(|c| c.is_failure());
    if unread && inventory.objects.is_empty() {
        // No answer rather than a wrong "nothing is exposed".
        eprintln!(
            "kubeattest: error: no input could be read (see above); cannot list what is exposed"
        );
        return Ok(EXIT_USAGE);
    }
    let exposure = crate::exposure::inventory(&inventory);
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &exposure)?;
        writeln!(out)?;
    } else {
        write!(
            out,
            "{}",
            crate::exposure::text(&exposure, &inventory.target.name)
        )?;
    }
    out.flush()?;
    if unread || !exposure.not_read.is_empty() {
        eprintln!("kubeattest: warning: some input could not be read (see above); the list may be incomplete");
        return Ok(EXIT_INCOMPLETE);
    }
    Ok(EXIT_OK)
}
