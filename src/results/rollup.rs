//! A framework item's verdict from its checks' verdicts.
//!
//! - An item without checks is `manual`: a person assesses it with the audit instructions.
//! - An item whose checks all ran and all found nothing to judge is `not_applicable`.
//! - Otherwise the worst part wins (fail > error > warn > manual > waived > pass), where a
//!   part that was not assessed counts as `manual`: a check the run left out (`--check`,
//!   `--skip`), and a check that did not apply or passed only because the input lacked what
//!   it looks at ([`Part::unassessed`]: a component missing from manifests, a kind the
//!   manifests leave out, no node facts). "Not in the input" is not "not there", so such an
//!   item is never `pass`.
//! - An item the benchmark labels manual (`automated: false`) is for a person to judge, as
//!   kube-bench reports such items: a failing check is real evidence of a violation and the
//!   item fails; otherwise it is `manual`, with its audit instructions, and what its checks
//!   found is the supporting evidence given in its message.
//!
//! The message follows from the status and the parts alone, so `report.json` can leave it
//! out and a reader derive it again ([`item_message`]).

use super::Status;

/// One check of an item, as the roll-up sees it.
#[derive(Debug, Clone, Copy)]
pub struct Part<'a> {
    /// The check's overall status.
    pub status: Status,
    /// The check's message.
    pub message: &'a str,
    /// Why some or all of its subjects were not assessed for want of input, if so
    /// ([`CheckResult::unassessed`](super::CheckResult::unassessed)).
    pub unassessed: Option<&'a str>,
}

impl Part<'_> {
    /// The status the part weighs with: one that passed, was waived or did not apply only
    /// for want of input is still for a person to assess.
    fn weight(&self) -> Status {
        match self.unassessed {
            Some(_) if self.status.rank() < Status::Manual.rank() => Status::Manual,
            _ => self.status,
        }
    }
}

/// The parts of an item: each check with its verdict, `None` for a check that did not run.
fn parts<'a, 'c>(
    checks: &'c [String],
    verdict: impl Fn(&str) -> Option<Part<'a>>,
) -> Vec<(&'c str, Option<Part<'a>>)> {
    checks.iter().map(|c| (c.as_str(), verdict(c))).collect()
}

/// What the checks decide on their own: `not_applicable` when every one ran and none
/// applied, else the worst part (a part not run or not assessed weighs as `manual`).
fn decided(parts: &[(&str, Option<Part>)]) -> Status {
    if parts
        .iter()
        .all(|(_, p)| p.is_some_and(|p| p.status == Status::NotApplicable))
    {
        return Status::NotApplicable;
    }
    Status::worst(
        parts
            .iter()
            .map(|(_, p)| p.map_or(Status::Manual, |p| p.weight())),
    )
    .unwrap_or(Status::NotApplicable)
}

/// A framework item's status from its checks (`verdict` gives a check's part, `None` for a
/// check the run did not evaluate) and the benchmark's automated/manual label.
pub fn item_status<'a>(
    automated: bool,
    checks: &[String],
    verdict: impl Fn(&str) -> Option<Part<'a>>,
) -> Status {
    if checks.is_empty() {
        return Status::Manual;
    }
    match decided(&parts(checks, verdict)) {
        Status::Fail => Status::Fail,
        // A failure accepted by an exception stays visible on the item, as on automated ones.
        Status::Waived => Status::Waived,
        _ if !automated => Status::Manual,
        status => status,
    }
}

/// The checks that leave an item to a person: those not run, those whose verdict is
/// `manual`, and those not assessed for want of input, in the item's order.
pub fn awaiting<'a, 'c>(
    checks: &'c [String],
    verdict: impl Fn(&str) -> Option<Part<'a>>,
) -> Vec<&'c str> {
    parts(checks, verdict)
        .into_iter()
        .filter(|(_, p)| p.is_none_or(|p| p.weight() == Status::Manual))
        .map(|(id, _)| id)
        .collect()
}

/// The message of an item with `status` (as [`item_status`] gives it): the messages of the
/// checks with that status as `check: message`, joined by `; `; for a `manual` item, why:
/// the checks not run, the parts not assessed (with the reason) and the checks that need a
/// person, or, for an item the benchmark labels manual whose checks decided, that a person
/// judges it and what the checks found, as evidence. (Reports written before these rules
/// derive the same messages: they hold no part not run or not assessed.)
pub fn item_message<'a>(
    status: Status,
    automated: bool,
    checks: &[String],
    verdict: impl Fn(&str) -> Option<Part<'a>>,
) -> String {
    if checks.is_empty() {
        return "no automated check: assess by hand (see the audit instructions)".to_string();
    }
    let parts = parts(checks, verdict);
    let with = |status: Status| {
        parts
            .iter()
            .filter_map(|(id, p)| p.filter(|p| p.status == status).map(|p| (id, p)))
            .map(|(id, p)| format!("{id}: {}", p.message))
            .collect::<Vec<_>>()
            .join("; ")
    };
    if status != Status::Manual {
        return with(status);
    }
    let mut said = Vec::new();
    let not_run: Vec<&str> = parts
        .iter()
        .filter(|(_, p)| p.is_none())
        .map(|(id, _)| *id)
        .collect();
    if !not_run.is_empty() {
        said.push(format!(
            "partly assessed: {} not run (left out by --check/--skip)",
            not_run.join(", ")
        ));
    }
    for (id, p) in parts.iter().filter_map(|(id, p)| p.map(|p| (id, p))) {
        if p.status == Status::Manual {
            said.push(format!("{id}: {}", p.message));
        } else if p.weight() == Status::Manual {
            said.push(format!(
                "{id}: not assessed: {}",
                p.unassessed.unwrap_or_default()
            ));
        }
    }
    if !said.is_empty() {
        return said.join("; ");
    }
    // Nothing was left undecided: the item is manual because the benchmark leaves it to a
    // person, and what the checks decided is their evidence.
    let decided = decided(&parts);
    let found = format!("{}: {}", decided.as_str(), with(decided));
    if automated {
        found
    } else {
        format!(
            "the benchmark leaves this item to a person: assess it by hand (see the audit instructions); what the checks found, as evidence: {found}"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    /// Status and message of an item over `(check, status, unassessed reason)` verdicts.
    fn roll(
        automated: bool,
        checks: &[&str],
        verdicts: &[(&str, Status, Option<&str>)],
    ) -> (Status, String) {
        let map: BTreeMap<&str, Part> = verdicts
            .iter()
            .map(|(id, status, why)| {
                (
                    *id,
                    Part {
                        status: *status,
                        message: "msg",
                        unassessed: *why,
                    },
                )
            })
            .collect();
        let checks = ids(checks);
        let status = item_status(automated, &checks, |c| map.get(c).copied());
        let message = item_message(status, automated, &checks, |c| map.get(c).copied());
        (status, message)
    }

    #[test]
    fn a_waived_part_does_not_hide_one_still_to_assess() {
        let (s, m) = roll(
            true,
            &["a", "b"],
            &[("a", Status::Manual, None), ("b", Status::Waived, None)],
        );
        assert_eq!(s, Status::Manual);
        assert_eq!(m, "a: msg");
        let (s, _) = roll(
            true,
            &["a", "b"],
            &[("a", Status::Pass, None), ("b", Status::Waived, None)],
        );
        assert_eq!(s, Status::Waived);
    }

    #[test]
    fn a_pass_beside_a_part_not_in_the_input_is_manual() {
        let (s, m) = roll(
            true,
            &["flag", "rbac"],
            &[
                ("flag", Status::NotApplicable, Some("no kube-apiserver")),
                ("rbac", Status::Pass, None),
            ],
        );
        assert_eq!(s, Status::Manual);
        assert_eq!(m, "flag: not assessed: no kube-apiserver");
        // A part that does not apply (no Windows pods) does not stop a pass.
        let (s, _) = roll(
            true,
            &["windows", "privileged"],
            &[
                ("windows", Status::NotApplicable, None),
                ("privileged", Status::Pass, None),
            ],
        );
        assert_eq!(s, Status::Pass);
        // Every part not applicable, for whatever reason: not applicable.
        let (s, _) = roll(
            true,
            &["flag", "rbac"],
            &[
                ("flag", Status::NotApplicable, Some("no kube-apiserver")),
                ("rbac", Status::NotApplicable, None),
            ],
        );
        assert_eq!(s, Status::NotApplicable);
        // A failure stays a failure.
        let (s, _) = roll(
            true,
            &["flag", "rbac"],
            &[
                ("flag", Status::NotApplicable, Some("no kube-apiserver")),
                ("rbac", Status::Fail, None),
            ],
        );
        assert_eq!(s, Status::Fail);
        // A check that passed on some subjects and could not see others.
        let (s, _) = roll(
            true,
            &["limits"],
            &[("limits", Status::Pass, Some("no LimitRange"))],
        );
        assert_eq!(s, Status::Manual);
    }

    #[test]
    fn an_item_partly_run_is_never_passed() {
        let (s, m) = roll(true, &["pid", "ipc"], &[("pid", Status::Pass, None)]);
        assert_eq!(s, Status::Manual);
        assert!(m.starts_with("partly assessed: ipc not run"), "{m}");
        let (s, _) = roll(true, &["pid", "ipc"], &[("pid", Status::Fail, None)]);
        assert_eq!(s, Status::Fail);
        // What ran did not apply, but what did not run might.
        let (s, _) = roll(
            true,
            &["pid", "ipc"],
            &[("pid", Status::NotApplicable, None)],
        );
        assert_eq!(s, Status::Manual);
    }

    #[test]
    fn an_item_the_benchmark_leaves_to_a_person_is_manual_unless_a_check_fails() {
        let (s, m) = roll(
            false,
            &["a", "b"],
            &[("a", Status::Pass, None), ("b", Status::Pass, None)],
        );
        assert_eq!(s, Status::Manual);
        assert!(m.contains("as evidence: pass: a: msg; b: msg"), "{m}");
        let (s, m) = roll(false, &["a"], &[("a", Status::NotApplicable, None)]);
        assert_eq!(s, Status::Manual);
        assert!(m.contains("not_applicable: a: msg"), "{m}");
        for other in [Status::Error, Status::Warn, Status::Manual] {
            assert_eq!(roll(false, &["a"], &[("a", other, None)]).0, Status::Manual);
        }
        // A failure an exception accepts stays on the item, as on automated items.
        let (s, m) = roll(false, &["a"], &[("a", Status::Waived, None)]);
        assert_eq!(s, Status::Waived);
        assert!(m.contains("a: msg"), "{m}");
        let (s, m) = roll(
            false,
            &["a", "b"],
            &[("a", Status::Fail, None), ("b", Status::Pass, None)],
        );
        assert_eq!((s, m.as_str()), (Status::Fail, "a: msg"));
        // Without checks: manual either way.
        assert_eq!(roll(true, &[], &[]).0, Status::Manual);
    }
}
