//! `credentials`: secrets handed to workloads in ways that leak.
//!
//! Decides from workloads' containers and from ConfigMaps:
//! - `secret_env`: a Secret passed as an environment variable (`env[].valueFrom.secretKeyRef`
//!   or `envFrom[].secretRef`) instead of a mounted file;
//! - `literal_env`: an environment variable whose *name* looks like a credential and that has
//!   a literal `value` (a `valueFrom` reference is not a credential in plain text, and names
//!   ending in `_FILE`, `_PATH`, `_DIR`, `_URL`, … point at one rather than hold it);
//! - `configmap_keys`: a ConfigMap key whose name looks like a credential, with a non-empty
//!   value that is not a file path.
//!
//! Values are read only to drop the obvious non-credentials (empty, a path, a `$(VAR)`
//! reference, `true`/`false`); they never enter evidence, messages or logs. Evidence is the
//! container, the variable or key *name*, and the Secret name and key when referenced.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::catalog::reader::Reader;
use crate::catalog::Check;
use crate::checks::evidence;
use crate::checks::workload::{workload, WORKLOAD_KINDS};
use crate::checks::{Context, Outcome};
use crate::inventory::{Inventory, KindState};
use crate::results::{Observation, Status};
use crate::yaml::Node;

/// What a `credentials` assertion looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Require {
    /// No Secret consumed through environment variables.
    SecretEnv,
    /// No credential-looking env var with a literal value.
    LiteralEnv,
    /// No credential-looking ConfigMap key.
    ConfigmapKeys,
    /// No service-account token mounted automatically.
    ServiceAccountToken,
}

/// Parameters of a `credentials` assertion.
#[derive(Debug, Clone)]
pub struct Params {
    /// What is looked for.
    pub require: Require,
    /// Status of a finding: `fail` (default) or `warn`.
    pub on_fail: Status,
}

impl Params {
    /// Reads and validates the assertion block.
    pub fn read(node: &Node, r: &mut Reader, what: &str) -> Option<Params> {
        let aw = format!("the `credentials` assertion of {what}");
        r.known_keys(node, &aw, &["kind", "require", "on_fail"]);
        let req = r.string(node, "require", &aw)?;
        let require = match req.as_str() {
            "secret_env" => Require::SecretEnv,
            "literal_env" => Require::LiteralEnv,
            "configmap_keys" => Require::ConfigmapKeys,
            "service_account_token" => Require::ServiceAccountToken,
            other => {
                r.error(
                    node.get("require").map_or(node.line, |n| n.line),
                    format!("{aw}: unknown `require: {other}`; expected secret_env, literal_env, configmap_keys or service_account_token"),
                );
                return None;
            }
        };
        let on_fail = crate::checks::read_on_fail(node, r, &aw)?;
        Some(Params { require, on_fail })
    }

    /// One line on how the check decides, for `explain`.
    pub fn describe(&self) -> String {
        match self.require {
            Require::SecretEnv => "Flags containers that receive a Secret through env[].valueFrom.secretKeyRef or envFrom[].secretRef".into(),
            Require::LiteralEnv => "Flags containers with an environment variable whose name looks like a credential (password, secret, token, api key, private key, credentials) and that has a literal value; valueFrom references and *_FILE/*_PATH names are not credentials; values are never shown".into(),
            Require::ServiceAccountToken => "Flags workloads whose effective automountServiceAccountToken is true: the pod spec's value, else its ServiceAccount's, else the default true".into(),
            Require::ConfigmapKeys => "Flags ConfigMaps with a key whose name looks like a credential and a non-empty value that is not a path; values are never shown".into(),
        }
    }
}

/// Name fragments (after splitting on `_`, `-`, `.` and case changes) that mark a credential.
const CREDENTIAL_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "pass",
    "secret",
    "token",
    "apikey",
    "credential",
    "credentials",
    "privatekey",
    "accesskey",
    "secretkey",
    "clientsecret",
    "auth",
];

/// Name fragments that mean the variable names, locates or configures a credential rather
/// than holds it.
const NOT_A_VALUE_WORDS: &[&str] = &[
    "file",
    "path",
    "dir",
    "url",
    "uri",
    "endpoint",
    "name",
    "ref",
    "length",
    "len",
    "min",
    "max",
    "enabled",
    "enable",
    "disabled",
    "required",
    "ttl",
    "timeout",
    "expiry",
    "expiration",
    "header",
    "type",
    "mode",
    "policy",
    "id",
    "user",
    "username",
    "audience",
    "issuer",
    "hash",
    "algorithm",
    "key_id",
    "rotation",
    "location",
    "mount",
    "env",
    "secretname",
];

/// Splits a name into lowercase words (`dbPassword_FILE` → db, password, file), and also
/// offers adjacent pairs joined (`API_KEY` → apikey).
fn words(name: &str) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for ch in name.chars() {
        if ch == '_' || ch == '-' || ch == '.' || ch == '/' {
            if !cur.is_empty() {
                parts.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if ch.is_uppercase() && prev_lower && !cur.is_empty() {
            parts.push(std::mem::take(&mut cur));
        }
        prev_lower = ch.is_lowercase() || ch.is_ascii_digit();
        cur.extend(ch.to_lowercase());
    }
    if !cur.is_empty() {
        parts.push(cur);
    }
    let pairs: Vec<String> = parts
        .windows(2)
        .map(|w| format!("{}{}", w[0], w[1]))
        .collect();
    parts.extend(pairs);
    parts
}

/// Whether a variable or key name looks like it holds a credential.
pub fn credential_name(name: &str) -> bool {
    let w = words(name);
    let hit = w.iter().any(|x| CREDENTIAL_WORDS.contains(&x.as_str()));
    // The last word decides what the variable is: `DB_PASSWORD_FILE` is a file.
    let last = name
        .rsplit(['_', '-', '.'])
        .next()
        .unwrap_or(name)
        .to_ascii_lowercase();
    let describes = NOT_A_VALUE_WORDS.contains(&last.as_str())
        || w.iter().any(|x| x == "secretname" || x == "tokenurl");
    hit && !describes
}

/// Whether a value could be a credential (never shown; only used to drop obvious non-values).
fn could_be_credential(value: &str) -> bool {
    let v = value.trim();
    !(v.is_empty()
        || v.starts_with('/')
        || v.starts_with("$(")
        || v.starts_with("${")
        || matches!(
            v.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "none" | "null" | "changeme" | "<redacted>"
        ))
}

fn state_error(check: &Check, inv: &Inventory, kinds: &[&str], out: &mut Outcome) -> bool {
    let mut failed = false;
    for kind in kinds {
        if let KindState::Failed(reason) | KindState::NotServed(reason) = inv.kind_state(kind) {
            out.findings.push(evidence::about_kind(
                check,
                Status::Error,
                kind,
                format!("could not assess {kind} objects: {reason}"),
            ));
            failed = true;
        }
    }
    failed
}

fn workload_findings(check: &Check, p: &Params, inv: &Inventory, out: &mut Outcome) {
    for obj in inv.objects.iter() {
        let Some(w) = workload(obj) else { continue };
        let mut obs = Vec::new();
        for c in w.containers() {
            let env = c.value.get("env").and_then(Value::as_array);
            for (i, e) in env.into_iter().flatten().enumerate() {
                let name = e.get("name").and_then(Value::as_str).unwrap_or("?");
                let path = format!("{}.env[{i}]", c.path);
                match p.require {
                    Require::SecretEnv => {
                        if let Some(r) = e.pointer("/valueFrom/secretKeyRef") {
                            obs.push(Observation {
                                source: evidence::source(obj, &path),
                                path: format!("{path}.valueFrom.secretKeyRef"),
                                observed: json!({"env": name, "secret": r.get("name"), "key": r.get("key")}),
                                expected: "Secret mounted as a file, not an env var".into(),
                                holds: false,
                                note: Some(format!("{} {}", c.role, c.name)),
                            });
                        }
                    }
                    Require::LiteralEnv => {
                        let literal = e.get("value").and_then(Value::as_str);
                        if credential_name(name) && literal.is_some_and(could_be_credential) {
                            obs.push(Observation {
                                source: evidence::source(obj, &path),
                                path: format!("{path}.value"),
                                observed: json!({"env": name, "value": "<not shown>"}),
                                expected: "credentials from a Secret (valueFrom or a mounted file), not a literal value".into(),
                                holds: false,
                                note: Some(format!("{} {}", c.role, c.name)),
                            });
                        }
                    }
                    Require::ConfigmapKeys | Require::ServiceAccountToken => {}
                }
            }
            if p.require == Require::SecretEnv {
                let env_from = c.value.get("envFrom").and_then(Value::as_array);
                for (i, e) in env_from.into_iter().flatten().enumerate() {
                    if let Some(r) = e.get("secretRef") {
                        let path = format!("{}.envFrom[{i}].secretRef", c.path);
                        obs.push(Observation {
                            source: evidence::source(obj, &path),
                            path,
                            observed: json!({"secret": r.get("name"), "prefix": e.get("prefix")}),
                            expected: "Secret mounted as a file, not an env var".into(),
                            holds: false,
                            note: Some(format!("{} {}", c.role, c.name)),
                        });
                    }
                }
            }
        }
        let subject = evidence::subject(obj);
        let (status, message) = if obs.is_empty() {
            (
                Status::Pass,
                format!("{}: nothing found", subject.display()),
            )
        } else {
            let names: BTreeSet<String> = obs
                .iter()
                .filter_map(|o| {
                    o.observed
                        .get("env")
                        .or_else(|| o.observed.get("secret"))
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .collect();
            let what = match p.require {
                Require::SecretEnv => "Secrets passed as environment variables",
                _ => "credential-looking environment variables with literal values",
            };
            (
                p.on_fail,
                format!(
                    "{}: {what}: {}",
                    subject.display(),
                    names.into_iter().collect::<Vec<_>>().join(", ")
                ),
            )
        };
        out.findings
            .push(evidence::finding(check, status, subject, obs, message));
    }
}

fn configmap_findings(check: &Check, p: &Params, inv: &Inventory, out: &mut Outcome) {
    for cm in inv.of_kind("ConfigMap") {
        let mut obs = Vec::new();
        if let Some(data) = cm.value.get("data").and_then(Value::as_object) {
            for (k, v) in data {
                let val = v.as_str().unwrap_or_default();
                // Whole config files (multi-line) are not judged by key name.
                if credential_name(k) && could_be_credential(val) && !val.contains('\n') {
                    let path = format!("data[\"{k}\"]");
                    obs.push(Observation {
                        source: evidence::source(cm, &path),
                        path,
                        observed: json!({"key": k, "value": "<not shown>"}),
                        expected: "credentials in a Secret, not a ConfigMap".into(),
                        holds: false,
                        note: None,
                    });
                }
            }
        }
        let subject = evidence::subject(cm);
        let (status, message) = if obs.is_empty() {
            (
                Status::Pass,
                format!("{}: no credential-looking key", subject.display()),
            )
        } else {
            let keys: Vec<String> = obs
                .iter()
                .filter_map(|o| {
                    o.observed
                        .get("key")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .collect();
            (
                p.on_fail,
                format!(
                    "{}: credential-looking keys: {}",
                    subject.display(),
                    keys.join(", ")
                ),
            )
        };
        out.findings
            .push(evidence::finding(check, status, subject, obs, message));
    }
}

fn token_findings(check: &Check, p: &Params, inv: &Inventory, out: &mut Outcome) {
    for obj in &inv.objects {
        let Some(w) = workload(obj) else { continue };
        let ns = obj.namespace.clone().unwrap_or_else(|| "default".into());
        let sa_name = w
            .pod
            .get("serviceAccountName")
            .or_else(|| w.pod.get("serviceAccount"))
            .and_then(Value::as_str)
            .unwrap_or("default")
            .to_string();
        let sa = inv.find("ServiceAccount", Some(ns.as_str()), &sa_name);
        let pod_value = w
            .pod
            .get("automountServiceAccountToken")
            .and_then(Value::as_bool);
        let sa_value = sa.and_then(|s| {
            s.value
                .get("automountServiceAccountToken")
                .and_then(Value::as_bool)
        });
        let pod_path = format!("{}.automountServiceAccountToken", w.pod_path);
        let (mounted, source, decided) = match (pod_value, sa_value) {
            (Some(v), _) => (v, evidence::source(obj, &pod_path), pod_path.clone()),
            (None, Some(v)) => (
                v,
                sa.map_or_else(String::new, |s| {
                    evidence::source(s, "automountServiceAccountToken")
                }),
                format!("ServiceAccount {ns}/{sa_name} automountServiceAccountToken"),
            ),
            (None, None) => (
                true,
                evidence::source(obj, w.pod_path),
                format!(
                    "not set on the pod nor on ServiceAccount {ns}/{sa_name}: defaults to true"
                ),
            ),
        };
        let obs = Observation {
            source,
            path: decided,
            observed: json!({"automount": mounted, "service_account": sa_name, "pod": pod_value, "service_account_setting": sa_value}),
            expected: "false unless the workload calls the Kubernetes API".into(),
            holds: !mounted,
            note: None,
        };
        let subject = evidence::subject(obj);
        let (status, message) = if mounted {
            (
                p.on_fail,
                format!(
                    "{}: the token of ServiceAccount {sa_name} is mounted",
                    subject.display()
                ),
            )
        } else {
            (
                Status::Pass,
                format!("{}: no token mounted", subject.display()),
            )
        };
        out.findings.push(evidence::finding(
            check,
            status,
            subject,
            vec![obs],
            message,
        ));
    }
}

/// Whether an object is a workload (used to tell "none found" from "nothing to look at").
fn has_workloads(inv: &Inventory) -> bool {
    inv.objects.iter().any(|o| workload(o).is_some())
}

/// Evaluates the assertion over the inventory.
pub fn evaluate(check: &Check, p: &Params, ctx: &Context) -> Outcome {
    let mut out = Outcome::default();
    let inv = ctx.inventory;
    match p.require {
        Require::SecretEnv | Require::LiteralEnv => {
            state_error(check, inv, WORKLOAD_KINDS, &mut out);
            workload_findings(check, p, inv, &mut out);
            if !has_workloads(inv) {
                out.empty_reason = "no workloads in the inventory".into();
            }
        }
        Require::ServiceAccountToken => {
            state_error(check, inv, WORKLOAD_KINDS, &mut out);
            state_error(check, inv, &["ServiceAccount"], &mut out);
            token_findings(check, p, inv, &mut out);
            if !has_workloads(inv) {
                out.empty_reason = "no workloads in the inventory".into();
            }
        }
        Require::ConfigmapKeys => {
            state_error(check, inv, &["ConfigMap"], &mut out);
            configmap_findings(check, p, inv, &mut out);
            if out.findings.is_empty() {
                out.empty_reason = "no ConfigMaps in the inventory".into();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_hold_credentials() {
        for n in [
            "DB_PASSWORD",
            "POSTGRES_PASSWORD",
            "api_token",
            "API_KEY",
            "apiKey",
            "AWS_SECRET_ACCESS_KEY",
            "GITHUB_TOKEN",
            "clientSecret",
            "PRIVATE_KEY",
        ] {
            assert!(credential_name(n), "{n} should look like a credential");
        }
    }

    #[test]
    fn names_that_do_not() {
        for n in [
            "DB_PASSWORD_FILE",
            "POSTGRES_PASSWORD_FILE",
            "TOKEN_URL",
            "SECRET_NAME",
            "PASSWORD_MIN_LENGTH",
            "LOG_LEVEL",
            "DB_HOST",
            "DB_USER",
            "TOKEN_PATH",
            "OAUTH_CLIENT_ID",
            "PASSPORT_NUMBER",
            "BYPASS_CACHE",
        ] {
            assert!(!credential_name(n), "{n} should not look like a credential");
        }
    }

    #[test]
    fn obvious_non_values() {
        assert!(!could_be_credential("/etc/x"));
        assert!(!could_be_credential("$(OTHER)"));
        assert!(!could_be_credential(""));
        assert!(could_be_credential("hunter2"));
    }
}
