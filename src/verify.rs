//! `verify`: whether a report folder is still what was written: every file listed in
//! `MANIFEST.json` present with its size and SHA-256, no file added, and, when the folder is
//! signed (`MANIFEST.sig`) or a key is given, the signature over the manifest's bytes.

use std::collections::BTreeMap;
use std::path::Path;

use ed25519_dalek::VerifyingKey;
use serde::Deserialize;

use crate::signature::{self, SIGNATURE_FILE};

/// One thing wrong with a bundle, naming the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// `MANIFEST.json` is missing or unreadable.
    Manifest(String),
    /// A listed file is gone.
    Removed(String),
    /// A file not listed in the manifest.
    Added(String),
    /// A listed file's size or content differs.
    Changed {
        /// File name.
        name: String,
        /// What differs, in words.
        how: String,
    },
    /// The signature is missing, malformed, by another key, or does not match.
    Signature(String),
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Manifest(why) => write!(f, "MANIFEST.json: {why}"),
            Problem::Removed(n) => write!(
                f,
                "{n}: removed (listed in MANIFEST.json, not in the folder)"
            ),
            Problem::Added(n) => {
                write!(f, "{n}: added (in the folder, not listed in MANIFEST.json)")
            }
            Problem::Changed { name, how } => write!(f, "{name}: changed ({how})"),
            Problem::Signature(why) => write!(f, "{SIGNATURE_FILE}: {why}"),
        }
    }
}

/// What `verify` found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Files checked and found intact.
    pub intact: Vec<String>,
    /// The id of the key whose signature checked out, when signed.
    pub signed_by: Option<String>,
    /// Everything wrong; empty when the bundle is intact.
    pub problems: Vec<Problem>,
}

#[derive(Deserialize)]
struct Listed {
    name: String,
    size: u64,
    sha256: String,
}

#[derive(Deserialize)]
struct ManifestFiles {
    files: Vec<Listed>,
}

/// Checks a report folder; `key` pins the signing key (then a signature is required).
pub fn verify(dir: &Path, key: Option<&VerifyingKey>) -> Outcome {
    let mut out = Outcome::default();
    let mp = dir.join("MANIFEST.json");
    let manifest_bytes = match std::fs::read(&mp) {
        Ok(b) => b,
        Err(e) => {
            out.problems
                .push(Problem::Manifest(format!("cannot read it: {e}")));
            return out;
        }
    };
    let sp = dir.join(SIGNATURE_FILE);
    if sp.exists() {
        match signature::read_signature(&sp) {
            Ok(sig) => match signature::check(&sig, &manifest_bytes, key) {
                Ok(id) => out.signed_by = Some(id),
                Err(p) => out.problems.push(Problem::Signature(p.to_string())),
            },
            Err(e) => out.problems.push(Problem::Signature(e.to_string())),
        }
    } else if key.is_some() {
        out.problems.push(Problem::Signature(
            "missing: the folder is not signed, but --key asks for a signature".into(),
        ));
    }
    let listed: Vec<Listed> = match serde_json::from_slice::<ManifestFiles>(&manifest_bytes) {
        Ok(m) => m.files,
        Err(e) => {
            out.problems.push(Problem::Manifest(format!(
                "not a kubeattest manifest ({e}); it was changed or is not from kubeattest"
            )));
            return out;
        }
    };
    let mut present: BTreeMap<String, ()> = BTreeMap::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.filter_map(Result::ok) {
            let name = e.file_name().to_string_lossy().into_owned();
            // Hidden files count like any other (an added `.index.html` is an added file);
            // only what an interrupted write of ours leaves behind is skipped.
            if crate::bundle::is_our_temp_file(&name)
                || name == "MANIFEST.json"
                || name == SIGNATURE_FILE
            {
                continue;
            }
            present.insert(name, ());
        }
    }
    for l in &listed {
        let p = dir.join(&l.name);
        if present.remove(&l.name).is_none() {
            out.problems.push(Problem::Removed(l.name.clone()));
            continue;
        }
        match size_and_sha256(&p) {
            Err(e) => out.problems.push(Problem::Changed {
                name: l.name.clone(),
                how: format!("cannot read it: {e}"),
            }),
            Ok((size, sha)) => {
                if size != l.size {
                    out.problems.push(Problem::Changed {
                        name: l.name.clone(),
                        how: format!("{size} bytes, manifest says {}", l.size),
                    });
                } else if !sha.eq_ignore_ascii_case(&l.sha256) {
                    out.problems.push(Problem::Changed {
                        name: l.name.clone(),
                        how: format!("SHA-256 {sha}, manifest says {}", l.sha256),
                    });
                } else {
                    out.intact.push(l.name.clone());
                }
            }
        }
    }
    out.problems.extend(present.into_keys().map(Problem::Added));
    out
}

/// The size and SHA-256 of a file, read in pieces: a bundle of a large cluster holds files of
/// hundreds of megabytes, and verifying one must not need that much memory.
fn size_and_sha256(path: &Path) -> std::io::Result<(u64, String)> {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    let size = std::io::copy(&mut std::fs::File::open(path)?, &mut hasher)?;
    Ok((size, format!("{:x}", hasher.finalize())))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_file_is_hashed_in_pieces_as_a_whole() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("big.csv");
        // Larger than one read, not a multiple of it.
        let bytes: Vec<u8> = (0..200_003u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes).expect("write");
        let (size, sha) = super::size_and_sha256(&path).expect("read");
        assert_eq!(size, bytes.len() as u64);
        assert_eq!(sha, crate::bundle::sha256_hex(&bytes));
    }
}
