//! The exposure chapter: every way into the cluster from outside, per namespace, with TLS
//! and NetworkPolicy coverage (bounded like the findings: at most
//! [`ENTRY_LIMIT`](crate::exposure::ENTRY_LIMIT) entries, the rest counted).

use super::fonts::Face;
use super::layout::{ink, muted, status_color, Cell, Layout, Row, MARGIN_X, TEXT_W};
use crate::render::view::View;

/// A yes / no / unknown cell: "no" in the failure colour, "unknown" muted.
fn answer(value: &str, why: &str) -> Cell {
    let c = Cell::text(format!("{value}: {why}"));
    match value {
        "no" => c.colored(status_color("fail")),
        "unknown" => c.colored(muted()),
        _ => c,
    }
}

/// The chapter (nothing when the report has no exposure inventory).
pub(super) fn exposure(l: &mut Layout, view: &View) {
    let Some(x) = &view.exposure else {
        return;
    };
    l.heading(1, "Exposure", Some("exposure"));
    l.paragraph(
        Face::Regular,
        9.0,
        ink(),
        "Every way into the cluster from outside found in the input: LoadBalancer and NodePort Services, Service external IPs, Ingress and HTTPRoute hosts, pods on the host network and host ports. TLS says whether the traffic is encrypted; Restricted says whether a NetworkPolicy limits who may reach the pods behind it. \"unknown\" means the input cannot tell, never yes.",
        MARGIN_X,
        TEXT_W,
    );
    for n in &x.not_read {
        l.paragraph(
            Face::Bold,
            8.5,
            status_color("error"),
            &format!("Not read: {n}. Entries of this kind may be missing."),
            MARGIN_X,
            TEXT_W,
        );
    }
    if x.total == 0 {
        l.paragraph(
            Face::Regular,
            9.0,
            ink(),
            "Nothing is exposed outside the cluster: no LoadBalancer or NodePort Service, external IP, Ingress, HTTPRoute, host-network pod or host port was found.",
            MARGIN_X,
            TEXT_W,
        );
        return;
    }
    l.heading(2, "Per namespace", None);
    let rows: Vec<Row> = x
        .namespaces
        .iter()
        .map(|n| {
            Row::Cells(vec![
                Cell::mono(n.namespace.clone()),
                Cell::text(n.ways.clone()),
                Cell::text(n.without_tls.to_string()),
                Cell::text(n.unrestricted.to_string()),
                Cell::text(n.unknown.to_string()),
            ])
        })
        .collect();
    l.table(
        &[
            ("Namespace", 0.18),
            ("Ways in", 0.4),
            ("Without TLS", 0.12),
            ("Not restricted", 0.15),
            ("Unknown", 0.15),
        ],
        &rows,
        8.0,
    );
    if x.more_namespaces > 0 {
        l.paragraph(
            Face::Regular,
            7.5,
            muted(),
            &format!(
                "… and {} more namespace(s), in report.json (exposure).",
                x.more_namespaces
            ),
            MARGIN_X,
            TEXT_W,
        );
    }
    l.heading(2, "Entries", None);
    l.paragraph(
        Face::Regular,
        8.5,
        muted(),
        &if x.more > 0 {
            format!("{} way(s) in, by namespace; those without TLS or without a restricting NetworkPolicy are listed first.", x.total)
        } else {
            format!("{} way(s) in, by namespace.", x.total)
        },
        MARGIN_X,
        TEXT_W,
    );
    let mut rows = Vec::new();
    let mut ns = None;
    for e in &x.entries {
        if ns != Some(&e.namespace) {
            ns = Some(&e.namespace);
            rows.push(Row::Group(format!("namespace {}", e.namespace)));
        }
        let mut what = format!("{}\n{}", e.way, e.object);
        if !e.backends.is_empty() {
            what.push_str(&format!("\nbacked by {}", e.backends));
        }
        rows.push(Row::Cells(vec![
            Cell::text(what),
            Cell::mono(e.address.clone()),
            answer(&e.tls, &e.tls_reason),
            answer(&e.restricted, &e.restricted_reason),
        ]));
    }
    l.table(
        &[
            ("Way in and object", 0.26),
            ("Reachable at", 0.22),
            ("TLS", 0.24),
            ("Restricted by NetworkPolicy", 0.28),
        ],
        &rows,
        7.5,
    );
    if x.more > 0 {
        l.paragraph(
            Face::Regular,
            7.5,
            muted(),
            &format!(
                "… and {} more, listed in report.json (exposure) and by `kubeattest exposure`.",
                x.more
            ),
            MARGIN_X,
            TEXT_W,
        );
    }
}
