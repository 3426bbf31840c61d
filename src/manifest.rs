//! The file list of a report folder (`MANIFEST.json`): each file's name, size and SHA-256.
//! Below both `render` (the PDF appendix lists the bundle) and `bundle` (which writes it).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The name of the file that marks a folder as a kubeattest report.
pub const FILE_NAME: &str = "MANIFEST.json";

/// One file of a bundle, as listed in `MANIFEST.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// File name in the folder.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// Hex SHA-256.
    pub sha256: String,
}

impl ManifestEntry {
    /// The entry for `bytes` stored as `name`.
    pub fn of(name: &str, bytes: &[u8]) -> Self {
        ManifestEntry {
            name: name.to_string(),
            size: bytes.len() as u64,
            sha256: sha256_hex(bytes),
        }
    }
}

/// Hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}
