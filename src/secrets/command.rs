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
    /// The value of a flag merely named like a credential (`--api-key`, `password:` in a
    /// config line): hidden unless it is a number, a boolean or a file, which are settings
    /// (`--anonymous-auth 0`, `--kubelet-client-key pki/client.key`).
    Named,
    /// `user:password` after `curl -u`, `--user`, `skopeo --creds`; `user%password` after
    /// `smbclient -U` (the separator).
    UserInfo(char),
    /// `name=value` cookies after `curl -b` / `--cookie`.
    Cookie,
    /// An HTTP header after `curl -H` / `--header`.
    Header,
    /// `pass:password` after `openssl -passin` / `-passout`.
    OpensslPass,
    /// `NAME=value` after `--set`, `--from-literal`, `-e`, `--env`, `--build-arg`.
    Assignment,
    /// `key=value` after `kubectl create secret … --from-literal`: the value is a secret
    /// whatever its key is called.
    SecretLiteral,
    /// A script after a shell's `-c`: read as a script of its own, not as one word.
    Script,
}

/// Options that take a password whatever they are called (the name says `pass`, not
/// `password`): Redis's `--requirepass` and `--masterauth` (also as configuration lines),
/// Java keytool's, gpg's `--passphrase`, curl's `--oauth2-bearer`.
const PASSWORD_OPTIONS: &[&str] = &[
    "requirepass",
    "masterauth",
    "storepass",
    "keypass",
    "srcstorepass",
    "deststorepass",
    "srckeypass",
    "destkeypass",
    "passphrase",
    "oauth2-bearer",
];

/// Options whose value is `user:password` (curl, etcdctl, skopeo).
const USERINFO_OPTIONS: &[&str] = &["user", "creds", "src-creds", "dest-creds"];

/// Options whose value is a `NAME=value` assignment (helm, kubectl, docker).
const ASSIGNMENT_OPTIONS: &[&str] = &["set", "set-string", "from-literal", "e", "env", "build-arg"];

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
    "mysqlsh",
    "mariadb",
    "mariadb-admin",
    "mariadb-dump",
    "mariadb-check",
    "mariadb-import",
    "mariadb-show",
    "mariadb-slap",
];

/// Clients whose short option (`-p`, `-a`, `-w`, `-P`) takes the password as the next
/// word, or attached where the client allows it.
const SHORT_PASSWORD_OPTIONS: &[(&str, &[&str])] = &[
    ("-a", &["redis-cli"]),
    (
        "-p",
        &[
            "sshpass",
            "mongo",
            "mongosh",
            "mongodump",
            "mongorestore",
            "mongoexport",
            "mongoimport",
            "mongostat",
            "mongotop",
            "cqlsh",
            "rabbitmqadmin",
            "elasticsearch-users",
            // The account's password (crypt(3) hash), which `useradd`/`usermod` store.
            "useradd",
            "usermod",
        ],
    ),
    (
        "-w",
        &[
            "ldapsearch",
            "ldapadd",
            "ldapmodify",
            "ldapdelete",
            "ldapwhoami",
            "ldappasswd",
            "ldapcompare",
            "ldapmodrdn",
        ],
    ),
    (
        "-P",
        &[
            "mosquitto_pub",
            "mosquitto_sub",
            "zip",
            "unzip",
            "ssh-keygen",
        ],
    ),
    // ssh-keygen's new passphrase, `openssl enc -k PASSPHRASE`.
    ("-N", &["ssh-keygen"]),
    ("-k", &["openssl"]),
];

/// Options of the programs whose positional passwords are read (see [`POSITIONAL_PASSWORDS`]
/// and [`Scanner::positional_password`]) whose value is the next word (`mc
/// --config-dir DIR alias set …`, `vault login -address URL TOKEN`): it is not a position.
/// htpasswd's `-C COST` (alone or ending a cluster: `-bBC 10`) is read in
/// [`Scanner::option`].
const VALUE_OPTIONS: &[(&str, &[&str])] = &[
    ("mc", &["-C", "--config-dir", "--api", "--path"]),
    (
        "vault",
        &[
            "-address",
            "--address",
            "-method",
            "--method",
            "-path",
            "--path",
            "-namespace",
            "--namespace",
            "-ca-cert",
            "--ca-cert",
            "-ca-path",
            "--ca-path",
            "-client-cert",
            "--client-cert",
            "-client-key",
            "--client-key",
            "-format",
            "--format",
            "-field",
            "--field",
            "-header",
            "--header",
        ],
    ),
    (
        "rabbitmqctl",
        &[
            "-n",
            "--node",
            "-t",
            "--timeout",
            "--longnames",
            "--erlang-cookie",
        ],
    ),
    // kubectl's and oc's global options before the subcommand (`kubectl create -n ns
    // secret …`): their value is no subcommand.
    ("kubectl", KUBECTL_VALUE_OPTIONS),
    ("oc", KUBECTL_VALUE_OPTIONS),
    (
        "aws",
        &[
            "--profile",
            "--region",
            "--output",
            "--endpoint-url",
            "--query",
            "--cli-read-timeout",
            "--cli-connect-timeout",
            "--ca-bundle",
            "--color",
        ],
    ),
];

/// kubectl's (and oc's) options that take the next word as their value.
const KUBECTL_VALUE_OPTIONS: &[&str] = &[
    "-n",
    "--namespace",
    "--context",
    "--cluster",
    "--kubeconfig",
    "--user",
    "-s",
    "--server",
    "-o",
    "--output",
    "--as",
    "--as-group",
    "--request-timeout",
    "-l",
    "--selector",
    "-f",
    "--filename",
];

/// Programs that take a password as a positional argument: the program, the subcommand
/// words before it, and its position among the words after the program that are no options
/// (1 is the first). `htpasswd -b` and `aws configure set` are read in
/// [`Scanner::positional_password`].
const POSITIONAL_PASSWORDS: &[(&str, &[&str], usize)] = &[
    ("rabbitmqctl", &["add_user"], 3),
    ("rabbitmqctl", &["change_password"], 3),
    ("rabbitmqctl", &["authenticate_user"], 3),
    // MinIO's client: `mc alias set NAME URL ACCESS_KEY SECRET_KEY` (and its old form).
    ("mc", &["alias", "set"], 6),
    ("mc", &["config", "host", "add"], 7),
    ("vault", &["login"], 2),
];

/// The clients above, and those whose options [`Scanner`] reads by name anywhere in a
/// command (`until mysqladmin ping -pX`, `timeout 5 redis-cli -a X`, `kubectl exec … --
/// mysql -pX`): the program is the last of them seen in the command.
fn known_client(word: &str) -> bool {
    MYSQL_CLIENTS.contains(&word)
        || SHORT_PASSWORD_OPTIONS
            .iter()
            .any(|(_, programs)| programs.contains(&word))
        || POSITIONAL_PASSWORDS.iter().any(|(p, ..)| *p == word)
        || matches!(
            word,
            "curl" | "7z" | "7za" | "smbclient" | "htpasswd" | "aws" | "lftp"
        )
}

/// Files that hold credentials whatever they are called (their names, without a leading
/// `.`): libpq's password file, the netrc file of ftp, curl and git, MySQL's option file.
const CREDENTIAL_FILES: &[&str] = &["pgpass", "netrc", "_netrc", "my.cnf"];

/// Programs that read `user:password` lines from standard input and set the passwords.
const PASSWORD_READERS: &[&str] = &["chpasswd", "chgpasswd"];

/// Whether a program takes a script after `-c` (alone or among other short options: `-ec`,
/// `-lc`): the shells whose scripts the flag checks read, `mksh`, and `su USER -c`.
fn is_shell(program: &str) -> bool {
    crate::checks::command_line::SHELLS.contains(&program) || matches!(program, "mksh" | "su")
}

/// Words before the program of a command: wrappers that run the command after them (`exec
/// mysql …`, `env A=b mysql …`) and shell keywords (`until mysqladmin …; do`).
const BEFORE_PROGRAM: &[&str] = &[
    "exec", "env", "sudo", "nohup", "time", "command", "nice", "if", "then", "else", "elif", "do",
    "while", "until", "!", "{",
];

/// Go's `strconv.ParseBool` words, which pflag and flag accept for boolean flags.
const BOOLEANS: &[&str] = &[
    "t", "T", "TRUE", "true", "True", "f", "F", "FALSE", "false", "False",
];

/// File name endings of values that name a file rather than hold a secret.
const FILE_ENDINGS: &[&str] = &[
    ".key",
    ".pem",
    ".crt",
    ".cert",
    ".cer",
    ".der",
    ".p12",
    ".pfx",
    ".jks",
    ".json",
    ".yaml",
    ".yml",
    ".conf",
    ".cfg",
    ".txt",
    ".csv",
    ".token",
    ".kubeconfig",
];

fn unquote(s: &str) -> &str {
    s.trim_matches(['\'', '"'])
}

/// Where a word ends without its closing quotes.
fn unquoted_end(word: &str) -> usize {
    word.trim_end_matches(['\'', '"']).len()
}

/// A value that could be a credential: not a variable reference, a path, a marker of an
/// earlier replacement or empty.
fn value(s: &str) -> bool {
    let v = unquote(s);
    // A redirection (`>>/var/log/etcd.log`, `2>&1`) follows a switch, it is no value.
    let redirection = v
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .starts_with(['>', '<']);
    !v.starts_with('$') && !redirection && !v.starts_with("<redacted") && could_be_credential(v)
}

/// A value of a flag merely named like a credential: no number, no boolean, no file
/// (`pki/client.key`, `./token.txt`).
fn named_value(s: &str) -> bool {
    let v = unquote(s);
    let file = v.starts_with("./")
        || v.starts_with("../")
        || v.starts_with("~/")
        || FILE_ENDINGS.iter().any(|e| v.ends_with(e));
    value(v) && !file && v.parse::<f64>().is_err() && !BOOLEANS.contains(&v)
}

/// The file name of a program word (`/usr/bin/mysql`, `` `mysql ``, `$(mysql`,
/// ``RES=`mysql``).
fn program_name(word: &str) -> &str {
    let w = unquote(word).rsplit(['`', '(']).next().unwrap_or_default();
    w.rsplit('/').next().unwrap_or_default()
}

/// `NAME=value` with a name a credential could be assigned to (letters, digits, `_`, and
/// `.`/`-` for keys such as `auth.postgresPassword`): the value's start, when the name is
/// a credential's and the value could be one (not a boolean).
fn assigned_credential(word: &str) -> Option<usize> {
    let (name, v) = word.split_once('=')?;
    let identifier = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    // `ServiceAccountTokenNodeBinding=true,RotateKubeletServerCertificate=false` is a list
    // of feature gates, and `ENABLE_TOKEN=true` a setting: a boolean is no credential.
    let boolean = v.split(',').next().is_some_and(|b| BOOLEANS.contains(&b));
    (identifier && !boolean && credential_name(name) && value(v)).then_some(name.len() + 1)
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
    let inner_end = unquoted_end(word).max(inner_start);
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
    /// The command has a `login` word: `docker login -p X`, `oc login -p X`, `helm registry
    /// login -p X`.
    login: bool,
    /// The previous word was a long option without `=` (`--name`): this one may be its value.
    after_long_option: bool,
    /// The words after the program that are no options, the first few (subcommands and
    /// positional arguments, for [`POSITIONAL_PASSWORDS`]).
    positional: Vec<String>,
    /// How many words after the program were no options.
    positionals: usize,
    /// The letters of the program's short options so far (`htpasswd -bc` gives `bc`).
    short_letters: String,
    /// The previous word was an option whose value is the next word ([`VALUE_OPTIONS`]).
    option_value_next: bool,
    next: Next,
}

impl Scanner {
    /// The part of `word` (start, end in bytes) to replace, and with what. `starts_command`
    /// says the word is the first of a command (the first array element, or a word after
    /// `;`, `&&`, `|` or a line end in a script). `None` for a word to leave, and for a
    /// script after a shell's `-c` (see [`Scanner::is_script_next`]).
    fn word(&mut self, word: &str, starts_command: bool) -> Option<(usize, usize, Replacement)> {
        if starts_command {
            *self = Scanner::default();
        }
        // A word quoted as a whole (`"--password=…"`) is read as the program reads it.
        if let Some(inner) = whole_quoted(word) {
            return self
                .word(inner, false)
                .map(|(s, e, with)| (s + 1, e + 1, with));
        }
        let next = std::mem::take(&mut self.next);
        // Taken here, whatever reads this word: a stale mark would skip a later position.
        let value_of_option = std::mem::take(&mut self.option_value_next);
        let whole = Some((0, word.len(), Replacement::Flag));
        match next {
            Next::Script => return None,
            Next::Secret if !word.starts_with('-') => return whole.filter(|_| value(word)),
            Next::Named if !word.starts_with('-') => return whole.filter(|_| named_value(word)),
            Next::UserInfo(separator) => return password_of_userinfo(word, 0, separator),
            Next::Cookie => return cookie_values(word, 0),
            Next::Header => return header_value(word).map(|(s, e)| (s, e, Replacement::Flag)),
            Next::OpensslPass => {
                let start = word.find("pass:")? + "pass:".len();
                let end = unquoted_end(word);
                return (start < end && value(&word[start..end])).then_some((
                    start,
                    end,
                    Replacement::Flag,
                ));
            }
            Next::Assignment if !word.starts_with('-') => {
                let start = assigned_credential(word)?;
                return Some((start, word.len(), Replacement::Credential));
            }
            Next::SecretLiteral if !word.starts_with('-') => {
                return secret_literal(word, 0);
            }
            _ => {}
        }
        // `chpasswd <<< "user:password"`: a here-string is the program's standard input.
        if word == "<<<"
            && self
                .program
                .as_deref()
                .is_some_and(|p| PASSWORD_READERS.contains(&p))
        {
            self.next = Next::UserInfo(':');
            return None;
        }
        let name = program_name(word);
        self.login |= word == "login";
        // `docker run --name mongo`: the value of an option, not a program.
        let option_value = std::mem::take(&mut self.after_long_option);
        // (A word naming the program itself is an argument: `htpasswd -b /auth/htpasswd`.)
        // (Nor is an option naming a file: `--basic-auth-file=/etc/htpasswd`.)
        let argument = word.starts_with('-');
        if known_client(name) && !option_value && !argument && self.program.as_deref() != Some(name)
        {
            let login = self.login;
            *self = Scanner {
                program: Some(name.to_string()),
                login,
                ..Scanner::default()
            };
            return None;
        }
        // `password: X`, `token: X`: a configuration line a script writes (the first word
        // of its line; `echo token: …` is a message).
        if let Some(key) = word.strip_suffix(':') {
            if self.program.is_none() && credential_name(key) {
                self.next = Next::Named;
                return None;
            }
        }
        let assignment = assigned_credential(word);
        if self.program.is_none()
            && assignment.is_none()
            && !word.contains('=')
            && !word.starts_with('-')
            && !BEFORE_PROGRAM.contains(&unquote(word))
        {
            self.program = Some(name.to_string());
            // Configuration lines written by a script (`requirepass X` into redis.conf).
            if PASSWORD_OPTIONS.contains(&name) {
                self.next = Next::Named;
            }
            return None;
        }
        if word.starts_with('-') {
            return self.option(word);
        }
        if let Some(start) = assignment {
            return Some((start, word.len(), Replacement::Credential));
        }
        self.positional_password(word, value_of_option)
    }

    /// A word after the program that is no option: the password when the program takes it
    /// at this position ([`POSITIONAL_PASSWORDS`], `htpasswd -b [FILE] USER PASSWORD`, `aws
    /// configure set aws_secret_access_key VALUE`).
    /// `value_of_option`: the word is the value of the option before it ([`VALUE_OPTIONS`]),
    /// no position.
    fn positional_password(
        &mut self,
        word: &str,
        value_of_option: bool,
    ) -> Option<(usize, usize, Replacement)> {
        let program = self.program.as_deref()?;
        if value_of_option {
            return None;
        }
        self.positionals += 1;
        let n = self.positionals;
        let at = |subcommands: &[&str], position: usize| {
            n == position
                && subcommands.len() <= self.positional.len()
                && subcommands
                    .iter()
                    .zip(&self.positional)
                    .all(|(a, b)| a == b)
        };
        let password = POSITIONAL_PASSWORDS
            .iter()
            .any(|(p, subcommands, position)| *p == program && at(subcommands, *position))
            || (program == "htpasswd"
                && self.short_letters.contains('b')
                && n == if self.short_letters.contains('n') {
                    2
                } else {
                    3
                })
            || (program == "aws"
                && at(&["configure", "set"], 4)
                && credential_name(&self.positional[2]))
            // `redis-cli AUTH [USER] PASSWORD`, in any letter case.
            || (program == "redis-cli"
                && self
                    .positional
                    .iter()
                    .position(|p| p.eq_ignore_ascii_case("auth"))
                    .is_some_and(|at| n == at + 2 || n == at + 3));
        if self.positional.len() < 8 {
            self.positional.push(unquote(word).to_string());
        }
        // `vault login -method=userpass username=app`: a setting, not the token.
        let setting = word.split_once('=').is_some_and(|(name, _)| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
        (password && !setting && named_value(word)).then_some((0, word.len(), Replacement::Flag))
    }

    /// Whether the next word is a script of its own (after a shell's `-c`).
    fn is_script_next(&self) -> bool {
        self.next == Next::Script
    }

    /// Whether the command creates a Secret (`kubectl create secret generic …`, `oc -n ns
    /// create secret …`): its `--from-literal` values are secrets, whatever their keys.
    fn creates_secret(&self) -> bool {
        matches!(self.program.as_deref(), Some("kubectl" | "oc"))
            && self
                .positional
                .windows(2)
                .any(|w| w[0] == "create" && w[1] == "secret")
    }

    /// A word that starts with `-`.
    fn option(&mut self, word: &str) -> Option<(usize, usize, Replacement)> {
        self.after_long_option = word.starts_with("--") && word.len() > 2 && !word.contains('=');
        let program = self.program.as_deref().unwrap_or_default();
        let name = word.split_once('=').map_or(word, |(n, _)| n);
        let bare = name.trim_start_matches('-').to_ascii_lowercase();
        let short = !word.starts_with("--") && word.len() > 2;
        if !word.starts_with("--") {
            self.short_letters.push_str(word.trim_start_matches('-'));
        }
        self.option_value_next = !word.contains('=')
            && (VALUE_OPTIONS
                .iter()
                .any(|(p, options)| *p == program && options.contains(&word))
                || (program == "htpasswd" && !word.starts_with("--") && word.ends_with('C')));
        // `mysql -pPASSWORD`, `sshpass -pPASSWORD`, `7z -pPASSWORD`.
        let attached_p =
            MYSQL_CLIENTS.contains(&program) || matches!(program, "sshpass" | "7z" | "7za");
        if attached_p && short && word.starts_with("-p") {
            return value(&word[2..]).then_some((2, word.len(), Replacement::Flag));
        }
        // `curl -uuser:password`, `smbclient -Uuser%password`, `curl -bsession=…`,
        // `ssh-keygen -NPASSPHRASE`.
        if program == "curl" && short && word.starts_with("-u") {
            return password_of_userinfo(word, 2, ':');
        }
        if program == "smbclient" && short && word.starts_with("-U") {
            return password_of_userinfo(word, 2, '%');
        }
        if program == "curl" && short && word.starts_with("-b") {
            return cookie_values(word, 2);
        }
        if program == "ssh-keygen" && short && (word.starts_with("-N") || word.starts_with("-P")) {
            return value(&word[2..]).then_some((2, word.len(), Replacement::Flag));
        }
        let separator = if program == "smbclient" { '%' } else { ':' };
        if let Some((name, v)) = word.split_once('=') {
            let at = name.len() + 1;
            let password_option = PASSWORD_OPTIONS.contains(&bare.as_str());
            if ((secret_flag(name) || password_option) && value(v))
                || (credential_name(&bare) && named_value(v))
            {
                return Some((at, word.len(), Replacement::Flag));
            }
            if name == "--header" {
                let (s, e) = header_value(v)?;
                return Some((at + s, at + e, Replacement::Flag));
            }
            if USERINFO_OPTIONS.contains(&bare.as_str()) {
                return password_of_userinfo(word, at, separator);
            }
            if bare == "cookie" {
                return cookie_values(word, at);
            }
            if bare == "from-literal" && self.creates_secret() {
                return secret_literal(word, at);
            }
            if ASSIGNMENT_OPTIONS.contains(&bare.as_str()) {
                let start = assigned_credential(v)?;
                return Some((at + start, word.len(), Replacement::Credential));
            }
            return None;
        }
        let short_password = SHORT_PASSWORD_OPTIONS
            .iter()
            .any(|(option, programs)| word == *option && programs.contains(&program))
            || (self.login && word == "-p");
        self.next = if is_shell(program)
            && crate::checks::command_line::script_option(word) == Some(true)
        {
            Next::Script
        } else if secret_flag(word) || PASSWORD_OPTIONS.contains(&bare.as_str()) {
            Next::Secret
        } else if short_password || (credential_name(&bare) && !bare.ends_with("-stdin")) {
            // A short option's number is a port (`sshpass -e ssh -p 2222`).
            Next::Named
        } else if word == "-u" && matches!(program, "lftp" | "open") {
            // lftp's `-u user,password` (also its `open` command, in `lftp -c '…'`).
            Next::UserInfo(',')
        } else if matches!(word, "-u") || USERINFO_OPTIONS.contains(&bare.as_str()) {
            Next::UserInfo(separator)
        } else if program == "smbclient" && word == "-U" {
            Next::UserInfo('%')
        } else if (program == "curl" && word == "-b") || word == "--cookie" {
            Next::Cookie
        } else if matches!(word, "-H" | "--header") {
            Next::Header
        } else if matches!(word, "-passin" | "-passout") {
            Next::OpensslPass
        } else if bare == "from-literal" && self.creates_secret() {
            Next::SecretLiteral
        } else if ASSIGNMENT_OPTIONS.contains(&bare.as_str()) {
            Next::Assignment
        } else {
            Next::Nothing
        };
        None
    }
}

/// The password of `user:password` (or `user%password`, the `separator`) in `word` from
/// byte `from` on (quotes around it kept).
fn password_of_userinfo(
    word: &str,
    from: usize,
    separator: char,
) -> Option<(usize, usize, Replacement)> {
    let end = unquoted_end(word);
    let rest = word.get(from..end)?;
    let (_, password) = rest.split_once(separator)?;
    (!password.is_empty() && named_value(password))
        .then(|| (end - password.len(), end, Replacement::Flag))
}

/// The value of `key=value` in `word` from byte `from` on (`kubectl create secret generic x
/// --from-literal=key=value`): a secret whatever the key.
fn secret_literal(word: &str, from: usize) -> Option<(usize, usize, Replacement)> {
    let end = unquoted_end(word);
    let start = from + word.get(from..end)?.find('=')? + 1;
    (start < end && value(&word[start..end])).then_some((start, end, Replacement::Credential))
}

/// The values of the cookies in `word` from byte `from` on (`session=…; theme=…`): all
/// after the first `=`. A word without `=` names a cookie file and is kept.
fn cookie_values(word: &str, from: usize) -> Option<(usize, usize, Replacement)> {
    let end = unquoted_end(word);
    let start = from + word.get(from..end)?.find('=')? + 1;
    (start < end && value(&word[start..end])).then_some((start, end, Replacement::Flag))
}

/// The arguments of a container (`command` followed by `args`, read as one command line,
/// as the container runtime joins them) with what they pass as a credential replaced; a
/// script given to a shell's `-c`, an argument that assigns and goes on after a blank, and
/// an argument nothing was found in, are read as scripts of their own (see
/// [`redact_script`]). `None` when nothing changes.
pub(super) fn redact_arguments(args: &[&str]) -> Option<Vec<String>> {
    // pflag's reading first: a secret flag takes the next argument whatever it starts with.
    let flags = crate::collect::node::redact_args(args.iter().map(|a| a.to_string()).collect());
    let mut scanner = Scanner::default();
    let mut changed = false;
    let out = flags
        .into_iter()
        .enumerate()
        .map(|(i, arg)| {
            // A script is not one word: `PASSWORD=x exec app …` assigns only `x`. The
            // scanner still reads it, for what it announces.
            let script = scanner.is_script_next()
                || (arg.contains(char::is_whitespace) && assigned_credential(&arg).is_some());
            let replaced = scanner.word(&arg, i == 0).filter(|_| !script);
            let arg = match replaced {
                Some((s, e, with)) => format!("{}{}{}", &arg[..s], with.plain(), &arg[e..]),
                None => redact_script(&arg).unwrap_or(arg),
            };
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
    // A query or fragment parameter keeps its `?`/`&`/`#` and name (`?token=`).
    let parameter = match matched.find('=') {
        Some(i) if matched.starts_with(['?', '&', '#']) => &matched[..=i],
        _ => "",
    };
    format!(
        "{scheme}{parameter}{}{pattern}{at}",
        super::REDACTED_MATCH_IN_WORD
    )
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

/// The inside of a word quoted as a whole (`'…'`, `"…"`), if it is.
fn whole_quoted(word: &str) -> Option<&str> {
    let q = word.chars().next().filter(|c| matches!(c, '\'' | '"'))?;
    let inner = word[1..].strip_suffix(q)?;
    (!inner.contains(q)).then_some(inner)
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
/// variables, secret flags, flags named like a credential whose value is no number, boolean
/// or file, password options of well-known clients, `user:password`, credential headers,
/// configuration lines), and values matching a credential pattern. A value that is a path
/// or a variable reference is kept. A quoted word holding blanks (`bash -c "mysql -p…"`,
/// `psql "host=db password=…"`) is read as a script too. Replacements are single-quoted or
/// plain words, so a readable script stays readable in the same words. `None` when nothing
/// is replaced.
pub(super) fn redact_script(text: &str) -> Option<String> {
    redact_script_within(text, false, 0)
}

/// [`redact_script`]; `quoted`: `text` is the inside of a quoted word, where replacements
/// are written without quotes.
fn redact_script_within(text: &str, quoted: bool, depth: usize) -> Option<String> {
    let mut scanner = Scanner::default();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let words = script_words(text);
    let echoed = echoed_credentials(text, &words);
    for (i, &(start, end, first)) in words.iter().enumerate() {
        let word = &text[start..end];
        // A quoted script or configuration string: its own words, read the same way.
        if let Some(inner) = whole_quoted(word).filter(|i| i.contains(char::is_whitespace)) {
            if let Some(r) = (depth < 4)
                .then(|| redact_script_within(inner, true, depth + 1))
                .flatten()
            {
                let _ = scanner.word(word, first);
                out.push_str(&text[at..start + 1]);
                out.push_str(&r);
                at = start + 1 + inner.len();
                continue;
            }
        }
        let found = scanner.word(word, first);
        let found = found.or_else(|| {
            (echoed.contains(&i) && value(word)).then_some((0, word.len(), Replacement::Flag))
        });
        if let Some((s, e, with)) = found {
            // Inside quotes the marker is written as it is, before the closing quote.
            let (e, with) = match quote_at(word, s) {
                _ if quoted => (e, with.plain()),
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
    let out = redact_embedded(&out).unwrap_or(out);
    (out != text).then_some(out)
}

/// The arguments of `echo` and `printf` commands that hand their output to a password read
/// from standard input (`echo X | docker login --password-stdin`) or write it to a file
/// named like a credential (`echo -n X > /run/secrets/token`): indexes into `words`.
fn echoed_credentials(text: &str, words: &[(usize, usize, bool)]) -> Vec<usize> {
    let mut found = Vec::new();
    let starts: Vec<usize> = (0..words.len()).filter(|&i| words[i].2).collect();
    for (c, &first) in starts.iter().enumerate() {
        let end = starts.get(c + 1).copied().unwrap_or(words.len());
        let word = |i: usize| &text[words[i].0..words[i].1];
        if !matches!(program_name(word(first)), "echo" | "printf") {
            continue;
        }
        let mut arguments = Vec::new();
        let mut to_credential_file = false;
        let mut i = first + 1;
        while i < end {
            let w = word(i);
            // Output redirections; `< file` is read as before, an argument.
            let output = crate::checks::command_line::redirection(w).filter(|(op, _)| *op != "<");
            if let Some((_, target)) = output {
                let target = if target.is_empty() {
                    i += 1;
                    if i < end {
                        word(i)
                    } else {
                        ""
                    }
                } else {
                    target
                };
                let file = unquote(target).rsplit('/').next().unwrap_or_default();
                let stem = file.split('.').next().unwrap_or_default();
                to_credential_file |= credential_name(file)
                    || credential_name(stem)
                    || CREDENTIAL_FILES.contains(&file.trim_start_matches('.'));
            } else if !w.starts_with('-') {
                arguments.push(i);
            }
            i += 1;
        }
        // `|` (not `||`) between this command and the next, which reads a password from
        // standard input (`--password-stdin`, `--token-stdin`).
        let piped = end < words.len() && {
            let between = &text[words[end - 1].1..words[end].0];
            between.trim() == "|"
        };
        let next_reads_password = piped && {
            let next_end = starts.get(c + 2).copied().unwrap_or(words.len());
            let program = |name: &str| (end..next_end).any(|i| program_name(word(i)) == name);
            (end..next_end).any(|i| {
                word(i)
                    .trim_start_matches('-')
                    .strip_suffix("-stdin")
                    .is_some_and(|name| secret_flag(&format!("--{name}")) || credential_name(name))
            })
                // `echo user:password | chpasswd`, `echo password | passwd --stdin user`,
                || PASSWORD_READERS.iter().any(|p| program(p))
                // `passwd` reads the new password (twice) from a pipe, `--stdin` or not.
                || program("passwd")
        };
        if to_credential_file || next_reads_password {
            found.extend(arguments);
        }
    }
    found
}

/// What replaces a credential found inside a word by [`redact_embedded`].
const EMBEDDED: &str = "redacted-credential";

/// `text` with credentials that sit inside a word replaced: SQL password literals (`ALTER
/// USER … PASSWORD '…'`, `IDENTIFIED BY '…'`), credential-named members of JSON bodies
/// (`-d '{"password":"…"}'`), a token given as the user of an HTTP URL
/// (`https://TOKEN@github.com/…`), the password of a Go DSN (`user:…@tcp(db:3306)/`) and
/// Redis `AUTH` arguments. `None` when there is none.
fn redact_embedded(text: &str) -> Option<String> {
    use regex::{Captures, Regex};
    use std::sync::LazyLock;
    // Each pattern: the text before the credential (group 1), then the credential (the last
    // group). A `name` group, where there is one, must be named like a credential.
    static PATTERNS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
        [
            r#"(?i)(\b(?:PASSWORD\s*(?:=\s*)?(?:PASSWORD\s*\(\s*)?|IDENTIFIED\s+(?:WITH\s+\w+\s+)?BY\s+(?:PASSWORD\s+)?)')([^'\s]+)'"#,
            r#"(?i)(\bIDENTIFIED\s+(?:WITH\s+\w+\s+)?BY\s+")([^"\s]+)""#,
            r#"(\\?"(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)\\?"\s*:\s*\\?")([^"\\]+)"#,
            r#"(?i)(\bhttps?://)([^\s/:@'"$<>]+)@"#,
            r#"(\b[A-Za-z0-9_.-]+:)([^\s:@/'"$<>()]+)@(?:(?:tcp|udp|unix)?\(|/)"#,
            r#"(?i)(\bSET\s+PASSWORD\s+(?:FOR\s+\S+\s*)?=\s*(?:PASSWORD\s*\(\s*)?')([^'\s]+)'"#,
            r#"((?:^|[\s'"])AUTH(?:\s+[^\s'"\\;&|<>()-][^\s'"\\;&|<>()]*)?\s+)([^\s'"\\;&|<>()-][^\s'"\\;&|<>()]*)"#,
        ]
        .iter()
        .filter_map(|p| Regex::new(p).ok())
        .collect()
    });
    let mut out: Option<String> = None;
    for re in PATTERNS.iter() {
        let current = out.as_deref().unwrap_or(text);
        if !re.is_match(current) {
            continue;
        }
        let replaced = re.replace_all(current, |c: &Captures| {
            let whole = &c[0];
            let before = &c[1];
            let last = c.get(c.len() - 1);
            let credential = last.map_or("", |m| m.as_str());
            // `AUTH 1>>log`: a redirection's descriptor, no credential.
            let redirected = last.is_some_and(|m| current[m.end()..].starts_with(['>', '<']));
            let named = c.name("name").is_none_or(|n| credential_name(n.as_str()));
            // Never an option (`--token-auth-file=…`): the flag checks read these words.
            if !named
                || redirected
                || credential.starts_with(EMBEDDED)
                || credential.starts_with('-')
                || !value(credential)
            {
                return whole.to_string();
            }
            let after = &whole[before.len() + credential.len()..];
            format!("{before}{EMBEDDED}{after}")
        });
        if replaced != current {
            out = Some(replaced.into_owned());
        }
    }
    out
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
            // Feature gates named like a credential are settings.
            &[
                "kube-controller-manager",
                "--feature-gates",
                "ServiceAccountTokenNodeBinding=true,RotateKubeletServerCertificate=false",
            ],
        ] {
            assert_eq!(redact_arguments(given), None, "{given:?}");
        }
        for script in [
            "grep -H foo /x; sudo -u nobody id; docker run -u 1000:1000 img; ls -H /tmp",
            "curl -H 'Content-Type: application/json' -H 'X-Request-Id: abc' https://x",
            "mysql -h db -p -e 'select 1'; echo -pfoo",
            "openssl pkcs12 -passin env:PASS -passout file:/p",
            "docker run --name mongo -p 27017:27017 mongo:7",
            "sshpass -e ssh -p 2222 host",
            "grep -q requirepass /etc/redis/redis.conf",
            "exec etcd --client-cert-auth >>/var/log/etcd.log 2>&1",
            "echo token: kube-apiserver starting",
        ] {
            assert_eq!(redact_script(script), None, "{script}");
        }
    }

    #[test]
    fn a_script_that_starts_with_an_assignment_keeps_its_command() {
        // The element after `sh -c` is a script: only the assigned value goes.
        assert_eq!(
            args(&[
                "/bin/sh",
                "-c",
                "ETCD_PASSWORD=C1 exec kube-apiserver --anonymous-auth=false"
            ]),
            [
                "/bin/sh",
                "-c",
                "ETCD_PASSWORD='<redacted credential>' exec kube-apiserver --anonymous-auth=false"
            ]
        );
        assert_eq!(
            args(&["sh", "-ec", "PGPASSWORD=C2 psql -h db -c 'select 1'"]),
            [
                "sh",
                "-ec",
                "PGPASSWORD='<redacted credential>' psql -h db -c 'select 1'"
            ]
        );
        // An argument replaced once is not read again.
        assert_eq!(
            args(&["env", "DB_PASSWORD=C3", "/app"]),
            ["env", "DB_PASSWORD=<redacted credential>", "/app"]
        );
        // A file named by a flag named like a key is a setting.
        assert_eq!(
            redact_arguments(&["kube-apiserver", "--kubelet-client-key", "pki/client.key"]),
            None
        );
    }

    #[test]
    fn clients_behind_keywords_nested_scripts_and_option_values_lose_their_passwords() {
        let scripts = [
            "until mysqladmin ping -h db -uroot -pCANARY1 --silent; do sleep 2; done",
            "if redis-cli -h redis -a CANARY2 ping | grep -q PONG; then echo ok; fi",
            "while ! redis-cli -a CANARY3 ping; do sleep 1; done",
            "timeout 5 redis-cli -a CANARY4 ping",
            "nice -n 10 mysqldump -uroot -pCANARY5 app > /b.sql",
            "RES=`mysql -uroot -pCANARY6 -e 'select 1'`",
            "kubectl exec db-0 -- mysql -pCANARY7 -e 'select 1'",
            "{ mysql -pCANARY8 -e 'select 1'; }",
            "bash -c \"mysql -uroot -pCANARY9 -e 'select 1'\"",
            "su mysql -c 'mysql -uroot -pCANARY10 -e status'",
            "psql \"host=db user=app password=CANARY11 dbname=app\" -c 'select 1'",
            "kubectl create secret generic db --from-literal=password=CANARY12",
            "helm upgrade x y --set auth.postgresPassword=CANARY13 --set=auth.password=CANARY14",
            "docker run --env=DB_PASSWORD=CANARY15 -e API_TOKEN=CANARY16 img",
            "curl -uadmin:CANARY17 https://x && etcdctl --user=root:CANARY18 get /",
            "mysqlsh -uroot -pCANARY19",
            "mongosh -u root -p CANARY20 --eval 1; ldapsearch -x -w CANARY21 -b dc=x",
            "echo \"requirepass CANARY22\" >> /etc/redis/redis.conf",
            "cat > /c.yaml <<EOF\npassword: CANARY23\ntoken: CANARY24\nEOF",
            "gpg --batch --passphrase CANARY25 -d f; skopeo copy --src-creds u:CANARY26 a b",
            "docker login -u ci -p CANARY27 reg.example && oc login -u admin -p CANARY28 https://api",
        ];
        // Still the same words to a shell that reads it.
        scripts.into_iter().for_each(script_loses_canaries);
        [
            &[
                "sh",
                "-c",
                "until mysqladmin ping -pCANARY1; do sleep 1; done",
            ][..],
            &[
                "kubectl",
                "create",
                "secret",
                "generic",
                "x",
                "--from-literal",
                "api-key=CANARY2",
            ],
            &["mongo", "-u", "root", "-p", "CANARY3"],
            &["curl", "-uadmin:CANARY4", "https://x"],
        ]
        .into_iter()
        .for_each(args_lose_canaries);
        // `--password-stdin` takes no value: the registry after it stays.
        assert_eq!(
            redact_script("echo $P | docker login -u ci --password-stdin registry.example"),
            None
        );
    }

    /// Asserts no `CANARY` word survives in the arguments.
    fn args_lose_canaries(given: &[&str]) {
        let out = args(given).join(" ");
        assert!(!out.contains("CANARY"), "{given:?}\n{out}");
    }

    /// Asserts no `CANARY` word survives in the script, which still reads into as many words.
    fn script_loses_canaries(script: &str) {
        let out = redact_script(script).unwrap_or_else(|| script.to_string());
        assert!(!out.contains("CANARY"), "{script}\n{out}");
        if let Ok(before) = crate::checks::command_line::shell_words(script) {
            let after = crate::checks::command_line::shell_words(&out).expect("readable");
            assert_eq!(before.len(), after.len(), "{script}\n{out}");
        }
    }

    #[test]
    fn positional_passwords_echoed_values_and_credentials_inside_words_are_replaced() {
        [
            &[
                "htpasswd",
                "-bc",
                "/etc/nginx/.htpasswd",
                "admin",
                "CANARY1",
            ][..],
            &["htpasswd", "-nb", "admin", "CANARY2"],
            &[
                "mc",
                "alias",
                "set",
                "m",
                "http://minio:9000",
                "admin",
                "CANARY3",
            ],
            &["rabbitmqctl", "add_user", "admin", "CANARY4"],
            &["vault", "login", "CANARY5"],
            &[
                "aws",
                "configure",
                "set",
                "aws_secret_access_key",
                "CANARY6",
            ],
            &["smbclient", "//srv/share", "-U", "user%CANARY7"],
            &["curl", "-b", "session=CANARY8", "http://svc"],
            &["openssl", "enc", "-d", "-in", "/x.enc", "-k", "CANARY9"],
            &["ssh-keygen", "-t", "ed25519", "-N", "CANARY10", "-f", "/k"],
            &["/exporter", "--dsn", "user:CANARY11@tcp(db:3306)/"],
            &["git", "clone", "https://CANARY12@github.com/org/repo.git"],
            &["psql", "-c", "ALTER USER app WITH PASSWORD 'CANARY13'"],
            &[
                "mysql",
                "-e",
                "CREATE USER 'a'@'%' IDENTIFIED BY 'CANARY14'",
            ],
            &[
                "curl",
                "-d",
                "{\"user\":\"a\",\"password\":\"CANARY15\"}",
                "http://x",
            ],
            &["curl", "https://api.example.com/ping?token=CANARY16"],
            &[
                "curl",
                "https://hooks.slack.com/services/T000/B000/CANARY17abcdef",
            ],
        ]
        .into_iter()
        .for_each(args_lose_canaries);
        [
            "echo CANARY1 | docker login -u ci --password-stdin registry.example",
            "echo -n 'CANARY2' > /shared/token && exec /app",
            "printf 'AUTH CANARY3\\r\\nPING\\r\\n' | nc redis 6379",
            "redis-cli -h redis AUTH default CANARY4",
            "mc alias set m http://minio:9000 admin CANARY5 && mc mb m/b",
            "kubectl exec rabbit-0 -- rabbitmqctl change_password guest CANARY6",
            "htpasswd -bc /auth/htpasswd admin CANARY7",
            "bin/elasticsearch-users useradd admin -p CANARY8 -r superuser",
            "psql -U postgres -c \"ALTER USER app WITH PASSWORD 'CANARY9';\"",
            "curl -d '{\"login\":\"x\",\"password\":\"CANARY10\"}' http://grafana:3000/api",
            "curl -fsS \"https://hc.example/ping/x?api_key=CANARY11\"",
            "vault login CANARY12 && vault kv get secret/x",
            // kubectl's options before `secret` (recheck s34); a here-string to chpasswd;
            // passwd reading a pipe without --stdin; useradd's and usermod's `-p`.
            "kubectl create -n ns secret generic x --from-literal=pw=CANARY13",
            "kubectl --context prod create --namespace ns secret generic x --from-literal pw=CANARY14",
            "chpasswd <<< \"root:CANARY15\"",
            "echo -e \"CANARY16\\nCANARY16\" | passwd bob",
            "useradd -m -p CANARY17 bob",
        ]
        .into_iter()
        .for_each(script_loses_canaries);
        // The key of `--from-literal` stays, and so does a namespace.
        assert_eq!(
            redact_script("kubectl create -n ns secret generic x --from-literal=pw=CANARY1")
                .as_deref(),
            Some("kubectl create -n ns secret generic x --from-literal=pw='<redacted credential>'")
        );
        // The name and the rest of a URL stay.
        assert_eq!(
            redact_script("curl https://x.example/ping?token=CANARY1&v=2").as_deref(),
            Some("curl https://x.example/ping?token=redacted-credential-matching-url-with-token-parameter&v=2")
        );
        for given in [
            &["htpasswd", "-B", "/etc/htpasswd", "admin"][..],
            &[
                "mc",
                "alias",
                "set",
                "m",
                "http://minio:9000",
                "$(AK)",
                "$(SK)",
            ],
            &["vault", "login", "-method=userpass", "username=app"],
            &["curl", "-b", "cookies.txt", "http://svc"],
            &["ssh-keygen", "-N", "", "-f", "/k"],
            &["curl", "-d", "{\"name\":\"a\",\"replicas\":3}", "http://x"],
            &["psql", "-c", "select 1"],
            &["git", "clone", "ssh://git@github.com/org/repo.git"],
        ] {
            assert_eq!(redact_arguments(given), None, "{given:?}");
        }
        // Option values are no positions; attached forms; `-e` of openssl is no assignment.
        [
            &[
                "htpasswd",
                "-bBC",
                "10",
                "/auth/htpasswd",
                "admin",
                "CANARY1",
            ][..],
            &[
                "mc",
                "--config-dir",
                "/tmp/mc",
                "alias",
                "set",
                "m",
                "http://m:9000",
                "ak",
                "CANARY2",
            ],
            &["vault", "login", "-address", "http://vault:8200", "CANARY3"],
            &[
                "rabbitmqctl",
                "-n",
                "rabbit@x",
                "add_user",
                "admin",
                "CANARY4",
            ],
            &[
                "aws",
                "--profile",
                "p",
                "configure",
                "set",
                "aws_secret_access_key",
                "CANARY5",
            ],
            &["openssl", "aes-256-cbc", "-e", "-k", "CANARY6"],
            &["smbclient", "//srv/share", "-Uadmin%CANARY7"],
            &["curl", "-bsession=CANARY8", "http://svc"],
            &["ssh-keygen", "-NCANARY9", "-f", "/k"],
            &["redis-cli", "-h", "redis", "AUTH", "CANARY10"],
            &[
                "vault",
                "login",
                "--header",
                "X-Vault-Namespace: a",
                "CANARY14",
            ],
            &["redis-cli", "auth", "default", "CANARY11"],
            &["/exporter", "--dsn=user:CANARY12@/app"],
            &["mysql", "-e", "SET PASSWORD FOR 'root'@'%' = 'CANARY13'"],
        ]
        .into_iter()
        .for_each(args_lose_canaries);
        assert_eq!(
            args(&[
                "htpasswd",
                "-bBC",
                "10",
                "/auth/htpasswd",
                "admin",
                "CANARY1"
            ])[4],
            "admin"
        );
        // A header name ending in AUTH before an option is no Redis AUTH: the flag checks read
        // these words.
        for script in [
            "exec kube-apiserver --requestheader-group-headers=X-AUTH --token-auth-file=/etc/t.csv --profiling=false",
            "exec kube-apiserver --requestheader-group-headers AUTH 1>>/var/log/a.log 2>&1",
        ] {
            assert_eq!(redact_script(script), None, "{script}");
        }
        // A file named like a client, given to an option, does not make that client the
        // program: `-b` is kube-apiserver's, and no position is a password.
        assert_eq!(
            redact_arguments(&[
                "kube-apiserver",
                "--basic-auth-file=/etc/htpasswd",
                "-b",
                "--authorization-mode",
                "Node,RBAC",
                "--anonymous-auth",
                "true",
            ]),
            None
        );
        for script in [
            "echo hello > /tmp/out.txt; echo ok | grep ok",
            "echo \"$TOKEN\" | docker login --password-stdin r.example",
            "redis-cli -h redis PING",
        ] {
            assert_eq!(redact_script(script), None, "{script}");
        }
    }

    #[test]
    fn secret_literals_password_readers_credential_files_and_lftp_logins_are_replaced() {
        // Session 33, leaks L3.
        [
            "kubectl create secret generic x --from-literal=pw=CANARY1",
            "kubectl -n shop create secret generic x --from-literal pw=CANARY2 --from-literal=user=CANARY3",
            "oc create secret generic x --from-literal='k=CANARY4'",
            "echo CANARY5 | chpasswd",
            "echo \"root:CANARY6\" | chpasswd",
            "echo 'app:CANARY7' | sudo chpasswd -e",
            "echo CANARY8 | passwd --stdin app",
            "echo \"CANARY9\" > /root/.pgpass",
            "echo 'db:5432:*:app:CANARY10' >> ~/.pgpass && chmod 600 ~/.pgpass",
            "printf 'machine h login u password CANARY11' > ~/.netrc",
            "lftp -u user,CANARY12 ftp.example.com",
            "timeout 30 lftp -u user,CANARY13 -e 'mirror; quit' ftp.example.com",
            "lftp -c 'open -u user,CANARY14 ftp.example.com; mirror'",
            "java -Xmx1g -Dspring.datasource.password=CANARY -jar app.jar",
        ]
        .into_iter()
        .for_each(script_loses_canaries);
        assert_eq!(
            args(&[
                "kubectl",
                "create",
                "secret",
                "generic",
                "x",
                "--from-literal=pw=CANARY1"
            ])[5],
            "--from-literal=pw=<redacted credential>"
        );
        // A ConfigMap's literals are no secrets; a user name stays.
        for script in [
            "kubectl create configmap x --from-literal=mode=fast",
            "kubectl create secret generic x --from-file=key=/etc/k",
            "echo hello | grep h",
            "echo \"$PW\" | chpasswd",
            "lftp -u user ftp.example.com",
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
