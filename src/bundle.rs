//! Writing reports to disk without ever leaving a half-written file or folder: files go to a
//! temporary sibling and are renamed into place; a report folder is built beside its final
//! name and renamed as a whole. `MANIFEST.json` lists every file with its size and SHA-256.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::manifest::FILE_NAME as MANIFEST;

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
    /// The report may not be written there.
    #[error("--out {}: {reason}", path.display())]
    Refused {
        /// The path given.
        path: PathBuf,
        /// Why not.
        reason: Refusal,
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

/// Writes a file atomically: a temporary file in the same folder, synced, then renamed. A
/// character device or FIFO (`/dev/stdout`, `/dev/null`, a pipe) is written to as it is,
/// never replaced by a file; a folder is refused.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Ok(meta) = std::fs::metadata(path) {
        use std::os::unix::fs::FileTypeExt as _;
        let t = meta.file_type();
        if t.is_char_device() || t.is_fifo() {
            let mut f = std::fs::OpenOptions::new().write(true).open(path)?;
            return f.write_all(bytes);
        }
        if !t.is_file() {
            return Err(std::io::Error::other(format!(
                "{} is not a regular file (a folder, socket or device); choose a file path",
                path.display()
            )));
        }
    }
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

pub use crate::manifest::{sha256_hex, ManifestEntry};

#[derive(Serialize)]
struct Manifest<'a> {
    run_id: &'a str,
    tool: &'a crate::results::Tool,
    catalog: &'a crate::results::CatalogRef,
    files: Vec<ManifestEntry>,
}

/// Writes `files` (name → bytes) into a report folder, with a `MANIFEST.json` that lists only
/// files kubeattest wrote: those written now, those the folder's previous manifest listed,
/// and `also_ours` (the saved report.json `render` reads beside). Used by `render`, which
/// adds formats to a saved run's folder.
///
/// A report folder (one with our manifest), an empty folder or a new one is rebuilt beside
/// its name and swapped into place, so a killed run leaves the old folder or the new one,
/// never a mix; one holding files its manifest does not list is refused (they are not ours
/// to certify or to replace). A folder that is not a report is written to only when none of
/// these names is taken, each file atomically, and its new manifest lists only what was
/// written.
pub fn write_files(
    dir: &Path,
    report: &Report,
    files: &[(String, Vec<u8>)],
    also_ours: &[&str],
) -> Result<(), BundleError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| BundleError::Io { path, source }
    };
    let refused = |reason| BundleError::Refused {
        path: dir.to_path_buf(),
        reason,
    };
    let present: Vec<String> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !is_our_temp_file(n))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(io(dir)(e)),
    };
    let entries = manifest_entries(dir);
    let listed: Option<Vec<String>> = entries
        .as_ref()
        .map(|e| e.iter().map(|f| f.name.clone()).collect());
    let written: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    // Present files are ours only when a manifest of ours lists them (or `also_ours`): a file
    // of the name about to be written is someone else's until then.
    let ours = |n: &str| {
        also_ours.contains(&n) || listed.as_ref().is_some_and(|l| l.iter().any(|x| x == n))
    };
    let signature = crate::signature::SIGNATURE_FILE;
    let foreign: Vec<String> = present
        .iter()
        .filter(|n| *n != MANIFEST && *n != signature && !ours(n))
        .cloned()
        .collect();
    if listed.is_none() && !foreign.is_empty() {
        // Not a report: add our files beside the others, never over them.
        let taken: Vec<String> = written
            .iter()
            .chain([&MANIFEST])
            .filter(|n| present.iter().any(|p| p == *n))
            .map(|n| n.to_string())
            .collect();
        if !taken.is_empty() {
            return Err(refused(Refusal::WouldOverwrite(taken)));
        }
        for (name, bytes) in files {
            let p = dir.join(name);
            write_atomic(&p, bytes).map_err(io(&p))?;
        }
        let names: Vec<String> = present
            .iter()
            .filter(|n| also_ours.contains(&n.as_str()))
            .cloned()
            .chain(written.iter().map(|n| n.to_string()))
            .collect();
        let bytes = manifest_bytes(dir, report, names)?;
        let mp = dir.join(MANIFEST);
        return write_atomic(&mp, &bytes).map_err(io(&mp));
    }
    if !foreign.is_empty() {
        return Err(refused(Refusal::ForeignFiles(foreign)));
    }
    // A report folder (or none yet): rebuilt beside it and swapped in whole.
    let (parent, base) = beside(dir)?;
    let tmp = staging_folder(&parent, &base)?;
    let result = (|| {
        let mut names = Vec::new();
        for name in present
            .iter()
            .filter(|n| *n != MANIFEST && *n != signature && !written.contains(&n.as_str()))
        {
            // Kept as it is: hard-linked where the system can, copied otherwise. A file that
            // no longer matches the manifest is not certified again under a new one.
            let (from, to) = (dir.join(name), tmp.join(name));
            let recorded = entries
                .iter()
                .flatten()
                .find(|e| e.name == *name)
                .map(|e| (e.size, e.sha256.clone()));
            let bytes = std::fs::read(&from).map_err(io(&from))?;
            if recorded
                .is_some_and(|(size, sha)| size != bytes.len() as u64 || sha != sha256_hex(&bytes))
            {
                return Err(refused(Refusal::Tampered(name.clone())));
            }
            if std::fs::hard_link(&from, &to).is_err() {
                std::fs::write(&to, &bytes).map_err(io(&to))?;
            }
            names.push(name.clone());
        }
        for (name, bytes) in files {
            let p = tmp.join(name);
            std::fs::write(&p, bytes).map_err(io(&p))?;
            names.push(name.clone());
        }
        // The manifest changes: a signature over the old one would no longer hold, so
        // MANIFEST.sig is not carried over.
        let bytes = manifest_bytes(&tmp, report, names)?;
        let mp = tmp.join(MANIFEST);
        std::fs::write(&mp, &bytes).map_err(io(&mp))?;
        sync_dir_files(&tmp).map_err(io(&tmp))?;
        let aside = parent.join(format!(".{base}.old-{}", std::process::id()));
        let previous = swap_in(&tmp, dir, &aside).map_err(io(dir))?;
        if let Some(previous) = previous {
            remove_any(&previous);
        }
        Ok(())
    })();
    if result.is_err() {
        remove_any(&tmp);
    }
    result
}

/// The folder `dir` goes into (created) and its name, with what killed runs left there
/// cleaned up first (see [`clean_stale`]).
fn beside(dir: &Path) -> Result<(PathBuf, String), BundleError> {
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    std::fs::create_dir_all(&parent).map_err(|source| BundleError::Io {
        path: parent.clone(),
        source,
    })?;
    let base = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    clean_stale(&parent);
    Ok((parent, base))
}

/// A new, empty `.BASE.tmp-PID` folder in `parent` to build a report in.
fn staging_folder(parent: &Path, base: &str) -> Result<PathBuf, BundleError> {
    let tmp = parent.join(format!(".{base}.tmp-{}", std::process::id()));
    remove_any(&tmp);
    std::fs::create_dir_all(&tmp).map_err(|source| BundleError::Io {
        path: tmp.clone(),
        source,
    })?;
    Ok(tmp)
}

/// Flushes every file of a folder to disk before it is swapped into place.
fn sync_dir_files(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        std::fs::File::open(entry?.path())?.sync_all()?;
    }
    Ok(())
}

/// `MANIFEST.json` listing `names` of `dir` (report files first, in render order).
fn manifest_bytes(
    dir: &Path,
    report: &Report,
    mut names: Vec<String>,
) -> Result<Vec<u8>, BundleError> {
    let order = ["report.json", "findings.csv", "report.html", "report.pdf"];
    names.sort_by_key(|n| {
        (
            order.iter().position(|o| o == n).unwrap_or(order.len()),
            n.clone(),
        )
    });
    names.dedup();
    let mut entries = Vec::new();
    for name in names {
        let p = dir.join(&name);
        let bytes = std::fs::read(&p).map_err(|source| BundleError::Io {
            path: p.clone(),
            source,
        })?;
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
    let mut bytes = serde_json::to_vec_pretty(&manifest).map_err(|e| BundleError::Io {
        path: dir.join(MANIFEST),
        source: std::io::Error::other(e),
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// What `--out` may replace, and which paths it must stay out of.
#[derive(Debug, Clone, Default)]
pub struct OutPolicy {
    /// Replace whatever is at the path (a file, or a folder that is not a report).
    pub force: bool,
    /// The inputs of the run: the report may not be written at, inside or around them.
    pub inputs: Vec<PathBuf>,
}

/// Why a report may not be written at a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A file is there.
    NotAFolder,
    /// A non-empty folder without our `MANIFEST.json`.
    NotAReport,
    /// A report folder that also holds files the report does not list.
    ForeignFiles(Vec<String>),
    /// The path is, holds or lies inside an input.
    Input(PathBuf),
    /// A folder that is not a report already holds files of these names.
    WouldOverwrite(Vec<String>),
    /// A report file no longer matches the manifest that lists it.
    Tampered(String),
    /// A device, FIFO or socket.
    Special,
    /// A symbolic link (`--force` replaces the link, never what it points to).
    Link,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NotAFolder => write!(
                f,
                "is a file, not a report folder; choose another --out, or pass --force to replace it"
            ),
            Refusal::NotAReport => write!(
                f,
                "is a folder that is not a kubeattest report (no {MANIFEST}); choose a new or empty folder, or pass --force to replace its contents"
            ),
            Refusal::ForeignFiles(names) => {
                let shown: Vec<&str> = names.iter().take(5).map(String::as_str).collect();
                write!(
                    f,
                    "holds files that are not part of the report ({}{}); move them away (scan: or pass --force to replace the folder)",
                    shown.join(", "),
                    if names.len() > shown.len() { ", …" } else { "" }
                )
            }
            Refusal::WouldOverwrite(names) => write!(
                f,
                "is not a kubeattest report folder (no {MANIFEST}) and already holds {}; choose another --out",
                names.join(", ")
            ),
            Refusal::Link => write!(
                f,
                "is a symbolic link, not a report folder; choose another --out, or pass --force to replace the link (what it points to is left alone)"
            ),
            Refusal::Special => write!(
                f,
                "is a device, FIFO or socket, not a report folder; choose a folder path (--force does not override this)"
            ),
            Refusal::Tampered(name) => write!(
                f,
                "{name} no longer matches MANIFEST.json (changed since kubeattest wrote it); run `kubeattest verify` on the folder, and render into a new folder"
            ),
            Refusal::Input(input) => write!(
                f,
                "overlaps the input {}; write the report somewhere else (--force does not override this)",
                input.display()
            ),
        }
    }
}

/// Refuses a report folder path that would destroy something we did not write: a file, a
/// folder that is not a previous report, a report folder holding other files, or any path
/// that is, holds or lies inside an input. `--force` lifts all but the last.
pub fn check_out(dir: &Path, policy: &OutPolicy) -> Result<(), BundleError> {
    let refused = |reason| BundleError::Refused {
        path: dir.to_path_buf(),
        reason,
    };
    if let Some(input) = overlapping_input(dir, &policy.inputs) {
        return Err(refused(Refusal::Input(input)));
    }
    // A device, FIFO or socket is never ours to replace, whatever --force says.
    if std::fs::symlink_metadata(dir).is_ok_and(|m| !m.is_file() && !m.is_dir() && !m.is_symlink())
    {
        return Err(refused(Refusal::Special));
    }
    if policy.force {
        return Ok(());
    }
    match occupant(dir) {
        Ok(None) => Ok(()),
        Ok(Some(reason)) => Err(refused(reason)),
        Err(source) => Err(BundleError::Io {
            path: dir.to_path_buf(),
            source,
        }),
    }
}

/// What is at `dir` that may not be replaced (`None`: nothing, an empty folder, or a
/// previous report holding only its own files).
fn occupant(dir: &Path) -> std::io::Result<Option<Refusal>> {
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if meta.is_symlink() {
        return Ok(Some(Refusal::Link));
    }
    if !meta.is_dir() {
        return Ok(Some(Refusal::NotAFolder));
    }
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        names.push(entry?.file_name().to_string_lossy().into_owned());
    }
    if names.is_empty() {
        return Ok(None);
    }
    let Some(listed) = manifest_files(dir) else {
        return Ok(Some(Refusal::NotAReport));
    };
    let mut foreign: Vec<String> = names
        .into_iter()
        .filter(|n| n != MANIFEST && !listed.contains(n) && !is_our_temp_file(n))
        .collect();
    foreign.sort();
    Ok((!foreign.is_empty()).then_some(Refusal::ForeignFiles(foreign)))
}

/// The file names listed by `dir/MANIFEST.json`, when it is one of ours.
fn manifest_files(dir: &Path) -> Option<Vec<String>> {
    Some(manifest_entries(dir)?.into_iter().map(|f| f.name).collect())
}

/// The entries of `dir/MANIFEST.json`, when it is one of ours.
fn manifest_entries(dir: &Path) -> Option<Vec<ManifestEntry>> {
    #[derive(Deserialize)]
    struct Listed {
        #[allow(dead_code)]
        run_id: String,
        files: Vec<ManifestEntry>,
    }
    let path = dir.join(MANIFEST);
    let meta = std::fs::symlink_metadata(&path).ok()?;
    if !meta.is_file() || meta.len() > 1 << 20 {
        return None;
    }
    let bytes = std::fs::read(&path).ok()?;
    let listed: Listed = serde_json::from_slice(&bytes).ok()?;
    Some(listed.files)
}

/// Whether the regular file at `path` starts with `head`: how a single-file output of ours
/// (a snapshot, a drift report) is told from someone else's file of the same name.
pub fn starts_with(path: &Path, head: &[u8]) -> bool {
    use std::io::Read as _;
    let mut start = vec![0; head.len()];
    std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file())
        && std::fs::File::open(path)
            .and_then(|mut f| f.read_exact(&mut start))
            .is_ok()
        && start == head
}

/// `.NAME.tmp-PID`: a file `write_atomic` left behind when killed.
pub(crate) fn is_our_temp_file(name: &str) -> bool {
    temp_pid(name, ".tmp-").is_some()
}

/// The PID in `.NAME<marker>PID`.
fn temp_pid(name: &str, marker: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?;
    let (_, pid) = rest.rsplit_once(marker)?;
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok()
}

/// The first input that `dir` is, lies inside, or holds (`-`, standard input, is none).
fn overlapping_input(dir: &Path, inputs: &[PathBuf]) -> Option<PathBuf> {
    let out = resolve(dir);
    inputs
        .iter()
        .filter(|i| i.as_os_str() != "-")
        .find(|i| {
            let input = resolve(i);
            out.starts_with(&input) || input.starts_with(&out)
        })
        .cloned()
}

/// `path` made absolute with symbolic links resolved as far as it exists.
fn resolve(path: &Path) -> PathBuf {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    let mut missing = Vec::new();
    let mut existing = absolute.as_path();
    loop {
        if let Ok(canonical) = existing.canonicalize() {
            let mut out = canonical;
            for part in missing.iter().rev() {
                out.push(part);
            }
            return out;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                missing.push(name.to_os_string());
                existing = parent;
            }
            _ => return absolute,
        }
    }
}

/// Is the process `pid` alive? Unknown (no `/proc`) counts as alive, so nothing is removed.
fn alive(pid: u32) -> bool {
    let proc = Path::new("/proc");
    !proc.join("self").exists() || proc.join(pid.to_string()).exists()
}

/// Removes what killed runs left in `parent`: `.NAME.tmp-PID` folders of dead processes
/// holding only report files; and `.NAME.old-PID` reports (moved aside for a swap), put
/// back at NAME when nothing took their place, else removed.
fn clean_stale(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let ours: Vec<&str> = crate::render::Format::ALL
        .iter()
        .map(|f| f.file_name())
        .chain([MANIFEST])
        .collect();
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if let Some(pid) = temp_pid(&name, ".tmp-") {
            if !is_dir || pid == std::process::id() || alive(pid) {
                continue;
            }
            let only_ours = std::fs::read_dir(&path).is_ok_and(|files| {
                files.filter_map(Result::ok).all(|f| {
                    f.file_type().is_ok_and(|t| t.is_file())
                        && ours.contains(&f.file_name().to_string_lossy().as_ref())
                })
            });
            if only_ours {
                let _ = std::fs::remove_dir_all(&path);
            }
        } else if let Some(pid) = temp_pid(&name, ".old-") {
            let Some((base, _)) = name[1..].rsplit_once(".old-") else {
                continue;
            };
            if !is_dir || base.is_empty() || alive(pid) || manifest_files(&path).is_none() {
                continue;
            }
            let target = parent.join(base);
            if std::fs::symlink_metadata(&target).is_err() {
                let _ = std::fs::rename(&path, &target);
            } else {
                let _ = std::fs::remove_dir_all(&path);
            }
        }
    }
}

/// Puts `new` in place of `old_path`: exchanged atomically where the system can
/// (Linux `renameat2(RENAME_EXCHANGE)`), else moved aside and back on failure. Returns
/// where the previous occupant now is, for the caller to remove.
pub fn swap_in(new: &Path, target: &Path, aside: &Path) -> std::io::Result<Option<PathBuf>> {
    if std::fs::symlink_metadata(target).is_err() {
        std::fs::rename(new, target)?;
        return Ok(None);
    }
    match exchange(new, target) {
        Ok(()) => return Ok(Some(new.to_path_buf())),
        Err(e) if e.kind() == std::io::ErrorKind::Unsupported => {}
        Err(e) => return Err(e),
    }
    // Fallback: a kill between these two renames leaves `aside`, which the next run puts
    // back (see `clean_stale`), so a report is never lost.
    std::fs::rename(target, aside)?;
    if let Err(e) = std::fs::rename(new, target) {
        let _ = std::fs::rename(aside, target);
        return Err(e);
    }
    Ok(Some(aside.to_path_buf()))
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt as _;
    let c = |p: &Path| {
        std::ffi::CString::new(p.as_os_str().as_bytes())
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))
    };
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both pointers are valid NUL-terminated strings that outlive the call.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        return Ok(());
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::ENOSYS) | Some(libc::EINVAL) | Some(libc::EOPNOTSUPP) => {
            Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
        }
        _ => Err(e),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// Removes what a swap moved out of the way.
pub fn remove_any(path: &Path) {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => {
            let _ = std::fs::remove_dir_all(path);
        }
        Ok(_) => {
            let _ = std::fs::remove_file(path);
        }
        Err(_) => {}
    }
}

/// Renders `formats` (PDF last, so its appendix can list the others) straight into files of
/// a new folder, plus `MANIFEST.json`, atomically: the folder is built beside `dir` and
/// swapped into place, so it appears complete or not at all. What is at `dir` is replaced
/// only as `policy` allows (see [`check_out`]). Returns the manifest entries.
pub fn write(
    dir: &Path,
    report: &Report,
    formats: &[Format],
    policy: &OutPolicy,
) -> Result<Vec<ManifestEntry>, BundleError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| BundleError::Io { path, source }
    };
    let (parent, base) = beside(dir)?;
    check_out(dir, policy)?;
    let tmp = staging_folder(&parent, &base)?;
    let result = (|| {
        let mut formats = formats.to_vec();
        formats.sort();
        formats.dedup();
        // The formats that list no other file are rendered in parallel; OSCAL and the PDF
        // list the files before them, so they come last, in order.
        let (independent, listing): (Vec<Format>, Vec<Format>) = formats
            .into_iter()
            .partition(|f| !matches!(f, Format::Oscal | Format::Pdf));
        let mut entries: Vec<ManifestEntry> = {
            use rayon::prelude::*;
            independent
                .par_iter()
                .map(|f| render_file(&tmp, report, *f, &[]))
                .collect::<Result<_, _>>()?
        };
        for f in listing {
            let entry = render_file(&tmp, report, f, &entries)?;
            entries.push(entry);
        }
        let manifest = Manifest {
            run_id: &report.run.id,
            tool: &report.run.tool,
            catalog: &report.run.catalog,
            files: entries.clone(),
        };
        let mp = tmp.join(MANIFEST);
        let mut bytes = serde_json::to_vec_pretty(&manifest).map_err(|e| BundleError::Io {
            path: mp.clone(),
            source: std::io::Error::other(e),
        })?;
        bytes.push(b'\n');
        std::fs::write(&mp, bytes).map_err(io(&mp))?;
        // Checked again just before the swap: the folder may have changed while rendering.
        check_out(dir, policy)?;
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
    let aside = parent.join(format!(".{base}.old-{}", std::process::id()));
    match swap_in(&tmp, dir, &aside) {
        Ok(Some(previous)) => remove_any(&previous),
        Ok(None) => {}
        Err(source) => {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(BundleError::Io {
                path: dir.to_path_buf(),
                source,
            });
        }
    }
    Ok(entries)
}

/// Renders one format into `dir`; the file is hashed and written on a thread of its own
/// while the format is rendered ([`crate::hashed_file`]).
fn render_file(
    dir: &Path,
    report: &Report,
    f: Format,
    before: &[ManifestEntry],
) -> Result<ManifestEntry, BundleError> {
    let p = dir.join(f.file_name());
    let io = |source| BundleError::Io {
        path: p.clone(),
        source,
    };
    let file = std::fs::File::create(&p).map_err(io)?;
    let (rendered, written) = std::thread::scope(|s| {
        let mut w = crate::hashed_file::HashedFile::start(s, file);
        let rendered = f.write_to(report, before, &mut w);
        (rendered, w.finish())
    });
    // A failed write (a full disk) explains a failed render too: it is reported first.
    let written = written.map_err(io)?;
    rendered.map_err(|source| BundleError::Render {
        path: p.clone(),
        source,
    })?;
    Ok(ManifestEntry {
        name: f.file_name().to_string(),
        size: written.size,
        sha256: written.sha256,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_carry_a_pid() {
        assert_eq!(temp_pid(".report.tmp-123", ".tmp-"), Some(123));
        assert_eq!(temp_pid(".a.b.old-7", ".old-"), Some(7));
        assert_eq!(temp_pid("report.tmp-123", ".tmp-"), None);
        assert_eq!(temp_pid(".report.tmp-", ".tmp-"), None);
        assert_eq!(temp_pid(".report.tmp-12x", ".tmp-"), None);
    }

    #[test]
    fn refuses_what_is_not_a_report() {
        let t = tempfile::tempdir().expect("temp dir");
        let policy = OutPolicy::default();
        let file = t.path().join("f");
        std::fs::write(&file, "x").expect("write");
        assert!(check_out(&file, &policy).is_err());
        let forced = OutPolicy {
            force: true,
            ..Default::default()
        };
        assert!(check_out(&file, &forced).is_ok());
        let dir = t.path().join("d");
        std::fs::create_dir(&dir).expect("mkdir");
        assert!(check_out(&dir, &policy).is_ok(), "empty folder");
        std::fs::write(dir.join("notes.txt"), "x").expect("write");
        assert!(check_out(&dir, &policy).is_err());
        std::fs::write(
            dir.join(MANIFEST),
            r#"{"run_id":"r","files":[{"name":"report.json","size":1,"sha256":"x"}]}"#,
        )
        .expect("write");
        assert!(matches!(
            check_out(&dir, &policy),
            Err(BundleError::Refused {
                reason: Refusal::ForeignFiles(_),
                ..
            })
        ));
        std::fs::remove_file(dir.join("notes.txt")).expect("rm");
        std::fs::write(dir.join("report.json"), "x").expect("write");
        assert!(check_out(&dir, &policy).is_ok(), "a previous report");
    }

    #[test]
    fn refuses_inputs_even_when_forced() {
        let t = tempfile::tempdir().expect("temp dir");
        let input = t.path().join("manifests");
        std::fs::create_dir(&input).expect("mkdir");
        let policy = OutPolicy {
            force: true,
            inputs: vec![input.clone()],
        };
        for out in [input.clone(), input.join("out"), t.path().to_path_buf()] {
            assert!(
                matches!(
                    check_out(&out, &policy),
                    Err(BundleError::Refused {
                        reason: Refusal::Input(_),
                        ..
                    })
                ),
                "{}",
                out.display()
            );
        }
        assert!(check_out(&t.path().join("elsewhere"), &policy).is_ok());
    }

    #[test]
    fn exchange_swaps_two_folders() {
        let t = tempfile::tempdir().expect("temp dir");
        let (a, b) = (t.path().join("a"), t.path().join("b"));
        std::fs::create_dir(&a).expect("mkdir");
        std::fs::write(a.join("x"), "a").expect("write");
        std::fs::write(&b, "b").expect("write");
        let aside = t.path().join(".b.old-1");
        let previous = swap_in(&a, &b, &aside)
            .expect("swap")
            .expect("was occupied");
        assert_eq!(std::fs::read_to_string(b.join("x")).expect("read"), "a");
        assert_eq!(std::fs::read_to_string(&previous).expect("read"), "b");
    }

    #[test]
    fn stale_leftovers_of_dead_runs_are_cleaned() {
        let t = tempfile::tempdir().expect("temp dir");
        // No PID reaches 999999999 (Linux caps pid_max at 2^22): its leftovers are stale.
        let dead = t.path().join(".r.tmp-999999999");
        std::fs::create_dir(&dead).expect("mkdir");
        std::fs::write(dead.join("report.json"), "{}").expect("write");
        let foreign = t.path().join(".x.tmp-999999999");
        std::fs::create_dir(&foreign).expect("mkdir");
        std::fs::write(foreign.join("notes.txt"), "keep").expect("write");
        let old = t.path().join(".r.old-999999999");
        std::fs::create_dir(&old).expect("mkdir");
        std::fs::write(old.join(MANIFEST), r#"{"run_id":"r","files":[]}"#).expect("write");
        clean_stale(t.path());
        assert!(!dead.exists());
        assert!(foreign.exists(), "not ours: kept");
        assert!(!old.exists());
        assert!(t.path().join("r").join(MANIFEST).exists(), "put back");
    }
}
