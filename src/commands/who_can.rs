//! `kubeattest who-can VERB RESOURCE`: every subject granted it, from any source.

use std::io::Write as _;

use crate::catalog::Catalog;
use crate::cli::{ClusterArgs, WhoCanArgs, EXIT_INCOMPLETE, EXIT_OK, EXIT_USAGE};
use crate::collect;
use crate::commands::report_coverage;

/// Answers `who-can` and prints the answer.
pub fn who_can(catalog: &Catalog, args: &WhoCanArgs) -> anyhow::Result<u8> {
    let inventory = if args.demo {
        collect::demo::collect()?
    } else if let Some(path) = &args.snapshot {
        collect::snapshot::read(path)?
    } else if !args.manifests.is_empty() {
        collect::manifests::collect(&args.manifests)
    } else {
        // The current cluster: only the RBAC objects are listed (GET only).
        let cluster = ClusterArgs {
            kubeconfig: args.kubeconfig.clone(),
            context: args.context.clone(),
            namespace: Vec::new(),
            exclude_namespace: Vec::new(),
            request_timeout: std::time::Duration::from_secs(30),
            list_deadline: std::time::Duration::from_secs(120),
            page_size: 500,
            concurrency: 4,
            agent_namespace: "none".into(),
        };
        let kinds = [
            "Role",
            "ClusterRole",
            "RoleBinding",
            "ClusterRoleBinding",
            "ServiceAccount",
        ]
        .iter()
        .map(|k| k.to_string())
        .collect();
        collect::cluster::collect(&cluster.options(kinds, args.quiet))?
    };
    report_coverage(&inventory, args.quiet);
    let unread = inventory.coverage.iter().any(|c| c.is_failure());
    if unread && inventory.objects.is_empty() {
        // No answer rather than a wrong "nobody".
        eprintln!(
            "kubeattest: error: no input could be read (see above); cannot say who can {} {}",
            args.verb, args.resource
        );
        return Ok(EXIT_USAGE);
    }
    let text = crate::who_can::render(
        &inventory,
        &catalog.rbac,
        &args.verb,
        &args.resource,
        args.namespace.as_deref(),
    );
    write!(std::io::stdout().lock(), "{text}")?;
    if unread {
        eprintln!("kubeattest: warning: some input could not be read (see above); the answer may be incomplete");
        return Ok(EXIT_INCOMPLETE);
    }
    Ok(EXIT_OK)
}
