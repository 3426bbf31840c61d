//! Vulnerability evidence from other scanners: Trivy and Grype JSON reports read into one
//! model of "image X, scanned at T, has these vulnerabilities", matched to workload images
//! by digest or by normalised reference. kubeattest keeps no vulnerability database: the
//! verdicts (`checks::vulnerability`) rest only on what these files say.
//!
//! Shapes read (the documented JSON of each tool; the fixtures in
//! `tests/fixtures/vulnerabilities/` follow them):
//! - Trivy image report (`trivy image -f json`, `SchemaVersion: 2`): `ArtifactName`,
//!   `CreatedAt`, `Metadata.{ImageID,RepoTags,RepoDigests}`,
//!   `Results[].Vulnerabilities[].{VulnerabilityID,Severity,FixedVersion}`.
//! - Trivy Kubernetes report (`trivy k8s --format json`): `Resources[]` (older releases:
//!   `Vulnerabilities[]`) of `{Namespace, Kind, Name, Metadata[], Results[]}`, the image
//!   named by each result's `Target` (`image:tag (os version)`) or the metadata's tags and
//!   digests; `CreatedAt` when present.
//! - Grype (`grype -o json`): `matches[].vulnerability.{id,severity,fix.{state,versions}}`,
//!   `source.target.{userInput,tags,repoDigests,manifestDigest,imageID}`,
//!   `descriptor.timestamp`.
//!
//! A file that is none of these, or not JSON, is a coverage error naming the file (and the
//! line and column serde reports); the other files are still read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::checks::images::parse_image;
use crate::inventory::Coverage;

/// One vulnerability of a scanned image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vulnerability {
    /// `CVE-2024-1234`, `GHSA-…`.
    pub id: String,
    /// Upper-case severity as the scanner gave it (`CRITICAL`, `HIGH`, …).
    pub severity: String,
    /// Whether the scanner names a fixed version.
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
    /// Its vulnerabilities, one per id (the most severe and fixable entry wins).
    pub vulnerabilities: Vec<Vulnerability>,
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

/// A workload image normalised for matching: `registry/repository:tag`, Docker Hub's
/// `library/` and `latest` filled in as runtimes do, and its digest if pinned.
pub fn normalise(image: &str) -> (String, Option<String>) {
    let r = parse_image(image.trim());
    let tag = r.tag.unwrap_or_else(|| "latest".into());
    (format!("{}/{}:{tag}", r.registry, r.repository), r.digest)
}

impl Evidence {
    /// The scan of a workload image: by digest when the image is pinned (a scan of the same
    /// tag with other digests is of other content and does not match), else by reference;
    /// the newest when several match.
    pub fn find(&self, image: &str) -> Option<&ImageScan> {
        let (reference, digest) = normalise(image);
        let matches = |s: &&ImageScan| match &digest {
            Some(d) => {
                s.digests.contains(d) || (s.digests.is_empty() && s.references.contains(&reference))
            }
            None => s.references.contains(&reference),
        };
        self.scans
            .iter()
            .filter(matches)
            .max_by(|a, b| a.scanned_at.cmp(&b.scanned_at))
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

/// Keeps one entry per id: the most severe, fixable if any entry is.
fn dedup(mut vulns: Vec<Vulnerability>) -> Vec<Vulnerability> {
    let mut by_id: BTreeMap<String, Vulnerability> = BTreeMap::new();
    for v in vulns.drain(..) {
        match by_id.get_mut(&v.id) {
            Some(e) => {
                if severity_rank(&v.severity) > severity_rank(&e.severity) {
                    e.severity = v.severity.clone();
                }
                e.fixable |= v.fixable;
            }
            None => {
                by_id.insert(v.id.clone(), v);
            }
        }
    }
    by_id.into_values().collect()
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

/// A scan of `image`, known also by `names` (tags) and `digests`. The image as the scanner
/// named it is one of them: a digest reference names content, not a tag.
fn scan(
    file: &str,
    scanner: &'static str,
    image: String,
    mut names: Vec<String>,
    mut digests: Vec<String>,
    scanned_at: Option<DateTime<Utc>>,
    vulnerabilities: Vec<Vulnerability>,
) -> ImageScan {
    if image.contains('@') {
        digests.push(image.clone());
    } else {
        names.push(image.clone());
    }
    let mut references: Vec<String> = names
        .iter()
        .filter(|n| !n.is_empty())
        .map(|n| normalise(n).0)
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
        vulnerabilities,
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
        trivy_vulns(v.get("Results")),
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
            out.push(scan(
                file,
                "trivy",
                image,
                names,
                digests,
                created,
                trivy_vulns(Some(&Value::Array(results))),
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
    let (reference, digest) = normalise(image);
    let repository = |r: &str| -> String {
        let n = normalise(r).0;
        n.rsplit_once(':')
            .map(|(repo, _)| repo.to_string())
            .unwrap_or(n)
    };
    let wanted = repository(image);
    let describes = |m: &Value| {
        let tags = strings(m.get("RepoTags"));
        let digests = strings(m.get("RepoDigests"));
        match &digest {
            Some(d) => digests.iter().any(|r| digest_of(r).as_ref() == Some(d)),
            None => {
                tags.iter().any(|t| normalise(t).0 == reference)
                    || digests.iter().any(|r| repository(r) == wanted)
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
    for m in v
        .get("matches")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
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
            severity: vuln
                .get("severity")
                .and_then(Value::as_str)
                .unwrap_or("Unknown")
                .to_ascii_uppercase(),
            fixable: fixed,
        });
    }
    Ok(scan(
        file,
        "grype",
        image,
        names,
        digests,
        time(v.pointer("/descriptor/timestamp")),
        dedup(vulns),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_as_runtimes_do() {
        assert_eq!(normalise("nginx").0, "docker.io/library/nginx:latest");
        assert_eq!(normalise("nginx:1.27").0, "docker.io/library/nginx:1.27");
        assert_eq!(
            normalise("index.docker.io/library/nginx:1.27").0,
            "docker.io/library/nginx:1.27"
        );
        assert_eq!(normalise("bitnami/redis:7").0, "docker.io/bitnami/redis:7");
        let (r, d) = normalise("ghcr.io/a/b@sha256:abc");
        assert_eq!(
            (r.as_str(), d.as_deref()),
            ("ghcr.io/a/b:latest", Some("sha256:abc"))
        );
    }

    #[test]
    fn trivy_k8s_pairs_metadata_by_image_not_by_position() {
        let resource = serde_json::json!({
            "Namespace": "web", "Kind": "Deployment", "Name": "shop",
            "Metadata": [
                {"RepoTags": ["docker.io/library/redis:7"], "RepoDigests": ["redis@sha256:bbb"]},
                {"RepoTags": [], "RepoDigests": ["ghcr.io/acme/api@sha256:aaa"]}
            ],
            "Results": [
                {"Target": "ghcr.io/acme/api@sha256:aaa (alpine 3.20.3)", "Class": "os-pkgs"},
                {"Target": "redis:7 (debian 12.7)", "Class": "os-pkgs"},
                {"Target": "nginx:1.27 (debian 12.7)", "Class": "os-pkgs"}
            ]
        });
        let scans = trivy_k8s("k.json", &[resource], None);
        let of = |image: &str| scans.iter().find(|s| s.image == image).expect("scanned");
        let api = of("ghcr.io/acme/api@sha256:aaa");
        assert_eq!(api.digests, ["sha256:aaa"]);
        assert!(
            api.references.is_empty(),
            "a digest target is no `:latest` tag"
        );
        let redis = of("redis:7");
        assert_eq!(redis.digests, ["sha256:bbb"]);
        assert_eq!(redis.references, ["docker.io/library/redis:7"]);
        // No entry describes nginx: it keeps only what its target says.
        let nginx = of("nginx:1.27");
        assert!(nginx.digests.is_empty());
        assert_eq!(nginx.references, ["docker.io/library/nginx:1.27"]);
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
