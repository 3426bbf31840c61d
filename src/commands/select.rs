//! Naming work on the command line: framework aliases (`cis`, `nsa`, `pss`), and ids for
//! `--check`, `--skip` and `explain` that may be a check id, a framework item id (`5.2.2`,
//! `cis-1.12/5.2.2`) or another tool's id for a check (`C-0057`, `CKV_K8S_16`).

use std::collections::BTreeSet;

use anyhow::bail;

use crate::catalog::{Catalog, Check, Framework, Item};

/// Other tools' ids for a check, as `(tool, id)` pairs. The one place that reads
/// `Check::peers`, so a change of its shape is a change here only.
pub fn peer_ids(check: &Check) -> impl Iterator<Item = (&str, &str)> {
    check.peers.iter().flat_map(|(tool, ids)| {
        ids.iter()
            .map(|id| id.trim())
            .filter(|id| !id.is_empty())
            .map(move |id| (tool.as_str(), id))
    })
}

pub use crate::catalog::framework_matches;

/// What an id names.
#[derive(Debug, Clone, Copy)]
pub enum Named<'c> {
    /// A check (by its id or another tool's id).
    Check(&'c Check),
    /// A framework item.
    Item(&'c Framework, &'c Item),
}

/// Everything `id` names among the catalog's checks and the items of `frameworks`.
pub fn resolve<'c>(catalog: &'c Catalog, frameworks: &[&'c Framework], id: &str) -> Vec<Named<'c>> {
    let id = id.trim();
    if let Some(c) = catalog.check(id) {
        return vec![Named::Check(c)];
    }
    let mut out: Vec<Named<'c>> = Vec::new();
    let (fw_part, item_part) = match id.split_once('/') {
        Some((f, i)) => (Some(f), i),
        None => (None, id),
    };
    for fw in frameworks {
        if fw_part.is_some_and(|f| !framework_matches(&fw.id, f)) {
            continue;
        }
        for item in fw.items.iter().filter(|i| i.id == item_part) {
            out.push(Named::Item(fw, item));
        }
    }
    if out.is_empty() {
        out.extend(
            catalog
                .checks
                .iter()
                .filter(|c| peer_ids(c).any(|(_, p)| p.eq_ignore_ascii_case(id)))
                .map(Named::Check),
        );
    }
    out
}

/// What a list of ids names: check ids (items stand for their checks) and the items named.
struct Resolved {
    checks: BTreeSet<String>,
    /// `(framework id, item id)`.
    items: BTreeSet<(String, String)>,
}

/// Check ids and explicitly named items of a list of ids; an unknown id is an error.
fn resolve_all<'c>(
    catalog: &'c Catalog,
    frameworks: &[&'c Framework],
    ids: &[String],
    flag: &str,
) -> anyhow::Result<Resolved> {
    let mut checks = BTreeSet::new();
    let mut items = BTreeSet::new();
    let mut unknown = Vec::new();
    for id in ids.iter().filter(|i| !i.trim().is_empty()) {
        let named = resolve(catalog, frameworks, id);
        if named.is_empty() {
            unknown.push(id.as_str());
        }
        for n in named {
            match n {
                Named::Check(c) => {
                    checks.insert(c.id.clone());
                }
                Named::Item(fw, item) => {
                    items.insert((fw.id.clone(), item.id.clone()));
                    checks.extend(item.checks.iter().cloned());
                }
            }
        }
    }
    if !unknown.is_empty() {
        bail!(
            "{flag}: unknown id(s) {}: give a check id, a framework item id (`5.2.2`, `cis-1.12/5.2.2`) or another tool's id (`C-0057`); `kubeattest controls list` lists them",
            unknown.join(", ")
        );
    }
    Ok(Resolved { checks, items })
}

/// The frameworks narrowed to the work `--check` and `--skip` ask for.
///
/// Ids resolve to checks (an item id stands for the checks deciding it). `--check` keeps
/// the items that use a selected check, judged on the selected checks only, and items named
/// by id whole; `--skip` removes checks (and items named by id). An item keeps the checks
/// left out in [`Item::not_run`]: it is only partly assessed, so it can fail but never
/// pass (`manual`, naming them). An item left without any check is dropped, never shown
/// as passing. Manual items (no check) stay only when no `--check` is given or they are
/// named.
pub fn narrow(
    catalog: &Catalog,
    frameworks: &[&Framework],
    check: &[String],
    skip: &[String],
) -> anyhow::Result<Vec<Framework>> {
    let Resolved {
        checks: only,
        items: only_items,
    } = resolve_all(catalog, frameworks, check, "--check")?;
    let Resolved {
        checks: skipped,
        items: skipped_items,
    } = resolve_all(catalog, frameworks, skip, "--skip")?;
    let selecting = !only.is_empty() || !only_items.is_empty();
    let mut out = Vec::new();
    for fw in frameworks {
        let mut f = (*fw).clone();
        f.items = fw
            .items
            .iter()
            .filter_map(|item| {
                let key = (fw.id.clone(), item.id.clone());
                if skipped_items.contains(&key) {
                    return None;
                }
                let named = only_items.contains(&key);
                let keep_check =
                    |c: &String| !skipped.contains(c) && (!selecting || named || only.contains(c));
                let mut narrowed = item.clone();
                let (checks, lines): (Vec<String>, Vec<u32>) = item
                    .checks
                    .iter()
                    .zip(item.check_lines.iter().copied().chain(std::iter::repeat(0)))
                    .filter(|(c, _)| keep_check(c))
                    .map(|(c, l)| (c.clone(), l))
                    .unzip();
                narrowed.not_run = item
                    .checks
                    .iter()
                    .filter(|c| !keep_check(c))
                    .cloned()
                    .collect();
                let manual = item.checks.is_empty();
                let keep = if manual {
                    !selecting || named
                } else {
                    !checks.is_empty()
                };
                narrowed.checks = checks;
                narrowed.check_lines = lines;
                keep.then_some(narrowed)
            })
            .collect();
        out.push(f);
    }
    Ok(out)
}
