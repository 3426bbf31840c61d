//! The `scan` configuration file: `--config FILE`, or `KUBEATTEST_CONFIG=FILE`.
//!
//! A YAML mapping whose keys are `scan`'s long flag names without the dashes, with the value
//! a flag would take; a list where the flag may be repeated (or takes comma-separated values);
//! `true` for a switch:
//!
//! ```yaml
//! framework: [cis-1.12, pss-restricted]
//! format: [json, csv, html]
//! exceptions: /etc/kubeattest/exceptions.yaml
//! fail-on: high
//! exclude-namespace: [kube-system]
//! out-root: /reports
//! keep: 30
//! quiet: true
//! ```
//!
//! Every key is mapped through clap's own definition of the flag, so every `scan` flag —
//! those added later included — is a key with exactly the flag's types, ranges and possible
//! values; nothing here is specific to one option. A flag given on the command line replaces
//! the file's value of the same key (lists are not merged). Unknown keys and values the flag
//! would refuse are errors naming the file and line; every problem is reported at once.
//! Relative paths in the file are taken from the working directory, as on the command line.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use clap::{Arg, ArgAction, CommandFactory, FromArgMatches};

use crate::catalog::LoadError;
use crate::cli::Cli;
use crate::yaml::{Node, NodeValue};

/// The environment variable naming a configuration file for `scan` (`--config` wins).
pub const ENV: &str = "KUBEATTEST_CONFIG";

/// The `scan` flag naming the configuration file (not a key of the file).
const CONFIG_FLAG: &str = "config";

/// Every problem found in a configuration file.
#[derive(Debug, Clone, thiserror::Error)]
pub struct ConfigErrors(pub Vec<LoadError>);

impl std::fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        crate::catalog::write_file_problems(f, "configuration", &self.0)
    }
}

/// Why the command line (with its configuration file) could not be used.
#[derive(Debug)]
pub enum ArgsError {
    /// The command line itself (or `--help`, `--version`).
    Clap(clap::Error),
    /// The configuration file.
    Config(ConfigErrors),
    /// The command line together with the file's options (e.g. two sources at once).
    Combined {
        /// The configuration file.
        file: PathBuf,
        /// What clap said.
        error: clap::Error,
    },
}

/// Parses the command line; for `scan`, adds the options of the configuration file
/// (`--config`, else `env`, the value of `KUBEATTEST_CONFIG`) that the command line does not
/// give.
pub fn parse_args(args: Vec<OsString>, env: Option<OsString>) -> Result<Cli, ArgsError> {
    let strict = |args: &[OsString]| {
        Cli::command()
            .try_get_matches_from(args)
            .and_then(|m| Cli::from_arg_matches(&m))
    };
    // First which flags the command line gives, without checking how they combine: the file
    // may supply what a flag requires (`--keep` needs `out-root`).
    let Ok(matches) = Cli::command()
        .ignore_errors(true)
        .try_get_matches_from(&args)
    else {
        return strict(&args).map_err(ArgsError::Clap);
    };
    let extra = match matches.subcommand() {
        Some(("scan", sub)) => {
            let file = sub
                .get_one::<PathBuf>(CONFIG_FLAG)
                .cloned()
                .or_else(|| env.filter(|v| !v.is_empty()).map(PathBuf::from));
            match file {
                Some(file) => {
                    let given = |id: &str| {
                        sub.value_source(id) == Some(clap::parser::ValueSource::CommandLine)
                    };
                    Some((read(&file, given).map_err(ArgsError::Config)?, file))
                }
                None => None,
            }
        }
        _ => None,
    };
    let Some((extra, file)) = extra else {
        return strict(&args).map_err(ArgsError::Clap);
    };
    let mut all = args;
    all.extend(extra);
    strict(&all).map_err(|error| ArgsError::Combined { file, error })
}

/// The `scan` command with global flags propagated.
fn scan_command() -> clap::Command {
    let mut cmd = Cli::command();
    cmd.build();
    cmd.find_subcommand("scan").cloned().unwrap_or(cmd)
}

/// The keys a configuration file may hold: `scan`'s long flag names, sorted.
pub fn keys() -> Vec<String> {
    let scan = scan_command();
    let mut keys: Vec<String> = scan
        .get_arguments()
        .filter(|a| is_key(a))
        .filter_map(|a| a.get_long().map(str::to_string))
        .collect();
    keys.sort();
    keys
}

fn is_key(arg: &Arg) -> bool {
    !matches!(arg.get_action(), ArgAction::Help | ArgAction::Version)
        && arg.get_long().is_some_and(|l| l != CONFIG_FLAG)
}

/// Reads a configuration file into command-line arguments (`--key=value`), leaving out the
/// keys whose flag `given` says the command line set (by argument id).
pub fn read(path: &Path, given: impl Fn(&str) -> bool) -> Result<Vec<OsString>, ConfigErrors> {
    let shown = path.display().to_string();
    let at = |line: u32, message: String| LoadError {
        file: shown.clone(),
        line,
        message,
    };
    let text = crate::collect::read_input(path)
        .map_err(|e| e.to_string())
        .and_then(|b| {
            String::from_utf8(b).map_err(|_| "not UTF-8 text; write it as YAML in UTF-8".into())
        })
        .map_err(|e| {
            ConfigErrors(vec![at(
                0,
                format!("cannot read the configuration file: {e} (from --config or {ENV})"),
            )])
        })?;
    let doc = crate::yaml::parse_document(&text)
        .map_err(|e| ConfigErrors(vec![at(e.line, format!("invalid YAML: {}", e.message))]))?;
    let entries = match &doc.value {
        NodeValue::Map(entries) => entries.as_slice(),
        NodeValue::Null => &[],
        _ => {
            let message = format!(
                "a configuration file is a mapping of scan options (`fail-on: high`), found a {}",
                doc.type_name()
            );
            return Err(ConfigErrors(vec![at(doc.line, message)]));
        }
    };
    let scan = scan_command();
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for (key, node) in entries {
        let key_line = key.line;
        let Some(arg) = scan
            .get_arguments()
            .find(|a| is_key(a) && a.get_long() == Some(key.value.as_str()))
        else {
            let hint = if key.value == CONFIG_FLAG {
                "a configuration file cannot name another one".to_string()
            } else {
                format!("the keys are scan's long flag names: {}", keys().join(", "))
            };
            errors.push(at(
                key_line,
                format!("unknown key `{}`; {hint}", crate::quote::quote(&key.value)),
            ));
            continue;
        };
        match arguments(arg, node) {
            Ok(args) if given(arg.get_id().as_str()) => drop(args),
            Ok(args) => out.extend(args),
            Err((line, message)) => errors.push(at(line, format!("`{}`: {message}", key.value))),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ConfigErrors(errors))
    }
}

/// The command-line arguments for one key, checked by the flag's own parser; else the line
/// and the problem.
fn arguments(arg: &Arg, node: &Node) -> Result<Vec<OsString>, (u32, String)> {
    let long = arg.get_long().unwrap_or_default();
    if !arg.get_action().takes_values() {
        return match &node.value {
            NodeValue::Bool(true) => Ok(vec![format!("--{long}").into()]),
            NodeValue::Bool(false) => Ok(Vec::new()),
            _ => Err((
                node.line,
                format!(
                    "a switch takes `true` or `false`, found a {}",
                    node.type_name()
                ),
            )),
        };
    }
    let many = matches!(arg.get_action(), ArgAction::Append);
    let values: Vec<&Node> = match &node.value {
        NodeValue::Seq(items) if many => items.iter().collect(),
        NodeValue::Seq(_) => {
            return Err((node.line, "takes one value, found a list".into()));
        }
        _ => vec![node],
    };
    let mut out = Vec::new();
    for value in values {
        let text = match &value.value {
            NodeValue::String(s) => s.clone(),
            NodeValue::Number(n) => n.to_string(),
            NodeValue::Bool(b) => b.to_string(),
            other => {
                let found = Node {
                    line: value.line,
                    value: other.clone(),
                }
                .type_name();
                return Err((
                    value.line,
                    format!("expected a value as the flag `--{long}` takes, found a {found}"),
                ));
            }
        };
        check_value(arg, &text).map_err(|m| (value.line, m))?;
        let mut token = OsString::from(format!("--{long}="));
        token.push(&text);
        out.push(token);
    }
    Ok(out)
}

/// Runs one value through the flag's own parser (type, range, possible values, delimiter)
/// in a command holding only that flag.
fn check_value(arg: &Arg, value: &str) -> Result<(), String> {
    let mut probe = Arg::new("value")
        .long("value")
        .action(arg.get_action().clone())
        .value_parser(arg.get_value_parser().clone());
    if let Some(d) = arg.get_value_delimiter() {
        probe = probe.value_delimiter(d);
    }
    let mut token = OsString::from("--value=");
    token.push(OsStr::new(value));
    clap::Command::new("kubeattest")
        .no_binary_name(true)
        .color(clap::ColorChoice::Never)
        .disable_help_flag(true)
        .arg(probe)
        .try_get_matches_from([token])
        .map(drop)
        .map_err(|e| {
            let text = e.render().to_string();
            let lines: Vec<String> = text
                .lines()
                .map(|l| l.trim().trim_start_matches("error: "))
                .filter(|l| {
                    !l.is_empty()
                        && !l.starts_with("For more information")
                        && !l.starts_with("Usage:")
                })
                .map(|l| {
                    l.replace(" for '--value <value>'", "")
                        .replace(" for '--value'", "")
                })
                .collect();
            lines.join("; ")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("kubeattest.yaml");
        std::fs::write(&p, text).unwrap();
        (t, p)
    }

    fn scan(cli: Cli) -> crate::cli::ScanArgs {
        match cli.command {
            crate::cli::Command::Scan(a) => *a,
            other => panic!("not a scan: {other:?}"),
        }
    }

    fn parse(argv: &[&str], env: Option<&Path>) -> Result<Cli, ArgsError> {
        parse_args(
            argv.iter().map(OsString::from).collect(),
            env.map(|p| p.as_os_str().to_owned()),
        )
    }

    #[test]
    fn every_scan_flag_is_a_key() {
        let keys = keys();
        for k in [
            "framework",
            "format",
            "exceptions",
            "attestations",
            "preparer",
            "fail-on",
            "min-score",
            "namespace",
            "keep",
            "keep-days",
            "out-root",
            "catalog",
            "agent-namespace",
        ] {
            assert!(keys.iter().any(|x| x == k), "{k} missing from {keys:?}");
        }
        assert!(!keys.iter().any(|k| k == "config" || k == "help"));
    }

    #[test]
    fn file_values_apply_and_flags_override_them() {
        let (_t, p) = write(
            "framework: [cis-1.12, pss-restricted]\nformat: json,csv\nfail-on: high\nquiet: true\nout-root: r\nkeep: 7\nrequest-timeout: 45s\npreparer: Ops\n",
        );
        let cfg = p.to_str().unwrap();
        let a = scan(
            parse(
                &["kubeattest", "scan", "--config", cfg, "--preparer", "Me"],
                None,
            )
            .unwrap(),
        );
        assert_eq!(a.framework, ["cis-1.12", "pss-restricted"]);
        assert_eq!(a.format.len(), 2);
        assert_eq!(a.fail_on, Some(crate::catalog::Severity::High));
        assert!(a.quiet);
        assert_eq!(a.keep, Some(7));
        assert_eq!(
            a.cluster.request_timeout,
            std::time::Duration::from_secs(45)
        );
        assert_eq!(a.preparer.as_deref(), Some("Me"), "the flag wins");
        // A list flag on the command line replaces the file's list.
        let a = scan(
            parse(
                &["kubeattest", "scan", "--framework", "nsa-cisa-1.2"],
                Some(&p),
            )
            .unwrap(),
        );
        assert_eq!(a.framework, ["nsa-cisa-1.2"]);
        assert_eq!(a.preparer.as_deref(), Some("Ops"), "from KUBEATTEST_CONFIG");
        // `--config` wins over the environment.
        let (_t2, other) = write("preparer: Other\n");
        let a = scan(
            parse(
                &["kubeattest", "scan", "--config", other.to_str().unwrap()],
                Some(&p),
            )
            .unwrap(),
        );
        assert_eq!(a.preparer.as_deref(), Some("Other"));
    }

    #[test]
    fn problems_name_file_line_and_what_is_valid() {
        let (_t, p) = write(
            "framework: cis-1.12\nfail-on: extreme\nfail-onn: high\nquiet: yes\npreparer: [a, b]\nkeep: 0\n",
        );
        let Err(ArgsError::Config(e)) = parse(&["kubeattest", "scan"], Some(&p)) else {
            panic!("expected config errors");
        };
        let text = e.to_string();
        let shown = p.display().to_string();
        assert_eq!(e.0.len(), 5, "{text}");
        assert!(
            text.contains(&format!("{shown}:2: `fail-on`: invalid value 'extreme'")),
            "{text}"
        );
        assert!(text.contains("possible values"), "{text}");
        assert!(
            text.contains(&format!("{shown}:3: unknown key `fail-onn`")),
            "{text}"
        );
        assert!(
            text.contains("fail-on, fail-on-status"),
            "lists the keys: {text}"
        );
        assert!(
            text.contains(&format!("{shown}:4: `quiet`: a switch")),
            "{text}"
        );
        assert!(
            text.contains(&format!("{shown}:5: `preparer`: takes one value")),
            "{text}"
        );
        assert!(text.contains(&format!("{shown}:6: `keep`")), "{text}");
    }

    #[test]
    fn conflicts_between_file_and_flags_name_the_file() {
        let (_t, p) = write("demo: true\n");
        let r = parse(&["kubeattest", "scan", "--manifests", "deploy"], Some(&p));
        assert!(matches!(r, Err(ArgsError::Combined { .. })), "{r:?}");
    }

    #[test]
    fn other_commands_ignore_the_environment() {
        let (_t, p) = write("not: [valid\n");
        assert!(parse(&["kubeattest", "controls", "list"], Some(&p)).is_ok());
        let (_t, p) = write("");
        assert!(parse(&["kubeattest", "scan", "--demo"], Some(&p)).is_ok());
    }
}
