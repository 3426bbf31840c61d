//! `encryption`: which provider the API server encrypts a resource with at rest.
//!
//! Decides from node facts: the `EncryptionConfiguration` named by kube-apiserver's
//! `--encryption-provider-config`, read on the node by `kubeattest node`, which records each
//! entry's resource names, its providers' types and fields, and what the API server checks of
//! each provider without its secrets (`@provider`: each key's decoded length, a KMS
//! provider's apiVersion, cache size and endpoint scheme; never a key, a secret or a KMS
//! endpoint). Resource names are read as the API server reads them
//! (`schema.ParseGroupResource`: `secrets.` is `secrets`); every entry that names the
//! resource appends its providers to the resource's list, in file order, and the first of
//! that list writes; without such an entry, the list of the wildcard of its group (`*.`)
//! decides, else that of `*.*` (encryptionconfig/config.go). That provider's type must be one
//! the check allows. A file the API server refuses (see [`refused`] and [`kms_v1`]) is
//! `error`; no flag, no entry for the resource, or a first provider outside the list is
//! `fail`; a file the node could not see is `manual`, one that could not be used is `error`;
//! none is ever `pass`, nor is a file whose providers' checks were not recorded (facts from
//! an older kubeattest) or that uses KMS v1 on an API server of unknown version.

use serde_json::{Map, Value};

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
/// For each entry of `resources`, what the API server checks of each provider, without its
/// secrets ([`provider_shape`]); absent from facts collected before it was recorded.
const SHAPES: &str = "resources[].providers[].@provider";

/// Providers whose key is written in the file.
const KEY_BASED: &[&str] = &["aescbc", "aesgcm", "secretbox"];

/// The fields of each provider type (apis/apiserver/v1 types_encryption.go): `None` for a
/// type the API server does not know.
fn known_fields(kind: &str) -> Option<&'static [&'static str]> {
    match kind {
        "aescbc" | "aesgcm" | "secretbox" => Some(&["keys"]),
        "kms" => Some(&["apiVersion", "name", "cachesize", "endpoint", "timeout"]),
        "identity" => Some(&[]),
        _ => None,
    }
}

/// The key sizes each key-based provider accepts, in bytes (validation_encryption.go:
/// `aesKeySizes`, `secretBoxKeySizes`).
fn key_sizes(kind: &str) -> &'static [u64] {
    match kind {
        "secretbox" => &[32],
        _ => &[16, 24, 32],
    }
}

/// What the API server checks of one provider (`{"aescbc": {...}}`), without any secret: for
/// a key-based provider, per key whether it is named and its secret's decoded length (or
/// `"absent"`, `"not base64"`, `"not a string"`); for `kms`, its `apiVersion`, `cachesize`
/// and its endpoint's URL scheme (`{"scheme": "unix"}`, or `{"invalid": why}`), never the
/// endpoint; `identity` and unknown types as `{}` or null. Null when the provider is not a
/// mapping. `kubeattest node` records this (`@provider` in `components.yaml`).
pub fn provider_shape(provider: &Value) -> Value {
    let Some(map) = provider.as_object() else {
        return Value::Null;
    };
    let shape = map
        .iter()
        .map(|(kind, v)| {
            let details = match (kind.as_str(), v.as_object()) {
                (k, Some(fields)) if KEY_BASED.contains(&k) => {
                    let keys = fields.get("keys").and_then(Value::as_array).map(|keys| {
                        keys.iter()
                            .map(|key| {
                                let named = key
                                    .get("name")
                                    .and_then(Value::as_str)
                                    .is_some_and(|n| !n.is_empty());
                                let secret = match key.get("secret") {
                                    None | Some(Value::Null) => Value::from("absent"),
                                    Some(Value::String(s)) if s.is_empty() => Value::from("absent"),
                                    Some(Value::String(s)) => match go_base64_len(s) {
                                        Some(n) => Value::from(n),
                                        None => Value::from("not base64"),
                                    },
                                    Some(_) => Value::from("not a string"),
                                };
                                let mut k = Map::new();
                                k.insert("named".into(), Value::Bool(named));
                                k.insert("secret".into(), secret);
                                Value::Object(k)
                            })
                            .collect::<Vec<_>>()
                    });
                    let mut d = Map::new();
                    d.insert("keys".into(), keys.map_or(Value::Null, Value::Array));
                    Value::Object(d)
                }
                ("kms", Some(fields)) => {
                    let mut d = Map::new();
                    d.insert(
                        "apiVersion".into(),
                        fields.get("apiVersion").cloned().unwrap_or(Value::Null),
                    );
                    d.insert(
                        "cachesize".into(),
                        fields.get("cachesize").cloned().unwrap_or(Value::Null),
                    );
                    let endpoint = match fields.get("endpoint") {
                        Some(Value::String(e)) if !e.is_empty() => {
                            let mut m = Map::new();
                            match go_url_scheme(e) {
                                Ok(scheme) => m.insert("scheme".into(), Value::from(scheme)),
                                Err(why) => m.insert("invalid".into(), Value::from(why)),
                            };
                            Value::Object(m)
                        }
                        _ => Value::Null,
                    };
                    d.insert("endpoint".into(), endpoint);
                    Value::Object(d)
                }
                (_, Some(_)) => Value::Object(Map::new()),
                (_, None) => Value::Null,
            };
            (kind.clone(), details)
        })
        .collect();
    Value::Object(shape)
}

/// The length of what Go's `base64.StdEncoding.DecodeString` decodes `s` to, `None` when it
/// refuses it: the standard alphabet, padded to a multiple of four (`=` only at the end, at
/// most two), carriage returns and newlines skipped.
fn go_base64_len(s: &str) -> Option<u64> {
    let b: Vec<u8> = s.bytes().filter(|c| !matches!(c, b'\r' | b'\n')).collect();
    if b.len() % 4 != 0 {
        return None;
    }
    let pads = b.iter().rev().take_while(|c| **c == b'=').count();
    if pads > 2 {
        return None;
    }
    let body = &b[..b.len() - pads];
    if !body
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/'))
    {
        return None;
    }
    Some((b.len() / 4 * 3 - pads) as u64)
}

/// The scheme Go's `url.Parse` reads in `s` (lower case; `""` when there is none), or why it
/// refuses `s` (a `:` before any scheme).
fn go_url_scheme(s: &str) -> Result<String, String> {
    for (i, c) in s.char_indices() {
        match c {
            c if c.is_ascii_alphabetic() => {}
            '0'..='9' | '+' | '-' | '.' if i > 0 => {}
            ':' if i == 0 => return Err("missing protocol scheme".into()),
            ':' => return Ok(s[..i].to_ascii_lowercase()),
            _ => return Ok(String::new()),
        }
    }
    Ok(String::new())
}

/// A recorded provider (`{"aescbc": ["keys"]}`): its first type, and the fields it sets
/// (`None` when its value is not a mapping).
fn provider_fields(provider: &Value) -> Option<(&str, Option<Vec<&str>>)> {
    let (kind, fields) = provider.as_object()?.iter().next()?;
    let set = fields
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect());
    Some((kind.as_str(), set))
}

/// The recorded value for provider `at` (entry, provider; 0-based) under `key`.
fn recorded<'f>(
    file: &'f ConfigFileFact,
    key: &str,
    (entry, provider): (usize, usize),
) -> Option<&'f Value> {
    file.values
        .get(key)?
        .as_array()?
        .get(entry)?
        .as_array()?
        .get(provider)
}

/// The first key-based provider with keys in `chain` after its first provider, and where it
/// is (1-based entry), from the recorded provider fields; `None` when there is none or the
/// fields were not recorded.
fn local_key_after_first(
    file: &ConfigFileFact,
    chain: &[(usize, usize)],
) -> Option<(String, usize)> {
    chain.iter().skip(1).find_map(|at| {
        let (kind, set) = provider_fields(recorded(file, FIELDS, *at)?)?;
        (KEY_BASED.contains(&kind) && set?.contains(&"keys")).then(|| (kind.to_string(), at.0 + 1))
    })
}

/// A resource name as the API server reads it (`schema.ParseGroupResource`): split at the
/// first `.`, the resource before it and the group after it, so `secrets` and `secrets.` are
/// both the core group's secrets, `*.` is every resource of the core group and `*.*` every
/// resource.
#[derive(Debug, Clone, PartialEq, Eq)]
struct GroupResource {
    resource: String,
    group: String,
}

impl GroupResource {
    fn parse(name: &str) -> GroupResource {
        let (resource, group) = name.split_once('.').unwrap_or((name, ""));
        GroupResource {
            resource: resource.to_string(),
            group: group.to_string(),
        }
    }

    /// Every resource of this one's group (`*.<group>`).
    fn group_wildcard(&self) -> GroupResource {
        GroupResource {
            resource: "*".into(),
            group: self.group.clone(),
        }
    }

    fn any() -> GroupResource {
        GroupResource {
            resource: "*".into(),
            group: "*".into(),
        }
    }

    /// As the API server writes it (`grYAMLString`): `*.` for the core group's wildcard,
    /// else `resource.group`, or `resource` in the core group.
    fn shown(&self) -> String {
        match (self.resource.as_str(), self.group.as_str()) {
            ("*", "") => "*.".into(),
            (r, "") => r.into(),
            (r, g) => format!("{r}.{g}"),
        }
    }
}

/// Why the API server refuses an entry's resource names (validation_encryption.go
/// `ValidateEncryptionConfiguration`, `validateResourceOverlap`, `validateResourceNames`),
/// or `None`. `names` are the entry's `resources` as recorded.
fn names_refused(entry: usize, names: &Value) -> Option<String> {
    let at = format!("entry {entry}");
    let q = |s: &str| crate::quote::quote(s);
    let list = match names {
        Value::Null => return Some(format!("{at} names no resource (at least one is required)")),
        Value::Array(list) => list,
        _ => return Some(format!("{at}: `resources` is not a list")),
    };
    if list.is_empty() {
        return Some(format!("{at} names no resource (at least one is required)"));
    }
    let mut parsed = Vec::new();
    for (j, name) in list.iter().enumerate() {
        let Some(name) = name.as_str() else {
            return Some(format!("{at} resource {} is not a string", j + 1));
        };
        let gr = GroupResource::parse(name);
        let problem = if name.to_lowercase() != name {
            Some("resource names must not contain capital letters")
        } else if name == "*" {
            Some("`*` is not a resource: use `*.` for every resource of the core group or `*.*` for every resource")
        } else if matches!(
            name,
            "apiserveripinfo" | "serviceipallocations" | "servicenodeportallocations"
        ) {
            Some("resources without a REST API cannot be encrypted")
        } else if gr.group == "events.k8s.io" {
            Some("events.k8s.io objects are stored as the `events` group's: name `events` instead")
        } else if gr.group == "extensions" {
            Some("the `extensions` group is removed and cannot be encrypted")
        } else if gr.group == "*" && gr.resource != "*" {
            Some("encrypting the same resource across groups (`resource.*`) is not supported")
        } else {
            None
        };
        if let Some(problem) = problem {
            return Some(format!("{at} resource {}: {problem}", q(name)));
        }
        parsed.push((name, gr));
    }
    // Within one entry: the same resource twice, or a resource and a wildcard covering it.
    for (i, (n1, r1)) in parsed.iter().enumerate() {
        for (n2, r2) in parsed.iter().skip(i + 1) {
            if r1 == r2 {
                return Some(format!(
                    "{at} names the same resource twice ({} and {}), which is not allowed",
                    q(n1),
                    q(n2)
                ));
            }
            let covers = |a: &GroupResource, b: &GroupResource| {
                *a == GroupResource::any() || (a.group == b.group && a.resource == "*")
            };
            if covers(r1, r2) || covers(r2, r1) {
                return Some(format!(
                    "{at} names overlapping resources ({} and {}), which is not allowed as one masks the other",
                    q(n1),
                    q(n2)
                ));
            }
        }
    }
    None
}

/// Why the API server refuses the file (validation_encryption.go, and
/// encryptionconfig/config.go for what it refuses while building the transformers): an entry
/// without resources or providers, resource names it refuses ([`names_refused`]), a resource
/// after an entry for a wildcard that covers it ("masked by earlier rule"), a provider that is
/// not exactly one of the known types or sets a field its type does not have (the file is
/// decoded strictly), a key-based provider without keys, a key without name
/// or secret, a secret that is not base64 or of a size the cipher does not take, a KMS
/// provider without name or endpoint, with an endpoint whose scheme is not `unix`, an
/// apiVersion other than v1 or v2, or a cache size it refuses; `identity` without its (empty)
/// mapping. `None` when nothing recorded is refused.
fn refused(file: &ConfigFileFact) -> Option<String> {
    if let Some(Value::Array(entries)) = file.values.get(RESOURCES) {
        for (i, names) in entries.iter().enumerate() {
            if let Some(why) = names_refused(i + 1, names) {
                return Some(why);
            }
        }
        if let Some(why) = masked(entries) {
            return Some(why);
        }
    }
    if let Some(Value::Array(entries)) = file.values.get(FIELDS) {
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
                // The file is decoded strictly (config.go: `serializer.EnableStrict`): a field
                // the provider does not have (`cacheSize`, `key`) is refused.
                if let Some(unknown) =
                    known_fields(kind).and_then(|known| set.iter().find(|f| !known.contains(f)))
                {
                    return Some(format!(
                        "{at} ({kind}) sets `{}`, which is not a field of {kind} (the file is decoded strictly)",
                        crate::quote::quote(unknown)
                    ));
                }
                let problem = match kind {
                    "identity" if fields.is_none() => {
                        Some("identity is empty (write `identity: {}`)")
                    }
                    "identity" => None,
                    k if KEY_BASED.contains(&k) && !set.contains(&"keys") => {
                        Some("has no keys (at least one key is required)")
                    }
                    k if KEY_BASED.contains(&k) => None,
                    "kms" if !(set.contains(&"name") && set.contains(&"endpoint")) => {
                        Some("has no name or no endpoint (both are required)")
                    }
                    "kms" => None,
                    _ => Some(
                        "is not a known provider type (kms, aesgcm, aescbc, secretbox, identity)",
                    ),
                };
                if let Some(problem) = problem {
                    return Some(format!("{at} ({kind}) {problem}"));
                }
            }
        }
    }
    if let Some(Value::Array(entries)) = file.values.get(SHAPES) {
        for (i, providers) in entries.iter().enumerate() {
            for (j, provider) in providers.as_array().into_iter().flatten().enumerate() {
                let Some((kind, details)) = provider.as_object().and_then(|m| m.iter().next())
                else {
                    continue;
                };
                if let Some(problem) = shape_refused(kind, details) {
                    return Some(format!(
                        "entry {} provider {} ({kind}) {problem}",
                        i + 1,
                        j + 1
                    ));
                }
            }
        }
    }
    None
}

/// Why the API server refuses one provider, from what [`provider_shape`] recorded of it.
fn shape_refused(kind: &str, details: &Value) -> Option<String> {
    let q = |v: &Value| match v {
        Value::String(s) => format!("`{}`", crate::quote::quote(s)),
        other => format!("`{}`", crate::quote::bounded(&other.to_string(), 80)),
    };
    if KEY_BASED.contains(&kind) {
        let sizes = key_sizes(kind);
        for (k, key) in details
            .get("keys")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let at = format!("key {}", k + 1);
            if key.get("named") == Some(&Value::Bool(false)) {
                return Some(format!("{at} has no name (a name is required)"));
            }
            match key.get("secret") {
                Some(Value::Number(n)) => {
                    let n = n.as_u64().unwrap_or_default();
                    if !sizes.contains(&n) {
                        let allowed: Vec<String> = sizes.iter().map(u64::to_string).collect();
                        return Some(format!(
                            "{at}: the secret decodes to {n} bytes, and {kind} takes a key of {} bytes",
                            allowed.join(", ")
                        ));
                    }
                }
                Some(Value::String(s)) if s == "absent" => {
                    return Some(format!("{at} has no secret (a secret is required)"))
                }
                Some(Value::String(s)) if s == "not base64" => {
                    return Some(format!("{at}: the secret is not base64 (standard, padded)"))
                }
                Some(Value::String(_)) => return Some(format!("{at}: the secret is not a string")),
                _ => {}
            }
        }
        return None;
    }
    if kind != "kms" {
        return None;
    }
    // An empty apiVersion is defaulted to v1 (apis/apiserver/v1 defaults.go).
    let version = match details.get("apiVersion") {
        None | Some(Value::Null) => "v1".to_string(),
        Some(Value::String(s)) if s.is_empty() => "v1".to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            return Some(format!(
                "has apiVersion {}, which is not a string",
                q(other)
            ))
        }
    };
    if version != "v1" && version != "v2" {
        return Some(format!(
            "has apiVersion {}; only v1 and v2 are supported",
            q(&Value::from(version))
        ));
    }
    match details.get("endpoint") {
        Some(Value::Object(e)) => {
            if let Some(why) = e.get("invalid").and_then(Value::as_str) {
                return Some(format!("has an endpoint that is not a URL ({why})"));
            }
            let scheme = e.get("scheme").and_then(Value::as_str).unwrap_or_default();
            if scheme != "unix" {
                return Some(format!(
                    "has an endpoint with scheme {}; only unix sockets (`unix://…`) are supported",
                    if scheme.is_empty() {
                        "(none)".to_string()
                    } else {
                        q(&Value::from(scheme))
                    }
                ));
            }
        }
        _ => return Some("has no endpoint (it is required)".into()),
    }
    match (version.as_str(), details.get("cachesize")) {
        ("v2", Some(c)) if !c.is_null() => {
            Some("sets cachesize, which is not supported with apiVersion v2".into())
        }
        ("v1", Some(c)) if c.as_i64() == Some(0) || c.as_f64() == Some(0.0) => Some(
            "sets cachesize 0 (a positive size, or a negative one to disable the cache)".into(),
        ),
        _ => None,
    }
}

/// Why the API server refuses to build its transformers (encryptionconfig/config.go,
/// `getTransformerOverridesAndKMSPluginProbes`): a resource named after an entry for the
/// wildcard of its group (`*.`) or for every resource (`*.*`): "resource … is masked by
/// earlier rule …".
fn masked(entries: &[Value]) -> Option<String> {
    let mut seen: Vec<GroupResource> = Vec::new();
    for names in entries {
        for name in names
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            let gr = GroupResource::parse(name);
            for wildcard in [gr.group_wildcard(), GroupResource::any()] {
                if seen.contains(&wildcard) {
                    return Some(format!(
                        "resource {} is masked by the earlier rule {}: a resource must come before the wildcard that covers it",
                        crate::quote::quote(&gr.shown()),
                        wildcard.shown()
                    ));
                }
            }
            seen.push(gr);
        }
    }
    None
}

/// Whether the API server takes the file's KMS v1 providers.
#[derive(Debug, PartialEq)]
enum KmsV1 {
    /// No KMS v1 provider, or the API server takes them.
    Accepted,
    /// It refuses them, and why.
    Refused(String),
    /// It takes them only before 1.29 (or with the gate), and its version is not known: why.
    Unknown(String),
}

/// Whether the API server takes the file's KMS v1 providers (a `kms` provider whose
/// apiVersion is v1 or left out): from 1.29 the `KMSv1` feature gate is off by default and
/// the API server refuses them unless started with `--feature-gates=KMSv1=true`
/// (encryptionconfig/config.go `kmsPrefixTransformer`; the gate's defaults in
/// k8s.io/apiserver/pkg/features/kube_features.go). `args` is the API server's command line,
/// `version` its Kubernetes version when known.
fn kms_v1(file: &ConfigFileFact, args: &[String], version: Option<&str>) -> KmsV1 {
    let Some(Value::Array(entries)) = file.values.get(SHAPES) else {
        return KmsV1::Accepted;
    };
    let first = entries.iter().enumerate().find_map(|(i, providers)| {
        providers.as_array()?.iter().enumerate().find_map(|(j, p)| {
            let kms = p.get("kms")?;
            let v = kms.get("apiVersion").and_then(Value::as_str).unwrap_or("");
            matches!(v, "" | "v1").then_some((i + 1, j + 1))
        })
    });
    let Some((entry, provider)) = first else {
        return KmsV1::Accepted;
    };
    let at = format!("entry {entry} provider {provider} is a KMS v1 provider");
    let flags = crate::checks::flag::parse_flags(args);
    let gate = flags
        .get("--feature-gates")
        .into_iter()
        .flatten()
        .flat_map(|v| v.split(','))
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (k.trim() == "KMSv1").then(|| crate::checks::condition::parse_bool(v.trim()))
        })
        .next_back()
        .flatten();
    let minor = version
        .and_then(crate::checks::release::parse)
        .map(|(major, minor, _)| (major, minor));
    match (gate, minor) {
        (Some(true), _) => KmsV1::Accepted,
        (Some(false), _) => KmsV1::Refused(format!(
            "{at}, and it is started with --feature-gates=KMSv1=false"
        )),
        (None, Some(v)) if v >= (1, 29) => KmsV1::Refused(format!(
            "{at}: KMS v1 is off by default from Kubernetes 1.29 (this API server is {}.{}) unless it is started with --feature-gates=KMSv1=true",
            v.0, v.1
        )),
        (None, Some(_)) => KmsV1::Accepted,
        (None, None) => KmsV1::Unknown(format!(
            "{at}, which API servers from Kubernetes 1.29 on refuse unless started with --feature-gates=KMSv1=true, and this API server's version is not known (scan the cluster, or a snapshot of it, with these node facts to know it)"
        )),
    }
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

    /// The resource as the API server reads it.
    fn group_resource(&self) -> GroupResource {
        GroupResource::parse(&self.resource)
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
    /// The type of the provider that writes the resource, which entry (1-based) it is the
    /// first provider of, and every provider of the resource's list in order (entry,
    /// provider; 0-based).
    First(String, usize, Vec<(usize, usize)>),
    /// No entry names the resource or a wildcard covering it.
    NotCovered,
    /// The recorded values cannot be read as entries, and why.
    Unreadable(String),
}

/// The providers of the resource, from the file's recorded values, as the API server puts
/// them together (encryptionconfig/config.go): every entry naming the resource appends its
/// providers to the resource's list, in file order, and the resource is written with the
/// first of its own list, else of its group's wildcard's, else of `*.*`'s
/// (`transformerFromOverrides`).
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
    let target = p.group_resource();
    let naming = |gr: &GroupResource| -> Vec<(usize, usize)> {
        entries
            .iter()
            .zip(providers)
            .enumerate()
            .filter(|(_, (names, _))| {
                names
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .any(|n| GroupResource::parse(n) == *gr)
            })
            .flat_map(|(i, (_, provs))| {
                (0..provs.as_array().map_or(0, Vec::len)).map(move |j| (i, j))
            })
            .collect()
    };
    for gr in [
        target.clone(),
        target.group_wildcard(),
        GroupResource::any(),
    ] {
        let chain = naming(&gr);
        let Some(&(entry, _)) = chain.first() else {
            // Entries naming it with no provider append nothing.
            if entries.iter().any(|names| {
                names
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .any(|n| GroupResource::parse(n) == gr)
            }) {
                return FirstProvider::Unreadable(format!(
                    "the entry for {} has no provider",
                    gr.shown()
                ));
            }
            continue;
        };
        // Each provider is a mapping with one key, its type.
        return match providers[entry]
            .as_array()
            .and_then(|l| l.first())
            .and_then(Value::as_array)
            .and_then(|keys| keys.first())
            .and_then(Value::as_str)
        {
            Some(t) => FirstProvider::First(t.to_string(), entry + 1, chain),
            None => FirstProvider::Unreadable(format!("entry {} has no provider", entry + 1)),
        };
    }
    FirstProvider::NotCovered
}

/// Judges the file one node read; `version` is the cluster's Kubernetes version when known.
fn judge(p: &Params, read: &ReadFile, version: Option<&str>) -> apiserver_file::Verdict {
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
    let refusal = refused(file).or_else(|| match kms_v1(file, read.args, version) {
        KmsV1::Refused(why) => Some(why),
        _ => None,
    });
    if let Some(why) = refusal {
        o.note = Some(why.clone());
        return (
            Status::Error,
            vec![o],
            format!(
                "{COMPONENT} on node {node}: the API server refuses {shown} ({why}): it does not start with it (or, reloading it, keeps the configuration it had), so what it encrypts cannot be judged; fix the file"
            ),
        );
    }
    // What keeps a pass from being one: what the API server checks of the providers was not
    // recorded, or it may refuse a KMS v1 provider.
    let unverified = if file.values.contains_key(SHAPES) {
        match kms_v1(file, read.args, version) {
            KmsV1::Unknown(why) => Some(why),
            _ => None,
        }
    } else {
        Some(format!(
            "the node facts do not record what the API server checks of its providers (key sizes, KMS endpoint scheme and apiVersion), so whether it accepts {shown} cannot be told: collect them again with this version of kubeattest"
        ))
    };
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
        FirstProvider::First(kind, entry, chain) => {
            o.observed = Value::String(kind.clone());
            o.note = Some(format!("entry {entry} of `resources`"));
            // Asked for kms alone (the key off the node), a key-based provider after it still
            // holds a key in the file, and decrypts what was written before the switch.
            let local = if p.providers == ["kms"] {
                local_key_after_first(file, &chain)
            } else {
                None
            };
            if let (true, Some((local, at))) = (p.providers.contains(&kind), local) {
                o.note = Some(format!(
                    "entry {entry} of `resources`; {local} after it (entry {at}) still holds a key in the file"
                ));
                return (
                    Status::Manual,
                    vec![o],
                    format!(
                        "{COMPONENT} on node {node} writes {} with {kind}, but {local} after it (entry {at} of {shown}) keeps a key on the node, which decrypts what was written before the switch: rewrite every Secret (`kubectl get secrets -A -o json | kubectl replace -f -`), remove that provider, and confirm",
                        p.resource
                    ),
                );
            }
            if p.providers.contains(&kind) {
                if let Some(why) = unverified {
                    o.note = Some(format!("entry {entry} of `resources`; {why}"));
                    return (
                        Status::Manual,
                        vec![o],
                        format!(
                            "{COMPONENT} on node {node} writes {} with {kind} if it accepts {shown}, but {why}",
                            p.resource
                        ),
                    );
                }
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
    let version = ctx.inventory.target.kubernetes_version.as_deref();
    apiserver_file::evaluate(check, ctx, FLAG, &p.expected(), &absence, &|read| {
        judge(p, read, version)
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
            FirstProvider::First(t, n, _) => format!("{t} #{n}"),
            FirstProvider::NotCovered => "not covered".into(),
            FirstProvider::Unreadable(why) => format!("unreadable: {why}"),
        }
    }

    /// The file as `kubeattest node` records it: resources, provider types, fields and
    /// shapes, from the file's own `resources`.
    fn recorded(content: Value) -> ConfigFileFact {
        let mut f = file(Value::Null, Value::Null);
        for key in [RESOURCES, PROVIDERS, FIELDS, SHAPES] {
            let v = crate::checks::mounted_file::lookup(&content, key).unwrap_or(Value::Null);
            f.values.insert(key.to_string(), v);
        }
        f
    }

    const KEY32: &str = "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=";

    fn aescbc() -> Value {
        json!({"aescbc": {"keys": [{"name": "k1", "secret": KEY32}]}})
    }

    fn config(entries: Value) -> ConfigFileFact {
        recorded(json!({"resources": entries}))
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

    /// `secrets.` is `secrets` to the API server (schema.ParseGroupResource), and every entry
    /// naming it appends its providers: the first entry's first provider writes (the
    /// reviewer's v15: identity, then aescbc, passed as aescbc).
    #[test]
    fn names_are_read_as_group_resources_and_entries_append_in_order() {
        assert_eq!(
            first(
                json!([["secrets."], ["secrets"]]),
                json!([[["identity"]], [["aescbc"]]])
            ),
            "identity #1"
        );
        // A resource of another group is not the core group's secrets.
        assert_eq!(
            first(
                json!([["secrets.example.com"], ["secrets"]]),
                json!([[["identity"]], [["aescbc"]]])
            ),
            "aescbc #2"
        );
        // The resource's own entries win over a wildcard, whatever the order.
        assert_eq!(
            first(
                json!([["*."], ["configmaps"]]),
                json!([[["identity"]], [["aescbc"]]])
            ),
            "identity #1"
        );
        let f = config(json!([
            {"resources": ["secrets."], "providers": [{"kms": {"name": "a", "endpoint": "unix:///k.sock", "apiVersion": "v2"}}]},
            {"resources": ["secrets"], "providers": [aescbc()]}
        ]));
        match first_provider(
            &Params {
                providers: vec!["kms".into()],
                ..params()
            },
            &f,
        ) {
            FirstProvider::First(kind, 1, chain) => {
                assert_eq!(kind, "kms");
                assert_eq!(chain, vec![(0, 0), (1, 0)]);
                assert_eq!(
                    local_key_after_first(&f, &chain),
                    Some(("aescbc".into(), 2))
                );
            }
            _ => panic!("kms first"),
        }
        assert_eq!(GroupResource::parse("*.").shown(), "*.");
        assert_eq!(GroupResource::parse("secrets.").shown(), "secrets");
        assert_eq!(
            GroupResource::parse("deployments.apps")
                .group_wildcard()
                .shown(),
            "*.apps"
        );
    }

    /// What the API server refuses in resource names (validation_encryption.go) and while
    /// building its transformers (config.go: masking), each with the reviewer's case.
    #[test]
    fn resource_names_the_api_server_refuses_are_refusals() {
        let entry = |names: Value| json!({"resources": names, "providers": [aescbc()]});
        let refused_because = |entries: Value| refused(&config(entries)).unwrap_or_default();
        for (entries, why) in [
            (
                json!([entry(json!(["*.*"])), entry(json!(["secrets"]))]),
                "masked by the earlier rule *.*",
            ),
            (
                json!([entry(json!(["*."])), entry(json!(["secrets"]))]),
                "masked by the earlier rule *.",
            ),
            (
                json!([entry(json!(["*."])), entry(json!(["*."]))]),
                "masked by the earlier rule *.",
            ),
            (json!([entry(json!(["secrets", "*."]))]), "overlapping"),
            (json!([entry(json!(["*.", "secrets"]))]), "overlapping"),
            (
                json!([entry(json!(["*.*", "deployments.apps"]))]),
                "overlapping",
            ),
            (
                json!([entry(json!(["secrets", "secrets"]))]),
                "the same resource twice",
            ),
            (
                json!([entry(json!(["secrets", "secrets."]))]),
                "the same resource twice",
            ),
            (json!([entry(json!(["Secrets"]))]), "capital letters"),
            (json!([entry(json!([]))]), "names no resource"),
            (json!([entry(Value::Null)]), "names no resource"),
            (json!([entry(json!(["*"]))]), "`*` is not a resource"),
            (json!([entry(json!(["secrets.*"]))]), "across groups"),
            (json!([entry(json!(["events.events.k8s.io"]))]), "events"),
            (
                json!([entry(json!(["ingresses.extensions"]))]),
                "extensions",
            ),
            (
                json!([entry(json!(["serviceipallocations"]))]),
                "without a REST API",
            ),
        ] {
            let got = refused_because(entries.clone());
            assert!(got.contains(why), "{entries}: {got:?}");
        }
        // Allowed: a wildcard after what it covers, one per group, and `*.` before `*.*`.
        for entries in [
            json!([entry(json!(["secrets"])), entry(json!(["*."]))]),
            json!([entry(json!(["*."])), entry(json!(["*.*"]))]),
            json!([
                entry(json!(["secrets", "configmaps"])),
                entry(json!(["*.apps"])),
                entry(json!(["*.*"]))
            ]),
            json!([entry(json!(["secrets."])), entry(json!(["secrets"]))]),
        ] {
            assert_eq!(refused(&config(entries.clone())), None, "{entries}");
        }
    }

    /// Key sizes, KMS endpoint schemes, apiVersions and cache sizes the API server refuses
    /// (validation_encryption.go), from what `kubeattest node` records without the secrets.
    #[test]
    fn provider_settings_the_api_server_refuses_are_refusals() {
        let with =
            |provider: Value| config(json!([{"resources": ["secrets"], "providers": [provider]}]));
        let kms = |extra: Value| {
            let mut k = json!({"name": "a", "endpoint": "unix:///var/run/kms.sock"});
            for (key, v) in extra.as_object().unwrap() {
                k[key] = v.clone();
            }
            json!({ "kms": k })
        };
        for (provider, why) in [
            (
                json!({"secretbox": {"keys": [{"name": "k", "secret": "c2Vj"}]}}),
                "decodes to 3 bytes, and secretbox takes a key of 32 bytes",
            ),
            (
                json!({"secretbox": {"keys": [{"name": "k", "secret": "c2VjcmV0c2VjcmV0c2VjcmV0MTIzNA=="}]}}),
                "decodes to 22 bytes",
            ),
            (
                json!({"aescbc": {"keys": [{"name": "k", "secret": "c2VjcmV0"}]}}),
                "16, 24, 32 bytes",
            ),
            (
                json!({"aesgcm": {"keys": [{"name": "k", "secret": "not base64!"}]}}),
                "not base64",
            ),
            (
                json!({"aesgcm": {"keys": [{"name": "k", "secret": "c2VjcmV0"}, {"secret": KEY32}]}}),
                "key 1",
            ),
            (
                json!({"aescbc": {"keys": [{"secret": KEY32}]}}),
                "has no name",
            ),
            (
                json!({"aescbc": {"keys": [{"name": "k", "secret": ""}]}}),
                "has no secret",
            ),
            (
                kms(json!({"endpoint": "tcp://10.0.0.1:9000", "apiVersion": "v2"})),
                "scheme `tcp`",
            ),
            (
                kms(json!({"endpoint": "/var/run/kms.sock", "apiVersion": "v2"})),
                "scheme (none)",
            ),
            (
                kms(json!({"endpoint": ":9000", "apiVersion": "v2"})),
                "not a URL",
            ),
            (kms(json!({"apiVersion": "v3"})), "apiVersion `v3`"),
            (
                kms(json!({"apiVersion": "v2", "cachesize": 100})),
                "cachesize",
            ),
            (
                kms(json!({"apiVersion": "v1", "cachesize": 0})),
                "cachesize 0",
            ),
            (
                kms(json!({"apiVersion": "v2", "cacheSize": 10})),
                "sets `cacheSize`",
            ),
            (
                json!({"aescbc": {"key": [{"name": "k", "secret": KEY32}]}}),
                "sets `key`",
            ),
            (json!({"identity": {"foo": "bar"}}), "sets `foo`"),
        ] {
            let got = refused(&with(provider.clone())).unwrap_or_default();
            assert!(got.contains(why), "{provider}: {got:?}");
        }
        for provider in [
            aescbc(),
            json!({"aesgcm": {"keys": [{"name": "k", "secret": "c2VjcmV0c2VjcmV0c2VjcmV0\nMTIzNDU2"}]}}),
            json!({"secretbox": {"keys": [{"name": "k", "secret": KEY32}]}}),
            kms(json!({"apiVersion": "v2"})),
            kms(json!({"endpoint": "UNIX:///run/kms.sock", "apiVersion": "v2"})),
            kms(json!({"cachesize": 100})),
            kms(json!({"cachesize": -1, "apiVersion": "v1"})),
            json!({"identity": {}}),
        ] {
            assert_eq!(refused(&with(provider.clone())), None, "{provider}");
        }
    }

    /// The recorded shape holds lengths, schemes and versions, never a secret or endpoint.
    #[test]
    fn the_recorded_shape_keeps_no_secret() {
        let shape = provider_shape(
            &json!({"kms": {"name": "vault-plugin", "endpoint": "unix:///run/canary-endpoint.sock", "apiVersion": "v2", "timeout": "3s"}}),
        );
        assert_eq!(
            shape,
            json!({"kms": {"apiVersion": "v2", "cachesize": null, "endpoint": {"scheme": "unix"}}})
        );
        let shape = provider_shape(
            &json!({"aescbc": {"keys": [{"name": "canary-key", "secret": KEY32}, {"name": "", "secret": 7}]}}),
        );
        assert_eq!(
            shape,
            json!({"aescbc": {"keys": [{"named": true, "secret": 32}, {"named": false, "secret": "not a string"}]}})
        );
        assert_eq!(provider_shape(&json!("identity")), Value::Null);
        assert_eq!(go_base64_len("YWJj"), Some(3));
        assert_eq!(go_base64_len("YWI="), Some(2));
        assert_eq!(go_base64_len("YQ=="), Some(1));
        assert_eq!(go_base64_len("YQ"), None);
        assert_eq!(go_base64_len("Y==="), None);
        assert_eq!(go_base64_len("YW=j"), None);
        assert_eq!(go_base64_len("YWJj\r\nYWJj"), Some(6));
        assert_eq!(go_url_scheme("unix:///x").as_deref(), Ok("unix"));
        assert_eq!(go_url_scheme("HTTPS://x").as_deref(), Ok("https"));
        assert_eq!(go_url_scheme("/x.sock").as_deref(), Ok(""));
        assert!(go_url_scheme(":x").is_err());
    }

    /// KMS v1 (apiVersion v1, or left out) is off by default from 1.29 unless the KMSv1 gate
    /// is on; an unknown version leaves it undecided.
    #[test]
    fn kms_v1_needs_its_feature_gate_from_1_29() {
        let f = config(
            json!([{"resources": ["secrets"], "providers": [{"kms": {"name": "a", "endpoint": "unix:///k.sock"}}]}]),
        );
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let none = args(&[]);
        assert!(matches!(
            kms_v1(&f, &none, Some("v1.31.0")),
            KmsV1::Refused(_)
        ));
        assert_eq!(kms_v1(&f, &none, Some("v1.28.4")), KmsV1::Accepted);
        assert!(matches!(kms_v1(&f, &none, None), KmsV1::Unknown(_)));
        let on = args(&["--feature-gates=KMSv1=true,Other=false"]);
        assert_eq!(kms_v1(&f, &on, Some("v1.31.0")), KmsV1::Accepted);
        assert_eq!(kms_v1(&f, &on, None), KmsV1::Accepted);
        // Repeated gates merge per key, the later winning.
        let off = args(&["--feature-gates=KMSv1=true", "--feature-gates=KMSv1=0"]);
        assert!(matches!(
            kms_v1(&f, &off, Some("v1.28.0")),
            KmsV1::Refused(_)
        ));
        let v2 = config(
            json!([{"resources": ["secrets"], "providers": [{"kms": {"name": "a", "endpoint": "unix:///k.sock", "apiVersion": "v2"}}]}]),
        );
        assert_eq!(kms_v1(&v2, &none, None), KmsV1::Accepted);
    }

    #[test]
    fn the_catalog_reads_what_the_check_judges() {
        let file = apiserver_file::catalog_entry(FLAG);
        assert_eq!(file.kind.as_deref(), Some("EncryptionConfiguration"));
        for key in [RESOURCES, PROVIDERS, FIELDS, SHAPES] {
            assert!(file.reads.iter().any(|k| k == key), "{key}");
        }
    }

    #[test]
    fn the_core_group_wildcard_does_not_cover_other_groups() {
        let p = Params {
            resource: "widgets.example.com".into(),
            ..params()
        };
        let f = file(
            json!([["*."], ["*.*"]]),
            json!([[["identity"]], [["aescbc"]]]),
        );
        assert!(matches!(
            first_provider(&p, &f),
            FirstProvider::First(ref t, 2, _) if t == "aescbc"
        ));
        assert!(matches!(
            first_provider(&params(), &f),
            FirstProvider::First(ref t, 1, _) if t == "identity"
        ));
        assert_eq!(or_list(&params().providers), "aescbc, kms or secretbox");
    }
}
