//! Paths of a node resolved inside a root directory, as `chroot` would resolve them.
//!
//! `kubeattest node` reads the node's `/` mounted somewhere else (`--root /host`), or a
//! process's own root (`/proc/<pid>/root`). A symbolic link there whose target is absolute
//! (`/etc/kubernetes -> /srv/k8s`) means the node's `/srv/k8s`, not the collector's: every
//! component of a path is resolved here, one at a time, inside the root (`..` never leaves
//! it), with the kernel's limit of 40 links. The operating system is then asked only for the
//! resolved path, which holds no link.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

/// Links followed before giving up (Linux's `MAXSYMLINKS`).
const MAX_LINKS: usize = 40;

/// A node path resolved inside a root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The path to open on the collector's filesystem (root joined with `canonical`).
    pub host: PathBuf,
    /// The path on the node with every link resolved (`/srv/k8s/kubelet.conf`).
    pub canonical: String,
}

/// Resolves `path` (as the node sees it; a relative path is taken from `/`) inside `root`.
/// `Ok(None)`: it does not exist (a component is missing, or is not a directory). `Err`:
/// it could not be looked at (permission, I/O, a loop of links), with why.
pub fn resolve(root: &Path, path: &str) -> Result<Option<Resolved>, String> {
    let mut pending: VecDeque<String> = parts(path).collect();
    let mut current: Vec<String> = Vec::new();
    let mut links = 0;
    while let Some(part) = pending.pop_front() {
        match part.as_str() {
            "." => continue,
            ".." => {
                current.pop();
                continue;
            }
            _ => {}
        }
        let mut candidate = root.to_path_buf();
        candidate.extend(&current);
        candidate.push(&part);
        let meta = match std::fs::symlink_metadata(&candidate) {
            Ok(m) => m,
            Err(e) if gone(&e) => return Ok(None),
            Err(e) => return Err(format!("cannot look at {path}: {e}")),
        };
        if meta.file_type().is_symlink() {
            links += 1;
            if links > MAX_LINKS {
                return Err(format!(
                    "cannot look at {path}: more than {MAX_LINKS} symbolic links (a loop?)"
                ));
            }
            let target = std::fs::read_link(&candidate)
                .map_err(|e| format!("cannot read the symbolic link in {path}: {e}"))?;
            let target = target.to_string_lossy().into_owned();
            if target.starts_with('/') {
                // Absolute: the node's path, from the root.
                current.clear();
            }
            for p in parts(&target).collect::<Vec<_>>().into_iter().rev() {
                pending.push_front(p);
            }
            continue;
        }
        if !pending.is_empty() && !meta.is_dir() {
            // `a/b` where `a` is a file: nothing there (ENOTDIR).
            return Ok(None);
        }
        current.push(part);
    }
    let mut host = root.to_path_buf();
    host.extend(&current);
    Ok(Some(Resolved {
        host,
        canonical: format!("/{}", current.join("/")),
    }))
}

/// The non-empty components of a path.
fn parts(path: &str) -> impl Iterator<Item = String> + '_ {
    path.split('/')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
}

/// Whether an error means "not there" (missing, or a file where a directory was needed).
fn gone(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
    )
}

/// Reads a node file as text, following links inside `root`. `Ok(None)`: not there.
pub fn read_to_string(root: &Path, path: &str) -> Result<Option<String>, String> {
    match resolve(root, path)? {
        None => Ok(None),
        Some(r) => match std::fs::read_to_string(&r.host) {
            Ok(t) => Ok(Some(t)),
            Err(e) if gone(&e) => Ok(None),
            Err(e) => Err(format!("cannot read {path}: {e}")),
        },
    }
}

/// Metadata of a node path (links followed inside `root`). `Ok(None)`: not there.
pub fn metadata(root: &Path, path: &str) -> Result<Option<(Resolved, std::fs::Metadata)>, String> {
    match resolve(root, path)? {
        None => Ok(None),
        Some(r) => match std::fs::metadata(&r.host) {
            Ok(m) => Ok(Some((r, m))),
            Err(e) if gone(&e) => Ok(None),
            Err(e) => Err(format!("cannot stat {path}: {e}")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn absolute_links_resolve_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("srv/k8s/pki")).unwrap();
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::fs::write(root.join("srv/k8s/kubelet.conf"), "x").unwrap();
        symlink("/srv/k8s", root.join("etc/kubernetes")).unwrap();
        // A relative link that climbs above the root stays at the root.
        symlink("../../../../srv/k8s/kubelet.conf", root.join("etc/up")).unwrap();
        let r = resolve(root, "/etc/kubernetes/kubelet.conf")
            .unwrap()
            .unwrap();
        assert_eq!(r.canonical, "/srv/k8s/kubelet.conf");
        assert_eq!(r.host, root.join("srv/k8s/kubelet.conf"));
        assert_eq!(
            resolve(root, "/etc/up").unwrap().unwrap().canonical,
            "/srv/k8s/kubelet.conf"
        );
        assert_eq!(
            read_to_string(root, "/etc/kubernetes/kubelet.conf").unwrap(),
            Some("x".to_string())
        );
        assert_eq!(resolve(root, "/etc/kubernetes/none").unwrap(), None);
        // A file where a directory is needed: not there.
        assert_eq!(resolve(root, "/srv/k8s/kubelet.conf/x").unwrap(), None);
    }

    #[test]
    fn loops_are_errors_not_hangs() {
        let dir = tempfile::tempdir().unwrap();
        symlink("/b", dir.path().join("a")).unwrap();
        symlink("/a", dir.path().join("b")).unwrap();
        assert!(resolve(dir.path(), "/a/x")
            .unwrap_err()
            .contains("symbolic links"));
    }

    #[test]
    fn a_link_to_a_collector_path_never_escapes() {
        // `/etc/passwd` of the collector must not be read through a link in the root.
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("etc")).unwrap();
        symlink("/etc/passwd", dir.path().join("etc/kubelet.yaml")).unwrap();
        assert_eq!(
            read_to_string(dir.path(), "/etc/kubelet.yaml").unwrap(),
            None
        );
    }
}
