//! Shapes of the fields the checks read. A manifest whose `spec`, `containers`,
//! `securityContext`, `capabilities.add`, … has the wrong type (a list where a mapping belongs,
//! a string where a list belongs) would otherwise look like an object with the field unset,
//! and "unset" can pass a check. Such an object is not judged at all: the collector reports
//! it with its file, line and the field path, and leaves it out of the inventory.
//!
//! The API server rejects these shapes, so only manifests are checked. `null` is accepted
//! everywhere (it means "not set" to the API server too).
//!
//! Some values are checked as well, where the API server's validation refuses what a check
//! would otherwise read as something else: a binding's role and subjects, a NetworkPolicy's
//! selectors, address ranges, ports and protocols, an aggregated ClusterRole's selectors. A
//! cluster never holds such an object, so it isolates or grants nothing, and is not judged.

use crate::document::Doc;

/// The type a field must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    /// A mapping.
    Map,
    /// A list of mappings.
    Maps,
    /// A list of strings.
    Strings,
    /// A mapping of strings (labels, annotations); `null` values are accepted as the API's
    /// JSON decoding accepts them.
    StrMap,
    /// A string.
    Str,
    /// A boolean.
    Bool,
    /// An integer.
    Int,
    /// A list of integers.
    Ints,
    /// A resource quantity (`500m`, `1Gi`, `2`): a number, or a string the API server parses
    /// as one.
    Quantity,
    /// An integer or a string (`IntOrString`: a port number or name).
    IntOrStr,
    /// A mapping whose fields have these types.
    Fields(&'static [(&'static str, Ty)]),
    /// A list of mappings whose fields have these types.
    Each(&'static [(&'static str, Ty)]),
}

impl Ty {
    fn holds(self, v: &Doc) -> bool {
        let is_map = |v: &Doc| matches!(v, Doc::Object(_));
        let is_str = |v: &Doc| matches!(v, Doc::String(_));
        match self {
            Ty::Map | Ty::Fields(_) => is_map(v),
            Ty::Maps | Ty::Each(_) => v.as_array().is_some_and(|a| a.iter().all(is_map)),
            Ty::Strings => v.as_array().is_some_and(|a| a.iter().all(is_str)),
            Ty::StrMap => v
                .as_object()
                .is_some_and(|m| m.iter().all(|(_, v)| is_str(v) || v.is_null())),
            Ty::Str => is_str(v),
            Ty::Bool => matches!(v, Doc::Bool(_)),
            Ty::Int => matches!(v, Doc::Number(n) if n.is_i64() || n.is_u64()),
            Ty::Ints => v
                .as_array()
                .is_some_and(|a| a.iter().all(|i| Ty::Int.holds(i))),
            Ty::Quantity => match v {
                Doc::Number(_) => true,
                Doc::String(s) => is_quantity(s),
                _ => false,
            },
            Ty::IntOrStr => is_str(v) || Ty::Int.holds(v),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Ty::Map | Ty::Fields(_) => "a mapping",
            Ty::Maps | Ty::Each(_) => "a list of mappings",
            Ty::Strings => "a list of strings",
            Ty::StrMap => "a mapping of strings",
            Ty::Str => "a string",
            Ty::Bool => "a boolean (true or false)",
            Ty::Int => "an integer",
            Ty::Ints => "a list of integers",
            Ty::Quantity => "a quantity (`500m`, `2`, `512Mi`, `1G`)",
            Ty::IntOrStr => "an integer or a string",
        }
    }
}

/// Whether a string is a Kubernetes quantity as `resource.ParseQuantity` reads it: a signed
/// decimal number, then nothing, a binary suffix (`Ki`…`Ei`), a decimal suffix (`n`, `u`,
/// `m`, `k`, `M`, `G`, `T`, `P`, `E`) or an exponent (`e3`, `E-2`).
fn is_quantity(s: &str) -> bool {
    // The API server trims the value first (`Quantity.UnmarshalJSON`).
    let s = s.trim();
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let end = unsigned
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(unsigned.len());
    let (number, suffix) = unsigned.split_at(end);
    let number_ok = number.chars().any(|c| c.is_ascii_digit()) && number.matches('.').count() <= 1;
    let exponent = |e: &str| {
        let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
        !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
    };
    number_ok
        && (matches!(
            suffix,
            "" | "Ki"
                | "Mi"
                | "Gi"
                | "Ti"
                | "Pi"
                | "Ei"
                | "n"
                | "u"
                | "m"
                | "k"
                | "M"
                | "G"
                | "T"
                | "P"
                | "E"
        ) || suffix.strip_prefix(['e', 'E']).is_some_and(exponent))
}

/// Sets the `null` values of labels and annotations (the object's, and its pod template's)
/// to `""`, as the API server's JSON decoding of a map of strings stores them: a Helm value
/// left unset (`key:` with nothing after it) is an empty annotation, not an absent one.
pub fn null_labels_as_empty(kind: &str, value: &mut Doc) {
    // Other APIs' kinds keep a pod template where the built-in workloads do.
    let template_meta =
        crate::checks::workload::pod_paths(kind).map_or("spec.template.metadata", |(_, meta)| meta);
    let template_meta = Some(template_meta).filter(|m| *m != "metadata");
    for meta in std::iter::once("metadata").chain(template_meta) {
        let mut cur = Some(&mut *value);
        for key in meta.split('.') {
            cur = cur.and_then(|c| c.get_mut(key));
        }
        let Some(meta) = cur else { continue };
        for field in ["labels", "annotations"] {
            if let Some(map) = meta.get_mut(field).and_then(Doc::as_object_mut) {
                for (_, v) in map.iter_mut() {
                    if v.is_null() {
                        *v = Doc::String("".into());
                    }
                }
            }
        }
    }
}

/// Fields of every object.
const OBJECT: &[(&str, Ty)] = &[
    ("metadata", Ty::Map),
    ("metadata.labels", Ty::StrMap),
    ("metadata.annotations", Ty::StrMap),
    ("metadata.namespace", Ty::Str),
    ("spec", Ty::Map),
];

/// Fields of a pod spec.
const POD_SPEC: &[(&str, Ty)] = &[
    ("containers", Ty::Maps),
    ("initContainers", Ty::Maps),
    ("ephemeralContainers", Ty::Maps),
    ("volumes", Ty::Maps),
    ("securityContext", Ty::Map),
    ("securityContext.runAsNonRoot", Ty::Bool),
    ("securityContext.runAsUser", Ty::Int),
    ("securityContext.runAsGroup", Ty::Int),
    ("securityContext.seccompProfile", Ty::Map),
    ("securityContext.seLinuxOptions", Ty::Map),
    ("securityContext.sysctls", Ty::Maps),
    ("securityContext.fsGroup", Ty::Int),
    ("securityContext.supplementalGroups", Ty::Ints),
    ("securityContext.windowsOptions", Ty::Map),
    ("securityContext.windowsOptions.hostProcess", Ty::Bool),
    ("hostNetwork", Ty::Bool),
    ("hostPID", Ty::Bool),
    ("hostIPC", Ty::Bool),
    ("hostUsers", Ty::Bool),
    ("automountServiceAccountToken", Ty::Bool),
    ("serviceAccountName", Ty::Str),
    ("serviceAccount", Ty::Str),
];

/// Fields of a container.
const CONTAINER: &[(&str, Ty)] = &[
    ("image", Ty::Str),
    ("command", Ty::Strings),
    ("args", Ty::Strings),
    ("env", Ty::Maps),
    ("envFrom", Ty::Maps),
    ("ports", Ty::Each(CONTAINER_PORT)),
    ("resources", Ty::Map),
    ("resources.limits", Ty::Map),
    ("resources.requests", Ty::Map),
    ("resources.limits.cpu", Ty::Quantity),
    ("resources.limits.memory", Ty::Quantity),
    ("resources.requests.cpu", Ty::Quantity),
    ("resources.requests.memory", Ty::Quantity),
    ("volumeMounts", Ty::Maps),
    ("securityContext", Ty::Map),
    ("securityContext.privileged", Ty::Bool),
    ("securityContext.allowPrivilegeEscalation", Ty::Bool),
    ("securityContext.readOnlyRootFilesystem", Ty::Bool),
    ("securityContext.runAsNonRoot", Ty::Bool),
    ("securityContext.runAsUser", Ty::Int),
    ("securityContext.runAsGroup", Ty::Int),
    ("securityContext.procMount", Ty::Str),
    ("securityContext.capabilities", Ty::Map),
    ("securityContext.capabilities.add", Ty::Strings),
    ("securityContext.capabilities.drop", Ty::Strings),
    ("securityContext.seccompProfile", Ty::Map),
    ("securityContext.appArmorProfile", Ty::Map),
    ("securityContext.windowsOptions", Ty::Map),
    ("securityContext.windowsOptions.hostProcess", Ty::Bool),
];

/// Fields of a container's `ports` item (`ContainerPort`: int32 port numbers).
const CONTAINER_PORT: &[(&str, Ty)] = &[
    ("containerPort", Ty::Int),
    ("hostPort", Ty::Int),
    ("name", Ty::Str),
    ("protocol", Ty::Str),
];

/// Fields of a container's `env` item (`EnvVar.value` is a string).
const ENV_VAR: &[(&str, Ty)] = &[("name", Ty::Str), ("value", Ty::Str)];

/// Fields of other kinds the checks read, by kind.
const BY_KIND: &[(&str, &[(&str, Ty)])] = &[
    ("Role", RULES),
    ("ClusterRole", RULES),
    ("RoleBinding", BINDING),
    ("ClusterRoleBinding", BINDING),
    (
        "NetworkPolicy",
        &[
            ("spec.podSelector", Ty::Fields(LABEL_SELECTOR)),
            ("spec.policyTypes", Ty::Strings),
            (
                "spec.ingress",
                Ty::Each(&[
                    ("from", Ty::Each(POLICY_PEER)),
                    ("ports", Ty::Each(POLICY_PORT)),
                ]),
            ),
            (
                "spec.egress",
                Ty::Each(&[
                    ("to", Ty::Each(POLICY_PEER)),
                    ("ports", Ty::Each(POLICY_PORT)),
                ]),
            ),
        ],
    ),
    // `map[string]string`: an unquoted number or a list is refused by the API server (and
    // would otherwise be read as no value by the credential checks).
    (
        "ConfigMap",
        &[("data", Ty::StrMap), ("binaryData", Ty::StrMap)],
    ),
    (
        "Secret",
        &[
            ("type", Ty::Str),
            ("data", Ty::StrMap),
            ("stringData", Ty::StrMap),
        ],
    ),
    (
        "Ingress",
        &[
            ("spec.tls", Ty::Maps),
            ("spec.rules", Ty::Maps),
            ("spec.defaultBackend", Ty::Map),
        ],
    ),
    (
        "ServiceAccount",
        &[("automountServiceAccountToken", Ty::Bool)],
    ),
];

const RULES: &[(&str, Ty)] = &[
    ("rules", Ty::Maps),
    (
        "aggregationRule",
        Ty::Fields(&[("clusterRoleSelectors", Ty::Each(LABEL_SELECTOR))]),
    ),
];
const BINDING: &[(&str, Ty)] = &[("roleRef", Ty::Map), ("subjects", Ty::Maps)];
const RULE: &[(&str, Ty)] = &[
    ("verbs", Ty::Strings),
    ("resources", Ty::Strings),
    ("apiGroups", Ty::Strings),
    ("resourceNames", Ty::Strings),
    ("nonResourceURLs", Ty::Strings),
];

/// A label selector (`metav1.LabelSelector`): read with the wrong types, `matchLabels` or
/// `matchExpressions` would be no term at all, and the selector would select everything.
const LABEL_SELECTOR: &[(&str, Ty)] = &[
    ("matchLabels", Ty::StrMap),
    (
        "matchExpressions",
        Ty::Each(&[
            ("key", Ty::Str),
            ("operator", Ty::Str),
            ("values", Ty::Strings),
        ]),
    ),
];

/// A NetworkPolicy peer (an item of an ingress rule's `from`, an egress rule's `to`).
const POLICY_PEER: &[(&str, Ty)] = &[
    ("podSelector", Ty::Fields(LABEL_SELECTOR)),
    ("namespaceSelector", Ty::Fields(LABEL_SELECTOR)),
    (
        "ipBlock",
        Ty::Fields(&[("cidr", Ty::Str), ("except", Ty::Strings)]),
    ),
];

/// A NetworkPolicy port (an item of a rule's `ports`).
const POLICY_PORT: &[(&str, Ty)] = &[
    ("port", Ty::IntOrStr),
    ("endPort", Ty::Int),
    ("protocol", Ty::Str),
];

/// Where a kind keeps its pod spec (and the mappings on the way to it).
fn pod_spec_path(kind: &str) -> Option<&'static [&'static str]> {
    match kind {
        "Pod" => Some(&["spec"]),
        "Deployment"
        | "ReplicaSet"
        | "StatefulSet"
        | "DaemonSet"
        | "Job"
        | "ReplicationController" => Some(&["spec", "template", "spec"]),
        "PodTemplate" => Some(&["template", "spec"]),
        "CronJob" => Some(&["spec", "jobTemplate", "spec", "template", "spec"]),
        _ => None,
    }
}

/// A field with the wrong type: its path and what it should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Field path (`spec.containers[0].securityContext.capabilities.add`).
    pub path: String,
    /// What the field must be and what was found.
    pub message: String,
}

fn type_of(v: &Doc) -> &'static str {
    match v {
        Doc::Null => "null",
        Doc::Bool(_) => "a boolean",
        Doc::Number(_) => "a number",
        Doc::String(_) => "a string",
        Doc::Array(_) => "a list",
        Doc::Object(_) => "a mapping",
    }
}

fn join(base: &str, key: &str) -> String {
    if base.is_empty() {
        key.to_string()
    } else {
        format!("{base}.{key}")
    }
}

/// Checks `fields` under `base` of `v`, and the fields of the mappings a [`Ty::Fields`] or
/// [`Ty::Each`] describes; the first wrong type found.
fn fields(v: &Doc, base: &str, table: &[(&str, Ty)]) -> Option<Problem> {
    for (path, ty) in table {
        let mut cur = v;
        let mut found = true;
        for seg in path.split('.') {
            match cur.get(seg) {
                Some(next) if !next.is_null() => cur = next,
                _ => {
                    found = false;
                    break;
                }
            }
        }
        if found && !ty.holds(cur) {
            let shown = match (ty, cur) {
                // A string that is no quantity (not shown: whatever was typed there stays in
                // the file).
                (Ty::Quantity, Doc::String(text)) => {
                    if text.is_empty() {
                        "an empty string"
                    } else {
                        "a string that is not one"
                    }
                }
                // A list with a wrong item: say which item.
                (Ty::Maps | Ty::Each(_) | Ty::Strings, Doc::Array(items)) => {
                    let maps = *ty != Ty::Strings;
                    let bad = items
                        .iter()
                        .position(|i| {
                            !(if maps {
                                matches!(i, Doc::Object(_))
                            } else {
                                matches!(i, Doc::String(_))
                            })
                        })
                        .unwrap_or(0);
                    return Some(Problem {
                        path: format!("{}[{bad}]", join(base, path)),
                        message: format!(
                            "`{}[{bad}]` must be {}, found {}",
                            join(base, path),
                            if maps { "a mapping" } else { "a string" },
                            type_of(&items[bad])
                        ),
                    });
                }
                // A mapping with a value that is no string (`enabled: yes` is a boolean to
                // YAML 1.1): say which key.
                (Ty::StrMap, Doc::Object(m)) => {
                    if let Some((key, value)) = m
                        .iter()
                        .find(|(_, v)| !matches!(v, Doc::String(_) | Doc::Null))
                    {
                        let at = format!("{}[\"{}\"]", join(base, path), crate::quote::quote(key));
                        return Some(Problem {
                            message: format!(
                                "`{at}` must be a string, found {} (quote the value)",
                                type_of(value)
                            ),
                            path: at,
                        });
                    }
                    type_of(cur)
                }
                _ => type_of(cur),
            };
            return Some(Problem {
                path: join(base, path),
                message: format!(
                    "`{}` must be {}, found {shown}",
                    join(base, path),
                    ty.name()
                ),
            });
        }
        let nested = match ty {
            Ty::Fields(inner) if found => fields(cur, &join(base, path), inner),
            Ty::Each(inner) if found => cur
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
                .find_map(|(i, item)| fields(item, &format!("{}[{i}]", join(base, path)), inner)),
            _ => None,
        };
        if nested.is_some() {
            return nested;
        }
    }
    None
}

/// The first field of an object (a manifest document) whose type is wrong.
pub fn problem(kind: &str, obj: &Doc) -> Option<Problem> {
    if let Some(p) = fields(obj, "", OBJECT) {
        return Some(p);
    }
    if let Some(path) = pod_spec_path(kind) {
        let mut cur = obj;
        let mut base = String::new();
        for seg in path {
            base = join(&base, seg);
            match cur.get(*seg) {
                // The API server requires the pod spec (a document without one is a
                // fragment or a patch): judged, its absence would pass every pod check.
                None | Some(Doc::Null) => {
                    return Some(Problem {
                        message: format!(
                            "`{base}` is required: a {kind} needs its pod spec (is this a patch or a fragment?)"
                        ),
                        path: base,
                    })
                }
                Some(next @ Doc::Object(_)) => cur = next,
                Some(other) => {
                    return Some(Problem {
                        message: format!("`{base}` must be a mapping, found {}", type_of(other)),
                        path: base,
                    })
                }
            }
        }
        if let Some(p) = fields(cur, &base, POD_SPEC) {
            return Some(p);
        }
        if cur
            .get("containers")
            .and_then(Doc::as_array)
            .is_none_or(<[Doc]>::is_empty)
        {
            let path = join(&base, "containers");
            return Some(Problem {
                message: format!("`{path}` is required: a pod needs at least one container"),
                path,
            });
        }
        // A StatefulSet's claim templates give its pods volumes of their names too.
        let claims = obj
            .get("spec")
            .and_then(|s| s.get("volumeClaimTemplates"))
            .filter(|_| kind == "StatefulSet")
            .unwrap_or(&Doc::Null);
        let volumes: Vec<&str> = items(cur.get("volumes").unwrap_or(&Doc::Null))
            .map(|(_, v)| string(v, "name"))
            .chain(items(claims).filter_map(|(_, c)| c.get("metadata").map(|m| string(m, "name"))))
            .collect();
        for list in ["containers", "initContainers", "ephemeralContainers"] {
            for (i, c) in cur
                .get(list)
                .and_then(Doc::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let at = format!("{base}.{list}[{i}]");
                if let Some(p) = fields(c, &at, CONTAINER) {
                    return Some(p);
                }
                if let Some(p) = container_problem(c, &at, &volumes) {
                    return Some(p);
                }
                for (j, e) in c
                    .get("env")
                    .and_then(Doc::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    if let Some(p) = fields(e, &format!("{at}.env[{j}]"), ENV_VAR) {
                        return Some(p);
                    }
                }
            }
        }
    }
    let table = BY_KIND.iter().find(|(k, _)| *k == kind).map(|(_, t)| *t)?;
    if let Some(p) = fields(obj, "", table) {
        return Some(p);
    }
    if matches!(kind, "RoleBinding" | "ClusterRoleBinding") {
        return binding_problem(kind, obj);
    }
    if kind == "NetworkPolicy" {
        return network_policy_problem(obj);
    }
    if kind == "ConfigMap" {
        return binary_data_problem(obj);
    }
    if kind == "ClusterRole" {
        let selectors = obj.get("aggregationRule").map_or(&Doc::Null, |a| {
            a.get("clusterRoleSelectors").unwrap_or(&Doc::Null)
        });
        for (i, sel) in items(selectors) {
            let at = format!("aggregationRule.clusterRoleSelectors[{i}]");
            if let Some(p) = selector_problem(sel, &at) {
                return Some(p);
            }
        }
    }
    for (i, rule) in obj
        .get("rules")
        .and_then(Doc::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        if matches!(kind, "Role" | "ClusterRole") {
            if let Some(p) = fields(rule, &format!("rules[{i}]"), RULE) {
                return Some(p);
            }
        }
    }
    None
}

/// What the API server's validation refuses in a container whose fields have the right
/// types (`ValidateContainers`): a missing name (the checks name containers, and a nameless
/// one could only be shown as "?"), a port item without a `containerPort` in 1-65535, and a
/// volume mount without a `mountPath` or naming no volume of the pod (`volumes`).
fn container_problem(c: &Doc, at: &str, volumes: &[&str]) -> Option<Problem> {
    if string(c, "name").is_empty() {
        let path = format!("{at}.name");
        return Some(Problem {
            message: format!(
                "{}: every container needs a name",
                required_string(&path, c.get("name"))
            ),
            path,
        });
    }
    for (i, port) in items(c.get("ports").unwrap_or(&Doc::Null)) {
        let path = format!("{at}.ports[{i}].containerPort");
        let number = port.get("containerPort").and_then(Doc::as_i64);
        if !number.is_some_and(|n| (1..=65535).contains(&n)) {
            return Some(Problem {
                message: match number {
                    Some(n) => format!("`{path}` is {n}: a port number is 1 to 65535"),
                    None => format!("`{path}` is required: a container port names its number"),
                },
                path,
            });
        }
    }
    for (i, mount) in items(c.get("volumeMounts").unwrap_or(&Doc::Null)) {
        let at = format!("{at}.volumeMounts[{i}]");
        let name = string(mount, "name");
        if string(mount, "mountPath").is_empty() {
            let path = format!("{at}.mountPath");
            return Some(Problem {
                message: format!("`{path}` is required: a volume mount names where it is mounted"),
                path,
            });
        }
        if !volumes.contains(&name) {
            let path = format!("{at}.name");
            return Some(Problem {
                message: format!(
                    "`{path}` is {}, which no volume of the pod is called: the mount names one of the pod's volumes",
                    crate::quote::quote(name)
                ),
                path,
            });
        }
    }
    None
}

/// What Pod Security Admission refuses in a Namespace being created or relabelled
/// (k8s.io/pod-security-admission `admission.ValidateNamespace`, which requires the labels
/// `api.PolicyToEvaluate` reads to parse): a `pod-security.kubernetes.io/` level label
/// (`enforce`, `audit`, `warn`) that is not `privileged`, `baseline` or `restricted` (lower
/// case, nothing around it), or a version label that is not `latest` or `v1.<minor>`. Only for
/// manifests, which are yet to be applied: a namespace a cluster already stores with such a
/// label (labelled before the plugin ran) is enforced at `restricted`, and is judged so.
pub fn pod_security_labels_problem(kind: &str, obj: &Doc) -> Option<Problem> {
    if kind != "Namespace" {
        return None;
    }
    let labels = obj.get("metadata")?.get("labels")?.as_object()?;
    for (key, value) in labels.iter() {
        let Some(name) = key.strip_prefix("pod-security.kubernetes.io/") else {
            continue;
        };
        let value = match value {
            Doc::Null => "",
            Doc::String(s) => &**s,
            // Not a string: `problem` has said so already.
            _ => continue,
        };
        let (ok, wanted) = match name {
            "enforce" | "audit" | "warn" => (
                matches!(value, "privileged" | "baseline" | "restricted"),
                "a level: privileged, baseline or restricted, in lower case",
            ),
            "enforce-version" | "audit-version" | "warn-version" => (
                value == "latest"
                    || value.strip_prefix("v1.").is_some_and(|m| {
                        !m.is_empty()
                            && m.bytes().all(|b| b.is_ascii_digit())
                            && (m == "0" || !m.starts_with('0'))
                    }),
                "`latest` or `v1.<minor>`",
            ),
            _ => continue,
        };
        if !ok {
            let path = format!("metadata.labels[\"{}\"]", crate::quote::quote(key));
            return Some(Problem {
                message: format!(
                    "`{path}` is {}, not {wanted}: Pod Security Admission refuses to create or relabel a namespace with it",
                    if value.is_empty() {
                        "empty".to_string()
                    } else {
                        shown(value)
                    }
                ),
                path,
            });
        }
    }
    None
}

/// What the API server refuses in a binding (`ValidateRoleBinding`,
/// `ValidateClusterRoleBinding`): a roleRef that names no Role or ClusterRole (a
/// ClusterRoleBinding only a ClusterRole), and subjects of another kind than ServiceAccount,
/// User or Group, without a name, a ServiceAccount of a ClusterRoleBinding without its
/// namespace, or an API group other than the kind's (an empty one is defaulted). The
/// authorizer would match no request to such a binding, so judging it would be a guess.
fn binding_problem(kind: &str, obj: &Doc) -> Option<Problem> {
    const RBAC_GROUP: &str = "rbac.authorization.k8s.io";
    let text = |v: &Doc, key: &str| {
        v.get(key)
            .and_then(Doc::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let role_ref = obj.get("roleRef").unwrap_or(&Doc::Null);
    let allowed: &[&str] = if kind == "ClusterRoleBinding" {
        &["ClusterRole"]
    } else {
        &["Role", "ClusterRole"]
    };
    let role_kind = text(role_ref, "kind");
    if !allowed.contains(&role_kind.as_str()) {
        return Some(Problem {
            path: "roleRef.kind".into(),
            message: format!(
                "`roleRef.kind` must be {}, found {}",
                allowed.join(" or "),
                shown(&role_kind)
            ),
        });
    }
    if text(role_ref, "name").is_empty() {
        return Some(Problem {
            path: "roleRef.name".into(),
            message: required_string("roleRef.name", role_ref.get("name")),
        });
    }
    for (i, subject) in obj
        .get("subjects")
        .and_then(Doc::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let at = format!("subjects[{i}]");
        let subject_kind = text(subject, "kind");
        let group = text(subject, "apiGroup");
        let problem = |field: &str, message: String| {
            Some(Problem {
                path: format!("{at}.{field}"),
                message,
            })
        };
        match subject_kind.as_str() {
            "ServiceAccount" | "User" | "Group" => {}
            _ => {
                return problem(
                    "kind",
                    format!(
                        "`{at}.kind` must be ServiceAccount, User or Group, found {}",
                        shown(&subject_kind)
                    ),
                )
            }
        }
        if text(subject, "name").is_empty() {
            return problem(
                "name",
                required_string(&format!("{at}.name"), subject.get("name")),
            );
        }
        if subject_kind == "ServiceAccount" {
            if !group.is_empty() {
                return problem(
                    "apiGroup",
                    format!(
                        "`{at}.apiGroup` of a ServiceAccount must be empty (\"\"), found `{}`",
                        crate::quote::bounded(&group, 80)
                    ),
                );
            }
            if kind == "ClusterRoleBinding" && text(subject, "namespace").is_empty() {
                return problem(
                    "namespace",
                    format!("`{at}.namespace` is required: a ClusterRoleBinding names the ServiceAccount's namespace"),
                );
            }
        } else if !group.is_empty() && group != RBAC_GROUP {
            return problem(
                "apiGroup",
                format!(
                    "`{at}.apiGroup` of a {subject_kind} must be {RBAC_GROUP}, found `{}`",
                    crate::quote::bounded(&group, 80)
                ),
            );
        }
    }
    None
}

/// The items of a list, with their index (none when `v` is not a list).
fn items(v: &Doc) -> impl Iterator<Item = (usize, &Doc)> {
    v.as_array().into_iter().flatten().enumerate()
}

/// The string at `key` of a mapping; `""` when absent or not a string.
fn string<'a>(v: &'a Doc, key: &str) -> &'a str {
    v.get(key).and_then(Doc::as_str).unwrap_or_default()
}

/// Whether a mapping sets `key` (to something other than `null`).
fn is_set(v: &Doc, key: &str) -> bool {
    v.get(key).is_some_and(|x| !x.is_null())
}

/// What the API server refuses in a label selector whose types are right
/// (`ValidateLabelSelectorRequirement`): a requirement without a key, with an operator other
/// than `In`, `NotIn`, `Exists` or `DoesNotExist`, without values for `In` or `NotIn`, or with
/// values for `Exists` or `DoesNotExist` (read here, `NotIn` with no values and a missing key
/// would hold for every object). The syntax of label keys and values is not checked.
fn selector_problem(selector: &Doc, at: &str) -> Option<Problem> {
    let expressions = selector.get("matchExpressions").unwrap_or(&Doc::Null);
    for (i, requirement) in items(expressions) {
        let at = format!("{at}.matchExpressions[{i}]");
        let problem = |field: &str, message: String| {
            Some(Problem {
                path: format!("{at}.{field}"),
                message,
            })
        };
        if string(requirement, "key").is_empty() {
            return problem("key", format!("`{at}.key` is required"));
        }
        let values = requirement
            .get("values")
            .and_then(Doc::as_array)
            .map_or(0, <[Doc]>::len);
        match string(requirement, "operator") {
            op @ ("In" | "NotIn") if values == 0 => {
                return problem(
                    "values",
                    format!("`{at}.values` must list at least one value when `operator` is {op}"),
                )
            }
            op @ ("Exists" | "DoesNotExist") if values > 0 => {
                return problem(
                    "values",
                    format!("`{at}.values` must be empty when `operator` is {op}"),
                )
            }
            "In" | "NotIn" | "Exists" | "DoesNotExist" => {}
            other => {
                return problem(
                    "operator",
                    format!(
                        "`{at}.operator` must be In, NotIn, Exists or DoesNotExist, found {}",
                        shown(other)
                    ),
                )
            }
        }
    }
    None
}

/// What the API server refuses in a NetworkPolicy whose types are right
/// (`ValidateNetworkPolicySpec`): a selector [`selector_problem`] refuses, a `policyTypes`
/// entry other than `Ingress` or `Egress` (or more than two), a peer that names nothing or
/// an `ipBlock` beside a selector, an `ipBlock` whose `cidr` or `except` entry is not a CIDR
/// or whose `except` entry is not a strict subset of its `cidr`, and a port
/// [`policy_port_problem`] refuses. A cluster refuses the policy, so it isolates nothing; judged,
/// a range that cannot be read would allow nothing and the pods would look isolated.
fn network_policy_problem(obj: &Doc) -> Option<Problem> {
    let spec = obj.get("spec")?;
    if let Some(p) = spec
        .get("podSelector")
        .and_then(|s| selector_problem(s, "spec.podSelector"))
    {
        return Some(p);
    }
    let types = spec
        .get("policyTypes")
        .and_then(Doc::as_array)
        .unwrap_or_default();
    if types.len() > 2 {
        return Some(Problem {
            path: "spec.policyTypes".into(),
            message: "`spec.policyTypes` may not list more than two types (Ingress, Egress)".into(),
        });
    }
    for (i, t) in types.iter().enumerate() {
        let t = t.as_str().unwrap_or_default();
        if !matches!(t, "Ingress" | "Egress") {
            let path = format!("spec.policyTypes[{i}]");
            return Some(Problem {
                message: format!("`{path}` must be Ingress or Egress, found {}", shown(t)),
                path,
            });
        }
    }
    for (direction, peers) in [("ingress", "from"), ("egress", "to")] {
        for (i, rule) in items(spec.get(direction).unwrap_or(&Doc::Null)) {
            let at = format!("spec.{direction}[{i}]");
            for (j, port) in items(rule.get("ports").unwrap_or(&Doc::Null)) {
                if let Some(p) = policy_port_problem(port, &format!("{at}.ports[{j}]")) {
                    return Some(p);
                }
            }
            for (j, peer) in items(rule.get(peers).unwrap_or(&Doc::Null)) {
                if let Some(p) = policy_peer_problem(peer, &format!("{at}.{peers}[{j}]")) {
                    return Some(p);
                }
            }
        }
    }
    None
}

/// What `ValidateNetworkPolicyPeer` and `ValidateIPBlock` refuse in one peer.
fn policy_peer_problem(peer: &Doc, at: &str) -> Option<Problem> {
    let named: Vec<&str> = ["podSelector", "namespaceSelector", "ipBlock"]
        .into_iter()
        .filter(|k| is_set(peer, k))
        .collect();
    if named.is_empty() {
        return Some(Problem {
            path: at.into(),
            message: format!("`{at}` must name a peer: podSelector, namespaceSelector or ipBlock"),
        });
    }
    if named.len() > 1 && named.contains(&"ipBlock") {
        return Some(Problem {
            path: at.into(),
            message: format!(
                "`{at}` may not give ipBlock together with {}: a peer is either an address range or selected pods",
                named[0]
            ),
        });
    }
    for key in ["podSelector", "namespaceSelector"] {
        if let Some(p) = peer
            .get(key)
            .and_then(|s| selector_problem(s, &format!("{at}.{key}")))
        {
            return Some(p);
        }
    }
    let block = peer.get("ipBlock").filter(|b| !b.is_null())?;
    let at = format!("{at}.ipBlock");
    let cidr = string(block, "cidr");
    let not_a_range = |path: String, value: &str| {
        Some(Problem {
            message: format!(
                "`{path}` must be a CIDR range (`10.0.0.0/16`, `2001:db8::/64`), found {}",
                shown(value)
            ),
            path,
        })
    };
    if cidr.is_empty() {
        return Some(Problem {
            path: format!("{at}.cidr"),
            message: format!("`{at}.cidr` is required"),
        });
    }
    if crate::cidr::interval(cidr).is_none() {
        return not_a_range(format!("{at}.cidr"), cidr);
    }
    for (i, except) in items(block.get("except").unwrap_or(&Doc::Null)) {
        let except = except.as_str().unwrap_or_default();
        let path = format!("{at}.except[{i}]");
        match crate::cidr::strictly_inside(except, cidr) {
            None => return not_a_range(path, except),
            Some(false) => {
                return Some(Problem {
                    message: format!(
                        "`{path}` ({}) must be a range inside `cidr` ({}) and narrower than it",
                        shown(except),
                        shown(cidr)
                    ),
                    path,
                })
            }
            Some(true) => {}
        }
    }
    None
}

/// What `ValidateNetworkPolicyPort` refuses in one port: a protocol other than `TCP`, `UDP`
/// or `SCTP` (upper case), a number outside 1–65535, a name that is not an IANA service name
/// ([`port_name_problem`]), and an `endPort` without a numeric `port`, below it or outside
/// 1–65535.
fn policy_port_problem(port: &Doc, at: &str) -> Option<Problem> {
    let problem = |field: &str, message: String| {
        Some(Problem {
            path: format!("{at}.{field}"),
            message,
        })
    };
    if let Some(protocol) = port.get("protocol").and_then(Doc::as_str) {
        if !matches!(protocol, "TCP" | "UDP" | "SCTP") {
            return problem(
                "protocol",
                format!(
                    "`{at}.protocol` must be TCP, UDP or SCTP (in upper case), found {}",
                    shown(protocol)
                ),
            );
        }
    }
    let number = |v: &Doc| match v {
        Doc::Number(n) => n.to_string(),
        _ => String::new(),
    };
    let in_range = |v: &Doc| v.as_i64().is_some_and(|n| (1..=65535).contains(&n));
    let end = port.get("endPort").filter(|e| !e.is_null());
    match port.get("port").filter(|p| !p.is_null()) {
        Some(Doc::String(name)) => {
            if let Some(why) = port_name_problem(name) {
                let quoted = if !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()) {
                    " (a number in quotes is a name: write it without quotes)"
                } else {
                    ""
                };
                return problem(
                    "port",
                    format!(
                        "`{at}.port` must be a port number or the name of a container port, found {}: a port name {why}{quoted}",
                        shown(name)
                    ),
                );
            }
            if end.is_some() {
                return problem(
                    "endPort",
                    format!("`{at}.endPort` may not be set when `port` is a name: a range runs from one number to another"),
                );
            }
        }
        Some(first) => {
            if !in_range(first) {
                return problem(
                    "port",
                    format!(
                        "`{at}.port` must be a port number from 1 to 65535, found {}",
                        number(first)
                    ),
                );
            }
            if let Some(end) = end {
                if !in_range(end) {
                    return problem(
                        "endPort",
                        format!(
                            "`{at}.endPort` must be a port number from 1 to 65535, found {}",
                            number(end)
                        ),
                    );
                }
                if end.as_i64() < first.as_i64() {
                    return problem(
                        "endPort",
                        format!(
                            "`{at}.endPort` ({}) must not be less than `port` ({})",
                            number(end),
                            number(first)
                        ),
                    );
                }
            }
        }
        None => {
            if end.is_some() {
                return problem(
                    "endPort",
                    format!(
                        "`{at}.endPort` may not be set without `port`: a range starts at `port`"
                    ),
                );
            }
        }
    }
    None
}

/// Why a string is not a port name as `IsValidPortName` reads it (an IANA service name: at
/// most 15 characters, lower-case letters, digits and hyphens, at least one letter, no hyphen
/// at either end or next to another); `None` when it is one.
fn port_name_problem(name: &str) -> Option<&'static str> {
    if name.len() > 15 {
        Some("is at most 15 characters long")
    } else if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        Some("has only lower-case letters, digits and hyphens")
    } else if !name.bytes().any(|b| b.is_ascii_lowercase()) {
        Some("has at least one letter")
    } else if name.contains("--") {
        Some("has no two hyphens in a row")
    } else if name.starts_with('-') || name.ends_with('-') {
        Some("neither begins nor ends with a hyphen")
    } else {
        None
    }
}

/// A ConfigMap `binaryData` value that is not base64: the API server decodes it into bytes
/// and refuses the object; read as text it would escape redaction. The value is not shown.
fn binary_data_problem(obj: &Doc) -> Option<Problem> {
    let data = obj.get("binaryData")?.as_object()?;
    data.iter().find_map(|(key, v)| {
        // Go's base64 decoding skips line breaks, so a wrapped value is accepted.
        let compact: String = v.as_str()?.chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
        let path = format!("binaryData[\"{}\"]", crate::quote::quote(key));
        data_encoding::BASE64.decode(compact.as_bytes()).is_err().then(|| Problem {
            message: format!("`{path}` is not base64: the API server refuses it (encode the bytes, or put text under `data`)"),
            path,
        })
    })
}

/// Why a required string field is refused: absent or empty, or not a string (a number or a
/// list the API server cannot decode into a name).
fn required_string(path: &str, value: Option<&Doc>) -> String {
    match value {
        Some(v) if !v.is_null() && v.as_str().is_none() => {
            format!("`{path}` must be a string, found {}", type_of(v))
        }
        _ => format!("`{path}` is required"),
    }
}

/// A value as a problem shows it: `` `Role` ``, or "nothing" when it is absent or empty.
fn shown(value: &str) -> String {
    if value.is_empty() {
        "nothing".into()
    } else {
        format!("`{}`", crate::quote::bounded(value, 80))
    }
}

/// The line of a problem's field (or the nearest enclosing field), from an object's lines.
pub fn line(p: &Problem, lines: &crate::inventory::FieldLines) -> Option<u32> {
    let mut path = p.path.as_str();
    loop {
        if let Some(l) = lines.get(path) {
            return Some(l);
        }
        let cut = path.rfind(['.', '['])?;
        path = &path[..cut];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The module's `problem`, on a document made from JSON.
    fn problem(kind: &str, v: &serde_json::Value) -> Option<Problem> {
        super::problem(kind, &Doc::from(v.clone()))
    }

    #[test]
    fn quantities_are_read_as_the_api_server_reads_them() {
        for ok in [
            "500m", "2", "0.5", ".5", "1Gi", "512Mi", "1e3", "1E-2", "+1k", "1G",
        ] {
            assert!(is_quantity(ok), "{ok}");
        }
        for bad in ["", "two", "lots", "1GB", "1 Gi", "1..5", "Mi", "1e", " "] {
            assert!(!is_quantity(bad), "{bad}");
        }
        let pod = |limits: serde_json::Value| {
            json!({"metadata": {"name": "p"}, "spec": {"containers": [
                {"name": "a", "image": "x", "resources": {"limits": limits}}]}})
        };
        let p = problem("Pod", &pod(json!({"cpu": "two", "memory": "1Gi"}))).unwrap();
        assert_eq!(p.path, "spec.containers[0].resources.limits.cpu");
        assert!(
            p.message.contains("found a string that is not one"),
            "{}",
            p.message
        );
        assert!(!p.message.contains("two"), "{}", p.message);
        let p = problem("Pod", &pod(json!({"memory": ""}))).unwrap();
        assert!(p.message.contains("an empty string"), "{}", p.message);
        assert!(problem("Pod", &pod(json!({"cpu": 2, "memory": "512Mi"}))).is_none());
        let groups = json!({"metadata": {"name": "p"}, "spec": {
            "securityContext": {"supplementalGroups": [1000, "0"]},
            "containers": [{"name": "a", "image": "x"}]}});
        assert!(problem("Pod", &groups).is_some());
    }

    #[test]
    fn wrong_types_are_found_with_their_path() {
        let pod = json!({"metadata": {"name": "p"}, "spec": {"containers": [
            {"name": "a", "image": "x", "securityContext": {"capabilities": {"add": "SYS_ADMIN"}}}]}});
        let p = problem("Pod", &pod).expect("problem");
        assert_eq!(
            p.path,
            "spec.containers[0].securityContext.capabilities.add"
        );
        assert!(
            p.message
                .contains("must be a list of strings, found a string"),
            "{}",
            p.message
        );

        let dep = json!({"metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": {"name": "a"}}}}});
        assert_eq!(
            problem("Deployment", &dep).expect("problem").path,
            "spec.template.spec.containers"
        );

        let spec_list = json!({"metadata": {"name": "p"}, "spec": [{"containers": []}]});
        assert_eq!(problem("Pod", &spec_list).expect("problem").path, "spec");

        let priv_string = json!({"metadata": {"name": "p"}, "spec": {"containers": [
            {"name": "a", "securityContext": {"privileged": "true"}}]}});
        assert!(problem("Pod", &priv_string).is_some());

        let null_item = json!({"metadata": {"name": "p"}, "spec": {"containers": [null]}});
        assert_eq!(
            problem("Pod", &null_item).expect("problem").path,
            "spec.containers[0]"
        );

        let rule =
            json!({"metadata": {"name": "r"}, "rules": [{"verbs": "get", "resources": ["pods"]}]});
        assert_eq!(
            problem("Role", &rule).expect("problem").path,
            "rules[0].verbs"
        );
    }

    #[test]
    fn a_container_needs_a_name_and_each_port_its_number() {
        let pod =
            |c: serde_json::Value| json!({"metadata": {"name": "p"}, "spec": {"containers": [c]}});
        let nameless = problem("Pod", &pod(json!({"image": "x"}))).expect("problem");
        assert_eq!(nameless.path, "spec.containers[0].name");
        for port in [
            json!({"name": "http"}),
            json!({"containerPort": 0}),
            json!({"containerPort": 70000}),
        ] {
            let p = problem(
                "Pod",
                &pod(json!({"name": "a", "image": "x", "ports": [port]})),
            )
            .expect("problem");
            assert_eq!(p.path, "spec.containers[0].ports[0].containerPort");
        }
        let quoted = problem(
            "Pod",
            &pod(json!({"name": "a", "ports": [{"containerPort": "80"}]})),
        );
        assert!(quoted
            .expect("problem")
            .message
            .contains("must be an integer"));
        assert!(problem(
            "Pod",
            &pod(json!({"name": "a", "ports": [{"containerPort": 80, "protocol": "TCP"}]}))
        )
        .is_none());
    }

    #[test]
    fn a_pod_spec_and_one_container_are_required() {
        let no_template = json!({"metadata": {"name": "d"}, "spec": {"replicas": 3}});
        let p = problem("Deployment", &no_template).expect("problem");
        assert_eq!(p.path, "spec.template");
        assert!(p.message.contains("is required"), "{}", p.message);
        let null_spec = json!({"metadata": {"name": "d"}, "spec": {"template": {"spec": null}}});
        assert_eq!(
            problem("Deployment", &null_spec).expect("problem").path,
            "spec.template.spec"
        );
        for containers in [json!(null), json!([])] {
            let pod = json!({"metadata": {"name": "p"}, "spec": {"containers": containers}});
            assert_eq!(
                problem("Pod", &pod).expect("problem").path,
                "spec.containers"
            );
        }
        let cron = json!({"metadata": {"name": "c"}, "spec": {"jobTemplate": {"spec": {}}}});
        assert_eq!(
            problem("CronJob", &cron).expect("problem").path,
            "spec.jobTemplate.spec.template"
        );
    }

    #[test]
    fn label_and_annotation_values_must_be_strings() {
        // `tier: on` is `true` to kubectl's YAML 1.1 reader; the API server rejects it.
        let ns = json!({"metadata": {"name": "n", "labels": {"app": "web", "tier": true}}});
        let p = problem("Namespace", &ns).expect("problem");
        assert_eq!(p.path, "metadata.labels[\"tier\"]");
        assert!(
            p.message.contains("must be a string, found a boolean"),
            "{}",
            p.message
        );
        let ok = json!({"metadata": {"name": "n", "labels": {"app": "web", "x": null},
            "annotations": {"a": "1"}}});
        assert_eq!(problem("Namespace", &ok), None);
    }

    #[test]
    fn config_data_and_env_values_must_be_strings() {
        // An unquoted number is a number to YAML; `data` is map[string]string.
        let cm = json!({"metadata": {"name": "c"}, "data": {"api_token": 99999999}});
        let p = problem("ConfigMap", &cm).expect("problem");
        assert_eq!(p.path, "data[\"api_token\"]");
        assert!(
            !p.message.contains("99999999"),
            "no value shown: {}",
            p.message
        );
        let secret = json!({"metadata": {"name": "s"}, "stringData": {"password": ["CANARY"]}});
        let p = problem("Secret", &secret).expect("problem");
        assert!(!p.message.contains("CANARY"), "{}", p.message);
        let pod = json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c",
            "env": [{"name": "A", "value": "1"}, {"name": "DB_PASSWORD", "value": {"k": "v"}}]}]}});
        let p = problem("Pod", &pod).expect("problem");
        assert_eq!(p.path, "spec.containers[0].env[1].value");
    }

    #[test]
    fn binary_data_must_be_base64_and_a_secret_type_a_string() {
        let cm = json!({"metadata": {"name": "c"}, "binaryData": {"blob": "aGVsbG8=\n", "x": "CANARY not base64"}});
        let p = problem("ConfigMap", &cm).expect("problem");
        assert_eq!(p.path, "binaryData[\"x\"]");
        assert!(!p.message.contains("CANARY"), "{}", p.message);
        let ok = json!({"metadata": {"name": "c"}, "binaryData": {"blob": "aGVs\nbG8="}});
        assert!(problem("ConfigMap", &ok).is_none());
        let cm = json!({"metadata": {"name": "c"}, "binaryData": {"x": ["CANARY"]}});
        assert!(problem("ConfigMap", &cm).is_some());
        let secret = json!({"metadata": {"name": "s"}, "type": {"CANARY": "x"}});
        let p = problem("Secret", &secret).expect("problem");
        assert_eq!(p.path, "type");
        assert!(!p.message.contains("CANARY"), "{}", p.message);
    }

    #[test]
    fn well_formed_and_null_fields_are_fine() {
        let pod = json!({"metadata": {"name": "p", "labels": null}, "spec": {"securityContext": null,
            "containers": [{"name": "a", "image": "x", "securityContext": {"capabilities": {"drop": ["ALL"]}}}]}});
        assert_eq!(problem("Pod", &pod), None);
        assert_eq!(
            problem(
                "Widget",
                &json!({"metadata": {"name": "w"}, "spec": {"x": [1]}})
            ),
            None
        );
    }

    /// Bindings the API server refuses (`ValidateRoleBinding`, `ValidateClusterRoleBinding`,
    /// `validateRoleBindingSubject`); defaulted API groups and a RoleBinding's
    /// ServiceAccount without namespace are fine.
    #[test]
    fn bindings_are_validated_as_the_api_server_does() {
        let binding = |role_kind: &str, subject: serde_json::Value| {
            json!({"metadata": {"name": "b"},
                   "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": "r"},
                   "subjects": [subject]})
        };
        let sa = json!({"kind": "ServiceAccount", "name": "app", "namespace": "web"});
        let refused = [
            (
                "ClusterRoleBinding",
                binding("Role", sa.clone()),
                "roleRef.kind",
            ),
            ("RoleBinding", binding("", sa.clone()), "roleRef.kind"),
            (
                "ClusterRoleBinding",
                binding(
                    "ClusterRole",
                    json!({"kind": "ServiceAccount", "name": "default"}),
                ),
                "subjects[0].namespace",
            ),
            (
                "RoleBinding",
                binding("Role", json!({"kind": "serviceaccount", "name": "app"})),
                "subjects[0].kind",
            ),
            (
                "RoleBinding",
                binding("Role", json!({"kind": "Group", "name": ""})),
                "subjects[0].name",
            ),
            (
                "RoleBinding",
                binding(
                    "Role",
                    json!({"kind": "ServiceAccount", "name": "app",
                           "apiGroup": "rbac.authorization.k8s.io"}),
                ),
                "subjects[0].apiGroup",
            ),
        ];
        for (kind, v, path) in refused {
            let p = problem(kind, &v).unwrap_or_else(|| panic!("{kind} {v} passed"));
            assert_eq!(p.path, path, "{}", p.message);
        }
        for (kind, v) in [
            (
                "RoleBinding",
                binding("Role", json!({"kind": "ServiceAccount", "name": "app"})),
            ),
            ("ClusterRoleBinding", binding("ClusterRole", sa)),
            (
                "ClusterRoleBinding",
                binding(
                    "ClusterRole",
                    json!({"kind": "Group", "name": "system:masters"}),
                ),
            ),
        ] {
            assert_eq!(problem(kind, &v), None, "{kind} {v}");
        }
    }

    /// Pod Security Admission refuses a Namespace whose level or version labels it cannot
    /// parse (api.PolicyToEvaluate); only manifests are checked, by the collector.
    #[test]
    fn pod_security_labels_are_read_as_admission_reads_them() {
        let ns = |key: &str, value: serde_json::Value| {
            Doc::from(json!({"metadata": {"name": "a", "labels": {key: value}}}))
        };
        let enforce = "pod-security.kubernetes.io/enforce";
        for (key, value) in [
            (enforce, json!("Restricted")),
            (enforce, json!("BASELINE")),
            (enforce, json!(" baseline")),
            (enforce, json!("bogus")),
            (enforce, json!("")),
            (enforce, serde_json::Value::Null),
            ("pod-security.kubernetes.io/warn", json!("Privileged")),
            ("pod-security.kubernetes.io/enforce-version", json!("v1.01")),
            ("pod-security.kubernetes.io/audit-version", json!("1.30")),
        ] {
            let p = pod_security_labels_problem("Namespace", &ns(key, value.clone()))
                .unwrap_or_else(|| panic!("{key}={value} passed"));
            assert!(p.path.contains(key), "{}", p.path);
        }
        for (key, value) in [
            (enforce, json!("restricted")),
            ("pod-security.kubernetes.io/enforce-version", json!("v1.30")),
            ("pod-security.kubernetes.io/warn-version", json!("latest")),
            ("pod-security.kubernetes.io/audit-version", json!("v1.0")),
            ("pod-security.kubernetes.io/other", json!("Anything")),
            ("app", json!("Restricted")),
        ] {
            assert_eq!(
                pod_security_labels_problem("Namespace", &ns(key, value.clone())),
                None,
                "{key}={value}"
            );
        }
        assert_eq!(
            pod_security_labels_problem("ConfigMap", &ns(enforce, json!("bogus"))),
            None
        );
        // The API server's own decoding accepts the label: `problem` (snapshots too) does not
        // refuse it, a stored namespace is read as restricted.
        assert_eq!(
            problem(
                "Namespace",
                &json!({"metadata": {"name": "a", "labels": {enforce: "bogus"}}})
            ),
            None
        );
    }

    /// A NetworkPolicy with this spec.
    fn policy(spec: serde_json::Value) -> serde_json::Value {
        json!({"metadata": {"name": "p", "namespace": "web"}, "spec": spec})
    }

    /// An egress policy of every pod with these rules.
    fn egress(rules: serde_json::Value) -> serde_json::Value {
        policy(json!({"podSelector": {}, "policyTypes": ["Egress"], "egress": rules}))
    }

    /// Wrong types below `spec` (the review's EG-1 cases): read as unset, a selector would
    /// select every pod and an `ipBlock` no address.
    #[test]
    fn network_policy_fields_below_spec_have_their_types() {
        let cases = [
            (
                policy(json!({"podSelector": {"matchExpressions":
                    {"key": "app", "operator": "In", "values": ["nothing-has-this"]}}})),
                "spec.podSelector.matchExpressions",
                "must be a list of mappings, found a mapping",
            ),
            (
                policy(json!({"podSelector": {"matchLabels": ["other"]}})),
                "spec.podSelector.matchLabels",
                "must be a mapping of strings, found a list",
            ),
            (
                policy(json!({"podSelector": {"matchLabels": {"app": 1}}})),
                "spec.podSelector.matchLabels[\"app\"]",
                "must be a string, found a number",
            ),
            (
                policy(json!({"podSelector": {"matchExpressions": [
                    {"key": "app", "operator": "In", "values": "web"}]}})),
                "spec.podSelector.matchExpressions[0].values",
                "must be a list of strings",
            ),
            (
                egress(json!([{"to": [{"ipBlock": [{"cidr": "0.0.0.0/0"}]}]}])),
                "spec.egress[0].to[0].ipBlock",
                "must be a mapping, found a list",
            ),
            (
                egress(json!([{"to": [{"ipBlock": {"cidr": ["0.0.0.0/0"]}}]}])),
                "spec.egress[0].to[0].ipBlock.cidr",
                "must be a string, found a list",
            ),
            (
                egress(
                    json!([{"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": "10.0.0.0/8"}}]}]),
                ),
                "spec.egress[0].to[0].ipBlock.except",
                "must be a list of strings",
            ),
            (
                egress(json!([{"to": {"podSelector": {}}}])),
                "spec.egress[0].to",
                "must be a list of mappings",
            ),
            (
                egress(json!([{"to": ["0.0.0.0/0"]}])),
                "spec.egress[0].to[0]",
                "must be a mapping, found a string",
            ),
            (
                egress(json!([{"to": [{"namespaceSelector": {"matchLabels": "kube-system"}}]}])),
                "spec.egress[0].to[0].namespaceSelector.matchLabels",
                "must be a mapping of strings",
            ),
            (
                policy(
                    json!({"podSelector": {}, "ingress": [{"from": [{"podSelector":
                    {"matchExpressions": [{"key": "app", "operator": ["In"], "values": ["a"]}]}}]}]}),
                ),
                "spec.ingress[0].from[0].podSelector.matchExpressions[0].operator",
                "must be a string",
            ),
            (
                egress(json!([{"ports": {"port": 53}}])),
                "spec.egress[0].ports",
                "must be a list of mappings",
            ),
            (
                egress(json!([{"ports": [{"port": [53]}]}])),
                "spec.egress[0].ports[0].port",
                "must be an integer or a string",
            ),
            (
                egress(json!([{"ports": [{"port": 53.5}]}])),
                "spec.egress[0].ports[0].port",
                "must be an integer or a string",
            ),
            (
                egress(json!([{"ports": [{"port": 1, "endPort": "1024"}]}])),
                "spec.egress[0].ports[0].endPort",
                "must be an integer",
            ),
            (
                egress(json!([{"ports": [{"port": 53, "protocol": ["UDP"]}]}])),
                "spec.egress[0].ports[0].protocol",
                "must be a string",
            ),
        ];
        for (v, path, says) in cases {
            let p = problem("NetworkPolicy", &v).unwrap_or_else(|| panic!("{v} passed"));
            assert_eq!(p.path, path, "{}", p.message);
            assert!(p.message.contains(says), "{}", p.message);
        }
    }

    /// Values the API server refuses (`ValidateNetworkPolicySpec`, the review's EG-2 cases and
    /// the rest of its rules): judged, each would make pods look isolated that no policy
    /// isolates.
    #[test]
    fn network_policy_values_are_validated_as_the_api_server_does() {
        let block = |b: serde_json::Value| egress(json!([{"to": [{"ipBlock": b}]}]));
        let port = |p: serde_json::Value| egress(json!([{"ports": [p]}]));
        let cases = [
            (
                block(json!({"cidr": "169.254.0.0/33"})),
                "spec.egress[0].to[0].ipBlock.cidr",
                "must be a CIDR range",
            ),
            (
                block(json!({"cidr": "169.254.0.0/l6"})),
                "spec.egress[0].to[0].ipBlock.cidr",
                "found `169.254.0.0/l6`",
            ),
            (
                block(json!({"cidr": "169.254.169.254"})),
                "spec.egress[0].to[0].ipBlock.cidr",
                "must be a CIDR range",
            ),
            (
                block(json!({"cidr": ""})),
                "spec.egress[0].to[0].ipBlock.cidr",
                "is required",
            ),
            (
                block(json!({"except": ["10.0.0.0/8"]})),
                "spec.egress[0].to[0].ipBlock.cidr",
                "is required",
            ),
            (
                block(json!({"cidr": "169.254.169.254/32", "except": ["169.254.0.0/16"]})),
                "spec.egress[0].to[0].ipBlock.except[0]",
                "must be a range inside `cidr`",
            ),
            (
                block(json!({"cidr": "10.0.0.0/8", "except": ["10.0.0.0/8"]})),
                "spec.egress[0].to[0].ipBlock.except[0]",
                "narrower than it",
            ),
            (
                block(json!({"cidr": "0.0.0.0/0", "except": ["fd00:ec2::254/128"]})),
                "spec.egress[0].to[0].ipBlock.except[0]",
                "must be a range inside `cidr`",
            ),
            (
                block(json!({"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8", "169.254.169.254"]})),
                "spec.egress[0].to[0].ipBlock.except[1]",
                "must be a CIDR range",
            ),
            (
                port(json!({"port": "80", "protocol": "TCP"})),
                "spec.egress[0].ports[0].port",
                "has at least one letter (a number in quotes is a name: write it without quotes)",
            ),
            (
                port(json!({"port": 80, "protocol": "tcp"})),
                "spec.egress[0].ports[0].protocol",
                "must be TCP, UDP or SCTP",
            ),
            (
                port(json!({"port": 53, "protocol": ""})),
                "spec.egress[0].ports[0].protocol",
                "must be TCP, UDP or SCTP",
            ),
            (
                port(json!({"port": 0})),
                "spec.egress[0].ports[0].port",
                "from 1 to 65535, found 0",
            ),
            (
                port(json!({"port": 65536})),
                "spec.egress[0].ports[0].port",
                "from 1 to 65535, found 65536",
            ),
            (
                port(json!({"port": "HTTP"})),
                "spec.egress[0].ports[0].port",
                "lower-case letters",
            ),
            (
                port(json!({"port": "my-long-service-name"})),
                "spec.egress[0].ports[0].port",
                "at most 15 characters",
            ),
            (
                port(json!({"port": "dns--tcp"})),
                "spec.egress[0].ports[0].port",
                "no two hyphens",
            ),
            (
                port(json!({"port": "-dns"})),
                "spec.egress[0].ports[0].port",
                "ends with a hyphen",
            ),
            (
                port(json!({"port": ""})),
                "spec.egress[0].ports[0].port",
                "a port name",
            ),
            (
                port(json!({"endPort": 1024})),
                "spec.egress[0].ports[0].endPort",
                "without `port`",
            ),
            (
                port(json!({"port": "http", "endPort": 1024})),
                "spec.egress[0].ports[0].endPort",
                "when `port` is a name",
            ),
            (
                port(json!({"port": 1024, "endPort": 80})),
                "spec.egress[0].ports[0].endPort",
                "must not be less than `port` (1024)",
            ),
            (
                port(json!({"port": 1, "endPort": 70000})),
                "spec.egress[0].ports[0].endPort",
                "from 1 to 65535, found 70000",
            ),
            (
                egress(json!([{"to": [{}]}])),
                "spec.egress[0].to[0]",
                "must name a peer",
            ),
            (
                egress(json!([{"to": [{"podSelector": null}]}])),
                "spec.egress[0].to[0]",
                "must name a peer",
            ),
            (
                egress(json!([{"to": [{"podSelector": {}, "ipBlock": {"cidr": "10.0.0.0/8"}}]}])),
                "spec.egress[0].to[0]",
                "may not give ipBlock together with podSelector",
            ),
            (
                policy(json!({"podSelector": {}, "policyTypes": ["Ingress", "egress"]})),
                "spec.policyTypes[1]",
                "must be Ingress or Egress, found `egress`",
            ),
            (
                policy(json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress", "Ingress"]})),
                "spec.policyTypes",
                "more than two",
            ),
            (
                policy(
                    json!({"podSelector": {"matchExpressions": [{"key": "app", "operator": "NotIn"}]}}),
                ),
                "spec.podSelector.matchExpressions[0].values",
                "at least one value when `operator` is NotIn",
            ),
            (
                policy(json!({"podSelector": {"matchExpressions": [
                    {"key": "app", "operator": "Exists", "values": ["web"]}]}})),
                "spec.podSelector.matchExpressions[0].values",
                "must be empty when `operator` is Exists",
            ),
            (
                policy(json!({"podSelector": {"matchExpressions": [
                    {"key": "app", "operator": "in", "values": ["web"]}]}})),
                "spec.podSelector.matchExpressions[0].operator",
                "found `in`",
            ),
            (
                policy(
                    json!({"podSelector": {"matchExpressions": [{"operator": "DoesNotExist"}]}}),
                ),
                "spec.podSelector.matchExpressions[0].key",
                "is required",
            ),
            (
                policy(
                    json!({"podSelector": {}, "ingress": [{"from": [{"namespaceSelector":
                    {"matchExpressions": [{"key": "team", "operator": "Bogus"}]}}]}]}),
                ),
                "spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].operator",
                "must be In, NotIn, Exists or DoesNotExist",
            ),
            (
                policy(
                    json!({"podSelector": {}, "ingress": [{"ports": [{"port": 8080, "protocol": "http"}]}]}),
                ),
                "spec.ingress[0].ports[0].protocol",
                "must be TCP, UDP or SCTP",
            ),
        ];
        for (v, path, says) in cases {
            let p = problem("NetworkPolicy", &v).unwrap_or_else(|| panic!("{v} passed"));
            assert_eq!(p.path, path, "{}", p.message);
            assert!(p.message.contains(says), "{}", p.message);
        }
    }

    /// What the API server accepts is not refused: named ports, IPv6 and zero-padded IPv4
    /// ranges (`ParseCIDRSloppy`), `except` inside `cidr`, ranges, every protocol, selectors
    /// of every operator, `null` for unset.
    #[test]
    fn valid_network_policies_are_not_refused() {
        let valid = [
            egress(json!([{"ports": [
                {"port": "http"}, {"port": "dns-tcp", "protocol": "TCP"}, {"port": "dns", "protocol": "UDP"},
                {"port": "h2c"}, {"port": "a23456789012345"}, {"port": 443}, {"port": 1, "endPort": 79},
                {"port": 8080, "endPort": 8080}, {"port": 65535}, {"protocol": "SCTP"}, {"port": 53, "protocol": null},
                {"port": null}]}])),
            egress(json!([{"to": [
                {"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.169.254/32", "10.0.0.0/8"]}},
                {"ipBlock": {"cidr": "::/0", "except": ["fd00:ec2::254/128"]}},
                {"ipBlock": {"cidr": "fd00:ec2::/32"}},
                {"ipBlock": {"cidr": "2001:DB8:0:0::/64"}},
                {"ipBlock": {"cidr": "010.000.0.0/8", "except": ["10.1.0.0/16"]}},
                {"ipBlock": {"cidr": "10.0.0.1/8"}},
                {"ipBlock": {"cidr": "0.0.0.0/0", "except": null}},
                {"podSelector": {}, "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "dns"}}},
                {"podSelector": {"matchLabels": {"app": null}}},
                {"namespaceSelector": {}}]}])),
            policy(json!({"podSelector": {"matchExpressions": [
                {"key": "app", "operator": "In", "values": ["a", "b"]},
                {"key": "tier", "operator": "NotIn", "values": ["db"]},
                {"key": "x", "operator": "Exists"},
                {"key": "y", "operator": "DoesNotExist", "values": []}]},
                "policyTypes": ["Ingress", "Egress"], "ingress": [{}], "egress": [{"to": [], "ports": []}]})),
            policy(json!({"podSelector": null, "policyTypes": null, "ingress": null})),
            policy(
                json!({"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}],
                "ports": [{"port": "https"}]}]}),
            ),
        ];
        for v in valid {
            assert_eq!(problem("NetworkPolicy", &v), None, "{v}");
        }
        // A same-named kind of another API group has its own shape (the collector passes the
        // kind it evaluates, `NetworkPolicy.crd.projectcalico.org`).
        assert_eq!(
            problem(
                "NetworkPolicy.crd.projectcalico.org",
                &egress(json!([{"to": [{}]}]))
            ),
            None
        );
    }

    /// An aggregated ClusterRole's selectors are label selectors like a NetworkPolicy's:
    /// read with the wrong type or a term the API server refuses, one would select every role.
    #[test]
    fn aggregation_selectors_are_label_selectors() {
        let role = |selectors: serde_json::Value| json!({"metadata": {"name": "agg"}, "aggregationRule": {"clusterRoleSelectors": selectors}});
        let p = problem("ClusterRole", &role(json!([{"matchLabels": ["x"]}]))).expect("problem");
        assert_eq!(
            p.path,
            "aggregationRule.clusterRoleSelectors[0].matchLabels"
        );
        let p = problem(
            "ClusterRole",
            &role(json!([{"matchExpressions": [{"key": "k", "operator": "NotIn", "values": []}]}])),
        )
        .expect("problem");
        assert_eq!(
            p.path,
            "aggregationRule.clusterRoleSelectors[0].matchExpressions[0].values"
        );
        assert!(problem("ClusterRole", &role(json!({"matchLabels": {}}))).is_some());
        assert_eq!(
            problem(
                "ClusterRole",
                &role(
                    json!([{"matchLabels": {"rbac.example.com/aggregate-to-monitoring": "true"}}])
                )
            ),
            None
        );
    }

    #[test]
    fn lines_fall_back_to_the_enclosing_field() {
        let mut map = std::collections::BTreeMap::new();
        map.insert("spec".to_string(), 5);
        map.insert("spec.containers".to_string(), 6);
        let lines = crate::inventory::FieldLines::from(map);
        let p = Problem {
            path: "spec.containers[0]".into(),
            message: String::new(),
        };
        assert_eq!(line(&p, &lines), Some(6));
    }
}
