//! Vulnerability evidence from other scanners: Trivy and Grype JSON reports read into one
//! model of "image X, scanned at T, has these vulnerabilities", matched to workload images
//! by digest (a pinned image: only a scan that records that digest) or by normalised reference.
//! kubeattest keeps no vulnerability database: the verdicts (`checks::vulnerability`) rest only
//! on what these files say. Vulnerabilities are kept per package: the same id in two packages
//! is two entries, each with its own severity and fix.
//!
//! Shapes read (the documented JSON of each tool; the fixtures in
//! `tests/fixtures/vulnerabilities/` follow them):
//! - Trivy image report (`trivy image -f json`, `SchemaVersion: 2`): `ArtifactName`,
//!   `CreatedAt`, `Metadata.{ImageID,RepoTags,RepoDigests}`,
//!   `Results[].{Class,Vulnerabilities[].{VulnerabilityID,PkgName,Severity,FixedVersion}}`;
//!   only `os-pkgs` and `lang-pkgs` results come from the vulnerability scanner (`secret`,
//!   `config`, `license` results do not), so a report without them looked for none.
//! - Trivy Kubernetes report (`trivy k8s --format json`): `Resources[]` (older releases:
//!   `Vulnerabilities[]`) of `{Namespace, Kind, Name, Metadata[], Results[]}`, the image
//!   named by each result's `Target` (`image:tag (os version)`) or the metadata's tags and
//!   digests; `CreatedAt` when present.
//! - Grype (`grype -o json`): `matches[].{vulnerability.{id,severity,fix.{state,versions}},
//!   artifact.name}` (`matches` is a vulnerability scan even when empty),
//!   `source.target.{userInput,tags,repoDigests,manifestDigest,imageID}`,
//!   `descriptor.timestamp`.
//!
//! A file that is none of these, or not JSON, is a coverage error naming the file (and the
//! line and column serde reports); the other files are still read.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::checks::images::{parse_image, ImageRef, ImageRefError};
use crate::inventory::Coverage;

/// One vulnerability of one package of a scanned image.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Vulnerability {
    /// `CVE-2024-1234`, `GHSA-…`.
    pub id: String,
    /// The package it was found in (Trivy `PkgName`, Grype `artifact.name`; empty if none).
    pub package: String,
    /// Upper-case severity as the scanner gave it (`CRITICAL`, `HIGH`, …).
    pub severity: String,
    /// Whether the scanner names a fixed version of this package.
    pub fixable: bool,
}

/// What one scanner said about one image.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageScan {
    /// The file it was read from.
    pub file: String,
    /// `trivy` or `grype`.
    pub scanner: &'static str,
    /// The image as the scanner named it.
    pub image: String,
    /// Normalised references (`docker.io/library/nginx:1.27`) it is known by.
    pub references: Vec<String>,
    /// Manifest digests (`sha256:…`) it is known by.
    pub digests: Vec<String>,
    /// When the scan ran, by the scanner's own timestamp.
    pub scanned_at: Option<DateTime<Utc>>,
    /// When the vulnerability database the scan used was built, when the report says (Grype
    /// `descriptor.db.built`, or `descriptor.db.status.built` from its version 6 database).
    pub database_built: Option<DateTime<Utc>>,
    /// Its vulnerabilities, one per package, id, severity and fixability (identical entries,
    /// such as one package found at two paths, once).
    pub vulnerabilities: Vec<Vulnerability>,
    /// Whether the scan looked for vulnerabilities at all: a Trivy `os-pkgs` or `lang-pkgs`
    /// result (or, in reports from before Trivy named result classes, a result with a
    /// `Vulnerabilities` field), or a Grype `matches` list. A secret-only Trivy scan
    /// (`--scanners secret`) or one without results says nothing about vulnerabilities.
    pub vulnerability_results: bool,
}

/// Every scan given for a run, and how old a scan may be.
#[derive(Debug, Clone)]
pub struct Evidence {
    /// Scans read, in file order.
    pub scans: Vec<ImageScan>,
    /// Files given (read or not; those not read are coverage errors).
    pub files: usize,
    /// The oldest scan accepted (`--max-scan-age`).
    pub max_age: chrono::Duration,
    /// The time scan ages are measured at (the run's start).
    pub as_of: DateTime<Utc>,
}

impl Default for Evidence {
    fn default() -> Evidence {
        Evidence {
            scans: Vec::new(),
            files: 0,
            max_age: chrono::Duration::days(7),
            as_of: Utc::now(),
        }
    }
}

/// An image reference normalised for matching: `registry/repository:tag`, Docker Hub's
/// `library/` filled in and `latest` when it names neither tag nor digest (as the kubelet
/// does; a digest-only reference keeps no tag), and its digest if pinned.
pub fn normalise(image: &str) -> Result<(String, Option<String>), ImageRefError> {
    parse_image(image.trim()).map(|r| normalised(&r))
}

/// [`normalise`] of a reference already parsed.
fn normalised(r: &ImageRef) -> (String, Option<String>) {
    let name = format!("{}/{}", r.registry, r.repository);
    let reference = match (&r.tag, &r.digest) {
        (Some(tag), _) => format!("{name}:{tag}"),
        (None, Some(_)) => name,
        (None, None) => format!("{name}:latest"),
    };
    (reference, r.digest.clone())
}

/// `registry/repository` of a reference, without tag or digest.
fn repository_of(image: &str) -> Option<String> {
    parse_image(image.trim())
        .ok()
        .map(|r| format!("{}/{}", r.registry, r.repository))
}

impl Evidence {
    /// The scan of a workload image reference (`None` when it does not parse; see
    /// [`Evidence::find_ref`]).
    pub fn find(&self, image: &str) -> Option<&ImageScan> {
        parse_image(image.trim())
            .ok()
            .and_then(|r| self.find_ref(&r))
    }

    /// The scan of a parsed workload image: a pinned image only by its digest (a scan that
    /// records other digests, or none, may be of other content: a tag moves), else by
    /// normalised reference. When several match, one that looked for vulnerabilities wins,
    /// then the newest.
    pub fn find_ref(&self, image: &ImageRef) -> Option<&ImageScan> {
        let (reference, digest) = normalised(image);
        let matches = |s: &&ImageScan| match &digest {
            Some(d) => s.digests.contains(d),
            None => s.references.contains(&reference),
        };
        self.scans
            .iter()
            .filter(matches)
            .max_by_key(|s| (s.vulnerability_results, s.scanned_at))
    }
}

/// Parses `--max-scan-age`: `7d`, `36h`, `2w` (a bare number is days).
pub fn parse_age(text: &str) -> Result<chrono::Duration, String> {
    let t = text.trim();
    let bad = |why: &str| format!("invalid age `{text}`: {why} (use e.g. `7d`, `36h`, `2w`)");
    let (num, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (&t[..i], &t[i..]),
        None => (t, "d"),
    };
    let n: i64 = num.parse().map_err(|_| bad("expected a whole number"))?;
    if n <= 0 {
        return Err(bad("must be more than zero"));
    }
    if n > 3650 * 24 {
        return Err(bad("too large"));
    }
    match unit {
        "h" => Ok(chrono::Duration::hours(n)),
        "d" => Ok(chrono::Duration::days(n)),
        "w" => Ok(chrono::Duration::weeks(n)),
        _ => Err(bad("units are h, d, w")),
    }
}

/// Reads scan files; each gives a coverage entry (ok with its image count, or the error).
pub fn load(paths: &[PathBuf]) -> (Vec<ImageScan>, Vec<Coverage>) {
    let mut scans = Vec::new();
    let mut coverage = Vec::new();
    for path in paths {
        let name = path.display().to_string();
        let source = format!("vulnerabilities {name}");
        match read(path).and_then(|text| parse(&name, &text)) {
            Ok(mut found) => {
                coverage.push(Coverage::ok(source, found.len()));
                scans.append(&mut found);
            }
            Err(e) => coverage.push(Coverage::failed(source, "error", e)),
        }
    }
    (scans, coverage)
}

fn read(path: &Path) -> Result<String, String> {
    let limit = crate::collect::max_input_bytes();
    let meta = std::fs::metadata(path).map_err(|e| {
        format!(
            "{}: cannot read: {e}; check the path given to --vulnerabilities",
            path.display()
        )
    })?;
    if meta.len() > limit {
        return Err(format!(
            "{}: {} bytes is over the input limit of {limit} bytes; raise --max-input-size",
            path.display(),
            meta.len()
        ));
    }
    std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))
}

/// Parses one file's text (named `file` in evidence and errors).
pub fn parse(file: &str, text: &str) -> Result<Vec<ImageScan>, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| {
        format!(
            "{file}:{}:{}: not JSON: {e}; give Trivy (`-f json`) or Grype (`-o json`) output",
            e.line(),
            e.column()
        )
    })?;
    if v.get("matches").is_some() && v.get("source").is_some() {
        return grype(file, &v).map(|s| vec![s]);
    }
    let created = time(v.get("CreatedAt"));
    if let Some(resources) = v
        .get("Resources")
        .or_else(|| v.get("Vulnerabilities"))
        .and_then(Value::as_array)
    {
        return Ok(trivy_k8s(file, resources, created));
    }
    if v.get("SchemaVersion").is_some() && v.get("ArtifactName").is_some() {
        return Ok(vec![trivy_image(file, &v, created)]);
    }
    Err(format!(
        "{file}: neither a Trivy JSON report (SchemaVersion + ArtifactName, or Resources) nor a Grype JSON report (matches + source); give `trivy image -f json`, `trivy k8s --format json` or `grype -o json` output"
    ))
}

fn time(v: Option<&Value>) -> Option<DateTime<Utc>> {
    v.and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// `repo@sha256:…` → `sha256:…`.
fn digest_of(repo_digest: &str) -> Option<String> {
    repo_digest
        .rsplit_once('@')
        .map(|(_, d)| d.to_string())
        .or_else(|| {
            repo_digest
                .starts_with("sha256:")
                .then(|| repo_digest.to_string())
        })
}

/// Drops identical entries (the same package, id, severity and fix, found at two paths) and
/// orders the rest by id then package. Entries are never merged: a fix or severity of one
/// package says nothing of another.
fn dedup(mut vulns: Vec<Vulnerability>) -> Vec<Vulnerability> {
    vulns.sort();
    vulns.dedup();
    vulns
}

/// Higher is worse: CRITICAL 4, HIGH 3, MEDIUM 2, LOW 1, other 0.
pub fn severity_rank(s: &str) -> u8 {
    match s {
        "CRITICAL" => 4,
        "HIGH" => 3,
        "MEDIUM" => 2,
        "LOW" => 1,
        _ => 0,
    }
}

/// Whether a Trivy result comes from the vulnerability scanner: class `os-pkgs` or
/// `lang-pkgs`, or (before Trivy named classes) a `Vulnerabilities` field.
fn trivy_vulnerability_result(r: &Value) -> bool {
    match r.get("Class").and_then(Value::as_str) {
        Some(class) => matches!(class, "os-pkgs" | "lang-pkgs"),
        None => r.get("Vulnerabilities").is_some(),
    }
}

/// Whether any of Trivy's results comes from the vulnerability scanner.
fn trivy_looked(results: Option<&Value>) -> bool {
    results
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(trivy_vulnerability_result))
}

fn trivy_vulns(results: Option<&Value>) -> Vec<Vulnerability> {
    let mut out = Vec::new();
    for r in results.and_then(Value::as_array).into_iter().flatten() {
        for v in r
            .get("Vulnerabilities")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(id) = v.get("VulnerabilityID").and_then(Value::as_str) else {
                continue;
            };
            out.push(Vulnerability {
                id: id.to_string(),
                package: v
                    .get("PkgName")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                severity: v
                    .get("Severity")
                    .and_then(Value::as_str)
                    .unwrap_or("UNKNOWN")
                    .to_ascii_uppercase(),
                fixable: v
                    .get("FixedVersion")
                    .and_then(Value::as_str)
                    .is_some_and(|f| !f.trim().is_empty()),
            });
        }
    }
    dedup(out)
}

/// What a scan found: its vulnerabilities, and whether it looked for any.
struct Found {
    vulnerabilities: Vec<Vulnerability>,
    looked: bool,
}

/// A scan of `image`, known also by `names` (tags) and `digests`. The image as the scanner
/// named it is one of them: a digest reference names content, not a tag. Names that are not
/// image references are left out.
fn scan(
    file: &str,
    scanner: &'static str,
    image: String,
    mut names: Vec<String>,
    mut digests: Vec<String>,
    scanned_at: Option<DateTime<Utc>>,
    found: Found,
) -> ImageScan {
    if image.contains('@') {
        digests.push(image.clone());
    } else {
        names.push(image.clone());
    }
    let mut references: Vec<String> = names
        .iter()
        .filter(|n| !n.is_empty())
        .filter_map(|n| normalise(n).ok().map(|(r, _)| r))
        .collect();
    references.sort();
    references.dedup();
    let mut digests: Vec<String> = digests.iter().filter_map(|d| digest_of(d)).collect();
    digests.sort();
    digests.dedup();
    ImageScan {
        file: file.to_string(),
        scanner,
        image,
        references,
        digests,
        scanned_at,
        database_built: None,
        vulnerabilities: found.vulnerabilities,
        vulnerability_results: found.looked,
    }
}

fn trivy_image(file: &str, v: &Value, created: Option<DateTime<Utc>>) -> ImageScan {
    let name = v
        .get("ArtifactName")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let meta = v.get("Metadata");
    let names = strings(meta.and_then(|m| m.get("RepoTags")));
    let digests = strings(meta.and_then(|m| m.get("RepoDigests")));
    scan(
        file,
        "trivy",
        name,
        names,
        digests,
        created,
        Found {
            vulnerabilities: trivy_vulns(v.get("Results")),
            looked: trivy_looked(v.get("Results")),
        },
    )
}

/// `docker.io/library/nginx:1.27 (debian 12.7)` → `docker.io/library/nginx:1.27`.
fn target_image(target: &str) -> &str {
    target.split(" (").next().unwrap_or(target).trim()
}

fn trivy_k8s(file: &str, resources: &[Value], created: Option<DateTime<Utc>>) -> Vec<ImageScan> {
    let mut out = Vec::new();
    for res in resources {
        let metas: Vec<&Value> = res
            .get("Metadata")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        // One image per OS result (its Target names the image); a resource's language
        // results belong to the image listed before them.
        let mut images: Vec<(String, Vec<Value>)> = Vec::new();
        for r in res
            .get("Results")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let target = r.get("Target").and_then(Value::as_str).unwrap_or("");
            let is_os = r.get("Class").and_then(Value::as_str) == Some("os-pkgs");
            if is_os || images.is_empty() {
                images.push((target_image(target).to_string(), vec![r.clone()]));
            } else if let Some(last) = images.last_mut() {
                last.1.push(r.clone());
            }
        }
        let single = images.len() == 1 && metas.len() == 1;
        for (image, results) in images {
            let meta = metadata_of(&image, &metas, single);
            let names = strings(meta.and_then(|m| m.get("RepoTags")));
            let digests = strings(meta.and_then(|m| m.get("RepoDigests")));
            let results = Value::Array(results);
            out.push(scan(
                file,
                "trivy",
                image,
                names,
                digests,
                created,
                Found {
                    vulnerabilities: trivy_vulns(Some(&results)),
                    looked: trivy_looked(Some(&results)),
                },
            ));
        }
    }
    out
}

/// The entry of a Trivy Kubernetes resource's `Metadata[]` that describes `image`: the one
/// whose digests hold the image's digest (a pinned image), or whose tags or digests name the
/// image's repository. Trivy does not keep `Metadata[]` in the order of `Results[]`, so a
/// position says nothing; only a resource with one image and one entry pairs them unseen.
fn metadata_of<'v>(image: &str, metas: &[&'v Value], single: bool) -> Option<&'v Value> {
    let (reference, digest) = match normalise(image) {
        Ok((reference, digest)) => (Some(reference), digest),
        Err(_) => (None, None),
    };
    let wanted = repository_of(image);
    let describes = |m: &Value| {
        let tags = strings(m.get("RepoTags"));
        let digests = strings(m.get("RepoDigests"));
        match &digest {
            Some(d) => digests.iter().any(|r| digest_of(r).as_ref() == Some(d)),
            None => {
                tags.iter()
                    .any(|t| reference.is_some() && normalise(t).ok().map(|(r, _)| r) == reference)
                    || digests
                        .iter()
                        .any(|r| wanted.is_some() && repository_of(r) == wanted)
            }
        }
    };
    metas
        .iter()
        .copied()
        .find(|m| describes(m))
        .or_else(|| metas.first().copied().filter(|_| single))
}

fn grype(file: &str, v: &Value) -> Result<ImageScan, String> {
    let target = v.pointer("/source/target");
    let image = target
        .and_then(|t| t.get("userInput"))
        .and_then(Value::as_str)
        .ok_or_else(|| {
            format!("{file}: Grype report without `source.target.userInput`: scan an image (`grype IMAGE -o json`)")
        })?
        .to_string();
    let names = strings(target.and_then(|t| t.get("tags")));
    let mut digests = strings(target.and_then(|t| t.get("repoDigests")));
    if let Some(d) = target
        .and_then(|t| t.get("manifestDigest"))
        .and_then(Value::as_str)
    {
        digests.push(d.to_string());
    }
    let mut vulns = Vec::new();
    let matches = v.get("matches").and_then(Value::as_array);
    for m in matches.into_iter().flatten() {
        let Some(vuln) = m.get("vulnerability") else {
            continue;
        };
        let Some(id) = vuln.get("id").and_then(Value::as_str) else {
            continue;
        };
        let fix = vuln.get("fix");
        let fixed = fix.and_then(|f| f.get("state")).and_then(Value::as_str) == Some("fixed")
            || !strings(fix.and_then(|f| f.get("versions"))).is_empty();
        vulns.push(Vulnerability {
            id: id.to_string(),
            package: m
                .pointer("/artifact/name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            severity: vuln
                .get("severity")
                .and_then(Value::as_str)
                .unwrap_or("Unknown")
                .to_ascii_uppercase(),
            fixable: fixed,
        });
    }
    let mut out = scan(
        file,
        "grype",
        image,
        names,
        digests,
        time(v.pointer("/descriptor/timestamp")),
        Found {
            vulnerabilities: dedup(vulns),
            looked: matches.is_some(),
        },
    );
    out.database_built = time(v.pointer("/descriptor/db/built"))
        .or_else(|| time(v.pointer("/descriptor/db/status/built")));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_as_runtimes_do() {
        let n = |image: &str| normalise(image).expect("reference").0;
        assert_eq!(n("nginx"), "docker.io/library/nginx:latest");
        assert_eq!(n("nginx:1.27"), "docker.io/library/nginx:1.27");
        assert_eq!(
            n("index.docker.io/library/nginx:1.27"),
            "docker.io/library/nginx:1.27"
        );
        assert_eq!(n("bitnami/redis:7"), "docker.io/bitnami/redis:7");
        // A digest-only reference names content, not `latest`.
        let digest = format!("sha256:{}", "c".repeat(64));
        let (r, d) = normalise(&format!("ghcr.io/a/b@{digest}")).expect("reference");
        assert_eq!((r.as_str(), d), ("ghcr.io/a/b", Some(digest)));
        assert!(normalise("ghcr.io/a/b@sha256:abc").is_err());
        assert_eq!(
            repository_of("localhost:5000/app").as_deref(),
            Some("localhost:5000/app")
        );
    }

    #[test]
    fn trivy_k8s_pairs_metadata_by_image_not_by_position() {
        let a = format!("sha256:{}", "a".repeat(64));
        let b = format!("sha256:{}", "b".repeat(64));
        let api_image = format!("ghcr.io/acme/api@{a}");
        let resource = serde_json::json!({
            "Namespace": "web", "Kind": "Deployment", "Name": "shop",
            "Metadata": [
                {"RepoTags": ["docker.io/library/redis:7"], "RepoDigests": [format!("redis@{b}")]},
                {"RepoTags": [], "RepoDigests": [api_image.clone()]}
            ],
            "Results": [
                {"Target": format!("{api_image} (alpine 3.20.3)"), "Class": "os-pkgs"},
                {"Target": "redis:7 (debian 12.7)", "Class": "os-pkgs"},
                {"Target": "nginx:1.27 (debian 12.7)", "Class": "os-pkgs"}
            ]
        });
        let scans = trivy_k8s("k.json", &[resource], None);
        let of = |image: &str| scans.iter().find(|s| s.image == image).expect("scanned");
        let api = of(&api_image);
        assert_eq!(api.digests, [a]);
        assert!(
            api.references.is_empty(),
            "a digest target is no `:latest` tag"
        );
        let redis = of("redis:7");
        assert_eq!(redis.digests, [b]);
        assert_eq!(redis.references, ["docker.io/library/redis:7"]);
        // No entry describes nginx: it keeps only what its target says.
        let nginx = of("nginx:1.27");
        assert!(nginx.digests.is_empty());
        assert_eq!(nginx.references, ["docker.io/library/nginx:1.27"]);
        assert!(scans.iter().all(|s| s.vulnerability_results));
    }

    #[test]
    fn only_vulnerability_results_count_as_a_vulnerability_scan() {
        let report = |results: serde_json::Value| {
            let mut v = serde_json::json!({"SchemaVersion": 2, "ArtifactName": "app:1"});
            if !results.is_null() {
                v["Results"] = results;
            }
            parse("t.json", &v.to_string()).expect("trivy")[0].vulnerability_results
        };
        // A clean vulnerability scan still has its OS (or language) result.
        assert!(report(
            serde_json::json!([{"Target": "app:1 (alpine 3.20.3)", "Class": "os-pkgs", "Type": "alpine"}])
        ));
        assert!(report(
            serde_json::json!([{"Target": "app/go.mod", "Class": "lang-pkgs", "Type": "gomod"}])
        ));
        // Before Trivy named classes: a result with a Vulnerabilities field (even null).
        assert!(report(
            serde_json::json!([{"Target": "app:1 (alpine 3.7)", "Vulnerabilities": null}])
        ));
        // `--scanners secret` or `misconfig`, or nothing found at all: no vulnerability results.
        assert!(!report(
            serde_json::json!([{"Target": "/app/config.yaml", "Class": "secret", "Secrets": []}])
        ));
        assert!(!report(
            serde_json::json!([{"Target": "Dockerfile", "Class": "config"}])
        ));
        assert!(!report(serde_json::json!([])));
        assert!(!report(serde_json::Value::Null));
        // Grype's matches list is a vulnerability scan, even empty.
        let grype =
            serde_json::json!({"matches": [], "source": {"target": {"userInput": "app:1"}}});
        assert!(parse("g.json", &grype.to_string()).expect("grype")[0].vulnerability_results);
    }

    #[test]
    fn entries_are_kept_per_package() {
        let v = |package: &str, severity: &str, fixable| Vulnerability {
            id: "CVE-2023-0001".into(),
            package: package.into(),
            severity: severity.into(),
            fixable,
        };
        let kept = dedup(vec![
            v("libfoo", "LOW", true),
            v("foo", "CRITICAL", false),
            v("libfoo", "LOW", true),
        ]);
        assert_eq!(
            kept,
            [v("foo", "CRITICAL", false), v("libfoo", "LOW", true)]
        );
    }

    #[test]
    fn ages() {
        assert_eq!(parse_age("7d"), Ok(chrono::Duration::days(7)));
        assert_eq!(parse_age("36h"), Ok(chrono::Duration::hours(36)));
        assert_eq!(parse_age("2w"), Ok(chrono::Duration::days(14)));
        assert_eq!(parse_age("3"), Ok(chrono::Duration::days(3)));
        assert!(parse_age("0d").is_err());
        assert!(parse_age("7m").is_err());
        assert!(parse_age("").is_err());
    }

    #[test]
    fn parse_errors_name_file_and_line() {
        let e = parse("x.json", "{\n  \"a\": ,\n}").expect_err("bad");
        assert!(e.starts_with("x.json:2:"), "{e}");
        let e = parse("y.json", "{\"kind\": \"Pod\"}").expect_err("unknown shape");
        assert!(e.starts_with("y.json: neither"), "{e}");
    }
}
