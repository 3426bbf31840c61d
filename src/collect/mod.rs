//! Collectors: turn the outside world (manifest files, a snapshot, the built-in demo cluster)
//! into an [`Inventory`](crate::inventory::Inventory). They never judge anything.
//!
//! A source that cannot be read in part is recorded in the inventory's coverage and the rest
//! is still collected; only a source that cannot be used at all is a [`CollectError`].

pub mod cluster;
pub mod demo;
pub mod k3s;
pub mod kubelet_config;
pub mod manifests;
pub mod microk8s;
pub mod node;
pub mod rooted;
pub mod shape;
pub mod snapshot;

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Default cap on any one input file: far above real manifests, snapshots and node facts,
/// far below what `/dev/zero` would grow to.
pub const DEFAULT_MAX_INPUT_BYTES: u64 = 512 << 20;

static MAX_INPUT_BYTES: AtomicU64 = AtomicU64::new(DEFAULT_MAX_INPUT_BYTES);

/// Sets the cap on any one input file (`--max-input-size`).
pub fn set_max_input_bytes(bytes: u64) {
    MAX_INPUT_BYTES.store(bytes.max(1), Ordering::Relaxed);
}

/// The cap on any one input file.
pub fn max_input_bytes() -> u64 {
    MAX_INPUT_BYTES.load(Ordering::Relaxed)
}

/// Why an input file was not read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// Not a regular file: a FIFO, a device, a socket (reading could block or never end).
    #[error("not a regular file ({0}); not read, since reading it could block or never end")]
    NotAFile(&'static str),
    /// Over the size cap.
    #[error("larger than the {} MiB input limit; raise it with --max-input-size if this file is really that large", .0 >> 20)]
    TooLarge(u64),
    /// The file could not be opened or read.
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
}

/// What kind of special file a path is, if it is not a regular file or a folder.
pub fn special_kind(meta: &std::fs::Metadata) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt as _;
    let t = meta.file_type();
    if t.is_file() || t.is_dir() {
        None
    } else if t.is_fifo() {
        Some("a FIFO")
    } else if t.is_char_device() {
        Some("a character device")
    } else if t.is_block_device() {
        Some("a block device")
    } else if t.is_socket() {
        Some("a socket")
    } else {
        Some("not a regular file")
    }
}

/// Opens an input file (following symbolic links) after checking it is a regular file
/// within the size cap; the returned reader stops one byte past the cap, so a file growing
/// while read is caught too (see [`read_input`]). Also returns the buffer size to read it
/// whole in one go.
pub fn open_input(path: &Path) -> Result<(std::io::Take<std::fs::File>, usize), InputError> {
    let meta = std::fs::metadata(path)?;
    if let Some(kind) = special_kind(&meta) {
        return Err(InputError::NotAFile(kind));
    }
    if meta.is_dir() {
        return Err(InputError::Io(std::io::Error::other("is a folder")));
    }
    let max = max_input_bytes();
    if meta.len() > max {
        return Err(InputError::TooLarge(max));
    }
    let file = std::fs::File::open(path)?.take(max + 1);
    // One byte more than the file holds, so that reading it whole never grows the buffer.
    Ok((
        file,
        usize::try_from(meta.len()).map_or(0, |n| n.saturating_add(1)),
    ))
}

/// Reads a whole input file within the cap ([`open_input`]).
pub fn read_input(path: &Path) -> Result<Vec<u8>, InputError> {
    let (mut file, size) = open_input(path)?;
    let mut bytes = Vec::with_capacity(size);
    file.read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max_input_bytes() {
        return Err(InputError::TooLarge(max_input_bytes()));
    }
    Ok(bytes)
}

/// A source that could not be used at all.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// A snapshot file could not be read.
    #[error("cannot read snapshot {path}: {source}")]
    SnapshotRead {
        /// The snapshot path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A snapshot file is not a kubeattest snapshot (JSON of another kind, or not JSON).
    #[error("{path} is not a kubeattest snapshot: {message}; create one with `kubeattest snapshot --out FILE`")]
    SnapshotFormat {
        /// The snapshot path.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A kubeattest snapshot this build cannot read as written: cut short, an unknown or
    /// misspelt key, a value of the wrong type, a version that never existed, no `objects`.
    #[error("{path}: {message}")]
    SnapshotInvalid {
        /// The snapshot path.
        path: PathBuf,
        /// What is wrong, and where (line and column, or the key).
        message: String,
    },
    /// A snapshot written by a newer kubeattest, in a format this build does not know.
    #[error("{path} was written by a newer kubeattest: snapshot_version {version}, this build reads up to {supported}; upgrade kubeattest to read it")]
    SnapshotTooNew {
        /// The snapshot path.
        path: PathBuf,
        /// The file's `snapshot_version`.
        version: u64,
        /// The newest version this build reads.
        supported: u32,
    },
    /// A snapshot could not be written.
    #[error("cannot write snapshot {path}: {source}")]
    SnapshotWrite {
        /// The snapshot path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The cluster cannot be scanned at all (no kubeconfig, unreachable, discovery failed).
    #[error("{message}")]
    Cluster {
        /// What is wrong and what to do.
        message: String,
    },
    /// The embedded demo cluster is broken (a build problem, not a user problem).
    #[error("the built-in demo cluster is invalid ({file}): {message}")]
    Demo {
        /// The demo file.
        file: String,
        /// What is wrong.
        message: String,
    },
}
