//! `kubeattest scan`: collect, evaluate, write the report folder, print the summary.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::bail;

use crate::catalog::{Catalog, Severity};
use crate::cli::{
    FormatChoice, GateStatus, MinScore, OutputFormat, ScanArgs, EXIT_GATE, EXIT_INCOMPLETE, EXIT_OK,
};
use crate::collect;
use crate::commands::{report_coverage, select, select_frameworks};
use crate::evaluate::{self, RunInfo};
use crate::inventory::Inventory;
use crate::quote::escape_controls;
use crate::render;
use crate::results::{Report, Status};

/// Loads the catalog (`catalog_dir`: an overlay) and runs a scan. Manifests are read while
/// the built-in catalog loads, as neither needs the other: what reading redacts follows the
/// built-in credential patterns. An overlay may change those, so with one the catalog is
/// loaded first.
pub fn run(catalog_dir: Option<&Path>, mut args: ScanArgs) -> anyhow::Result<u8> {
    // In one order whatever the command line's, so the same inputs give the same report
    // (sources, scope statement, coverage) and the same bundle hashes.
    args.manifests.sort();
    collect::set_max_input_bytes(args.max_input_size << 20);
    let (catalog, manifests) = if reads_manifests(&args) && catalog_dir.is_none() {
        // On a thread of its own, not in `rayon::join`: both sides hand their files to the
        // pool, whose workers then parse each file at the top of their stack. Inside `join`
        // a worker busy with one side would parse the other's files on top of its own
        // frames, and a deeply nested manifest could overflow its stack.
        let (catalog, manifests) = std::thread::scope(|s| {
            let catalog = s.spawn(|| crate::catalog::load(None));
            let manifests = read_manifests(&args);
            (catalog.join(), manifests)
        });
        let catalog =
            catalog.map_err(|_| anyhow::anyhow!("the thread loading the catalog stopped"))??;
        (catalog, Some(manifests))
    } else {
        let catalog = crate::catalog::load(catalog_dir)?;
        let manifests = reads_manifests(&args).then(|| read_manifests(&args));
        (catalog, manifests)
    };
    if let Some(dir) = catalog_dir {
        crate::commands::catalog::warn_unread(dir, &catalog.overlay_unread);
    }
    scan(&catalog, args, manifests)
}

/// Whether the scan's objects come from `--manifests` (not the demo, a snapshot, nodes or a
/// cluster).
fn reads_manifests(args: &ScanArgs) -> bool {
    !args.demo && args.snapshot.is_none() && !args.manifests.is_empty()
}

/// Reads `--manifests`. Objects without a namespace are in a namespace of their own: the
/// one they are deployed to is chosen at deploy time (`-n` is refused with `--manifests`).
/// The exceptions and attestations files may sit among the manifests (`deploy/`) and are
/// not read as manifests.
fn read_manifests(args: &ScanArgs) -> collect::manifests::Manifests {
    let own: Vec<PathBuf> = args
        .exceptions
        .iter()
        .chain(&args.attestations)
        .cloned()
        .collect();
    collect::manifests::read(&args.manifests, crate::inventory::UNSET_NAMESPACE, &own)
}

/// Runs a scan with a loaded catalog; `manifests`: what `--manifests` read (`None` for the
/// other sources).
fn scan(
    catalog: &Catalog,
    args: ScanArgs,
    manifests: Option<collect::manifests::Manifests>,
) -> anyhow::Result<u8> {
    // `--registries` is a run parameter of the registry allow-list check.
    let with_registries;
    let catalog = if args.registries.iter().any(|r| !r.trim().is_empty()) {
        let mut c = catalog.clone();
        crate::checks::images::apply_allow_list(&mut c, &args.registries)
            .map_err(anyhow::Error::msg)?;
        with_registries = c;
        &with_registries
    } else {
        catalog
    };
    let selected = select_frameworks(catalog, &args.framework)?;
    let narrowed = select::narrow(catalog, &selected, &args.checks, &args.skip)?;
    let frameworks: Vec<&crate::catalog::Framework> = narrowed.iter().collect();
    reject_cluster_flags(&args)?;
    // Read the key before any work, so a bad key is a usage error, not a lost scan.
    let signing_key = args
        .sign
        .as_deref()
        .map(crate::signature::read_signing_key)
        .transpose()?;
    if let Some(min) = &args.min_score {
        for (name, _) in &min.per {
            if !frameworks
                .iter()
                .any(|f| select::framework_matches(&f.id, name))
            {
                bail!("--min-score: `{name}` names no framework of this scan");
            }
        }
    }
    let exceptions = match &args.exceptions {
        Some(p) => crate::exceptions::load(p, catalog)?,
        None => Vec::new(),
    };
    let attestations = match &args.attestations {
        Some(p) => crate::attestations::load(p)?,
        None => Vec::new(),
    };
    // Inputs the report must never replace: attestations and their evidence files, and the
    // signing key, too.
    let out_policy = crate::bundle::OutPolicy {
        force: args.force,
        inputs: args
            .manifests
            .iter()
            .chain(&args.snapshot)
            .chain(&args.node_facts)
            .chain(&args.exceptions)
            .chain(&args.vulnerabilities)
            .chain(&args.attestations)
            .chain(&args.config)
            .chain(&args.cluster.kubeconfig)
            .cloned()
            // The configuration file named by the environment, and the catalog overlay.
            .chain(
                std::env::var_os(crate::config::ENV)
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from),
            )
            .chain(catalog.overlay.as_ref().map(|o| PathBuf::from(&o.path)))
            // The kubeconfig files a cluster scan would read, given or not.
            .chain(default_kubeconfigs())
            .chain(attestations.iter().filter_map(|a| a.evidence_file.clone()))
            // The signing key and its public half (a lost private key cannot be rebuilt).
            .chain(args.sign.iter().cloned())
            .chain(args.sign.as_deref().map(crate::signature::public_path))
            // What symbolic links inside the manifest folders lead to is read as well.
            .chain(manifests.iter().flat_map(|m| m.linked.iter().cloned()))
            .collect(),
    };
    if let Some(out) = &args.out {
        crate::bundle::check_out(out, &out_policy)?;
    }
    let started_at = evaluate::now();
    let (inventory, sources) = if args.demo {
        (collect::demo::collect()?, vec!["demo".to_string()])
    } else if let Some(path) = &args.snapshot {
        (
            collect::snapshot::read(path)?,
            vec![format!("snapshot {}", path.display())],
        )
    } else if let Some(m) = manifests {
        let sources = args
            .manifests
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        (m.inventory, sources)
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
        let mut kinds = collect::cluster::resources::needed_kinds(Some(
            catalog
                .checks
                .iter()
                .filter(|c| wanted.contains(c.id.as_str())),
        ));
        // The exposure section reads these whatever the checks.
        kinds.extend(
            crate::exposure::KINDS
                .iter()
                .chain(crate::checks::workload::WORKLOAD_KINDS)
                .map(|k| k.to_string()),
        );
        let opts = args.cluster.options(kinds, args.quiet);
        let inv = collect::cluster::collect(&opts)?;
        let server = inv.target.server.clone().unwrap_or_default();
        (inv, vec![format!("cluster {server}")])
    };
    let mut inventory = inventory;
    if let Some(name) = &args.cluster_name {
        inventory.target.name = name.clone();
    }
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
    if !args.vulnerabilities.is_empty() {
        let (mut scans, coverage) = crate::vulnerabilities::load(&args.vulnerabilities);
        sources.extend(
            args.vulnerabilities
                .iter()
                .map(|p| format!("vulnerabilities {}", p.display())),
        );
        inventory.coverage.extend(coverage);
        let evidence = inventory
            .vulnerabilities
            .get_or_insert_with(crate::vulnerabilities::Evidence::default);
        evidence.scans.append(&mut scans);
        evidence.files += args.vulnerabilities.len();
    }
    if let Some(evidence) = inventory.vulnerabilities.as_mut() {
        // Scan ages are measured at the run's start, the time the report states.
        evidence.max_age = args.max_scan_age;
        if let Ok(t) = chrono::DateTime::parse_from_rfc3339(&started_at) {
            evidence.as_of = t.with_timezone(&chrono::Utc);
        }
    }
    report_coverage(&inventory, args.quiet);
    if inventory.objects.is_empty()
        && inventory.node_facts.is_empty()
        && inventory.coverage.iter().any(|c| c.is_failure())
    {
        bail!("no input could be read (see the errors above)");
    }
    if let Some(why) = crate::evaluate::nothing_to_evaluate(catalog, &inventory, &frameworks) {
        bail!("{why}");
    }
    // Objects read and judged by nothing: one line on the terminal, and per file in the
    // report's coverage, so the bundle records them too.
    let unjudged = crate::evaluate::unjudged_kinds(catalog, &inventory, &frameworks);
    let words = |kinds: &BTreeMap<&str, usize>| {
        let mut named: Vec<String> = kinds
            .iter()
            .take(8)
            .map(|(k, n)| format!("{k} ({n})"))
            .collect();
        if kinds.len() > 8 {
            named.push(format!("and {} more kinds", kinds.len() - 8));
        }
        named.join(", ")
    };
    let mut all: BTreeMap<&str, usize> = BTreeMap::new();
    for (file, kinds) in &unjudged {
        let here: BTreeMap<&str, usize> = kinds.iter().map(|(k, n)| (k.as_str(), *n)).collect();
        for (k, n) in &here {
            *all.entry(k).or_default() += n;
        }
        let total: usize = here.values().sum();
        inventory.coverage.push(crate::inventory::Coverage {
            items: total,
            ..crate::inventory::Coverage::failed(
                file.as_str(),
                "not_judged",
                format!(
                    "{file}: {total} object(s) of kinds no selected check reads, read and not judged: {}",
                    words(&here)
                ),
            )
        });
    }
    if !all.is_empty() && !args.quiet {
        let total: usize = all.values().sum();
        eprintln!(
            "kubeattest: note: {total} object(s) of kinds no selected check reads were read and not judged: {}",
            words(&all)
        );
    }
    let info = RunInfo {
        id: run_id(&started_at),
        started_at,
        sources,
        exceptions,
        namespaces: inventory.namespaces.clone(),
        excluded_namespaces: inventory.excluded_namespaces.clone(),
        detail: args.detail,
        owner_labels: args.owner_label.clone(),
    };
    // The exposure section reads only the inventory: it is drawn up while the checks run.
    let wants_exposure = inventory.target.source != Some(crate::inventory::SourceKind::Nodes);
    let (mut report, exposure) = rayon::join(
        || evaluate::evaluate(catalog, &inventory, &frameworks, info),
        || wants_exposure.then(|| crate::exposure::inventory(&inventory)),
    );
    report.exposure = exposure;
    if args.attestations.is_some() {
        let today = chrono::Utc::now().date_naive();
        crate::attestations::apply(&mut report, &attestations, today);
    }
    report.run.attribution = attribution(&args, &report, &inventory);
    // With `-o`, standard output holds that format and a folder is written only on request.
    let out = match (&args.out, args.output) {
        (Some(dir), _) => Some(dir.clone()),
        (None, _) if args.out_root.is_some() => args.out_root.as_deref().map(|root| {
            crate::retention::run_folder(root, &report.run.target.name, &report.run.started_at)
        }),
        (None, None) => Some(default_out(&report)),
        (None, Some(_)) => None,
    };
    if let Some(out) = &out {
        crate::bundle::write(
            out,
            &report,
            &FormatChoice::expand(&args.format),
            &out_policy,
        )?;
        if let Some(key) = &signing_key {
            let id = crate::signature::sign_bundle(out, key)?;
            if !args.quiet {
                eprintln!("kubeattest: signed MANIFEST.json with key {id} (MANIFEST.sig)");
            }
        }
        if args.out_root.is_some() {
            keep_reports(out, &args);
        }
    }
    match args.output {
        Some(format) => {
            let mut stdout = std::io::stdout().lock();
            let report_json =
                out.is_some() && FormatChoice::expand(&args.format).contains(&render::Format::Json);
            print(&report, format, report_json, &mut stdout)?;
            stdout.flush()?;
            if let (Some(out), false) = (&out, args.quiet) {
                eprintln!("report written to {}", out.display());
            }
        }
        None if !args.quiet => {
            let mut stdout = std::io::stdout().lock();
            write!(stdout, "{}", render::summary::render(&report))?;
            if let Some(out) = &out {
                writeln!(stdout, "\nreport written to {}", out.display())?;
            }
        }
        None => {}
    }
    // Whatever the output format (SARIF and JUnit carry no register): accepted risks and
    // attestations that stopped counting.
    for e in report.exceptions.iter().filter(|e| e.status == "expired") {
        eprintln!(
            "kubeattest: warning: exception {} ({}) expired on {}: what it waived fails again",
            escape_controls(&e.exception.source),
            escape_controls(&e.exception.check),
            e.exception.expires
        );
    }
    // An exception for a check that ran but waiving nothing: a misspelt kind or name, or a
    // subject that is gone (one for a check not selected is left alone).
    for e in report
        .exceptions
        .iter()
        .filter(|e| e.status == "unused" && report.checks.iter().any(|c| c.id == e.exception.check))
    {
        eprintln!(
            "kubeattest: warning: exception {} ({}) matched nothing in this scan: check its subject's kind, namespace and name, or remove it",
            escape_controls(&e.exception.source),
            escape_controls(&e.exception.check)
        );
    }
    for a in report
        .attestations
        .iter()
        .filter(|a| matches!(a.status.as_str(), "expired" | "invalid"))
    {
        eprintln!(
            "kubeattest: warning: attestation {} is {}: {}",
            escape_controls(&a.attestation.source),
            a.status,
            escape_controls(&a.reason)
        );
    }
    let sarif_written = args.output == Some(OutputFormat::Sarif)
        || (out.is_some() && FormatChoice::expand(&args.format).contains(&render::Format::Sarif));
    if let Some(w) = sarif_written
        .then(|| render::sarif::github_limit_warning(&report))
        .flatten()
    {
        eprintln!("kubeattest: warning: {w}");
    }
    let tripped = gates(&report, &args);
    for line in &tripped {
        // Subjects and sources come from the input: no terminal sequences.
        eprintln!("kubeattest: gate: {}", escape_controls(line));
    }
    let code = if tripped.is_empty() {
        exit_code(&report, None)
    } else {
        EXIT_GATE
    };
    // The process ends right after this: freeing millions of findings and objects one by
    // one would cost several percent of the run for nothing.
    std::mem::forget(report);
    std::mem::forget(inventory);
    Ok(code)
}

/// After a run written under `--out-root`: `latest` names it, and `--keep`/`--keep-days`
/// remove older runs of the cluster. Problems are reported, not fatal: the report is written.
fn keep_reports(out: &std::path::Path, args: &ScanArgs) {
    use crate::retention;
    let (Some(cluster_dir), Some(run)) = (out.parent(), out.file_name()) else {
        return;
    };
    let run = run.to_string_lossy();
    if let Err(e) = retention::point_latest(cluster_dir, &run) {
        eprintln!("kubeattest: warning: {e}");
    }
    let policy = retention::Policy {
        keep: args.keep.map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
        keep_days: args.keep_days,
    };
    match retention::prune(cluster_dir, &run, policy, chrono::Utc::now()) {
        Ok(outcome) => {
            if !args.quiet && !outcome.removed.is_empty() {
                eprintln!(
                    "kubeattest: removed {} older report(s) of {}",
                    outcome.removed.len(),
                    cluster_dir.display()
                );
            }
            for (path, why) in &outcome.left {
                eprintln!(
                    "kubeattest: warning: kept {} although retention would remove it: {why}",
                    path.display()
                );
            }
        }
        Err(e) => eprintln!("kubeattest: warning: retention: {e}"),
    }
}

/// Prints one format of the report (for `-o`); `report_json`: a report.json is written too.
pub fn print(
    report: &Report,
    format: OutputFormat,
    report_json: bool,
    w: &mut dyn std::io::Write,
) -> anyhow::Result<()> {
    use std::io::IsTerminal as _;
    let colour = std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let style = |wide| render::table::Style {
        wide,
        colour,
        report_json,
    };
    match format {
        OutputFormat::Table => render::table::write(report, style(false), w)?,
        OutputFormat::Wide => render::table::write(report, style(true), w)?,
        OutputFormat::Json => render::Format::Json.write_to(report, &[], w)?,
        OutputFormat::Yaml => render::write_yaml(report, w)?,
        OutputFormat::Sarif => render::Format::Sarif.write_to(report, &[], w)?,
        OutputFormat::Junit => render::Format::Junit.write_to(report, &[], w)?,
        OutputFormat::Openreports => render::Format::Openreports.write_to(report, &[], w)?,
    }
    Ok(())
}

/// `--kubeconfig`, `--context`, `-n` and `--exclude-namespace` only mean something for a
/// cluster scan; with another source they are refused rather than silently ignored.
fn reject_cluster_flags(args: &ScanArgs) -> anyhow::Result<()> {
    let other = if args.demo {
        Some("--demo")
    } else if args.snapshot.is_some() {
        Some("--snapshot")
    } else if !args.manifests.is_empty() {
        Some("--manifests")
    } else if !args.node_facts.is_empty() {
        Some("--node-facts (without a cluster)")
    } else {
        None
    };
    let Some(source) = other else {
        return Ok(());
    };
    let c = &args.cluster;
    let given: Vec<&str> = [
        (c.kubeconfig.is_some(), "--kubeconfig"),
        (c.context.is_some(), "--context"),
        (!c.namespace.is_empty(), "--namespace/-n"),
        (!c.exclude_namespace.is_empty(), "--exclude-namespace"),
    ]
    .into_iter()
    .filter_map(|(set, name)| set.then_some(name))
    .collect();
    if !given.is_empty() {
        bail!(
            "{} only apply to a cluster scan and cannot be combined with {source}; drop them, or scan the cluster without {source}",
            given.join(", ")
        );
    }
    Ok(())
}

/// Findings listed per tripped gate; the rest are counted.
const GATE_SHOWN: usize = 20;

fn listed<'r>(
    what: String,
    found: impl Iterator<Item = &'r crate::results::Finding>,
) -> Vec<String> {
    let found: Vec<_> = found.collect();
    if found.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![format!("{what}: {} finding(s)", found.len())];
    for f in found.iter().take(GATE_SHOWN) {
        let at = f
            .observations
            .iter()
            .find(|o| !o.holds)
            .map(|o| format!(" at {}", o.source))
            .unwrap_or_default();
        lines.push(format!(
            "  {} {} {} ({}){at}",
            f.status.as_str(),
            f.check,
            f.subject.display(),
            f.severity.as_str()
        ));
    }
    if found.len() > GATE_SHOWN {
        lines.push(format!("  … and {} more", found.len() - GATE_SHOWN));
    }
    lines
}

/// Every gate that tripped, with the findings or scores that tripped it (empty: none).
pub fn gates(report: &Report, args: &ScanArgs) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(min) = args.fail_on {
        out.extend(listed(
            format!("--fail-on {}", min.as_str()),
            report
                .findings
                .iter()
                .filter(|f| f.status == Status::Fail && f.severity >= min),
        ));
    }
    for gate in &args.fail_on_status {
        let status = gate.status();
        let by_findings = listed(
            format!("--fail-on-status {}", status.as_str()),
            report.findings.iter().filter(|f| f.status == status),
        );
        // Items no finding speaks for: those the benchmark leaves to a person (manual) and
        // those a person decided (an attested fail).
        if by_findings.is_empty() && matches!(status, Status::Manual | Status::Fail) {
            let items: Vec<String> = report
                .frameworks
                .iter()
                .flat_map(|fw| {
                    fw.items
                        .iter()
                        .filter(|i| i.status == status)
                        .map(move |i| format!("{} {}", fw.id, i.id))
                })
                .collect();
            if !items.is_empty() {
                let mut line = format!(
                    "--fail-on-status {}: {} framework item(s): {}",
                    status.as_str(),
                    items.len(),
                    items
                        .iter()
                        .take(GATE_SHOWN)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                if items.len() > GATE_SHOWN {
                    line.push_str(&format!(" … and {} more", items.len() - GATE_SHOWN));
                }
                out.push(line);
            }
        }
        out.extend(by_findings);
        if *gate == GateStatus::Error {
            for c in report.coverage.iter().filter(|c| c.is_failure()) {
                out.push(format!(
                    "--fail-on-status error: not read: {}",
                    c.error.as_deref().unwrap_or(&c.source)
                ));
            }
        }
    }
    if let Some(min) = &args.min_score {
        out.extend(score_gate(report, min));
    }
    out
}

fn score_gate(report: &Report, min: &MinScore) -> Vec<String> {
    let mut out = Vec::new();
    for fw in &report.frameworks {
        let wanted = min
            .per
            .iter()
            .rev()
            .find(|(name, _)| select::framework_matches(&fw.id, name))
            .map(|(_, n)| *n)
            .or(min.all);
        let Some(wanted) = wanted else {
            continue;
        };
        match (fw.summary.exact_score(), fw.summary.score) {
            (Some(exact), _) if exact >= wanted => {}
            // Shown rounded where that is below the threshold, else as precisely as needed.
            (Some(exact), Some(shown)) => out.push(format!(
                "--min-score: {} scored {}, below {wanted}",
                fw.id,
                if shown < wanted {
                    format!("{shown:.1}")
                } else {
                    format!("{exact:.3}")
                }
            )),
            _ => out.push(format!(
                "--min-score: {} has no score (no item was decided), so it cannot reach {wanted}",
                fw.id
            )),
        }
    }
    out
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
        pod: a::pod_identity(|k| std::env::var(k).ok()),
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

/// The kubeconfig files read when `--kubeconfig` is not given: every file of `KUBECONFIG`
/// (colon-separated), else `~/.kube/config`. Never a report's place, whatever the source.
fn default_kubeconfigs() -> Vec<PathBuf> {
    match std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        Some(list) => std::env::split_paths(&list).collect(),
        None => std::env::var_os("HOME")
            .map(|home| PathBuf::from(home).join(".kube/config"))
            .into_iter()
            .collect(),
    }
}
