//! catalog × inventory → report: runs every check the selected frameworks use, rolls items
//! up (worst status wins, no check = manual; see [`crate::results::item_status`]), and
//! orders everything deterministically.

use foldhash::HashMap;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use crate::catalog::{Catalog, Check, Framework};
use crate::checks::{Context, Outcome};
use crate::inventory::Inventory;
use crate::results::{
    CatalogRef, CheckResult, Counts, Detail, Finding, FrameworkResult, ItemResult, Part, Passed,
    Report, Run, Scope, SectionResult, Status, Subject, SubjectTable, Summary, Tool,
    SCHEMA_VERSION,
};

/// How a run was started, for the report's `run` section.
#[derive(Debug, Clone, Default)]
pub struct RunInfo {
    /// Unique run id.
    pub id: String,
    /// UTC start, RFC 3339.
    pub started_at: String,
    /// Inputs as given.
    pub sources: Vec<String>,
    /// Namespaces included.
    pub namespaces: Vec<String>,
    /// Namespaces excluded.
    pub excluded_namespaces: Vec<String>,
    /// Accepted risks to apply.
    pub exceptions: Vec<crate::exceptions::Exception>,
    /// How much of the passing side to keep.
    pub detail: Detail,
    /// Label keys an owner is resolved from, in order (empty: the defaults of
    /// [`crate::ownership::DEFAULT_OWNER_LABELS`]).
    pub owner_labels: Vec<String>,
}

/// One check's findings as they go into the report.
struct CheckRun<'a> {
    check: &'a Check,
    /// Findings in subject order: passes only at [`Detail::Full`].
    findings: Vec<Finding>,
    /// Passes at [`Detail::Failing`]: provisional indexes into the run's [`SubjectTable`],
    /// in subject order.
    passed: Vec<u32>,
    /// Passes counted but not listed (`Detail::Summary`).
    unlisted_passes: usize,
    /// The message of the check's only finding, kept even when that finding is a compact
    /// pass, so a single-subject check still says what was seen.
    only_message: Option<String>,
    /// Why there are no findings, if there are none.
    empty_reason: String,
    /// See [`Outcome::decided_empty`](crate::checks::Outcome::decided_empty).
    decided_empty: bool,
    /// Passes counted per owner, namespace and node (the other statuses are counted after
    /// exceptions applied, from the owner recorded on their subjects).
    passes: crate::ownership::Tally,
}

/// Runs one check for the report: in-scope findings only, and passes made as cheap as
/// `detail` allows right away (at `Detail::Failing` a pass becomes an index into the
/// shared subject table), so memory grows with what fails rather than with the input.
fn run_for_report<'a, 'o>(
    check: &'a Check,
    ctx: &Context,
    detail: Detail,
    owners: &crate::ownership::Owners<'o>,
    subjects: &Mutex<Subjects<'o>>,
) -> CheckRun<'a> {
    let (_, outcome) = run_check(check, ctx);
    // Cluster-scoped objects (RBAC bindings, nodes) are always read; findings about
    // subjects in namespaces outside the requested scope are not reported.
    let mut findings: Vec<Finding> = outcome
        .findings
        .into_iter()
        .filter(|f| in_scope(ctx.inventory, f))
        .collect();
    let only_message = match findings.as_slice() {
        // A lone pass speaks for its check; checks leave a pass's words out when passes
        // are compact, so they are asked again, this once, with passes in full.
        [one] if one.status == Status::Pass && one.message.is_empty() && !ctx.pass_evidence() => {
            let (_, full) = run_check(check, &ctx.with_pass_evidence());
            full.findings
                .into_iter()
                .find(|f| f.status == Status::Pass && f.subject == one.subject)
                .map(|f| f.message)
        }
        [one] => Some(one.message.clone()),
        _ => None,
    };
    // Owners are resolved now, while the labels are at hand: recorded on what did not pass,
    // only counted for passes.
    let mut passes = crate::ownership::Tally::default();
    let mut unlisted_passes = 0;
    let mut passed = Vec::new();
    // One lock per check; a poisoned lock only means another check panicked.
    let mut guard = subjects.lock().unwrap_or_else(|e| e.into_inner());
    let Subjects {
        table,
        seen,
        owner_names,
    } = &mut *guard;
    findings.retain_mut(|f| {
        // A subject an object made is met by many checks: what follows from it is worked
        // out once. One made for this finding alone is not remembered.
        let mut memo = (Arc::strong_count(&f.subject) > 1).then(|| {
            seen.entry(Arc::as_ptr(&f.subject) as usize)
                .or_insert_with(|| Seen {
                    subject: f.subject.clone(),
                    owner: owners.of(&f.subject),
                    passes: 0,
                    index: None,
                    with_owner: None,
                })
        });
        let owner = memo
            .as_ref()
            .map_or_else(|| owners.of(&f.subject), |m| m.owner);
        if f.status == Status::Pass {
            // Passes of a shared subject are counted on it, and tallied once per subject.
            match memo.as_mut() {
                Some(m) => m.passes += 1,
                None => passes.add(owner, &f.subject, f.status, f.severity),
            }
            let mut compact = || {
                let mut s = (*f.subject).clone();
                s.compact();
                table.intern(s)
            };
            match detail {
                Detail::Full => return true,
                Detail::Summary => unlisted_passes += 1,
                Detail::Failing => passed.push(match memo {
                    Some(m) => *m.index.get_or_insert_with(compact),
                    None => compact(),
                }),
            }
            return false;
        }
        if owner != crate::ownership::NO_OWNER {
            let name = owner_names.entry(owner).or_insert_with(|| owner.into());
            match memo.as_mut() {
                Some(m) => {
                    let with_owner = m.with_owner.get_or_insert_with(|| {
                        Arc::new(Subject {
                            owner: Some(name.clone()),
                            ..(*f.subject).clone()
                        })
                    });
                    f.subject = with_owner.clone();
                }
                None => Arc::make_mut(&mut f.subject).owner = Some(name.clone()),
            }
        }
        // Kept to the end of the run: a vector grown by `push` holds room for four
        // observations where most findings have one (on 100,000 objects, about 130 MB of
        // peak memory).
        f.observations.shrink_to_fit();
        true
    });
    drop(guard);
    findings.shrink_to_fit();
    CheckRun {
        check,
        findings,
        passed,
        unlisted_passes,
        only_message,
        empty_reason: outcome.empty_reason,
        decided_empty: outcome.decided_empty,
        passes,
    }
}

/// What the checks' runs share about subjects: the table of passing subjects, and for
/// each subject an object made (and so met by many checks) what follows from it.
#[derive(Default)]
struct Subjects<'o> {
    table: SubjectTable,
    /// By the address of the shared subject.
    seen: HashMap<usize, Seen<'o>>,
    /// One string per owner for all the findings of the run.
    owner_names: HashMap<&'o str, Arc<str>>,
}

/// What follows from one shared subject, each worked out when first needed.
struct Seen<'o> {
    /// The subject, held so that its address is not reused while it is a key.
    subject: Arc<Subject>,
    owner: &'o str,
    /// How many checks it passed, tallied by owner, namespace and node once the checks ran.
    passes: usize,
    /// Its index in the subject table, as a compact pass.
    index: Option<u32>,
    /// The copy that records its owner, shared by the findings that did not pass.
    with_owner: Option<Arc<Subject>>,
}

/// The current UTC time, RFC 3339 with seconds.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Runs the checks of `frameworks` over the inventory.
pub fn evaluate(
    catalog: &Catalog,
    inventory: &Inventory,
    frameworks: &[&Framework],
    info: RunInfo,
) -> Report {
    let mut ctx = Context::new(inventory, catalog);
    if info.detail != Detail::Full {
        ctx = ctx.without_pass_evidence();
    }
    let wanted: BTreeSet<&str> = frameworks
        .iter()
        .flat_map(|f| f.items.iter())
        .flat_map(|i| i.checks.iter().map(String::as_str))
        .collect();
    // Checks in catalog order, each once, however many items use it. They are evaluated in
    // parallel across cores, each compacting its passes as it finishes (so at most one
    // uncompacted run per core is held); `collect` keeps catalog order, so the output does
    // not depend on the schedule.
    let selected: Vec<&Check> = catalog
        .checks
        .iter()
        .filter(|c| wanted.contains(c.id.as_str()))
        .collect();
    let owner_labels = crate::ownership::owner_labels(&info.owner_labels);
    let owners = crate::ownership::Owners::new(inventory, &owner_labels);
    let subjects = Mutex::new(Subjects::default());
    let runs: Vec<CheckRun> = {
        use rayon::prelude::*;
        selected
            .par_iter()
            // Every check a task of its own: otherwise a core runs a batch of checks in
            // turn while the other, done with its share, has nothing it may take over
            // (on 100,000 objects, half a second with one core idle).
            .with_max_len(1)
            .map(|check| run_for_report(check, &ctx, info.detail, &owners, &subjects))
            .collect()
    };
    let Subjects { table, seen, .. } = subjects.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut tally = crate::ownership::Tally::default();
    for m in seen.values().filter(|m| m.passes > 0) {
        tally.add_passes(m.owner, &m.subject, m.passes);
    }
    drop(seen);
    // Each check's findings become one contiguous run of `findings`.
    let mut findings: Vec<Finding> =
        Vec::with_capacity(runs.iter().map(|r| r.findings.len()).sum());
    let mut spans = Vec::with_capacity(runs.len());
    let mut passed = Vec::new();
    for run in runs {
        tally.merge(run.passes);
        let start = findings.len();
        findings.extend(run.findings);
        let listed_passes = run.passed.len();
        if !run.passed.is_empty() {
            passed.push(Passed {
                check: run.check.id.clone(),
                subjects: run.passed,
            });
        }
        spans.push((
            run.check,
            start..findings.len(),
            listed_passes + run.unlisted_passes, // passes not in `findings`
            run.only_message,
            run.empty_reason,
            run.decided_empty,
        ));
    }
    let today = chrono::DateTime::parse_from_rfc3339(&info.started_at)
        .map(|t| t.date_naive())
        .unwrap_or_else(|_| chrono::Utc::now().date_naive());
    let exception_results = crate::exceptions::apply(&mut findings, &info.exceptions, today);
    for f in findings.iter().filter(|f| f.status != Status::Pass) {
        tally.add_recorded(f);
    }
    let breakdown = tally.finish(owner_labels);
    let absence_known = crate::checks::absence_is_known(inventory);
    let mut checks = Vec::new();
    let mut check_status: BTreeMap<String, (Status, String, Option<String>)> = BTreeMap::new();
    // Subjects are numbered by first appearance in catalog order, whatever the schedule.
    let subjects = table.finish(&mut passed);
    for (check, range, other_passes, only_message, empty_reason, decided_empty) in spans {
        let own = &findings[range];
        let mut counts = Counts::of(own.iter().map(|f| f.status));
        counts.add(Status::Pass, other_passes);
        let status = counts.worst().unwrap_or(Status::NotApplicable);
        // The system namespaces this check left out, said in its summary and its
        // assessment.
        let exempt = crate::checks::evidence::exempt_namespaces(own);
        let message = match own {
            // A lone finding speaks for the check (its message, after any waiver).
            [one] if counts.total() == 1 && !one.message.is_empty() => one.message.clone(),
            _ if counts.total() == 1 => only_message.unwrap_or_default(),
            // Every subject could not be assessed: the first reason says why.
            [first, ..] if counts.error == counts.total() => first.message.clone(),
            _ => summarize(&counts, &empty_reason, &exempt),
        };
        let unassessed = unassessed(
            own,
            &counts,
            &exempt,
            absence_known || decided_empty,
            &message,
        );
        check_status.insert(
            check.id.clone(),
            (status, message.clone(), unassessed.clone()),
        );
        checks.push(CheckResult {
            id: check.id.clone(),
            title: check.title.clone(),
            severity: check.severity,
            status,
            message,
            rationale: check.rationale.clone(),
            remediation: check.remediation.clone(),
            counts,
            peers: check.peers.clone(),
            references: check.references.clone(),
            unassessed,
        });
    }
    let framework_results: Vec<FrameworkResult> = frameworks
        .iter()
        .map(|fw| roll_up(fw, &check_status))
        .collect();
    Report {
        schema_version: SCHEMA_VERSION.into(),
        run: Run {
            id: info.id,
            tool: Tool {
                name: env!("CARGO_PKG_NAME").into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            catalog: CatalogRef {
                version: catalog.version.clone(),
                digest: catalog.digest.clone(),
                overlay: catalog.overlay.clone(),
            },
            started_at: info.started_at,
            finished_at: now(),
            target: inventory.target.clone(),
            scope: Scope {
                frameworks: frameworks.iter().map(|f| f.id.clone()).collect(),
                sources: info.sources,
                namespaces: info.namespaces,
                excluded_namespaces: info.excluded_namespaces,
            },
            detail: info.detail,
            attribution: Default::default(),
        },
        coverage: inventory.coverage.clone(),
        checks,
        findings,
        subjects,
        passed,
        frameworks: framework_results,
        exceptions: exception_results,
        attestations: Vec::new(),
        breakdown,
        exposure: None,
    }
}

/// Whether an object is of a kind a check of `frameworks` reads (objects of other APIs' kinds
/// that embed a pod template are workloads too).
fn read_by_checks<'a>(
    catalog: &'a Catalog,
    frameworks: &[&Framework],
) -> impl Fn(&crate::inventory::Object) -> bool + 'a {
    let wanted: BTreeSet<&str> = frameworks
        .iter()
        .flat_map(|f| f.items.iter())
        .flat_map(|i| i.checks.iter().map(String::as_str))
        .collect();
    let kinds = crate::collect::cluster::resources::needed_kinds(Some(
        catalog
            .checks
            .iter()
            .filter(|c| wanted.contains(c.id.as_str())),
    ));
    let reads_workloads = crate::checks::workload::WORKLOAD_KINDS
        .iter()
        .any(|k| kinds.contains(*k));
    move |o| kinds.contains(&o.kind) || (reads_workloads && crate::checks::workload::carries_pod(o))
}

/// The objects of a manifest scan whose kind no check of `frameworks` reads (a custom
/// resource, a kind of another tool), counted per file and kind: read, and judged by nothing.
pub fn unjudged_kinds(
    catalog: &Catalog,
    inventory: &Inventory,
    frameworks: &[&Framework],
) -> BTreeMap<String, BTreeMap<String, usize>> {
    let mut out: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    if inventory.target.source != Some(crate::inventory::SourceKind::Manifests) {
        return out;
    }
    let read_by_checks = read_by_checks(catalog, frameworks);
    for o in inventory.objects.iter().filter(|o| !read_by_checks(o)) {
        let file = match &o.origin {
            crate::inventory::Origin::File { path, .. } => path.clone(),
            other => other.describe(),
        };
        *out.entry(file)
            .or_default()
            .entry(o.kind.clone())
            .or_default() += 1;
    }
    out
}

/// Why a manifest scan has nothing to evaluate, if so: no object was read, or every object
/// read is of a kind no check of the selected frameworks looks at. Such a run must not
/// produce a report full of `not_applicable` items and a pass or two on absence.
pub fn nothing_to_evaluate(
    catalog: &Catalog,
    inventory: &Inventory,
    frameworks: &[&Framework],
) -> Option<String> {
    if inventory.target.source != Some(crate::inventory::SourceKind::Manifests)
        || !inventory.node_facts.is_empty()
    {
        return None;
    }
    let read_by_checks = read_by_checks(catalog, frameworks);
    if inventory.objects.iter().any(&read_by_checks) {
        return None;
    }
    let read: BTreeSet<&str> = inventory.objects.iter().map(|o| o.kind.as_str()).collect();
    Some(if read.is_empty() {
        // What was set aside says why (printed even with `--quiet`, where the progress
        // lines that named it are not).
        let skipped: Vec<&str> = inventory
            .coverage
            .iter()
            .filter(|c| c.status == "skipped")
            .filter_map(|c| c.error.as_deref())
            .collect();
        format!(
            "nothing to evaluate: no Kubernetes object was read from the input{}",
            match skipped.as_slice() {
                [] => String::new(),
                [one] => format!("; skipped: {one}"),
                [first, rest @ ..] => format!("; skipped: {first} (and {} more)", rest.len()),
            }
        )
    } else {
        format!(
            "nothing to evaluate: the input holds only kinds that no selected check looks at here ({}); give manifests of the kinds the selected checks read (workloads, RBAC, namespaces, policies), or, for checks of nodes (the kubelet, control-plane files), node facts: `kubeattest node`, then `scan --node-facts`",
            read.into_iter().collect::<Vec<_>>().join(", ")
        )
    })
}

/// Whether a finding's subject lies in the inventory's namespace scope.
fn in_scope(inventory: &Inventory, f: &Finding) -> bool {
    let Some(ns) = f.subject.namespace.as_deref() else {
        return true;
    };
    (inventory.namespaces.is_empty() || inventory.namespaces.iter().any(|n| n == ns))
        && !inventory.excluded_namespaces.iter().any(|n| n == ns)
}

/// Evaluates one check: its overall status (worst of its findings; not_applicable when it
/// found nothing to look at) and its findings in subject order.
///
/// A check that would pass on manifests of which a file could not be read, or found nothing
/// of what it looks at in them, is an `error` instead, with one finding per such file: the
/// objects in the unread part were not judged, so "nothing fails" is not known (what fails in
/// the rest still fails). A check that reads node facts gives `error` for every node it is
/// about whose facts are missing while others' were read
/// ([`unseen`](crate::checks::node_scope::unseen)).
pub fn run_check(check: &Check, ctx: &Context) -> (Status, Outcome) {
    let mut outcome = check.assertion.evaluate(check, ctx);
    let extra = crate::checks::node_scope::inconsistencies(check, &outcome.findings, ctx);
    outcome.findings.extend(extra);
    // Nodes whose facts are missing while others' were read: not looked at, never a pass.
    outcome
        .findings
        .extend(crate::checks::node_scope::unseen(check, ctx));
    // Unread files first: most runs have none, and then nothing else is worked out.
    let unread = unread_files(check, ctx.inventory);
    let could_hide = !unread.is_empty()
        && match Status::worst(outcome.findings.iter().map(|f| f.status)) {
            Some(Status::Pass) => true,
            // Found nothing to judge: what it looks at may be in the unread part.
            None | Some(Status::NotApplicable) => reads_objects(check),
            _ => false,
        };
    if could_hide {
        // The unread files are the reason now, not "nothing in scope".
        outcome
            .findings
            .retain(|f| !(f.status == Status::NotApplicable && f.unassessed));
        outcome.findings.extend(unread);
    }
    outcome.findings.sort_by(|a, b| a.subject.cmp(&b.subject));
    let status =
        Status::worst(outcome.findings.iter().map(|f| f.status)).unwrap_or(Status::NotApplicable);
    (status, outcome)
}

/// Whether a check reads objects a manifest file can hold (not only node facts).
fn reads_objects(check: &Check) -> bool {
    use crate::collect::cluster::resources::needed_kinds;
    needed_kinds(Some(std::iter::once(check))).len()
        > needed_kinds(Some(std::iter::empty::<&Check>())).len()
}

/// An `error` finding for each manifest file that could not be read (see [`run_check`]).
fn unread_files(check: &Check, inventory: &crate::inventory::Inventory) -> Vec<Finding> {
    if inventory.target.source != Some(crate::inventory::SourceKind::Manifests) {
        return Vec::new();
    }
    inventory
        .coverage
        .iter()
        .filter(|c| c.is_unread_file())
        .map(|c| {
            let why = c.error.as_deref().unwrap_or("cannot read it");
            // The subject names the file: the reason says where in it (`line 7: …`), once.
            let why = match why.strip_prefix(c.source.as_str()).and_then(|r| r.strip_prefix(':')) {
                Some(rest) => {
                    let after_line = rest.trim_start_matches(|ch: char| ch.is_ascii_digit());
                    match after_line.strip_prefix(':') {
                        Some(reason) if reason.contains("line ") => reason.trim_start().to_string(),
                        Some(_) => format!("line {}", rest.trim_start()),
                        None => rest.trim_start().to_string(),
                    }
                }
                None => why.to_string(),
            };
            crate::checks::evidence::finding(
                check,
                Status::Error,
                crate::results::Subject {
                    kind: "File".into(),
                    name: c.source.as_str().into(),
                    file: Some(c.source.as_str().into()),
                    ..Default::default()
                },
                Vec::new(),
                format!(
                    "{why}; the objects in it were not judged, so this check cannot pass: fix the file (or leave it out of --manifests) and scan again"
                ),
            )
        })
        .collect()
}

/// Why a check's subjects were (partly) not assessed for want of input, if so: the message
/// of its first finding marked [`Finding::unassessed`], or, when it found nothing at all in
/// an input whose absences prove nothing (manifests, node facts alone), its own message.
fn unassessed(
    findings: &[Finding],
    counts: &Counts,
    exempt: &[&str],
    absence_known: bool,
    message: &str,
) -> Option<String> {
    if let Some(f) = findings.iter().find(|f| f.unassessed) {
        return Some(f.message.clone());
    }
    // Nothing judged but exempt system namespaces: an item cannot pass on this check.
    if counts.total() > 0 && counts.not_applicable == counts.total() && !exempt.is_empty() {
        return Some(format!(
            "its only subjects are in {}, which this check exempts (system namespaces)",
            exempt.join(", ")
        ));
    }
    (counts.total() == 0 && !absence_known).then(|| {
        if message.is_empty() {
            "nothing of what it looks at is in the input".to_string()
        } else {
            message.to_string()
        }
    })
}

/// One sentence on a check's overall result from its counts (several subjects, or none).
fn summarize(counts: &Counts, empty_reason: &str, exempt: &[&str]) -> String {
    if counts.total() == 0 {
        return empty_reason.to_string();
    }
    // A pass over the other namespaces says which ones were not judged.
    match exempt {
        [] => counts.summary(),
        exempt => format!(
            "{}; not judged in {} (system namespaces are exempt from this check)",
            counts.summary(),
            exempt.join(", ")
        ),
    }
}

/// Rolls a framework's items up from their checks (see [`crate::results::item_status`]).
fn roll_up(
    fw: &Framework,
    checks: &BTreeMap<String, (Status, String, Option<String>)>,
) -> FrameworkResult {
    let items: Vec<ItemResult> = fw
        .items
        .iter()
        .map(|item| {
            // The checks the run left out are listed too; having no verdict, they keep the
            // item from passing.
            let listed: Vec<String> = item.checks.iter().chain(&item.not_run).cloned().collect();
            let verdict = |id: &str| {
                checks.get(id).map(|(s, m, why)| Part {
                    status: *s,
                    message: m.as_str(),
                    unassessed: why.as_deref(),
                })
            };
            let status = crate::results::item_status(item.automated, &listed, verdict);
            let message = crate::results::item_message(status, item.automated, &listed, verdict);
            ItemResult {
                id: item.id.clone(),
                title: item.title.clone(),
                section: item.section.clone(),
                status,
                checks: listed,
                automated: item.automated,
                profile: item.profile.clone(),
                // Audit instructions are for items a person decides; for the others the
                // checks' own text says what was looked at.
                audit: if status == Status::Manual {
                    item.audit.clone()
                } else {
                    None
                },
                message,
                attestation: None,
            }
        })
        .collect();
    FrameworkResult {
        id: fw.id.clone(),
        title: fw.title.clone(),
        version: fw.version.clone(),
        summary: Summary::from_statuses(items.iter().map(|i| i.status)),
        sections: fw
            .sections
            .iter()
            .map(|s| SectionResult {
                id: s.id.clone(),
                title: s.title.clone(),
                parent: s.parent.clone(),
            })
            .collect(),
        items,
    }
}
