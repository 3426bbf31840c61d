//! `kubeattest scan`: collect, evaluate, write the report folder, print the summary.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::bail;

use crate::catalog::{Catalog, Severity};
use crate::cli::{FormatChoice, ScanArgs, EXIT_GATE, EXIT_INCOMPLETE, EXIT_OK};
use crate::collect;
use crate::commands::{report_coverage, select_frameworks};
use crate::evaluate::{self, RunInfo};
use crate::inventory::Inventory;
use crate::render;
use crate::results::{Report, Status};

/// Runs a scan.
pub fn scan(catalog: &Catalog, args: ScanArgs) -> anyhow::Result<u8> {
    let frameworks = select_frameworks(catalog, &args.framework)?;
    // Read the key before any work, so a bad key is a usage error, not a lost scan.
    let signing_key = args
        .sign
        .as_deref()
        .map(crate::signature::read_signing_key)
        .transpose()?;
    let exceptions = match &args.exceptions {
        Some(p) => crate::exceptions::load(p)?,
        None => Vec::new(),
    };
    let attestations = match &args.attestations {
        Some(p) => crate::attestations::load(p)?,
        None => Vec::new(),
    };
    let started_at = evaluate::now();
    let (inventory, sources) = if args.demo {
        (collect::demo::collect()?, vec!["demo".to_string()])
    } else if let Some(path) = &args.snapshot {
        (
            collect::snapshot::read(path)?,
            vec![format!("snapshot {}", path.display())],
        )
    } else if !args.manifests.is_empty() {
        let inv = collect::manifests::collect(&args.manifests);
        let sources = args
            .manifests
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        (inv, sources)
    } else if !args.node_facts.is_empty() {
        let target = crate::inventory::Target {
            name: "nodes".into(),
            source: Some(crate::inventory::SourceKind::Nodes),
            ..Default::default()
        };
        (Inventory::new(target, true), Vec::new())
    } else {
        let wanted: std::collections::BTreeSet<&str> = frameworks
            .iter()
            .flat_map(|f| f.items.iter())
            .flat_map(|i| i.checks.iter().map(String::as_str))
            .collect();
        let kinds = collect::cluster::resources::needed_kinds(Some(
            catalog
                .checks
                .iter()
                .filter(|c| wanted.contains(c.id.as_str())),
        ));
        let opts = args.cluster.options(kinds, args.quiet);
        let inv = collect::cluster::collect(&opts)?;
        let server = inv.target.server.clone().unwrap_or_default();
        (inv, vec![format!("cluster {server}")])
    };
    let mut inventory = inventory;
    let mut sources = sources;
    if !args.node_facts.is_empty() {
        let (facts, coverage) = collect::node::read_facts(&args.node_facts);
        sources.extend(
            args.node_facts
                .iter()
                .map(|p| format!("node facts {}", p.display())),
        );
        inventory.coverage.extend(coverage);
        inventory.node_facts.extend(facts);
    }
    report_coverage(&inventory);
    if inventory.objects.is_empty()
        && inventory.node_facts.is_empty()
        && inventory.coverage.iter().any(|c| c.is_failure())
    {
        bail!("no input could be read (see the errors above)");
    }
    let info = RunInfo {
        id: run_id(&started_at),
        started_at,
        sources,
        exceptions,
        namespaces: inventory.namespaces.clone(),
        excluded_namespaces: inventory.excluded_namespaces.clone(),
        detail: args.detail,
    };
    let mut report = evaluate::evaluate(catalog, &inventory, &frameworks, info);
    if args.attestations.is_some() {
        let today = chrono::Utc::now().date_naive();
        crate::attestations::apply(&mut report, &attestations, today);
    }
    report.run.attribution = attribution(&args, &report, &inventory);
    let out = args.out.clone().unwrap_or_else(|| default_out(&report));
    crate::bundle::write(&out, &report, &FormatChoice::expand(&args.format))?;
    if let Some(key) = &signing_key {
        let id = crate::signature::sign_bundle(&out, key)?;
        if !args.quiet {
            eprintln!("kubeattest: signed MANIFEST.json with key {id} (MANIFEST.sig)");
        }
    }
    if !args.quiet {
        let mut stdout = std::io::stdout().lock();
        write!(stdout, "{}", render::summary::render(&report))?;
        writeln!(stdout, "\nreport written to {}", out.display())?;
    }
    Ok(exit_code(&report, args.fail_on))
}

/// Who prepared the run, the identity that read the target (no request), host and scope.
fn attribution(
    args: &ScanArgs,
    report: &Report,
    inventory: &Inventory,
) -> crate::attribution::Attribution {
    use crate::attribution as a;
    use crate::inventory::SourceKind;
    let identity = match inventory.target.source {
        Some(SourceKind::Demo) => "demo".to_string(),
        Some(SourceKind::Manifests) => "manifests".to_string(),
        Some(SourceKind::Snapshot) => {
            "snapshot (read from a file; the identity that took it is not recorded)".to_string()
        }
        Some(SourceKind::Nodes) => {
            "node (facts collected on the nodes by `kubeattest node`)".to_string()
        }
        Some(SourceKind::Cluster) | None => a::kubeconfig_identity(
            args.cluster.kubeconfig.as_deref(),
            args.cluster.context.as_deref(),
        )
        .or_else(|| a::service_account_identity(std::path::Path::new(a::SERVICE_ACCOUNT_DIR)))
        .unwrap_or_else(|| "unknown (no kubeconfig user and no mounted service account)".into()),
    };
    let mut roles: Vec<String> = inventory
        .node_facts
        .iter()
        .map(|n| n.primary_role().to_string())
        .collect();
    roles.sort();
    roles.dedup();
    a::Attribution {
        preparer: args.preparer.clone(),
        organisation: args.organisation.clone(),
        identity,
        host: a::host_name(),
        scope_statement: a::scope_statement(report, &roles),
    }
}

/// The exit code for a finished scan.
pub fn exit_code(report: &Report, fail_on: Option<Severity>) -> u8 {
    if let Some(min) = fail_on {
        if report
            .findings
            .iter()
            .any(|f| f.status == Status::Fail && f.severity >= min)
        {
            return EXIT_GATE;
        }
    }
    if report.coverage_incomplete() {
        EXIT_INCOMPLETE
    } else {
        EXIT_OK
    }
}

fn run_id(started_at: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let h =
        crate::bundle::sha256_hex(format!("{started_at}{nanos}{}", std::process::id()).as_bytes());
    h[..16].to_string()
}

fn default_out(report: &Report) -> PathBuf {
    let name: String = report
        .run
        .target
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let time = report.run.started_at.replace([':', '-'], "");
    PathBuf::from("reports").join(format!("{name}-{time}"))
}
