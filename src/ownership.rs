//! Ownership: who owns each finding's subject, and the results grouped by owner, namespace
//! and node.
//!
//! The owner is resolved at evaluation time, from the cluster's labels, because report.json
//! does not keep labels: for each label key in order (`--owner-label`, default
//! [`DEFAULT_OWNER_LABELS`]), the subject object's own `metadata.labels`, then (for a
//! pod-template workload) its template's labels; when no key is found on the subject, the
//! same keys on its Namespace (one index lookup); else [`NO_OWNER`].
//!
//! Cost follows failures: a finding that did not pass records its owner on its subject
//! (`subject.owner`, left out when it is [`NO_OWNER`]: a cluster without owner labels
//! should not spell that out on every failure); a pass records nothing and is only counted in [`Breakdown`] (per
//! owner, namespace and node: counts per status, failures per severity and a score), so the
//! grouped tables are exact at every `--detail` without one extra byte per pass.

use foldhash::HashMap;

use crate::document::Doc;
use serde::{Deserialize, Serialize};

use crate::catalog::Severity;
use crate::inventory::Inventory;
use crate::results::{Counts, Finding, Status, Subject};

/// Label keys tried, in order, when `--owner-label` is not given.
pub const DEFAULT_OWNER_LABELS: &[&str] = &["app.kubernetes.io/part-of", "team", "owner"];

/// The owner of a subject on which no owner label was found.
pub const NO_OWNER: &str = "(no owner)";

/// The namespace group of cluster-scoped subjects.
pub const CLUSTER_SCOPED: &str = "(cluster-scoped)";

/// The label keys to use: the ones given, or [`DEFAULT_OWNER_LABELS`].
pub fn owner_labels(given: &[String]) -> Vec<String> {
    if given.is_empty() {
        DEFAULT_OWNER_LABELS.iter().map(|s| s.to_string()).collect()
    } else {
        given.to_vec()
    }
}

fn label<'a>(meta: Option<&'a Doc>, key: &str) -> Option<&'a str> {
    meta?
        .get("labels")?
        .get(key)?
        .as_str()
        .filter(|v| !v.is_empty())
}

/// The owner of every object and namespace of an inventory, resolved once per run: checks
/// name the same object many times (one finding per check), so each finding costs one hash
/// lookup instead of an index search and label reads.
pub struct Owners<'a> {
    /// Every object: (kind, namespace, name) → the owner its own or template labels name.
    objects: HashMap<(&'a str, Option<&'a str>, &'a str), Option<&'a str>>,
    /// Namespaces whose labels name an owner.
    namespaces: HashMap<&'a str, &'a str>,
}

impl<'a> Owners<'a> {
    /// Resolves the owners of `inv` for `keys` (the first object of a kind, namespace and
    /// name in inventory order wins, as [`Inventory::find`] does).
    pub fn new(inv: &'a Inventory, keys: &[String]) -> Owners<'a> {
        let mut objects = HashMap::default();
        let mut namespaces = HashMap::default();
        for obj in &inv.objects {
            let key = (
                obj.kind.as_str(),
                obj.namespace.as_deref(),
                obj.name.as_str(),
            );
            if objects.contains_key(&key) {
                continue;
            }
            let own = obj.value.get("metadata");
            let found = if obj.kind == "Namespace" && obj.namespace.is_none() {
                let found = first_label(own, None, keys);
                if let Some(o) = found {
                    namespaces.entry(obj.name.as_str()).or_insert(o);
                }
                found
            } else {
                let template = crate::checks::workload::workload(obj, inv).map(|w| w.pod_meta);
                first_label(own, template, keys)
            };
            objects.insert(key, found);
        }
        Owners {
            objects,
            namespaces,
        }
    }

    /// The owner of a subject: its object's, else its namespace's, else [`NO_OWNER`].
    pub fn of(&self, subject: &Subject) -> &'a str {
        let ns = subject.namespace.as_deref();
        if let Some(Some(o)) = self.objects.get(&(&*subject.kind, ns, &*subject.name)) {
            return o;
        }
        ns.and_then(|ns| self.namespaces.get(ns).copied())
            .unwrap_or(NO_OWNER)
    }
}

fn first_label<'a>(
    own: Option<&'a Doc>,
    template: Option<&'a Doc>,
    keys: &[String],
) -> Option<&'a str> {
    keys.iter()
        .find_map(|key| label(own, key).or_else(|| label(template, key)))
}

/// The owner of a subject: the first of `keys` found on the subject object (its own labels,
/// then its pod template's), then on its namespace; else [`NO_OWNER`]. One lookup; for many
/// subjects, [`Owners`] resolves each object once.
pub fn owner_of<'a>(inv: &'a Inventory, subject: &Subject, keys: &[String]) -> &'a str {
    let ns = subject.namespace.as_deref();
    if let Some(obj) = inv.find(&subject.kind, ns, &subject.name) {
        let own = obj.value.get("metadata");
        let template = crate::checks::workload::workload(obj, inv).map(|w| w.pod_meta);
        for key in keys {
            if let Some(v) = label(own, key).or_else(|| label(template, key)) {
                return v;
            }
        }
    }
    if let Some(ns) = ns {
        if let Some(nso) = inv.find("Namespace", None, ns) {
            let meta = nso.value.get("metadata");
            for key in keys {
                if let Some(v) = label(meta, key) {
                    return v;
                }
            }
        }
    }
    NO_OWNER
}

/// Failing findings per severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BySeverity {
    /// Critical.
    pub critical: usize,
    /// High.
    pub high: usize,
    /// Medium.
    pub medium: usize,
    /// Low.
    pub low: usize,
}

impl BySeverity {
    fn add(&mut self, s: Severity) {
        match s {
            Severity::Critical => self.critical += 1,
            Severity::High => self.high += 1,
            Severity::Medium => self.medium += 1,
            Severity::Low => self.low += 1,
        }
    }
}

/// One owner, namespace or node: its findings per status, failures per severity, score.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Group {
    /// Owner label value, namespace or node name.
    pub name: String,
    /// Findings (check × subject) per status, passes included.
    pub counts: Counts,
    /// Failing findings per severity.
    pub fail: BySeverity,
    /// 100 × (pass + waived) ÷ (pass + waived + fail + warn + error) over its findings;
    /// null when none was decided.
    pub score: Option<f64>,
}

/// The results grouped by owner, namespace and node (report.json `breakdown`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    /// The label keys the owners were resolved from, in order.
    pub owner_labels: Vec<String>,
    /// Per owner, most failures first.
    pub owners: Vec<Group>,
    /// Per namespace (cluster-scoped subjects under `(cluster-scoped)`), most failures first.
    pub namespaces: Vec<Group>,
    /// Per node, for findings about node facts, most failures first.
    pub nodes: Vec<Group>,
}

impl Breakdown {
    /// Whether nothing was grouped (reports written before breakdowns).
    pub fn is_empty(&self) -> bool {
        self.owners.is_empty() && self.namespaces.is_empty() && self.nodes.is_empty()
    }
}

/// The score formula over counts (the same as a framework summary's, over findings).
pub fn score(c: &Counts) -> Option<f64> {
    let good = c.pass + c.waived;
    let decided = good + c.fail + c.warn + c.error;
    (decided > 0).then(|| ((good as f64) * 1000.0 / decided as f64).round() / 10.0)
}

#[derive(Debug, Default)]
struct GroupTally {
    counts: Counts,
    fail: BySeverity,
}

/// Counts being gathered during evaluation. Hash maps, not ordered ones: a large cluster
/// has tens of thousands of owners and every finding bumps three groups, while the order
/// is set once by [`Tally::finish`].
#[derive(Debug, Default)]
pub struct Tally {
    owners: HashMap<String, GroupTally>,
    namespaces: HashMap<String, GroupTally>,
    nodes: HashMap<String, GroupTally>,
}

fn bump(map: &mut HashMap<String, GroupTally>, key: &str, status: Status, severity: Severity) {
    bump_by(
        map,
        key,
        status,
        1,
        (status == Status::Fail).then_some(severity),
    );
}

/// Adds `n` findings of `status` to a group, and the severity of a failure when given.
fn bump_by(
    map: &mut HashMap<String, GroupTally>,
    key: &str,
    status: Status,
    n: usize,
    failure: Option<Severity>,
) {
    let g = match map.get_mut(key) {
        Some(g) => g,
        None => map.entry(key.to_string()).or_default(),
    };
    g.counts.add(status, n);
    if let Some(severity) = failure {
        g.fail.add(severity);
    }
}

impl Tally {
    /// Counts one finding of `owner`.
    pub fn add(&mut self, owner: &str, subject: &Subject, status: Status, severity: Severity) {
        bump(&mut self.owners, owner, status, severity);
        let ns = subject.namespace.as_deref().unwrap_or(CLUSTER_SCOPED);
        bump(&mut self.namespaces, ns, status, severity);
        if let Some(node) = subject.node.as_deref() {
            bump(&mut self.nodes, node, status, severity);
        }
    }

    /// Counts `n` passes of one subject of `owner`.
    pub fn add_passes(&mut self, owner: &str, subject: &Subject, n: usize) {
        bump_by(&mut self.owners, owner, Status::Pass, n, None);
        let ns = subject.namespace.as_deref().unwrap_or(CLUSTER_SCOPED);
        bump_by(&mut self.namespaces, ns, Status::Pass, n, None);
        if let Some(node) = subject.node.as_deref() {
            bump_by(&mut self.nodes, node, Status::Pass, n, None);
        }
    }

    /// Counts a finding that did not pass, by the owner recorded on its subject.
    pub fn add_recorded(&mut self, f: &Finding) {
        let owner = f.subject.owner.as_deref().unwrap_or(NO_OWNER);
        self.add(owner, &f.subject, f.status, f.severity);
    }

    /// Adds another tally's counts.
    pub fn merge(&mut self, other: Tally) {
        for (mine, theirs) in [
            (&mut self.owners, other.owners),
            (&mut self.namespaces, other.namespaces),
            (&mut self.nodes, other.nodes),
        ] {
            for (k, g) in theirs {
                let e = mine.entry(k).or_default();
                for s in Status::ALL {
                    e.counts.add(s, g.counts.get(s));
                }
                e.fail.critical += g.fail.critical;
                e.fail.high += g.fail.high;
                e.fail.medium += g.fail.medium;
                e.fail.low += g.fail.low;
            }
        }
    }

    /// The breakdown: groups ordered by failures (critical first), then name.
    pub fn finish(self, owner_labels: Vec<String>) -> Breakdown {
        fn groups(map: HashMap<String, GroupTally>) -> Vec<Group> {
            let mut v: Vec<Group> = map
                .into_iter()
                .map(|(name, t)| Group {
                    name,
                    score: score(&t.counts),
                    counts: t.counts,
                    fail: t.fail,
                })
                .collect();
            v.sort_by(|a, b| {
                let key = |g: &Group| {
                    (
                        std::cmp::Reverse(g.counts.fail),
                        std::cmp::Reverse(g.fail.critical),
                        std::cmp::Reverse(g.fail.high),
                    )
                };
                key(a).cmp(&key(b)).then_with(|| a.name.cmp(&b.name))
            });
            v
        }
        Breakdown {
            owner_labels,
            owners: groups(self.owners),
            namespaces: groups(self.namespaces),
            nodes: groups(self.nodes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{Object, Origin, Target};
    use serde_json::json;

    fn obj(v: serde_json::Value) -> Object {
        Object::from_value(
            v,
            Origin::File {
                path: "t.yaml".into(),
                line: 1,
            },
            crate::inventory::FieldLines::default(),
        )
        .expect("object")
    }

    fn subject(kind: &str, ns: &str, name: &str) -> Subject {
        Subject {
            kind: kind.into(),
            namespace: Some(ns.into()),
            name: name.into(),
            ..Subject::default()
        }
    }

    #[test]
    fn resolves_controller_then_template_then_namespace() {
        let mut inv = Inventory::new(Target::default(), true);
        inv.objects = vec![
            obj(json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "a", "namespace": "n", "labels": {"team": "blue"}},
                "spec": {"template": {"metadata": {"labels": {"app.kubernetes.io/part-of": "shop"}},
                         "spec": {"containers": []}}}})),
            obj(json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "b", "namespace": "n"},
                "spec": {"template": {"metadata": {"labels": {"team": "green"}},
                         "spec": {"containers": []}}}})),
            obj(json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "c", "namespace": "n"}})),
            obj(json!({"apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": "n", "labels": {"owner": "platform"}}})),
        ];
        inv.finish();
        let keys = owner_labels(&[]);
        // part-of comes first in the default order, even from the template.
        assert_eq!(
            owner_of(&inv, &subject("Deployment", "n", "a"), &keys),
            "shop"
        );
        assert_eq!(
            owner_of(&inv, &subject("Deployment", "n", "b"), &keys),
            "green"
        );
        assert_eq!(
            owner_of(&inv, &subject("ConfigMap", "n", "c"), &keys),
            "platform"
        );
        assert_eq!(
            owner_of(&inv, &subject("Pod", "x", "gone"), &keys),
            NO_OWNER
        );
        let team = vec!["team".to_string()];
        assert_eq!(
            owner_of(&inv, &subject("Deployment", "n", "a"), &team),
            "blue"
        );
        for keys in [keys, team] {
            let owners = Owners::new(&inv, &keys);
            for s in [
                subject("Deployment", "n", "a"),
                subject("Deployment", "n", "b"),
                subject("ConfigMap", "n", "c"),
                subject("Namespace", "", "n"),
                subject("Pod", "x", "gone"),
                subject("Pod", "n", "gone"),
            ] {
                assert_eq!(owners.of(&s), owner_of(&inv, &s, &keys), "{s:?}");
            }
        }
    }

    #[test]
    fn tally_scores_and_orders_by_failures() {
        let mut t = Tally::default();
        let s = subject("Pod", "n", "p");
        t.add("a", &s, Status::Pass, Severity::Low);
        t.add("b", &s, Status::Fail, Severity::High);
        t.add("b", &s, Status::Pass, Severity::High);
        let mut other = Tally::default();
        other.add("b", &s, Status::Fail, Severity::Critical);
        t.merge(other);
        let b = t.finish(owner_labels(&[]));
        assert_eq!(b.owners[0].name, "b");
        assert_eq!(b.owners[0].fail.critical, 1);
        assert_eq!(b.owners[0].fail.high, 1);
        assert_eq!(b.owners[0].score, Some(33.3));
        assert_eq!(b.owners[1].score, Some(100.0));
        assert_eq!(b.namespaces[0].counts.total(), 4);
        assert!(b.nodes.is_empty());
    }
}
