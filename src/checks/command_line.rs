//! How a container's command line reaches its program: the kubelet's `$(VAR)` expansion from
//! the container's environment, a shell script (`sh -c "kube-apiserver …"`) split into words
//! when that can be done reliably, and Go's integer syntax for `Int` flags.
//!
//! Nothing here guesses: a reference whose value the input does not show, or a script whose
//! words depend on the shell (variables, globbing, several commands), is reported with the
//! reason, and the checks that need the value say `manual`.

use std::collections::BTreeMap;

use crate::document::Doc;

/// A variable of a container's environment as the input shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum EnvValue {
    /// A literal value (after the kubelet's expansion of earlier variables).
    Known(String),
    /// A value the input does not show, and why (words that follow the variable's name:
    /// "comes from a Secret (valueFrom)").
    Hidden(String),
}

/// A container's environment: `env` in order (a later entry wins) and whether `envFrom` may
/// define more.
#[derive(Debug, Clone, Default)]
pub struct ContainerEnv {
    /// Each variable of `env`.
    pub vars: BTreeMap<String, EnvValue>,
    /// The `envFrom` sources, in words, when there are any: they may define any variable.
    pub env_from: Option<String>,
}

impl ContainerEnv {
    /// Reads a container's `env` and `envFrom`. An `env` value may refer to variables defined
    /// before it, as the kubelet expands it.
    pub fn of(container: &Doc) -> ContainerEnv {
        let mut env = ContainerEnv::default();
        let sources: Vec<String> = container
            .get("envFrom")
            .and_then(Doc::as_array)
            .into_iter()
            .flatten()
            .map(|s| {
                let named = |k: &str| {
                    s.get(k)
                        .and_then(|r| r.get("name"))
                        .and_then(Doc::as_str)
                        .map(|n| format!("{k} {}", crate::quote::quote(n)))
                };
                named("configMapRef")
                    .or_else(|| named("secretRef"))
                    .unwrap_or_else(|| "a source".to_string())
            })
            .collect();
        if !sources.is_empty() {
            env.env_from = Some(sources.join(", "));
        }
        for v in container
            .get("env")
            .and_then(Doc::as_array)
            .into_iter()
            .flatten()
        {
            let Some(name) = v.get("name").and_then(Doc::as_str) else {
                continue;
            };
            let value = match (v.get("value").and_then(Doc::as_str), v.get("valueFrom")) {
                (Some(text), _) if !text.is_empty() => {
                    let (expanded, unresolved) = expand(text, &env);
                    match unresolved.first() {
                        None => EnvValue::Known(expanded),
                        Some((var, why)) => EnvValue::Hidden(format!("uses $({var}), which {why}")),
                    }
                }
                (_, Some(from)) => {
                    let kind = [
                        "secretKeyRef",
                        "configMapKeyRef",
                        "fieldRef",
                        "resourceFieldRef",
                    ]
                    .into_iter()
                    .find(|k| from.get(k).is_some())
                    .unwrap_or("valueFrom");
                    EnvValue::Hidden(format!(
                        "comes from env[].valueFrom ({kind}), whose value the input does not show"
                    ))
                }
                _ => EnvValue::Known(String::new()),
            };
            env.vars.insert(name.to_string(), value);
        }
        env
    }

    /// A variable's value, or why it cannot be seen.
    pub fn lookup(&self, var: &str) -> Result<&str, String> {
        match self.vars.get(var) {
            Some(EnvValue::Known(v)) => Ok(v),
            Some(EnvValue::Hidden(why)) => Err(why.clone()),
            None => Err(match &self.env_from {
                Some(from) => {
                    format!("is not in env and may come from envFrom ({from}), which is not read")
                }
                None => "is not defined in the container's env".to_string(),
            }),
        }
    }
}

/// Expands `$(VAR)` in a command or argument as the kubelet does (`$$` is a literal `$`; an
/// unclosed `$(` and any other `$x` stay as written). A reference whose value cannot be seen is
/// left as `$(VAR)` and returned with the reason.
pub fn expand(input: &str, env: &ContainerEnv) -> (String, Vec<(String, String)>) {
    let mut out = String::with_capacity(input.len());
    let mut unresolved = Vec::new();
    let mut rest = input;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        match after.chars().next() {
            None => {
                out.push('$');
                rest = after;
            }
            Some('$') => {
                out.push('$');
                rest = &after[1..];
            }
            Some('(') => match after.find(')') {
                Some(close) => {
                    let var = &after[1..close];
                    match env.lookup(var) {
                        Ok(v) => out.push_str(v),
                        Err(why) => {
                            out.push_str(&format!("$({var})"));
                            if !unresolved.iter().any(|(v, _)| v == var) {
                                unresolved.push((var.to_string(), why));
                            }
                        }
                    }
                    rest = &after[close + 1..];
                }
                None => {
                    out.push_str("$(");
                    rest = &after[1..];
                }
            },
            Some(c) => {
                out.push('$');
                out.push(c);
                rest = &after[c.len_utf8()..];
            }
        }
    }
    out.push_str(rest);
    (out, unresolved)
}

/// Shells whose `-c` script is read.
pub(crate) const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "ksh", "zsh", "busybox"];

/// A shell's option word: `Some(true)` when it is a cluster of short options holding `c`
/// (`-c`, `-ec`, `-xc`), so the script comes next; `Some(false)` for other short options
/// (`-e`); `None` for anything else.
pub(crate) fn script_option(word: &str) -> Option<bool> {
    let letters = word.strip_prefix('-')?;
    (!letters.is_empty() && letters.chars().all(|c| c.is_ascii_alphabetic()))
        .then(|| letters.contains('c'))
}

/// Programs that run the command after them: init processes, user switches, `env`, each
/// with how many words of its own it takes after its options (`gosu USER command …`).
const WRAPPERS: &[(&str, usize)] = &[
    ("dumb-init", 0),
    ("tini", 0),
    ("tini-static", 0),
    ("catatonit", 0),
    ("nohup", 0),
    ("env", 0),
    ("gosu", 1),
    ("su-exec", 1),
];

/// `argv` without the wrappers it starts with (`dumb-init -- kube-apiserver …`, `gosu etcd
/// etcd …`, `env A=b kube-apiserver …`): the command they run.
pub fn without_wrappers(argv: &[String]) -> &[String] {
    let mut rest = argv;
    // Wrappers may nest (`dumb-init -- gosu etcd etcd …`), a few levels at most.
    for _ in 0..4 {
        let Some(first) = rest.first() else {
            break;
        };
        let base = first.rsplit('/').next().unwrap_or(first);
        let Some((_, own)) = WRAPPERS.iter().find(|(w, _)| *w == base) else {
            break;
        };
        let mut i = 1;
        while let Some(a) = rest.get(i) {
            if a == "--" {
                i += 1;
                break;
            }
            if a.starts_with('-') || (base == "env" && a.contains('=')) {
                i += 1;
                continue;
            }
            break;
        }
        rest = rest.get(i + own..).unwrap_or_default();
    }
    rest
}

/// Whether `argv` runs a shell script (`sh -c SCRIPT`, `bash -ec SCRIPT`, `su USER -c
/// SCRIPT`): the script.
pub fn shell_script(argv: &[String]) -> Option<&str> {
    let first = argv.first()?;
    let base = first.rsplit('/').next().unwrap_or(first);
    if base == "su" {
        let at = argv.iter().position(|a| a == "-c" || a == "--command")?;
        return argv.get(at + 1).map(String::as_str);
    }
    if !SHELLS.contains(&base) {
        return None;
    }
    let mut i = 1;
    // `busybox sh -c …`
    if base == "busybox" && argv.get(1).is_some_and(|a| SHELLS.contains(&a.as_str())) {
        i = 2;
    }
    while let Some(opt) = argv.get(i) {
        i += 1;
        if script_option(opt)? {
            return argv.get(i).map(String::as_str);
        }
    }
    None
}

/// The words of a one-command shell script (`exec` dropped), or why they cannot be read
/// without running a shell: variables, command substitution, globbing, several commands,
/// redirections (except those that end the command), comments and variable assignments are
/// not followed.
pub fn shell_words(script: &str) -> Result<Vec<String>, String> {
    let unreadable = |what: &str| Err(format!("the shell script uses {what}"));
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = script.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\\' => match chars.next() {
                Some('\n') => {}
                Some(n) => {
                    word.push(n);
                    in_word = true;
                }
                None => return unreadable("a trailing backslash"),
            },
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(n) => word.push(n),
                        None => return unreadable("an unclosed quote"),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('$') => return unreadable("`$` (shell expansion)"),
                        Some('`') => return unreadable("command substitution"),
                        Some('\\') => match chars.next() {
                            Some(n @ ('"' | '\\' | '$' | '`')) => word.push(n),
                            Some('\n') => {}
                            Some(n) => {
                                word.push('\\');
                                word.push(n);
                            }
                            None => return unreadable("an unclosed quote"),
                        },
                        Some(n) => word.push(n),
                        None => return unreadable("an unclosed quote"),
                    }
                }
            }
            '$' => return unreadable("`$` (shell expansion)"),
            '`' => return unreadable("command substitution"),
            '\n' | ';' | '&' | '|' => return unreadable("several commands"),
            // Redirections that end the command (`1>>/var/log/kube-proxy.log 2>&1`) change
            // where its output goes, not its arguments.
            '<' | '>' => {
                let fd = in_word && word.chars().all(|c| c.is_ascii_digit());
                let rest: String = std::iter::once(c).chain(chars).collect();
                if (in_word && !fd) || !only_redirections(&rest) {
                    return unreadable("a redirection");
                }
                if fd {
                    word.clear();
                    in_word = false;
                }
                break;
            }
            '(' | ')' | '{' | '}' => return unreadable("a group or brace expansion"),
            '*' | '?' | '[' => return unreadable("a wildcard"),
            '#' | '~' if !in_word => return unreadable("a comment or `~`"),
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    if words.first().is_some_and(|w| w == "exec") {
        words.remove(0);
    }
    if words.first().is_some_and(|w| {
        w.split_once('=').is_some_and(|(name, _)| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    }) {
        return unreadable("a variable assignment before the command");
    }
    Ok(words)
}

/// Whether `text` (from a `<` or `>` on) holds only redirections to plain words: `>>/log`,
/// `2>&1`, `> /dev/null`, `<in`.
fn only_redirections(text: &str) -> bool {
    let mut words = text.split_whitespace().peekable();
    while let Some(w) = words.next() {
        let Some((_, target)) = redirection(w) else {
            return false;
        };
        let target = if target.is_empty() {
            match words.next() {
                Some(t) => t,
                None => return false,
            }
        } else {
            target
        };
        let plain = target
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-&".contains(c));
        if !plain {
            return false;
        }
    }
    true
}

/// A shell word that redirects (`>>/var/log/x`, `2>&1`, `>`, `<in`), after its descriptor:
/// its operator (`>>`, `>&`, `>` or `<`) and its target, empty when the target is the next
/// word.
pub(crate) fn redirection(word: &str) -> Option<(&'static str, &str)> {
    let op = word.trim_start_matches(|c: char| c.is_ascii_digit());
    [">>", ">&", ">", "<"]
        .into_iter()
        .find_map(|o| op.strip_prefix(o).map(|target| (o, target)))
}

/// Whether a script may run one of `binaries` (`/usr/local/bin/kube-apiserver` counts),
/// however the rest of it reads: named as a word of a command (first, or behind a wrapper
/// such as `ionice -c2`, which may run it), unless that command only prints, greps or
/// fetches the name (`echo kube-apiserver`, `grep kube-apiserver`, `curl …`).
pub fn script_names(script: &str, binaries: &[String]) -> bool {
    // Commands whose words are never run.
    const MENTIONS: &[&str] = &[
        "echo", "printf", "grep", "egrep", "fgrep", "curl", "wget", "cat", "logger", "which",
        "type", "test", "[", "[[", "pgrep", "pkill", "killall", "etcdctl", "kubectl",
    ];
    // Words before the command that do not name it.
    const LEADING: &[&str] = &[
        "then", "do", "else", "elif", "if", "while", "until", "exec", "!",
    ];
    let bare = |w: &str| w.trim_matches(|c| c == '"' || c == '\'').to_string();
    let name = |w: &str| {
        let w = bare(w);
        w.rsplit('/').next().unwrap_or(&w).to_string()
    };
    script
        .split(|c: char| ";&|(){}\n`".contains(c))
        .any(|command| {
            let words: Vec<&str> = command.split_whitespace().collect();
            let first = words.iter().find(|w| {
                let w = bare(w);
                let assignment = w.contains('=') && !w.starts_with('-');
                !LEADING.contains(&w.as_str()) && !assignment
            });
            if first.is_some_and(|w| MENTIONS.contains(&name(w).as_str())) {
                return false;
            }
            words.iter().any(|w| binaries.contains(&name(w)))
        })
}

/// Reads an integer as Go's `strconv.ParseInt(s, 0, 64)` does (pflag `Int` flags): an
/// optional sign, then `0x`/`0o`/`0b` or a leading `0` (octal) for the base, `_` between
/// digits allowed.
pub fn go_parse_int(s: &str) -> Option<i64> {
    let (negative, body) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits, prefixed) = if let Some(r) = lower.strip_prefix("0x") {
        (16, r, true)
    } else if let Some(r) = lower.strip_prefix("0o") {
        (8, r, true)
    } else if let Some(r) = lower.strip_prefix("0b") {
        (2, r, true)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..], true)
    } else {
        (10, lower.as_str(), false)
    };
    // Underscores only between digits (a base prefix counts as one).
    let mut saw_digit = prefixed;
    let mut last_underscore = false;
    for c in digits.chars() {
        if c == '_' {
            if !saw_digit {
                return None;
            }
            saw_digit = false;
            last_underscore = true;
        } else if c.is_digit(radix) {
            saw_digit = true;
            last_underscore = false;
        } else {
            return None;
        }
    }
    if last_underscore {
        return None;
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    if clean.is_empty() {
        // `0` alone is octal with no digits left: zero.
        return (lower == "0").then_some(0);
    }
    let magnitude = i128::from_str_radix(&clean, radix).ok()?;
    let v = if negative { -magnitude } else { magnitude };
    i64::try_from(v).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_read_as_go_reads_them() {
        assert_eq!(go_parse_int("30"), Some(30));
        assert_eq!(go_parse_int("030"), Some(24));
        assert_eq!(go_parse_int("0xa"), Some(10));
        assert_eq!(go_parse_int("0X1E"), Some(30));
        assert_eq!(go_parse_int("0o17"), Some(15));
        assert_eq!(go_parse_int("0b101"), Some(5));
        assert_eq!(go_parse_int("1_00"), Some(100));
        assert_eq!(go_parse_int("0_30"), Some(24));
        assert_eq!(go_parse_int("-5"), Some(-5));
        assert_eq!(go_parse_int("+5"), Some(5));
        assert_eq!(go_parse_int("0"), Some(0));
        for bad in [
            "",
            "08",
            "1__0",
            "_1",
            "1_",
            "0x",
            "abc",
            "10.5",
            "99999999999999999999",
        ] {
            assert_eq!(go_parse_int(bad), None, "{bad}");
        }
    }

    #[test]
    fn scripts_are_split_only_when_no_shell_is_needed() {
        let w = shell_words("exec /usr/local/bin/kube-apiserver --a='x y' --b=\"z\" \\\n --c\n")
            .expect("readable");
        assert_eq!(
            w,
            ["/usr/local/bin/kube-apiserver", "--a=x y", "--b=z", "--c"]
        );
        for bad in [
            "kube-apiserver --a=$X",
            "kube-apiserver --a=\"$X\"",
            "mkdir -p /x && kube-apiserver",
            "kube-apiserver --a=`cat f`",
            "kube-apiserver > /log --b",
            "kube-apiserver >$LOG",
            "kube-apiserver --a>x",
            "kube-apiserver --a=*",
            "A=1 kube-apiserver",
            "kube-apiserver\nkube-apiserver",
        ] {
            assert!(shell_words(bad).is_err(), "{bad}");
        }
        // Redirections that end the command leave its words as they are (GKE's form).
        assert_eq!(
            shell_words("exec kube-proxy --v=2 1>>/var/log/kube-proxy.log 2>&1").unwrap(),
            ["kube-proxy", "--v=2"]
        );
        assert_eq!(
            shell_words("etcd --x > /dev/null").unwrap(),
            ["etcd", "--x"]
        );
        let argv = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(shell_script(&argv(&["/bin/sh", "-ec", "x"])), Some("x"));
        assert_eq!(shell_script(&argv(&["bash", "-e", "-c", "x"])), Some("x"));
        assert_eq!(shell_script(&argv(&["kube-apiserver", "-c", "x"])), None);
        let apiserver = ["kube-apiserver".to_string()];
        assert!(script_names(
            "set -e; exec /bin/kube-apiserver --x",
            &apiserver
        ));
        for runs in [
            "if [ -f /x ]; then FOO=1 kube-apiserver --x; fi",
            "sleep 1 && \"/usr/bin/kube-apiserver\" --x",
            "su -s /bin/sh -c kube-apiserver nobody",
            "exec ionice -c2 kube-apiserver --x",
        ] {
            assert!(script_names(runs, &apiserver), "{runs}");
        }
        // Mentioned, not run (session 32 recheck R4).
        for mentions in [
            "etcdctl snapshot save /b/snap.db && echo kube-apiserver",
            "curl https://kube-apiserver:6443/healthz",
            "backup --target=kube-apiserver",
        ] {
            assert!(!script_names(mentions, &apiserver), "{mentions}");
        }
    }

    #[test]
    fn wrappers_are_looked_through_to_the_command_they_run() {
        let argv = |words: &[&str]| words.iter().map(|w| w.to_string()).collect::<Vec<_>>();
        for (given, command) in [
            (
                &[
                    "/usr/bin/dumb-init",
                    "--single-child",
                    "--",
                    "kube-apiserver",
                    "--x",
                ][..],
                "kube-apiserver",
            ),
            (&["tini", "--", "gosu", "etcd", "etcd", "--name=a"], "etcd"),
            (&["env", "GOMAXPROCS=2", "kube-scheduler"], "kube-scheduler"),
            (&["kube-apiserver", "--x"], "kube-apiserver"),
        ] {
            let a = argv(given);
            assert_eq!(
                without_wrappers(&a).first().map(String::as_str),
                Some(command)
            );
        }
        let su = argv(&["su", "kube", "-c", "exec kube-apiserver"]);
        assert_eq!(shell_script(&su), Some("exec kube-apiserver"));
        assert_eq!(without_wrappers(&argv(&["dumb-init"])), &[] as &[String]);
    }

    #[test]
    fn references_expand_from_literal_env_only() {
        let mut env = ContainerEnv::default();
        env.vars.insert("A".into(), EnvValue::Known("x".into()));
        env.vars
            .insert("S".into(), EnvValue::Hidden("is secret".into()));
        assert_eq!(expand("--f=$(A),$$(A),$(", &env).0, "--f=x,$(A),$(");
        let (text, unresolved) = expand("--f=$(S)$(U)", &env);
        assert_eq!(text, "--f=$(S)$(U)");
        assert_eq!(unresolved.len(), 2);
        assert_eq!(unresolved[0].1, "is secret");
        env.env_from = Some("configMapRef \"c\"".into());
        assert!(env.lookup("U").unwrap_err().contains("envFrom"));
    }
}
