//! The command line: argument structs, one short function per subcommand, exit codes.
//!
//! Exit codes (stable, documented in the README):
//! - 0: ran; every input was read; no gate tripped
//! - 1: a gate tripped (`--fail-on`)
//! - 2: usage error, invalid catalog, or no usable input (nothing was evaluated)
//! - 3: ran and wrote the report, but some input could not be read (see `coverage`)

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use clap::{Args, Parser, Subcommand};

use crate::catalog::{self, Catalog, Severity};
use crate::collect;
use crate::evaluate::{self, RunInfo};
use crate::inventory::Inventory;
use crate::render::{self, Format};
use crate::results::{Report, Status};

/// Exit code: ran, complete, no gate tripped.
pub const EXIT_OK: u8 = 0;
/// Exit code: a gate tripped.
pub const EXIT_GATE: u8 = 1;
/// Exit code: usage or input error; nothing evaluated.
pub const EXIT_USAGE: u8 = 2;
/// Exit code: report written, coverage incomplete.
pub const EXIT_INCOMPLETE: u8 = 3;

/// Kubernetes compliance evidence: CIS Kubernetes Benchmark, NSA/CISA Hardening Guide and
/// Pod Security Standards checks with the evidence behind every verdict.
#[derive(Debug, Parser)]
#[command(name = "kubeattest", version, about, long_about = None)]
pub struct Cli {
    /// Overlay a catalog directory (laid out like `controls/`) on the built-in catalog.
    #[arg(long, global = true, value_name = "DIR")]
    pub catalog: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate a cluster, manifests, a snapshot or the demo cluster and write a report.
    Scan(ScanArgs),
    /// Re-render a saved `report.json` (HTML, PDF, CSV) without the cluster.
    Render(RenderArgs),
    /// List frameworks, their items and the checks that decide them.
    Controls {
        /// What to list.
        #[command(subcommand)]
        command: ControlsCommand,
    },
    /// Explain a check: what it looks at, why, how to fix it, and where it is used.
    Explain {
        /// Check id (e.g. `privileged-container`).
        check: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Collect node facts (processes, static pods, kubelet config, file modes) on this node.
    Node(NodeArgs),
    /// Who can VERB RESOURCE: every subject granted it, with binding, role and rule.
    WhoCan(WhoCanArgs),
    /// Save what a cluster scan collects (secret values removed) to a file, to evaluate
    /// later with `scan --snapshot FILE`.
    Snapshot(SnapshotArgs),
    /// Work with catalogs.
    Catalog {
        /// What to do.
        #[command(subcommand)]
        command: CatalogCommand,
    },
}

/// `controls` subcommands.
#[derive(Debug, Subcommand)]
pub enum ControlsCommand {
    /// List items (of one framework, or all).
    List {
        /// Only this framework.
        #[arg(long, value_name = "ID")]
        framework: Option<String>,
    },
}

/// `catalog` subcommands.
#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Validate a catalog directory (overlaid on the built-in one) and print every problem.
    Validate {
        /// The directory (e.g. `controls/`).
        dir: PathBuf,
    },
}

/// Arguments of `node`.
#[derive(Debug, Args)]
pub struct NodeArgs {
    /// The node's root filesystem (e.g. the host mounted read-only at /host).
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub root: PathBuf,
    /// The node's /proc (default: <root>/proc; with the host's PID namespace, /proc).
    #[arg(long = "proc", value_name = "DIR")]
    pub proc_dir: Option<PathBuf>,
    /// Node name (default: $NODE_NAME, then <root>/etc/hostname).
    #[arg(long, value_name = "NAME")]
    pub node_name: Option<String>,
    /// Write the facts to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// One line of JSON (for logs the cluster scan reads back) instead of pretty JSON.
    #[arg(long)]
    pub compact: bool,
    /// Collect again every SECONDS, printing one line of JSON each time (the node agent).
    #[arg(long, value_name = "SECONDS", conflicts_with = "out")]
    pub every: Option<u64>,
}

/// Arguments of `scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Scan the built-in demo cluster.
    #[arg(long, conflicts_with_all = ["manifests", "snapshot"])]
    pub demo: bool,
    /// Scan manifest files or directories (recursively); `-` reads standard input.
    #[arg(long, num_args = 1.., value_name = "PATH", conflicts_with = "snapshot")]
    pub manifests: Vec<PathBuf>,
    /// Evaluate a snapshot written by `kubeattest snapshot`.
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,
    /// Add node facts written by `kubeattest node` (files, or directories of them).
    #[arg(long, num_args = 1.., value_name = "PATH")]
    pub node_facts: Vec<PathBuf>,
    /// Frameworks to evaluate, comma-separated (default: all).
    #[arg(long, value_delimiter = ',', value_name = "ID[,ID]")]
    pub framework: Vec<String>,
    /// Report formats, comma-separated (`all`: json, csv, html, pdf).
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = FormatChoice::DEFAULT)]
    pub format: Vec<FormatChoice>,
    /// Report folder (default: `reports/<target>-<UTC time>/`). An existing folder is
    /// replaced only when it is a previous report (holds kubeattest's MANIFEST.json).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace whatever is at `--out` (a file, or a folder that is not a report).
    #[arg(long)]
    pub force: bool,
    /// Largest input file read (manifests, snapshot, exceptions, node facts), in MiB;
    /// a larger one is a coverage error.
    #[arg(long, value_name = "MIB", default_value_t = 512, value_parser = clap::value_parser!(u64).range(1..=1_048_576))]
    pub max_input_size: u64,
    /// Accepted risks (YAML: check, subject, justification, approver, expires).
    #[arg(long, value_name = "FILE")]
    pub exceptions: Option<PathBuf>,
    /// Exit 1 when a finding fails at or above this severity.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,
    /// Do not print the summary or progress.
    #[arg(long, short)]
    pub quiet: bool,
    /// How to reach the cluster (used when no other source is given).
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

/// Arguments of `snapshot`.
#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// The snapshot file to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Do not print progress.
    #[arg(long, short)]
    pub quiet: bool,
    /// How to reach the cluster.
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

/// How to reach a cluster and what part of it to read.
#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// kubeconfig file (default: `KUBECONFIG`, then `~/.kube/config`, then in-cluster).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// kubeconfig context (default: the current context).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// Only this namespace (repeatable); cluster-scoped objects are still read.
    #[arg(long, short = 'n', value_name = "NS")]
    pub namespace: Vec<String>,
    /// Skip this namespace (repeatable).
    #[arg(long, value_name = "NS")]
    pub exclude_namespace: Vec<String>,
    /// Seconds allowed for one API request.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0, value_parser = seconds)]
    pub request_timeout: f64,
    /// Seconds allowed for listing one resource, retries included.
    #[arg(long, value_name = "SECONDS", default_value_t = 120.0, value_parser = seconds)]
    pub list_deadline: f64,
    /// Objects per page when listing.
    #[arg(long, value_name = "N", default_value_t = 500)]
    pub page_size: u32,
    /// Lists in flight at once.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub concurrency: usize,
    /// Namespace of the node agents (`deploy/node-agent.yaml`) whose logs hold node facts;
    /// `none` to not read them.
    #[arg(long, value_name = "NS", default_value = "kubeattest")]
    pub agent_namespace: String,
}

impl ClusterArgs {
    /// Collector options for these arguments; `kinds` as needed by the checks.
    pub fn options(
        &self,
        kinds: std::collections::BTreeSet<String>,
        quiet: bool,
    ) -> collect::cluster::Options {
        use std::io::IsTerminal as _;
        collect::cluster::Options {
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
            namespaces: self.namespace.clone(),
            exclude_namespaces: self.exclude_namespace.clone(),
            kinds,
            page_size: self.page_size.max(1),
            concurrency: self.concurrency.max(1),
            request_timeout: secs(self.request_timeout),
            deadline: secs(self.list_deadline),
            progress: !quiet && std::io::stderr().is_terminal(),
            agent_namespace: Some(self.agent_namespace.clone()).filter(|n| n != "none"),
        }
    }
}

/// A number of seconds: finite, above zero, at most a week.
fn seconds(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{}` is not a number of seconds", crate::quote::quote(s)))?;
    if !v.is_finite() || v <= 0.0 || v > 604_800.0 {
        return Err(format!(
            "`{}` is out of range: give a number of seconds above 0 and at most 604800 (a week)",
            crate::quote::quote(s)
        ));
    }
    Ok(v)
}

fn secs(s: f64) -> std::time::Duration {
    std::time::Duration::try_from_secs_f64(s.max(0.001)).unwrap_or(std::time::Duration::MAX)
}

/// A `--format` value: one format, or `all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatChoice {
    /// `report.json`.
    Json,
    /// `findings.csv`.
    Csv,
    /// `report.html`.
    Html,
    /// `report.pdf`.
    Pdf,
    /// json, csv, html and pdf.
    All,
}

impl FormatChoice {
    /// The default formats of `scan`.
    pub const DEFAULT: [FormatChoice; 4] = [
        FormatChoice::Json,
        FormatChoice::Html,
        FormatChoice::Pdf,
        FormatChoice::Csv,
    ];

    /// Expands choices into formats.
    pub fn expand(choices: &[FormatChoice]) -> Vec<Format> {
        let mut out: Vec<Format> = choices
            .iter()
            .flat_map(|c| match c {
                FormatChoice::Json => vec![Format::Json],
                FormatChoice::Csv => vec![Format::Csv],
                FormatChoice::Html => vec![Format::Html],
                FormatChoice::Pdf => vec![Format::Pdf],
                FormatChoice::All => Format::ALL.to_vec(),
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// Arguments of `render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// A `report.json` written by `scan`.
    pub report: PathBuf,
    /// Formats to render, comma-separated (`all`: json, csv, html, pdf).
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [FormatChoice::Html, FormatChoice::Pdf])]
    pub format: Vec<FormatChoice>,
    /// Output folder (default: the folder holding the report); each file is written
    /// atomically and the folder's MANIFEST.json is rewritten to match.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Arguments of `who-can`.
#[derive(Debug, Args)]
pub struct WhoCanArgs {
    /// The verb (`get`, `create`, `impersonate`, …).
    pub verb: String,
    /// The resource: `secrets`, `deployments.apps`, `pods/exec`.
    pub resource: String,
    /// Only grants that apply in this namespace (cluster-wide grants always apply).
    #[arg(long, short = 'n', value_name = "NS")]
    pub namespace: Option<String>,
    /// Answer for the built-in demo cluster.
    #[arg(long, conflicts_with_all = ["manifests", "snapshot"])]
    pub demo: bool,
    /// Answer for manifest files or directories.
    #[arg(long, num_args = 1.., value_name = "PATH", conflicts_with = "snapshot")]
    pub manifests: Vec<PathBuf>,
    /// Answer for a snapshot file.
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,
    /// kubeconfig file, when answering for the current cluster (no --demo, --manifests or
    /// --snapshot).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// kubeconfig context, when answering for the current cluster.
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// Do not show progress.
    #[arg(long, short)]
    pub quiet: bool,
}

fn who_can(catalog: &Catalog, args: &WhoCanArgs) -> anyhow::Result<u8> {
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
            request_timeout: 30.0,
            list_deadline: 120.0,
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
    report_coverage(&inventory);
    let text = crate::who_can::render(
        &inventory,
        &catalog.rbac,
        &args.verb,
        &args.resource,
        args.namespace.as_deref(),
    );
    write!(std::io::stdout().lock(), "{text}")?;
    Ok(EXIT_OK)
}

/// Entry point used by `main.rs`.
pub fn main() -> ExitCode {
    collect::cluster::install_crypto_provider();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::from(EXIT_OK);
            }
            let text = format!("{e:#}");
            eprintln!("kubeattest: error: {}", crate::quote::bounded(&text, 4_000));
            ExitCode::from(EXIT_USAGE)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Runs a parsed command line; returns the exit code.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Catalog {
            command: CatalogCommand::Validate { dir },
        } => validate(&dir),
        Command::Render(args) => render_saved(&args),
        command => {
            let catalog = catalog::load(cli.catalog.as_deref())?;
            match command {
                Command::Scan(args) => scan(&catalog, args),
                Command::Render(args) => render_saved(&args),
                Command::Controls {
                    command: ControlsCommand::List { framework },
                } => controls_list(&catalog, framework.as_deref()),
                Command::Explain { check, json } => explain(&catalog, &check, json),
                Command::WhoCan(args) => who_can(&catalog, &args),
                Command::Node(args) => node(args),
                Command::Snapshot(args) => snapshot(args),
                Command::Catalog { .. } => unreachable!("handled above"),
            }
        }
    }
}

fn node(args: NodeArgs) -> anyhow::Result<u8> {
    if !args.root.is_dir() {
        bail!(
            "--root {} is not a directory; give the node's root filesystem (e.g. the host mounted at /host)",
            args.root.display()
        );
    }
    let proc_dir = args.proc_dir.unwrap_or_else(|| args.root.join("proc"));
    let opts = collect::node::Options {
        root: args.root,
        proc_dir,
        node_name: args.node_name,
    };
    if let Some(secs) = args.every {
        loop {
            let facts = collect::node::collect(&opts);
            for e in &facts.errors {
                eprintln!("kubeattest: warning: {e}");
            }
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", serde_json::to_string(&facts)?)?;
            out.flush()?;
            drop(out);
            std::thread::sleep(std::time::Duration::from_secs(secs.max(1)));
        }
    }
    let facts = collect::node::collect(&opts);
    for e in &facts.errors {
        eprintln!("kubeattest: warning: {e}");
    }
    let mut bytes = if args.compact {
        serde_json::to_vec(&facts)?
    } else {
        serde_json::to_vec_pretty(&facts)?
    };
    bytes.push(b'\n');
    match &args.out {
        Some(path) => crate::bundle::write_atomic(path, &bytes)
            .with_context(|| format!("cannot write node facts to {}", path.display()))?,
        None => std::io::stdout().lock().write_all(&bytes)?,
    }
    Ok(EXIT_OK)
}

fn validate(dir: &std::path::Path) -> anyhow::Result<u8> {
    let result = catalog::read_dir(dir).and_then(|files| {
        let mut all = catalog::embedded_files();
        all.extend(files);
        catalog::from_files(&all)
    });
    match result {
        Ok(c) => {
            let items: usize = c.frameworks.iter().map(|f| f.items.len()).sum();
            println!(
                "{}: ok — {} checks, {} frameworks, {} items",
                dir.display(),
                c.checks.len(),
                c.frameworks.len(),
                items
            );
            Ok(EXIT_OK)
        }
        Err(errors) => {
            for e in &errors.0 {
                eprintln!("{}", crate::quote::bounded(&e.to_string(), 1_000));
            }
            eprintln!("{}: {} problem(s)", dir.display(), errors.0.len());
            Ok(EXIT_USAGE)
        }
    }
}

fn select_frameworks<'c>(
    catalog: &'c Catalog,
    ids: &[String],
) -> anyhow::Result<Vec<&'c catalog::Framework>> {
    if ids.is_empty() {
        return Ok(catalog.frameworks.iter().collect());
    }
    ids.iter()
        .map(|id| {
            catalog.framework(id).with_context(|| {
                let known: Vec<&str> = catalog.frameworks.iter().map(|f| f.id.as_str()).collect();
                format!("unknown framework `{id}`; known: {}", known.join(", "))
            })
        })
        .collect()
}

fn scan(catalog: &Catalog, args: ScanArgs) -> anyhow::Result<u8> {
    let frameworks = select_frameworks(catalog, &args.framework)?;
    collect::set_max_input_bytes(args.max_input_size << 20);
    let out_policy = crate::bundle::OutPolicy {
        force: args.force,
        inputs: args
            .manifests
            .iter()
            .chain(&args.snapshot)
            .chain(&args.node_facts)
            .chain(&args.exceptions)
            .cloned()
            .collect(),
    };
    if let Some(out) = &args.out {
        crate::bundle::check_out(out, &out_policy)?;
    }
    let exceptions = match &args.exceptions {
        Some(p) => crate::exceptions::load(p, catalog)?,
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
    };
    let report = evaluate::evaluate(catalog, &inventory, &frameworks, info);
    let out = args.out.clone().unwrap_or_else(|| default_out(&report));
    crate::bundle::write(
        &out,
        &report,
        &FormatChoice::expand(&args.format),
        &out_policy,
    )?;
    if !args.quiet {
        let mut stdout = std::io::stdout().lock();
        write!(stdout, "{}", render::summary::render(&report))?;
        writeln!(stdout, "\nreport written to {}", out.display())?;
    }
    Ok(exit_code(&report, args.fail_on))
}

fn render_saved(args: &RenderArgs) -> anyhow::Result<u8> {
    let bytes = std::fs::read(&args.report)
        .with_context(|| format!("cannot read {}", args.report.display()))?;
    let report = render::json::parse(&bytes)
        .with_context(|| format!("{} is not a kubeattest report.json", args.report.display()))?;
    let out = match &args.out {
        Some(dir) => dir.clone(),
        None => args
            .report
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(".")),
    };
    let formats = FormatChoice::expand(&args.format);
    // The PDF appendix hashes the other files of the folder: include the saved report.json.
    let entry = crate::manifest::ManifestEntry::of;
    let mut entries = vec![entry("report.json", &bytes)];
    let mut files = vec![("report.json".to_string(), bytes.clone())];
    for f in formats.iter().filter(|f| **f != Format::Json) {
        let rendered = f.render(&report, &entries)?;
        entries.push(entry(f.file_name(), &rendered));
        files.push((f.file_name().to_string(), rendered));
    }
    // Beside the saved report, report.json is already there; elsewhere, copy it so the
    // folder is a complete bundle. MANIFEST.json is rewritten to list every file.
    if args.out.is_none() && !formats.contains(&Format::Json) {
        files.remove(0);
    }
    crate::bundle::write_files(&out, &report, &files)?;
    for (name, _) in &files {
        println!("{}", out.join(name).display());
    }
    Ok(EXIT_OK)
}

fn snapshot(args: SnapshotArgs) -> anyhow::Result<u8> {
    let kinds =
        collect::cluster::resources::needed_kinds(None::<std::iter::Empty<&catalog::Check>>);
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

fn report_coverage(inv: &Inventory) {
    for c in inv.coverage.iter().filter(|c| c.status != "ok") {
        let why = c.error.as_deref().unwrap_or("");
        let level = if c.is_failure() { "error" } else { "skipped" };
        eprintln!("kubeattest: {level}: {}", crate::quote::bounded(why, 2_000));
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

fn controls_list(catalog: &Catalog, framework: Option<&str>) -> anyhow::Result<u8> {
    let ids: Vec<String> = framework.map(|f| vec![f.to_string()]).unwrap_or_default();
    let frameworks = select_frameworks(catalog, &ids)?;
    let mut out = std::io::stdout().lock();
    for fw in frameworks {
        let mapped = fw.items.iter().filter(|i| !i.checks.is_empty()).count();
        writeln!(
            out,
            "{} — {} {} ({} items, {} mapped to checks, {} manual)",
            fw.id,
            fw.title,
            fw.version,
            fw.items.len(),
            mapped,
            fw.items.len() - mapped
        )?;
        for item in &fw.items {
            let checks = if item.checks.is_empty() {
                "manual".to_string()
            } else {
                item.checks.join(", ")
            };
            let label = if item.automated {
                "automated"
            } else {
                "manual"
            };
            writeln!(
                out,
                "  {:<8} [{label:<9}] {}  → {checks}",
                item.id, item.title
            )?;
        }
    }
    Ok(EXIT_OK)
}

fn explain(catalog: &Catalog, id: &str, json: bool) -> anyhow::Result<u8> {
    let Some(check) = catalog.check(id) else {
        let close: Vec<&str> = catalog
            .checks
            .iter()
            .map(|c| c.id.as_str())
            .filter(|c| c.contains(id) || id.contains(*c))
            .take(5)
            .collect();
        let hint = if close.is_empty() {
            "run `kubeattest controls list` to see every check".to_string()
        } else {
            format!("did you mean: {}?", close.join(", "))
        };
        bail!("unknown check `{id}`; {hint}");
    };
    let used_by = catalog.items_using(id);
    let mut out = std::io::stdout().lock();
    if json {
        let v = serde_json::json!({
            "id": check.id,
            "title": check.title,
            "severity": check.severity,
            "description": check.description,
            "rationale": check.rationale,
            "remediation": check.remediation,
            "limits": check.limits,
            "references": check.references,
            "peers": check.peers,
            "assertion": {"kind": check.assertion.kind(), "how": check.assertion.describe()},
            "used_by": used_by.iter().map(|(f, i)| serde_json::json!({"framework": f, "item": i})).collect::<Vec<_>>(),
            "defined_at": format!("{}:{}", check.file, check.line),
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(EXIT_OK);
    }
    writeln!(out, "{} — {}", check.id, check.title)?;
    writeln!(out, "severity: {}", check.severity.as_str())?;
    writeln!(out, "\nWhat it checks\n  {}", check.description.trim())?;
    writeln!(out, "\nWhy it matters\n  {}", check.rationale.trim())?;
    writeln!(out, "\nHow to fix\n{}", indent(check.remediation.trim()))?;
    writeln!(
        out,
        "\nHow it is checked ({})\n  {}",
        check.assertion.kind(),
        check.assertion.describe()
    )?;
    if let Some(l) = &check.limits {
        writeln!(out, "\nLimits\n  {}", l.trim())?;
    }
    if !used_by.is_empty() {
        writeln!(out, "\nUsed by")?;
        for (f, i) in &used_by {
            writeln!(out, "  {f} {i}")?;
        }
    }
    if !check.peers.is_empty() {
        let peers: Vec<String> = check
            .peers
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        writeln!(out, "\nEquivalent in other tools\n  {}", peers.join(", "))?;
    }
    if !check.references.is_empty() {
        writeln!(out, "\nReferences")?;
        for r in &check.references {
            writeln!(out, "  {r}")?;
        }
    }
    writeln!(out, "\nDefined at controls/{}:{}", check.file, check.line)?;
    Ok(EXIT_OK)
}

fn indent(s: &str) -> String {
    s.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
