//! Manifests: files, directories (recursively, following symbolic links with loop
//! detection) and stdin (`-`); YAML multi-document streams and JSON, read as a stream so a
//! big file never exists as one tree; `kind: List` and every `*List` are expanded item by
//! item, Lists inside Lists flattened. Every object keeps its file and the line of each of
//! its fields. A file that cannot be read or parsed is a coverage error that names the file
//! and line; FIFOs, devices, loops and files over the size cap are reported without being
//! read; a document that is not a Kubernetes object, or one whose fields have the wrong
//! type (`collect::shape`), is left out and listed as `invalid` with the file, line and
//! reason (exit code 3); the other documents and files are still read.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::collect::{max_input_bytes, open_input, shape, special_kind};
use crate::document::Doc;
use crate::inventory::{Coverage, Inventory, Object, Origin, SourceKind, Target, UNSET_NAMESPACE};
use crate::yaml::{self, StreamItem};

const EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

/// Built-in kinds that live outside namespaces (`kubectl api-resources --namespaced=false`,
/// Kubernetes 1.31, plus the cluster-wide policy kinds of Cilium and Calico). Every other kind
/// in a manifest is namespaced: without `metadata.namespace` it lands in the namespace
/// `kubectl apply` would use.
const CLUSTER_SCOPED_KINDS: &[&str] = &[
    "APIService",
    "CertificateSigningRequest",
    "CiliumClusterwideNetworkPolicy",
    "ClusterRole",
    "ClusterRoleBinding",
    "ClusterTrustBundle",
    "ComponentStatus",
    "CSIDriver",
    "CSINode",
    "CustomResourceDefinition",
    "DeviceClass",
    "FlowSchema",
    "GlobalNetworkPolicy",
    "IngressClass",
    "IPAddress",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PodSecurityPolicy",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "RuntimeClass",
    "SelfSubjectAccessReview",
    "SelfSubjectReview",
    "SelfSubjectRulesReview",
    "ServiceCIDR",
    "StorageClass",
    "SubjectAccessReview",
    "TokenReview",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
    "VolumeAttributesClass",
];

/// Whether a kind lives outside namespaces.
pub fn is_cluster_scoped_kind(kind: &str) -> bool {
    CLUSTER_SCOPED_KINDS.contains(&kind)
}

/// Collects every manifest under `inputs` into an inventory; namespaced objects without
/// `metadata.namespace` are in [`UNSET_NAMESPACE`]: the namespace they are deployed to is
/// chosen at deploy time (`kubectl apply -n`, Helm, the GitOps tool), so they relate to each
/// other (deployed together) but not to objects that name a namespace, `default` included.
pub fn collect(inputs: &[PathBuf]) -> Inventory {
    collect_in(inputs, UNSET_NAMESPACE)
}

/// Collects every manifest under `inputs`; namespaced objects without `metadata.namespace`
/// are put in `namespace` (`kubectl apply -n NS`), and cluster-scoped objects lose a stray
/// namespace (the API server ignores it too).
pub fn collect_in(inputs: &[PathBuf], namespace: &str) -> Inventory {
    read(inputs, namespace, &[]).inventory
}

/// What [`read`] returns: the inventory, and where the symbolic links met while walking the
/// input folders lead.
#[derive(Debug)]
pub struct Manifests {
    /// The objects read, in their namespaces, sorted.
    pub inventory: Inventory,
    /// The resolved targets of the symbolic links met while walking the input folders:
    /// inputs as much as the folders given, though their paths lie elsewhere, so `--out`
    /// must stay out of them too.
    pub linked: Vec<PathBuf>,
}

/// Like [`collect_in`], but a file met while walking a folder that is one of `own_files` (the
/// run's exceptions or attestations file: kubeattest's input, not a manifest) is not read
/// as a manifest. A file named directly in `inputs` is always read.
pub fn read(inputs: &[PathBuf], namespace: &str, own_files: &[PathBuf]) -> Manifests {
    let own: Vec<PathBuf> = own_files
        .iter()
        .filter_map(|p| p.canonicalize().ok())
        .collect();
    let mut linked = Vec::new();
    let mut inv = collect_raw(inputs, &own, &mut linked);
    place_in_namespaces(&mut inv, namespace);
    warn_on_duplicates(&mut inv);
    inv.finish();
    Manifests {
        inventory: inv,
        linked,
    }
}

/// Gives namespaced objects without a namespace `namespace`, and drops the namespace of
/// cluster-scoped ones.
pub fn place_in_namespaces(inv: &mut Inventory, namespace: &str) {
    for o in &mut inv.objects {
        if is_cluster_scoped_kind(&o.kind) {
            o.namespace = None;
        } else if o.namespace.as_deref().is_none_or(str::is_empty) {
            o.namespace = Some(namespace.to_string());
        }
    }
}

fn collect_raw(inputs: &[PathBuf], own: &[PathBuf], linked: &mut Vec<PathBuf>) -> Inventory {
    let mut inv = Inventory::new(
        Target {
            name: "manifests".into(),
            source: Some(SourceKind::Manifests),
            ..Target::default()
        },
        true,
    );
    for input in inputs {
        if input.as_os_str() == "-" {
            let stdin = std::io::stdin().lock();
            add_reader(&mut inv, "-", stdin.take(max_input_bytes() + 1), 0);
        } else if input.is_dir() {
            add_dir(&mut inv, input, own, linked);
        } else {
            add_file(&mut inv, input);
        }
    }
    // Not finished here: the caller sorts once namespaces are placed.
    inv
}

/// Every manifest file under a folder; special files and symbolic-link loops are reported,
/// and where the links met lead is added to `linked`.
fn add_dir(inv: &mut Inventory, dir: &Path, own: &[PathBuf], linked: &mut Vec<PathBuf>) {
    let mut files: Vec<PathBuf> = Vec::new();
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
    {
        if let Ok(e) = &entry {
            if e.path_is_symlink() {
                if let Ok(target) = e.path().canonicalize() {
                    linked.push(target);
                }
            }
        }
        match entry {
            Ok(e) if e.file_type().is_dir() => {}
            Ok(e) if e.file_type().is_file() => {
                let is_own =
                    !own.is_empty() && e.path().canonicalize().is_ok_and(|c| own.contains(&c));
                if has_manifest_ext(e.path()) && !is_own {
                    files.push(e.into_path());
                }
            }
            Ok(e) => {
                let shown = shown(e.path());
                let kind = e
                    .metadata()
                    .ok()
                    .and_then(|m| special_kind(&m))
                    .unwrap_or("not a regular file");
                inv.coverage.push(Coverage::failed(
                    &shown,
                    "skipped",
                    format!("{shown}: {kind}; not read, since reading it could block or never end"),
                ));
            }
            Err(e) => {
                let path = e.path().map_or_else(|| shown(dir), shown);
                let why = match e.loop_ancestor() {
                    Some(a) => format!(
                        "{path}: symbolic link loop back to {}; not followed",
                        shown(a)
                    ),
                    // A link whose target is missing: say so, since `ls` lists the link.
                    None => match e.path().and_then(|p| std::fs::read_link(p).ok()) {
                        Some(target)
                            if e.io_error().map(std::io::Error::kind)
                                == Some(std::io::ErrorKind::NotFound) =>
                        {
                            format!(
                                "{path}: symbolic link to {}, which does not exist; not read",
                                target.display()
                            )
                        }
                        _ => format!(
                            "{path}: cannot read: {}",
                            e.io_error()
                                .map_or_else(|| e.to_string(), |io| io.to_string())
                        ),
                    },
                };
                inv.coverage.push(Coverage::failed(&path, "error", why));
            }
        }
    }
    // Files are read in parallel, each into its own inventory, and merged in path order, so
    // the result does not depend on the schedule.
    use rayon::prelude::*;
    let read: Vec<Inventory> = files
        .par_iter()
        // Each file a task of its own, so a core done with its share takes the next file.
        .with_max_len(1)
        .map(|f| {
            let mut own = Inventory::default();
            add_file(&mut own, f);
            own
        })
        .collect();
    // Room for every object at once: a list grown by doubling would leave its earlier
    // copies (tens of megabytes on 100,000 objects) with the allocator.
    inv.objects
        .reserve_exact(read.iter().map(|one| one.objects.len()).sum());
    for mut one in read {
        inv.objects.append(&mut one.objects);
        inv.coverage.append(&mut one.coverage);
    }
}

/// A warning for each object written twice (same API group, kind, namespace and name): the
/// cluster holds one of them, whichever was applied last, while both are judged as written.
fn warn_on_duplicates(inv: &mut Inventory) {
    let mut first: foldhash::HashMap<(&str, &str, Option<&str>, &str), usize> =
        foldhash::HashMap::default();
    let mut warnings = Vec::new();
    let mut more = 0usize;
    let mut first_unnamed: Option<(String, String)> = None;
    for (i, o) in inv.objects.iter().enumerate() {
        let group = o.api_version.rsplit_once('/').map_or("", |(g, _)| g);
        let key = (
            group,
            o.kind.as_str(),
            o.namespace.as_deref(),
            o.name.as_str(),
        );
        // `generateName` (no `metadata.name`): each create makes a new object.
        let named = o
            .value
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Doc::as_str)
            .is_some_and(|n| !n.is_empty());
        if !named {
            continue;
        }
        if let Some(&j) = first.get(&key) {
            let earlier = &inv.objects[j];
            // The same file named twice is one object read twice, not two.
            if earlier.origin == o.origin {
                continue;
            }
            more += 1;
            let file = match &o.origin {
                Origin::File { path, .. } => path.clone(),
                other => other.describe(),
            };
            if more > DUPLICATES_NAMED {
                first_unnamed.get_or_insert((file, o.origin.describe()));
                continue;
            }
            warnings.push(Coverage::failed(
                file,
                "warning",
                format!(
                    "{} {} is written twice, at {} and at {}: applied to one cluster, it keeps one of them (the last applied), while both are judged as written",
                    o.kind,
                    match o.namespace.as_deref() {
                        Some(ns) if ns != crate::inventory::UNSET_NAMESPACE => format!("{ns}/{}", o.name),
                        _ => o.name.clone(),
                    },
                    earlier.origin.describe(),
                    o.origin.describe()
                ),
            ));
        } else {
            first.insert(key, i);
        }
    }
    if let Some((file, at)) = first_unnamed {
        warnings.push(Coverage::failed(
            file,
            "warning",
            format!(
                "{} more objects are written twice, the first at {at} (folders for several clusters or environments?); scan each folder on its own to judge what one cluster holds",
                more - DUPLICATES_NAMED
            ),
        ));
    }
    inv.coverage.append(&mut warnings);
}

/// How many objects written twice [`warn_on_duplicates`] names one by one.
const DUPLICATES_NAMED: usize = 20;

/// A path as shown in coverage and messages: control characters escaped.
fn shown(p: &Path) -> String {
    crate::quote::escape_controls(&p.display().to_string()).into_owned()
}

fn has_manifest_ext(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

fn add_file(inv: &mut Inventory, path: &Path) {
    let shown = shown(path);
    match open_input(path) {
        Err(e) => inv
            .coverage
            .push(Coverage::failed(&shown, "error", format!("{shown}: {e}"))),
        Ok((reader, size)) => add_reader(inv, &shown, reader, size),
    }
}

/// Reads a stream of at most the input cap (the reader stops one byte past it). The text is
/// read whole first, so that its documents can take the fast reader of [`yaml::read_text`]
/// (bytes that are not UTF-8 read as U+FFFD, as kubectl reads them); input that is binary
/// or over the cap goes through the streaming reader, which says what is wrong with it.
/// `size_hint` is the buffer to start with (0 when unknown).
fn add_reader(inv: &mut Inventory, file: &str, mut reader: impl Read, size_hint: usize) {
    let cap = max_input_bytes();
    let mut bytes = Vec::with_capacity(size_hint);
    let complete = (&mut reader)
        .take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .is_ok();
    if complete && bytes.len() as u64 <= cap && !bytes.contains(&0) {
        // Bytes that are not UTF-8 in otherwise textual input (a Latin-1 `é` in a comment)
        // are read as U+FFFD, as kubectl's reader does, rather than losing the file.
        let text = String::from_utf8_lossy(&bytes);
        let origin = |line| Origin::File {
            path: file.to_string(),
            line,
        };
        let result = add_stream(inv, &text, &origin);
        record(inv, file, result);
        return;
    }
    add_reader_streaming(inv, file, std::io::Cursor::new(bytes).chain(reader));
}

/// [`add_reader`] for input the text path cannot take: read as a stream, with what is wrong
/// with it (binary, too large, not UTF-8) in the coverage entry.
fn add_reader_streaming(inv: &mut Inventory, file: &str, reader: impl Read) {
    let mut sniff = Sniff {
        inner: reader,
        read: 0,
        binary: false,
    };
    let origin = |line| Origin::File {
        path: file.to_string(),
        line,
    };
    let mut result = add_items(inv, &origin, |each| {
        yaml::read_stream(&mut sniff, input_cap(), each)
    });
    if sniff.binary {
        result.2 = Some("not UTF-8 text (binary, UTF-16 or another encoding); manifests must be YAML or JSON in UTF-8".into());
    } else if sniff.read > max_input_bytes() {
        result.2 = Some(format!(
            "larger than the {} MiB input limit; raise it with --max-input-size if this file is really that large",
            max_input_bytes() >> 20
        ));
    }
    record(inv, file, result);
}

/// Counts what passes and spots NUL bytes (binary or UTF-16) early.
struct Sniff<R> {
    inner: R,
    read: u64,
    binary: bool,
}

impl<R: Read> Read for Sniff<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if self.read < 8192 && buf[..n].contains(&0) {
            self.binary = true;
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "NUL byte",
            ));
        }
        self.read += n as u64;
        Ok(n)
    }
}

type StreamResult = (usize, Vec<(u32, String)>, Option<String>);

fn record(inv: &mut Inventory, file: &str, (count, skipped, error): StreamResult) {
    if let Some(e) = error {
        inv.coverage.push(Coverage {
            source: file.to_string(),
            status: "error".into(),
            items: count,
            error: Some(format!("{file}:{e}")),
        });
        for (line, why) in skipped {
            inv.coverage.push(Coverage::failed(
                format!("{file}:{line}"),
                "invalid",
                format!("{file}:{line}: {why}"),
            ));
        }
        return;
    }
    // A document that is not a judgeable object is input lost: `invalid`, so the exit code
    // says the scan is incomplete (3).
    if count == 0 && !skipped.is_empty() {
        inv.coverage.push(Coverage {
            source: file.to_string(),
            status: "invalid".into(),
            items: 0,
            error: Some(
                skipped
                    .iter()
                    .take(20)
                    .map(|(line, why)| format!("{file}:{line}: {why}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        });
        return;
    }
    // A file whose every document was skipped (a component's configuration file) is said
    // once, as skipped, not also as read with nothing in it.
    let only_skipped = count == 0
        && inv
            .coverage
            .iter()
            .rev()
            .take_while(|c| {
                c.source
                    .strip_prefix(file)
                    .is_some_and(|rest| rest.starts_with(':'))
            })
            .any(|c| c.status == "skipped");
    if !only_skipped {
        inv.coverage.push(Coverage::ok(file, count));
    }
    for (line, why) in skipped {
        inv.coverage.push(Coverage {
            source: format!("{file}:{line}"),
            status: "invalid".into(),
            items: 0,
            error: Some(format!("{file}:{line}: {why}")),
        });
    }
}

/// Adds every object of a YAML/JSON stream read from `file`.
pub fn add_text(inv: &mut Inventory, file: &str, text: &str) {
    let origin = |line| Origin::File {
        path: file.to_string(),
        line,
    };
    let result = add_stream(inv, text, &origin);
    record(inv, file, result);
}

/// Parses a stream and adds its objects; returns (objects added, skipped documents with
/// their reasons, parse error).
pub fn add_stream(
    inv: &mut Inventory,
    text: &str,
    origin: &dyn Fn(u32) -> Origin,
) -> (usize, Vec<(u32, String)>, Option<String>) {
    let (count, skipped, error) =
        add_items(inv, origin, |each| yaml::read_text(text, input_cap(), each));
    let error = error.map(|e| {
        if text.contains("{{") {
            format!("{e} (this looks like a template: render it first, e.g. with `helm template`)")
        } else {
            e
        }
    });
    (count, skipped, error)
}

/// The input cap in bytes, for the YAML readers.
fn input_cap() -> usize {
    usize::try_from(max_input_bytes()).unwrap_or(usize::MAX)
}

/// API groups of component configuration files (kubelet, kube-proxy, scheduler, API server
/// admission and encryption, audit policy, kubeadm, kind): documents of these groups are
/// configuration, not objects of the cluster.
const CONFIGURATION_GROUPS: &[&str] = &[
    "apiserver.config.k8s.io",
    "apiserver.k8s.io",
    "audit.k8s.io",
    "kubelet.config.k8s.io",
    "kubeproxy.config.k8s.io",
    "kubescheduler.config.k8s.io",
    "kubecontrollermanager.config.k8s.io",
    "kubeadm.k8s.io",
    "kind.x-k8s.io",
    "pod-security.admission.config.k8s.io",
    "eventratelimit.admission.k8s.io",
];

/// Whether `apiVersion` (`group/version`) is one of [`CONFIGURATION_GROUPS`].
fn is_configuration_file(api_version: &str) -> bool {
    api_version
        .split_once('/')
        .is_some_and(|(group, _)| CONFIGURATION_GROUPS.contains(&group))
}

/// The names kustomize reads a kustomization from (in a folder it is pointed at).
const KUSTOMIZATION_FILES: &[&str] = &["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Whether a document is a kustomization: of `kustomize.config.k8s.io`, a `Kustomization`
/// with no `apiVersion`, or without a kind (kustomize allows leaving both out) in a file
/// named as kustomize reads one. A kind-less document elsewhere (a Helm chart's
/// `values.yaml`, whose `resources:` is common) is not. `file` is asked for only then (it
/// costs the path's copy, for every document otherwise).
fn is_kustomization(doc: &Doc, api_version: &str, file: impl FnOnce() -> String) -> bool {
    if api_version.starts_with("kustomize.config.k8s.io/") {
        return true;
    }
    match doc.get("kind") {
        Some(kind) => {
            api_version.is_empty() && matches!(kind.as_str(), Some("Kustomization" | "Component"))
        }
        None => {
            let file = file();
            let name = Path::new(&file).file_name().and_then(|n| n.to_str());
            name.is_some_and(|n| KUSTOMIZATION_FILES.contains(&n))
        }
    }
}

/// Adds the objects `read` hands over (a YAML reader given the callback).
fn add_items(
    inv: &mut Inventory,
    origin: &dyn Fn(u32) -> Origin,
    read: impl FnOnce(&mut dyn FnMut(StreamItem)),
) -> StreamResult {
    let mut count = 0;
    let mut skipped = Vec::new();
    let mut error = None;
    read(&mut |item| match item {
        StreamItem::Object(o) => {
            let kind = o.value.get("kind").and_then(Doc::as_str).unwrap_or("");
            let api_version = o
                .value
                .get("apiVersion")
                .and_then(Doc::as_str)
                .unwrap_or("");
            // A kustomization is applied as what it builds (patched, generated, renamed
            // objects), not as the files it names: the files as written prove nothing.
            if is_kustomization(&o.value, api_version, || match origin(o.line) {
                Origin::File { path, .. } => path,
                _ => String::new(),
            }) {
                if error.is_none() {
                    error = Some(format!(
                        "{}: a kustomization: kubectl applies what it builds (patches, generated and renamed objects), not the files as written; render it (`kubectl kustomize DIR > rendered.yaml`) and scan the output",
                        o.line
                    ));
                }
                return;
            }
            // A component's configuration file (kubectl reads it, the API server serves no
            // such object): not input lost, not judged here.
            if is_configuration_file(api_version) {
                let source = origin(o.line).describe();
                let why = format!(
                    "{source}: {} ({api_version}) is a component configuration file, not an API object; not judged here (kubeattest node reads the files the components are started with)",
                    crate::quote::quote(kind)
                );
                inv.coverage.push(Coverage::failed(source, "skipped", why));
                return;
            }
            // The built-in kind's shape only: a same-named resource of another group (a
            // Calico NetworkPolicy) has its own.
            let refused = match crate::collect::cluster::resources::served_kind(kind, api_version) {
                Err(why) => Some((o.line, why)),
                // A manifest is yet to be applied: what admission refuses counts too (a live
                // cluster's or snapshot's objects are stored already).
                Ok(evaluated) => shape::problem(&evaluated, &o.value)
                    .or_else(|| shape::pod_security_labels_problem(&evaluated, &o.value))
                    .map(|p| (shape::line(&p, &o.lines).unwrap_or(o.line), p.message)),
            };
            if let Some((line, why)) = refused {
                let name = o
                    .value
                    .pointer("/metadata/name")
                    .and_then(Doc::as_str)
                    .unwrap_or("(no name)");
                skipped.push((
                    line,
                    format!(
                        "{} {}: {}; the object is not judged (fix the manifest: the API server would reject it)",
                        crate::quote::quote(kind),
                        crate::quote::quote(name),
                        why
                    ),
                ));
                return;
            }
            // A removed API version: judged for what it holds, and the author told.
            if let Some(why) = crate::collect::cluster::resources::removed_api(kind, api_version) {
                let source = origin(o.line).describe();
                let name = o
                    .value
                    .pointer("/metadata/name")
                    .and_then(Doc::as_str)
                    .unwrap_or("(no name)");
                let why = format!(
                    "{source}: {kind} {}: {why}; judged as written",
                    crate::quote::quote(name)
                );
                inv.coverage.push(Coverage::failed(source, "warning", why));
            }
            match Object::from_doc(o.value, origin(o.line), o.lines) {
                Ok(obj) => {
                    // A selector key kubectl refuses (strict field validation) and drops when
                    // forced: the network checks do not count the policy, and say so.
                    if obj.kind == "NetworkPolicy" {
                        if let Some(m) = crate::checks::network::unknown_key(&obj.value) {
                            let source = crate::checks::evidence::source(&obj, &m.path);
                            let why = format!(
                                "{source}: NetworkPolicy {}: {}; the network checks do not count it",
                                crate::quote::quote(&obj.name),
                                m.words()
                            );
                            inv.coverage.push(Coverage::failed(source, "warning", why));
                        }
                    }
                    inv.objects.push(obj);
                    count += 1;
                }
                Err(why) => skipped.push((o.line, crate::quote::quote(&why))),
            }
        }
        StreamItem::TooLarge { line } => skipped.push((
            line,
            format!(
                "object has more than {} YAML nodes; skipped (the rest of the file is read)",
                yaml::MAX_NODES_PER_OBJECT
            ),
        )),
        StreamItem::Warning(e) => {
            let source = origin(e.line).describe();
            let why = format!("{source}: {}", crate::quote::quote(&e.message));
            inv.coverage.push(Coverage::failed(source, "warning", why));
        }
        StreamItem::Error(e) => {
            if error.is_none() {
                error = Some(format!(
                    "{}: invalid YAML/JSON: {}",
                    e.line,
                    crate::quote::quote(&e.message)
                ));
            }
        }
    });
    (count, skipped, error)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A component configuration file among manifests (a kind cluster, an admission
    /// configuration) is skipped with its reason, not refused as a broken object.
    #[test]
    fn configuration_files_are_skipped_not_refused() {
        let mut inv = Inventory::default();
        let text = "apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins: []\n---\nkind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes: []\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c}]}\n";
        add_text(&mut inv, "x.yaml", text);
        assert_eq!(inv.objects.len(), 1);
        let skipped: Vec<_> = inv
            .coverage
            .iter()
            .filter(|c| c.status == "skipped")
            .collect();
        assert_eq!(skipped.len(), 2, "{:?}", inv.coverage);
        // Read with one object: the file is also `ok`, once.
        assert_eq!(
            inv.coverage.iter().filter(|c| c.status == "ok").count(),
            1,
            "{:?}",
            inv.coverage
        );
        let mut only = Inventory::default();
        add_text(
            &mut only,
            "audit.yaml",
            "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: Metadata}]\n",
        );
        assert_eq!(
            only.coverage
                .iter()
                .map(|c| c.status.as_str())
                .collect::<Vec<_>>(),
            ["skipped"],
            "a skipped file is not also read"
        );
        assert!(skipped[0].source.ends_with("x.yaml:1"), "{:?}", skipped[0]);
        assert!(
            inv.coverage.iter().all(|c| !c.is_failure()),
            "{:?}",
            inv.coverage
        );
    }

    /// A kustomization (with or without its kind) is not judged as written: the file is an
    /// error that says to render it, so no check passes on the unpatched files.
    #[test]
    fn kustomizations_are_errors_that_say_render_first() {
        for (file, text) in [
            ("base/k.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nmetadata: {name: k}\nresources: [pod.yaml]\n"),
            ("base/kustomization.yaml", "resources:\n- pod.yaml\npatches:\n- path: privileged.yaml\n"),
            ("base/k.yml", "kind: Kustomization\nresources: [pod.yaml]\n"),
        ] {
            let mut inv = Inventory::default();
            add_text(&mut inv, file, text);
            assert!(inv.objects.is_empty());
            let unread: Vec<_> = inv.coverage.iter().filter(|c| c.is_unread_file()).collect();
            assert_eq!(unread.len(), 1, "{:?}", inv.coverage);
            assert!(
                unread[0]
                    .error
                    .as_deref()
                    .is_some_and(|e| e.contains("kubectl kustomize")),
                "{:?}",
                unread[0]
            );
        }
        // A Helm chart's values (no kind, a `resources:` of its own) is not one.
        let mut inv = Inventory::default();
        add_text(
            &mut inv,
            "chart/values.yaml",
            "resources:\n  limits: {cpu: 1}\n",
        );
        assert!(
            inv.coverage.iter().all(|c| !c.is_unread_file()),
            "{:?}",
            inv.coverage
        );
    }

    #[test]
    fn lists_are_expanded_and_lines_kept() {
        let mut inv = Inventory::default();
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n  spec: {containers: [{name: c}]}\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: b}\n  spec: {containers: [{name: c}]}\n";
        add_text(&mut inv, "x.yaml", text);
        assert_eq!(inv.objects.len(), 2);
        assert_eq!(
            inv.objects[1].origin,
            Origin::File {
                path: "x.yaml".into(),
                line: 8
            }
        );
    }

    #[test]
    fn bad_documents_are_reported_not_fatal() {
        let mut inv = Inventory::default();
        add_text(&mut inv, "v.yaml", "replicaCount: 3\n");
        add_text(&mut inv, "b.yaml", "a: [\n");
        assert_eq!(inv.coverage[0].status, "invalid");
        assert!(inv.coverage[0]
            .error
            .as_deref()
            .unwrap()
            .starts_with("v.yaml:1:"));
        assert_eq!(inv.coverage[1].status, "error");
        assert!(inv.coverage[1]
            .error
            .as_deref()
            .unwrap()
            .starts_with("b.yaml:"));
    }
}
