//! Operators: the closed set of comparisons a condition can make, validated at load time.
//!
//! An [`Expectation`] is an operator with its value. It is applied to the observed values of
//! one path or flag (after defaults); see `controls/README.md` for each operator's meaning.

use regex::Regex;
use serde_json::Value;

use crate::document::{Tree, View};

use crate::catalog::reader::Reader;
use crate::yaml::{Node, NodeValue};

/// One operator of the closed set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Equal.
    Eq,
    /// Not equal.
    Ne,
    /// Each element in the list.
    In,
    /// No element in the list.
    NotIn,
    /// Present.
    Exists,
    /// Absent.
    Absent,
    /// Matches a regex.
    Matches,
    /// Numerically ≥ (numbers, durations, quantities).
    Gte,
    /// Numerically ≤.
    Lte,
    /// All elements in the list.
    SubsetOf,
    /// Contains the value(s).
    Contains,
    /// Contains at least one of the values.
    ContainsAny,
    /// File mode grants nothing beyond an octal mode.
    ModeAtMost,
    /// File owner `user:group`.
    Owner,
}

/// Every operator's name, for error messages.
pub const OPERATORS: &str =
    "eq, ne, in, not_in, exists, absent, matches, gte, lte, subset_of, contains, contains_any, mode_at_most, owner";

impl Op {
    fn parse(s: &str) -> Option<Op> {
        Some(match s {
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "in" => Op::In,
            "not_in" => Op::NotIn,
            "exists" => Op::Exists,
            "absent" => Op::Absent,
            "matches" => Op::Matches,
            "gte" => Op::Gte,
            "lte" => Op::Lte,
            "subset_of" => Op::SubsetOf,
            "contains" => Op::Contains,
            "contains_any" => Op::ContainsAny,
            "mode_at_most" => Op::ModeAtMost,
            "owner" => Op::Owner,
            _ => return None,
        })
    }

    /// The operator's name as written in the catalog.
    pub fn name(self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::Ne => "ne",
            Op::In => "in",
            Op::NotIn => "not_in",
            Op::Exists => "exists",
            Op::Absent => "absent",
            Op::Matches => "matches",
            Op::Gte => "gte",
            Op::Lte => "lte",
            Op::SubsetOf => "subset_of",
            Op::Contains => "contains",
            Op::ContainsAny => "contains_any",
            Op::ModeAtMost => "mode_at_most",
            Op::Owner => "owner",
        }
    }

    /// Whether the operator compares element-wise against a list of observed items
    /// (so comma-separated flag values are split first).
    pub fn is_list_op(self) -> bool {
        matches!(
            self,
            Op::In | Op::NotIn | Op::SubsetOf | Op::Contains | Op::ContainsAny
        )
    }
}

/// An operator and its (validated) value.
#[derive(Debug, Clone)]
pub struct Expectation {
    /// The operator.
    pub op: Op,
    /// Its value (`Null` for exists/absent).
    pub value: Value,
    regex: Option<Regex>,
    /// What is expected in words, when the value is not for people (a regular expression):
    /// the condition's `means`.
    pub means: Option<String>,
    /// Whether strings compare in any letter case (`ignore_case: true`), for values a
    /// consumer reads that way: container runtimes take `all` and `net_raw` as `ALL` and
    /// `NET_RAW`.
    pub ignore_case: bool,
    /// Separator a string value is split at before a list operator compares its elements
    /// (`split: ","`): a value the consumer reads as a comma-separated list, such as the
    /// load-balancer-source-ranges annotation. Parts are trimmed; empty parts are dropped.
    pub split: Option<String>,
}

impl Expectation {
    /// Builds an expectation programmatically (tests, other kinds).
    pub fn new(op: Op, value: Value) -> Result<Expectation, String> {
        let regex = check_value(op, &value)?;
        Ok(Expectation {
            op,
            value,
            regex,
            means: None,
            ignore_case: false,
            split: None,
        })
    }

    /// Reads `op` and `value` from a condition node, reporting problems at their lines.
    pub fn read(node: &Node, r: &mut Reader, what: &str) -> Option<Expectation> {
        let op_node = node.get("op");
        let Some(op_node) = op_node else {
            r.error(
                node.line,
                format!("{what} has no `op`; expected one of: {OPERATORS}"),
            );
            return None;
        };
        let Some(op_text) = op_node.as_str() else {
            r.error(
                op_node.line,
                format!("`op` of {what} must be a string; expected one of: {OPERATORS}"),
            );
            return None;
        };
        let Some(op) = Op::parse(op_text) else {
            r.error(
                op_node.line,
                format!("unknown operator `{op_text}` in {what}; expected one of: {OPERATORS}"),
            );
            return None;
        };
        let value_node = node.get("value");
        let value = value_node.map(Node::to_json).unwrap_or(Value::Null);
        let line = value_node.map_or(op_node.line, |n| n.line);
        if matches!(op, Op::Exists | Op::Absent) {
            if value_node.is_some_and(|n| n.value != NodeValue::Null) {
                r.error(
                    line,
                    format!("operator `{op_text}` in {what} takes no `value`"),
                );
                return None;
            }
        } else if value_node.is_none() {
            r.error(
                op_node.line,
                format!("operator `{op_text}` in {what} needs a `value`"),
            );
            return None;
        }
        let means = r.opt_string(node, "means", what);
        let ignore_case = r.opt_bool(node, "ignore_case", what).unwrap_or(false);
        let split = r.opt_string(node, "split", what);
        if split.is_some() && !op.is_list_op() {
            r.error(
                line,
                format!("`split` in {what} needs a list operator (in, not_in, subset_of, contains, contains_any)"),
            );
            return None;
        }
        // A pattern is for machines: people read what it stands for (rule 9).
        if op == Op::Matches && means.is_none() {
            r.error(
                op_node.line,
                format!(
                    "operator `{op_text}` in {what} needs `means`: what the pattern accepts, in words for the report"
                ),
            );
            return None;
        }
        match check_value(op, &value) {
            Ok(regex) => Some(Expectation {
                op,
                value,
                regex,
                means,
                ignore_case,
                split,
            }),
            Err(msg) => {
                r.error(line, format!("{what}: {msg}"));
                None
            }
        }
    }

    /// What is expected, in words for people: `false` (for `ne true`), `not false`, `one of
    /// a, b`, `set`, or the condition's `means`.
    pub fn describe(&self) -> String {
        if let Some(m) = &self.means {
            return m.clone();
        }
        let v = words(&self.value);
        match self.op {
            Op::Exists => "set".to_string(),
            Op::Absent => "not set".to_string(),
            Op::Eq => v,
            // Reads "false", not "not true". (`ne false` stays "not false": such conditions
            // usually pass when the field is unset, which "true" would not say.)
            Op::Ne if self.value == Value::Bool(true) => "false".to_string(),
            Op::Ne => format!("not {v}"),
            // `[""]`: the empty string only (SELinux user and role).
            Op::In
                if self
                    .value
                    .as_array()
                    .is_some_and(|a| a.iter().all(|x| x == "")) =>
            {
                "empty".to_string()
            }
            Op::In => format!("one of {v}"),
            Op::NotIn => format!("none of {v}"),
            Op::Matches => format!("matching {v}"),
            Op::Gte => format!("at least {v}"),
            Op::Lte => format!("at most {v}"),
            Op::SubsetOf => format!("only values from {v}"),
            Op::Contains => format!("including {v}"),
            Op::ContainsAny => format!("including one of {v}"),
            Op::ModeAtMost => format!("permissions {v} or stricter"),
            Op::Owner => format!("owned by {v}"),
        }
    }

    /// Applies the operator. `observed` is `None` when the path or flag is absent and no
    /// default applies; otherwise the values found (possibly several, from `[*]`).
    pub fn holds<T: Tree>(&self, observed: Option<&[T]>) -> bool {
        let Some(values) = observed else {
            return self.op == Op::Absent;
        };
        if let Some(sep) = &self.split {
            let parts: Vec<Value> = values.iter().map(|v| split_value(v, sep)).collect();
            return self.compare(&parts);
        }
        self.compare(values)
    }

    /// The operator over present values.
    fn compare<T: Tree>(&self, values: &[T]) -> bool {
        match self.op {
            Op::Exists => true,
            Op::Absent => false,
            Op::Eq => values.iter().all(|v| self.same(v, &self.value)),
            Op::Ne => values.iter().all(|v| !self.same(v, &self.value)),
            Op::In | Op::SubsetOf => elements(values).all(|e| self.list().any(|x| self.same(e, x))),
            Op::NotIn => elements(values).all(|e| !self.list().any(|x| self.same(e, x))),
            Op::Contains => values.iter().all(|v| match &self.value {
                Value::Array(wanted) => wanted.iter().all(|w| self.includes(v, w)),
                w => self.includes(v, w),
            }),
            Op::ContainsAny => values
                .iter()
                .all(|v| self.list().any(|w| self.includes(v, w))),
            Op::Matches => values
                .iter()
                .all(|v| self.regex.as_ref().is_some_and(|re| re.is_match(&text(v)))),
            Op::Gte | Op::Lte => {
                // The limit says what is compared: a duration limit (`1s`) reads the observed
                // values as Go durations (`5m` is five minutes), any other as numbers or
                // quantities (`500m` is 0.5).
                let scale = Scale::of(&self.value);
                let Some(limit) = scale.read(&self.value) else {
                    return false;
                };
                values.iter().all(|v| match scale.read(v) {
                    Some(n) if self.op == Op::Gte => n >= limit,
                    Some(n) => n <= limit,
                    None => false,
                })
            }
            Op::ModeAtMost => {
                let Some(allowed) = octal(&self.value) else {
                    return false;
                };
                values
                    .iter()
                    .all(|v| octal(v).is_some_and(|m| m & !allowed == 0))
            }
            Op::Owner => values.iter().all(|v| self.same(v, &self.value)),
        }
    }

    /// Whether one observed value includes `w`: as an element of a list, as a substring of a
    /// string, or as the value itself (`contains`, `contains_any`).
    fn includes<T: Tree>(&self, v: &T, w: &Value) -> bool {
        match v.view() {
            View::Array(items) => items.iter().any(|i| self.same(i, w)),
            View::String(s) if self.ignore_case => s
                .to_ascii_lowercase()
                .contains(&text(w).to_ascii_lowercase()),
            View::String(s) => s.contains(&text(w)),
            _ => self.same(v, w),
        }
    }

    /// `loose_eq`, in any letter case when the condition says so.
    fn same<T: Tree>(&self, a: &T, b: &Value) -> bool {
        match (self.ignore_case, a.view(), b) {
            (true, View::String(x), Value::String(y)) => x.eq_ignore_ascii_case(y),
            _ => loose_eq(a, b),
        }
    }

    fn list(&self) -> impl Iterator<Item = &Value> {
        self.value.as_array().into_iter().flatten()
    }
}

/// Checks a value's type against its operator; returns the compiled regex for `matches`.
fn check_value(op: Op, value: &Value) -> Result<Option<Regex>, String> {
    match op {
        Op::Exists | Op::Absent => Ok(None),
        Op::Eq | Op::Ne => match value {
            Value::Array(_) | Value::Object(_) | Value::Null => Err(format!(
                "operator `{}` needs a scalar value (string, number or boolean), found {}",
                op.name(),
                type_name(value)
            )),
            _ => Ok(None),
        },
        Op::In | Op::NotIn | Op::SubsetOf | Op::ContainsAny => match value {
            Value::Array(a) if a.iter().all(|v| !v.is_array() && !v.is_object()) => Ok(None),
            _ => Err(format!(
                "operator `{}` needs a list of scalars, found {}",
                op.name(),
                type_name(value)
            )),
        },
        Op::Contains => match value {
            Value::Object(_) | Value::Null => Err(format!(
                "operator `contains` needs a scalar or a list, found {}",
                type_name(value)
            )),
            _ => Ok(None),
        },
        Op::Matches => match value {
            Value::String(s) => Regex::new(s)
                .map(Some)
                .map_err(|e| format!("invalid regex `{s}`: {e}")),
            _ => Err(format!("operator `matches` needs a regex string, found {}", type_name(value))),
        },
        Op::Gte | Op::Lte => match Scale::of(value).read(value) {
            Some(_) => Ok(None),
            None => Err(format!(
                "operator `{}` needs a number, a duration (`300s`, `5m0s`, `1h`) or a quantity (`512Mi`, `500m`), found {}",
                op.name(),
                render(value)
            )),
        },
        Op::ModeAtMost => match octal(value) {
            Some(_) => Ok(None),
            None => Err(format!(
                "operator `mode_at_most` needs an octal mode such as \"600\", found {}",
                render(value)
            )),
        },
        Op::Owner => match value {
            Value::String(s) if s.contains(':') => Ok(None),
            _ => Err(format!(
                "operator `owner` needs \"user:group\", found {}",
                render(value)
            )),
        },
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// A value as text: strings unquoted, others as JSON.
pub fn text<T: Tree>(v: &T) -> String {
    match v.view() {
        View::String(s) => s.to_string(),
        _ => v.json(),
    }
}

/// A value for messages: JSON, compact.
pub fn render(v: &Value) -> String {
    let mut out = String::new();
    render_into(&mut out, v);
    out
}

/// A value in a sentence for people: a list of scalars as `a, b` and a mapping of scalars as
/// `path: /run, type: File`, not as JSON; anything else as [`render`] gives it. (Evidence
/// keeps the value itself.)
pub fn words(v: &Value) -> String {
    let scalar = |i: &Value| !i.is_array() && !i.is_object();
    match v {
        Value::Array(items) if items.is_empty() => "empty".to_string(),
        Value::Object(m) if m.is_empty() => "empty".to_string(),
        Value::Array(items) if items.iter().all(scalar) => {
            items.iter().map(render).collect::<Vec<_>>().join(", ")
        }
        Value::Object(m) if m.values().all(scalar) => m
            .iter()
            .map(|(k, v)| format!("{k}: {}", render(v)))
            .collect::<Vec<_>>()
            .join(", "),
        other => render(other),
    }
}

/// [`render`], appended to `out`.
pub fn render_into(out: &mut String, v: &Value) {
    use std::fmt::Write as _;
    match v {
        // An empty string would vanish from the sentence ("serviceAccount is , expected …").
        Value::String(s) if s.is_empty() => out.push_str("empty"),
        Value::String(s) => out.push_str(s),
        // Writing into a String cannot fail.
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

/// Equality that treats `"true"` and `true`, `"30"` and `30` as equal (flags are text). A
/// string compared with a boolean is read as Go's `strconv.ParseBool` reads it, as boolean
/// flags are (`1`, `t`, `T`, `TRUE`, `true`, `True`; `0`, `f`, `F`, `FALSE`, `false`,
/// `False`).
fn loose_eq<T: Tree>(a: &T, b: &Value) -> bool {
    match (a.view(), b) {
        (View::String(x), Value::String(y)) => x == y,
        (View::String(x), Value::Bool(y)) if parse_bool(x.trim()).is_some() => {
            parse_bool(x.trim()) == Some(*y)
        }
        (View::Number(_), Value::Number(_)) => number(a) == number(b),
        (View::Array(_) | View::Object, _) | (_, Value::Array(_) | Value::Object(_)) => a == b,
        _ => text(a).eq_ignore_ascii_case(&text(b)),
    }
}

/// A string value as the list of its trimmed, non-empty parts; any other value as it is.
fn split_value<T: Tree>(v: &T, sep: &str) -> Value {
    match v.view() {
        View::String(s) => Value::Array(
            s.split(sep)
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| Value::String(p.to_string()))
                .collect(),
        ),
        _ => serde_json::from_str(&v.json()).unwrap_or(Value::Null),
    }
}

/// A boolean as Go's `strconv.ParseBool` reads it (boolean flags, feature gates).
pub fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// The elements of observed values: list values are flattened.
fn elements<T: Tree>(values: &[T]) -> impl Iterator<Item = &T> {
    values.iter().flat_map(|v| match v.view() {
        View::Array(a) => a.iter().collect::<Vec<_>>(),
        _ => vec![v],
    })
}

/// What a `gte` / `lte` limit measures, and so how observed values are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// A Go duration (`30s`, `4h0m0s`): observed values are read as durations, in seconds.
    Duration,
    /// A number or a quantity (`30`, `512Mi`, `500m`).
    Number,
}

impl Scale {
    /// The scale of a limit: a string that is a Go duration and no number or quantity is a
    /// duration (`1s`, `1h30m`, `5m0s`); anything else, `5m` included (a quantity: 0.005),
    /// is a number. Write `5m0s` for five minutes.
    pub fn of(limit: &Value) -> Scale {
        match limit {
            Value::String(s) if duration_seconds(s).is_some() && number(limit).is_none() => {
                Scale::Duration
            }
            _ => Scale::Number,
        }
    }

    /// A value on this scale: seconds for a duration (a number is taken as seconds only when
    /// it is 0, as Go's `time.ParseDuration` takes `0`), else [`number`].
    pub fn read<T: Tree>(self, v: &T) -> Option<f64> {
        match self {
            Scale::Number => number(v),
            Scale::Duration => match v.view() {
                View::String(s) => duration_seconds(s.trim()),
                View::Number(n) => n.as_f64().filter(|x| *x == 0.0),
                _ => None,
            },
        }
    }
}

/// A number from a number, a numeric string or a quantity (`512Mi`, `500m`). Durations are
/// read by [`Scale::Duration`], where the limit is one.
pub fn number<T: Tree>(v: &T) -> Option<f64> {
    match v.view() {
        View::Number(n) => n.as_f64(),
        View::String(s) => {
            let s = s.trim();
            s.parse::<f64>().ok().or_else(|| quantity(s))
        }
        _ => None,
    }
}

/// A Go duration in seconds, as `time.ParseDuration` reads it: an optional sign, then one or
/// more decimal numbers each with a unit (`ns`, `us`, `µs`, `μs`, `ms`, `s`, `m`, `h`):
/// `300s`, `5m`, `1h30m`, `5m0s`, `1.5h`, `-1s`; `0` alone needs no unit. Anything else
/// (`5`, `5x`, `1hm`, ``) is not a duration.
pub fn duration_seconds(s: &str) -> Option<f64> {
    let (sign, body) = match s.strip_prefix('-') {
        Some(rest) => (-1.0, rest),
        None => (1.0, s.strip_prefix('+').unwrap_or(s)),
    };
    if body == "0" {
        return Some(0.0);
    }
    if body.is_empty() {
        return None;
    }
    let mut total = 0.0;
    let mut rest = body;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let digits = &rest[..num_end];
        // Go accepts `1.`, `.5`, not `.` alone.
        if digits.is_empty() || digits == "." || digits.matches('.').count() > 1 {
            return None;
        }
        let n: f64 = if digits.ends_with('.') {
            digits.trim_end_matches('.').parse().ok()?
        } else if digits.starts_with('.') {
            format!("0{digits}").parse().ok()?
        } else {
            digits.parse().ok()?
        };
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_end] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            // No unit, or one Go does not know.
            _ => return None,
        };
        total += n * factor;
        rest = &rest[unit_end..];
    }
    Some(sign * total)
}

/// Kubernetes quantities: `500m`, `2`, `512Mi`, `1G`, `1e3`.
fn quantity(s: &str) -> Option<f64> {
    const SUFFIXES: [(&str, f64); 15] = [
        ("Ki", 1024.0),
        ("Mi", 1_048_576.0),
        ("Gi", 1_073_741_824.0),
        ("Ti", 1_099_511_627_776.0),
        ("Pi", 1_125_899_906_842_624.0),
        ("Ei", 1_152_921_504_606_846_976.0),
        ("n", 1e-9),
        ("u", 1e-6),
        ("m", 1e-3),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
    ];
    for (suffix, factor) in SUFFIXES {
        if let Some(num) = s.strip_suffix(suffix) {
            return num.parse::<f64>().ok().map(|n| n * factor);
        }
    }
    None
}

/// A file mode as node facts record it (`"0600"`), when it is one.
pub fn file_mode(text: &str) -> Option<u32> {
    octal(&Value::String(text.to_string())).filter(|m| *m <= 0o7777)
}

/// An octal file mode from `"600"`, `"0600"` or a number written as octal digits (600).
fn octal<T: Tree>(v: &T) -> Option<u32> {
    let t = text(v);
    let t = t.trim();
    if t.is_empty() || t.len() > 5 || !t.chars().all(|c| ('0'..='7').contains(&c)) {
        return None;
    }
    u32::from_str_radix(t, 8).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn e(op: Op, v: Value) -> Expectation {
        Expectation::new(op, v).unwrap()
    }

    #[test]
    fn lists_read_as_words_in_sentences() {
        assert_eq!(words(&json!(["Node", "RBAC"])), "Node, RBAC");
        assert_eq!(words(&json!([])), "empty");
        assert_eq!(words(&json!("x")), "x");
        assert_eq!(words(&json!(true)), "true");
        assert_eq!(words(&json!([{"a": 1}])), r#"[{"a":1}]"#);
        assert_eq!(
            words(&json!({"path": "/run/xtables.lock", "type": "FileOrCreate"})),
            "path: /run/xtables.lock, type: FileOrCreate"
        );
        assert_eq!(words(&json!({})), "empty");
        assert_eq!(words(&json!({"a": {"b": 1}})), r#"{"a":{"b":1}}"#);
    }

    #[test]
    fn absent_only_satisfies_absent() {
        assert!(e(Op::Absent, Value::Null).holds::<Value>(None));
        assert!(!e(Op::Ne, json!(true)).holds::<Value>(None));
        assert!(!e(Op::Exists, Value::Null).holds::<Value>(None));
    }

    #[test]
    fn loose_equality_for_flags() {
        assert!(e(Op::Eq, json!(false)).holds(Some(&[json!("false")])));
        assert!(e(Op::Gte, json!(30)).holds(Some(&[json!("30")])));
        assert!(!e(Op::Gte, json!(30)).holds(Some(&[json!("7")])));
    }

    #[test]
    fn ignore_case_folds_strings_only_when_asked() {
        let drop = [json!(["all"])];
        assert!(!e(Op::Contains, json!("ALL")).holds(Some(&drop)));
        let mut folded = e(Op::Contains, json!("ALL"));
        folded.ignore_case = true;
        assert!(folded.holds(Some(&drop)));
        let mut allowed = e(Op::In, json!(["NET_BIND_SERVICE"]));
        allowed.ignore_case = true;
        assert!(allowed.holds(Some(&[json!(["net_bind_service"])])));
        assert!(!allowed.holds(Some(&[json!(["sys_admin"])])));
    }

    #[test]
    fn list_operators() {
        let modes = [json!(["Node", "RBAC"])];
        assert!(e(Op::NotIn, json!(["AlwaysAllow"])).holds(Some(&modes)));
        assert!(e(Op::Contains, json!("RBAC")).holds(Some(&modes)));
        assert!(!e(Op::Contains, json!("ABAC")).holds(Some(&modes)));
        assert!(e(Op::SubsetOf, json!(["Node", "RBAC", "Webhook"])).holds(Some(&modes)));
        assert!(e(Op::NotIn, json!(["NET_RAW"])).holds::<Value>(Some(&[])));
        let either = e(Op::ContainsAny, json!(["NET_RAW", "ALL"]));
        assert!(either.holds(Some(&[json!(["ALL"])])));
        assert!(either.holds(Some(&[json!(["CHOWN", "NET_RAW"])])));
        assert!(!either.holds(Some(&[json!(["CHOWN"])])));
        assert!(!either.holds(Some(&[json!([])])));
        assert!(Expectation::new(Op::ContainsAny, json!("ALL")).is_err());
        let mut ranges = e(Op::NotIn, json!(["0.0.0.0/0"]));
        ranges.split = Some(",".into());
        assert!(!ranges.holds(Some(&[json!("10.0.0.0/8, 0.0.0.0/0")])));
        assert!(ranges.holds(Some(&[json!("10.0.0.0/8,,192.168.0.0/16")])));
        assert!(ranges.holds(Some(&[json!(["10.0.0.0/8"])])));
    }

    #[test]
    fn numbers_durations_quantities_modes() {
        assert_eq!(duration_seconds("1h30m"), Some(5400.0));
        assert_eq!(number(&json!("512Mi")), Some(536_870_912.0));
        assert_eq!(number(&json!("500m")), Some(0.5));
        assert_eq!(number(&json!("5M")), Some(5e6));
        assert_eq!(number(&json!("100Mi")), Some(104_857_600.0));
        assert!(e(Op::ModeAtMost, json!("600")).holds(Some(&[json!("0600")])));
        assert!(!e(Op::ModeAtMost, json!("600")).holds(Some(&[json!("644")])));
    }

    #[test]
    fn go_durations_parse_as_time_parse_duration_does() {
        for (d, secs) in [
            ("5m", 300.0),
            ("30m", 1800.0),
            ("1m", 60.0),
            ("5m0s", 300.0),
            ("1h30m", 5400.0),
            ("4h0m0s", 14400.0),
            ("300s", 300.0),
            ("1.5h", 5400.0),
            ("100ms", 0.1),
            ("0", 0.0),
            ("0s", 0.0),
            ("-1s", -1.0),
        ] {
            assert_eq!(duration_seconds(d), Some(secs), "{d}");
        }
        assert!((duration_seconds("2us").unwrap() - 2e-6).abs() < 1e-12);
        assert!((duration_seconds("2µs").unwrap() - 2e-6).abs() < 1e-12);
        assert!((duration_seconds("10ns").unwrap() - 1e-8).abs() < 1e-15);
        for bad in ["", "5", "5x", "1hm", "h", ".s", "1..2s", "1h-5m"] {
            assert_eq!(duration_seconds(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_duration_limit_reads_minutes_a_number_limit_reads_quantities() {
        assert_eq!(Scale::of(&json!("1s")), Scale::Duration);
        assert_eq!(Scale::of(&json!("4h0m0s")), Scale::Duration);
        assert_eq!(Scale::of(&json!("5m")), Scale::Number);
        assert_eq!(Scale::of(&json!(30)), Scale::Number);
        let at_least_1s = e(Op::Gte, json!("1s"));
        for ok in ["5m", "30m", "1m", "1h30m", "5m0s", "4h"] {
            assert!(at_least_1s.holds(Some(&[json!(ok)])), "{ok}");
        }
        for bad in ["0", "0s", "100ms", "5", "lots"] {
            assert!(!at_least_1s.holds(Some(&[json!(bad)])), "{bad}");
        }
        assert!(!at_least_1s.holds(Some(&[json!(0)])));
        // Quantities keep their meaning under a number or quantity limit.
        assert!(e(Op::Lte, json!("1")).holds(Some(&[json!("500m")])));
        assert!(e(Op::Gte, json!("100Mi")).holds(Some(&[json!("500M")])));
        assert!(!e(Op::Gte, json!("100Mi")).holds(Some(&[json!("5M")])));
        assert!(!e(Op::Gte, json!("100Mi")).holds(Some(&[json!("64Mi")])));
    }

    #[test]
    fn strings_compared_with_booleans_read_as_go_parse_bool() {
        for f in ["0", "f", "F", "FALSE", "false", "False"] {
            assert!(e(Op::Eq, json!(false)).holds(Some(&[json!(f)])), "{f}");
            assert!(!e(Op::Ne, json!(false)).holds(Some(&[json!(f)])), "{f}");
        }
        for t in ["1", "t", "T", "TRUE", "true", "True"] {
            assert!(e(Op::Eq, json!(true)).holds(Some(&[json!(t)])), "{t}");
        }
        assert!(!e(Op::Eq, json!(false)).holds(Some(&[json!("no")])));
    }

    #[test]
    fn a_boolean_that_must_not_be_true_is_expected_false() {
        assert_eq!(e(Op::Ne, json!(true)).describe(), "false");
        assert_eq!(e(Op::Ne, json!(false)).describe(), "not false");
        assert_eq!(e(Op::Ne, json!("default")).describe(), "not default");
    }

    #[test]
    fn rejects_wrong_value_types() {
        assert!(Expectation::new(Op::In, json!("x")).is_err());
        assert!(Expectation::new(Op::Matches, json!("(")).is_err());
        assert!(Expectation::new(Op::Gte, json!("lots")).is_err());
        assert!(Expectation::new(Op::Owner, json!("root")).is_err());
    }
}
