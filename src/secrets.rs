//! What of a Secret the inventory keeps: its metadata, its type, the names of its keys, and
//! the certificates (`CERTIFICATE` PEM blocks only) in `tls.crt` of a `kubernetes.io/tls`
//! secret (which the TLS checks read). Every other value — `tls.key`, any key, other block or
//! text outside the blocks found in `tls.crt`, passwords, tokens, `stringData`, and the `last-applied-configuration`
//! annotation that repeats them — is replaced before the object enters the inventory, so no
//! report, snapshot, log or error can contain it. The same holds for Secrets nested in other
//! objects (a `List`, a `Template`), and for values the `credentials` checks classify as
//! credentials (ConfigMap keys, literal env values, annotations, and what a container's
//! `command`/`args` hand on as such: see [`command`]), which
//! keep their names and get [`REDACTED_CREDENTIAL`] as value, or a text naming the value
//! pattern they match (a password URL, a private key inside a config file).

mod command;

use crate::document::{Doc, Fields};

use crate::checks::credentials::{
    could_be_credential, credential_by_name, credential_name, redaction_patterns,
};

/// The text that replaces a secret value.
pub const REDACTED: &str = "<redacted>";

/// The text that replaces a value classified as a credential outside a Secret; it still
/// reads as a credential, so a snapshot is judged as the cluster was.
pub const REDACTED_CREDENTIAL: &str = "<redacted credential>";

/// What replaces a value (outside a Secret) that matches a credential value pattern:
/// `<redacted credential matching url-with-password>`; the check reads the pattern's name
/// back ([`redacted_match`]), so a snapshot is judged as the cluster was.
fn redacted_matching(pattern: &str) -> String {
    format!("{REDACTED_MATCH}{pattern}>")
}

const REDACTED_MATCH: &str = "<redacted credential matching ";

/// What replaces, inside a longer word of a command line (a URL, a script), a value that
/// matches a credential value pattern; the pattern's name follows it.
const REDACTED_MATCH_IN_WORD: &str = "redacted-credential-matching-";

/// The pattern name a value redacted by [`redacted_matching`] records.
pub fn redacted_match(value: &str) -> Option<&str> {
    value.strip_prefix(REDACTED_MATCH)?.strip_suffix('>')
}

/// What the redaction left in a text (a command line's argument) where it replaced a
/// credential, read back from its own marks.
#[derive(Debug, PartialEq, Eq)]
pub enum Mark<'a> {
    /// A value that matched this credential value pattern.
    Pattern(&'a str),
    /// A value assigned to a variable named like a credential ([`REDACTED_CREDENTIAL`]).
    Named,
    /// The value of a password option, secret flag or credential header ([`REDACTED`]).
    Flag,
}

/// The first mark of a replaced credential in `text`, if any.
pub fn mark_in(text: &str) -> Option<Mark<'_>> {
    if let Some(at) = text.find(REDACTED_MATCH_IN_WORD) {
        let rest = &text[at + REDACTED_MATCH_IN_WORD.len()..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .unwrap_or(rest.len());
        return Some(Mark::Pattern(&rest[..end]));
    }
    if let Some(p) = text
        .find(REDACTED_MATCH)
        .and_then(|at| redacted_match(text[at..].split_inclusive('>').next()?))
    {
        return Some(Mark::Pattern(p));
    }
    if text.contains(REDACTED_CREDENTIAL) {
        return Some(Mark::Named);
    }
    text.contains(REDACTED).then_some(Mark::Flag)
}

/// The replacement for a credential value outside a Secret: one matching a value pattern
/// records the pattern (as the check names it first), one recognised by its name (`by_name`)
/// gets [`REDACTED_CREDENTIAL`]; `None` when it is neither.
fn credential_replacement(value: &str, by_name: bool) -> Option<String> {
    if let Some(p) = redaction_patterns().value_pattern(value) {
        return Some(redacted_matching(p));
    }
    by_name.then(|| REDACTED_CREDENTIAL.to_string())
}

/// A process's arguments (after `program`, its executable or component name) with the
/// credentials they pass replaced, as a container's command line is: secret flags by name,
/// and credentials inside values (`--etcd-servers=https://user:password@…`) by the value
/// patterns (see [`command`]).
pub fn redact_process_args(program: &str, args: Vec<String>) -> Vec<String> {
    let all: Vec<&str> = std::iter::once(program)
        .chain(args.iter().map(String::as_str))
        .collect();
    let mut out = match command::redact_arguments(&all) {
        Some(mut redacted) => redacted.split_off(1),
        None => args,
    };
    // An image flag (`--pod-infra-container-image`) holding a registry login.
    let is_image_flag = |name: &str| name.starts_with('-') && name.ends_with("-image");
    let mut image_next = false;
    for arg in out.iter_mut() {
        if image_next && image_userinfo(arg) {
            *arg = REDACTED_CREDENTIAL.to_string();
        } else if let Some((name, value)) = arg.split_once('=') {
            if is_image_flag(name) && image_userinfo(value) {
                *arg = format!("{name}={REDACTED_CREDENTIAL}");
            }
        }
        image_next = is_image_flag(arg) && !arg.contains('=');
    }
    out
}

/// A configuration value with a credential it holds replaced (the catalog's value
/// patterns: a URL with a password, a token); `None` when it holds none.
pub(crate) fn redacted_value(value: &str) -> Option<String> {
    credential_replacement(value, false)
}

/// The field, added to a redacted Secret, that records what was dropped from `tls.crt`:
/// `{"tls.crt": {"dropped_blocks": N, "labels": ["PRIVATE KEY"]}}` (PEM labels only), with
/// `"text_outside_blocks": true` when explanatory text was dropped and `"unreadable": why`
/// when the value could not be read as PEM text (see [`TlsCrtRecord`]).
pub const RECORD: &str = "kubeattestRedaction";

/// Redacts an object on its way into the inventory: a Secret (by kind: callers listing the
/// `secrets` resource set the kind from the resource, not from the body), Secrets nested at
/// any depth, and credential values of other objects.
pub fn redact_object(kind: &str, value: &mut Doc) {
    if kind == "Secret" {
        redact(value);
        return;
    }
    let mut nested = false;
    redact_nested(value, 0, &mut nested);
    if nested {
        drop_last_applied(value);
    }
    redact_credentials(kind, value);
}

/// Redacts every mapping below the top whose `kind` is `Secret`.
fn redact_nested(value: &mut Doc, depth: usize, found: &mut bool) {
    if depth > 256 {
        return;
    }
    match value {
        Doc::Object(map) => {
            if depth > 0 && map.get("kind").and_then(Doc::as_str) == Some("Secret") {
                *found = true;
                redact(value);
                return;
            }
            for (_, v) in map.iter_mut() {
                redact_nested(v, depth + 1, found);
            }
        }
        Doc::Array(items) => {
            for v in items.iter_mut() {
                redact_nested(v, depth + 1, found);
            }
        }
        _ => {}
    }
}

/// The annotation `kubectl apply` leaves: a second copy of the whole object as applied.
pub(crate) const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Drops an object's [`LAST_APPLIED`] annotation: it repeats a Secret's values, and on any
/// other object it is bulk no check reads ([`trim`](crate::collect::cluster::trim::trim)).
pub(crate) fn drop_last_applied(value: &mut Doc) {
    if let Some(ann) = annotations_of(value.get_mut("metadata")) {
        ann.remove(LAST_APPLIED);
    }
}

/// Replaces values the `credentials` checks classify as credentials by name: ConfigMap
/// `data` keys (one-line values, a final newline included, as the check judges them) and
/// `binaryData` keys (decoded),
/// literal `env` values, and secret-looking flags in `command`/`args`.
fn redact_credentials(kind: &str, value: &mut Doc) {
    if kind == "ConfigMap" {
        if let Some(data) = value.get_mut("data").and_then(Doc::as_object_mut) {
            redact_named_values(data);
        }
        // `binaryData`: base64, judged decoded when it is text, else by its key's name.
        if let Some(data) = value.get_mut("binaryData").and_then(Doc::as_object_mut) {
            for (k, v) in data.iter_mut() {
                let replacement =
                    v.as_str()
                        .and_then(|s| match crate::checks::credentials::binary_text(s) {
                            Some(text) => {
                                credential_replacement(&text, credential_by_name(k, &text))
                            }
                            None => crate::checks::credentials::credential_name(k)
                                .then(|| REDACTED_CREDENTIAL.to_string()),
                        });
                if let Some(r) = replacement {
                    *v = Doc::String(r.into());
                }
            }
        }
    }
    redact_containers(value, 0);
}

fn redact_containers(value: &mut Doc, depth: usize) {
    if depth > 256 {
        return;
    }
    match value {
        Doc::Object(map) => {
            redact_env(map);
            redact_image(map);
            redact_annotation_values(map);
            redact_command_line(map);
            redact_embedded(map);
            for (_, v) in map.iter_mut() {
                redact_containers(v, depth + 1);
            }
        }
        Doc::Array(items) => {
            for v in items.iter_mut() {
                redact_containers(v, depth + 1);
            }
        }
        _ => {}
    }
}

/// HTTP headers whose value is a credential whatever it looks like.
const CREDENTIAL_HEADERS: &[&str] = &["authorization", "proxy-authorization", "cookie"];

/// Replaces credentials written into other fields of pods and webhooks, which no check
/// reads: the headers of an `httpGet` probe or lifecycle hook (`Authorization`, `X-Api-Key`)
/// and a credential in its `path` (`?token=`), the user information of a `gitRepo`
/// volume's repository, `flexVolume` options and `csi` volume attributes named as
/// credentials, and the user information and query of a webhook's `clientConfig.url`.
fn redact_embedded(map: &mut Fields) {
    if let Some(Doc::Object(get)) = map.get_mut("httpGet") {
        if let Some(Doc::Array(headers)) = get.get_mut("httpHeaders") {
            for h in headers.iter_mut().filter_map(Doc::as_object_mut) {
                let by_name = h.get("name").and_then(Doc::as_str).is_some_and(|n| {
                    CREDENTIAL_HEADERS.contains(&n.to_ascii_lowercase().as_str())
                        || credential_name(n)
                });
                redact_string(h, "value", by_name);
            }
        }
        redact_string(get, "path", false);
    }
    for (volume, options) in [("flexVolume", "options"), ("csi", "volumeAttributes")] {
        if let Some(Doc::Object(o)) = map.get_mut(volume).and_then(|v| v.get_mut(options)) {
            redact_named_values(o);
        }
    }
    let urls = [("gitRepo", "repository"), ("clientConfig", "url")];
    for (outer, field) in urls {
        if let Some(Doc::String(url)) = map.get_mut(outer).and_then(|o| o.get_mut(field)) {
            let shown = without_url_credentials(url);
            if shown != **url {
                *url = shown.into();
            }
        }
    }
}

/// Replaces the string values of a key → value map (ConfigMap `data`, volume options) that
/// hold a credential: by a value pattern, or by their key's name (one-line values).
fn redact_named_values(map: &mut Fields) {
    let prefixes = crate::checks::credentials::secret_name_prefixes(map.iter().map(|(k, _)| k));
    for (k, v) in map.iter_mut() {
        let replacement = v.as_str().and_then(|s| {
            let reference = crate::checks::credentials::names_key_of_named_secret(k, s, &prefixes);
            credential_replacement(s, credential_by_name(k, s) && !reference)
        });
        if let Some(r) = replacement {
            *v = Doc::String(r.into());
        }
    }
}

/// URLs without what may carry a credential: the `user:password@` of the authority, and the
/// query and fragment (`?token=…`); what reports and messages show of an API server address,
/// and what a snapshot keeps of a webhook or repository URL.
pub(crate) fn without_url_credentials(text: &str) -> String {
    static USERINFO: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    static QUERY: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let userinfo = USERINFO.get_or_init(|| {
        regex::Regex::new(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]*@")
            .unwrap_or_else(|e| panic!("userinfo pattern: {e}"))
    });
    let query = QUERY.get_or_init(|| {
        regex::Regex::new(r"(?P<url>[A-Za-z][A-Za-z0-9+.-]*://[^\s?#]*)[?#][^\s]*")
            .unwrap_or_else(|e| panic!("query pattern: {e}"))
    });
    let text = userinfo.replace_all(text, "$scheme");
    query.replace_all(&text, "$url").into_owned()
}

/// Replaces `map[key]` when it is a string holding a credential (by a value pattern, or
/// whatever it holds when `by_name`).
fn redact_string(map: &mut Fields, key: &str, by_name: bool) {
    let replacement = map
        .get(key)
        .and_then(Doc::as_str)
        .and_then(|v| credential_replacement(v, by_name && could_be_credential(v)));
    if let Some(r) = replacement {
        map.insert(key, Doc::String(r.into()));
    }
}

/// Replaces the credentials a container's `command` and `args` hand on, read as one
/// command line (see [`command`]). Arrays holding anything but strings are left alone.
fn redact_command_line(container: &mut Fields) {
    let strings = |key: &str| match container.get(key) {
        Some(Doc::Array(a)) => a.iter().map(Doc::as_str).collect::<Option<Vec<_>>>(),
        _ => Some(Vec::new()),
    };
    let (Some(command), Some(args)) = (strings("command"), strings("args")) else {
        return;
    };
    let n = command.len();
    let all: Vec<&str> = command.into_iter().chain(args).collect();
    let Some(mut redacted) = command::redact_arguments(&all) else {
        return;
    };
    let args: Vec<String> = redacted.split_off(n);
    for (key, values) in [("command", redacted), ("args", args)] {
        if let Some(Doc::Array(a)) = container.get_mut(key) {
            *a = values
                .into_iter()
                .map(|v| Doc::String(v.into_boxed_str()))
                .collect();
        }
    }
}

fn redact_env(container: &mut Fields) {
    let Some(Doc::Array(env)) = container.get_mut("env") else {
        return;
    };
    // A `…_SECRET_KEY` beside a `…_SECRET_NAME` names the key inside that Secret (see
    // `credentials::names_key_of_named_secret`): kept, as the check reads it.
    let prefixes = crate::checks::credentials::secret_name_prefixes(
        env.iter()
            .filter_map(|e| e.get("name").and_then(Doc::as_str)),
    );
    for e in env.iter_mut().filter_map(Doc::as_object_mut) {
        let name = e.get("name").and_then(Doc::as_str).unwrap_or_default();
        let value = e.get("value").and_then(Doc::as_str).unwrap_or_default();
        let named = crate::checks::credentials::credential_name_for(name, value)
            && !crate::checks::credentials::names_key_of_named_secret(name, value, &prefixes);
        redact_string(e, "value", named);
    }
}

/// Replaces the values of an object's annotations (the object's own, or a pod template's)
/// that the credentials checks would take for credentials: by the annotation's name
/// (`secret-token: …`, as a ConfigMap key is judged; not the per-container AppArmor and
/// seccomp keys, which end with a container's name), by a value pattern, or an
/// authorization header inside the value. No check reads such a value; the annotations
/// checks do read (seccomp, AppArmor, mirror pods, load balancer source ranges, snippets by
/// name only) keep theirs.
fn redact_annotation_values(map: &mut Fields) {
    let Some(annotations) = annotations_of(map.get_mut("metadata")) else {
        return;
    };
    for (key, value) in annotations.iter_mut() {
        let Some(text) = value.as_str() else {
            continue;
        };
        // The per-container AppArmor and seccomp annotations end with a container's name
        // (`…/auth-proxy`), not a word about their value, which is a profile the checks read.
        let per_container = PER_CONTAINER_ANNOTATIONS.iter().any(|p| key.starts_with(p));
        let by_name = !per_container && credential_by_name(key, text);
        let replacement = credential_replacement(text, by_name)
            .or_else(|| command::redact_authorization_headers(text, REDACTED_CREDENTIAL));
        if let Some(r) = replacement {
            *value = Doc::String(r.into());
        }
    }
}

/// The annotations of an object's (or a pod template's) `metadata`, when it has any.
fn annotations_of(metadata: Option<&mut Doc>) -> Option<&mut Fields> {
    metadata?.get_mut("annotations")?.as_object_mut()
}

/// Annotation prefixes followed by a container's name.
const PER_CONTAINER_ANNOTATIONS: &[&str] = &[
    "container.apparmor.security.beta.kubernetes.io/",
    "container.seccomp.security.alpha.kubernetes.io/",
];

/// Annotations of a Secret whose values are public and kept: the ServiceAccount a token
/// Secret belongs to, and cert-manager's records of the certificate (issuer, names).
fn public_secret_annotation(key: &str) -> bool {
    matches!(
        key,
        "kubernetes.io/service-account.name" | "kubernetes.io/service-account.uid"
    ) || key.starts_with("cert-manager.io/")
}

/// Replaces a Secret's annotation values but the public ones: tools and people park
/// credentials there too (a backup of the key, a token), and no check reads them.
fn redact_annotations(secret: &mut Doc) {
    if let Some(ann) = annotations_of(secret.get_mut("metadata")) {
        for (key, value) in ann.iter_mut() {
            if !public_secret_annotation(key) {
                *value = Doc::String(REDACTED.into());
            }
        }
    }
}

/// Whether an image reference starts with `user:password@` (a registry login written into
/// it; `registry:5000/app@sha256:…` is a digest, not a login).
fn image_userinfo(image: &str) -> bool {
    image
        .split_once('@')
        .is_some_and(|(before, after)| before.contains(':') && after.contains('/'))
}

/// Replaces an `image` that carries a credential: a value pattern (a URL with a password,
/// a token) or user information before the registry (`user:password@registry/app`; a
/// digest after `@` never holds a `/`). No such reference is valid, so nothing that runs is
/// hidden; the image checks call it invalid without repeating it.
fn redact_image(container: &mut Fields) {
    let Some(image) = container.get("image").and_then(Doc::as_str) else {
        return;
    };
    let replacement = credential_replacement(image, image_userinfo(image));
    if let Some(r) = replacement {
        container.insert("image", Doc::String(r.into()));
    }
}

/// Keys whose values are public and needed by checks, per secret type.
fn keeps(secret_type: &str, key: &str) -> bool {
    secret_type == "kubernetes.io/tls" && key == "tls.crt"
}

/// What [`certificates_only`] and [`redact_tls_crt`] dropped.
#[derive(Debug, Default, PartialEq, Eq)]
struct Dropped {
    /// Blocks that are not certificates (and base64 data outside blocks).
    blocks: usize,
    /// Their PEM labels.
    labels: Vec<String>,
    /// Explanatory text outside the PEM blocks (RFC 7468 §2 permits it): dropped, since it
    /// is part of a Secret, but no key.
    text: bool,
    /// Why the value could not be read as PEM text at all (it was replaced whole).
    unreadable: Option<String>,
}

/// The label under which base64 data outside PEM blocks (a bare key, say) is counted.
const BASE64_OUTSIDE: &str = "base64 data outside PEM blocks";

/// Whether a line outside PEM blocks looks like base64 data (a key without its `BEGIN`/`END`
/// lines, wrapped at any width) rather than explanatory text: 16 or more characters of the
/// base64 alphabet only, with a digit, `+` or `/` among them (a long word is letters only).
/// `openssl x509 -text` output has spaces, colons and dots on every long line.
fn looks_like_base64(line: &str) -> bool {
    line.len() >= 16
        && base64_alphabet(line)
        && line
            .bytes()
            .any(|b| b.is_ascii_digit() || matches!(b, b'+' | b'/'))
}

/// Whether a line holds only characters of the base64 alphabet (padding included).
fn base64_alphabet(line: &str) -> bool {
    line.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
}

/// The label recorded for a block whose `BEGIN` line holds no label we may repeat.
const UNREADABLE_LABEL: &str = "a block with an unreadable label";

/// The PEM label of the rest of a `BEGIN ` line and what follows its closing dashes.
/// Only a label of capitals, digits and spaces (at most 40) is returned: whatever else sits
/// on that line may be key data pasted onto it, and a label is repeated in reports.
fn pem_label(rest: &str) -> (Option<&str>, &str) {
    let Some((label, after)) = rest.split_once("-----") else {
        return (None, "");
    };
    (readable_label(label).then_some(label), after.trim())
}

/// Whether `label` may be repeated: capitals, digits and spaces, at most 40.
fn readable_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 40
        && label
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ')
}

/// A PEM block being read by [`certificates_only`].
struct Block {
    /// Its label, if readable ([`pem_label`]).
    label: Option<String>,
    /// Its `BEGIN` line and the lines read so far.
    text: String,
    /// Base64 of its body, to decode a certificate.
    body: String,
    /// Why it cannot be a certificate we keep, whatever its label says.
    broken: Option<&'static str>,
}

impl Block {
    /// The label under which the block is counted as dropped.
    fn dropped_label(&self, why: Option<&str>) -> String {
        match (self.label.as_deref(), why.or(self.broken)) {
            (None, _) => UNREADABLE_LABEL.into(),
            (Some(label), Some(why)) => format!("{label} ({why})"),
            (Some(label), None) => label.to_string(),
        }
    }

    /// Whether the block is one whole X.509 certificate: a `CERTIFICATE` label, base64
    /// lines only, and a body that is exactly one certificate. Anything else is dropped, so
    /// that key data inside a mislabelled or broken block never stays in the Secret.
    fn is_certificate(&self) -> bool {
        self.label.as_deref() == Some("CERTIFICATE")
            && self.broken.is_none()
            && data_encoding::BASE64
                .decode(self.body.as_bytes())
                .ok()
                .and_then(|der| {
                    x509_parser::parse_x509_certificate(&der)
                        .ok()
                        .map(|(rest, _)| rest.is_empty())
                })
                .unwrap_or(false)
    }
}

/// The `CERTIFICATE` PEM blocks of `pem`, and what else was there (other blocks by label;
/// base64 data outside blocks as one block; explanatory text outside blocks, which RFC 7468
/// §2 permits, only as a flag). A block is kept only when it is whole (its own `END` line,
/// no other `BEGIN` inside) and decodes to exactly one certificate.
fn certificates_only(pem: &str) -> (String, Dropped) {
    let mut kept = String::new();
    let mut dropped = Dropped::default();
    let count = |dropped: &mut Dropped, label: String| {
        dropped.blocks += 1;
        dropped.labels.push(label);
    };
    let mut current: Option<Block> = None;
    let mut base64 = false;
    for line in pem.lines() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("-----BEGIN ") {
            // A BEGIN inside a block: that block never ended (a lost END line).
            if let Some(open) = current.take() {
                count(&mut dropped, open.dropped_label(Some("unterminated")));
            }
            let (label, after) = pem_label(rest);
            let block = Block {
                label: label.map(str::to_string),
                text: format!("{t}\n"),
                body: String::new(),
                broken: label.is_none().then_some("unreadable label"),
            };
            if after.is_empty() {
                current = Some(block);
            } else if after.contains("-----END ") {
                count(&mut dropped, block.dropped_label(Some("on one line")));
            } else {
                current = Some(Block {
                    broken: Some("data after its label"),
                    ..block
                });
            }
            continue;
        }
        match &mut current {
            None => {
                if looks_like_base64(t) {
                    base64 = true;
                } else if !t.is_empty() {
                    dropped.text = true;
                }
            }
            Some(block) => {
                if let Some(rest) = t.strip_prefix("-----END ") {
                    let end_label = pem_label(rest).0;
                    if end_label.is_none() || end_label != block.label.as_deref() {
                        block.broken = block.broken.or(Some("ends with another label"));
                    }
                    block.text.push_str(t);
                    block.text.push('\n');
                    if let Some(done) = current.take() {
                        if done.is_certificate() {
                            kept.push_str(&done.text);
                        } else {
                            let certificate = done.label.as_deref() == Some("CERTIFICATE");
                            let why = (certificate && done.broken.is_none())
                                .then_some("not one readable certificate");
                            count(&mut dropped, done.dropped_label(why));
                        }
                    }
                } else {
                    if !base64_alphabet(t) {
                        block.broken = block.broken.or(Some("not base64 inside"));
                    }
                    block.text.push_str(t);
                    block.text.push('\n');
                    block.body.push_str(t);
                }
            }
        }
    }
    if let Some(open) = current {
        count(&mut dropped, open.dropped_label(Some("unterminated")));
    }
    if base64 {
        count(&mut dropped, BASE64_OUTSIDE.into());
    }
    if kept.is_empty() && dropped.blocks == 0 && dropped.text {
        dropped.unreadable = Some("it holds text but no PEM block".into());
    }
    dropped.labels.sort();
    dropped.labels.dedup();
    (kept, dropped)
}

/// A `tls.crt` value replaced whole, and why it could not be read.
fn unreadable(value: &mut Doc, why: &str) -> Dropped {
    *value = Doc::String(REDACTED.into());
    Dropped {
        unreadable: Some(why.into()),
        ..Dropped::default()
    }
}

/// Keeps only the certificates of a `tls.crt` value (`base64`: from `data`). Line breaks in
/// base64 are ignored, as Go's decoder (which the API server uses) ignores `\r` and `\n`.
fn redact_tls_crt(value: &mut Doc, base64: bool) -> Dropped {
    let Some(text) = value.as_str() else {
        return unreadable(value, "it is not a string");
    };
    let pem = if base64 {
        let clean: Vec<u8> = text
            .trim()
            .bytes()
            .filter(|b| !matches!(b, b'\r' | b'\n'))
            .collect();
        let Ok(bytes) = data_encoding::BASE64.decode(&clean) else {
            return unreadable(value, "it is not valid base64");
        };
        match String::from_utf8(bytes) {
            Ok(pem) => pem,
            Err(_) => {
                return unreadable(
                    value,
                    "it is binary data, such as a DER certificate, not PEM text",
                )
            }
        }
    } else {
        text.to_string()
    };
    let (kept, dropped) = certificates_only(&pem);
    if dropped.blocks > 0 || dropped.text || dropped.unreadable.is_some() {
        let kept = if base64 {
            data_encoding::BASE64.encode(kept.as_bytes())
        } else {
            kept
        };
        *value = Doc::String(kept.into_boxed_str());
    }
    dropped
}

/// Labels an earlier version of the redaction counted as dropped blocks although they are
/// no key: text outside PEM blocks, or a value that could not be read.
const LEGACY_LABELS: [(&str, Option<&str>); 3] = [
    ("text outside PEM blocks", None),
    (
        "not base64 of PEM text",
        Some("it is not base64 of PEM text"),
    ),
    ("not a string", Some("it is not a string")),
];

/// Replaces every secret value of a Secret object in place.
pub fn redact(secret: &mut Doc) {
    let secret_type = secret
        .get("type")
        .and_then(Doc::as_str)
        .unwrap_or("Opaque")
        .to_string();
    let mut dropped = Dropped::default();
    for field in ["data", "stringData", "binaryData"] {
        let Some(v) = secret.get_mut(field) else {
            continue;
        };
        match v {
            Doc::Object(map) => {
                for (key, value) in map.iter_mut() {
                    if !keeps(&secret_type, key) || field == "binaryData" {
                        *value = Doc::String(REDACTED.into());
                    } else {
                        let d = redact_tls_crt(value, field == "data");
                        dropped.blocks += d.blocks;
                        dropped.labels.extend(d.labels);
                        dropped.text |= d.text;
                        dropped.unreadable = dropped.unreadable.or(d.unreadable);
                    }
                }
            }
            Doc::Null => {}
            other => *other = Doc::String(REDACTED.into()),
        }
    }
    drop_last_applied(secret);
    redact_annotations(secret);
    if let Some(obj) = secret.as_object_mut() {
        // A record from an earlier redaction (a snapshot read back) is kept, not trusted
        // beyond its counts, flags and bounded words: it saw the value before it was replaced.
        let earlier = obj.get(RECORD).map(tls_crt_record).unwrap_or_default();
        obj.remove(RECORD);
        let blocks = dropped.blocks + earlier.dropped_blocks;
        let text = dropped.text || earlier.text_outside_blocks;
        let unreadable = earlier.unreadable.or(dropped.unreadable);
        if blocks > 0 || text || unreadable.is_some() {
            let mut labels = earlier.labels;
            labels.extend(dropped.labels);
            labels.sort();
            labels.dedup();
            let mut rec = serde_json::json!({"dropped_blocks": blocks, "labels": labels});
            if text {
                rec["text_outside_blocks"] = true.into();
            }
            if let Some(why) = unreadable {
                rec["unreadable"] = why.into();
            }
            obj.insert(RECORD, Doc::from(serde_json::json!({ "tls.crt": rec })));
        }
    }
}

/// What redaction dropped from a Secret's `tls.crt` (recorded under [`RECORD`]).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TlsCrtRecord {
    /// How many blocks that are not certificates were dropped (keys and other PEM blocks,
    /// base64 data outside blocks).
    pub dropped_blocks: usize,
    /// Their PEM labels (`PRIVATE KEY`, …).
    pub labels: Vec<String>,
    /// Whether explanatory text outside the PEM blocks was dropped (no key: RFC 7468 §2
    /// permits such text).
    pub text_outside_blocks: bool,
    /// Why `tls.crt` could not be read as PEM text at all, when it could not.
    pub unreadable: Option<String>,
}

/// Reads a [`RECORD`] value, turning labels of earlier versions that were no key into flags.
fn tls_crt_record(record: &Doc) -> TlsCrtRecord {
    let rec = record.get("tls.crt");
    let mut out = TlsCrtRecord {
        dropped_blocks: rec
            .and_then(|r| r.get("dropped_blocks"))
            .and_then(Doc::as_u64)
            .unwrap_or(0) as usize,
        text_outside_blocks: rec
            .and_then(|r| r.get("text_outside_blocks"))
            .and_then(Doc::as_bool)
            .unwrap_or(false),
        unreadable: rec
            .and_then(|r| r.get("unreadable"))
            .and_then(Doc::as_str)
            .map(|w| crate::quote::bounded(w, 120)),
        labels: Vec::new(),
    };
    let labels = rec
        .and_then(|r| r.get("labels"))
        .and_then(Doc::as_array)
        .into_iter()
        .flatten()
        .filter_map(Doc::as_str)
        .take(16);
    for label in labels {
        match LEGACY_LABELS.iter().find(|(l, _)| *l == label) {
            Some((_, why)) => {
                out.dropped_blocks = out.dropped_blocks.saturating_sub(1);
                match why {
                    Some(why) => out.unreadable = out.unreadable.or(Some((*why).into())),
                    None => out.text_outside_blocks = true,
                }
            }
            None => out.labels.push(safe_label(label)),
        }
    }
    out
}

/// A label of an earlier record as it may be shown: a readable PEM label ([`pem_label`]) or
/// one of ours, with an optional reason in words; anything else (an earlier version kept
/// text after a label's dashes, which could be key data) becomes [`UNREADABLE_LABEL`].
fn safe_label(label: &str) -> String {
    let (head, why) = match label.strip_suffix(')').and_then(|l| l.split_once(" (")) {
        Some((head, why)) => (head, Some(why)),
        None => (label, None),
    };
    let words = |w: &str| {
        w.len() <= 40
            && w.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b' ')
    };
    let head_ok = head == UNREADABLE_LABEL || head == BASE64_OUTSIDE || readable_label(head);
    match (head_ok, why) {
        (true, None) => head.to_string(),
        (true, Some(why)) if words(why) => label.to_string(),
        _ => UNREADABLE_LABEL.into(),
    }
}

/// What redaction dropped from a Secret's `tls.crt`: counts, PEM labels and flags only.
pub fn dropped_from_tls_crt(secret: &Doc) -> TlsCrtRecord {
    secret.get(RECORD).map(tls_crt_record).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The module's `redact`, on a document made from JSON and back.
    fn redact(value: &mut serde_json::Value) {
        let mut doc = Doc::from(value.clone());
        super::redact(&mut doc);
        *value = doc.to_value();
    }

    /// The module's `redact_object`, on a document made from JSON and back.
    fn redact_object(kind: &str, value: &mut serde_json::Value) {
        let mut doc = Doc::from(value.clone());
        super::redact_object(kind, &mut doc);
        *value = doc.to_value();
    }

    #[test]
    fn credential_annotations_and_shell_assignments_are_replaced() {
        let mut d = json!({
            "kind": "Deployment",
            "metadata": {"name": "app", "annotations": {
                "secret-token": "CANARY-A1",
                "example.com/owner": "team-a",
                "note": "pull with ghp_CANARY0123456789abcdefghijklmnopqrstuvwxyz",
                "container.apparmor.security.beta.kubernetes.io/app": "runtime/default"}},
            "spec": {"template": {
                "metadata": {"annotations": {"password": "CANARY-A2"}},
                "spec": {"containers": [{"name": "app", "image": "app:1",
                    "command": ["sh", "-c",
                        "export PASSWORD=CANARY-S1 && API_TOKEN='CANARY S2' ./run --token CANARY-S3 --db-password=\"CANARY-S4\" --anonymous-auth=0 --port 80 MODE=fast"],
                    "args": ["--token-file=/var/run/token", "DB_PASS=$(DB_PASS)"]}]}}}
        });
        redact_object("Deployment", &mut d);
        let text = d.to_string();
        assert!(!text.contains("CANARY"), "{text}");
        let ann = &d["metadata"]["annotations"];
        assert_eq!(ann["secret-token"], REDACTED_CREDENTIAL);
        assert_eq!(ann["example.com/owner"], "team-a");
        assert_eq!(ann["note"], "<redacted credential matching github-token>");
        assert_eq!(
            ann["container.apparmor.security.beta.kubernetes.io/app"],
            "runtime/default"
        );
        assert_eq!(
            d["spec"]["template"]["metadata"]["annotations"]["password"],
            REDACTED_CREDENTIAL
        );
        let c = &d["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(
            c["command"][2],
            "export PASSWORD='<redacted credential>' && API_TOKEN='<redacted credential>' ./run --token '<redacted>' --db-password='<redacted>' --anonymous-auth=0 --port 80 MODE=fast"
        );
        // A file path and a reference to another variable are not values.
        assert_eq!(
            c["args"],
            json!(["--token-file=/var/run/token", "DB_PASS=$(DB_PASS)"])
        );
    }

    #[test]
    fn what_checks_read_stays_and_credentials_in_longer_text_go() {
        let mut pod = json!({
            "kind": "Pod",
            "metadata": {"name": "p", "annotations": {
                // A container named like a credential: the value is a profile checks read.
                "container.apparmor.security.beta.kubernetes.io/auth-proxy": "runtime/default",
                "nginx.ingress.kubernetes.io/configuration-snippet":
                    "proxy_set_header Authorization \"Bearer CANARYabcdef123456\";"}},
            "spec": {"containers": [{"name": "auth-proxy", "image": "proxy:1",
                "command": ["sh", "-c",
                    "app --password \\\n  CANARY-P1 --api-key=CANARY-P2 --anonymous-auth=0 && curl -u admin:CANARY-P3 -H 'Authorization: Bearer CANARY-P4xyz' -H \"X-Api-Key: CANARY-P5xyz\" https://x.example/"]}]}
        });
        redact_object("Pod", &mut pod);
        let text = pod.to_string();
        assert!(!text.contains("CANARY"), "{text}");
        assert!(text.contains("--anonymous-auth=0"), "{text}");
        let mut flags = json!({"kind": "Pod", "spec": {"containers": [{"name": "c",
            "command": ["kube-apiserver", "--anonymous-auth=f", "--enable-bootstrap-token-auth=T"]}]}});
        redact_object("Pod", &mut flags);
        assert_eq!(
            flags["spec"]["containers"][0]["command"],
            json!([
                "kube-apiserver",
                "--anonymous-auth=f",
                "--enable-bootstrap-token-auth=T"
            ])
        );
        assert_eq!(
            pod["metadata"]["annotations"]
                ["container.apparmor.security.beta.kubernetes.io/auth-proxy"],
            "runtime/default"
        );
    }

    #[test]
    fn a_pattern_in_a_readable_script_keeps_it_readable() {
        let script = "exec kube-apiserver --anonymous-auth=false --etcd-servers=https://etcd-user:pw0rd@10.0.0.10:2379";
        let redacted = command::redact_script(script).expect("the password URL is replaced");
        let words = crate::checks::command_line::shell_words(&redacted).expect("readable");
        assert_eq!(words[1], "--anonymous-auth=false");
        assert!(!redacted.contains("pw0rd"), "{redacted}");
    }

    #[test]
    fn a_readable_script_reads_the_same_words_once_redacted() {
        let script =
            "exec kube-apiserver --secure-port=6443 --token=abc --etcd-servers=https://e:2379";
        let redacted = command::redact_script(script).expect("the token is replaced");
        assert_eq!(
            crate::checks::command_line::shell_words(&redacted),
            Ok([
                "kube-apiserver",
                "--secure-port=6443",
                "--token=<redacted>",
                "--etcd-servers=https://e:2379"
            ]
            .map(String::from)
            .to_vec())
        );
        assert_eq!(command::redact_script("exec app --port=80"), None);
        assert_eq!(command::redact_script("--db-password=<redacted>"), None);
    }

    #[test]
    fn keeps_only_the_tls_certificate() {
        let crt = data_encoding::BASE64.encode(CERT.as_bytes());
        let mut s = json!({
            "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": {"name": "x", "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": "CANARY",
                "example.com/backup-key": "CANARY", "a": "b",
                "cert-manager.io/issuer-name": "letsencrypt"}},
            "data": {"tls.crt": crt, "tls.key": "CANARY"},
            "stringData": {"other": "CANARY"}
        });
        redact(&mut s);
        let text = s.to_string();
        assert!(!text.contains("CANARY"), "{text}");
        assert_eq!(s["data"]["tls.crt"], crt);
        assert!(s.get(RECORD).is_none(), "nothing dropped");
        assert_eq!(s["data"]["tls.key"], REDACTED);
        assert_eq!(
            s["metadata"]["annotations"]["a"], REDACTED,
            "annotation values go"
        );
        assert_eq!(
            s["metadata"]["annotations"]["cert-manager.io/issuer-name"],
            "letsencrypt"
        );
    }

    const KEY: &str = "-----BEGIN PRIVATE KEY-----\nQ0FOQVJZLUtFWQ==\n-----END PRIVATE KEY-----\n";
    /// A real certificate (EC P-256, self-signed): only whole certificates are kept.
    const CERT: &str = include_str!("../tests/fixtures/pki/redaction-test.crt");

    #[test]
    fn a_key_in_tls_crt_is_dropped_and_counted() {
        let combined = format!("{CERT}{KEY}");
        let mut s = json!({
            "kind": "Secret", "type": "kubernetes.io/tls", "metadata": {"name": "x"},
            "data": {"tls.crt": data_encoding::BASE64.encode(combined.as_bytes())},
            "stringData": {"tls.crt": KEY}
        });
        redact(&mut s);
        let text = s.to_string();
        assert!(!text.contains("Q0FOQVJZLUtFWQ"), "{text}");
        assert!(!text.contains(&data_encoding::BASE64.encode(KEY.as_bytes())[..20]));
        assert_eq!(
            s["data"]["tls.crt"],
            data_encoding::BASE64.encode(CERT.as_bytes())
        );
        assert_eq!(s["stringData"]["tls.crt"], "");
        let rec = dropped_from_tls_crt(&crate::document::Doc::from(s.clone()));
        assert_eq!(rec.dropped_blocks, 2);
        assert_eq!(rec.labels, vec!["PRIVATE KEY".to_string()]);
        // Redacting again (a snapshot read back) keeps the count.
        redact(&mut s);
        assert_eq!(
            dropped_from_tls_crt(&crate::document::Doc::from(s.clone())).dropped_blocks,
            2
        );
    }

    #[test]
    fn text_outside_blocks_is_dropped_but_no_key() {
        let text = format!("Certificate:\n    Subject: CN=CANARY-TEXT\n{CERT}trailing CANARY\n");
        let mut s = json!({
            "kind": "Secret", "type": "kubernetes.io/tls", "metadata": {"name": "x"},
            "data": {"tls.crt": data_encoding::BASE64.encode(text.as_bytes())}
        });
        redact(&mut s);
        assert_eq!(
            s["data"]["tls.crt"],
            data_encoding::BASE64.encode(CERT.as_bytes())
        );
        assert!(!s.to_string().contains("CANARY"), "{s}");
        let rec = dropped_from_tls_crt(&Doc::from(s.clone()));
        assert_eq!((rec.dropped_blocks, rec.text_outside_blocks), (0, true));
        // A bare base64 key (no BEGIN/END lines) is still counted.
        let bare = format!("{CERT}{}\n", "Q0FOQVJZ".repeat(8));
        let mut s = json!({"kind": "Secret", "type": "kubernetes.io/tls",
            "stringData": {"tls.crt": bare}});
        redact(&mut s);
        assert!(!s.to_string().contains("Q0FOQVJZ"), "{s}");
        let rec = dropped_from_tls_crt(&Doc::from(s.clone()));
        assert_eq!(rec.dropped_blocks, 1);
        assert_eq!(rec.labels, vec![BASE64_OUTSIDE.to_string()]);
    }

    #[test]
    fn wrapped_base64_is_read_and_binary_is_unreadable() {
        let b64 = data_encoding::BASE64.encode(CERT.as_bytes());
        let wrapped = format!("{}\r\n{}\n", &b64[..20], &b64[20..]);
        let mut s = json!({"kind": "Secret", "type": "kubernetes.io/tls",
            "data": {"tls.crt": wrapped.clone()}});
        redact(&mut s);
        assert_eq!(
            s["data"]["tls.crt"], wrapped,
            "nothing to drop, kept as written"
        );
        assert_eq!(
            dropped_from_tls_crt(&Doc::from(s.clone())),
            TlsCrtRecord::default()
        );
        let mut der = json!({"kind": "Secret", "type": "kubernetes.io/tls",
            "data": {"tls.crt": data_encoding::BASE64.encode(&[0x30, 0x82, 0xff, 0xfe])}});
        redact(&mut der);
        assert_eq!(der["data"]["tls.crt"], REDACTED);
        let rec = dropped_from_tls_crt(&Doc::from(der.clone()));
        assert_eq!(rec.dropped_blocks, 0);
        assert!(rec.unreadable.is_some_and(|w| w.contains("binary")));
        // Read back (a snapshot), the first reason stands.
        redact(&mut der);
        let rec = dropped_from_tls_crt(&Doc::from(der.clone()));
        assert!(rec.unreadable.is_some_and(|w| w.contains("binary")));
        // An earlier version's record counted text and unreadable values as blocks.
        let mut old = json!({"kind": "Secret", "type": "kubernetes.io/tls",
            "data": {"tls.crt": data_encoding::BASE64.encode(CERT.as_bytes())},
            RECORD: {"tls.crt": {"dropped_blocks": 1, "labels": ["text outside PEM blocks"]}}});
        redact(&mut old);
        let rec = dropped_from_tls_crt(&Doc::from(old.clone()));
        assert_eq!((rec.dropped_blocks, rec.text_outside_blocks), (0, true));
    }

    #[test]
    fn credentials_in_image_references_are_redacted() {
        let mut p = json!({"kind": "Pod", "spec": {"containers": [
            {"name": "a", "image": "https://deploy:CANARY1@registry.example.com/app:1"},
            {"name": "b", "image": "deploy:CANARY2@registry.example.com/app:1"},
            {"name": "c", "image": "nginx:1.27@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}
        ]}});
        redact_object("Pod", &mut p);
        assert!(!p.to_string().contains("CANARY"), "{p}");
        assert!(p["spec"]["containers"][2]["image"]
            .as_str()
            .is_some_and(|i| i.starts_with("nginx:1.27@sha256:")));
    }

    /// Broken PEM never keeps key data, and a dropped block is named by its label only.
    #[test]
    fn broken_blocks_keep_no_key_data() {
        let body = "MHcCAQEEIKBFieoBeVrTCANARYKEYDATAbWfQ3o9iW0yCANARYKEYDATA2";
        let one_line =
            format!("-----BEGIN EC PRIVATE KEY----- {body} -----END EC PRIVATE KEY-----");
        let cert_body: String = CERT.lines().filter(|l| !l.starts_with("-----")).collect();
        let cases = [
            // A key pasted on one line after a certificate.
            (format!("{CERT}{one_line}\n"), 1, "EC PRIVATE KEY (on one line)"),
            // The certificate's END line lost: the key that follows is not part of it.
            (
                format!("-----BEGIN CERTIFICATE-----\n{cert_body}\n-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n"),
                2,
                "CERTIFICATE (unterminated)",
            ),
            // A broken END line: the block runs on into the key.
            (
                format!("-----BEGIN CERTIFICATE-----\n{cert_body}\n----END CERTIFICATE-----\n{body}\n-----END PRIVATE KEY-----\n"),
                1,
                "CERTIFICATE (not base64 inside)",
            ),
            // Key data inside a CERTIFICATE block.
            (
                format!("-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n"),
                1,
                "CERTIFICATE (not one readable certificate)",
            ),
            // A certificate with key data appended to its body.
            (
                format!("-----BEGIN CERTIFICATE-----\n{cert_body}{body}\n-----END CERTIFICATE-----\n"),
                1,
                "CERTIFICATE (not one readable certificate)",
            ),
            // Data after a label that is no label.
            (format!("-----BEGIN {body}-----\n{body}\n-----END X-----\n"), 1, UNREADABLE_LABEL),
        ];
        for (pem, blocks, label) in cases {
            let mut s = json!({"kind": "Secret", "type": "kubernetes.io/tls",
                "data": {"tls.crt": data_encoding::BASE64.encode(pem.as_bytes())},
                "stringData": {"tls.crt": pem.clone()}});
            redact(&mut s);
            let text = s.to_string();
            let decoded = data_encoding::BASE64
                .decode(s["data"]["tls.crt"].as_str().unwrap_or_default().as_bytes())
                .unwrap_or_default();
            for shown in [text.clone(), String::from_utf8_lossy(&decoded).into_owned()] {
                assert!(!shown.contains("CANARYKEYDATA"), "{pem}\n→ {shown}");
                assert!(!shown.contains("KBFieoBeVrT"), "{pem}\n→ {shown}");
            }
            let rec = dropped_from_tls_crt(&Doc::from(s.clone()));
            assert_eq!(rec.dropped_blocks, 2 * blocks, "{pem}: {rec:?}");
            assert!(rec.labels.iter().any(|l| l == label), "{pem}: {rec:?}");
        }
        // A record written by an earlier version, with key text after a label, shows none.
        let mut old = json!({"kind": "Secret", "type": "kubernetes.io/tls",
            "data": {"tls.crt": data_encoding::BASE64.encode(CERT.as_bytes())},
            RECORD: {"tls.crt": {"dropped_blocks": 1,
                "labels": [format!("EC PRIVATE KEY----- {} (unterminated)", &body[..20])]}}});
        redact(&mut old);
        let rec = dropped_from_tls_crt(&Doc::from(old.clone()));
        assert_eq!(rec.labels, vec![UNREADABLE_LABEL.to_string()]);
    }

    #[test]
    fn nested_secrets_and_credentials_are_redacted() {
        let mut t = json!({
            "kind": "Template", "metadata": {"name": "t", "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": "CANARY"}},
            "objects": [{"kind": "List", "items": [
                {"kind": "Secret", "metadata": {"name": "s"}, "stringData": {"p": "CANARY"}}]}]
        });
        redact_object("Template", &mut t);
        assert!(!t.to_string().contains("CANARY"), "{t}");
        let mut cm = json!({"kind": "ConfigMap", "data": {"DB_PASSWORD": "CANARY", "mode": "x",
            "password": "CANARY-BLOCK\n", "PGPASSWORD": "CANARY-PG",
            "passwordMinLength": "8", "token.conf": "a: 1\nb: 2\n"}});
        redact_object("ConfigMap", &mut cm);
        assert_eq!(cm["data"]["DB_PASSWORD"], REDACTED_CREDENTIAL);
        assert_eq!(cm["data"]["mode"], "x");
        // A block scalar's one line with its final newline is a one-line value.
        assert_eq!(cm["data"]["password"], REDACTED_CREDENTIAL);
        assert_eq!(cm["data"]["PGPASSWORD"], REDACTED_CREDENTIAL);
        assert!(!cm.to_string().contains("CANARY"), "{cm}");
        // Settings and whole files are kept, as the check does not judge them by name.
        assert_eq!(cm["data"]["passwordMinLength"], "8");
        assert_eq!(cm["data"]["token.conf"], "a: 1\nb: 2\n");
        // binaryData: decoded text judged as `data` is; bytes by the key's name.
        let b64 = |t: &[u8]| data_encoding::BASE64.encode(t);
        let mut cm = json!({"kind": "ConfigMap", "binaryData": {
            "db_password": b64(b"CANARY-BIN"), "logo.png": b64(&[0x89, 0x50, 0xff, 0xfe]),
            "private_key": b64(&[0xff, 0xfe, 0x43]), "blob": b64(b"plain text")}});
        let canary = b64(b"CANARY-BIN");
        redact_object("ConfigMap", &mut cm);
        assert_eq!(cm["binaryData"]["db_password"], REDACTED_CREDENTIAL);
        assert_eq!(cm["binaryData"]["private_key"], REDACTED_CREDENTIAL);
        assert_eq!(cm["binaryData"]["blob"], b64(b"plain text"));
        assert!(!cm.to_string().contains(&canary), "{cm}");
        let mut pod = json!({"kind": "Pod", "spec": {"containers": [{"name": "c",
            "env": [{"name": "API_TOKEN", "value": "CANARY"}, {"name": "LOG", "value": "debug"}],
            "args": ["--db-password=CANARY", "--verbose"]}]}});
        redact_object("Pod", &mut pod);
        assert!(!pod.to_string().contains("CANARY"), "{pod}");
        assert_eq!(pod["spec"]["containers"][0]["env"][1]["value"], "debug");
    }

    #[test]
    fn credentials_in_probes_volumes_and_webhook_urls_are_redacted() {
        let get = json!({"path": "/healthz?token=CANARY-Q1", "port": 8080, "httpHeaders": [
            {"name": "Authorization", "value": "Bearer CANARY-H1"},
            {"name": "X-Api-Key", "value": "CANARY-H2"},
            {"name": "Cookie", "value": "session=CANARY-H3"},
            {"name": "Accept", "value": "application/json"}]});
        let mut pod = json!({"kind": "Pod", "spec": {
            "containers": [{"name": "c", "livenessProbe": {"httpGet": get},
                "lifecycle": {"postStart": {"httpGet": {"port": 80, "httpHeaders": [
                    {"name": "authorization", "value": "Basic Q0FOQVJZLUxJRkU="}]}}}}],
            "volumes": [
                {"name": "g", "gitRepo": {"repository": "https://deploy:CANARY-G@git.example.com/app.git"}},
                {"name": "f", "flexVolume": {"driver": "example/cifs",
                    "options": {"password": "CANARY-F", "share": "//srv/data"}}},
                {"name": "s", "csi": {"driver": "x", "volumeAttributes": {"secretKey": "CANARY-C"}}}]}});
        redact_object("Pod", &mut pod);
        let text = pod.to_string();
        assert!(
            !text.contains("CANARY") && !text.contains("Q0FOQVJZ"),
            "{text}"
        );
        let spec = &pod["spec"];
        let probe = &spec["containers"][0]["livenessProbe"]["httpGet"];
        assert_eq!(probe["httpHeaders"][3]["value"], "application/json");
        assert_eq!(probe["port"], 8080);
        assert_eq!(
            spec["volumes"][0]["gitRepo"]["repository"],
            "https://git.example.com/app.git"
        );
        assert_eq!(
            spec["volumes"][1]["flexVolume"]["options"]["share"],
            "//srv/data"
        );
        let mut hook = json!({"kind": "ValidatingWebhookConfiguration", "webhooks": [
            {"name": "w", "clientConfig": {"url": "https://hook:CANARY-W@hooks.example.com/validate?token=CANARY-T"}}]});
        redact_object("ValidatingWebhookConfiguration", &mut hook);
        assert_eq!(
            hook["webhooks"][0]["clientConfig"]["url"],
            "https://hooks.example.com/validate"
        );
    }

    #[test]
    fn opaque_secrets_keep_no_values() {
        let mut s = json!({"kind": "Secret", "data": {"tls.crt": "CANARY", "p": "CANARY"}});
        redact(&mut s);
        assert!(!s.to_string().contains("CANARY"));
    }
}
