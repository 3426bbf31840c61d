//! Credentials a command line hands on: what [`crate::secrets`] replaces in a container's
//! `command` and `args`, given as an array of arguments or as a shell script (`sh -c "…"`).
//!
//! One [`Scanner`] reads the words of a command in order, as the program would: an array
//! element is a word, a script is split into words by [`script_words`]. What a word
//! announces (`--password`, `-H`, `redis-cli -a`) decides how the next one is read.

use crate::checks::credentials::{could_be_credential, credential_name, redaction_patterns};
use crate::collect::node::secret_flag;

/// What replaces a value passed to a secret flag, in an argument array.
const FLAG: &str = "<redacted>";

/// What replaces a value assigned to a credential-named variable, in an argument array.
const CREDENTIAL: &str = super::REDACTED_CREDENTIAL;

/// How a replaced value is written back.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Replacement {
    /// The value of a secret flag, a password option or a credential header.
    Flag,
    /// The value of an assignment to a credential-named variable.
    Credential,
}

impl Replacement {
    /// The text for an argument array (no shell reads it).
    fn plain(self) -> &'static str {
        match self {
            Replacement::Flag => FLAG,
            Replacement::Credential => CREDENTIAL,
        }
    }

    /// The text for a shell script: single-quoted, so the script reads into the same words.
    fn quoted(self) -> &'static str {
        match self {
            Replacement::Flag => "'<redacted>'",
            Replacement::Credential => "'<redacted credential>'",
        }
    }
}

/// What the previous word announced for this one.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
enum Next {
    #[default]
    Nothing,
    /// The value of a secret flag (`--password`, `--requirepass`, `redis-cli -a`).
    Secret,
    /// The value of a flag merely named like a credential (`--api-key`): hidden unless it
    /// is a number or a boolean, which are settings (`--anonymous-auth 0`).
    Named,
    /// `user:password` after `curl -u`.
    UserInfo,
    /// An HTTP header after `curl -H` / `--header`.
    Header,
    /// `pass:password` after `openssl -passin` / `-passout`.
    OpensslPass,
}

/// Long options that take a password whatever they are called (the name says `pass`, not
/// `password`): Redis's `--requirepass` and `--masterauth`, Java keytool's.
const PASSWORD_OPTIONS: &[&str] = &[
    "requirepass",
    "masterauth",
    "storepass",
    "keypass",
    "srcstorepass",
    "deststorepass",
    "srckeypass",
    "destkeypass",
];

/// The MySQL and MariaDB clients: `-pPASSWORD` (attached; a lone `-p` prompts).
const MYSQL_CLIENTS: &[&str] = &[
    "mysql",
    "mysqladmin",
    "mysqldump",
    "mysqlcheck",
    "mysqlimport",
    "mysqlshow",
    "mysqlslap",
    "mysqlpump",
    "mariadb",
    "mariadb-admin",
    "mariadb-dump",
    "mariadb-check",
    "mariadb-import",
    "mariadb-show",
    "mariadb-slap",
];

/// Words that run the command after them (`exec mysql …`, `env A=b mysql …`).
const WRAPPERS: &[&str] = &["exec", "env", "sudo", "nohup", "time", "command", "nice"];

/// Go's `strconv.ParseBool` words, which pflag and flag accept for boolean flags.
const BOOLEANS: &[&str] = &[
    "t", "T", "TRUE", "true", "True", "f", "F", "FALSE", "false", "False",
];

fn unquote(s: &str) -> &str {
    s.trim_matches(['\'', '"'])
}

/// A value that could be a credential: not a variable reference, a path or empty.
fn value(s: &str) -> bool {
    let v = unquote(s);
    !v.starts_with('$') && could_be_credential(v)
}

/// A value of a flag merely named like a credential: no number, no boolean.
fn named_value(s: &str) -> bool {
    let v = unquote(s);
    value(v) && v.parse::<f64>().is_err() && !BOOLEANS.contains(&v)
}

/// Headers whose value is a credential: authorization, cookies, and any header named like
/// a credential (`X-Api-Key`, `X-Vault-Token`, `X-Custom-Secret`).
fn credential_header(name: &str) -> bool {
    let n = name.trim().to_ascii_lowercase();
    matches!(
        n.as_str(),
        "authorization" | "proxy-authorization" | "cookie"
    ) || credential_name(&n)
        || n.split('-').any(|w| matches!(w, "apikey" | "auth" | "key"))
}

/// Where the credential in a header word (`X-Api-Key: value`, `'Authorization: Bearer v'`)
/// starts and ends; an authorization scheme (`Bearer`) stays.
fn header_value(word: &str) -> Option<(usize, usize)> {
    let inner_start = word.len() - word.trim_start_matches(['\'', '"']).len();
    let inner_end = word.trim_end_matches(['\'', '"']).len().max(inner_start);
    let inner = &word[inner_start..inner_end];
    let (name, rest) = inner.split_once(':')?;
    if !credential_header(name) {
        return None;
    }
    let mut start = inner_start + name.len() + 1;
    start += word[start..inner_end].len() - word[start..inner_end].trim_start().len();
    let v = &word[start..inner_end];
    let lower = name.trim().to_ascii_lowercase();
    if lower.ends_with("authorization") {
        if let Some((scheme, credential)) = v.split_once(' ') {
            if !credential.trim().is_empty() {
                start += scheme.len() + 1;
            }
        }
    }
    let v = &word[start..inner_end];
    (!rest.trim().is_empty() && value(v)).then_some((start, inner_end))
}

/// Reads the words of one command line in order and says which hold a credential.
#[derive(Default)]
pub(super) struct Scanner {
    /// The program the current command runs (file name only), once its word was read.
    program: Option<String>,
    next: Next,
}

impl Scanner {
    /// The part of `word` (start, end in bytes) to replace, and with what. `starts_command`
    /// says the word is the first of a command (the first array element, or a word after
    /// `;`, `&&`, `|` or a line end in a script).
    fn word(&mut self, word: &str, starts_command: bool) -> Option<(usize, usize, Replacement)> {
        if starts_command {
            *self = Scanner::default();
        }
        // A word quoted as a whole (`"--password=…"`) is read as the program reads it.
        if let Some(q @ ('\'' | '"')) = word.chars().next() {
            let inner = &word[1..];
            if inner.ends_with(q) && inner.find(q) == Some(inner.len() - 1) {
                return self
                    .word(&inner[..inner.len() - 1], false)
                    .map(|(s, e, with)| (s + 1, e + 1, with));
            }
        }
        let next = std::mem::take(&mut self.next);
        let whole = Some((0, word.len(), Replacement::Flag));
        match next {
            Next::Secret if !word.starts_with('-') => return whole.filter(|_| value(word)),
            Next::Named if !word.starts_with('-') => return whole.filter(|_| named_value(word)),
            Next::UserInfo => {
                let inner = unquote(word);
                let (_, password) = inner.split_once(':')?;
                let end = word.len() - (word.len() - word.trim_end_matches(['\'', '"']).len());
                return (named_value(password) && !password.is_empty())
                    .then(|| (end - password.len(), end, Replacement::Flag));
            }
            Next::Header => return header_value(word).map(|(s, e)| (s, e, Replacement::Flag)),
            Next::OpensslPass => {
                let start = word.find("pass:")? + "pass:".len();
                let end = word.trim_end_matches(['\'', '"']).len();
                return (start < end && value(&word[start..end])).then_some((
                    start,
                    end,
                    Replacement::Flag,
                ));
            }
            _ => {}
        }
        let assignment = word.split_once('=').filter(|(name, _)| {
            name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
        if self.program.is_none()
            && assignment.is_none()
            && !word.starts_with('-')
            && !WRAPPERS.contains(&unquote(word))
        {
            let program = unquote(word).rsplit('/').next().unwrap_or_default();
            self.program = Some(program.to_string());
            return None;
        }
        if word.starts_with('-') {
            return self.option(word);
        }
        let (name, v) = assignment?;
        (credential_name(name) && value(v))
            .then(|| (name.len() + 1, word.len(), Replacement::Credential))
    }

    /// A word that starts with `-`.
    fn option(&mut self, word: &str) -> Option<(usize, usize, Replacement)> {
        let program = self.program.as_deref().unwrap_or_default();
        let name = word.split_once('=').map_or(word, |(n, _)| n);
        let bare = name.trim_start_matches('-').to_ascii_lowercase();
        // `mysql -pPASSWORD`, `sshpass -pPASSWORD`.
        let attached_p = MYSQL_CLIENTS.contains(&program) || program == "sshpass";
        if attached_p && word.len() > 2 && word.starts_with("-p") && !word.starts_with("--") {
            return value(&word[2..]).then_some((2, word.len(), Replacement::Flag));
        }
        if let Some((name, v)) = word.split_once('=') {
            let password_option = PASSWORD_OPTIONS.contains(&bare.as_str());
            if ((secret_flag(name) || password_option) && value(v))
                || (credential_name(&bare) && named_value(v))
            {
                return Some((name.len() + 1, word.len(), Replacement::Flag));
            }
            if matches!(name, "--header") {
                let (s, e) = header_value(v)?;
                return Some((name.len() + 1 + s, name.len() + 1 + e, Replacement::Flag));
            }
            return None;
        }
        self.next = if secret_flag(word)
            || PASSWORD_OPTIONS.contains(&bare.as_str())
            || (program == "redis-cli" && word == "-a")
            || (program == "sshpass" && word == "-p")
        {
            Next::Secret
        } else if credential_name(&bare) {
            Next::Named
        } else if matches!(word, "-u" | "--user") {
            Next::UserInfo
        } else if matches!(word, "-H" | "--header") {
            Next::Header
        } else if matches!(word, "-passin" | "-passout") {
            Next::OpensslPass
        } else {
            Next::Nothing
        };
        None
    }
}

/// The arguments of a container (`command` followed by `args`, read as one command line,
/// as the container runtime joins them) with what they pass as a credential replaced, each
/// argument also read as a script of its own (`sh -c "…"`). `None` when nothing changes.
pub(super) fn redact_arguments(args: &[&str]) -> Option<Vec<String>> {
    // pflag's reading first: a secret flag takes the next argument whatever it starts with.
    let flags = crate::collect::node::redact_args(args.iter().map(|a| a.to_string()).collect());
    let mut scanner = Scanner::default();
    let mut changed = false;
    let out = args
        .iter()
        .enumerate()
        .zip(flags)
        .map(|((i, _), arg)| {
            let arg = match scanner.word(&arg, i == 0) {
                Some((s, e, with)) => format!("{}{}{}", &arg[..s], with.plain(), &arg[e..]),
                None => arg.to_string(),
            };
            let arg = redact_script(&arg).unwrap_or(arg);
            changed |= arg != args[i];
            arg
        })
        .collect();
    changed.then_some(out)
}

/// What replaces a credential matched inside a shell script: only word characters, so a
/// script that could be read word by word still can (`<` and `>` would read as redirections).
/// A URL keeps its scheme and the `@` before its host.
fn script_marker(pattern: &str, matched: &str) -> String {
    let scheme = matched.find("://").map_or("", |i| &matched[..i + 3]);
    let at = if matched.ends_with('@') { "@" } else { "" };
    format!("{scheme}redacted-credential-matching-{pattern}{at}")
}

/// `text` with the credential of every HTTP authorization header it holds replaced
/// (`Authorization: Bearer …` in a curl command, `Authorization "Basic …"` in an nginx
/// snippet: the catalog's pattern matches a whole value only), and of the headers that
/// carry an API key or token by name (`X-Api-Key: …`, `PRIVATE-TOKEN: …`,
/// `X-Auth-Token: …`, `X-Vault-Token: …`). `None` when there is none.
pub(super) fn redact_authorization_headers(text: &str, with: &str) -> Option<String> {
    static HEADER: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)(authorization\W{0,4}(?:bearer|basic)\s+|\b(?:x-)?(?:api-?key|auth-token|access-token|private-token|vault-token)\s*:\s*)[A-Za-z0-9._~+/-]{8,}=*",
        )
        .ok()
    });
    let re = HEADER.as_ref()?;
    re.is_match(text).then(|| {
        re.replace_all(text, |c: &regex::Captures| format!("{}{with}", &c[1]))
            .into_owned()
    })
}

/// Where each word of a shell script starts and ends (bytes), and whether it is the first
/// word of a command: quotes keep their blanks and separators in the word; `;`, `&`, `|`,
/// blanks and line ends separate words, and all but blanks separate commands.
fn script_words(text: &str) -> Vec<(usize, usize, bool)> {
    let mut words = Vec::new();
    let mut start = None;
    let mut quote = None;
    let mut escaped = false;
    let mut first = true;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match (quote, c) {
            // A line continuation separates words like a blank.
            (None, '\\') if text[i + 1..].starts_with('\n') => {
                escaped = true;
                if let Some(s) = start.take() {
                    words.push((s, i, std::mem::take(&mut first)));
                }
                continue;
            }
            (Some('"'), '\\') | (None, '\\') => escaped = true,
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => {
                quote = Some(c);
                start.get_or_insert(i);
            }
            (None, c) if c.is_whitespace() || matches!(c, ';' | '&' | '|' | '(' | ')') => {
                if let Some(s) = start.take() {
                    words.push((s, i, std::mem::take(&mut first)));
                }
                first |= c == '\n' || !c.is_whitespace();
                continue;
            }
            (None, _) => {}
        }
        start.get_or_insert(i);
    }
    if let Some(s) = start {
        words.push((s, text.len(), first));
    }
    words
}

/// The quote open at byte `at` of a script word, if any.
fn quote_at(word: &str, at: usize) -> Option<char> {
    let mut quote = None;
    let mut escaped = false;
    for c in word[..at].chars() {
        match (escaped, quote, c) {
            (true, ..) => escaped = false,
            (false, Some('"') | None, '\\') => escaped = true,
            (false, Some(q), c) if c == q => quote = None,
            (false, None, '\'' | '"') => quote = Some(c),
            _ => {}
        }
    }
    quote
}

/// A command-line string (a shell script given to `sh -c`, or any argument) with what it
/// hands on as a credential replaced (see [`Scanner`]: assignments to credential-named
/// variables, secret flags, flags named like a credential whose value is no number or
/// boolean, password options of well-known clients, `-u user:password`, credential
/// headers), and values matching a credential pattern. A value that is a path or a variable
/// reference is kept. Replacements are single-quoted or plain words, so a readable script
/// stays readable in the same words. `None` when nothing is replaced.
pub(super) fn redact_script(text: &str) -> Option<String> {
    let mut scanner = Scanner::default();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end, first) in script_words(text) {
        let word = &text[start..end];
        if let Some((s, e, with)) = scanner.word(word, first) {
            // Inside quotes the marker is written as it is, before the closing quote.
            let (e, with) = match quote_at(word, s) {
                Some(q) if e > s && word[..e].ends_with(q) => (e - 1, with.plain()),
                Some(_) => (e, with.plain()),
                None => (e, with.quoted()),
            };
            out.push_str(&text[at..start + s]);
            out.push_str(with);
            at = start + e;
        }
    }
    out.push_str(&text[at..]);
    let out = redaction_patterns()
        .replace_matches(&out, script_marker)
        .unwrap_or(out);
    let out = redact_authorization_headers(&out, "redacted-credential").unwrap_or(out);
    (out != text).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<String> {
        redact_arguments(words).unwrap_or_else(|| words.iter().map(|w| w.to_string()).collect())
    }

    #[test]
    fn credentials_passed_the_ways_clients_take_them_are_replaced() {
        for (given, expected) in [
            // A flag named like a credential, its value in the next argument.
            (
                &["app", "--api-key", "C1"][..],
                &["app", "--api-key", "<redacted>"][..],
            ),
            (
                &["redis-server", "--requirepass", "C2"],
                &["redis-server", "--requirepass", "<redacted>"],
            ),
            (
                &["keytool", "-storepass", "C3"],
                &["keytool", "-storepass", "<redacted>"],
            ),
            (
                &["mysqladmin", "-uroot", "-pC4", "ping"],
                &["mysqladmin", "-uroot", "-p<redacted>", "ping"],
            ),
            (
                &["/usr/bin/redis-cli", "-a", "C5"],
                &["/usr/bin/redis-cli", "-a", "<redacted>"],
            ),
            (
                &["curl", "-H", "X-Custom-Secret: C6abc"],
                &["curl", "-H", "X-Custom-Secret: <redacted>"],
            ),
            (
                &["wget", "--header=Cookie: sid=C7"],
                &["wget", "--header=Cookie: <redacted>"],
            ),
        ] {
            assert_eq!(args(given), expected, "{given:?}");
        }
        for (script, expected) in [
            ("redis-cli -a C1 ping", "redis-cli -a '<redacted>' ping"),
            (
                "mysql -uroot -pC2 -e 'select 1'",
                "mysql -uroot -p'<redacted>' -e 'select 1'",
            ),
            ("env A=b mysql -pC3", "env A=b mysql -p'<redacted>'"),
            ("sshpass -p C4 ssh host", "sshpass -p '<redacted>' ssh host"),
            (
                "curl -H 'X-Custom-Secret: C5' x",
                "curl -H 'X-Custom-Secret: <redacted>' x",
            ),
            (
                "curl -H \"Authorization: Bearer C6\" x",
                "curl -H \"Authorization: Bearer <redacted>\" x",
            ),
            (
                "openssl pkcs12 -passin pass:C7 -in a",
                "openssl pkcs12 -passin pass:'<redacted>' -in a",
            ),
            ("\"--password=C8\"", "\"--password=<redacted>\""),
            (
                "pg_dump postgresql://u:C9@db/x",
                "pg_dump postgresql://redacted-credential-matching-url-with-password@db/x",
            ),
        ] {
            assert_eq!(redact_script(script).as_deref(), Some(expected), "{script}");
        }
    }

    #[test]
    fn settings_and_other_programs_options_are_kept() {
        for given in [
            &[
                "kube-apiserver",
                "--anonymous-auth",
                "false",
                "--authorization-mode",
                "Node,RBAC",
                "--token-auth-file",
                "/etc/t.csv",
                "--service-account-max-token-expiration",
                "48h",
                "--token-ttl",
                "1h",
                "--auth-mode",
                "x509",
                "--oidc-client-id",
                "kube",
            ][..],
            &[
                "kubelet",
                "--authentication-token-webhook",
                "--authorization-mode",
                "Webhook",
            ],
            &[
                "etcd",
                "--client-cert-auth",
                "true",
                "--peer-client-cert-auth",
                "true",
            ],
            &["nginx", "-g", "daemon off;"],
            &["mysql", "-h", "db", "-P3306", "-p"],
            &["app", "-pC1"],
            &["DB_PASSWORD=$(DB_PASSWORD)", "mysql", "-p$(DB_PASSWORD)"],
        ] {
            assert_eq!(redact_arguments(given), None, "{given:?}");
        }
        for script in [
            "grep -H foo /x; sudo -u nobody id; docker run -u 1000:1000 img; ls -H /tmp",
            "curl -H 'Content-Type: application/json' -H 'X-Request-Id: abc' https://x",
            "mysql -h db -p -e 'select 1'; echo -pfoo",
            "openssl pkcs12 -passin env:PASS -passout file:/p",
        ] {
            assert_eq!(redact_script(script), None, "{script}");
        }
    }

    #[test]
    fn words_know_where_a_command_starts() {
        let text = "a b; c|d && e\nf 'g;h'";
        let firsts: Vec<&str> = script_words(text)
            .into_iter()
            .filter(|w| w.2)
            .map(|(s, e, _)| &text[s..e])
            .collect();
        assert_eq!(firsts, ["a", "c", "d", "e", "f"]);
    }
}
