//! Signed bundles: an Ed25519 key pair written by `kubeattest keygen`, a detached
//! signature over the exact bytes of `MANIFEST.json` written beside it as `MANIFEST.sig`.
//!
//! Key files are text, so they can be pasted into a secret store:
//! ```text
//! kubeattest ed25519 private key
//! <64 hex digits: the 32-byte seed>
//! ```
//! and the public half (`KEY.pub`) starts with `kubeattest ed25519 public key`. A key's id
//! is the first 16 hex digits of the SHA-256 of its 32 public bytes. The cryptography is
//! `ed25519-dalek`'s; nothing here is hand-written crypto.

use std::path::{Path, PathBuf};

use ed25519_dalek::{Signer as _, SigningKey, Verifier as _, VerifyingKey};
use serde::{Deserialize, Serialize};

/// First line of a private key file.
pub const PRIVATE_HEADER: &str = "kubeattest ed25519 private key";
/// First line of a public key file.
pub const PUBLIC_HEADER: &str = "kubeattest ed25519 public key";
/// The signature file written beside `MANIFEST.json`.
pub const SIGNATURE_FILE: &str = "MANIFEST.sig";

/// A key or signature could not be read, written or checked.
#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    /// A file could not be read or written.
    #[error("cannot access {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A key file is not in the expected form.
    #[error("{path} is not a kubeattest {what} key file ({why}); write one with `kubeattest keygen --out FILE`")]
    BadKey {
        /// The file.
        path: PathBuf,
        /// `private` or `public`.
        what: &'static str,
        /// What is wrong.
        why: String,
    },
    /// `MANIFEST.sig` is not in the expected form.
    #[error("{path} is not a valid signature file: {why}")]
    BadSignatureFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// Refusing to overwrite an existing key.
    #[error("{0} already exists; choose another path (a key is never overwritten)")]
    Exists(PathBuf),
    /// No randomness from the operating system.
    #[error("cannot get random bytes from the operating system: {0}")]
    Random(String),
}

/// The contents of `MANIFEST.sig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureFile {
    /// Always `ed25519`.
    pub algorithm: String,
    /// Id of the signing key (first 16 hex digits of SHA-256 of the public key).
    pub key_id: String,
    /// The public key, hex (so a bundle can be checked without the key file; `--key` pins it).
    pub public_key: String,
    /// What was signed.
    pub signed_file: String,
    /// The signature, hex (64 bytes).
    pub signature: String,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SignatureError + '_ {
    move |source| SignatureError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The id of a public key.
pub fn key_id(key: &VerifyingKey) -> String {
    crate::bundle::sha256_hex(key.as_bytes())[..16].to_string()
}

fn decode_32(hex: &str) -> Option<[u8; 32]> {
    let bytes = data_encoding::HEXLOWER_PERMISSIVE
        .decode(hex.trim().as_bytes())
        .ok()?;
    bytes.try_into().ok()
}

fn hex(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(bytes)
}

/// Writes a new key pair: `out` (private, mode 0600 on Unix) and `out.pub`. Never
/// overwrites. Returns the public key file's path and the key id.
pub fn keygen(out: &Path) -> Result<(PathBuf, String), SignatureError> {
    let public = public_path(out);
    for p in [out, public.as_path()] {
        if p.exists() {
            return Err(SignatureError::Exists(p.to_path_buf()));
        }
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| SignatureError::Random(e.to_string()))?;
    let key = SigningKey::from_bytes(&seed);
    let private = format!("{PRIVATE_HEADER}\n{}\n", hex(&seed));
    write_private(out, private.as_bytes()).map_err(io(out))?;
    let vk = key.verifying_key();
    let id = key_id(&vk);
    let public_text = format!("{PUBLIC_HEADER}\n{}\nkey id {id}\n", hex(vk.as_bytes()));
    crate::bundle::write_atomic(&public, public_text.as_bytes()).map_err(io(&public))?;
    Ok((public, id))
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// `KEY.pub` for `KEY`.
pub fn public_path(private: &Path) -> PathBuf {
    let mut s = private.as_os_str().to_owned();
    s.push(".pub");
    PathBuf::from(s)
}

fn key_body<'t>(
    text: &'t str,
    header: &str,
    path: &Path,
    what: &'static str,
) -> Result<&'t str, SignatureError> {
    let mut lines = text.lines();
    if lines.next().map(str::trim) != Some(header) {
        return Err(SignatureError::BadKey {
            path: path.to_path_buf(),
            what,
            why: format!("the first line must be `{header}`"),
        });
    }
    lines.next().ok_or_else(|| SignatureError::BadKey {
        path: path.to_path_buf(),
        what,
        why: "the second line must hold the key in hex".into(),
    })
}

/// Reads a private key file.
pub fn read_signing_key(path: &Path) -> Result<SigningKey, SignatureError> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    let body = key_body(&text, PRIVATE_HEADER, path, "private")?;
    let seed = decode_32(body).ok_or_else(|| SignatureError::BadKey {
        path: path.to_path_buf(),
        what: "private",
        why: "the key must be 64 hex digits".into(),
    })?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Reads a public key file; a private key file is accepted too (its public half is used).
pub fn read_verifying_key(path: &Path) -> Result<VerifyingKey, SignatureError> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    if text.trim_start().starts_with(PRIVATE_HEADER) {
        return Ok(read_signing_key(path)?.verifying_key());
    }
    let body = key_body(&text, PUBLIC_HEADER, path, "public")?;
    let bad = |why: &str| SignatureError::BadKey {
        path: path.to_path_buf(),
        what: "public",
        why: why.into(),
    };
    let bytes = decode_32(body).ok_or_else(|| bad("the key must be 64 hex digits"))?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| bad("the bytes are not an Ed25519 public key"))
}

/// Signs the bytes of `MANIFEST.json`.
pub fn sign(key: &SigningKey, manifest: &[u8]) -> SignatureFile {
    let vk = key.verifying_key();
    SignatureFile {
        algorithm: "ed25519".into(),
        key_id: key_id(&vk),
        public_key: hex(vk.as_bytes()),
        signed_file: "MANIFEST.json".into(),
        signature: hex(&key.sign(manifest).to_bytes()),
    }
}

/// The bytes of `MANIFEST.sig` for a signature.
pub fn to_bytes(sig: &SignatureFile) -> Vec<u8> {
    let mut b = serde_json::to_vec_pretty(sig).unwrap_or_default();
    b.push(b'\n');
    b
}

/// Signs `dir/MANIFEST.json` into `dir/MANIFEST.sig` (atomically). Returns the key id.
pub fn sign_bundle(dir: &Path, key: &SigningKey) -> Result<String, SignatureError> {
    let mp = dir.join("MANIFEST.json");
    let manifest = std::fs::read(&mp).map_err(io(&mp))?;
    let sig = sign(key, &manifest);
    let sp = dir.join(SIGNATURE_FILE);
    crate::bundle::write_atomic(&sp, &to_bytes(&sig)).map_err(io(&sp))?;
    Ok(sig.key_id)
}

/// Reads `MANIFEST.sig`.
pub fn read_signature(path: &Path) -> Result<SignatureFile, SignatureError> {
    let bytes = std::fs::read(path).map_err(io(path))?;
    serde_json::from_slice(&bytes).map_err(|e| SignatureError::BadSignatureFile {
        path: path.to_path_buf(),
        why: e.to_string(),
    })
}

/// Why a signature does not check out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureProblem {
    /// The signature file names another algorithm or is malformed.
    Malformed(String),
    /// Signed by another key than the one given.
    WrongKey {
        /// The key id in `MANIFEST.sig`.
        found: String,
        /// The id of `--key`.
        expected: String,
    },
    /// The signature does not match the manifest's bytes.
    Mismatch,
}

impl std::fmt::Display for SignatureProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SignatureProblem::Malformed(why) => write!(f, "MANIFEST.sig is malformed: {why}"),
            SignatureProblem::WrongKey { found, expected } => write!(
                f,
                "MANIFEST.sig was made with key {found}, not with the given key {expected}"
            ),
            SignatureProblem::Mismatch => write!(
                f,
                "the signature does not match MANIFEST.json: the manifest or the signature was changed after signing"
            ),
        }
    }
}

/// Checks a signature over `manifest`; with `expected`, the signing key must be that key.
/// Returns the signing key's id.
pub fn check(
    sig: &SignatureFile,
    manifest: &[u8],
    expected: Option<&VerifyingKey>,
) -> Result<String, SignatureProblem> {
    if sig.signed_file != "MANIFEST.json" {
        return Err(SignatureProblem::Malformed(format!(
            "it signs `{}`, not MANIFEST.json",
            sig.signed_file
        )));
    }
    if sig.algorithm != "ed25519" {
        return Err(SignatureProblem::Malformed(format!(
            "unknown algorithm `{}`",
            sig.algorithm
        )));
    }
    let embedded = decode_32(&sig.public_key)
        .and_then(|b| VerifyingKey::from_bytes(&b).ok())
        .ok_or_else(|| SignatureProblem::Malformed("bad public_key".into()))?;
    let key = match expected {
        Some(k) if k != &embedded => {
            return Err(SignatureProblem::WrongKey {
                found: key_id(&embedded),
                expected: key_id(k),
            })
        }
        Some(k) => *k,
        None => embedded,
    };
    if sig.key_id != key_id(&key) {
        return Err(SignatureProblem::Malformed(format!(
            "key_id {} does not belong to its public_key",
            sig.key_id
        )));
    }
    let bytes: [u8; 64] = data_encoding::HEXLOWER_PERMISSIVE
        .decode(sig.signature.trim().as_bytes())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| {
            SignatureProblem::Malformed("the signature must be 128 hex digits".into())
        })?;
    let signature = ed25519_dalek::Signature::from_bytes(&bytes);
    key.verify(manifest, &signature)
        .map_err(|_| SignatureProblem::Mismatch)?;
    Ok(key_id(&key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_then_check_and_reject_changes() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let sig = sign(&key, b"manifest");
        assert_eq!(
            check(&sig, b"manifest", None),
            Ok(key_id(&key.verifying_key()))
        );
        assert_eq!(
            check(&sig, b"manifesT", None),
            Err(SignatureProblem::Mismatch)
        );
        let other = SigningKey::from_bytes(&[8u8; 32]).verifying_key();
        assert!(matches!(
            check(&sig, b"manifest", Some(&other)),
            Err(SignatureProblem::WrongKey { .. })
        ));
    }

    #[test]
    fn keygen_writes_a_pair_and_never_overwrites() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("k");
        let (public, id) = keygen(&p).unwrap();
        let sk = read_signing_key(&p).unwrap();
        let vk = read_verifying_key(&public).unwrap();
        assert_eq!(sk.verifying_key(), vk);
        assert_eq!(key_id(&vk), id);
        assert!(matches!(keygen(&p), Err(SignatureError::Exists(_))));
    }
}
