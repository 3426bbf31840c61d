//! Collectors: turn the outside world (manifest files, a snapshot, the built-in demo cluster)
//! into an [`Inventory`](crate::inventory::Inventory). They never judge anything.
//!
//! A source that cannot be read in part is recorded in the inventory's coverage and the rest
//! is still collected; only a source that cannot be used at all is a [`CollectError`].

pub mod cluster;
pub mod demo;
pub mod manifests;
pub mod node;
pub mod shape;
pub mod snapshot;

use std::path::PathBuf;

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
    /// A snapshot file is not a kubeattest snapshot.
    #[error("{path} is not a kubeattest snapshot: {message}; create one with `kubeattest snapshot --out FILE`")]
    SnapshotFormat {
        /// The snapshot path.
        path: PathBuf,
        /// What is wrong.
        message: String,
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
