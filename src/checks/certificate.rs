//! X.509 certificates of `kubernetes.io/tls` Secrets: decoding `tls.crt` (the only Secret value
//! the inventory keeps, see `secrets.rs`) into the facts the `tls` and `ingress` checks judge.
//!
//! Only the public certificate is read; `tls.key` is never touched (the inventory does not even
//! hold it). The facts recorded are public: fingerprint, subject, issuer, validity, key type and
//! size, signature algorithm and subject alternative names.

use crate::checks::path::Lookup;
use crate::document::Doc;
use serde::Serialize;
use sha2::{Digest, Sha256};
use x509_parser::extensions::GeneralName;
use x509_parser::objects::{oid2sn, oid_registry};
use x509_parser::oid_registry::{OID_PKCS1_RSASSAPSS, OID_SIG_ED25519, OID_SIG_ED448};
use x509_parser::pem::Pem;
use x509_parser::public_key::PublicKey;
use x509_parser::signature_algorithm::SignatureAlgorithm;
use x509_parser::x509::AlgorithmIdentifier;

use crate::inventory::Object;

/// The public facts of one certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertInfo {
    /// SHA-256 of the DER encoding, hex.
    pub fingerprint_sha256: String,
    /// Subject distinguished name.
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Start of validity, RFC 3339.
    pub not_before: String,
    /// End of validity, RFC 3339.
    pub not_after: String,
    /// Start of validity, Unix seconds.
    #[serde(skip)]
    pub not_before_ts: i64,
    /// End of validity, Unix seconds.
    #[serde(skip)]
    pub not_after_ts: i64,
    /// `RSA`, `EC`, `DSA`, `Ed25519`, `Ed448` or `other`.
    pub key_type: String,
    /// Key size in bits (0 when unknown).
    pub key_bits: usize,
    /// The OID of the public key algorithm, when `key_type` is `other` (a key this tool does
    /// not know).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_algorithm_oid: Option<String>,
    /// Signature algorithm short name (`sha256WithRSAEncryption`, `ecdsa-with-SHA256`); for
    /// RSASSA-PSS with its hash (`rsassa-pss with SHA-1`, the default of RFC 4055 when the
    /// parameters name none), or `rsassa-pss with unreadable parameters`.
    pub signature_algorithm: String,
    /// How strong the signature's hash is.
    #[serde(skip)]
    pub signature_hash: SignatureHash,
    /// DNS names and IP addresses of the subjectAltName extension.
    pub sans: Vec<String>,
    /// Whether basicConstraints marks it a CA certificate.
    #[serde(skip)]
    pub is_ca: bool,
}

fn rfc3339(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| ts.to_string())
}

/// Whether a signature algorithm's hash resists collisions, as the weak-signature check asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignatureHash {
    /// SHA-2, SHA-3, or an EdDSA signature.
    Strong,
    /// SHA-1, MD5, MD4 or MD2.
    Weak,
    /// An algorithm this table does not know, or RSASSA-PSS parameters that cannot be read.
    #[default]
    Unknown,
}

/// Signature algorithms by OID: the name shown and the strength of the hash. Matched on the
/// OID, never on a name: a registry without a name for one (`ecdsa-with-SHA1`) made it look
/// strong.
const SIGNATURE_ALGORITHMS: &[(&str, &str, SignatureHash)] = {
    use SignatureHash::{Strong, Weak};
    &[
        ("1.2.840.113549.1.1.2", "md2WithRSAEncryption", Weak),
        ("1.2.840.113549.1.1.3", "md4WithRSAEncryption", Weak),
        ("1.2.840.113549.1.1.4", "md5WithRSAEncryption", Weak),
        ("1.2.840.113549.1.1.5", "sha1WithRSAEncryption", Weak),
        ("1.3.14.3.2.3", "md5WithRSA", Weak),
        ("1.3.14.3.2.29", "sha1WithRSASignature", Weak),
        ("1.2.840.10040.4.3", "dsa-with-sha1", Weak),
        ("1.3.14.3.2.27", "dsaWithSHA1", Weak),
        ("1.2.840.10045.4.1", "ecdsa-with-SHA1", Weak),
        ("1.2.840.113549.1.1.11", "sha256WithRSAEncryption", Strong),
        ("1.2.840.113549.1.1.12", "sha384WithRSAEncryption", Strong),
        ("1.2.840.113549.1.1.13", "sha512WithRSAEncryption", Strong),
        ("1.2.840.113549.1.1.14", "sha224WithRSAEncryption", Strong),
        ("1.2.840.10045.4.3.1", "ecdsa-with-SHA224", Strong),
        ("1.2.840.10045.4.3.2", "ecdsa-with-SHA256", Strong),
        ("1.2.840.10045.4.3.3", "ecdsa-with-SHA384", Strong),
        ("1.2.840.10045.4.3.4", "ecdsa-with-SHA512", Strong),
        ("2.16.840.1.101.3.4.3.1", "dsa-with-sha224", Strong),
        ("2.16.840.1.101.3.4.3.2", "dsa-with-sha256", Strong),
        ("2.16.840.1.101.3.4.3.9", "ecdsa-with-sha3-224", Strong),
        ("2.16.840.1.101.3.4.3.10", "ecdsa-with-sha3-256", Strong),
        ("2.16.840.1.101.3.4.3.11", "ecdsa-with-sha3-384", Strong),
        ("2.16.840.1.101.3.4.3.12", "ecdsa-with-sha3-512", Strong),
        (
            "2.16.840.1.101.3.4.3.13",
            "rsassa-pkcs1-v1_5-with-sha3-224",
            Strong,
        ),
        (
            "2.16.840.1.101.3.4.3.14",
            "rsassa-pkcs1-v1_5-with-sha3-256",
            Strong,
        ),
        (
            "2.16.840.1.101.3.4.3.15",
            "rsassa-pkcs1-v1_5-with-sha3-384",
            Strong,
        ),
        (
            "2.16.840.1.101.3.4.3.16",
            "rsassa-pkcs1-v1_5-with-sha3-512",
            Strong,
        ),
        ("1.3.101.112", "Ed25519", Strong),
        ("1.3.101.113", "Ed448", Strong),
    ]
};

/// Hash algorithms RSASSA-PSS parameters may name (RFC 4055 §2.1, RFC 8702).
const PSS_HASHES: &[(&str, &str, SignatureHash)] = {
    use SignatureHash::{Strong, Weak};
    &[
        ("1.3.14.3.2.26", "SHA-1", Weak),
        ("1.2.840.113549.2.5", "MD5", Weak),
        ("1.2.840.113549.2.2", "MD2", Weak),
        ("2.16.840.1.101.3.4.2.4", "SHA-224", Strong),
        ("2.16.840.1.101.3.4.2.1", "SHA-256", Strong),
        ("2.16.840.1.101.3.4.2.2", "SHA-384", Strong),
        ("2.16.840.1.101.3.4.2.3", "SHA-512", Strong),
        ("2.16.840.1.101.3.4.2.5", "SHA-512/224", Strong),
        ("2.16.840.1.101.3.4.2.6", "SHA-512/256", Strong),
        ("2.16.840.1.101.3.4.2.7", "SHA3-224", Strong),
        ("2.16.840.1.101.3.4.2.8", "SHA3-256", Strong),
        ("2.16.840.1.101.3.4.2.9", "SHA3-384", Strong),
        ("2.16.840.1.101.3.4.2.10", "SHA3-512", Strong),
    ]
};

/// Looks an OID up in `table`: its name and strength, or the registry's name (else the dotted
/// OID) and `Unknown`.
fn named(
    oid: &x509_parser::der_parser::Oid,
    table: &[(&str, &str, SignatureHash)],
) -> (String, SignatureHash) {
    let id = oid.to_id_string();
    match table.iter().find(|(o, _, _)| *o == id) {
        Some((_, name, strength)) => (name.to_string(), *strength),
        None => (
            oid2sn(oid, oid_registry())
                .map(str::to_string)
                .unwrap_or_else(|_| format!("the algorithm of OID {id}")),
            SignatureHash::Unknown,
        ),
    }
}

/// The name of a signature algorithm and the strength of its hash; for RSASSA-PSS with the
/// hash its parameters name (SHA-1 when they name none, per RFC 4055 §3.1).
fn signature(alg: &AlgorithmIdentifier) -> (String, SignatureHash) {
    let oid = &alg.algorithm;
    if *oid != OID_PKCS1_RSASSAPSS {
        return named(oid, SIGNATURE_ALGORITHMS);
    }
    match SignatureAlgorithm::try_from(alg) {
        Ok(SignatureAlgorithm::RSASSA_PSS(params)) => {
            let (hash, strength) = named(params.hash_algorithm_oid(), PSS_HASHES);
            (format!("rsassa-pss with {hash}"), strength)
        }
        _ => (
            "rsassa-pss with unreadable parameters".to_string(),
            SignatureHash::Unknown,
        ),
    }
}

/// Parses every certificate of a PEM bundle (leaf first, as written).
pub fn parse_pem_chain(pem: &[u8]) -> Result<Vec<CertInfo>, String> {
    let mut out = Vec::new();
    for block in Pem::iter_from_buffer(pem) {
        let block = block.map_err(|e| format!("invalid PEM: {e}"))?;
        if block.label != "CERTIFICATE" {
            continue;
        }
        let cert = block
            .parse_x509()
            .map_err(|e| format!("invalid X.509 certificate: {e}"))?;
        let key_alg = &cert.public_key().algorithm.algorithm;
        let (key_type, key_bits) = if *key_alg == OID_SIG_ED25519 {
            // RFC 8410: a 32-byte public key, about 128 bits of security.
            (
                "Ed25519",
                cert.public_key().subject_public_key.data.len() * 8,
            )
        } else if *key_alg == OID_SIG_ED448 {
            // RFC 8410: a 57-byte public key, about 224 bits of security.
            ("Ed448", cert.public_key().subject_public_key.data.len() * 8)
        } else {
            match cert.public_key().parsed() {
                Ok(k @ PublicKey::RSA(_)) => ("RSA", k.key_size()),
                Ok(k @ PublicKey::EC(_)) => ("EC", k.key_size()),
                Ok(k @ PublicKey::DSA(_)) => ("DSA", k.key_size()),
                Ok(k) => ("other", k.key_size()),
                Err(_) => ("other", 0),
            }
        };
        let key_algorithm_oid = (key_type == "other").then(|| key_alg.to_id_string());
        let (signature_algorithm, signature_hash) = signature(&cert.signature_algorithm);
        let mut sans = Vec::new();
        if let Ok(Some(ext)) = cert.subject_alternative_name() {
            for n in &ext.value.general_names {
                match n {
                    GeneralName::DNSName(d) => sans.push(d.to_string()),
                    GeneralName::IPAddress(ip) => sans.push(match ip.len() {
                        4 => std::net::Ipv4Addr::new(ip[0], ip[1], ip[2], ip[3]).to_string(),
                        16 => {
                            let mut b = [0u8; 16];
                            b.copy_from_slice(ip);
                            std::net::Ipv6Addr::from(b).to_string()
                        }
                        _ => "invalid IP".into(),
                    }),
                    _ => {}
                }
            }
        }
        let nb = cert.validity().not_before.timestamp();
        let na = cert.validity().not_after.timestamp();
        out.push(CertInfo {
            fingerprint_sha256: format!("{:x}", Sha256::digest(&block.contents)),
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            not_before: rfc3339(nb),
            not_after: rfc3339(na),
            not_before_ts: nb,
            not_after_ts: na,
            key_type: key_type.into(),
            key_bits,
            key_algorithm_oid,
            signature_algorithm,
            signature_hash,
            sans,
            is_ca: cert
                .basic_constraints()
                .ok()
                .flatten()
                .is_some_and(|b| b.value.ca),
        });
    }
    if out.is_empty() {
        return Err("no CERTIFICATE block in tls.crt".into());
    }
    // A server presents the first certificate as its own ("The sender's certificate MUST
    // come in the first CertificateEntry", RFC 8446 §4.4.2; Go's LoadX509KeyPair takes the
    // leaf first): a CA first with a non-CA after it is a chain out of order, whose server
    // certificate is not the one judged or served.
    if let Some(server) = out
        .iter()
        .skip(1)
        .find(|c| !c.is_ca)
        .filter(|_| out[0].is_ca)
    {
        return Err(format!(
            "the first certificate of tls.crt ({}) is a CA certificate and the server certificate ({}) comes after it: a server presents the first certificate as its own, so put the server certificate first",
            out[0].subject, server.subject
        ));
    }
    Ok(out)
}

/// Whether an object is a `kubernetes.io/tls` Secret.
pub fn is_tls_secret(obj: &Object) -> bool {
    obj.kind == "Secret" && obj.value.get("type").and_then(Doc::as_str) == Some("kubernetes.io/tls")
}

/// The certificate chain of a `kubernetes.io/tls` Secret, from `data["tls.crt"]` (base64) or
/// `stringData["tls.crt"]` (PEM), with the field it came from.
pub fn secret_chain(obj: &Object) -> Result<(Vec<CertInfo>, &'static str), String> {
    let (pem, field) = secret_pem(obj)?;
    parse_pem_chain(&pem).map(|c| (c, field))
}

/// The PEM text of a `kubernetes.io/tls` Secret's `tls.crt` and the field it came from
/// (`stringData` wins over `data`, as the API server merges them).
pub fn secret_pem(obj: &Object) -> Result<(Vec<u8>, &'static str), String> {
    // Redaction recorded that tls.crt could not be read as PEM text (and replaced it whole).
    if let Some(why) = crate::secrets::dropped_from_tls_crt(&obj.value).unreadable {
        return Err(format!("tls.crt cannot be read as PEM: {why}"));
    }
    if let Some(pem) = obj.value.at("/stringData/tls.crt").and_then(Doc::as_str) {
        return Ok((pem.as_bytes().to_vec(), "stringData[\"tls.crt\"]"));
    }
    let b64 = obj
        .value
        .at("/data/tls.crt")
        .and_then(Doc::as_str)
        .ok_or_else(|| "the secret has no tls.crt".to_string())?;
    let clean: String = b64.chars().filter(|c| !c.is_whitespace()).collect();
    let pem = data_encoding::BASE64
        .decode(clean.as_bytes())
        .map_err(|e| format!("tls.crt is not valid base64: {e}"))?;
    Ok((pem, "data[\"tls.crt\"]"))
}

/// Whether PEM text holds at least one `CERTIFICATE` block.
pub fn holds_certificate(pem: &[u8]) -> bool {
    Pem::iter_from_buffer(pem).any(|b| b.is_ok_and(|b| b.label == "CERTIFICATE"))
}

/// Whether a certificate's SANs cover a host name (`*.example.com` covers one label). The
/// common name is not consulted: browsers and Go clients ignore it.
pub fn covers(cert: &CertInfo, host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    cert.sans.iter().any(|san| {
        let san = san.to_ascii_lowercase();
        if san == host {
            return true;
        }
        match (san.strip_prefix("*."), host.split_once('.')) {
            (Some(suffix), Some((first, rest))) => !first.is_empty() && rest == suffix,
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(sans: &[&str]) -> CertInfo {
        CertInfo {
            fingerprint_sha256: String::new(),
            subject: String::new(),
            issuer: String::new(),
            not_before: String::new(),
            not_after: String::new(),
            not_before_ts: 0,
            not_after_ts: 0,
            key_type: "EC".into(),
            key_bits: 256,
            key_algorithm_oid: None,
            signature_algorithm: String::new(),
            signature_hash: SignatureHash::Strong,
            sans: sans.iter().map(|s| s.to_string()).collect(),
            is_ca: false,
        }
    }

    #[test]
    fn wildcards_cover_one_label() {
        let c = cert(&["*.example.com", "example.org"]);
        assert!(covers(&c, "a.example.com"));
        assert!(!covers(&c, "a.b.example.com"));
        assert!(!covers(&c, "example.com"));
        assert!(covers(&c, "EXAMPLE.org"));
    }

    #[test]
    fn garbage_is_an_error_not_a_pass() {
        assert!(parse_pem_chain(b"not a certificate").is_err());
    }
}
