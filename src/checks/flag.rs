//! `flag`: a control-plane component's effective flags.
//!
//! Decides from the static pod / mirror pod that runs the component, or the pod template of a
//! workload that does (a self-hosted control plane's DaemonSet or Deployment, in kube-system,
//! an `openshift-` namespace or labelled `tier: control-plane`; a template its controller in
//! the inventory holds is judged there): the container whose
//! `command` (or, without one, `args`) starts with one of the component's binaries (matched by
//! basename), or runs it through a shell's `-c` script that splits into words without a shell
//! (otherwise its flags are `manual`), reading `command` and `args` together after the
//! kubelet's `$(VAR)` expansion from the container's literal `env` (a reference whose value
//! cannot be seen makes that flag `manual`). `--f=v`, `--f v` and a bare `--f` (meaning
//! `true`) are understood, except that a boolean flag (`bool_flags`) never takes the next
//! argument; a repeated flag keeps every value (list flags accumulate, an empty occurrence
//! adding nothing; scalars use the last). Integer flags read in Go's syntax (`int_flags`),
//! and a deprecated list flag sets the lists it stands for (`exclusive_lists`:
//! `--admission-control`). Node facts (`kubeattest node`) are another source for the same component: the
//! running process on each node (else its static-pod manifest), one finding per node whose
//! evidence names the node, the process or manifest, and the flag; more than one process
//! running the component on a node is `error` (which is the node's cannot be told), and so is
//! a node that does not show a component running on every node (`every_node`: the kubelet).
//! A flag in `empty_is_unset` given empty is judged as absent (`--hostname-override=`). An absent flag takes the
//! component's documented default from `components.yaml`, and the evidence says so; etcd's
//! `ETCD_*` variables stand for flags it is not given. A flag taken over by a configuration
//! file on the command line (`components.yaml` `config_files`: kube-proxy `--config`, etcd
//! `--config-file`, …) decides nothing: when the file is mounted from a ConfigMap in the input
//! ([`mounted_file`](crate::checks::mounted_file), kube-proxy's), the setting the catalog
//! names is read from it instead; otherwise the check is `manual` and names the file and the
//! setting in it. kube-proxy is also found in DaemonSet pod templates (`daemonset` in
//! `components.yaml`). A component that is not found is `not_applicable`
//! (manifests, managed control planes) or `error` (a cluster whose control plane should be
//! visible), never `pass`; `manual` when only a pod or workload outside those namespaces runs
//! it (an application's own copy, or one whose namespace is not set), naming it.

use std::collections::{BTreeMap, BTreeSet};

use crate::document::Doc;
use serde_json::Value;

use crate::catalog::reader::Reader;
use crate::catalog::{Check, Component, ConfigFile};
use crate::checks::condition::{words, Expectation, Op};
use crate::checks::evidence;
use crate::checks::{Context, Outcome};
use crate::inventory::{Inventory, KindState, Object, SourceKind};
use crate::results::{Finding, Observation, Status, Subject};
use crate::yaml::Node;

/// One flag condition.
#[derive(Debug, Clone)]
pub struct FlagCondition {
    /// `--flag-name`.
    pub flag: String,
    /// Operator and value.
    pub expect: Expectation,
    /// Overrides the component's documented default.
    pub default: Option<String>,
    /// Why the condition holds when the flag is not given (what the component then runs
    /// with): the evidence and a passing message say it was unset and why that passes.
    pub unset_passes: Option<String>,
}

/// Parameters of a `flag` assertion.
#[derive(Debug, Clone)]
pub struct Params {
    /// Component name as in `components.yaml`.
    pub component: String,
    /// Conditions that must all hold.
    pub expect: Vec<FlagCondition>,
    /// Alternatives: an instance that fails `expect` passes when every condition of one of
    /// these holds (the API server's audit log backend or its webhook backend).
    pub or: Vec<Vec<FlagCondition>>,
}

/// Reads a list of flag conditions; a problem clears `ok`.
fn read_conditions(
    items: &[Node],
    r: &mut Reader,
    what: &str,
    ok: &mut bool,
) -> Vec<FlagCondition> {
    let mut expect = Vec::new();
    for (i, c) in items.iter().enumerate() {
        let cw = format!("{what}, `expect` #{}", i + 1);
        r.known_keys(
            c,
            &cw,
            &["flag", "op", "value", "means", "default", "unset_passes"],
        );
        let flag = r.string(c, "flag", &cw);
        if let Some(f) = &flag {
            if !f.starts_with("--") || f.len() < 3 || f.contains('=') {
                let line = c.get("flag").map_or(c.line, |n| n.line);
                r.error(
                    line,
                    format!("{cw}: flag `{f}` must be written `--name` without a value"),
                );
                *ok = false;
            }
        }
        let e = Expectation::read(c, r, &cw);
        // An empty default is real: list flags such as --disable-admission-plugins
        // default to nothing.
        let default = match c.get("default").map(|n| &n.value) {
            Some(crate::yaml::NodeValue::String(s)) if s.is_empty() => Some(String::new()),
            _ => r.opt_string(c, "default", &cw),
        };
        let unset_passes = r.opt_string(c, "unset_passes", &cw);
        if unset_passes.is_some() && default.is_some() {
            r.error(
                c.line,
                format!("{cw}: give `default` or `unset_passes`, not both"),
            );
            *ok = false;
        }
        match (flag, e) {
            (Some(flag), Some(expect_)) => expect.push(FlagCondition {
                flag,
                expect: expect_,
                default,
                unset_passes,
            }),
            _ => *ok = false,
        }
    }
    expect
}

impl Params {
    /// Reads and validates the assertion block.
    pub fn read(node: &Node, r: &mut Reader, what: &str) -> Option<Params> {
        r.known_keys(
            node,
            &format!("the `flag` assertion of {what}"),
            &["kind", "component", "expect", "or"],
        );
        let component = r.string(node, "component", &format!("the assertion of {what}"));
        let mut ok = true;
        let items = r.seq(node, "expect", what);
        if items.is_empty() {
            ok = false;
        }
        let expect = read_conditions(items, r, what, &mut ok);
        let or = r.alternatives(node, what, &mut ok, |conds, r, aw, ok| {
            read_conditions(conds, r, aw, ok)
        })?;
        let component = component?;
        ok.then_some(Params {
            component,
            expect,
            or,
        })
    }

    /// One line on how the check decides, for `explain`.
    pub fn describe(&self) -> String {
        let conds: Vec<String> = self
            .expect
            .iter()
            .map(|c| format!("{} {}", c.flag, c.expect.describe()))
            .collect();
        let alternatives: Vec<String> = self
            .or
            .iter()
            .map(|alt| {
                alt.iter()
                    .map(|c| format!("{} {}", c.flag, c.expect.describe()))
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .collect();
        format!(
            "Reads the flags of {} from the container that runs it (static pod, mirror pod or a workload's pod template; command and args): {}{}",
            self.component,
            conds.join("; "),
            if alternatives.is_empty() {
                String::new()
            } else {
                format!("; or else: {}", alternatives.join("; or else: "))
            }
        )
    }
}

/// A component's flags as given on its command line: name → every value, in order.
pub type Flags = BTreeMap<String, Vec<String>>;

/// Parses a command line (without the binary). `-f` and `--f` are the same flag.
pub fn parse_flags(tokens: &[String]) -> Flags {
    parse_command(tokens, &BTreeSet::new()).flags
}

/// A command line as a component's flag parser reads it.
#[derive(Debug, Default)]
pub struct CommandLine {
    /// The flags and their values.
    pub flags: Flags,
    /// Arguments that are no flag's value, each with the boolean flag just before it, if any
    /// (`--anonymous-auth false`: `false` is such an argument).
    pub positionals: Vec<(Option<String>, String)>,
}

/// What `$(VAR)` references the kubelet's expansion left unresolved hide of a command line.
#[derive(Debug, Default)]
pub struct Hidden {
    /// Flags whose value uses such a reference: flag → why its value is unknown.
    pub unknown: BTreeMap<String, String>,
    /// Why no flag can be read, when a reference stands for an argument or a flag's name (it
    /// may hold any flags).
    pub unreadable: Option<String>,
}

impl CommandLine {
    /// What the references in `unresolved` (variable → why its value is not seen) hide.
    pub fn hidden_by(&self, unresolved: &[(String, String)]) -> Hidden {
        let refers = |text: &str| {
            unresolved
                .iter()
                .find(|(var, _)| text.contains(&format!("$({var})")))
        };
        let unreadable = self
            .positionals
            .iter()
            .map(|(_, w)| w)
            .chain(self.flags.keys())
            .find_map(|w| {
                let (var, why) = refers(w)?;
                Some(format!(
                    "the argument {} uses $({var}), which {why}: it may hold any flags",
                    crate::quote::quote(w)
                ))
            });
        let unknown = self
            .flags
            .iter()
            .filter_map(|(flag, values)| {
                let (v, (var, why)) = values.iter().find_map(|v| Some((v, refers(v)?)))?;
                Some((
                    flag.clone(),
                    format!(
                        "{flag} is given as {}: $({var}) {why}",
                        crate::quote::quote(v)
                    ),
                ))
            })
            .collect();
        Hidden {
            unknown,
            unreadable,
        }
    }
}

/// Parses a command line (without the binary) as pflag does: `--f=v`; `--f v` unless `--f`
/// is one of `bool_flags`, which never take the next argument (`--f` alone is `true`).
pub fn parse_command(tokens: &[String], bool_flags: &BTreeSet<String>) -> CommandLine {
    parse(tokens, bool_flags, |_| false, false)
}

/// Parses a component's command line as its flag parser reads it ([`parse_command`]), and
/// further: a Kubernetes component (pflag with component-base's `WordSepNormalizeFunc`) reads
/// `_` in a flag name as `-` (`--anonymous_auth` is `--anonymous-auth`), unless the catalog
/// says it parses with Go's flag package (etcd); and a flag that needs a value
/// (`value_flags`, or any flag but a boolean one where `bool_flags` lists them all) written
/// without `=` takes the next argument whatever it is, as pflag does: when that is another
/// flag (`--audit-log-path --profiling=false`), that flag is not set, and the value flag
/// counts as set without a value.
pub fn parse_component_command(tokens: &[String], component: &Component) -> CommandLine {
    let takes_value = |flag: &str| {
        component.value_flags.contains(flag)
            || (component.all_bool_flags && !component.bool_flags.contains(flag))
    };
    parse(
        tokens,
        &component.bool_flags,
        takes_value,
        !component.go_flag_package,
    )
}

fn parse(
    tokens: &[String],
    bool_flags: &BTreeSet<String>,
    takes_value: impl Fn(&str) -> bool,
    word_sep: bool,
) -> CommandLine {
    let mut out = CommandLine::default();
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i].trim();
        i += 1;
        if t == "--" {
            // Everything after `--` is an argument.
            out.positionals
                .extend(tokens[i..].iter().map(|t| (None, t.clone())));
            break;
        }
        if !t.starts_with('-') || t == "-" {
            out.positionals.push((None, t.to_string()));
            continue;
        }
        let bare = t.trim_start_matches('-');
        let (name, value) = match bare.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (bare.to_string(), None),
        };
        let name = if word_sep {
            name.replace('_', "-")
        } else {
            name
        };
        let flag = format!("--{name}");
        let value = match value {
            Some(v) => v,
            None if bool_flags.contains(&flag) => {
                if let Some(next) = tokens.get(i).filter(|n| !n.starts_with('-')) {
                    out.positionals.push((Some(flag.clone()), next.clone()));
                    i += 1;
                }
                "true".to_string()
            }
            // pflag gives a value flag the next argument, whatever it is.
            None if takes_value(&flag) => match tokens.get(i) {
                Some(next) => {
                    i += 1;
                    if next.starts_with('-') {
                        String::new()
                    } else {
                        next.clone()
                    }
                }
                None => String::new(),
            },
            // `--f v`: the next token is the value unless it is another flag.
            None => match tokens.get(i) {
                Some(next) if !next.starts_with('-') => {
                    i += 1;
                    next.clone()
                }
                _ => "true".to_string(),
            },
        };
        out.flags.entry(flag).or_default().push(value);
    }
    out
}

/// A component's command line as it takes effect: flags, flags whose value cannot be seen
/// (flag → why) and notes on how a flag was read (flag → note).
#[derive(Debug, Default)]
pub struct Resolved {
    /// The flags, `exclusive_lists` applied.
    pub flags: Flags,
    /// Flags whose value the input does not show, with the reason.
    pub unknown: BTreeMap<String, String>,
    /// How a flag was read, when not as written.
    pub notes: BTreeMap<String, String>,
    /// Flags the component refuses to start with (an admission plugin it does not know),
    /// with the reason: a condition on them is `error`.
    pub refused: BTreeMap<String, String>,
}

/// Why the component refuses the items of an `exclusive_lists` entry's flags (kube-apiserver
/// `AdmissionOptions.Validate`: "enable-admission-plugins plugin %q is unknown"): an item
/// that is not one of `all`, read as pflag reads a string slice (one CSV record: spaces kept,
/// a quoted `"A,B"` one item); `Ok(Some)` names an item registered only by other releases
/// (`other_releases`), whose verdict is unknown. Flags in `unknown` are not read.
fn unregistered(
    component: &Component,
    e: &crate::catalog::ExclusiveList,
    flags: &Flags,
    unknown: &BTreeMap<String, String>,
) -> Result<Option<String>, String> {
    let q = crate::quote::quote;
    let mut elsewhere = None;
    // A value the input does not show (`$(VAR)` from a Secret) names nothing to check.
    for flag in [&e.flag, &e.enables, &e.disables]
        .into_iter()
        .filter(|f| !unknown.contains_key(*f))
    {
        for value in flags.get(flag).into_iter().flatten() {
            let items = csv_record(value).map_err(|why| {
                format!(
                    "{flag}={} is not a list {} can read ({why}): it refuses to start",
                    q(value),
                    component.name
                )
            })?;
            for item in items {
                if e.all.contains(&item) {
                    continue;
                }
                if let Some(when) = e.other_releases.get(&item) {
                    elsewhere.get_or_insert_with(|| {
                        format!(
                            "{flag} names {}, which {} registers only in some releases ({when}): a release without it refuses to start, and which release runs is not known",
                            q(&item),
                            component.name
                        )
                    });
                    continue;
                }
                let hint = if item.contains(',') {
                    " (the quotes make it one name)"
                } else if item.trim() != item {
                    " (the spaces are part of the name)"
                } else {
                    ""
                };
                return Err(format!(
                    "{flag} names `{}`{hint}, which is not an admission plugin {} knows (names are case-sensitive): it refuses to start (\"plugin is unknown\")",
                    q(&item),
                    component.name
                ));
            }
        }
    }
    Ok(elsewhere)
}

/// One CSV record as Go's encoding/csv reads it, which is how pflag reads a string slice
/// flag (`readAsCSV`): items split at commas, spaces kept, an item starting with `"` quoted
/// to its closing `"` (`""` inside is a quote) and followed by a comma or the end; an empty
/// value is no item. A quote inside an unquoted item, text after a closing quote or an
/// unclosed quote is an error (pflag then refuses the flag).
pub fn csv_record(value: &str) -> Result<Vec<String>, String> {
    let mut items = Vec::new();
    if value.is_empty() {
        return Ok(items);
    }
    let mut chars = value.chars().peekable();
    loop {
        let mut item = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        item.push('"');
                    }
                    Some('"') => break,
                    Some(c) => item.push(c),
                    None => return Err("a quoted item is not closed".into()),
                }
            }
            items.push(item);
            match chars.next() {
                None | Some('\n') => return Ok(items),
                Some(',') => continue,
                Some(_) => return Err("text follows a closing quote".into()),
            }
        }
        loop {
            match chars.next() {
                None | Some('\n') => {
                    items.push(item);
                    return Ok(items);
                }
                Some(',') => {
                    items.push(item);
                    break;
                }
                Some('"') => return Err("a quote inside an unquoted item".into()),
                Some(c) => item.push(c),
            }
        }
    }
}

/// Applies what the component's catalog entry says about its flags to a parsed command line:
/// a boolean flag's stray argument is noted, an integer flag is read in Go's syntax, and a
/// deprecated `exclusive_lists` flag (`--admission-control`) sets the lists it stands for.
/// `unknown` holds the flags whose value is already known to be invisible.
pub fn resolve(
    component: &Component,
    cmd: CommandLine,
    mut unknown: BTreeMap<String, String>,
) -> Resolved {
    let mut flags = cmd.flags;
    let mut notes = BTreeMap::new();
    let mut refused = BTreeMap::new();
    // Every component refuses an argument that is no flag (cobra's `Args` check, the
    // kubelet's "unknown command", etcd's "is not a valid flag").
    for (flag, word) in &cmd.positionals {
        if let Some(flag) = flag {
            refused.insert(
                flag.clone(),
                format!(
                    "`{flag} {}`: a boolean flag does not take the next argument, so {} is a separate argument, and {} refuses to start with an argument that is no flag (only {flag}=value sets it)",
                    crate::quote::quote(word),
                    crate::quote::quote(word),
                    component.name
                ),
            );
        }
    }
    for flag in &component.int_flags {
        let Some(values) = flags.get_mut(flag) else {
            continue;
        };
        for v in values.iter_mut() {
            let text = v.trim();
            if let Some(n) = crate::checks::command_line::go_parse_int(text) {
                if n.to_string() != text {
                    notes.insert(
                        flag.clone(),
                        format!(
                            "{flag}={} reads as {n} (Go integer syntax: a leading 0 is octal, 0x hexadecimal, _ separates digits)",
                            crate::quote::quote(text)
                        ),
                    );
                    *v = n.to_string();
                }
            }
        }
    }
    // A boolean flag's value is read by Go's strconv.ParseBool: anything else (`no`, `off`,
    // `yes`) and the component does not start.
    for flag in &component.bool_flags {
        let Some(values) = flags.get(flag).filter(|_| !unknown.contains_key(flag)) else {
            continue;
        };
        // An empty value (`--f=`) too: ParseBool refuses "".
        if let Some(bad) = values.iter().find(|v| !is_go_bool(v)) {
            refused.insert(
                flag.clone(),
                format!(
                    "{} is not a boolean Go reads (true, false, 1, 0, t, f): {} refuses to start with it",
                    if bad.is_empty() {
                        format!("{flag}= (an empty value)")
                    } else {
                        format!("{flag}={}", crate::quote::quote(bad))
                    },
                    component.name
                ),
            );
        }
    }
    // A value outside the set the component checks at start (a cipher suite's hex id): it
    // does not start, so nothing it would run with can be judged.
    for (flag, set) in &component.accepted_values {
        let Some(values) = flags.get(flag).filter(|_| !unknown.contains_key(flag)) else {
            continue;
        };
        // Each item as the component is given it: `A, B` hands it ` B`, which it refuses.
        let judged: Vec<String> = if set.list {
            values
                .iter()
                .filter(|v| !v.is_empty())
                .flat_map(|v| csv_items(v))
                .collect()
        } else {
            values.last().cloned().into_iter().collect()
        };
        let bad: Vec<String> = judged
            .into_iter()
            .filter(|v| !(set.values.contains(v) || (!set.list && v.is_empty())))
            .collect();
        if !bad.is_empty() {
            refused.insert(
                flag.clone(),
                format!(
                    "{flag}={} is not {}: {} refuses to start with it",
                    crate::quote::quote(&bad.join(",")),
                    set.what,
                    component.name
                ),
            );
        }
    }
    let items = |flags: &Flags, flag: &str| -> Vec<String> {
        flags
            .get(flag)
            .into_iter()
            .flatten()
            .flat_map(|v| list_items(v))
            .collect()
    };
    for e in &component.exclusive_lists {
        match unregistered(component, e, &flags, &unknown) {
            Err(why) => {
                for f in [&e.flag, &e.enables, &e.disables] {
                    refused.insert(f.clone(), why.clone());
                }
                continue;
            }
            Ok(Some(why)) => {
                for f in [&e.flag, &e.enables, &e.disables] {
                    unknown.entry(f.clone()).or_insert_with(|| why.clone());
                }
                continue;
            }
            Ok(None) => {}
        }
        if let Some(why) = unknown.get(&e.flag).cloned() {
            for f in [&e.enables, &e.disables] {
                unknown.entry(f.clone()).or_insert_with(|| why.clone());
            }
            continue;
        }
        // An item both enabled and disabled: kube-apiserver refuses to start ("… in
        // enable-admission-plugins and disable-admission-plugins overlapped").
        let disabled = items(&flags, &e.disables);
        let both: Vec<String> = items(&flags, &e.enables)
            .into_iter()
            .filter(|p| disabled.contains(p))
            .collect();
        if !both.is_empty() {
            let why = format!(
                "{} is in both {} and {}: the component refuses to start with the two overlapping",
                both.join(", "),
                e.enables,
                e.disables
            );
            for f in [&e.enables, &e.disables] {
                unknown.insert(f.clone(), why.clone());
            }
            continue;
        }
        let given = items(&flags, &e.flag);
        if given.is_empty() {
            continue;
        }
        if !items(&flags, &e.enables).is_empty() || !items(&flags, &e.disables).is_empty() {
            let why = format!(
                "{} is given together with {} or {}: the component refuses to start with both",
                e.flag, e.enables, e.disables
            );
            for f in [&e.flag, &e.enables, &e.disables] {
                unknown.insert(f.clone(), why.clone());
            }
            continue;
        }
        let others: Vec<&str> = e
            .all
            .iter()
            .filter(|p| !given.contains(p))
            .map(String::as_str)
            .collect();
        let joined = given.join(",");
        flags.insert(e.enables.clone(), vec![joined.clone()]);
        flags.insert(e.disables.clone(), vec![others.join(",")]);
        let note = format!(
            "set by the deprecated {}={}: exactly these are enabled and every other is disabled",
            e.flag,
            crate::quote::quote(&joined)
        );
        notes.insert(e.enables.clone(), note.clone());
        notes.insert(e.disables.clone(), note);
    }
    Resolved {
        flags,
        unknown,
        notes,
        refused,
    }
}

/// One running instance of a component found in the inventory.
pub struct Instance<'a> {
    /// The pod (or DaemonSet) that runs it.
    pub object: &'a Object,
    /// Path of the container in the object.
    pub container_path: String,
    /// The container.
    pub container: &'a Doc,
    /// The pod spec the container is in (its volumes).
    pub spec: &'a Doc,
    /// The parsed flags, with the settings given as environment variables (etcd's `ETCD_*`)
    /// for flags not on the command line.
    pub flags: Flags,
    /// Flags whose value came from an environment variable: flag → variable.
    pub from_env: BTreeMap<String, String>,
    /// Flags whose value the input does not show (`$(VAR)` from a Secret, an `ETCD_*`
    /// variable from `valueFrom`): flag → why.
    pub unknown: BTreeMap<String, String>,
    /// Why no flag can be read at all (a shell script that needs a shell to split), if so.
    pub unreadable: Option<String>,
    /// How a flag was read, when not as written: flag → note.
    pub notes: BTreeMap<String, String>,
    /// Flags the component refuses to start with: flag → why.
    pub refused: BTreeMap<String, String>,
}

impl Instance<'_> {
    /// Where its command line was read, for evidence: `file:line (spec.containers[0] command
    /// and args)`.
    pub fn source(&self) -> String {
        format!(
            "{} ({} command and args)",
            evidence::source(self.object, &format!("{}.command", self.container_path)),
            self.container_path
        )
    }
}

/// Adds the settings given as environment variables to `flags`: etcd reads the allow-listed
/// `ETCD_*` variables for flags not on its command line (no other component reads flags from
/// its environment). Returns which flags came from which variable.
pub fn merge_env<'v>(
    component: &Component,
    flags: &mut Flags,
    env: impl IntoIterator<Item = (&'v str, &'v str)>,
) -> BTreeMap<String, String> {
    let mut from_env = BTreeMap::new();
    if component.name != "etcd" {
        return from_env;
    }
    for (var, value) in env {
        if !crate::node_facts::ETCD_ENV.contains(&var) {
            continue;
        }
        if let Some(flag) = crate::node_facts::env_flag(var) {
            if !flags.contains_key(&flag) {
                flags.insert(flag.clone(), vec![value.to_string()]);
                from_env.insert(flag, var.to_string());
            }
        }
    }
    from_env
}

/// The note of an observation whose value came from an environment variable.
fn env_note(o: &mut Observation, var: Option<&String>, file: Option<&FileDecides>) {
    if let (Some(var), None) = (var, file) {
        o.note = Some(format!("set by environment variable {var}, not a flag"));
    }
}

/// A container that runs a named executable: its pod (or DaemonSet), the pod spec, the
/// container and its index, the executable's file name and its arguments, after the kubelet's
/// `$(VAR)` expansion. The executable is the first string of `command` (of `args` when there
/// is no `command`), or the first word of a shell's `-c` script.
#[derive(Debug, Clone)]
pub struct Executable<'a> {
    /// The pod, or the DaemonSet whose pod template holds the container.
    pub object: &'a Object,
    /// Where the pod spec is in the object: `spec`, or `spec.template.spec`.
    pub spec_path: &'static str,
    /// The pod spec.
    pub spec: &'a Doc,
    /// The container.
    pub container: &'a crate::document::Doc,
    /// Index in the spec's `containers`.
    pub index: usize,
    /// `kube-apiserver` for `command: [/usr/local/bin/kube-apiserver, ...]`; empty when a
    /// shell script cannot be split into words.
    pub name: String,
    /// Its arguments, `$(VAR)` expanded.
    pub args: Vec<String>,
    /// References whose value cannot be seen, left as `$(VAR)` in `args`: variable → why.
    pub unresolved: Vec<(String, String)>,
    /// The shell script it runs, when it runs one.
    pub script: Option<String>,
    /// Why the script cannot be split into words, or what it runs cannot be known, if so.
    pub unreadable: Option<String>,
    /// No `command`: the image's entrypoint, which the manifest does not show, runs `args`
    /// (`unreadable` says so).
    pub entrypoint_unknown: bool,
    /// Its environment.
    pub env: crate::checks::command_line::ContainerEnv,
}

/// Every container with a `command` (or `args`) that can run a control-plane component, in
/// inventory order: those of Pods that can be control-plane pods ([`control_plane_pod`]), and
/// those of the pod templates of workloads that can be (Deployment, DaemonSet, StatefulSet,
/// ReplicaSet, ReplicationController, Job, CronJob: self-hosted control planes run the API
/// server from a DaemonSet or a Deployment), but for a template whose controller in the
/// inventory holds the same one (a Deployment's ReplicaSet).
pub fn executables(inv: &Inventory) -> Vec<Executable<'_>> {
    executables_where(inv, true)
}

/// The executables of the pod specs that are the control plane's (`true`) or not.
fn executables_where(inv: &Inventory, control_plane: bool) -> Vec<Executable<'_>> {
    let mut out = Vec::new();
    for (obj, spec_path, spec) in pod_specs(inv) {
        if (control_plane_pod(obj) || template_labelled_control_plane(obj)) == control_plane {
            push_executables(obj, spec_path, spec, &mut out);
        }
    }
    out
}

/// Every pod spec of the inventory's Pods and workload templates ([`executables`]), with the
/// object and the spec's path, whether it can be the control plane's or not.
fn pod_specs(inv: &Inventory) -> impl Iterator<Item = (&Object, &'static str, &Doc)> {
    inv.objects.iter().filter_map(move |obj| {
        if obj.kind == "PodTemplate" {
            return None;
        }
        let (spec_path, _) = crate::checks::workload::pod_paths(&obj.kind)?;
        // A Pod or ReplicaSet whose controller in the input runs the same pod is judged
        // there, once (a self-hosted API server's Deployment, its ReplicaSet and Pods).
        if crate::checks::workload::judged_through_owner(obj, inv) {
            return None;
        }
        let spec = spec_path
            .split('.')
            .try_fold(&obj.value, |cur, key| cur.get(key))?;
        Some((obj, spec_path, spec))
    })
}

/// Whether a workload's pod template is labelled `tier: control-plane`, as kubeadm labels
/// control-plane pods.
fn template_labelled_control_plane(o: &Object) -> bool {
    let Some((_, meta_path)) = crate::checks::workload::pod_paths(&o.kind) else {
        return false;
    };
    meta_path
        .split('.')
        .try_fold(&o.value, |cur, key| cur.get(key))
        .and_then(|m| m.get("labels"))
        .and_then(|l| l.get("tier"))
        .and_then(Doc::as_str)
        == Some("control-plane")
}

/// Every container with a `command` of a pod or workload template that [`executables`] does
/// not look at (an application's namespace), found once per run (`Context::other_executables`):
/// where a component is not found, the objects among them that run it are named
/// ([`runs_elsewhere`]).
pub fn other_executables(inv: &Inventory) -> Vec<Executable<'_>> {
    executables_where(inv, false)
}

/// The Pods and workloads among `others` ([`other_executables`]) with a container that runs
/// `component`: named when the component is not found, so the finding never says that no
/// container runs it.
fn runs_elsewhere<'a>(others: &[Executable<'a>], component: &Component) -> Vec<&'a Object> {
    let mut objects: Vec<&Object> = Vec::new();
    for inst in instances(others, component) {
        if !objects.iter().any(|o| std::ptr::eq(*o, inst.object)) {
            objects.push(inst.object);
        }
    }
    objects
}

/// Whether a Pod can be a control-plane component: a mirror pod of a static pod (the
/// kubelet's `kubernetes.io/config.mirror` annotation), a pod of `kube-system` (where kubeadm,
/// RKE2, kOps and Talos put them) or of an `openshift-` namespace, or one labelled
/// `tier: control-plane` as kubeadm labels them. An application's own etcd or API server in
/// its namespace (a Cilium kvstore, a Patroni etcd) is not the cluster's.
pub fn control_plane_pod(o: &Object) -> bool {
    let meta = o.value.get("metadata");
    let annotated = meta
        .and_then(|m| m.get("annotations"))
        .is_some_and(|a| a.get("kubernetes.io/config.mirror").is_some());
    let labelled = meta
        .and_then(|m| m.get("labels"))
        .and_then(|l| l.get("tier"))
        .and_then(Doc::as_str)
        == Some("control-plane");
    let namespace = o.namespace.as_deref().unwrap_or("default");
    annotated || labelled || namespace == "kube-system" || namespace.starts_with("openshift-")
}

/// Every container with a `command` (or `args`) in the pod templates of `daemonsets`, in
/// order.
pub fn template_executables<'a>(
    daemonsets: impl IntoIterator<Item = &'a Object>,
) -> Vec<Executable<'a>> {
    let mut out = Vec::new();
    for obj in daemonsets.into_iter().filter(|o| o.kind == "DaemonSet") {
        let spec = obj
            .value
            .get("spec")
            .and_then(|s| s.get("template"))
            .and_then(|t| t.get("spec"));
        if let Some(spec) = spec {
            push_executables(obj, "spec.template.spec", spec, &mut out);
        }
    }
    out
}

fn push_executables<'a>(
    obj: &'a Object,
    spec_path: &'static str,
    spec: &'a Doc,
    out: &mut Vec<Executable<'a>>,
) {
    use crate::checks::command_line::{expand, shell_script, shell_words, ContainerEnv};
    let Some(containers) = spec.get("containers").and_then(Doc::as_array) else {
        return;
    };
    for (index, c) in containers.iter().enumerate() {
        let strings = |key: &str| crate::checks::path::strings(c, key);
        // Without `command`, an image without an entrypoint runs `args` itself.
        let argv: Vec<String> = strings("command")
            .into_iter()
            .chain(strings("args"))
            .collect();
        if argv.is_empty() {
            continue;
        }
        let env = ContainerEnv::of(c);
        let mut unresolved: Vec<(String, String)> = Vec::new();
        let argv: Vec<String> = argv
            .iter()
            .map(|a| {
                let (text, refs) = expand(a, &env);
                for r in refs {
                    if !unresolved.iter().any(|(v, _)| *v == r.0) {
                        unresolved.push(r);
                    }
                }
                text
            })
            .collect();
        let mut e = Executable {
            object: obj,
            spec_path,
            spec,
            container: c,
            index,
            name: String::new(),
            args: Vec::new(),
            unresolved,
            script: None,
            unreadable: None,
            entrypoint_unknown: false,
            env,
        };
        // No `command` and flags first: the image's entrypoint runs them, which the manifest
        // does not show. The image's name says which component it most likely is; its flags
        // are then read but not judged (`unreadable`).
        if strings("command").is_empty() && argv.first().is_some_and(|a| a.starts_with('-')) {
            if let Some(name) = c.get("image").and_then(Doc::as_str).and_then(image_program) {
                e.unreadable = Some(format!(
                    "the container gives no `command`, so the image's entrypoint runs with these flags; the image {} is taken for {name} by its name, but what it runs is not in the manifest",
                    crate::quote::bounded(c.get("image").and_then(Doc::as_str).unwrap_or_default(), 120)
                ));
                e.entrypoint_unknown = true;
                e.name = name;
                e.args = argv;
                out.push(e);
            }
            continue;
        }
        let argv = crate::checks::command_line::without_wrappers(&argv).to_vec();
        let words = match shell_script(&argv) {
            Some(script) => {
                e.script = Some(script.to_string());
                let uses = e
                    .unresolved
                    .iter()
                    .find(|(v, _)| script.contains(&format!("$({v})")));
                let words = match uses {
                    Some((var, why)) => Err(format!("the shell script uses $({var}), which {why}")),
                    None => shell_words(script),
                };
                match words {
                    Ok(w) => w,
                    Err(why) => {
                        e.unreadable = Some(why);
                        out.push(e);
                        continue;
                    }
                }
            }
            None => argv,
        };
        let words = crate::checks::command_line::without_wrappers(&words);
        let Some((first, rest)) = words.split_first() else {
            continue;
        };
        e.name = first.rsplit('/').next().unwrap_or(first).to_string();
        e.args = rest.to_vec();
        // No `command`: the image's entrypoint, if it has one, runs with all of `args`
        // (`kube-apiserver` or `sh -c …` then being its arguments); the manifest cannot tell.
        if strings("command").is_empty() {
            e.unreadable = Some(format!(
                "the container gives no `command`, so the image's entrypoint, if it has one, runs with these arguments; the container is taken for {} by {}, but what it runs is not in the manifest",
                e.name,
                if e.script.is_some() { "the script in its arguments" } else { "its first argument" }
            ));
            e.entrypoint_unknown = true;
        }
        out.push(e);
    }
}

/// Whether a workload's manifest names no namespace: it goes where it is applied, which
/// may be kube-system.
fn names_no_namespace(o: &Object) -> bool {
    o.namespace
        .as_deref()
        .is_none_or(|ns| ns == crate::inventory::UNSET_NAMESPACE)
}

/// Whether Go's `strconv.ParseBool` reads `v`.
fn is_go_bool(v: &str) -> bool {
    matches!(
        v,
        "1" | "t" | "T" | "TRUE" | "true" | "True" | "0" | "f" | "F" | "FALSE" | "false" | "False"
    )
}

/// The program an image most likely runs, by its name: the last path segment without tag,
/// digest or architecture suffix (`registry.k8s.io/kube-apiserver-amd64:v1.30.0` →
/// `kube-apiserver`).
fn image_program(image: &str) -> Option<String> {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
    let name = last.split(':').next().unwrap_or(last);
    let name = ["-amd64", "-arm64", "-arm", "-ppc64le", "-s390x"]
        .iter()
        .find_map(|suffix| name.strip_suffix(suffix))
        .unwrap_or(name);
    (!name.is_empty()).then(|| name.to_string())
}

/// Adds to `found` the instances of `more` whose container it does not hold yet (a DaemonSet
/// of kube-system is among [`executables`] and the DaemonSet templates alike).
pub fn extend_new<'a>(found: &mut Vec<Instance<'a>>, more: Vec<Instance<'a>>) {
    for inst in more {
        if !found
            .iter()
            .any(|f| std::ptr::eq(f.object, inst.object) && f.container_path == inst.container_path)
        {
            found.push(inst);
        }
    }
}

/// Every instance of a component among `executables`.
pub fn instances<'a>(executables: &[Executable<'a>], component: &Component) -> Vec<Instance<'a>> {
    use crate::checks::command_line::EnvValue;
    let mut out = Vec::new();
    for e in executables {
        let runs = match (&e.unreadable, &e.script) {
            (Some(_), Some(script)) => {
                crate::checks::command_line::script_names(script, &component.binaries)
            }
            _ => component.binaries.contains(&e.name),
        };
        if !runs {
            continue;
        }
        let cmd = parse_component_command(&e.args, component);
        let hidden = cmd.hidden_by(&e.unresolved);
        let unreadable = match (&e.unreadable, &e.script) {
            (why, _) if e.entrypoint_unknown => why.clone(),
            (Some(why), Some(_)) => Some(format!(
                "{} is started by a shell script whose words cannot be read reliably: {why}",
                component.name
            )),
            (why, _) => why.clone(),
        }
        .or(hidden.unreadable);
        let unknown = hidden.unknown;
        let r = resolve(component, cmd, unknown);
        let (mut flags, mut unknown, notes, refused) = (r.flags, r.unknown, r.notes, r.refused);
        // Only literal values: one taken from a Secret or ConfigMap cannot be seen here.
        let literal = e.env.vars.iter().filter_map(|(k, v)| match v {
            EnvValue::Known(v) => Some((k.as_str(), v.as_str())),
            EnvValue::Hidden(_) => None,
        });
        let from_env = merge_env(component, &mut flags, literal);
        if component.name == "etcd" {
            for var in crate::node_facts::ETCD_ENV {
                let Some(flag) = crate::node_facts::env_flag(var) else {
                    continue;
                };
                if flags.contains_key(&flag) || unknown.contains_key(&flag) {
                    continue;
                }
                // Undefined without envFrom: etcd simply does not get it.
                let hidden = e.env.vars.contains_key(*var) || e.env.env_from.is_some();
                if let (Err(why), true) = (e.env.lookup(var), hidden) {
                    unknown.insert(
                        flag.clone(),
                        format!(
                            "{flag} is not on the command line and etcd reads {var}, which {why}"
                        ),
                    );
                }
            }
        }
        out.push(Instance {
            object: e.object,
            container_path: format!("{}.containers[{}]", e.spec_path, e.index),
            container: e.container,
            spec: e.spec,
            flags,
            from_env,
            unknown,
            unreadable,
            notes,
            refused,
        });
    }
    out
}

/// Observes one flag condition on one instance's flags.
pub fn observe(
    cond: &FlagCondition,
    flags: &Flags,
    component: &Component,
    source: String,
) -> Observation {
    let file = decided_by_file(component, &cond.flag, flags);
    observe_with(cond, flags, component, source, file.as_ref())
}

/// [`observe`], given the configuration file that decides the condition instead of the
/// command line, if any.
fn observe_with(
    cond: &FlagCondition,
    flags: &Flags,
    component: &Component,
    source: String,
    file: Option<&FileDecides>,
) -> Observation {
    if let Some(file) = file {
        return Observation {
            source,
            path: cond.flag.clone(),
            observed: Value::Null,
            expected: cond.expect.describe(),
            holds: false,
            note: Some(file.note(&cond.flag, flags)),
        };
    }
    // `exists` / `absent` ask whether the flag is on the command line: a default does not
    // set it.
    let literal = matches!(cond.expect.op, Op::Exists | Op::Absent);
    let default = cond
        .default
        .clone()
        .or_else(|| component.defaults.get(&cond.flag).cloned())
        .filter(|_| !literal);
    // An empty value the component takes as no value at all (`--hostname-override=`).
    let empty_unset = component
        .empty_is_unset
        .get(&cond.flag)
        .filter(|_| {
            flags
                .get(&cond.flag)
                .is_some_and(|v| v.iter().all(|x| x.is_empty()))
        })
        .map(|means| {
            format!(
                "{}= (empty) is the same as not giving it: {means}",
                cond.flag
            )
        });
    let given = flags
        .get(&cond.flag)
        .filter(|_| empty_unset.is_none())
        .map(|values| effective_values(component, &cond.flag, values));
    if let (None, Some(why), false) = (&given, &cond.unset_passes, literal) {
        // Unset is accepted: say so, and what the component then runs with.
        let note = format!("not set; {why}");
        return Observation {
            source,
            path: cond.flag.clone(),
            observed: Value::Null,
            expected: cond.expect.describe(),
            holds: true,
            note: Some(match empty_unset {
                Some(e) => format!("{e}; {note}"),
                None => note,
            }),
        };
    }
    let (raw, note) = match &given {
        Some((values, note)) => (Some(values.clone()), note.clone()),
        None => match &default {
            Some(d) => (
                Some(vec![d.clone()]),
                Some(format!("flag not set; the documented default {d} applies")),
            ),
            None => (None, Some("not set; the flag has no default".to_string())),
        },
    };
    let (observed, holds) = match raw {
        None => (Value::Null, cond.expect.holds::<Value>(None)),
        Some(values) => {
            let v = if component.ip_flags.contains(&cond.flag) {
                // One address: the last given wins, compared as an address.
                let last = values.last().map(|v| v.trim()).unwrap_or_default();
                Value::String(
                    last.parse::<std::net::IpAddr>()
                        .map_or_else(|_| last.to_string(), |ip| ip.to_string()),
                )
            } else if cond.expect.op.is_list_op() {
                Value::Array(
                    values
                        .iter()
                        .flat_map(|v| list_items(v))
                        .map(Value::String)
                        .collect(),
                )
            } else {
                Value::String(values.last().cloned().unwrap_or_default())
            };
            let holds = cond.expect.holds(Some(std::slice::from_ref(&v)));
            (v, holds)
        }
    };
    let note = match (empty_unset, note) {
        (Some(e), Some(n)) => Some(format!("{e}; {n}")),
        (e, n) => e.or(n),
    };
    let mut o = Observation {
        source,
        path: cond.flag.clone(),
        observed,
        expected: cond.expect.describe(),
        holds,
        note,
    };
    if cond.expect.op != Op::Absent {
        if let Some((values, _)) = &given {
            judge_value(&mut o, cond, values, component);
        }
    }
    o
}

/// The items of a list flag's value as pflag reads a string slice: one CSV record, so a
/// quoted item is unquoted (`"NodeRestriction"`; `"a,b"` is one item; `""` inside quotes is
/// a quote). Items are trimmed and empty ones dropped.
pub fn list_items(value: &str) -> Vec<String> {
    csv_items(value)
        .into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The items of a list flag's value exactly as pflag's `StringSlice` reads them (a CSV
/// record, no space trimmed, an empty item kept): what a component that checks each item
/// (component-base `TLSCipherSuites`) is given.
fn csv_items(value: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut item = String::new();
    let mut chars = value.chars().peekable();
    let (mut at_start, mut quoted) = (true, false);
    while let Some(c) = chars.next() {
        match c {
            '"' if at_start => quoted = true,
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                item.push('"');
            }
            '"' if quoted => quoted = false,
            ',' if !quoted => {
                items.push(std::mem::take(&mut item));
                at_start = true;
                continue;
            }
            c => item.push(c),
        }
        at_start = false;
    }
    items.push(item);
    items
}

/// The values a flag given on the command line takes effect with, and a note when they are
/// not the text as given: a `bool_map_flags` flag (`--feature-gates`) merged per key, the
/// later winning, each value read as a Go boolean (`RotateKubeletServerCertificate=0` →
/// `=false`); one value, the pairs joined by commas.
fn effective_values(
    component: &Component,
    flag: &str,
    values: &[String],
) -> (Vec<String>, Option<String>) {
    if !component.bool_map_flags.contains(flag) {
        return (values.to_vec(), None);
    }
    let mut merged: Vec<(String, String)> = Vec::new();
    for pair in values.iter().flat_map(|v| v.split(',')) {
        let pair = pair.trim();
        if pair.is_empty() {
            continue;
        }
        let (key, value) = match pair.split_once('=') {
            Some((k, v)) => {
                let v = v.trim();
                let v = match crate::checks::condition::parse_bool(v) {
                    Some(b) => b.to_string(),
                    None => v.to_string(),
                };
                (k.trim().to_string(), v)
            }
            // Not a pair: kept as written (the component would not start with it).
            None => (pair.to_string(), String::new()),
        };
        merged.retain(|(k, _)| *k != key);
        merged.push((key, value));
    }
    merged.sort();
    let joined = merged
        .iter()
        .map(|(k, v)| {
            if v.is_empty() {
                k.clone()
            } else {
                format!("{k}={v}")
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    let as_given = values.join(" ");
    let note = (values.len() > 1 || joined != as_given).then(|| {
        format!(
            "{flag} as given: {}; pairs merged per key (the later wins) and read as booleans",
            values
                .iter()
                .map(|v| crate::quote::quote(v))
                .collect::<Vec<_>>()
                .join(", then ")
        )
    });
    (vec![joined], note)
}

/// A configuration file on the command line that decides a flag instead of the command line.
pub struct FileDecides<'c> {
    /// The flag naming the file (`--config`).
    pub file_flag: &'c str,
    /// The file's path, as given.
    pub path: String,
    /// The setting in the file that decides, in words.
    pub setting: &'c str,
    /// Why the file, when it was looked for, decides nothing: the input does not show it, or
    /// it cannot be used (words that complete "and …").
    pub unread: Option<String>,
}

impl FileDecides<'_> {
    /// The observation's note: what the command line says, and why it does not decide.
    fn note(&self, flag: &str, flags: &Flags) -> String {
        let ignored = match flags.get(flag).and_then(|v| v.last()) {
            Some(v) => format!(
                "{flag}={} on the command line is ignored: ",
                crate::quote::quote(v)
            ),
            None => String::new(),
        };
        format!(
            "{ignored}{}={} is given and {} in that file decides; {}",
            self.file_flag,
            crate::quote::quote(&self.path),
            self.setting,
            self.unread_words()
        )
    }

    fn unread_words(&self) -> String {
        self.unread
            .clone()
            .unwrap_or_else(|| "the file is not read".to_string())
    }

    /// The finding's message when this is all that keeps the check from a verdict.
    pub fn message(&self, component: &str, flag: &str) -> String {
        format!(
            "{component} reads its settings from {}={}: {} there decides {flag}, and {}; confirm the setting by hand",
            self.file_flag,
            crate::quote::quote(&self.path),
            self.setting,
            self.unread_words()
        )
    }
}

/// The configuration file given on the command line that decides `flag`, if any (kube-proxy
/// ignores `--metrics-bind-address` once `--config` is given; etcd ignores every flag once
/// `--config-file` is).
pub fn decided_by_file<'c>(
    component: &'c Component,
    flag: &str,
    flags: &Flags,
) -> Option<FileDecides<'c>> {
    component.config_files.iter().find_map(|f| {
        let path = flags.get(&f.flag)?.last()?;
        let setting = f.decides(flag, flags.contains_key(flag))?;
        Some(FileDecides {
            file_flag: &f.flag,
            path: path.clone(),
            setting,
            unread: None,
        })
    })
}

/// Observes every condition of `p` on one instance's flags: for each, the configuration file
/// that decides it instead of the command line (if any), and the observation.
fn observe_all<'c>(
    p: &Params,
    component: &'c Component,
    flags: &Flags,
    from_env: &BTreeMap<String, String>,
    source: &str,
) -> (Vec<Option<FileDecides<'c>>>, Vec<Observation>) {
    let files: Vec<Option<FileDecides>> = p
        .expect
        .iter()
        .map(|c| decided_by_file(component, &c.flag, flags))
        .collect();
    let observations = p
        .expect
        .iter()
        .zip(&files)
        .map(|(c, file)| {
            let mut o = observe_with(c, flags, component, source.to_string(), file.as_ref());
            env_note(&mut o, from_env.get(&c.flag), file.as_ref());
            o
        })
        .collect();
    (files, observations)
}

/// Marks each condition whose flag's value the input does not show (`unknown`, or every
/// condition when the whole command line is `unreadable`): its observation holds nothing,
/// shows no value and says why, and no configuration file is left to decide it. Adds how a
/// flag was read (`notes`) to the other observations. Returns, per condition, why it is
/// unknown.
fn mark_unknown(
    p: &Params,
    unknown: &BTreeMap<String, String>,
    unreadable: Option<&str>,
    notes: &BTreeMap<String, String>,
    files: &mut [Option<FileDecides>],
    observations: &mut [Observation],
) -> Vec<Option<String>> {
    p.expect
        .iter()
        .zip(files.iter_mut())
        .zip(observations.iter_mut())
        .map(|((c, file), o)| {
            let why = match unreadable {
                Some(w) => Some(w.to_string()),
                None if file.is_none() => unknown.get(&c.flag).cloned(),
                None => None,
            };
            match (&why, notes.get(&c.flag)) {
                (Some(w), _) => {
                    *file = None;
                    o.observed = Value::Null;
                    o.holds = false;
                    o.note = Some(format!("{w}; the value cannot be judged"));
                }
                (None, Some(n)) if file.is_none() => {
                    o.note = Some(match o.note.take() {
                        Some(x) => format!("{n}; {x}"),
                        None => n.clone(),
                    });
                }
                _ => {}
            }
            why
        })
        .collect()
}

/// Marks each condition on a flag the component refuses to start with (`refused`): its
/// observation holds nothing and says why. Returns the first reason, if any.
fn mark_refused(
    p: &Params,
    refused: &BTreeMap<String, String>,
    observations: &mut [Observation],
) -> Option<String> {
    let mut first = None;
    for (c, o) in p.expect.iter().zip(observations.iter_mut()) {
        if let Some(why) = refused.get(&c.flag) {
            o.holds = false;
            o.note = Some(format!("{why}; the value cannot be judged"));
            first.get_or_insert_with(|| why.clone());
        }
    }
    first
}

/// The first observation the command line shows failing (not one whose value is `unknown`),
/// and the first condition left to a configuration file (with that file).
fn first_failing_and_undecided<'a, 'c>(
    p: &'a Params,
    files: &'a [Option<FileDecides<'c>>],
    observations: &'a [Observation],
    unknown: &[Option<String>],
) -> (
    Option<&'a Observation>,
    Option<(&'a FlagCondition, &'a FileDecides<'c>)>,
) {
    let failing = observations
        .iter()
        .zip(files)
        .zip(unknown)
        .find(|((o, f), u)| !o.holds && f.is_none() && u.is_none())
        .map(|((o, _), _)| o);
    let undecided = p
        .expect
        .iter()
        .zip(files)
        .find_map(|(c, f)| Some((c, f.as_ref()?)));
    (failing, undecided)
}

/// Why node facts lack a file or setting the catalog reads.
const OLDER_FACTS: &str =
    "the node facts come from a version of kubeattest that did not read it: collect them again";

/// A configuration file as the input shows it.
enum FileSettings {
    /// Read: where (for evidence), and the value of each key it was read for, as a flag
    /// would give it (`None`: the file does not set it). A key not in the map was not read.
    Read {
        source: String,
        values: BTreeMap<String, Option<String>>,
    },
    /// The input does not show the file, and why.
    NotVisible(String),
    /// The file is in the input but cannot be used, and why.
    Invalid(String),
}

/// Decides each condition left to a configuration file by that file's setting, when the
/// catalog names the setting (`keys`) and `read` shows the file (asked once per file): its
/// `files` entry is then cleared. A file `read` cannot show keeps its conditions undecided,
/// with the reason; returns why a file that is there cannot be used.
fn decide_by_files(
    flags: &Flags,
    component: &Component,
    expect: &[FlagCondition],
    files: &mut [Option<FileDecides>],
    observations: &mut [Observation],
    mut read: impl FnMut(&ConfigFile, &str) -> FileSettings,
) -> Option<String> {
    let mut shown: BTreeMap<String, FileSettings> = BTreeMap::new();
    let mut invalid = None;
    for ((cond, slot), o) in expect.iter().zip(files.iter_mut()).zip(observations) {
        let Some(fd) = slot.as_mut() else {
            continue;
        };
        let Some(config) = component
            .config_files
            .iter()
            .find(|f| f.flag == fd.file_flag)
        else {
            continue;
        };
        let Some(key) = config.keys.get(&cond.flag) else {
            continue;
        };
        let settings = shown
            .entry(config.flag.clone())
            .or_insert_with(|| read(config, &fd.path));
        let why = match &*settings {
            FileSettings::Read { source, values } => match values.get(&key.key) {
                Some(value) => {
                    *o = observe_file_key(cond, key, value.clone(), component, source.clone(), fd);
                    *slot = None;
                    continue;
                }
                None => format!("`{}` was not read from it ({OLDER_FACTS})", key.key),
            },
            FileSettings::NotVisible(why) => format!("the input does not show the file: {why}"),
            FileSettings::Invalid(why) => {
                invalid = Some(why.clone());
                format!("the file cannot be used: {why}")
            }
        };
        fd.unread = Some(why);
        o.note = Some(fd.note(&cond.flag, flags));
    }
    invalid
}

/// [`decide_by_files`] for a pod: a file mounted from a ConfigMap in the input is read.
fn read_mounted_files(
    inv: &crate::inventory::Inventory,
    inst: &Instance,
    component: &Component,
    expect: &[FlagCondition],
    files: &mut [Option<FileDecides>],
    observations: &mut [Observation],
) -> Option<String> {
    decide_by_files(
        &inst.flags,
        component,
        expect,
        files,
        observations,
        |config, path| mounted_settings(inv, inst, config, path),
    )
}

/// The settings `config` names, read from the file at `path` of `inst`'s container as the
/// input shows it (a ConfigMap volume).
fn mounted_settings(
    inv: &crate::inventory::Inventory,
    inst: &Instance,
    config: &ConfigFile,
    path: &str,
) -> FileSettings {
    use crate::checks::mounted_file::{self, Mounted};
    let kind = config.kind.as_deref();
    match mounted_file::read(inv, inst.object, inst.spec, inst.container, path, kind) {
        Mounted::Read { source, content } => FileSettings::Read {
            source,
            values: config
                .keys
                .values()
                .map(|k| (k.key.clone(), mounted_file::value_at(&content, &k.key)))
                .collect(),
        },
        Mounted::NotVisible(why) => FileSettings::NotVisible(why),
        Mounted::Invalid(why) => FileSettings::Invalid(why),
    }
}

/// Whether a process runs a pod template's command line: the same flags, with the same
/// values wherever the template gives one literally (`$(NODE_NAME)` is the kubelet's to
/// expand).
fn runs_template(process: &Flags, template: &Flags) -> bool {
    process.len() == template.len()
        && template.iter().all(|(flag, values)| {
            process
                .get(flag)
                .is_some_and(|v| v == values || values.iter().any(|t| t.contains("$(")))
        })
}

/// Where a component on a node is judged.
struct OnNode<'a> {
    /// The node's name.
    node: &'a str,
    /// The component as the node facts show it.
    fact: &'a crate::node_facts::ComponentFact,
    /// Its flags (with etcd's environment).
    flags: &'a Flags,
    /// The component's instances in the inventory (DaemonSet templates among them).
    found: &'a [Instance<'a>],
    /// The inventory (the ConfigMaps a DaemonSet mounts).
    inv: &'a crate::inventory::Inventory,
}

/// [`decide_by_files`] for a component on a node: the files `kubeattest node` read there. A
/// file it could not see inside the container of a DaemonSet's pod (kube-proxy's) is read
/// from the ConfigMap the DaemonSet mounts, when exactly one DaemonSet in the input runs the
/// process's command line.
fn read_node_files(
    on: &OnNode,
    component: &Component,
    expect: &[FlagCondition],
    files: &mut [Option<FileDecides>],
    observations: &mut [Observation],
) -> Option<String> {
    use crate::node_facts::FileState;
    let inst = on.fact;
    let node = on.node;
    decide_by_files(
        on.flags,
        component,
        expect,
        files,
        observations,
        |config, path| {
            let f = inst.config_files.iter().find(|f| f.flag == config.flag);
            // Only a file the node could not see; one it read, even broken, speaks for itself.
            if component.daemonset && f.is_none_or(|f| f.state == FileState::Absent) {
                let runs: Vec<&Instance> = on
                    .found
                    .iter()
                    .filter(|i| i.object.kind == "DaemonSet" && runs_template(on.flags, &i.flags))
                    .collect();
                if let [ds] = runs[..] {
                    if let FileSettings::Read { source, values } =
                        mounted_settings(on.inv, ds, config, path)
                    {
                        return FileSettings::Read {
                            source: format!(
                                "{source}, mounted by {}, whose command line {} on node {node} runs",
                                evidence::subject(ds.object).display(),
                                inst.describe()
                            ),
                            values,
                        };
                    }
                }
            }
            let Some(f) = f else {
                return FileSettings::NotVisible(OLDER_FACTS.to_string());
            };
            let why = || f.error.clone().unwrap_or_default();
            match f.state {
                FileState::Present => FileSettings::Read {
                    source: format!(
                        "node {node}: file {}, given by {} to {}",
                        crate::quote::quote(&f.describe()),
                        f.flag,
                        inst.describe()
                    ),
                    values: f
                        .values
                        .iter()
                        .map(|(k, v)| (k.clone(), crate::checks::mounted_file::flag_text(v)))
                        .collect(),
                },
                FileState::Absent => FileSettings::NotVisible(why()),
                FileState::Error => FileSettings::Invalid(why()),
            }
        },
    )
}

/// A flag, or a configuration file's setting, named in a sentence: `--profiling` as is,
/// `enableProfiling` in backticks, `authorizers[].type` as "`type` of each of `authorizers`".
fn setting_words(path: &str) -> String {
    if path.starts_with("--") {
        return path.to_string();
    }
    match path.split_once("[].") {
        Some((list, field)) => format!("`{field}` of each of `{list}`"),
        None => format!("`{path}`"),
    }
}

/// Observes a condition on the setting of a configuration file that stands for its flag.
fn observe_file_key(
    cond: &FlagCondition,
    key: &crate::catalog::FileKey,
    value: Option<String>,
    component: &Component,
    source: String,
    file: &FileDecides,
) -> Observation {
    let (value, note) = match (value, &key.default) {
        (Some(v), _) => (Some(v), None),
        (None, Some(d)) => (
            Some(d.clone()),
            Some(format!("not set in the file; the default {d} applies")),
        ),
        (None, None) => (None, Some("not set in the file".to_string())),
    };
    let mut flags = Flags::new();
    if let Some(v) = value {
        flags.insert(cond.flag.clone(), vec![v]);
    }
    // The file's value alone decides: no flag default, no other file.
    let plain = Component {
        name: component.name.clone(),
        value_flags: component.value_flags.clone(),
        numeric_flags: component.numeric_flags.clone(),
        empty_means: component.empty_means.clone(),
        bool_map_flags: component.bool_map_flags.clone(),
        ..Component::default()
    };
    let cond = FlagCondition {
        default: None,
        unset_passes: None,
        ..cond.clone()
    };
    let mut o = observe(&cond, &flags, &plain, source);
    o.path = key.key.clone();
    let read = format!(
        "read from {}={} for {}",
        file.file_flag,
        crate::quote::quote(&file.path),
        cond.flag
    );
    o.note = Some(match (note, o.note.take()) {
        (Some(n), _) | (None, Some(n)) => format!("{n}; {read}"),
        (None, None) => read,
    });
    o
}

/// A flag given on the command line is judged by what its value means: a flag that needs a
/// value given bare (`--tls-cert-file` followed by another flag, read as `true`) or empty
/// (`--tls-cert-file=`) is "set without a value"; a numeric flag at or below its special
/// bound means what `components.yaml` says (`--terminated-pod-gc-threshold=0`: off).
///
/// A list flag (judged by a list operator) accumulates: pflag appends each occurrence, and an
/// empty one adds nothing, so it is "set without a value" only when every occurrence is.
fn judge_value(o: &mut Observation, cond: &FlagCondition, values: &[String], c: &Component) {
    let given = |v: &&String| !v.trim().is_empty();
    let last = if cond.expect.op.is_list_op() {
        values.iter().rev().find(given).or(values.last())
    } else {
        values.last()
    };
    let last = last.map(|v| v.trim()).unwrap_or_default();
    if last.is_empty() {
        if let Some(means) = c.empty_means.get(&cond.flag) {
            // Valid and meaningful: judged on the empty value itself.
            let empty = format!("{}= (empty): {means}", cond.flag);
            o.note = Some(match o.note.take() {
                Some(n) => format!("{empty}; {n}"),
                None => empty,
            });
            return;
        }
    }
    if c.value_flags.contains(&cond.flag) && (last.is_empty() || last == "true") {
        o.holds = false;
        o.observed = Value::String("set without a value".into());
        o.note = Some(format!(
            "{} needs a value; given bare or empty it does not count as set",
            cond.flag
        ));
        return;
    }
    if let Some(m) = c.numeric_flags.get(&cond.flag) {
        match last.parse::<f64>() {
            Ok(x) if x <= m.at_or_below => {
                o.holds = false;
                o.note = Some(format!("{}={last}: {}", cond.flag, m.means));
            }
            Ok(_) => {}
            Err(_) => {
                o.holds = false;
                o.note = Some(format!("{} must be a number", cond.flag));
            }
        }
    }
}

/// The catalog's component `name`, or one found by its name alone when the catalog does not
/// describe it.
pub fn component(ctx: &Context, name: &str) -> Component {
    ctx.catalog
        .component(name)
        .cloned()
        .unwrap_or_else(|| Component {
            name: name.to_string(),
            binaries: vec![name.to_string()],
            ..Component::default()
        })
}

/// Evaluates the assertion over the inventory: `expect`, and where an instance fails it,
/// each alternative of `or` on the same instance (the first that passes decides; one that
/// cannot be seen leaves the instance `manual` rather than failed).
pub fn evaluate(check: &Check, p: &Params, ctx: &Context) -> Outcome {
    let mut out = evaluate_conditions(check, p, ctx);
    if p.or.is_empty() {
        return out;
    }
    let alternatives: Vec<Outcome> =
        p.or.iter()
            .map(|alt| {
                let q = Params {
                    component: p.component.clone(),
                    expect: alt.clone(),
                    or: Vec::new(),
                };
                evaluate_conditions(check, &q, ctx)
            })
            .collect();
    for f in out
        .findings
        .iter_mut()
        .filter(|f| matches!(f.status, Status::Fail | Status::Warn | Status::Manual))
    {
        // The same instance judged on each alternative.
        let same: Vec<&Finding> = alternatives
            .iter()
            .filter_map(|o| o.findings.iter().find(|a| a.subject == f.subject))
            .collect();
        if let Some(pass) = same.iter().find(|a| a.status == Status::Pass) {
            *f = (*pass).clone();
            continue;
        }
        if f.status == Status::Manual {
            continue;
        }
        let undecided = same
            .iter()
            .find(|a| a.status == Status::Manual)
            .or_else(|| same.iter().find(|a| a.status == Status::Error));
        let why: Vec<&str> = same.iter().map(|a| a.message.as_str()).collect();
        let mut observations = std::mem::take(&mut f.observations);
        observations.extend(same.iter().flat_map(|a| a.observations.iter().cloned()));
        match undecided {
            Some(a) => *f = (*a).clone(),
            None => {
                f.message = format!(
                    "{}; nor does the alternative hold: {}",
                    f.message,
                    why.join("; ")
                )
            }
        }
        f.observations = observations;
    }
    out
}

/// For a passing message: the conditions that hold because their flag is not given and
/// unset is accepted (`unset_passes`), with why (` (--tls-min-version not set; …)`).
fn unset_accepted(p: &Params, observations: &[Observation]) -> String {
    let notes: Vec<String> = p
        .expect
        .iter()
        .filter(|c| c.unset_passes.is_some())
        .filter_map(|c| {
            observations
                .iter()
                .find(|o| o.path == c.flag && o.holds && o.observed.is_null())
                .and_then(|o| o.note.as_ref())
                .map(|n| format!("{} {n}", c.flag))
        })
        .collect();
    if notes.is_empty() {
        String::new()
    } else {
        format!(" ({})", notes.join("; "))
    }
}

/// Evaluates `expect` over the inventory (without `or`).
fn evaluate_conditions(check: &Check, p: &Params, ctx: &Context) -> Outcome {
    let mut out = Outcome::default();
    let component = component(ctx, &p.component);
    let inv = ctx.inventory;
    let mut found = instances(ctx.executables(), &component);
    if component.daemonset {
        let templates = template_executables(inv.of_kind("DaemonSet"));
        extend_new(&mut found, instances(&templates, &component));
    }
    for inst in &found {
        let source = inst.source();
        let (mut files, mut observations) =
            observe_all(p, &component, &inst.flags, &inst.from_env, &source);
        let unknown = mark_unknown(
            p,
            &inst.unknown,
            inst.unreadable.as_deref(),
            &inst.notes,
            &mut files,
            &mut observations,
        );
        let invalid = read_mounted_files(
            inv,
            inst,
            &component,
            &p.expect,
            &mut files,
            &mut observations,
        );
        let refusal = mark_refused(p, &inst.refused, &mut observations);
        let (failing, undecided) = first_failing_and_undecided(p, &files, &observations, &unknown);
        let unknown = unknown.iter().flatten().next();
        let (status, message) = match (failing, invalid, undecided) {
            _ if refusal.is_some() => (
                Status::Error,
                format!(
                    "{}: {}, so what it runs with cannot be judged; fix the command line",
                    component.name,
                    refusal.as_deref().unwrap_or_default()
                ),
            ),
            (None, Some(why), _) => (
                Status::Error,
                format!(
                    "{}: cannot read its configuration file: {why}",
                    component.name
                ),
            ),
            (None, None, _) if unknown.is_some() => (
                Status::Manual,
                format!(
                    "{}: {}; confirm it by hand",
                    component.name,
                    unknown.map_or("", String::as_str)
                ),
            ),
            (None, None, None) => (
                Status::Pass,
                format!(
                    "{} flags comply{}",
                    component.name,
                    unset_accepted(p, &observations)
                ),
            ),
            (None, None, Some((c, file))) => {
                (Status::Manual, file.message(&component.name, &c.flag))
            }
            (Some(o), _, _) => (
                Status::Fail,
                format!(
                    "{} {} is {}, expected {}{}",
                    component.name,
                    setting_words(&o.path),
                    if o.observed.is_null() {
                        "not set".to_string()
                    } else {
                        words(&o.observed)
                    },
                    o.expected,
                    match (&o.note, o.observed.is_null()) {
                        (Some(n), false) => format!(" ({n})"),
                        _ => String::new(),
                    }
                ),
            ),
        };
        out.findings.push(evidence::finding(
            check,
            status,
            evidence::subject(inst.object),
            observations,
            message,
        ));
    }
    let on_nodes = evaluate_node_facts(check, p, ctx, &component, &found, &mut out);
    if found.is_empty() && on_nodes == 0 {
        out.findings.push(absent_finding(check, ctx, &component));
    } else if inv.target.source == Some(SourceKind::Manifests) {
        // A workload that names no namespace and runs the component may be applied in
        // kube-system: beside the instances judged, it is neither judged nor forgotten.
        for o in runs_elsewhere(ctx.other_executables(), &component)
            .into_iter()
            .filter(|o| names_no_namespace(o))
        {
            out.findings.push(evidence::finding(
                check,
                Status::Manual,
                evidence::subject(o),
                Vec::new(),
                format!(
                    "{} runs {} and names no namespace, so it goes where it is applied: whether it is this cluster's {} cannot be told from the input; if it is, check its flags by hand",
                    evidence::subject(o).display(),
                    component.name,
                    component.name
                ),
            ));
        }
    }
    out
}

/// Judges the component on every node whose facts show it (process first, static pod
/// otherwise); returns how many nodes did. An absent flag of a component embedded in another
/// binary (k3s) is `error`: its real value is set where the command line cannot show it.
fn evaluate_node_facts(
    check: &Check,
    p: &Params,
    ctx: &Context,
    component: &Component,
    found: &[Instance],
    out: &mut Outcome,
) -> usize {
    let mut n = 0;
    for nf in &ctx.inventory.node_facts {
        let subject = || Subject {
            kind: "Component".into(),
            name: component.name.as_str().into(),
            node: Some(nf.node.as_str().into()),
            ..Subject::default()
        };
        let inst = match nf.component(&component.name) {
            Ok(Some(inst)) => inst,
            // A component that runs on every node (the kubelet) and was not seen: the
            // collector could not see it, which decides nothing.
            Ok(None) if component.every_node => {
                n += 1;
                out.findings.push(evidence::finding(
                    check,
                    Status::Error,
                    subject(),
                    Vec::new(),
                    format!(
                        "no {} process found on node {} (reading {}): cannot tell its flags; run the collector with the host's PID namespace",
                        component.name, nf.node, nf.proc
                    ),
                ));
                continue;
            }
            Ok(None) => continue,
            Err(many) => {
                n += 1;
                out.findings.push(evidence::finding(
                    check,
                    Status::Error,
                    subject(),
                    Vec::new(),
                    format!("node {}: {many}", nf.node),
                ));
                continue;
            }
        };
        n += 1;
        let cmd = parse_component_command(&inst.args, component);
        let unresolved: Vec<(String, String)> = inst
            .unresolved
            .iter()
            .map(|(var, why)| (var.clone(), why.clone()))
            .collect();
        let hidden = cmd.hidden_by(&unresolved);
        let r = resolve(component, cmd, hidden.unknown);
        let mut flags = r.flags;
        let from_env = merge_env(
            component,
            &mut flags,
            inst.env.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        );
        let source = format!("node {}: {}", nf.node, inst.describe());
        let (mut files, mut observations) = observe_all(p, component, &flags, &from_env, &source);
        let unknown = mark_unknown(
            p,
            &r.unknown,
            hidden.unreadable.as_deref(),
            &r.notes,
            &mut files,
            &mut observations,
        );
        let on = OnNode {
            node: &nf.node,
            fact: inst,
            flags: &flags,
            found,
            inv: ctx.inventory,
        };
        let invalid = read_node_files(&on, component, &p.expect, &mut files, &mut observations);
        // An embedded component (k3s): a flag not passed through may be one the embedding
        // process sets itself, so its default decides nothing, whether it would pass or fail.
        let mut unseen: Vec<&str> = Vec::new();
        if inst.via.is_some() {
            for ((o, c), file) in observations.iter_mut().zip(&p.expect).zip(&files) {
                if !flags.contains_key(&c.flag) && file.is_none() {
                    unseen.push(&c.flag);
                    o.note = Some(format!(
                        "flag not passed through; {}",
                        inst.via.as_deref().unwrap_or("")
                    ));
                }
            }
        }
        let refusal = mark_refused(p, &r.refused, &mut observations);
        let (failing, undecided) = first_failing_and_undecided(p, &files, &observations, &unknown);
        let unknown = unknown.iter().flatten().next();
        let (status, message) = match (failing, invalid, undecided) {
            _ if refusal.is_some() => (
                Status::Error,
                format!(
                    "{} on node {}: {}, so what it runs with cannot be judged; fix the command line",
                    component.name,
                    nf.node,
                    refusal.as_deref().unwrap_or_default()
                ),
            ),
            (None, Some(why), _) => (
                Status::Error,
                format!(
                    "{} on node {}: cannot read its configuration file: {why}",
                    component.name, nf.node
                ),
            ),
            (None, None, _) if unknown.is_some() => (
                Status::Manual,
                format!(
                    "node {}: {}: {}; confirm it by hand",
                    nf.node,
                    component.name,
                    unknown.map_or("", String::as_str)
                ),
            ),
            (None, None, None) if !unseen.is_empty() => (
                Status::Error,
                format!(
                    "{} on node {}: {} not passed through, so its value is unknown ({}); confirm it by hand",
                    component.name,
                    nf.node,
                    unseen.join(", "),
                    inst.via.as_deref().unwrap_or(""),
                ),
            ),
            (None, None, None) => (
                Status::Pass,
                format!(
                    "{} flags comply on node {}{}",
                    component.name,
                    nf.node,
                    unset_accepted(p, &observations)
                ),
            ),
            (None, None, Some((c, file))) => (
                Status::Manual,
                format!(
                    "node {}: {}",
                    nf.node,
                    file.message(&component.name, &c.flag)
                ),
            ),
            // Error only when the failing flag itself was not seen.
            (Some(o), _, _) => (
                if unseen.contains(&o.path.as_str()) {
                    Status::Error
                } else {
                    Status::Fail
                },
                format!(
                    "{} {} on node {} is {} ({}), expected {}{}",
                    component.name,
                    setting_words(&o.path),
                    nf.node,
                    if o.observed.is_null() {
                        "not set".to_string()
                    } else {
                        words(&o.observed)
                    },
                    inst.describe(),
                    o.expected,
                    // A setting read from a configuration file: say which file.
                    match &o.note {
                        Some(n) if !p.expect.iter().any(|c| c.flag == o.path) => format!(" ({n})"),
                        _ => String::new(),
                    }
                ),
            ),
        };
        out.findings.push(evidence::finding(
            check,
            status,
            Subject {
                kind: "Component".into(),
                name: component.name.as_str().into(),
                node: Some(nf.node.as_str().into()),
                ..Subject::default()
            },
            observations,
            message,
        ));
    }
    n
}

/// The finding of a check whose component was found nowhere in the input: about the
/// component as a whole, not applicable (and not assessed: not in the input) or an error
/// when it should have been seen.
pub fn absent_finding(check: &Check, ctx: &Context, component: &Component) -> Finding {
    let (status, message) = absent_component(ctx, component);
    let finding = evidence::finding(
        check,
        status,
        Subject {
            kind: "Component".into(),
            name: component.name.as_str().into(),
            ..Subject::default()
        },
        Vec::new(),
        message,
    );
    finding.not_assessed_if_not_applicable()
}

/// What it means that no instance of a component was found. `not_applicable` here always
/// means "not in the input".
fn absent_component(ctx: &Context, component: &Component) -> (Status, String) {
    let inv = ctx.inventory;
    if !inv.node_facts.is_empty() {
        let names: Vec<&str> = inv.node_facts.iter().map(|n| n.node.as_str()).collect();
        return (
            Status::NotApplicable,
            format!(
                "none of the {} scanned node(s) ({}) runs {} (as a process or static pod), and no pod in the inventory does",
                names.len(),
                names.join(", "),
                component.name
            ),
        );
    }
    // Pods that could not be listed may hold the component's static pods, whatever the
    // platform seems to be: a guess at the platform never hides a failed list.
    if let KindState::Failed(reason) = inv.kind_state("Pod") {
        return (
            Status::Error,
            format!(
                "cannot look for {}: pods could not be listed: {reason}",
                component.name
            ),
        );
    }
    if inv.target.managed_control_plane() {
        return (
            Status::NotApplicable,
            format!(
                "managed control plane ({}): the provider runs {} and its flags cannot be read",
                inv.target.platform.as_deref().unwrap_or("?"),
                component.name
            ),
        );
    }
    let binaries = component.binaries.join("` or `");
    let elsewhere = runs_elsewhere(ctx.other_executables(), component);
    // Where the input leaves the namespace open, the workload may be applied in kube-system;
    // one in an application's namespace is that application's own (a Patroni etcd).
    let unset = elsewhere.iter().any(|o| names_no_namespace(o));
    let others = (!elsewhere.is_empty()).then(|| {
        let names: Vec<String> = elsewhere
            .iter()
            .map(|o| {
                format!(
                    "{} at {}",
                    evidence::subject(o).display(),
                    o.origin.describe()
                )
            })
            .collect();
        let runs = if names.len() == 1 { "runs" } else { "run" };
        if unset {
            format!(
                "{} {runs} it, and a workload without a namespace goes where it is applied: whether it is this cluster's {} cannot be told from the input; if it is, check its flags by hand",
                names.join(", "),
                component.name
            )
        } else {
            format!(
                "{} {runs} it in an application's namespace, taken as that application's own {}, not the cluster's",
                names.join(", "),
                component.name
            )
        }
    });
    let where_ = "no container in kube-system, an openshift- namespace or a pod labelled tier: control-plane";
    match (inv.target.source, others) {
        (Some(SourceKind::Manifests), Some(others)) => (
            if unset {
                Status::Manual
            } else {
                Status::NotApplicable
            },
            format!("{where_} runs `{binaries}`; {others}"),
        ),
        (Some(SourceKind::Manifests), None) => (
            Status::NotApplicable,
            format!(
                "no container in the given manifests runs `{binaries}` (as a static pod, a pod or the pod template of a workload)"
            ),
        ),
        (_, others) => (
            Status::Error,
            format!(
                "{} not found: no static pod, mirror pod or workload of kube-system, an openshift- namespace or labelled tier: control-plane whose command runs `{binaries}` was collected{}; scan the control-plane nodes with `kubeattest node`, or check that kube-system pods are in scope",
                component.name,
                others.map(|o| format!(" ({o})")).unwrap_or_default()
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    /// pflag with component-base's `WordSepNormalizeFunc`: `_` in a name is `-` (etcd, on
    /// Go's flag package, keeps it); a value flag written without `=` takes the next argument
    /// whatever it is, and one that swallowed a flag counts as set without a value.
    #[test]
    fn component_command_lines_are_read_as_their_flag_parser_reads_them() {
        let catalog = crate::catalog::load(None).expect("catalog");
        let get = |name: &str| catalog.component(name).expect("component");
        let (apiserver, kubelet, etcd) = (get("kube-apiserver"), get("kubelet"), get("etcd"));
        let cmd = parse_component_command(
            &t(&[
                "--anonymous-auth=false",
                "--anonymous_auth=true",
                "--audit-log-path",
                "--profiling=false",
            ]),
            apiserver,
        );
        assert_eq!(cmd.flags["--anonymous-auth"], t(&["false", "true"]));
        assert_eq!(cmd.flags["--audit-log-path"], t(&[""]));
        assert!(!cmd.flags.contains_key("--profiling"), "{:?}", cmd.flags);
        // The kubelet lists all its boolean flags: any other takes the next argument.
        let cmd = parse_component_command(
            &t(&[
                "--cert-dir",
                "--anonymous-auth=false",
                "--read_only_port=10255",
                "--rotate-certificates",
                "--v",
                "2",
            ]),
            kubelet,
        );
        assert_eq!(cmd.flags["--cert-dir"], t(&[""]));
        assert!(!cmd.flags.contains_key("--anonymous-auth"));
        assert_eq!(cmd.flags["--read-only-port"], t(&["10255"]));
        assert_eq!(cmd.flags["--rotate-certificates"], t(&["true"]));
        assert_eq!(cmd.flags["--v"], t(&["2"]));
        let cmd = parse_component_command(&t(&["--client_cert_auth=true"]), etcd);
        assert!(cmd.flags.contains_key("--client_cert_auth"));
        assert!(!cmd.flags.contains_key("--client-cert-auth"));
    }

    #[test]
    fn list_values_are_read_as_one_csv_record() {
        assert_eq!(list_items("Node,RBAC"), t(&["Node", "RBAC"]));
        assert_eq!(list_items("\"NodeRestriction\""), t(&["NodeRestriction"]));
        assert_eq!(list_items("\"a,b\",c"), t(&["a,b", "c"]));
        assert_eq!(list_items("\"say \"\"hi\"\"\""), t(&["say \"hi\""]));
        assert_eq!(list_items(""), t(&[]));
        assert_eq!(list_items("a,,b,"), t(&["a", "b"]));
    }

    /// pflag hands a string slice to Go's encoding/csv: spaces are kept, quotes only open an
    /// item, and a stray quote is an error.
    #[test]
    fn csv_records_are_read_as_go_reads_them() {
        assert_eq!(csv_record("Node,RBAC"), Ok(t(&["Node", "RBAC"])));
        assert_eq!(csv_record("a, b,"), Ok(t(&["a", " b", ""])));
        assert_eq!(csv_record("\"a,b\",c"), Ok(t(&["a,b", "c"])));
        assert_eq!(csv_record("\"say \"\"hi\"\"\""), Ok(t(&["say \"hi\""])));
        assert_eq!(csv_record(""), Ok(t(&[])));
        assert!(csv_record("a\"b").is_err());
        assert!(csv_record("\"a\"b").is_err());
        assert!(csv_record("\"a").is_err());
    }

    /// kube-apiserver refuses to start with an admission plugin it does not register
    /// (`AdmissionOptions.Validate`): case-sensitive, one quoted item, a space kept; a name
    /// only other releases register leaves the lists unknown.
    /// component-base's TLSCipherSuites and TLSVersion accept names only: a hex id, a name in
    /// the wrong case or an unknown version stops the component; the last version decides.
    #[test]
    fn tls_values_outside_the_accepted_sets_are_refused() {
        let catalog = crate::catalog::load(None).expect("catalog");
        for name in [
            "kube-apiserver",
            "kube-controller-manager",
            "kube-scheduler",
        ] {
            let c = catalog.component(name).expect("component");
            let resolved =
                |args: &[&str]| resolve(c, parse_component_command(&t(args), c), BTreeMap::new());
            for (args, flag, shown) in [
                (
                    &["--tls-cipher-suites=TLS_AES_128_GCM_SHA256,0x0005"][..],
                    "--tls-cipher-suites",
                    "0x0005",
                ),
                (
                    &["--tls-cipher-suites=tls_ecdhe_rsa_with_aes_128_gcm_sha256"],
                    "--tls-cipher-suites",
                    "tls_ecdhe",
                ),
                (
                    &[
                        "--tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                        "--tls-cipher-suites=RC4",
                    ],
                    "--tls-cipher-suites",
                    "RC4",
                ),
                (&["--tls-min-version=TLS1.2"], "--tls-min-version", "TLS1.2"),
                (
                    &[
                        "--tls-min-version=VersionTLS12",
                        "--tls-min-version=VersionTLS14",
                    ],
                    "--tls-min-version",
                    "VersionTLS14",
                ),
                // pflag's StringSlice keeps the space: the component is given ` TLS_…`.
                (
                    &["--tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256"],
                    "--tls-cipher-suites",
                    "TLS_AES_128_GCM_SHA256",
                ),
                (
                    &["--tls-cipher-suites=TLS_AES_128_GCM_SHA256,"],
                    "--tls-cipher-suites",
                    "is not",
                ),
            ] {
                let why = resolved(args)
                    .refused
                    .get(flag)
                    .cloned()
                    .unwrap_or_default();
                assert!(
                    why.contains(shown) && why.contains(name),
                    "{args:?}: {why:?}"
                );
            }
            for args in [
                &["--tls-cipher-suites=TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305,TLS_RSA_WITH_RC4_128_SHA"][..],
                &["--tls-cipher-suites="],
                &["--tls-min-version=TLS1.0", "--tls-min-version=VersionTLS13"],
            ] {
                assert!(resolved(args).refused.is_empty(), "{args:?}");
            }
        }
    }

    #[test]
    fn unknown_admission_plugins_are_refused() {
        let catalog = crate::catalog::load(None).expect("catalog");
        let apiserver = catalog.component("kube-apiserver").expect("component");
        let resolved = |args: &[&str]| {
            resolve(
                apiserver,
                parse_component_command(&t(args), apiserver),
                BTreeMap::new(),
            )
        };
        for (args, name) in [
            (
                &["--enable-admission-plugins=NodeRestriction,NoSuchPlugin"][..],
                "`NoSuchPlugin`",
            ),
            (
                &["--enable-admission-plugins=noderestriction,alwaysadmit"],
                "`noderestriction`",
            ),
            (
                &["--enable-admission-plugins=\"NodeRestriction,AlwaysAdmit\""],
                "the quotes",
            ),
            (
                &["--enable-admission-plugins=NodeRestriction, AlwaysAdmit"],
                "the spaces",
            ),
            (&["--disable-admission-plugins=Bogus"], "`Bogus`"),
            (&["--admission-control=NodeRestriction,Bogus"], "`Bogus`"),
            (&["--enable-admission-plugins=NodeRestriction,"], "``"),
        ] {
            let r = resolved(args);
            let why = r
                .refused
                .get("--enable-admission-plugins")
                .cloned()
                .unwrap_or_default();
            assert!(why.contains(name), "{args:?}: {why:?}");
            assert!(r.refused.contains_key("--disable-admission-plugins"));
        }
        // A value the input does not show is unknown, not an unknown plugin.
        let hidden = resolve(
            apiserver,
            parse_component_command(&t(&["--enable-admission-plugins=$(PLUGINS)"]), apiserver),
            [(
                "--enable-admission-plugins".to_string(),
                "hidden".to_string(),
            )]
            .into(),
        );
        assert!(hidden.refused.is_empty(), "{hidden:?}");
        let r = resolved(&["--enable-admission-plugins=NodeRestriction,PodSecurityPolicy"]);
        assert!(r.refused.is_empty());
        assert!(r.unknown["--enable-admission-plugins"].contains("removed in 1.25"));
        for args in [
            &["--enable-admission-plugins=\"NodeRestriction\",PodSecurity"][..],
            &[
                "--enable-admission-plugins=",
                "--disable-admission-plugins=AlwaysAdmit",
            ],
            &["--admission-control=NodeRestriction,ServiceAccount"],
        ] {
            let r = resolved(args);
            assert!(
                r.refused.is_empty() && r.unknown.is_empty(),
                "{args:?}: {r:?}"
            );
        }
    }

    #[test]
    fn feature_gates_merge_per_gate_and_read_go_booleans() {
        let c = Component {
            bool_map_flags: ["--feature-gates".to_string()].into(),
            ..Component::default()
        };
        let (v, note) =
            effective_values(&c, "--feature-gates", &t(&["A=true,B=0", "A=F", "C=True"]));
        assert_eq!(v, t(&["A=false,B=false,C=true"]));
        assert!(note.unwrap().contains("the later wins"));
        let (v, note) = effective_values(&c, "--feature-gates", &t(&["A=true"]));
        assert_eq!((v, note), (t(&["A=true"]), None));
        // Other flags are taken as given.
        let (v, _) = effective_values(&c, "--profiling", &t(&["0", "1"]));
        assert_eq!(v, t(&["0", "1"]));
    }

    #[test]
    fn flags_are_judged_by_what_their_value_means() {
        let catalog = crate::catalog::load(None).expect("catalog");
        let apiserver = catalog.component("kube-apiserver").expect("apiserver");
        let cm = catalog
            .component("kube-controller-manager")
            .expect("controller manager");
        let cond = |flag: &str| FlagCondition {
            flag: flag.into(),
            expect: Expectation::new(Op::Exists, Value::Null).expect("exists"),
            default: None,
            unset_passes: None,
        };
        let check = |c: &Component, flag: &str, tokens: &[&str]| {
            observe(&cond(flag), &parse_flags(&t(tokens)), c, String::new())
        };
        for tokens in [
            &["--tls-cert-file", "--secure-port=6443"][..],
            &["--tls-cert-file="],
            &["--tls-cert-file"],
        ] {
            let o = check(apiserver, "--tls-cert-file", tokens);
            assert!(!o.holds, "{tokens:?}");
            assert_eq!(o.observed, Value::String("set without a value".into()));
        }
        assert!(
            check(
                apiserver,
                "--tls-cert-file",
                &["--tls-cert-file", "/pki/a.crt"]
            )
            .holds
        );
        let o = check(
            cm,
            "--terminated-pod-gc-threshold",
            &["--terminated-pod-gc-threshold=0"],
        );
        assert!(!o.holds);
        assert!(o.note.unwrap_or_default().contains("switches"));
        assert!(
            check(
                cm,
                "--terminated-pod-gc-threshold",
                &["--terminated-pod-gc-threshold=10"]
            )
            .holds
        );
        // `absent` asks only whether the flag is on the command line.
        let absent = FlagCondition {
            flag: "--token-auth-file".into(),
            expect: Expectation::new(Op::Absent, Value::Null).expect("absent"),
            default: None,
            unset_passes: None,
        };
        assert!(
            !observe(
                &absent,
                &parse_flags(&t(&["--token-auth-file="])),
                apiserver,
                String::new()
            )
            .holds
        );
    }

    #[test]
    fn a_configuration_file_on_the_command_line_takes_over_the_flags_it_names() {
        let catalog = crate::catalog::load(None).expect("catalog");
        let component = |name: &str| catalog.component(name).expect("component");
        let decided = |name: &str, flag: &str, tokens: &[&str]| {
            decided_by_file(component(name), flag, &parse_flags(&t(tokens)))
                .map(|f| (f.file_flag.to_string(), f.path))
        };
        // Replaced: the flag is ignored whether or not it is given.
        let sched = ["--config=/etc/s.yaml", "--profiling=false"];
        assert_eq!(
            decided("kube-scheduler", "--profiling", &sched),
            Some(("--config".into(), "/etc/s.yaml".into()))
        );
        assert_eq!(decided("kube-scheduler", "--bind-address", &sched), None);
        assert_eq!(
            decided("kube-scheduler", "--profiling", &["--profiling=false"]),
            None
        );
        // May set: only when the flag is absent.
        let authn = "--authentication-config=/etc/a.yaml";
        assert!(decided("kube-apiserver", "--anonymous-auth", &[authn]).is_some());
        assert_eq!(
            decided(
                "kube-apiserver",
                "--anonymous-auth",
                &[authn, "--anonymous-auth=false"]
            ),
            None
        );
        // Replaces all: every other flag, never the file flag itself.
        let etcd = ["--config-file", "/etc/e.yml", "--client-cert-auth=true"];
        assert!(decided("etcd", "--client-cert-auth", &etcd).is_some());
        assert!(decided("etcd", "--peer-auto-tls", &etcd).is_some());
        assert_eq!(decided("etcd", "--config-file", &etcd), None);

        // The observation shows nothing as holding and says why, and never uses a default.
        let cond = FlagCondition {
            flag: "--profiling".into(),
            expect: Expectation::new(Op::Eq, Value::String("false".into())).expect("eq"),
            default: None,
            unset_passes: None,
        };
        let o = observe(
            &cond,
            &parse_flags(&t(&sched)),
            component("kube-scheduler"),
            String::new(),
        );
        assert!(!o.holds);
        assert_eq!(o.observed, Value::Null);
        let note = o.note.unwrap_or_default();
        assert!(
            note.contains("--profiling=false on the command line is ignored"),
            "{note}"
        );
        assert!(note.contains("enableProfiling"), "{note}");

        // A path from the input is quoted: control characters escaped, never shown raw.
        let odd = ["--config=/etc/s\u{202e}.yaml"];
        let file = decided_by_file(
            component("kube-scheduler"),
            "--profiling",
            &parse_flags(&t(&odd)),
        )
        .expect("decided by the file");
        let message = file.message("kube-scheduler", "--profiling");
        assert!(!message.contains('\u{202e}'), "{message}");
        assert!(message.contains("\\u{202e}"), "{message}");
    }

    #[test]
    fn settings_are_named_in_words() {
        assert_eq!(setting_words("--profiling"), "--profiling");
        assert_eq!(setting_words("enableProfiling"), "`enableProfiling`");
        assert_eq!(
            setting_words("authorizers[].type"),
            "`type` of each of `authorizers`"
        );
    }

    #[test]
    fn a_process_runs_a_template_whose_literal_flags_it_repeats() {
        let template = parse_flags(&t(&[
            "--config=/var/lib/kube-proxy/config.conf",
            "--hostname-override=$(NODE_NAME)",
        ]));
        let on_node = |args: &[&str]| runs_template(&parse_flags(&t(args)), &template);
        assert!(on_node(&[
            "--config=/var/lib/kube-proxy/config.conf",
            "--hostname-override=w-1"
        ]));
        // Another file, or a flag more or less, is another command line.
        assert!(!on_node(&[
            "--config=/etc/proxy.conf",
            "--hostname-override=w-1"
        ]));
        assert!(!on_node(&["--config=/var/lib/kube-proxy/config.conf"]));
        assert!(!on_node(&[
            "--config=/var/lib/kube-proxy/config.conf",
            "--hostname-override=w-1",
            "--v=2"
        ]));
    }

    #[test]
    fn only_etcd_reads_flags_from_its_environment() {
        let catalog = crate::catalog::load(None).expect("catalog");
        let env = [("ETCD_CLIENT_CERT_AUTH", "true"), ("ETCD_LOG_LEVEL", "x")];
        let etcd = catalog.component("etcd").expect("etcd");
        let mut flags = parse_flags(&t(&["--auto-tls=false"]));
        let from = merge_env(etcd, &mut flags, env);
        assert_eq!(flags["--client-cert-auth"], vec!["true"]);
        // Not allow-listed: not recorded, not used.
        assert!(!flags.contains_key("--log-level"));
        assert_eq!(from["--client-cert-auth"], "ETCD_CLIENT_CERT_AUTH");
        // The command line wins.
        let mut flags = parse_flags(&t(&["--client-cert-auth=false"]));
        merge_env(etcd, &mut flags, env);
        assert_eq!(flags["--client-cert-auth"], vec!["false"]);
        let apiserver = catalog.component("kube-apiserver").expect("apiserver");
        let mut flags = Flags::new();
        assert!(merge_env(apiserver, &mut flags, env).is_empty());
        assert!(flags.is_empty());
    }

    #[test]
    fn parses_every_flag_form() {
        let f = parse_flags(&t(&[
            "--a=1", "--b", "2", "--c", "--d=x,y", "-v=2", "--d=z",
        ]));
        assert_eq!(f["--a"], vec!["1"]);
        assert_eq!(f["--b"], vec!["2"]);
        assert_eq!(f["--c"], vec!["true"]);
        assert_eq!(f["--d"], vec!["x,y", "z"]);
        assert_eq!(f["--v"], vec!["2"]);
    }
}
