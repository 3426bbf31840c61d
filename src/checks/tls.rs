//! `tls`: the certificates of `kubernetes.io/tls` Secrets.
//!
//! Decides from `tls.crt` only (parsed by `checks::certificate`): validity (`fail` when expired
//! or not valid yet, `warn` within `warn_days` of expiry), key strength (RSA below
//! `min_rsa_bits`, EC below `min_ec_bits`, DSA; Ed25519 and Ed448 pass; an algorithm not
//! known here is `manual`), weak signature algorithms (SHA-1, MD5, MD2, also as the hash of
//! RSASSA-PSS) and a missing subjectAltName.
//! The leaf certificate (the first in the bundle) is judged; for expiry every certificate of
//! the bundle counts. Evidence is the fingerprint, subject, issuer, validity, key type and size,
//! signature algorithm and SANs: never key material, never any other Secret value. A
//! certificate that cannot be decoded is an `error`, and Secrets not collected are an
//! `error`, never a pass. Expiry is judged against the time of evaluation.

use crate::checks::path::Lookup;
use serde_json::{json, Value};

use crate::catalog::reader::Reader;
use crate::catalog::Check;
use crate::checks::certificate::{CertInfo, SignatureHash};
use crate::checks::evidence;
use crate::checks::{Context, Outcome};
use crate::inventory::KindState;
use crate::results::{Observation, Status};
use crate::yaml::{Node, NodeValue};

/// What a `tls` assertion requires of a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Require {
    /// Not expired (fail) and not expiring within `warn_days` (warn).
    NotExpired,
    /// RSA ≥ `min_rsa_bits`, EC ≥ `min_ec_bits`.
    StrongKey,
    /// Signature algorithm not based on SHA-1, MD5 or MD2.
    StrongSignature,
    /// A subjectAltName extension with at least one name.
    SanPresent,
    /// `tls.crt` holds certificates only: no private key or other block (which redaction
    /// dropped and counted on the way in).
    CertificatesOnly,
}

/// Parameters of a `tls` assertion.
#[derive(Debug, Clone)]
pub struct Params {
    /// What is required.
    pub require: Require,
    /// Days before expiry from which to warn.
    pub warn_days: i64,
    /// Minimum RSA modulus size.
    pub min_rsa_bits: usize,
    /// Minimum EC key size.
    pub min_ec_bits: usize,
}

fn opt_number(node: &Node, key: &str, r: &mut Reader, what: &str) -> Option<i64> {
    let n = node.get(key)?;
    match &n.value {
        NodeValue::Number(x) => x.as_i64().filter(|v| *v >= 0).or_else(|| {
            r.error(
                n.line,
                format!("{what}: `{key}` must be a whole number ≥ 0"),
            );
            None
        }),
        _ => {
            r.error(n.line, format!("{what}: `{key}` must be a number"));
            None
        }
    }
}

impl Params {
    /// Reads and validates the assertion block.
    pub fn read(node: &Node, r: &mut Reader, what: &str) -> Option<Params> {
        let aw = format!("the `tls` assertion of {what}");
        r.known_keys(
            node,
            &aw,
            &[
                "kind",
                "require",
                "warn_days",
                "min_rsa_bits",
                "min_ec_bits",
            ],
        );
        let req = r.string(node, "require", &aw)?;
        let require = match req.as_str() {
            "not_expired" => Require::NotExpired,
            "strong_key" => Require::StrongKey,
            "strong_signature" => Require::StrongSignature,
            "san_present" => Require::SanPresent,
            "certificates_only" => Require::CertificatesOnly,
            other => {
                return r.unknown(
                    node,
                    "require",
                    &aw,
                    other,
                    &[
                        "not_expired",
                        "strong_key",
                        "strong_signature",
                        "san_present",
                        "certificates_only",
                    ],
                )
            }
        };
        Some(Params {
            require,
            warn_days: opt_number(node, "warn_days", r, &aw).unwrap_or(30),
            min_rsa_bits: opt_number(node, "min_rsa_bits", r, &aw).unwrap_or(2048) as usize,
            min_ec_bits: opt_number(node, "min_ec_bits", r, &aw).unwrap_or(256) as usize,
        })
    }

    /// One line on how the check decides, for `explain`.
    pub fn describe(&self) -> String {
        let what = match self.require {
            Require::NotExpired => format!(
                "no certificate of the bundle is expired or not valid yet (fail) or expires within {} days (warn)",
                self.warn_days
            ),
            Require::StrongKey => format!(
                "the leaf key is RSA ≥ {} bits, EC ≥ {} bits, Ed25519 or Ed448 (another algorithm is manual)",
                self.min_rsa_bits, self.min_ec_bits
            ),
            Require::StrongSignature => "the leaf is not signed with SHA-1, MD5 or MD2".to_string(),
            Require::SanPresent => "the leaf has a subjectAltName with at least one DNS name or IP address".into(),
            Require::CertificatesOnly => "it holds CERTIFICATE blocks only (a private key, any other block or base64 data outside blocks was dropped on the way in and is counted, never shown; explanatory text outside blocks is permitted)".into(),
        };
        format!("Parses tls.crt of every kubernetes.io/tls Secret (never tls.key) and requires that {what}")
    }
}

/// Judges one chain: status, message, and the expectation text.
pub fn judge(p: &Params, chain: &[CertInfo], now: i64) -> (Status, String, String) {
    let Some(leaf) = chain.first() else {
        return (Status::Error, "no certificate".into(), String::new());
    };
    match p.require {
        Require::NotExpired => {
            let expected = format!("valid now and for more than {} days", p.warn_days);
            // RFC 5280 §4.1.2.5: a certificate is valid from notBefore; before then clients
            // reject it, so a certificate not valid yet is no valid certificate.
            if let Some(early) = chain
                .iter()
                .filter(|c| c.not_before_ts > now)
                .max_by_key(|c| c.not_before_ts)
            {
                return (
                    Status::Fail,
                    format!(
                        "certificate {} is not valid before {}: clients reject it until then",
                        early.subject, early.not_before
                    ),
                    expected,
                );
            }
            let soonest = chain.iter().min_by_key(|c| c.not_after_ts).unwrap_or(leaf);
            let days = (soonest.not_after_ts - now).div_euclid(86_400);
            if soonest.not_after_ts <= now {
                (
                    Status::Fail,
                    format!(
                        "certificate {} expired on {}",
                        soonest.subject, soonest.not_after
                    ),
                    expected,
                )
            } else if days < p.warn_days {
                (
                    Status::Warn,
                    format!(
                        "certificate {} expires on {} (in {days} days)",
                        soonest.subject, soonest.not_after
                    ),
                    expected,
                )
            } else {
                (
                    Status::Pass,
                    format!("valid until {} ({days} days)", soonest.not_after),
                    expected,
                )
            }
        }
        Require::StrongKey => {
            let expected = format!(
                "RSA ≥ {} bits, EC ≥ {} bits, Ed25519 or Ed448",
                p.min_rsa_bits, p.min_ec_bits
            );
            let ok = match leaf.key_type.as_str() {
                "RSA" => leaf.key_bits >= p.min_rsa_bits,
                "EC" => leaf.key_bits >= p.min_ec_bits,
                // RFC 8032: about 128 and 224 bits of security, with no smaller variant.
                "Ed25519" | "Ed448" => {
                    return (
                        Status::Pass,
                        format!("{} key (fixed size, RFC 8032)", leaf.key_type),
                        expected,
                    )
                }
                "DSA" => false,
                _ => {
                    // Unknown is never pass, and a key this tool cannot size is no fail.
                    return (
                        Status::Manual,
                        format!(
                            "the key algorithm {} is not one this check knows (RSA, EC, Ed25519, Ed448); judge its strength by hand",
                            leaf.key_algorithm_oid.as_deref().unwrap_or("(unknown OID)")
                        ),
                        expected,
                    );
                }
            };
            let status = if ok { Status::Pass } else { Status::Fail };
            (
                status,
                format!("{} key of {} bits", leaf.key_type, leaf.key_bits),
                expected,
            )
        }
        Require::StrongSignature => {
            let expected = "not SHA-1, MD5 or MD2".to_string();
            let signed = format!("signed with {}", leaf.signature_algorithm);
            match leaf.signature_hash {
                SignatureHash::Strong => (Status::Pass, signed, expected),
                SignatureHash::Weak => (Status::Fail, signed, expected),
                SignatureHash::Unknown => (
                    Status::Manual,
                    format!(
                        "{signed}, an algorithm whose hash kubeattest cannot tell: check it by hand"
                    ),
                    expected,
                ),
            }
        }
        Require::SanPresent => {
            if leaf.sans.is_empty() {
                (
                    Status::Fail,
                    format!(
                        "no DNS name or IP address in subjectAltName: clients ignore the common name ({})",
                        leaf.subject
                    ),
                    "at least one subjectAltName".into(),
                )
            } else {
                (
                    Status::Pass,
                    format!("SANs {}", leaf.sans.join(", ")),
                    "at least one subjectAltName".into(),
                )
            }
        }
        Require::CertificatesOnly => (
            Status::Pass,
            "judged from what redaction dropped, not from the chain".into(),
            "CERTIFICATE blocks only".into(),
        ),
    }
}

/// The finding of `certificates_only` on one Secret, from what redaction dropped.
fn certificates_only(
    check: &Check,
    obj: &crate::inventory::Object,
    subject: std::sync::Arc<crate::results::Subject>,
) -> crate::results::Finding {
    let rec = crate::secrets::dropped_from_tls_crt(&obj.value);
    if let Some(why) = &rec.unreadable {
        return evidence::finding(
            check,
            Status::Error,
            subject,
            vec![unreadable(obj, why)],
            format!("tls.crt cannot be read as PEM ({why}), so what it holds cannot be told"),
        );
    }
    let (blocks, labels) = (rec.dropped_blocks, rec.labels);
    if blocks == 0 {
        // Nothing dropped says nothing when there is no certificate either.
        let certificate = crate::checks::certificate::secret_pem(obj).and_then(|(pem, _)| {
            crate::checks::certificate::holds_certificate(&pem)
                .then_some(())
                .ok_or_else(|| "no CERTIFICATE block in tls.crt".to_string())
        });
        if let Err(why) = certificate {
            return evidence::finding(
                check,
                Status::Error,
                subject,
                vec![unreadable(obj, &why)],
                format!("cannot read the certificate: {why}"),
            );
        }
        let message = if rec.text_outside_blocks {
            "tls.crt holds certificates only (and text outside the PEM blocks, which RFC 7468 permits; not shown)"
        } else {
            "tls.crt holds certificates only"
        };
        return evidence::finding(check, Status::Pass, subject, Vec::new(), message.into());
    }
    let field = crt_field(obj);
    let obs = Observation {
        source: evidence::source(obj, field),
        path: field.to_string(),
        observed: json!({ "other_blocks": blocks, "labels": labels }),
        expected: "CERTIFICATE blocks only; the private key in tls.key".into(),
        holds: false,
        note: Some("the blocks were removed on the way in and are never shown".into()),
    };
    let what = if labels.iter().all(|l| l.contains("KEY")) {
        "a key stored where it is treated as public"
    } else {
        "tls.crt must hold CERTIFICATE blocks only (a key belongs in tls.key)"
    };
    let message = format!(
        "tls.crt also held {blocks} PEM block(s) other than CERTIFICATE ({}): {what}",
        labels.join(", ")
    );
    evidence::finding(check, Status::Fail, subject, vec![obs], message)
}

/// The field a Secret's `tls.crt` is written in (`stringData` wins, as the API server merges).
fn crt_field(obj: &crate::inventory::Object) -> &'static str {
    if obj.value.at("/stringData/tls.crt").is_some() {
        "stringData[\"tls.crt\"]"
    } else {
        "data[\"tls.crt\"]"
    }
}

/// Where a Secret's unreadable `tls.crt` is written (file and line of the field), for the
/// `error` findings that could not read it.
fn unreadable(obj: &crate::inventory::Object, why: &str) -> Observation {
    let field = crt_field(obj);
    Observation {
        source: evidence::source(obj, field),
        path: field.to_string(),
        observed: Value::Null,
        expected: "a PEM certificate chain".into(),
        holds: false,
        note: Some(why.to_string()),
    }
}

/// Evaluates the assertion over the inventory.
pub fn evaluate(check: &Check, p: &Params, ctx: &Context) -> Outcome {
    evaluate_at(check, p, ctx, chrono::Utc::now().timestamp())
}

/// Evaluates the assertion as of `now` (Unix seconds).
pub fn evaluate_at(check: &Check, p: &Params, ctx: &Context, now: i64) -> Outcome {
    let mut out = Outcome::default();
    let inv = ctx.inventory;
    if let KindState::Failed(reason) | KindState::NotServed(reason) = inv.kind_state("Secret") {
        out.findings.push(evidence::about_kind(
            check,
            Status::Error,
            "Secret",
            format!("could not assess TLS certificates: Secrets: {reason}"),
        ));
        return out;
    }
    for (obj, chain) in ctx.tls_secrets() {
        let subject = evidence::subject(obj);
        if p.require == Require::CertificatesOnly {
            out.findings.push(certificates_only(check, obj, subject));
            continue;
        }
        match chain {
            Err(why) => out.findings.push(evidence::finding(
                check,
                Status::Error,
                subject,
                vec![unreadable(obj, why)],
                format!("cannot read the certificate: {why}"),
            )),
            Ok((chain, field)) => {
                let (status, message, expected) = judge(p, chain, now);
                let obs = Observation {
                    source: evidence::source(obj, field),
                    path: field.to_string(),
                    observed: json!({ "certificates": chain }),
                    expected,
                    holds: status == Status::Pass,
                    note: None,
                };
                out.findings.push(evidence::finding(
                    check,
                    status,
                    subject,
                    vec![obs],
                    message,
                ));
            }
        }
    }
    if out.findings.is_empty() {
        out.empty_reason = "no kubernetes.io/tls Secret in the inventory".into();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(key: &str, bits: usize, alg: &str, sans: &[&str], not_after_ts: i64) -> CertInfo {
        CertInfo {
            fingerprint_sha256: "ab".into(),
            subject: "CN=x".into(),
            issuer: "CN=x".into(),
            not_before: String::new(),
            not_after: "t".into(),
            not_before_ts: 0,
            not_after_ts,
            key_type: key.into(),
            key_bits: bits,
            key_algorithm_oid: (key == "other").then(|| "1.2.3.4".into()),
            signature_algorithm: alg.into(),
            // The fixtures cover the OID table; here the name stands for it.
            signature_hash: if alg.contains("unreadable") {
                SignatureHash::Unknown
            } else if ["sha1", "sha-1"]
                .iter()
                .any(|w| alg.to_ascii_lowercase().contains(w))
            {
                SignatureHash::Weak
            } else {
                SignatureHash::Strong
            },
            sans: sans.iter().map(|s| s.to_string()).collect(),
            is_ca: false,
        }
    }

    fn params(require: Require) -> Params {
        Params {
            require,
            warn_days: 30,
            min_rsa_bits: 2048,
            min_ec_bits: 256,
        }
    }

    #[test]
    fn expiry_fails_warns_and_passes() {
        let p = params(Require::NotExpired);
        let now = 1_000_000_000;
        assert_eq!(
            judge(&p, &[info("EC", 256, "", &[], now - 1)], now).0,
            Status::Fail
        );
        assert_eq!(
            judge(&p, &[info("EC", 256, "", &[], now + 5 * 86_400)], now).0,
            Status::Warn
        );
        assert_eq!(
            judge(&p, &[info("EC", 256, "", &[], now + 90 * 86_400)], now).0,
            Status::Pass
        );
        let mut future = info("EC", 256, "", &[], now + 900 * 86_400);
        future.not_before_ts = now + 800 * 86_400;
        future.not_before = "2099-01-01T00:00:00Z".into();
        let (status, message, _) = judge(&p, &[future], now);
        assert_eq!(status, Status::Fail);
        assert!(message.contains("not valid before 2099"), "{message}");
    }

    #[test]
    fn keys_signatures_and_sans() {
        let k = params(Require::StrongKey);
        assert_eq!(
            judge(&k, &[info("RSA", 1024, "", &[], 0)], 0).0,
            Status::Fail
        );
        assert_eq!(judge(&k, &[info("EC", 256, "", &[], 0)], 0).0, Status::Pass);
        let s = params(Require::StrongSignature);
        assert_eq!(
            judge(&s, &[info("RSA", 2048, "sha1WithRSAEncryption", &[], 0)], 0).0,
            Status::Fail
        );
        assert_eq!(
            judge(&s, &[info("RSA", 2048, "ecdsa-with-SHA256", &[], 0)], 0).0,
            Status::Pass
        );
        assert_eq!(
            judge(&k, &[info("Ed25519", 256, "", &[], 0)], 0).0,
            Status::Pass
        );
        let (status, message, _) = judge(&k, &[info("other", 0, "", &[], 0)], 0);
        assert_eq!(status, Status::Manual);
        assert!(message.contains("1.2.3.4"), "{message}");
        assert_eq!(
            judge(&s, &[info("RSA", 2048, "rsassa-pss with SHA-1", &[], 0)], 0).0,
            Status::Fail
        );
        assert_eq!(
            judge(
                &s,
                &[info("RSA", 2048, "rsassa-pss with sha256", &[], 0)],
                0
            )
            .0,
            Status::Pass
        );
        assert_eq!(
            judge(
                &s,
                &[info(
                    "RSA",
                    2048,
                    "rsassa-pss with unreadable parameters",
                    &[],
                    0
                )],
                0
            )
            .0,
            Status::Manual
        );
        let n = params(Require::SanPresent);
        assert_eq!(
            judge(&n, &[info("RSA", 2048, "", &[], 0)], 0).0,
            Status::Fail
        );
    }
}
