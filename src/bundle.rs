//! Writing reports to disk without ever leaving a half-written file or folder: files go to a
//! temporary sibling and are renamed into place; a report folder is built beside its final
//! name and renamed as a whole. `MANIFEST.json` lists every file with its size and SHA-256.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::render::Format;
use crate::results::Report;

/// A bundle could not be written.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// A format could not be rendered.
    #[error("cannot render {path}: {source}")]
    Render {
        /// The file being written.
        path: PathBuf,
        /// Why.
        #[source]
        source: crate::render::RenderError,
    },
    /// An I/O failure on a path.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Writes a file atomically: a temporary file in the same folder, synced, then renamed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

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

#[derive(Serialize)]
struct Manifest<'a> {
    run_id: &'a str,
    tool: &'a crate::results::Tool,
    catalog: &'a crate::results::CatalogRef,
    files: Vec<ManifestEntry>,
}

/// Hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// Writes `files` (name → bytes) into an existing or new folder, each atomically, then
/// rewrites its `MANIFEST.json` so it lists every file now in the folder (report files
/// first, in render order). Used by `render`, which adds formats to a saved run's folder.
pub fn write_files(
    dir: &Path,
    report: &Report,
    files: &[(String, Vec<u8>)],
) -> Result<(), BundleError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| BundleError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    for (name, bytes) in files {
        let p = dir.join(name);
        write_atomic(&p, bytes).map_err(io(&p))?;
    }
    let order = ["report.json", "findings.csv", "report.html", "report.pdf"];
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.') && n != "MANIFEST.json" && n != "MANIFEST.sig")
        .collect();
    // The manifest is about to change: a signature over the old one would no longer hold.
    let _ = std::fs::remove_file(dir.join("MANIFEST.sig"));
    names.sort_by_key(|n| {
        (
            order.iter().position(|o| o == n).unwrap_or(order.len()),
            n.clone(),
        )
    });
    let mut entries = Vec::new();
    for name in names {
        let p = dir.join(&name);
        let bytes = std::fs::read(&p).map_err(io(&p))?;
        entries.push(ManifestEntry {
            name,
            size: bytes.len() as u64,
            sha256: sha256_hex(&bytes),
        });
    }
    let manifest = Manifest {
        run_id: &report.run.id,
        tool: &report.run.tool,
        catalog: &report.run.catalog,
        files: entries,
    };
    let mp = dir.join("MANIFEST.json");
    let mut bytes = serde_json::to_vec_pretty(&manifest).map_err(|e| BundleError::Io {
        path: mp.clone(),
        source: std::io::Error::other(e),
    })?;
    bytes.push(b'\n');
    write_atomic(&mp, &bytes).map_err(io(&mp))
}

/// Counts and hashes what passes through, so a file's manifest entry is known once it is
/// written, without reading it back or holding it in memory.
struct HashingWriter<W: Write> {
    inner: W,
    hasher: Sha256,
    size: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Renders `formats` (PDF last, so its appendix can list the others) straight into files of
/// a new folder, plus `MANIFEST.json`, atomically: the folder is built beside `dir` and
/// renamed into place, so it appears complete or not at all. An existing folder of that name
/// is replaced. Returns the manifest entries.
pub fn write(
    dir: &Path,
    report: &Report,
    formats: &[Format],
) -> Result<Vec<ManifestEntry>, BundleError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| BundleError::Io { path, source }
    };
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    let base = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    let tmp = parent.join(format!(".{base}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(io(&tmp))?;
    let result = (|| {
        let mut formats = formats.to_vec();
        formats.sort();
        formats.dedup();
        let mut entries: Vec<ManifestEntry> = Vec::new();
        for f in formats {
            let p = tmp.join(f.file_name());
            let file = std::fs::File::create(&p).map_err(io(&p))?;
            let mut w = HashingWriter {
                inner: std::io::BufWriter::new(file),
                hasher: Sha256::new(),
                size: 0,
            };
            f.write_to(report, &entries, &mut w)
                .map_err(|source| BundleError::Render {
                    path: p.clone(),
                    source,
                })?;
            w.flush().map_err(io(&p))?;
            entries.push(ManifestEntry {
                name: f.file_name().to_string(),
                size: w.size,
                sha256: format!("{:x}", w.hasher.finalize()),
            });
        }
        let manifest = Manifest {
            run_id: &report.run.id,
            tool: &report.run.tool,
            catalog: &report.run.catalog,
            files: entries.clone(),
        };
        let mp = tmp.join("MANIFEST.json");
        let mut bytes = serde_json::to_vec_pretty(&manifest).map_err(|e| BundleError::Io {
            path: mp.clone(),
            source: std::io::Error::other(e),
        })?;
        bytes.push(b'\n');
        std::fs::write(&mp, bytes).map_err(io(&mp))?;
        Ok(entries)
    })();
    let entries = match result {
        Ok(e) => e,
        Err(e) => {
            // Nothing half-written is left behind.
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    let old = parent.join(format!(".{base}.old-{}", std::process::id()));
    if dir.exists() {
        std::fs::rename(dir, &old).map_err(io(dir))?;
    }
    std::fs::rename(&tmp, dir).map_err(io(dir))?;
    let _ = std::fs::remove_dir_all(&old);
    Ok(entries)
}
