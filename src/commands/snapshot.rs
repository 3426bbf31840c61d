//! `kubeattest snapshot`: save what a cluster scan reads, secret values removed.

use anyhow::Context as _;

use crate::cli::{SnapshotArgs, EXIT_INCOMPLETE, EXIT_OK};
use crate::collect;
use crate::commands::report_coverage;

/// How every snapshot of ours starts.
const SNAPSHOT_HEAD: &[u8] = b"{\n  \"kind\": \"KubeattestSnapshot\"";

/// Refuses an `--out` that would replace what we did not write (rule 8): the kubeconfig
/// read, a folder, or a file that is not a previous snapshot of ours.
fn check_out(out: &std::path::Path, args: &SnapshotArgs) -> anyhow::Result<()> {
    let inputs: Vec<std::path::PathBuf> = args.cluster.kubeconfig.iter().cloned().collect();
    let policy = crate::bundle::OutPolicy {
        force: true,
        inputs,
    };
    crate::bundle::check_out(out, &policy)?;
    match std::fs::symlink_metadata(out) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", out.display())),
        Ok(_) => {}
    }
    if !crate::bundle::starts_with(out, SNAPSHOT_HEAD) {
        anyhow::bail!(
            "--out {}: already exists and is not a kubeattest snapshot; choose another file (only a previous snapshot is replaced)",
            out.display()
        );
    }
    Ok(())
}

/// Writes a snapshot of the current cluster.
pub fn snapshot(args: SnapshotArgs) -> anyhow::Result<u8> {
    check_out(&args.out, &args)?;
    let kinds =
        collect::cluster::resources::needed_kinds(None::<std::iter::Empty<&crate::catalog::Check>>);
    let opts = args.cluster.options(kinds, args.quiet);
    let inv = collect::cluster::collect(&opts)?;
    report_coverage(&inv, args.quiet);
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
