//! The command line: argument structs, exit codes, and the dispatch to the subcommands'
//! bodies in [`crate::commands`].
//!
//! Exit codes (stable, documented in the README):
//! - 0: ran; every input was read; no gate tripped
//! - 1: a gate tripped (`--fail-on`, `--fail-on-status`, `--min-score`); wins over 3
//! - 2: usage error, invalid catalog, or no usable input (nothing was evaluated)
//! - 3: ran and wrote the report, but some input could not be read (see `coverage`)

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::catalog::{self, Severity};
use crate::collect;
use crate::commands;
use crate::render::Format;
use crate::results::Detail;

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
#[allow(clippy::large_enum_variant)] // parsed once; `scan` carries most flags
pub enum Command {
    /// Evaluate a cluster, manifests, a snapshot or the demo cluster and write a report.
    Scan(Box<ScanArgs>),
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
        /// Check id (`privileged-container`), framework item id (`5.2.2`, `cis-1.12/5.2.2`)
        /// or another tool's id (`C-0057`, `CKV_K8S_16`).
        check: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Collect node facts (processes, static pods, kubelet config, file modes) on this node.
    Node(NodeArgs),
    /// Who can VERB RESOURCE: every subject granted it, with binding, role and rule.
    WhoCan(WhoCanArgs),
    /// What is exposed outside the cluster, per namespace: LoadBalancer and NodePort
    /// Services, external IPs, Ingress and HTTPRoute hosts, host-network pods and host
    /// ports, with TLS and NetworkPolicy coverage.
    Exposure(ExposureArgs),
    /// Save what a cluster scan collects (secret values removed) to a file, to evaluate
    /// later with `scan --snapshot FILE`.
    Snapshot(SnapshotArgs),
    /// Check a report folder: every file's size and SHA-256 against MANIFEST.json, files
    /// added or removed, and the signature (MANIFEST.sig). Exit 0 intact, 1 not.
    Verify {
        /// The report folder.
        dir: PathBuf,
        /// The signer's public key (`KEY.pub` from `keygen`); a signature by it is required.
        #[arg(long, value_name = "PUB")]
        key: Option<PathBuf>,
    },
    /// Write a new Ed25519 key pair for `scan --sign` (KEY, and KEY.pub for `verify`).
    Keygen {
        /// Where to write the private key (the public key goes to FILE.pub).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Attestations for manual items.
    Attest {
        /// What to do.
        #[command(subcommand)]
        command: AttestCommand,
    },
    /// Drift between two runs: score changes, items and findings new, fixed or changed,
    /// exceptions expired in between.
    Diff(DiffArgs),
    /// Work with catalogs.
    Catalog {
        /// What to do.
        #[command(subcommand)]
        command: CatalogCommand,
    },
    /// One report over many clusters: the report folders under DIR… (bundles, or
    /// `<cluster>/<UTC time>/` trees), each verified before it is counted.
    Fleet(FleetArgs),
    /// Write the catalog's checks in another tool's enforcement format.
    Export {
        /// What to write.
        #[command(subcommand)]
        command: ExportCommand,
    },
}

/// `export` subcommands.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// ValidatingAdmissionPolicy + Binding manifests (CEL) for every `fields` check of the
    /// frameworks that CEL can state over the admitted object; the rest are listed as not
    /// exported, with the reason.
    Vap(VapArgs),
}

/// Arguments of `export vap`.
#[derive(Debug, Args)]
pub struct VapArgs {
    /// Frameworks whose checks to export, comma-separated (`pss-restricted`, `cis`, …).
    #[arg(long, required = true, value_delimiter = ',', value_name = "ID[,ID]")]
    pub framework: Vec<String>,
    /// What a binding does with a violation.
    #[arg(long, value_enum, ignore_case = true, default_value_t = crate::export::vap::Action::Deny)]
    pub action: crate::export::vap::Action,
    /// Leave this namespace out of the bindings (repeatable, or comma-separated), e.g. the
    /// system namespaces whose DaemonSets need host access: `kube-system`.
    #[arg(long, value_delimiter = ',', value_name = "NS")]
    pub exclude_namespace: Vec<String>,
    /// Write to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Do not list the checks not exported on standard error (they stay in the file's
    /// opening comment).
    #[arg(long, short)]
    pub quiet: bool,
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

/// `attest` subcommands.
#[derive(Debug, Subcommand)]
pub enum AttestCommand {
    /// Print a ready-to-fill attestations file: every manual item of a framework with its
    /// audit instructions.
    Template {
        /// The framework (e.g. `cis-1.12`).
        #[arg(long, value_name = "ID")]
        framework: String,
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
    /// Only these checks, comma-separated: check ids, framework item ids (`5.2.2`,
    /// `cis-1.12/5.2.2`) or other tools' ids (`C-0057`, `CKV_K8S_16`).
    #[arg(long = "check", value_delimiter = ',', value_name = "ID[,ID]")]
    pub checks: Vec<String>,
    /// Leave out these checks (same ids as `--check`).
    #[arg(long = "skip", value_delimiter = ',', value_name = "ID[,ID]")]
    pub skip: Vec<String>,
    /// Report formats written to the folder, comma-separated (`all`: json, csv, html, pdf;
    /// also `sarif`, `junit`).
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = FormatChoice::DEFAULT)]
    pub format: Vec<FormatChoice>,
    /// Print one format on standard output instead of the summary; no report folder is
    /// written unless `--out` is also given.
    #[arg(long, short = 'o', value_enum, value_name = "FORMAT")]
    pub output: Option<OutputFormat>,
    /// Report folder (default: `reports/<target>-<UTC time>/`, or none with `-o`). An
    /// existing folder is replaced only when it is a previous report (holds kubeattest's
    /// MANIFEST.json).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace whatever is at `--out` (a file, or a folder that is not a report).
    #[arg(long)]
    pub force: bool,
    /// Keep reports under DIR: each run goes to `DIR/<cluster>/<UTC time>/` and
    /// `DIR/<cluster>/latest` (a file) names the newest; see `--keep`, `--keep-days`.
    #[arg(long, value_name = "DIR", conflicts_with = "out")]
    pub out_root: Option<PathBuf>,
    /// The cluster's name in the report and under `--out-root` (default: the kubeconfig
    /// context; `cluster` in a pod).
    #[arg(long, value_name = "NAME")]
    pub cluster_name: Option<String>,
    /// With `--out-root`: keep the newest N runs of the cluster, remove older ones (only
    /// folders holding kubeattest's MANIFEST.json and nothing else).
    #[arg(long, value_name = "N", requires = "out_root", value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub keep: Option<u64>,
    /// With `--out-root`: keep the runs younger than D days (with `--keep`, a run either
    /// keeps stays).
    #[arg(long, value_name = "D", requires = "out_root", value_parser = clap::value_parser!(u64).range(1..=36_500))]
    pub keep_days: Option<u64>,
    /// Read scan options from a YAML file (keys are the long flag names: `fail-on: high`);
    /// flags given here win. Default: $KUBEATTEST_CONFIG.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Largest input file read (manifests, snapshot, exceptions, node facts), in MiB;
    /// a larger one is a coverage error.
    #[arg(long, value_name = "MIB", default_value_t = 512, value_parser = clap::value_parser!(u64).range(1..=1_048_576))]
    pub max_input_size: u64,
    /// How much of the passing side to write: `summary` (counts only), `failing` (passes
    /// as check + subject, no observations) or `full` (every observation). Failing, warn,
    /// error and waived findings always keep their evidence.
    #[arg(long, value_enum, value_name = "LEVEL", default_value_t = Detail::Failing)]
    pub detail: Detail,
    /// Trusted image registries, comma-separated registry hosts or host/repository
    /// prefixes (`registry.example.com,ghcr.io/acme`): turns on the registry allow-list
    /// check, which is manual ("not assessed") without it.
    #[arg(long, value_delimiter = ',', value_name = "PREFIX[,PREFIX]")]
    pub registries: Vec<String>,
    /// Accepted risks (YAML: check, subject, justification, approver, expires).
    #[arg(long, value_name = "FILE")]
    pub exceptions: Option<PathBuf>,
    /// Exit 1 when a finding fails at or above this severity (the findings that tripped it
    /// are printed on standard error).
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<Severity>,
    /// Exit 1 when any finding has one of these statuses (`error`: input that could not be
    /// assessed, including sources that could not be read).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "STATUS")]
    pub fail_on_status: Vec<GateStatus>,
    /// Exit 1 when a framework's score falls below N: `N` for every framework, or
    /// `FRAMEWORK=N,…` (aliases `cis`, `nsa`, `pss` allowed).
    #[arg(long, value_name = "N|FW=N,…", value_parser = parse_min_score)]
    pub min_score: Option<MinScore>,
    /// Answers to manual items (YAML: item or check, result, statement, evidence,
    /// assessor, date, expires); `kubeattest attest template` writes one to fill in.
    #[arg(long, value_name = "FILE")]
    pub attestations: Option<PathBuf>,
    /// Who prepares the report (on the cover and in `run.attribution`).
    #[arg(long, value_name = "NAME")]
    pub preparer: Option<String>,
    /// The preparer's organisation.
    #[arg(long, value_name = "NAME")]
    pub organisation: Option<String>,
    /// Sign MANIFEST.json with this Ed25519 private key (from `kubeattest keygen`) into
    /// MANIFEST.sig.
    #[arg(long, value_name = "KEY")]
    pub sign: Option<PathBuf>,
    /// Label keys that name a subject's owner, tried in order on the object, its pod
    /// template, then its namespace (default: app.kubernetes.io/part-of,team,owner); the
    /// report groups results by owner, namespace and node.
    #[arg(long, value_delimiter = ',', value_name = "KEY[,KEY]")]
    pub owner_label: Vec<String>,
    /// Vulnerability scan results to use as evidence: Trivy JSON (`trivy image -f json`,
    /// `trivy k8s --format json`) or Grype JSON (`grype -o json`); matched to workload
    /// images by digest, else by reference. `--demo` adds its own sample Trivy file.
    #[arg(long, num_args = 1.., value_name = "FILE")]
    pub vulnerabilities: Vec<PathBuf>,
    /// Oldest vulnerability scan accepted, by the scan's own timestamp (`7d`, `36h`).
    #[arg(long, value_name = "AGE", default_value = "7d", value_parser = crate::vulnerabilities::parse_age)]
    pub max_scan_age: chrono::Duration,
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
    /// Time allowed for one API request (`30s`, `2m`, `1m30s`, `500ms`; a bare number is
    /// seconds).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub request_timeout: std::time::Duration,
    /// Time allowed for listing one resource, retries included (`2m`, `90s`).
    #[arg(long, value_name = "DURATION", default_value = "2m", value_parser = parse_duration)]
    pub list_deadline: std::time::Duration,
    /// Objects per page when listing.
    #[arg(long, value_name = "N", default_value_t = 500)]
    pub page_size: u32,
    /// Lists in flight at once.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub concurrency: usize,
    /// Namespace of the node agents (`deploy/node-agent.yaml`) whose logs hold node facts;
    /// `none` to not read them.
    #[arg(long, value_name = "NS", default_value = collect::cluster::AGENT_NAMESPACE)]
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
            request_timeout: self.request_timeout,
            deadline: self.list_deadline,
            progress: !quiet && std::io::stderr().is_terminal(),
            agent_namespace: Some(self.agent_namespace.clone()).filter(|n| n != "none"),
        }
    }
}

/// Parses a kubectl-style duration: `30s`, `2m`, `1h`, `500ms`, `1m30s`, or a bare number
/// of seconds (`45`, `0.5`). Rejects zero, negative, non-finite and overflowing values.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let t = text.trim();
    let bad =
        |why: &str| format!("invalid duration `{text}`: {why} (use e.g. `30s`, `2m`, `1m30s`)");
    if t.is_empty() {
        return Err(bad("empty"));
    }
    let secs: f64 = if let Ok(n) = t.parse::<f64>() {
        n
    } else {
        let mut total = 0.0f64;
        let mut rest = t;
        while !rest.is_empty() {
            let num_len = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .ok_or_else(|| bad("missing unit"))?;
            if num_len == 0 {
                return Err(bad("expected a number"));
            }
            let n: f64 = rest[..num_len].parse().map_err(|_| bad("not a number"))?;
            rest = &rest[num_len..];
            let unit_len = rest
                .find(|c: char| c.is_ascii_digit() || c == '.')
                .unwrap_or(rest.len());
            let factor = match &rest[..unit_len] {
                "ms" => 0.001,
                "s" => 1.0,
                "m" => 60.0,
                "h" => 3600.0,
                _ => return Err(bad("units are ms, s, m, h")),
            };
            rest = &rest[unit_len..];
            total += n * factor;
        }
        total
    };
    if !secs.is_finite() {
        return Err(bad("not finite"));
    }
    if secs <= 0.0 {
        return Err(bad("must be more than zero"));
    }
    if secs > 604_800.0 {
        return Err(bad("at most a week (604800 seconds)"));
    }
    std::time::Duration::try_from_secs_f64(secs).map_err(|_| bad("too large"))
}

/// A status that `--fail-on-status` gates on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GateStatus {
    /// Could not be assessed, or a source could not be read.
    Error,
    /// Advisory failures.
    Warn,
    /// Items left for a person.
    Manual,
    /// Failures (any severity).
    Fail,
}

impl GateStatus {
    /// The report status gated on.
    pub fn status(self) -> crate::results::Status {
        use crate::results::Status;
        match self {
            GateStatus::Error => Status::Error,
            GateStatus::Warn => Status::Warn,
            GateStatus::Manual => Status::Manual,
            GateStatus::Fail => Status::Fail,
        }
    }
}

/// `--min-score`: one threshold for every framework, or one per framework.
#[derive(Debug, Clone, PartialEq)]
pub struct MinScore {
    /// Threshold for frameworks not named.
    pub all: Option<f64>,
    /// Per framework id or alias.
    pub per: Vec<(String, f64)>,
}

/// Parses `80` or `cis=80,nsa-cisa-1.2=70`.
pub fn parse_min_score(text: &str) -> Result<MinScore, String> {
    let score = |s: &str| -> Result<f64, String> {
        let n: f64 = s
            .trim()
            .trim_end_matches('%')
            .parse()
            .map_err(|_| format!("invalid score `{s}`: expected a number from 0 to 100"))?;
        if !(0.0..=100.0).contains(&n) {
            return Err(format!(
                "invalid score `{s}`: expected a number from 0 to 100"
            ));
        }
        Ok(n)
    };
    let mut m = MinScore {
        all: None,
        per: Vec::new(),
    };
    for part in text.split(',').filter(|p| !p.trim().is_empty()) {
        match part.split_once('=') {
            Some((fw, n)) => m.per.push((fw.trim().to_string(), score(n)?)),
            None => m.all = Some(score(part)?),
        }
    }
    if m.all.is_none() && m.per.is_empty() {
        return Err("empty --min-score: give `N` or `FRAMEWORK=N,…`".into());
    }
    Ok(m)
}

/// A format printed on standard output by `scan -o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Every item, kube-bench style, grouped by section with totals.
    Table,
    /// `table` plus the checks deciding each item and their counts.
    Wide,
    /// report.json.
    Json,
    /// report.json as YAML.
    Yaml,
    /// SARIF 2.1.0.
    Sarif,
    /// JUnit XML.
    Junit,
    /// OpenReports YAML stream.
    Openreports,
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
    /// `report.sarif` (SARIF 2.1.0).
    Sarif,
    /// `junit.xml` (JUnit XML).
    Junit,
    /// `openreports.yaml` (OpenReports resources to `kubectl apply`).
    Openreports,
    /// `oscal-assessment-results.json` (OSCAL 1.1.2 assessment results).
    Oscal,
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
                FormatChoice::Sarif => vec![Format::Sarif],
                FormatChoice::Junit => vec![Format::Junit],
                FormatChoice::Openreports => vec![Format::Openreports],
                FormatChoice::Oscal => vec![Format::Oscal],
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
    /// Output folder (default: the folder holding the report). A report folder is rebuilt
    /// beside its name and swapped in whole; its MANIFEST.json lists only files kubeattest
    /// wrote, and a folder holding other files is refused.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write less of the passing side than the report holds (`summary`, `failing`); a
    /// report cannot gain detail it was not written with.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub detail: Option<Detail>,
    /// The owner label keys the by-owner tables are about. Owners are resolved from the
    /// cluster's labels at scan time (report.json keeps no labels), so this must match the
    /// keys the report was scanned with; otherwise rescan with `scan --owner-label`.
    #[arg(long, value_delimiter = ',', value_name = "KEY[,KEY]")]
    pub owner_label: Vec<String>,
}

/// A drift report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum DiffFormat {
    /// `drift.json`.
    Json,
    /// `drift.html`.
    Html,
    /// `drift.csv`.
    Csv,
}

/// Arguments of `diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The older run: a report folder or its report.json.
    pub old: PathBuf,
    /// The newer run: a report folder or its report.json.
    pub new: PathBuf,
    /// Also write a drift report in these formats (comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "FORMAT")]
    pub format: Vec<DiffFormat>,
    /// Folder for the drift report (default: `drift/`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Exit 1 when a finding failing at or above this severity is new (or newly failing).
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on_new: Option<Severity>,
}

/// A fleet report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum FleetFormat {
    /// `fleet.json`.
    Json,
    /// `fleet.csv`.
    Csv,
    /// `fleet.html`.
    Html,
    /// `fleet.pdf`.
    Pdf,
    /// json, csv, html and pdf.
    All,
}

impl FleetFormat {
    /// Expands `all`.
    pub fn expand(choices: &[FleetFormat]) -> Vec<FleetFormat> {
        use FleetFormat::*;
        choices
            .iter()
            .flat_map(|c| match c {
                All => vec![Json, Csv, Html, Pdf],
                c => vec![*c],
            })
            .collect()
    }
}

/// Arguments of `fleet`.
#[derive(Debug, Args)]
pub struct FleetArgs {
    /// Report folders, or folders holding them (`<root>/<cluster>/<UTC time>/`).
    #[arg(required = true, num_args = 1.., value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Folder for the fleet report. An existing folder is replaced only when it is a
    /// previous report (holds kubeattest's MANIFEST.json and nothing else).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace whatever is at `--out` (not allowed inside the folders read).
    #[arg(long)]
    pub force: bool,
    /// Formats, comma-separated (`all`: json, csv, html, pdf).
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [FleetFormat::All])]
    pub format: Vec<FleetFormat>,
    /// A cluster whose newest run started longer ago than this is stale (`7d`, `36h`,
    /// `1d12h`).
    #[arg(long, value_name = "AGE", default_value = "7d", value_parser = crate::fleet::parse_age)]
    pub stale_after: std::time::Duration,
    /// Measure staleness at this time (RFC 3339; default: now), for a reproducible report.
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<String>,
    /// Count only runs signed with this public key (`KEY.pub` from `keygen`).
    #[arg(long, value_name = "PUB")]
    pub key: Option<PathBuf>,
    /// Do not print the summary.
    #[arg(long, short)]
    pub quiet: bool,
}

impl FleetArgs {
    /// `--stale-after` in words (`7d`, `36h`).
    pub fn stale_after_text(&self) -> String {
        let s = self.stale_after.as_secs();
        if s % 86_400 == 0 {
            format!("{}d", s / 86_400)
        } else if s % 3_600 == 0 {
            format!("{}h", s / 3_600)
        } else {
            format!("{s}s")
        }
    }
}

/// Arguments of `who-can`.
#[derive(Debug, Args)]
pub struct WhoCanArgs {
    /// The verb (`get`, `create`, `impersonate`, …).
    pub verb: String,
    /// The resource: `secrets`, `deployments.apps`, `pods/exec`, `pods.metrics.k8s.io` (a
    /// built-in resource without a group is in its own group, as for `kubectl auth can-i`),
    /// or a non-resource URL such as `/metrics`.
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

/// Arguments of `exposure`.
#[derive(Debug, Args)]
pub struct ExposureArgs {
    /// Print JSON (the `exposure` object of report.json) instead of text.
    #[arg(long)]
    pub json: bool,
    /// List the built-in demo cluster.
    #[arg(long, conflicts_with_all = ["manifests", "snapshot"])]
    pub demo: bool,
    /// List manifest files or directories.
    #[arg(long, num_args = 1.., value_name = "PATH", conflicts_with = "snapshot")]
    pub manifests: Vec<PathBuf>,
    /// List a snapshot file.
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,
    /// kubeconfig file, when listing the current cluster (no --demo, --manifests or
    /// --snapshot).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["demo", "manifests", "snapshot"])]
    pub kubeconfig: Option<PathBuf>,
    /// kubeconfig context, when listing the current cluster.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["demo", "manifests", "snapshot"])]
    pub context: Option<String>,
    /// Only this namespace of the current cluster (repeatable).
    #[arg(long, short = 'n', value_name = "NS", conflicts_with_all = ["demo", "manifests", "snapshot"])]
    pub namespace: Vec<String>,
    /// Do not show progress.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Entry point used by `main.rs`.
pub fn main() -> ExitCode {
    collect::cluster::install_crypto_provider();
    use crate::config::{self, ArgsError};
    let cli = match config::parse_args(std::env::args_os().collect(), std::env::var_os(config::ENV))
    {
        Ok(c) => c,
        Err(ArgsError::Clap(e)) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            let _ = e.print();
            return ExitCode::from(code);
        }
        Err(ArgsError::Config(e)) => {
            eprint!("kubeattest: error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
        Err(ArgsError::Combined { file, error }) => {
            eprintln!(
                "kubeattest: with the options of the configuration file {}:",
                file.display()
            );
            let _ = error.print();
            return ExitCode::from(EXIT_USAGE);
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::from(EXIT_OK);
            }
            let text = format!("{e:#}");
            eprintln!(
                "kubeattest: error: {}",
                crate::quote::bounded_lines(&text, 4_000)
            );
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
        } => commands::catalog::validate(&dir),
        Command::Render(args) => commands::render::render_saved(&args, cli.catalog.as_deref()),
        Command::Verify { dir, key } => commands::verify::verify(&dir, key.as_deref()),
        Command::Keygen { out } => commands::verify::keygen(&out),
        Command::Diff(args) => commands::diff::diff(&args),
        Command::Fleet(args) => commands::fleet::fleet(&args),
        Command::Scan(args) => commands::scan::run(cli.catalog.as_deref(), *args),
        command => {
            let catalog = catalog::load(cli.catalog.as_deref())?;
            if let Some(dir) = &cli.catalog {
                commands::catalog::warn_unread(dir, &catalog.overlay_unread);
            }
            let code = match command {
                Command::Render(args) => {
                    commands::render::render_saved(&args, cli.catalog.as_deref())
                }
                Command::Controls {
                    command: ControlsCommand::List { framework },
                } => commands::controls::controls_list(&catalog, framework.as_deref()),
                Command::Explain { check, json } => {
                    commands::explain::explain(&catalog, &check, json)
                }
                Command::WhoCan(args) => commands::who_can::who_can(&catalog, &args),
                Command::Exposure(args) => commands::exposure::exposure(&args),
                Command::Node(args) => commands::node::node(args),
                Command::Snapshot(args) => commands::snapshot::snapshot(args),
                Command::Attest {
                    command: AttestCommand::Template { framework },
                } => commands::attest::template(&catalog, &framework),
                Command::Export {
                    command: ExportCommand::Vap(args),
                } => commands::export::vap(&catalog, &args),
                Command::Catalog { .. }
                | Command::Verify { .. }
                | Command::Keygen { .. }
                | Command::Diff(_)
                | Command::Fleet(_)
                | Command::Scan(_) => unreachable!("handled above"),
            };
            // The process ends right after: freeing the catalog's thousands of strings one
            // by one is time for nothing (as for the report, see `commands::scan`).
            std::mem::forget(catalog);
            code
        }
    }
}
