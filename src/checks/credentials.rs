//! `credentials`: secrets handed to workloads in ways that leak.
//!
//! Decides from workloads' containers and from ConfigMaps:
//! - `secret_env`: a Secret passed as an environment variable (`env[].valueFrom.secretKeyRef`
//!   or `envFrom[].secretRef`) instead of a mounted file;
//! - `literal_env`: an environment variable with a literal `value` (of any number of lines:
//!   unlike a ConfigMap key, an environment variable rarely holds a whole file) whose *name* looks
//!   like a credential ([`credential_name`]: a `valueFrom` reference is not a credential in
//!   plain text, and names ending in `_FILE`, `_PATH`, `_DIR`, `_URL`, `_KEY_ID`, `MinLength`,
//!   … point at or configure one rather than hold it), or
//!   whose *value* matches a credential pattern (`controls/credentials.yaml`: PEM private
//!   keys, token formats, JWTs, authorization values, URLs with a password);
//! - `configmap_keys`: a ConfigMap key whose name looks like a credential, with a non-empty
//!   one-line value (a final newline included) that is not a file path, or whose value
//!   matches a credential pattern.
//!
//! Values are read only to drop the obvious non-credentials (empty, a path, a `$(VAR)`
//! reference, `true`/`false`) and to match the value patterns; they never enter evidence,
//! messages or logs. Evidence is the container, the variable or key *name*, the name of the
//! pattern that matched, and the Secret name and key when referenced.

mod config_lines;

use crate::checks::path::Lookup;
use std::collections::BTreeSet;

use crate::document::Doc;
use serde_json::{json, Value};

use crate::catalog::reader::Reader;
use crate::catalog::Check;
use crate::checks::evidence;
use crate::checks::workload::WORKLOAD_KINDS;
use crate::checks::{Context, Outcome};
use crate::results::{Observation, Status};
use crate::yaml::Node;

/// What a `credentials` assertion looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Require {
    /// No Secret consumed through environment variables.
    SecretEnv,
    /// No credential-looking env var with a literal value.
    LiteralEnv,
    /// No credential passed literally on a container's command line.
    LiteralCommand,
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
            "literal_command" => Require::LiteralCommand,
            "configmap_keys" => Require::ConfigmapKeys,
            "service_account_token" => Require::ServiceAccountToken,
            other => {
                return r.unknown(
                    node,
                    "require",
                    &aw,
                    other,
                    &[
                        "secret_env",
                        "literal_env",
                        "literal_command",
                        "configmap_keys",
                        "service_account_token",
                    ],
                )
            }
        };
        let on_fail = crate::checks::read_on_fail(node, r, &aw)?;
        Some(Params { require, on_fail })
    }

    /// One line on how the check decides, for `explain`.
    pub fn describe(&self) -> String {
        match self.require {
            Require::SecretEnv => "Flags containers that receive a Secret through env[].valueFrom.secretKeyRef or envFrom[].secretRef".into(),
            Require::LiteralEnv => "Flags containers with an environment variable that has a literal value and either a name that looks like a credential (password, secret, token, api key, *_KEY, private key, credentials, as a word in snake_case or camelCase or as the end of one word such as PGPASSWORD) with a value that is not empty, a path, a $(VAR) reference or a boolean (of any number of lines), or a value that matches a credential pattern of controls/credentials.yaml (PEM private key, AWS key id, GitHub/GitLab/Slack/Stripe token, JWT, Bearer/Basic value, URL with a password); valueFrom references, names whose last word points at or configures one (*_FILE, *_PATH, *_NAMESPACE, the name of a header such as *_KEY_HEADER or *_TOKEN_HEADER, *_STORE, *_PROMPT, passwordMinLength, tokenTtl), a *_SECRET_KEY beside a *_SECRET_NAME of the same prefix (the key inside that Secret) and public keys are not credentials; values are never shown, only the pattern's name".into(),
            Require::LiteralCommand => "Flags containers whose command or args pass a credential as written: the value of a password option or secret flag (--password=…, -p… after a user, redis-cli -a, sshpass -p), of a credential-named variable assigned in a script, a credential header (Authorization, X-…-Token), or a value that matches a credential pattern of controls/credentials.yaml (URL with a password, token formats, PEM key); a $(VAR) reference, a path or a placeholder is not one; values are never shown, only what recognised them".into(),
            Require::ServiceAccountToken => "Flags workloads whose effective automountServiceAccountToken is true: the pod spec's value, else its ServiceAccount's, else the default true".into(),
            Require::ConfigmapKeys => "Flags ConfigMaps with a key whose name looks like a credential and a non-empty one-line value (a final newline included) that is not a path (a `…-secret-key` beside a `…-secret-name` of the same prefix names the key inside that Secret and is not one), or whose value (even a whole config file) matches a credential pattern of controls/credentials.yaml; values are never shown, only the pattern's name".into(),
        }
    }
}

/// A credential recognised by its value (`controls/credentials.yaml`).
#[derive(Debug, Clone)]
pub struct ValuePattern {
    /// Short name shown in evidence (`jwt`, `url-with-password`).
    pub name: String,
    /// What it recognises, in words.
    pub description: String,
    /// How it is recognised: a pattern, or a format's settings read.
    pub matcher: Matcher,
}

/// How a [`ValuePattern`] recognises a credential.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// A pattern matched anywhere in the value (`regex:`).
    Regex(regex::Regex),
    /// The settings of a format, read line by line (`reader:`, see [`config_lines`]).
    Reader(config_lines::Format),
}

/// What a pattern's `value` group may hold without being a credential
/// (`credentials.yaml` `not_values`: booleans, switches, placeholders, a variable's name).
#[derive(Debug, Clone)]
pub struct NotValue {
    /// What it stands for, in words.
    pub description: String,
    /// The pattern, matched against the whole captured value.
    pub regex: regex::Regex,
}

/// Credential patterns of the catalog (`credentials.yaml`).
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Values that are credentials whatever their name.
    pub value_patterns: Vec<ValuePattern>,
    /// Values a pattern's `value` group may capture without it being a credential.
    pub not_values: Vec<NotValue>,
    /// The last words (or last two words joined) of a setting's key that make it hold a
    /// credential in a file a reader reads (`setting_names.endings`: `password`, `token`,
    /// `apikey`…).
    pub setting_endings: Vec<String>,
    /// Words that make such a key a setting about a credential, wherever they are in it
    /// (`setting_names.not_words`: `max_token`).
    pub setting_not_words: Vec<String>,
}

/// Compiles an entry's regex; one that does not compile is a load error at its line (the
/// message cut to 300 characters).
fn compile(r: &mut Reader, n: &Node, what: &str, text: &str) -> Option<regex::Regex> {
    regex::Regex::new(text)
        .map_err(|e| {
            let shown: String = e.to_string().chars().take(300).collect();
            r.error(
                n.get("regex").map_or(n.line, |x| x.line),
                format!("{what}: invalid regex: {shown}"),
            )
        })
        .ok()
}

impl Settings {
    /// Reads `credentials.yaml`; a bad regex is a load error at its line.
    pub fn read(doc: &Node, r: &mut Reader) -> Settings {
        r.known_keys(
            doc,
            "credentials.yaml",
            &["value_patterns", "not_values", "setting_names"],
        );
        let mut s = Settings::default();
        if let Some(n) = doc.get("setting_names") {
            let what = "setting_names";
            r.known_keys(n, what, &["description", "endings", "not_words"]);
            s.setting_endings = r.string_list(n, "endings", what);
            s.setting_not_words = r.string_list(n, "not_words", what);
        }
        for (i, n) in r
            .opt_seq(doc, "not_values", "credentials.yaml")
            .iter()
            .enumerate()
        {
            let what = format!("not_values #{}", i + 1);
            r.known_keys(n, &what, &["description", "regex"]);
            let (Some(description), Some(text)) = (
                r.string(n, "description", &what),
                r.string(n, "regex", &what),
            ) else {
                continue;
            };
            // Matched against the whole value, never a part of it.
            if let Some(regex) = compile(r, n, &what, &format!("^(?:{text})$")) {
                s.not_values.push(NotValue { description, regex });
            }
        }
        for (i, n) in r
            .opt_seq(doc, "value_patterns", "credentials.yaml")
            .iter()
            .enumerate()
        {
            let what = format!("value_patterns #{}", i + 1);
            r.known_keys(n, &what, &["name", "description", "regex", "reader"]);
            let (Some(name), Some(description)) = (
                r.string(n, "name", &what),
                r.string(n, "description", &what),
            ) else {
                continue;
            };
            let matcher = match r.opt_string(n, "reader", &what) {
                Some(reader) => match config_lines::Format::named(&reader) {
                    Some(f) => Matcher::Reader(f),
                    None => {
                        let known: Vec<&str> = config_lines::Format::NAMES
                            .iter()
                            .map(|(n, _)| *n)
                            .collect();
                        r.error(
                            n.get("reader").map_or(n.line, |x| x.line),
                            format!(
                                "{what} ({name}): unknown reader `{reader}` (one of {})",
                                known.join(", ")
                            ),
                        );
                        continue;
                    }
                },
                None => {
                    let Some(text) = r.string(n, "regex", &what) else {
                        continue;
                    };
                    let Some(regex) = compile(r, n, &format!("{what} ({name})"), &text) else {
                        continue;
                    };
                    Matcher::Regex(regex)
                }
            };
            s.value_patterns.push(ValuePattern {
                name,
                description,
                matcher,
            });
        }
        s
    }

    /// The name of the first pattern a value matches (the value is never returned).
    pub fn value_pattern(&self, value: &str) -> Option<&str> {
        self.value_patterns
            .iter()
            .find(|p| self.matches(p, value))
            .map(|p| p.name.as_str())
    }

    /// Whether `text` holds a match of `p` that counts: one whose value group (see
    /// [`value_group`]), when the pattern has one and it took part, is not one of
    /// [`Settings::not_values`].
    fn matches(&self, p: &ValuePattern, text: &str) -> bool {
        let re = match &p.matcher {
            Matcher::Regex(re) => re,
            Matcher::Reader(f) => return !config_lines::find(*f, text, self).is_empty(),
        };
        if !re.is_match(text) {
            return false;
        }
        if !re.capture_names().flatten().any(is_value_group) {
            return true;
        }
        re.captures_iter(text).any(|c| self.counts(re, &c))
    }

    /// Whether a match counts (see [`Settings::matches`]).
    fn counts(&self, re: &regex::Regex, c: &regex::Captures) -> bool {
        value_group(re, c).is_none_or(|v| !self.not_value(v.as_str()))
    }

    /// Whether a captured value is one of [`Settings::not_values`].
    fn not_value(&self, value: &str) -> bool {
        self.not_values.iter().any(|n| n.regex.is_match(value))
    }

    /// `text` with every match of every value pattern replaced by `with(pattern name, the
    /// matched text)`: of a pattern with a `value` group, only what the group captured
    /// (`password=` stays before it), and not at all when that is one of
    /// [`Settings::not_values`]. `None` when nothing is replaced.
    pub fn replace_matches(
        &self,
        text: &str,
        with: impl Fn(&str, &str) -> String,
    ) -> Option<String> {
        let mut out: Option<String> = None;
        for p in &self.value_patterns {
            let current = out.as_deref().unwrap_or(text);
            let re = match &p.matcher {
                Matcher::Regex(re) => re,
                Matcher::Reader(f) => {
                    let spans = config_lines::find(*f, current, self);
                    if !spans.is_empty() {
                        let mut replaced = String::with_capacity(current.len());
                        let mut at = 0;
                        for r in spans {
                            replaced.push_str(&current[at..r.start]);
                            replaced.push_str(&with(&p.name, &current[r.clone()]));
                            at = r.end;
                        }
                        replaced.push_str(&current[at..]);
                        out = Some(replaced);
                    }
                    continue;
                }
            };
            if !re.is_match(current) {
                continue;
            }
            let replaced = re.replace_all(current, |c: &regex::Captures| {
                let whole = &c[0];
                match c.get(0).zip(value_group(re, c)) {
                    Some((_, v)) if self.not_value(v.as_str()) => whole.to_string(),
                    Some((m, v)) => format!(
                        "{}{}{}",
                        &whole[..v.start() - m.start()],
                        with(&p.name, v.as_str()),
                        &whole[v.end() - m.start()..]
                    ),
                    None => with(&p.name, whole),
                }
            });
            if replaced != current {
                out = Some(replaced.into_owned());
            }
        }
        out
    }

    /// Whether a setting's key names a credential, for the settings a reader reads from a
    /// file ([`config_lines`]): a name [`credential_name`] takes for one whose last word, or
    /// last two words joined, is one of `setting_names.endings` or ends in a credential word
    /// (`PGPASSWORD`), with none of `setting_names.not_words` (`max_token`). Stricter than a
    /// variable's name: `password_encryption` and `auth` are settings about credentials.
    pub(crate) fn setting_name(&self, key: &str) -> bool {
        // Each way of ending in one of them ends the key's letters and digits with it: most
        // keys are left here, before they are split into words.
        if !self
            .setting_endings
            .iter()
            .any(|e| letters_end_with(key, e))
        {
            return false;
        }
        let p = parts(key);
        let Some(last) = p.last() else {
            return false;
        };
        let pair = (p.len() >= 2).then(|| format!("{}{}", p[p.len() - 2], last));
        let ends = self.setting_endings.iter().any(|e| {
            e == last
                || pair.as_deref() == Some(e.as_str())
                || (CREDENTIAL_ENDINGS.contains(&e.as_str())
                    && last.len() > e.len()
                    && last.ends_with(e.as_str()))
        });
        ends && !p.iter().any(|w| self.setting_not_words.contains(w)) && credential_name(key)
    }

    /// Whether a setting's value, read from a file, is a literal credential: four characters
    /// or more (three with a digit or symbol), not one of [`Settings::not_values`], no
    /// reference (`${…}`, `{{…}}`, `$(…)`, `#{…}`, `@…@`, `__…__`), path, URL without a
    /// password, YAML syntax (`*alias`, `!tag`, `|`) or sentence (`optional; leave empty.`);
    /// unquoted (`quoted` false), no code either (`os.getenv("X")`).
    pub(crate) fn literal(&self, value: &str, quoted: bool) -> bool {
        let v = value.trim();
        let n = v.chars().count();
        let short_symbolic = n == 3 && v.bytes().any(|c| !c.is_ascii_alphabetic());
        (n >= 4 || short_symbolic) && self.literal_text(v) && (quoted || !v.contains('('))
    }

    /// [`Settings::literal`] of any length, as an XML element's text or attribute is read:
    /// the element or attribute says it is a value (`<password>abc</password>`).
    pub(crate) fn literal_text(&self, value: &str) -> bool {
        let v = value.trim();
        let reference = ["${", "{{", "$(", "#{", "%("].iter().any(|r| v.contains(r))
            || (v.len() > 2 && v.starts_with('@') && v.ends_with('@'))
            || (v.len() > 4 && v.starts_with("__") && v.ends_with("__"));
        let syntax = v.starts_with([
            '$', '<', '{', '%', '/', '*', '&', '!', '[', '(', '~', '|', '>', '#',
        ]) || v.starts_with("./")
            || v.starts_with("../");
        let url = v.split_once("://").is_some_and(|(scheme, rest)| {
            !scheme.is_empty()
                && scheme
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'.' | b'-'))
                && !rest.split('/').next().unwrap_or_default().contains('@')
        });
        let words = v.split_whitespace().count();
        let prose = words > 1 && (v.contains("; ") || v.ends_with(['.', '?']) || words > 6);
        !(reference || syntax || url || prose) && could_be_credential(v) && !self.not_value(v)
    }

    /// Whether a value a tool's own format gives as a password (`.netrc`, `.pgpass`, an
    /// option's value) could be one: not empty, a reference, a path or one of
    /// [`Settings::not_values`].
    pub(crate) fn plain(&self, value: &str) -> bool {
        !value.is_empty()
            && !value.starts_with(['$', '<', '{', '/'])
            && could_be_credential(value)
            && !self.not_value(value)
    }
}

/// Whether the letters and digits of `key`, in lower case, end with `ending` (`DbPassword`,
/// `db.password` and `DB_PASSWORD` end with `password`).
fn letters_end_with(key: &str, ending: &str) -> bool {
    let mut letters = key
        .bytes()
        .rev()
        .filter(u8::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase());
    ending.bytes().rev().all(|e| letters.next() == Some(e))
}

/// Whether a capture group holds a pattern's value: `value`, or a name starting with it
/// (`value_dq`, `value_sq`), as Rust's `regex` refuses one name for two alternatives.
fn is_value_group(name: &str) -> bool {
    name.starts_with("value")
}

/// The value a match captured: its first value group (see [`is_value_group`]) that took part.
fn value_group<'t>(re: &regex::Regex, c: &regex::Captures<'t>) -> Option<regex::Match<'t>> {
    re.capture_names()
        .flatten()
        .filter(|n| is_value_group(n))
        .find_map(|n| c.name(n))
}

/// The value patterns collection redacts with: the first catalog loaded in this process
/// (registered by [`crate::catalog::load`]), or the embedded catalog's.
static FOR_REDACTION: std::sync::OnceLock<Settings> = std::sync::OnceLock::new();

/// Makes a loaded catalog's value patterns the ones redaction applies (the first one wins:
/// a process loads one catalog).
pub fn register_for_redaction(settings: &Settings) {
    let _ = FOR_REDACTION.set(settings.clone());
}

/// The value patterns [`crate::secrets`] redacts with (see [`register_for_redaction`]).
pub(crate) fn redaction_patterns() -> &'static Settings {
    FOR_REDACTION.get_or_init(crate::catalog::embedded_credentials)
}

/// Why a name/value pair is taken for a credential: its name, or a value pattern (also one
/// matched, and the value replaced, when the object was collected).
fn credential_reason(settings: &Settings, name: &str, value: &str) -> Option<String> {
    value_reason(settings, value).or_else(|| {
        credential_by_name(name, value).then(|| "name looks like a credential".to_string())
    })
}

/// Why a value is taken for a credential by its value alone (a pattern matched).
fn value_reason(settings: &Settings, value: &str) -> Option<String> {
    if let Some(p) = crate::secrets::redacted_match(value) {
        return Some(format!("value matches {p}"));
    }
    settings
        .value_pattern(value)
        .map(|p| format!("value matches {p}"))
}

/// The prefixes (as [`parts`]) of names ending in `secret name` (`api-token-secret-name`,
/// `tokenSecretName`): settings that name the Secret holding a credential.
pub(crate) fn secret_name_prefixes<'a>(
    names: impl Iterator<Item = &'a str>,
) -> BTreeSet<Vec<String>> {
    names
        // Most names hold no `secret`: skip splitting them (this runs for every variable).
        .filter(|n| {
            n.as_bytes()
                .windows(6)
                .any(|w| w.eq_ignore_ascii_case(b"secret"))
        })
        .filter_map(|n| {
            let mut p = parts(n);
            let k = p.len();
            (k >= 2 && p[k - 2] == "secret" && p[k - 1] == "name").then(|| {
                p.truncate(k - 2);
                p
            })
        })
        .collect()
}

/// Whether a name ending in `secret key` (`api-token-secret-key`) sits beside a
/// `…-secret-name` of the same prefix: it names the key inside that Secret, not a secret
/// key (Tekton's resolver settings, external-secrets style references).
pub(crate) fn names_key_of_named_secret(
    name: &str,
    value: &str,
    prefixes: &BTreeSet<Vec<String>>,
) -> bool {
    if prefixes.is_empty() {
        return false;
    }
    let mut p = parts(name);
    let k = p.len();
    // Without a prefix it is `SECRET_KEY` itself (Django's), a credential.
    if k < 3 || p[k - 2] != "secret" || p[k - 1] != "key" {
        return false;
    }
    p.truncate(k - 2);
    // A key of a Secret's data: alphanumerics, `-`, `_` and `.`, at most 253 characters.
    let key_name = !value.is_empty()
        && value.len() <= 253
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    key_name && prefixes.contains(&p)
}

/// The text a `binaryData` value (base64) holds, when it decodes to UTF-8 text.
pub fn binary_text(value: &str) -> Option<String> {
    let compact: String = value.split_whitespace().collect();
    let bytes = data_encoding::BASE64.decode(compact.as_bytes()).ok()?;
    String::from_utf8(bytes).ok()
}

/// Whether a name/value pair is taken for a credential by its name: the name looks like a
/// credential and the value is one line that could be one. A multi-line value (a whole
/// configuration file) is judged by the value patterns only. Also used by
/// [`crate::secrets`], so what is judged this way is what is redacted.
pub fn credential_by_name(name: &str, value: &str) -> bool {
    one_line(value).is_some_and(|v| could_be_credential(v) && credential_name_for(name, v))
}

/// [`credential_name`], and a name ending in `namespace` whose value cannot be a
/// namespace's name: `DB_PASSWORD_NAMESPACE` names where a Secret lives only when its value
/// is a DNS-1123 label.
pub fn credential_name_for(name: &str, value: &str) -> bool {
    if credential_name(name) {
        return true;
    }
    let words = parts(name);
    match words.split_last() {
        Some((last, rest)) if last == "namespace" && !rest.is_empty() => {
            !dns_label(value.trim_end_matches(['\n', '\r'])) && credential_name(&rest.join("_"))
        }
        _ => false,
    }
}

/// Whether a value can be a namespace's name: a DNS-1123 label (lower-case letters, digits
/// and `-`, starting and ending with a letter or digit, at most 63 characters).
fn dns_label(v: &str) -> bool {
    v.len() <= 63
        && v.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !v.starts_with('-')
        && !v.ends_with('-')
        && !v.is_empty()
}

/// The value without its final line breaks, when that leaves one line: a YAML block scalar
/// (`password: |` then `hunter2`) holds `hunter2` and a newline, still a one-line value.
/// `None` when lines remain (a file).
pub fn one_line(value: &str) -> Option<&str> {
    let v = value.trim_end_matches(['\n', '\r']);
    (!v.contains(['\n', '\r'])).then_some(v)
}

/// Words (after splitting on `_`, `-`, `.`, `/` and case changes) that mark a credential.
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
    "passphrase",
    "creds",
    "secretid",
];

/// Words that name a credential only as the last word: `JWT`, `SERVICE_JWT` hold a token,
/// while `JWT_ISSUER` or `JWT_ALGORITHM` configure how tokens are checked; RabbitMQ's
/// `RABBITMQ_ERLANG_COOKIE` is the cluster's shared secret, `SESSION_COOKIE_SECURE` a flag.
const CREDENTIAL_LAST_WORDS: &[&str] = &["jwt", "cookie"];

/// Credential words that also mark a credential as the ending of a single word:
/// `PGPASSWORD` (libpq's password variable), `HTPASSWD`, `APITOKEN`, `JWTSECRET`. Not
/// `pass`, `pwd` or `auth`, which end ordinary words and names: bypass, compass; `OLDPWD`
/// (a directory); oauth.
const CREDENTIAL_ENDINGS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "credential",
    "credentials",
    "privatekey",
    "secretkey",
];

/// Last words that mean the variable names, locates or configures a credential rather than
/// holds it.
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
    "type",
    "scheme",
    "method",
    "provider",
    "strategy",
    "realm",
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
    "namespace",
    // Settings that qualify a credential scheme and never hold one: `GF_AUTH_ANONYMOUS_ORG_ROLE`
    // (a role name), `AUTH_HOST`, `SECRET_STORE_BACKEND`, `TOKEN_REVIEW_GROUP`. Not `addr` or
    // `source`: `REDIS_AUTH_ADDR` may hold `user:pw@host`.
    "role",
    "roles",
    "scope",
    "scopes",
    "host",
    "hostname",
    "port",
    "server",
    "address",
    "domain",
    "backend",
    "group",
    "groups",
    "format",
    "version",
    "interval",
    "period",
    // The backend that stores a credential (`SECRET_STORE=vault`), the text that asks for it
    // (`PASSWORD_PROMPT`). A header's name is [`header_name`].
    "store",
    "prompt",
];

/// Splits a name into lowercase words, on `_`, `-`, `.`, `/` and a lower-case letter or
/// digit followed by an upper-case one: `dbPassword_FILE` and `DB_PASSWORD_FILE` both give
/// db, password, file.
fn parts(name: &str) -> Vec<String> {
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
    parts
}

/// The [`parts`] of a name, then adjacent pairs joined (`API_KEY` → api, key, apikey).
fn words(parts: &[String]) -> Vec<String> {
    let pairs = parts.windows(2).map(|w| format!("{}{}", w[0], w[1]));
    parts.iter().cloned().chain(pairs).collect()
}

/// Words before a final `key` that make it something other than a secret key
/// (`PUBLIC_KEY`, `CACHE_KEY`, `SORT_KEY`).
const NOT_SECRET_KEY_WORDS: &[&str] = &[
    "public",
    "pub",
    "cache",
    "sort",
    "partition",
    "primary",
    "foreign",
    "routing",
    "label",
    "lookup",
    "map",
    "index",
    "idempotency",
    "hotkey",
    "shortcut",
    "sharding",
    "shard",
];

/// Whether a name ends in a key (`_KEY`, `-key`, `.key`, `signingKey`, `KEY_CONTENT`) that
/// holds key material, not a public key, an id or a path to one.
fn secret_key_name(w: &[String], parts: &[String]) -> bool {
    let n = parts.len();
    let ends_key = n >= 2 && parts[n - 1] == "key"
        || n >= 2 && parts[n - 2] == "key" && parts[n - 1] == "content";
    let before = if n >= 2 && parts[n - 1] == "content" {
        n.checked_sub(3)
    } else {
        n.checked_sub(2)
    };
    let exempt = before
        .and_then(|i| parts.get(i))
        .is_some_and(|b| NOT_SECRET_KEY_WORDS.contains(&b.as_str()))
        || w.iter().any(|x| x == "publickey");
    ends_key && !exempt
}

/// Whether a variable or key name looks like it holds a credential: a credential word as a
/// word of the name (`DB_PASSWORD`, `dbPassword`), as the ending of one (`PGPASSWORD`), or a
/// final secret `key`; unless the last word says it names, locates or configures one
/// (`DB_PASSWORD_FILE`, `passwordMinLength`, `tokenTtl`). camelCase and snake_case names
/// are read the same way.
pub fn credential_name(name: &str) -> bool {
    let parts = parts(name);
    let w = words(&parts);
    let hit = w.iter().any(|x| CREDENTIAL_WORDS.contains(&x.as_str()))
        || parts.iter().any(|p| {
            CREDENTIAL_ENDINGS
                .iter()
                .any(|e| p.len() > e.len() && p.ends_with(e))
        })
        || secret_key_name(&w, &parts)
        || parts.ends_with(&["authorization".to_string(), "header".to_string()])
        || parts
            .last()
            .is_some_and(|last| CREDENTIAL_LAST_WORDS.contains(&last.as_str()));
    // The last word decides what the variable is: `DB_PASSWORD_FILE` is a file. Not an `id`
    // after `secret` or `token`: Vault's AppRole `SECRET_ID` logs in, and the vault image's
    // `VAULT_DEV_ROOT_TOKEN_ID` is the root token itself.
    let secret_id = parts.len() >= 2
        && parts[parts.len() - 1] == "id"
        && matches!(parts[parts.len() - 2].as_str(), "secret" | "token");
    let describes = !secret_id
        && (parts
            .last()
            .is_some_and(|last| NOT_A_VALUE_WORDS.contains(&last.as_str()))
            || header_name(&parts)
            || w.iter().any(|x| x == "secretname" || x == "tokenurl"));
    hit && !describes
}

/// Whether a name is that of the header that carries a key or a token
/// (`API_KEY_HEADER=X-Api-Key`, `AUTH_TOKEN_HEADER=Authorization`, `TOKEN_HEADER`), not the
/// header's content: `AUTH_HEADER` and `AUTHORIZATION_HEADER` hold `Bearer …` or a bare key
/// more often than a header's name, and stay credentials (review recheck R6).
fn header_name(parts: &[String]) -> bool {
    match parts {
        [.., before, last] if last == "header" || last == "headers" => {
            matches!(before.as_str(), "key" | "apikey" | "token")
        }
        _ => false,
    }
}

/// What recognised a credential passed on a command line, in words, or `None`. The
/// inventory's command lines are already redacted ([`crate::secrets`]): what the redaction
/// replaced is read back from its marks, never from the value.
fn command_credential(arg: &str) -> Option<String> {
    use crate::secrets::Mark;
    Some(match crate::secrets::mark_in(arg)? {
        Mark::Pattern(p) => format!("value matches {p}"),
        Mark::Named => "a variable named like a credential set to a literal value".into(),
        Mark::Flag => "the value of a password option, secret flag or credential header".into(),
    })
}

/// Whether a value could be a credential (never shown; only used to drop obvious non-values).
/// Also used by [`crate::secrets`] to decide which values never leave the process.
pub fn could_be_credential(value: &str) -> bool {
    let v = value.trim();
    !(v.is_empty()
        || v.starts_with('/')
        || v.starts_with("$(")
        || v.starts_with("${")
        || matches!(
            v.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "none" | "null" | "<redacted>"
        ))
}

fn workload_findings(check: &Check, p: &Params, ctx: &Context, out: &mut Outcome) {
    let settings = &ctx.catalog.credentials;
    for (w, containers) in ctx.workloads() {
        let obj = w.object;
        let mut obs = Vec::new();
        for c in containers {
            // The command-line requirement reads no variable.
            let env = c
                .value
                .get("env")
                .and_then(Doc::as_array)
                .filter(|_| p.require != Require::LiteralCommand);
            let secret_names = secret_name_prefixes(
                env.into_iter()
                    .flatten()
                    .filter_map(|e| e.get("name").and_then(Doc::as_str)),
            );
            for (i, e) in env.into_iter().flatten().enumerate() {
                let name = e.get("name").and_then(Doc::as_str).unwrap_or("?");
                // Written only for what is recorded: most variables are not.
                let path = || format!("{}.env[{i}]", c.path);
                match p.require {
                    Require::SecretEnv => {
                        if let Some(r) = e.at("/valueFrom/secretKeyRef") {
                            // The line of the reference itself, not of the entry's `- name:`.
                            let path = format!("{}.valueFrom.secretKeyRef", path());
                            obs.push(Observation {
                                source: evidence::source(obj, &path),
                                path,
                                observed: json!({"env": name, "secret": r.get("name"), "key": r.get("key")}),
                                expected: "Secret mounted as a file, not an env var".into(),
                                holds: false,
                                note: Some(format!("{} {}", c.role, c.name)),
                            });
                        }
                    }
                    Require::LiteralEnv => {
                        let literal = e.get("value").and_then(Doc::as_str);
                        let reference = literal
                            .is_some_and(|v| names_key_of_named_secret(name, v, &secret_names));
                        if let Some(why) = literal.and_then(|v| {
                            if reference {
                                value_reason(settings, v)
                            } else {
                                credential_reason(settings, name, v)
                            }
                        }) {
                            let path = format!("{}.value", path());
                            obs.push(Observation {
                                source: evidence::source(obj, &path),
                                path,
                                observed: json!({"env": name, "value": "<not shown>", "recognised_by": why}),
                                expected: "credentials from a Secret (valueFrom or a mounted file), not a literal value".into(),
                                holds: false,
                                note: Some(format!("{} {}", c.role, c.name)),
                            });
                        }
                    }
                    Require::ConfigmapKeys
                    | Require::ServiceAccountToken
                    | Require::LiteralCommand => {}
                }
            }
            if p.require == Require::LiteralCommand {
                for key in ["command", "args"] {
                    let items = c.value.get(key).and_then(Doc::as_array);
                    for (i, item) in items.into_iter().flatten().enumerate() {
                        let Some(why) = item.as_str().and_then(command_credential) else {
                            continue;
                        };
                        let path = format!("{}.{key}[{i}]", c.path);
                        obs.push(Observation {
                            source: evidence::source(obj, &path),
                            path,
                            observed: json!({"argument": format!("{key}[{i}]"), "value": "<not shown>", "recognised_by": why}),
                            expected: "credentials from a Secret (a mounted file, or $(VAR) from valueFrom), not written on the command line".into(),
                            holds: false,
                            note: Some(format!("{} {}", c.role, c.name)),
                        });
                    }
                }
            }
            if p.require == Require::SecretEnv {
                let env_from = c.value.get("envFrom").and_then(Doc::as_array);
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
                ctx.pass_message(|| format!("{}: nothing found", subject.display())),
            )
        } else {
            let names: BTreeSet<String> = obs
                .iter()
                .filter_map(|o| {
                    let name = o
                        .observed
                        .get("env")
                        .or_else(|| o.observed.get("secret"))
                        .or_else(|| o.observed.get("argument"))
                        .and_then(Value::as_str)?;
                    Some(
                        match o.observed.get("recognised_by").and_then(Value::as_str) {
                            Some(why) => format!("{name} ({why})"),
                            None => name.to_string(),
                        },
                    )
                })
                .collect();
            let what = match p.require {
                Require::SecretEnv => "Secrets passed as environment variables",
                Require::LiteralCommand => "credentials written on the command line",
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

fn configmap_findings(check: &Check, p: &Params, ctx: &Context, out: &mut Outcome) {
    let settings = &ctx.catalog.credentials;
    for cm in ctx.inventory.of_kind("ConfigMap") {
        let mut obs = Vec::new();
        // `binaryData` holds base64: judged decoded when it decodes to text, else by its
        // key's name alone (a ConfigMap is no more secret for holding bytes).
        let fields = ["data", "binaryData"]
            .into_iter()
            .filter_map(|field| Some((field, cm.value.get(field).and_then(Doc::as_object)?)));
        for (field, data) in fields {
            let secret_names = secret_name_prefixes(data.iter().map(|(k, _)| k));
            for (k, v) in data {
                let val = v.as_str().unwrap_or_default();
                let why = if names_key_of_named_secret(k, val, &secret_names) {
                    value_reason(settings, val)
                } else if field == "binaryData" {
                    match binary_text(val) {
                        Some(text) => credential_reason(settings, k, &text),
                        // Bytes, or already redacted on the way in.
                        None => credential_reason(settings, k, val).or_else(|| {
                            credential_name(k).then(|| "name looks like a credential".to_string())
                        }),
                    }
                } else {
                    // Whole config files (multi-line) are judged by value patterns only.
                    credential_reason(settings, k, val)
                };
                if let Some(why) = why {
                    // As every path is written (`data.api_token`, `data["app.key"]`), so
                    // its line is found.
                    let path = crate::checks::path::join(field, k);
                    obs.push(Observation {
                        source: evidence::source(cm, &path),
                        path,
                        observed: json!({"key": k, "value": "<not shown>", "recognised_by": why}),
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
                ctx.pass_message(|| format!("{}: no credential-looking key", subject.display())),
            )
        } else {
            let keys: Vec<String> = obs
                .iter()
                .filter_map(|o| {
                    let key = o.observed.get("key").and_then(Value::as_str)?;
                    let why = o
                        .observed
                        .get("recognised_by")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    Some(format!("{key} ({why})"))
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

fn token_findings(check: &Check, p: &Params, ctx: &Context, out: &mut Outcome) {
    let inv = ctx.inventory;
    for (w, containers) in ctx.workloads() {
        let obj = w.object;
        // The ServiceAccount admission plugin leaves mirror pods alone and a static pod may not
        // name a ServiceAccount: no token is ever mounted.
        if let Some(why) = w.static_pod() {
            let subject = evidence::subject(obj);
            let message = format!(
                "{}: {why}; static pods get no service account token",
                subject.display()
            );
            out.findings.push(evidence::finding(
                check,
                Status::NotApplicable,
                subject,
                Vec::new(),
                message,
            ));
            continue;
        }
        let ns = obj.namespace.clone().unwrap_or_else(|| "default".into());
        let sa_name = w.service_account().to_string();
        let sa = inv.find("ServiceAccount", Some(ns.as_str()), &sa_name);
        let pod_value = w
            .pod
            .get("automountServiceAccountToken")
            .and_then(Doc::as_bool);
        let sa_value = sa.and_then(|s| {
            s.value
                .get("automountServiceAccountToken")
                .and_then(Doc::as_bool)
        });
        let subject = evidence::subject(obj);
        // A named ServiceAccount missing from manifests may well turn automounting off: its
        // setting is unknown, not "unset". (The `default` ServiceAccount that every namespace
        // gets sets nothing; a live cluster listing that lacks the account is complete.)
        let unknown_account = pod_value.is_none()
            && sa.is_none()
            && sa_name != "default"
            && !crate::checks::absence_is_known(inv);
        // The account given without a namespace, turning automounting off: it lands in the
        // workload's namespace only if applied there, which the input does not say.
        let unplaced_account = (pod_value.is_none() && sa.is_none())
            .then(|| {
                inv.of_kind("ServiceAccount").find(|s| {
                    s.name == sa_name
                        && s.namespace
                            .as_deref()
                            .is_none_or(|n| n == crate::inventory::UNSET_NAMESPACE)
                        && s.value
                            .get("automountServiceAccountToken")
                            .and_then(Doc::as_bool)
                            == Some(false)
                })
            })
            .flatten()
            .filter(|_| obj.namespace.is_some());
        let automounted = pod_value.or(sa_value).unwrap_or(true);
        let legacy = legacy_token_uses(w, containers, inv, &ns);
        let mounted = automounted || !legacy.is_empty();
        if !mounted && !unknown_account && !ctx.pass_evidence() {
            out.findings.push(evidence::compact_pass(check, subject));
            continue;
        }
        let pod_path = format!("{}.automountServiceAccountToken", w.pod_path);
        // Where `mounted` was decided: the pod's field, else its ServiceAccount's, else the
        // default. `path` stays a field path; where it is not the pod's, the note says whose.
        let (source, decided, note) = match (pod_value, sa_value) {
            (Some(_), _) => (evidence::source(obj, &pod_path), pod_path.clone(), None),
            (None, Some(_)) => (
                sa.map_or_else(String::new, |s| {
                    evidence::source(s, "automountServiceAccountToken")
                }),
                "automountServiceAccountToken".to_string(),
                Some(format!(
                    "set on ServiceAccount {ns}/{sa_name}, not on the pod"
                )),
            ),
            (None, None) => (
                evidence::source(obj, w.pod_path),
                pod_path.clone(),
                Some(format!(
                    "not set on the pod nor on ServiceAccount {ns}/{sa_name}: defaults to true"
                )),
            ),
        };
        let mut obs = vec![Observation {
            source,
            path: decided,
            observed: json!({"automount": automounted, "service_account": sa_name, "pod": pod_value, "service_account_setting": sa_value}),
            expected: "false unless the workload calls the Kubernetes API".into(),
            holds: !automounted,
            note,
        }];
        for (path, secret, _) in &legacy {
            obs.push(Observation {
                source: evidence::source(obj, path),
                path: path.clone(),
                observed: json!({"secret": secret, "type": LEGACY_TOKEN_TYPE}),
                expected: "no long-lived service account token Secret in the containers".into(),
                holds: false,
                note: Some(
                    "a token Secret never expires, unlike the projected token the kubelet rotates"
                        .into(),
                ),
            });
        }
        let (status, message) = if let Some(a) = unplaced_account.filter(|_| legacy.is_empty()) {
            obs.push(Observation {
                source: a.origin.describe(),
                path: "metadata.namespace".into(),
                observed: json!({"service_account": sa_name, "namespace": null}),
                expected: format!("ServiceAccount {ns}/{sa_name}"),
                holds: false,
                note: Some("turns automounting off, but names no namespace".into()),
            });
            (
                Status::Manual,
                format!(
                    "{}: ServiceAccount {sa_name} is in the input without a namespace and turns token automounting off; it is this workload's account only if applied to namespace {ns}, which the input does not say: confirm it, or give it metadata.namespace",
                    subject.display()
                ),
            )
        } else if unknown_account {
            (
                Status::Error,
                format!(
                    "{}: ServiceAccount {ns}/{sa_name} is not in the input, so whether it turns token automounting off is unknown; include it or set automountServiceAccountToken on the pod",
                    subject.display()
                ),
            )
        } else if automounted {
            (
                p.on_fail,
                format!(
                    "{}: the token of ServiceAccount {sa_name} is mounted{}",
                    subject.display(),
                    if pod_value.is_none() && sa.is_none() {
                        " (the account is not in the input: judged as Kubernetes creates it, which does not turn automounting off)"
                    } else {
                        ""
                    }
                ),
            )
        } else if let Some((_, secret, how)) = legacy.first() {
            (
                p.on_fail,
                format!(
                    "{}: the long-lived service account token Secret {ns}/{secret} is given to the containers {how}",
                    subject.display()
                ),
            )
        } else {
            (
                Status::Pass,
                format!(
                    "{}: the service account token is not automounted{}",
                    subject.display(),
                    match projected_token_volume(w) {
                        Some(volume) => format!(
                            "; volume {volume} mounts a projected token explicitly (it expires and is rotated; not judged)"
                        ),
                        None => String::new(),
                    }
                ),
            )
        };
        out.findings
            .push(evidence::finding(check, status, subject, obs, message));
    }
}

/// The name of the first volume that projects a service account token (`projected.sources[]
/// .serviceAccountToken`): a token the pod asks for explicitly, which automounting off
/// does not remove.
fn projected_token_volume<'a>(w: &crate::checks::workload::Workload<'a>) -> Option<&'a str> {
    w.pod
        .get("volumes")
        .and_then(Doc::as_array)?
        .iter()
        .find(|v| {
            v.at("/projected/sources")
                .and_then(Doc::as_array)
                .is_some_and(|s| s.iter().any(|src| src.get("serviceAccountToken").is_some()))
        })
        .map(|v| v.get("name").and_then(Doc::as_str).unwrap_or("(unnamed)"))
}

/// The type of the legacy, long-lived service account token Secret.
const LEGACY_TOKEN_TYPE: &str = "kubernetes.io/service-account-token";

/// Where the pod hands a legacy token Secret of its namespace ([`LEGACY_TOKEN_TYPE`], in the
/// input) to its containers: a `secret` volume, a projected `secret` source, an
/// `env[].valueFrom.secretKeyRef` or an `envFrom[].secretRef`: (path, Secret name, how).
fn legacy_token_uses(
    w: &crate::checks::workload::Workload,
    containers: &[crate::checks::workload::Container],
    inv: &crate::inventory::Inventory,
    ns: &str,
) -> Vec<(String, String, &'static str)> {
    let is_token = |name: &str| {
        inv.find("Secret", Some(ns), name)
            .is_some_and(|s| s.value.get("type").and_then(Doc::as_str) == Some(LEGACY_TOKEN_TYPE))
    };
    let mut out = Vec::new();
    let mut found = |path: String, name: Option<&str>, how: &'static str| {
        if let Some(name) = name.filter(|n| is_token(n)) {
            out.push((path, name.to_string(), how));
        }
    };
    let volumes = w
        .pod
        .get("volumes")
        .and_then(Doc::as_array)
        .into_iter()
        .flatten();
    for (i, v) in volumes.enumerate() {
        let base = format!("{}.volumes[{i}]", w.pod_path);
        found(
            format!("{base}.secret.secretName"),
            v.at("/secret/secretName").and_then(Doc::as_str),
            "as a volume",
        );
        let sources = v
            .at("/projected/sources")
            .and_then(Doc::as_array)
            .into_iter()
            .flatten();
        for (j, src) in sources.enumerate() {
            found(
                format!("{base}.projected.sources[{j}].secret.name"),
                src.at("/secret/name").and_then(Doc::as_str),
                "as a volume",
            );
        }
    }
    // A token read into an environment variable is as long-lived and as usable as a mounted one.
    for c in containers {
        let env = c.value.get("env").and_then(Doc::as_array);
        for (i, e) in env.into_iter().flatten().enumerate() {
            found(
                format!("{}.env[{i}].valueFrom.secretKeyRef.name", c.path),
                e.at("/valueFrom/secretKeyRef/name").and_then(Doc::as_str),
                "as an environment variable",
            );
        }
        let env_from = c.value.get("envFrom").and_then(Doc::as_array);
        for (i, e) in env_from.into_iter().flatten().enumerate() {
            found(
                format!("{}.envFrom[{i}].secretRef.name", c.path),
                e.at("/secretRef/name").and_then(Doc::as_str),
                "as environment variables",
            );
        }
    }
    out
}

/// Evaluates the assertion over the inventory.
pub fn evaluate(check: &Check, p: &Params, ctx: &Context) -> Outcome {
    let mut out = Outcome::default();
    let inv = ctx.inventory;
    match p.require {
        Require::SecretEnv | Require::LiteralEnv | Require::LiteralCommand => {
            evidence::kinds_not_collected(check, inv, WORKLOAD_KINDS, &mut out);
            workload_findings(check, p, ctx, &mut out);
            if ctx.workloads().is_empty() {
                out.empty_reason = "no workloads in the inventory".into();
            }
        }
        Require::ServiceAccountToken => {
            evidence::kinds_not_collected(check, inv, WORKLOAD_KINDS, &mut out);
            evidence::kinds_not_collected(check, inv, &["ServiceAccount"], &mut out);
            token_findings(check, p, ctx, &mut out);
            if ctx.workloads().is_empty() {
                out.empty_reason = "no workloads in the inventory".into();
            }
        }
        Require::ConfigmapKeys => {
            evidence::kinds_not_collected(check, inv, &["ConfigMap"], &mut out);
            configmap_findings(check, p, ctx, &mut out);
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
            "PASSPHRASE",
            "GPG_PASSPHRASE",
            "JWT",
            "SERVICE_JWT",
            "CREDS",
            "aws_creds",
        ] {
            assert!(credential_name(n), "{n} should look like a credential");
        }
    }

    #[test]
    fn credential_words_ending_a_single_word() {
        for n in [
            "PGPASSWORD",
            "HTPASSWD",
            "APITOKEN",
            "APIToken",
            "JWTSECRET",
            "GPGPASSPHRASE",
            "DBPassword",
            "mysqlRootPassword",
            "AWSCREDENTIALS",
        ] {
            assert!(credential_name(n), "{n} should look like a credential");
        }
        // Not `pass`, `pwd` or `auth`: they end ordinary words and names.
        for n in [
            "BYPASS",
            "COMPASS",
            "OLDPWD",
            "OAUTH",
            "PGPASSFILE",
            "HTPASSWD_FILE",
            "JWT_ISSUER",
            "JWT_ALGORITHM",
            "PASSPHRASE_FILE",
        ] {
            assert!(!credential_name(n), "{n} should not look like a credential");
        }
    }

    #[test]
    fn camel_case_and_snake_case_read_the_same() {
        for (snake, camel) in [
            ("PASSWORD_MIN_LENGTH", "passwordMinLength"),
            ("TOKEN_TTL", "tokenTtl"),
            ("TOKEN_TTL", "tokenTTL"),
            ("AUTH_PROVIDER", "authProvider"),
            ("PASSWORD_FILE", "passwordFile"),
            ("DB_PASSWORD", "dbPassword"),
            ("SIGNING_KEY", "signingKey"),
            ("CACHE_KEY", "cacheKey"),
            ("SIGNING_KEY_ID", "signingKeyId"),
        ] {
            assert_eq!(
                credential_name(snake),
                credential_name(camel),
                "{snake} / {camel}"
            );
        }
        assert!(!credential_name("passwordMinLength"));
        assert!(credential_name("signingKey"));
    }

    #[test]
    fn a_one_line_value_may_end_in_a_newline() {
        assert_eq!(one_line("hunter2\n"), Some("hunter2"));
        assert_eq!(one_line("hunter2\r\n\n"), Some("hunter2"));
        assert_eq!(one_line("hunter2"), Some("hunter2"));
        assert_eq!(one_line("a\nb\n"), None);
        assert!(credential_by_name("password", "hunter2\n"));
        // Where a Secret lives is no credential; a value no namespace can be named is.
        assert!(!credential_by_name(
            "API_TOKEN_SECRET_NAMESPACE",
            "tekton-pipelines"
        ));
        assert!(credential_by_name(
            "DB_PASSWORD_NAMESPACE",
            "hunter2-Sup3rS3cret"
        ));
        assert!(!credential_by_name("RELEASE_NAMESPACE", "Not A Label!"));
        let named = secret_name_prefixes(["api-token-secret-name", "secret-name"].into_iter());
        assert!(names_key_of_named_secret(
            "api-token-secret-key",
            "token",
            &named
        ));
        assert!(!names_key_of_named_secret(
            "api-token-secret-key",
            "xK9#mP2vL5@nQ8",
            &named
        ));
        // `SECRET_KEY` beside `SECRET_NAME` is still Django's secret key.
        assert!(!names_key_of_named_secret("secret-key", "token", &named));
        assert!(!credential_by_name("password", "user=a\npassword=b\n"));
        assert!(!credential_by_name("password", "\n"));
        assert!(!credential_by_name("password", "/etc/pw\n"));
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
    fn key_names_hold_key_material_unless_public_or_ids() {
        for n in [
            "STRIPE_KEY",
            "tls-key",
            "signing.key",
            "SSH_KEY_CONTENT",
            "SERVICE_TOKEN",
            "APP_SECRET",
            "DB_PASSWD",
            "DB_PWD",
            "REDIS_AUTH_ADDR",
            "VAULT_SECRET_ID",
            "APPROLE_SECRET_ID",
            "VAULT_DEV_ROOT_TOKEN_ID",
            "RABBITMQ_ERLANG_COOKIE",
            "SECRETID",
        ] {
            assert!(credential_name(n), "{n} should look like a credential");
        }
        for n in [
            "SSH_PUBLIC_KEY",
            "AWS_ACCESS_KEY_ID",
            "SIGNING_KEY_ID",
            "TLS_KEY_PATH",
            "TLS_KEY_FILE",
            "CACHE_KEY",
            "KEY",
            "VAULT_ROLE_ID",
            "GF_AUTH_ANONYMOUS_ORG_ROLE",
            "AUTH_HOST",
            "SECRET_STORE_BACKEND",
            "AUTH_SERVER",
            "TOKEN_SERVER_ADDRESS",
            "AUTHORIZATION_MODE",
            "SESSION_COOKIE_SECURE",
            // A header's name, a store, a prompt (session 33, L6).
            "API_KEY_HEADER",
            "AUTH_TOKEN_HEADER",
            "TOKEN_HEADER",
            "CSRF_TOKEN_HEADERS",
            "SECRET_STORE",
            "PASSWORD_PROMPT",
            "api-key-header",
        ] {
            assert!(!credential_name(n), "{n} should not look like a credential");
        }
    }

    #[test]
    fn a_header_s_content_is_a_credential_but_a_key_or_token_header_s_name_is_not() {
        // Review recheck R6: `AUTH_HEADER` holds `Bearer …` or a bare key.
        for n in [
            "AUTH_HEADER",
            "AUTHORIZATION_HEADER",
            "PROXY_AUTHORIZATION_HEADER",
        ] {
            assert!(credential_name(n), "{n} should look like a credential");
        }
        for n in [
            "API_KEY_HEADER",
            "AUTH_TOKEN_HEADER",
            "TOKEN_HEADER",
            "apiKeyHeader",
        ] {
            assert!(!credential_name(n), "{n} should not look like a credential");
        }
    }

    #[test]
    fn values_that_are_credentials_whatever_the_name() {
        let s = crate::catalog::load(None).expect("catalog").credentials;
        let cases = [
            ("Token 9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b", "authorization-header-value"),
            ("SSWS 00QCjAl4MlV-WPXM0ABcdEfGhIjKlMnOpQrS", "authorization-header-value"),
            ("Splunk 12345678-1234-1234-1234-123456789012", "authorization-header-value"),

            (
                "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----",
                "pem-private-key",
            ),
            ("-----BEGIN PRIVATE KEY-----", "pem-private-key"),
            ("AKIAIOSFODNN7EXAMPLE", "aws-access-key-id"),
            ("ghp_0123456789abcdefghijABCDEFGHIJ012345", "github-token"),
            ("glpat-aB3dE5fG7hJ9kL1mN3pQ", "gitlab-token"),
            ("xoxb-1234567890-abcdefghij", "slack-token"),
            ("sk_live_0123456789abcdefABCD", "stripe-key"),
            (
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
                "jwt",
            ),
            ("Bearer abcdef0123456789", "authorization-header-value"),
            ("Basic dXNlcjpwYXNzd29yZA==", "authorization-header-value"),
            ("postgres://app:s3cr3t@db/app", "url-with-password"),
        ];
        for (value, want) in cases {
            assert_eq!(s.value_pattern(value), Some(want), "{want}");
        }
        for value in [
            "JWT",
            "my_key_value",
            "Bearer",
            "https://example.com/path",
            "postgres://app@db/app",
            "postgres://app:$(DB_PASSWORD)@db/app",
            "postgres://app:${DB_PASSWORD}@db/app",
            "-----BEGIN PUBLIC KEY-----",
            "-----BEGIN CERTIFICATE-----",
            "akia-lowercase",
        ] {
            assert_eq!(s.value_pattern(value), None, "{value}");
        }
        // The reason names the pattern, never the value.
        let why = credential_reason(&s, "DATABASE_URL", "postgres://app:s3cr3t@db/app")
            .expect("credential");
        assert_eq!(why, "value matches url-with-password");
        assert!(!why.contains("s3cr3t"));
    }

    #[test]
    fn credentials_in_config_files_and_longer_values() {
        let s = crate::catalog::load(None).expect("catalog").credentials;
        let kubeconfig = "users:\n- name: ci\n  user:\n    token: zqx301kv\n";
        let key_data = "users:\n- name: a\n  user:\n    client-key-data: LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1J\n";
        let cases = [
            // All-letter literals under credential names (trivy D1, KSV0109).
            ("DB_PASSWORD:supersecret", "credential-assignment-in-file"),
            ("DB_PASSWORD=supersecret", "credential-assignment-in-file"),
            ("DB_HOST=db\nDB_PASSWORD=supersecret\n", "credential-assignment-in-file"),
            ("database:\n  password: changeme\n", "credential-assignment-in-file"),
            ("- password: changeme", "credential-assignment-in-file"),
            ("{password: changeme}", "credential-assignment-in-file"),
            (kubeconfig, "token-setting"),
            (key_data, "kubeconfig-client-key"),
            ("//registry.npmjs.org/:_authToken=npm_abc", "npmrc-auth"),
            ("//nexus/:_auth=Y2k6enF4", "npmrc-auth"),
            ("//nexus/:_password=\"cGFzcw==\"", "npmrc-auth"),
            ("machine github.com\nlogin bot\npassword hunter\n", "netrc-password"),
            ("machine h login u password hunter", "netrc-password"),
            ("db:5432:app:app:hunter2\n", "pgpass-line"),
            ("*:*:*:replicator:hunter\n", "pgpass-line"),
            ("<server><password>hunter</password></server>", "xml-credential-element"),
            ("<clientSecret>\n  abc\n</clientSecret>", "xml-credential-element"),
            ("port 6379\nrequirepass hunter\n", "redis-password-setting"),
            ("masterauth \"hunter\"", "redis-password-setting"),
            ("vault { address = \"https://vault:8200\" }\ntoken = \"hunter\"\n", "token-setting"),
            ("{\"token\": \"hunter\"}", "token-setting"),
            // Credentials inside a longer value (leaks L2).
            ("-Xmx512m -Dspring.datasource.password=hunter9 -Duser.timezone=UTC", "credential-assignment-in-file"),
            ("-Xmx512m -Dspring.datasource.password=hunter -Dx=y", "credential-assignment-in-file"),
            ("DefaultEndpointsProtocol=https;AccountName=a;AccountKey=Q2ZmZjY5==;EndpointSuffix=core.windows.net", "azure-connection-string-key"),
            ("Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=r;SharedAccessKey=abc=", "azure-connection-string-key"),
            ("BlobEndpoint=https://a.blob.core.windows.net/;SharedAccessSignature=sv=2022&sig=abc", "azure-connection-string-key"),
            ("--user admin --pass hunter", "password-option-in-value"),
            ("-v --password=hunter", "password-option-in-value"),
            ("--db-password hunter --port 5432", "password-option-in-value"),
            // Quoted as unquoted: four characters or more (review recheck R1).
            ("password: \"admin\"", "credential-assignment-in-file"),
            ("  \"password\": \"admin\",", "credential-assignment-in-file"),
            ("password: 'admin'", "credential-assignment-in-file"),
            ("db = { password = \"admin\" }", "credential-assignment-in-file"),
            ("export PGPASSWORD=\"admin\"", "credential-assignment-in-file"),
            // A word in capitals is a password; a variable's name has an underscore (R3).
            ("DB_PASSWORD=CHANGEME", "credential-assignment-in-file"),
            ("password: ADMIN", "credential-assignment-in-file"),
            // Symbols without a digit; a closing quote after the value (R2).
            ("password: Pa$$word", "credential-assignment-in-file"),
            ("password: correct.horse", "credential-assignment-in-file"),
            ("password: p&ss", "credential-assignment-in-file"),
            ("password: ab/cd", "credential-assignment-in-file"),
            ("JAVA_OPTS=\"-Xmx1g -Ddb.password=hunter\"", "credential-assignment-in-file"),
            ("JAVA_OPTS='-Xmx1g -Ddb.password=hunter'", "credential-assignment-in-file"),
            ("- \"DB_PASSWORD=supersecret\"", "credential-assignment-in-file"),
            ("- \"DB_PASSWORD=abc1\"", "credential-assignment-in-file"),
            ("environment: [\"DB_PASSWORD=abc1\"]", "credential-assignment-in-file"),
        ];
        for (value, want) in cases {
            assert_eq!(s.value_pattern(value), Some(want), "{value:?}");
        }
        for value in [
            // Settings, switches, placeholders, references, variable names.
            "password: true",
            "password: required",
            "auth_token: disabled",
            "DB_PASSWORD=DB_PASSWORD",
            "password = PASSWORD",
            "password: null",
            "password: ~",
            "password:",
            "password: ${DB_PASSWORD}",
            "password: {{ .Values.password }}",
            "password: <set-me>",
            "password: xxxx",
            "Password: Enter your password",
            "password: |",
            "passwd:         files systemd",
            "password_encryption = scram-sha-256",
            "max_token: 100000",
            "token: https://idp.example.com/oauth/token",
            "token: ~/.config/token",
            "csrf_token: enabled",
            "token: required",
            "//registry.npmjs.org/:_authToken=${NPM_TOKEN}",
            "always-auth=true",
            "machine github.com login bot",
            "12:30:00",
            "00:11:22:33:44:55",
            "<password>${env.REPO_PASSWORD}</password>",
            "<password>{COQLCE6DU6GtcS5P=}</password>",
            "<privateKey>/path/to/private/key</privateKey>",
            "<passphrase>optional; leave empty if not used.</passphrase>",
            "<secretName>db</secretName>",
            "requirepass \"\"",
            "# requirepass foobared",
            "AccountName=acct;EndpointSuffix=core.windows.net",
            "--password-stdin",
            "--pass 2",
            "--password $(DB_PASSWORD)",
            "--token-file /var/run/token",
            "--bypass host",
            "-Dspring.datasource.password=${DB_PASSWORD}",
            // The stop-list applies to quoted values too (review recheck R4).
            "\"password\": \"required\"",
            "\"usePassword\": \"enabled\"",
            "\"api_key\": \"disabled\"",
            "\"password\": \"xxxxxx\"",
            "password: \"PASSWORD\"",
            "password: 'true'",
            "DB_PASSWORD=DB_PASSWORD_VALUE",
            "password: /etc/secret/db",
            "password: ${DB_PASSWORD}",
            "password: $(cat /run/pw)",
            "SECRET_KEY = settings.SECRET_KEY",
            "password: process.env.DB_PASSWORD,",
            "password: config.password",
            "password: \"abc\"",
        ] {
            assert_eq!(s.value_pattern(value), None, "{value:?}");
        }
    }

    #[test]
    fn a_script_keeps_the_key_before_a_pattern_s_value() {
        let s = crate::catalog::load(None).expect("catalog").credentials;
        let out = s.replace_matches("java -Xmx1g -Dapp.password=hunter -jar a.jar", |p, _| {
            format!("<{p}>")
        });
        assert_eq!(
            out.as_deref(),
            Some("java -Xmx1g -Dapp.password=<credential-assignment-in-file> -jar a.jar")
        );
        // A value that is none (`true`) is left as it is.
        assert_eq!(
            s.replace_matches("password: true", |p, _| p.to_string()),
            None
        );
    }

    #[test]
    fn obvious_non_values() {
        assert!(!could_be_credential("/etc/x"));
        assert!(!could_be_credential("$(OTHER)"));
        assert!(!could_be_credential(""));
        assert!(could_be_credential("hunter2"));
    }
}
