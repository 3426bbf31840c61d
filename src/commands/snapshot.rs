//! `kubeattest snapshot`: save what a cluster scan reads, secret values removed.

use crate::cli::{SnapshotArgs, EXIT_INCOMPLETE, EXIT_OK};
use crate::collect;
use crate::commands::report_coverage;

/// Writes a snapshot of the current cluster.
pub fn snapshot(args: SnapshotArgs) -> anyhow::Result<u8> {
    let kinds =
        collect::cluster::resources::needed_kinds(None::<std::iter::Empty<&crate::catalog::Check>>);
    let opts = args.cluster.options(kinds, args.quiet);
    let inv = collect::cluster::collect(&opts)?;
    report_coverage(&inv);
    collect::snapshot::write(&inv, &args.out)?;
    if !args.quiet {
        eprintln!(
            "kubeattest: snapshot of {} ({} objects) written to {}",
            inv.target.server.as_deref().unwrap_or(&inv.target.name),
            inv.objects.len(),
            args.out.display()
        );
    }
    let incomplete = inv.coverage.iter().any(|c| c.is_failure());
    Ok(if incomplete { EXIT_INCOMPLETE } else { EXIT_OK })
}
