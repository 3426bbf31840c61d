//! `encryption`: which provider the API server encrypts a resource with at rest.
//!
//! Decides from node facts: the `EncryptionConfiguration` named by kube-apiserver's
//! `--encryption-provider-config`, read on the node by `kubeattest node`, which records only
//! each entry's resource names and its providers' types (never a key, a secret or a KMS
//! endpoint). The API server writes a resource with the first provider of the first entry
//! that names it (`secrets`, or the wildcards `*.` and `*.*`); that provider's type must be
//! one the check allows. No flag, no entry for the resource, or a first provider outside the
//! list is `fail`; a file the node could not see is `manual`, one that could not be used is
//! `error`; none is ever `pass`.

use serde_json::Value;

use crate::catalog::reader::Reader;
use crate::catalog::Check;
use crate::checks::apiserver_file::{self, Absence, ReadFile, COMPONENT};
use crate::checks::{Context, Outcome};
use crate::node_facts::ConfigFileFact;
use crate::results::{Observation, Status};
use crate::yaml::Node;

/// The flag that names the file.
const FLAG: &str = "--encryption-provider-config";
/// The recorded keys (`components.yaml`, `reads`): each entry's resources, and the keys of
/// each of its providers (one key: the provider's type).
const RESOURCES: &str = "resources[].resources";
const PROVIDERS: &str = "resources[].providers[].@keys";
/// For each entry of `resources`, the fields each provider sets (see `mounted_file::lookup`);
/// absent from facts collected before it was recorded.
const FIELDS: &str = "resources[].providers[].@fields";

/// Providers whose key is written in the file.
const KEY_BASED: &[&str] = &["aescbc", "aesgcm", "secretbox"];

/// A recorded provider (`{"aescbc": ["keys"]}`): its first type, and the fields it sets
/// (`None` when its value is not a mapping).
fn provider_fields(provider: &Value) -> Option<(&str, Option<Vec<&str>>)> {
    let (kind, fields) = provider.as_object()?.iter().next()?;
    let set = fields
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect());
    Some((kind.as_str(), set))
}

/// The first key-based provider with keys after the first one in entry `entry` (1-based),
/// from the recorded provider fields; `None` when there is none or the fields were not
/// recorded.
fn local_key_after_first(file: &ConfigFileFact, entry: usize) -> Option<String> {
    let Some(Value::Array(entries)) = file.values.get(FIELDS) else {
        return None;
    };
    let providers = entries.get(entry.checked_sub(1)?)?.as_array()?;
    providers.iter().skip(1).find_map(|provider| {
        let (kind, set) = provider_fields(provider)?;
        (KEY_BASED.contains(&kind) && set?.contains(&"keys")).then(|| kind.to_string())
    })
}

/// Why the API server would refuse the file (validation_encryption.go): a provider that is
/// not exactly one of the known types, a key-based provider without keys, a KMS provider
/// without name or endpoint, `identity` without its (empty) mapping. `None` when the shape
/// is valid or was not recorded.
fn refused(file: &ConfigFileFact) -> Option<String> {
    let Some(Value::Array(entries)) = file.values.get(FIELDS) else {
        return None;
    };
    for (i, providers) in entries.iter().enumerate() {
        let Some(providers) = providers.as_array() else {
            return Some(format!("entry {} has no provider list", i + 1));
        };
        if providers.is_empty() {
            return Some(format!("entry {} has no provider", i + 1));
        }
        for (j, provider) in providers.iter().enumerate() {
            let at = format!("entry {} provider {}", i + 1, j + 1);
            let Some(map) = provider.as_object() else {
                return Some(format!("{at} is not a mapping"));
            };
            if map.len() != 1 {
                return Some(format!(
                    "{at} names {} provider types; each list item is exactly one of kms, aesgcm, aescbc, secretbox, identity",
                    map.len()
                ));
            }
            let Some((kind, fields)) = provider_fields(provider) else {
                continue;
            };
            let set = fields.as_deref().unwrap_or(&[]);
            let problem = match kind {
                "identity" if fields.is_none() => Some("identity is empty (write `identity: {}`)"),
                "identity" => None,
                k if KEY_BASED.contains(&k) && !set.contains(&"keys") => {
                    Some("has no keys (at least one key is required)")
                }
                k if KEY_BASED.contains(&k) => None,
                "kms" if !(set.contains(&"name") && set.contains(&"endpoint")) => {
                    Some("has no name or no endpoint (both are required)")
                }
                "kms" => None,
                _ => {
                    Some("is not a known provider type (kms, aesgcm, aescbc, secretbox, identity)")
                }
            };
            if let Some(problem) = problem {
                return Some(format!("{at} ({kind}) {problem}"));
            }
        }
    }
    None
}

/// Parameters of an `encryption` assertion.
#[derive(Debug, Clone)]
pub struct Params {
    /// The resource, as the configuration names it (`secrets`).
    pub resource: String,
    /// Provider types allowed to be first (`aescbc`, `kms`, `secretbox`).
    pub providers: Vec<String>,
}

impl Params {
    /// Reads and validates the assertion block.
    pub fn read(node: &Node, r: &mut Reader, what: &str) -> Option<Params> {
        let w = format!("the `encryption` assertion of {what}");
        r.known_keys(node, &w, &["kind", "resource", "providers"]);
        let resource = r.string(node, "resource", &w);
        let providers = r.string_list(node, "providers", &w);
        if providers.is_empty() {
            r.error(
                node.line,
                format!("{w} needs `providers`: the provider types allowed to be first"),
            );
            return None;
        }
        Some(Params {
            resource: resource?,
            providers,
        })
    }

    /// One line on how the check decides, for `explain`.
    pub fn describe(&self) -> String {
        format!(
            "Reads node facts (`kubeattest node`): on every node running {COMPONENT}, the file named by {FLAG} must give {} a first provider of type {}",
            self.resource,
            or_list(&self.providers)
        )
    }

    /// What is expected, in words.
    fn expected(&self) -> String {
        format!(
            "{} written with {} (the first provider of the first entry that names them)",
            self.resource,
            or_list(&self.providers)
        )
    }

    /// Whether an entry's resource name covers the resource: itself, or the wildcards for
    /// every resource (`*.*`) and for the core group (`*.`; secrets are in the core group).
    fn covers(&self, name: &str) -> bool {
        name == self.resource || name == "*.*" || (name == "*." && !self.resource.contains('.'))
    }
}

/// `a, b or c`.
fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// What the configuration file says about the resource.
enum FirstProvider {
    /// The first provider's type for the resource, and which entry (1-based) named it.
    First(String, usize),
    /// No entry names the resource.
    NotCovered,
    /// The recorded values cannot be read as entries, and why.
    Unreadable(String),
}

/// The first provider for the resource, from the file's recorded values.
fn first_provider(p: &Params, file: &ConfigFileFact) -> FirstProvider {
    let (Some(Value::Array(entries)), Some(Value::Array(providers))) =
        (file.values.get(RESOURCES), file.values.get(PROVIDERS))
    else {
        return FirstProvider::Unreadable(
            "the facts do not list its resources and providers: collect them again with this version of kubeattest".to_string(),
        );
    };
    if entries.len() != providers.len() {
        return FirstProvider::Unreadable(format!(
            "{} entries name resources but {} list providers; every entry of `resources` needs both",
            entries.len(),
            providers.len()
        ));
    }
    for (i, (names, provs)) in entries.iter().zip(providers).enumerate() {
        let covered = names
            .as_array()
            .is_some_and(|n| n.iter().filter_map(Value::as_str).any(|n| p.covers(n)));
        if !covered {
            continue;
        }
        // Each provider is a mapping with one key, its type.
        return match provs
            .as_array()
            .and_then(|l| l.first())
            .and_then(Value::as_array)
            .and_then(|keys| keys.first())
            .and_then(Value::as_str)
        {
            Some(t) => FirstProvider::First(t.to_string(), i + 1),
            None => FirstProvider::Unreadable(format!("entry {} has no provider", i + 1)),
        };
    }
    FirstProvider::NotCovered
}

/// Judges the file one node read.
fn judge(p: &Params, read: &ReadFile) -> apiserver_file::Verdict {
    let ReadFile { node, file, .. } = read;
    let shown = file.describe();
    let mut o = Observation {
        source: read.source.clone(),
        path: format!("resources[].providers[0] for {}", p.resource),
        observed: Value::Null,
        expected: p.expected(),
        holds: false,
        note: None,
    };
    if let Some(why) = refused(file) {
        o.note = Some(why.clone());
        return (
            Status::Error,
            vec![o],
            format!(
                "{COMPONENT} on node {node}: the API server refuses {shown} ({why}): it does not start with it, so what it encrypts cannot be judged; fix the file"
            ),
        );
    }
    match first_provider(p, file) {
        FirstProvider::Unreadable(why) => (
            Status::Error,
            vec![o],
            format!("{COMPONENT} on node {node}: cannot judge {shown}: {why}"),
        ),
        FirstProvider::NotCovered => {
            o.note = Some(format!(
                "no entry names {} or a wildcard for them",
                p.resource
            ));
            (
                Status::Fail,
                vec![o],
                format!(
                    "{COMPONENT} on node {node}: {shown} has no entry for {}, so they are written to etcd unencrypted",
                    p.resource
                ),
            )
        }
        FirstProvider::First(kind, entry) => {
            o.observed = Value::String(kind.clone());
            o.note = Some(format!("entry {entry} of `resources`"));
            // Asked for kms alone (the key off the node), a key-based provider after it still
            // holds a key in the file, and decrypts what was written before the switch.
            let local = if p.providers == ["kms"] {
                local_key_after_first(file, entry)
            } else {
                None
            };
            if let (true, Some(local)) = (p.providers.contains(&kind), local) {
                o.note = Some(format!(
                    "entry {entry} of `resources`; {local} after it still holds a key in the file"
                ));
                return (
                    Status::Manual,
                    vec![o],
                    format!(
                        "{COMPONENT} on node {node} writes {} with {kind}, but {local} after it in entry {entry} of {shown} keeps a key on the node, which decrypts what was written before the switch: rewrite every Secret (`kubectl get secrets -A -o json | kubectl replace -f -`), remove that provider, and confirm",
                        p.resource
                    ),
                );
            }
            if p.providers.contains(&kind) {
                o.holds = true;
                (
                    Status::Pass,
                    vec![o],
                    format!(
                        "{COMPONENT} on node {node} writes {} with {kind}",
                        p.resource
                    ),
                )
            } else {
                let meaning = if kind == "identity" {
                    " (no encryption)"
                } else {
                    ""
                };
                (
                    Status::Fail,
                    vec![o],
                    format!(
                        "{COMPONENT} on node {node} writes {} with {kind}{meaning} (first provider of entry {entry} in {shown}), expected {}",
                        p.resource,
                        or_list(&p.providers)
                    ),
                )
            }
        }
    }
}

/// Evaluates the assertion over the inventory's node facts: one finding per node that runs
/// the API server.
pub fn evaluate(check: &Check, p: &Params, ctx: &Context) -> Outcome {
    let absence = Absence {
        consequence: format!("{} are written to etcd unencrypted", p.resource),
        note: "not set: nothing is encrypted at rest".to_string(),
    };
    apiserver_file::evaluate(check, ctx, FLAG, &p.expected(), &absence, &|read| {
        judge(p, read)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node_facts::FileState;
    use serde_json::json;

    fn params() -> Params {
        Params {
            resource: "secrets".into(),
            providers: vec!["aescbc".into(), "kms".into(), "secretbox".into()],
        }
    }

    fn file(resources: Value, providers: Value) -> ConfigFileFact {
        ConfigFileFact {
            flag: FLAG.into(),
            path: "/etc/kubernetes/enc.yaml".into(),
            read_from: None,
            state: FileState::Present,
            kind: Some("EncryptionConfiguration".into()),
            values: [
                (RESOURCES.to_string(), resources),
                (PROVIDERS.to_string(), providers),
            ]
            .into(),
            error: None,
        }
    }

    fn first(resources: Value, providers: Value) -> String {
        match first_provider(&params(), &file(resources, providers)) {
            FirstProvider::First(t, n) => format!("{t} #{n}"),
            FirstProvider::NotCovered => "not covered".into(),
            FirstProvider::Unreadable(why) => format!("unreadable: {why}"),
        }
    }

    #[test]
    fn the_first_entry_naming_the_resource_decides_with_its_first_provider() {
        // The documentation's example: secrets are listed with identity first.
        assert_eq!(
            first(
                json!([["secrets", "configmaps"], ["events"], ["*.*"]]),
                json!([
                    [["identity"], ["aesgcm"], ["aescbc"]],
                    [["identity"]],
                    [["aescbc"]]
                ])
            ),
            "identity #1"
        );
        // A wildcard entry after a narrower one that does not name secrets.
        assert_eq!(
            first(
                json!([["configmaps"], ["*."]]),
                json!([[["identity"]], [["kms"], ["identity"]]])
            ),
            "kms #2"
        );
        assert_eq!(
            first(json!([["configmaps"]]), json!([[["aescbc"]]])),
            "not covered"
        );
        assert!(first(json!([["secrets"]]), json!([])).starts_with("unreadable"));
        assert!(first(json!([["secrets"]]), json!([[]])).starts_with("unreadable"));
    }

    #[test]
    fn the_catalog_reads_what_the_check_judges() {
        let file = apiserver_file::catalog_entry(FLAG);
        assert_eq!(file.kind.as_deref(), Some("EncryptionConfiguration"));
        assert!(file.reads.iter().any(|k| k == RESOURCES));
        assert!(file.reads.iter().any(|k| k == PROVIDERS));
    }

    #[test]
    fn the_core_group_wildcard_does_not_cover_other_groups() {
        let p = Params {
            resource: "widgets.example.com".into(),
            ..params()
        };
        assert!(!p.covers("*."));
        assert!(p.covers("*.*"));
        assert!(params().covers("*."));
        assert_eq!(or_list(&params().providers), "aescbc, kms or secretbox");
    }
}
