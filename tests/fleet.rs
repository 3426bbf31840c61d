//! `kubeattest fleet`: one report over three clusters × three runs generated here (from
//! `scan --demo` and `scan --manifests`, re-dated and renamed through `render`), with a
//! tampered and a partial bundle that must be listed as rejected, never counted.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::{kubeattest, Dir};

const AS_OF: &str = "2026-06-30T12:00:00Z";

/// Writes one run of `cluster` under `root/<cluster>/<time>/` from a base report.json,
/// re-dated and with each framework's score shifted by `bump`; `coverage_failure` adds an
/// unreadable source.
fn run_from(
    t: &Dir,
    base: &Value,
    root: &Path,
    cluster: &str,
    day: &str,
    bump: f64,
    coverage_failure: bool,
) -> PathBuf {
    let mut r = base.clone();
    let id = format!("{cluster}-{day}");
    r["run"]["id"] = Value::from(id.clone());
    r["run"]["target"]["name"] = Value::from(cluster);
    r["run"]["started_at"] = Value::from(format!("{day}T06:00:00Z"));
    r["run"]["finished_at"] = Value::from(format!("{day}T06:01:00Z"));
    for fw in r["frameworks"].as_array_mut().expect("frameworks") {
        if let Some(s) = fw["summary"]["score"].as_f64() {
            fw["summary"]["score"] = Value::from(((s + bump).min(100.0) * 10.0).round() / 10.0);
        }
    }
    if coverage_failure {
        r["coverage"]
            .as_array_mut()
            .expect("coverage")
            .push(serde_json::json!({
                "source": "api /apis/networking.k8s.io/v1/networkpolicies",
                "status": "forbidden", "items": 0,
                "error": "403: the scanner's role cannot list networkpolicies"
            }));
    }
    let edited = t.path().join(format!("edited-{id}.json"));
    std::fs::write(&edited, serde_json::to_vec(&r).expect("json")).expect("write");
    let folder = format!("{}T060000Z", day.replace('-', ""));
    let dir = root.join(cluster.replace(['<', '>'], "_")).join(folder);
    kubeattest(
        t.path(),
        &[
            "render",
            edited.to_str().expect("utf-8"),
            "--format",
            "json",
            "--out",
            dir.to_str().expect("utf-8"),
        ],
    )
    .assert_code(0);
    std::fs::remove_file(&edited).expect("rm");
    dir
}

fn base_reports(t: &Dir) -> (Value, Value) {
    kubeattest(
        t.path(),
        &[
            "scan",
            "--demo",
            "--format",
            "json",
            "--out",
            "base-demo",
            "--quiet",
        ],
    )
    .assert_code(0);
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/checks");
    let manifests = [
        fixtures.join("privileged-container"),
        fixtures.join("host-network-namespace"),
    ];
    let mut args = vec!["scan", "--manifests"];
    args.extend(manifests.iter().map(|p| p.to_str().expect("utf-8")));
    args.extend(["--format", "json", "--out", "base-manifests", "--quiet"]);
    kubeattest(t.path(), &args).assert_code(0);
    let read = |d: &str| -> Value {
        serde_json::from_slice(&std::fs::read(t.path().join(d).join("report.json")).expect("read"))
            .expect("json")
    };
    (read("base-demo"), read("base-manifests"))
}

struct Fleet {
    t: Dir,
    root: PathBuf,
    tampered: PathBuf,
    partial: PathBuf,
}

/// alpha: demo, improving; beta<b>: demo, coverage failure on its newest run; gamma:
/// manifests, last run two weeks before AS_OF (stale). Plus one tampered and one partial run.
fn fleet_tree() -> Fleet {
    let t = Dir::new();
    let (demo, manifests) = base_reports(&t);
    let root = t.path().join("reports");
    for (i, day) in ["2026-06-27", "2026-06-28", "2026-06-29"]
        .iter()
        .enumerate()
    {
        run_from(&t, &demo, &root, "alpha", day, 2.0 * i as f64, false);
        run_from(&t, &demo, &root, "beta<b>", day, -(i as f64), i == 2);
    }
    for day in ["2026-06-10", "2026-06-12", "2026-06-14"] {
        run_from(&t, &manifests, &root, "gamma", day, 0.0, false);
    }
    let tampered = run_from(&t, &demo, &root, "delta", "2026-06-29", 0.0, false);
    let p = tampered.join("report.json");
    let text = std::fs::read_to_string(&p).expect("read");
    std::fs::write(&p, text.replacen("\"fail\"", "\"pass\"", 1)).expect("write");
    let partial = run_from(&t, &demo, &root, "delta", "2026-06-28", 0.0, false);
    std::fs::remove_file(partial.join("MANIFEST.json")).expect("rm");
    Fleet {
        t,
        root,
        tampered,
        partial,
    }
}

fn pdftotext(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) installed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn cluster<'a>(fleet: &'a Value, name: &str) -> &'a Value {
    fleet["clusters"]
        .as_array()
        .expect("clusters")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("cluster {name} in {fleet}"))
}

#[test]
fn three_clusters_three_runs_all_formats_and_rejected_bundles() {
    let f = fleet_tree();
    let out = f.t.path().join("fleet-out");
    let run = kubeattest(
        f.t.path(),
        &[
            "fleet",
            f.root.to_str().expect("utf-8"),
            "--out",
            out.to_str().expect("utf-8"),
            "--as-of",
            AS_OF,
        ],
    );
    // Written, but two folders were not counted: exit 3, each named on stderr.
    run.assert_code(3);
    assert!(run.stderr.contains("rejected"), "{}", run.stderr);

    let fleet: Value =
        serde_json::from_slice(&std::fs::read(out.join("fleet.json")).expect("fleet.json"))
            .expect("json");
    assert_eq!(fleet["kind"], "kubeattest-fleet");
    assert_eq!(fleet["totals"]["clusters"], 3, "{}", fleet["totals"]);
    assert_eq!(fleet["totals"]["runs"], 9);
    assert_eq!(fleet["totals"]["rejected"], 2);
    assert_eq!(fleet["totals"]["stale"], 1);
    assert_eq!(fleet["totals"]["coverage_incomplete"], 1);

    let alpha = cluster(&fleet, "alpha");
    assert_eq!(alpha["latest"]["id"], "alpha-2026-06-29");
    assert_eq!(alpha["runs"].as_array().expect("runs").len(), 3);
    assert_eq!(alpha["stale"], false);
    let cis = alpha["frameworks"]
        .as_array()
        .expect("frameworks")
        .iter()
        .find(|fw| fw["id"] == "cis-1.12")
        .expect("cis");
    assert_eq!(cis["delta"], 4.0, "{cis}");
    assert_eq!(cis["trend"], "up");
    let beta = cluster(&fleet, "beta<b>");
    assert_eq!(beta["coverage_failures"], 1);
    assert_eq!(beta["frameworks"][0]["trend"], "down");
    let gamma = cluster(&fleet, "gamma");
    assert_eq!(gamma["stale"], true);
    assert_eq!(gamma["latest"]["id"], "gamma-2026-06-14");

    // Worst items: most failing clusters first; the demo's failures fail on alpha and beta.
    let worst = fleet["worst_items"].as_array().expect("worst");
    assert!(!worst.is_empty());
    let counts: Vec<u64> = worst
        .iter()
        .map(|w| w["failing_clusters"].as_u64().expect("n"))
        .collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    assert!(counts[0] >= 2);

    // Rejected, with the reason; never counted.
    let rejected = fleet["rejected"].as_array().expect("rejected");
    let reason_of = |dir: &Path| -> String {
        rejected
            .iter()
            .find(|r| r["path"] == dir.display().to_string())
            .unwrap_or_else(|| panic!("{} not in {rejected:?}", dir.display()))["reason"]
            .as_str()
            .expect("reason")
            .to_string()
    };
    assert!(reason_of(&f.tampered).contains("report.json: changed"));
    assert!(reason_of(&f.partial).contains("MANIFEST.json"));
    assert!(fleet["clusters"]
        .as_array()
        .expect("clusters")
        .iter()
        .all(|c| c["name"] != "delta"));

    // CSV: one row per run and framework.
    let mut csv = csv::Reader::from_path(out.join("fleet.csv")).expect("csv");
    let headers = csv.headers().expect("headers").clone();
    assert_eq!(&headers[0], "cluster");
    let rows: Vec<csv::StringRecord> = csv.records().map(|r| r.expect("row")).collect();
    let frameworks = alpha["frameworks"].as_array().expect("fw").len();
    let gamma_frameworks = gamma["frameworks"].as_array().expect("fw").len();
    assert_eq!(rows.len(), 6 * frameworks + 3 * gamma_frameworks);
    assert!(rows.iter().any(|r| &r[0] == "alpha" && &r[3] == "true"));

    // HTML: escaped names, trend, rejected folders.
    let html = std::fs::read_to_string(out.join("fleet.html")).expect("html");
    assert!(html.contains("beta&lt;b&gt;"), "cluster names are escaped");
    assert!(!html.contains("beta<b>"));
    for s in [
        "alpha",
        "gamma",
        "Worst items across the fleet",
        "Rejected folders",
    ] {
        assert!(html.contains(s), "html lacks {s}");
    }
    assert!(html.contains("report.json: changed"));

    // PDF: the same sections, as text.
    let pdf = pdftotext(&out.join("fleet.pdf"));
    for s in [
        "Fleet compliance report",
        "alpha",
        "gamma",
        "Worst items across the fleet",
        "Trend per cluster",
        "Rejected folders",
        "stale after 7d",
        "coverage incomplete",
    ] {
        assert!(pdf.contains(s), "pdf lacks {s}:\n{pdf}");
    }

    // The fleet folder is itself a verifiable bundle.
    kubeattest(f.t.path(), &["verify", out.to_str().expect("utf-8")]).assert_code(0);

    // Same inputs, same time: same bytes (into the same --out, which it may replace).
    let first = std::fs::read(out.join("fleet.json")).expect("read");
    kubeattest(
        f.t.path(),
        &[
            "fleet",
            f.root.to_str().expect("utf-8"),
            "--out",
            out.to_str().expect("utf-8"),
            "--as-of",
            AS_OF,
            "--quiet",
        ],
    )
    .assert_code(3);
    assert_eq!(std::fs::read(out.join("fleet.json")).expect("read"), first);
}

#[test]
fn bundles_given_one_by_one_and_stale_threshold() {
    let t = Dir::new();
    let (demo, _) = base_reports(&t);
    let root = t.path().join("runs");
    let a = run_from(&t, &demo, &root, "one", "2026-06-01", 0.0, false);
    let b = run_from(&t, &demo, &root, "one", "2026-06-20", 1.0, false);
    // A copy of a run elsewhere is the same run: listed as a duplicate, not counted twice.
    let copy = t.path().join("copy");
    std::fs::create_dir_all(&copy).expect("mkdir");
    for entry in std::fs::read_dir(&b).expect("list") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), copy.join(entry.file_name())).expect("copy");
    }
    // Two clusters both named `kubernetes` (kubeadm's default) on different API servers.
    let site = |server: &str, day: &str| {
        let mut r = demo.clone();
        r["run"]["target"]["server"] = Value::from(server);
        run_from(
            &t,
            &r,
            &root.join(server.replace([':', '/'], "_")),
            "kubernetes",
            day,
            0.0,
            false,
        )
    };
    let k1 = site("https://10.0.0.1:6443", "2026-06-27");
    let k2 = site("https://10.0.0.2:6443", "2026-06-28");
    let out = t.path().join("f");
    let run = kubeattest(
        t.path(),
        &[
            "fleet",
            a.to_str().expect("utf-8"),
            b.to_str().expect("utf-8"),
            // The same folder twice, and again through its parent, is read once.
            b.to_str().expect("utf-8"),
            b.parent().expect("parent").to_str().expect("utf-8"),
            copy.to_str().expect("utf-8"),
            k1.to_str().expect("utf-8"),
            k2.to_str().expect("utf-8"),
            "--out",
            out.to_str().expect("utf-8"),
            "--as-of",
            AS_OF,
            "--stale-after",
            "5d",
            "--format",
            "json",
        ],
    );
    run.assert_code(3);
    let fleet: Value =
        serde_json::from_slice(&std::fs::read(out.join("fleet.json")).expect("read"))
            .expect("json");
    assert_eq!(fleet["totals"]["runs"], 4);
    assert_eq!(fleet["stale_after"], "5d");
    assert_eq!(cluster(&fleet, "one")["stale"], true);
    let rejected = fleet["rejected"].as_array().expect("rejected");
    assert_eq!(rejected.len(), 1, "{rejected:#?}");
    assert!(rejected[0]["reason"]
        .as_str()
        .expect("reason")
        .contains("duplicate"));
    assert!(rejected[0]["path"]
        .as_str()
        .expect("path")
        .ends_with("copy"));
    for server in ["https://10.0.0.1:6443", "https://10.0.0.2:6443"] {
        let c = cluster(&fleet, &format!("kubernetes ({server})"));
        assert_eq!(c["latest"]["server"], server);
        assert_eq!(c["runs"].as_array().expect("runs").len(), 1);
    }
    assert!(
        !out.join("fleet.pdf").exists(),
        "only the formats asked for"
    );
}

/// Two folders holding the same run id with different contents: one of them was altered (a
/// forged copy re-hashed into its MANIFEST.json verifies as intact when unsigned), so neither
/// is counted, whichever sorts first; a report.json whose run id is not its manifest's is
/// refused as altered.
#[test]
fn differing_copies_of_one_run_are_not_counted() {
    let t = Dir::new();
    let (demo, _) = base_reports(&t);
    let genuine = run_from(
        &t,
        &demo,
        &t.path().join("b"),
        "one",
        "2026-06-20",
        0.0,
        false,
    );
    let forged = run_from(
        &t,
        &demo,
        &t.path().join("a"),
        "one",
        "2026-06-20",
        30.0,
        false,
    );
    let other = run_from(
        &t,
        &demo,
        &t.path().join("c"),
        "two",
        "2026-06-20",
        0.0,
        false,
    );
    let out = t.path().join("f");
    let run = kubeattest(
        t.path(),
        &[
            "fleet",
            t.path().join("a").to_str().expect("utf-8"),
            t.path().join("b").to_str().expect("utf-8"),
            t.path().join("c").to_str().expect("utf-8"),
            "--out",
            out.to_str().expect("utf-8"),
            "--as-of",
            AS_OF,
            "--format",
            "json",
        ],
    );
    run.assert_code(3);
    let fleet: Value =
        serde_json::from_slice(&std::fs::read(out.join("fleet.json")).expect("read"))
            .expect("json");
    assert_eq!(fleet["totals"]["runs"], 1, "{fleet:#}");
    let rejected = fleet["rejected"].as_array().expect("rejected");
    let paths: Vec<&str> = rejected
        .iter()
        .map(|r| r["path"].as_str().expect("path"))
        .collect();
    assert_eq!(
        paths,
        [
            forged.to_str().expect("utf-8"),
            genuine.to_str().expect("utf-8")
        ]
    );
    assert!(rejected.iter().all(|r| r["reason"]
        .as_str()
        .expect("reason")
        .contains("conflicting copies")));
    assert!(cluster(&fleet, "two").is_object());

    // A manifest naming another run than its report.json.
    let manifest = other.join("MANIFEST.json");
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    std::fs::write(
        &manifest,
        text.replace("\"two-2026-06-20\"", "\"two-2026-06-21\""),
    )
    .expect("write");
    let run = kubeattest(
        t.path(),
        &[
            "fleet",
            other.to_str().expect("utf-8"),
            "--out",
            t.path().join("g").to_str().expect("utf-8"),
        ],
    );
    run.assert_code(2);
    assert!(
        run.stderr.contains("names run two-2026-06-21"),
        "{}",
        run.stderr
    );
}

#[test]
fn out_is_protected_like_scan() {
    let t = Dir::new();
    let (demo, _) = base_reports(&t);
    let root = t.path().join("runs");
    run_from(&t, &demo, &root, "one", "2026-06-01", 0.0, false);
    let root_s = root.to_str().expect("utf-8");
    // Inside an input: refused even with --force.
    let inside = root.join("fleet");
    let run = kubeattest(
        t.path(),
        &[
            "fleet",
            root_s,
            "--out",
            inside.to_str().expect("utf-8"),
            "--force",
        ],
    );
    run.assert_code(2);
    assert!(run.stderr.contains("overlaps the input"), "{}", run.stderr);
    // A folder that is not a report: refused, left alone.
    let notes = t.create("notes/keep.txt", "mine");
    let run = kubeattest(t.path(), &["fleet", root_s, "--out", "notes"]);
    run.assert_code(2);
    assert!(
        run.stderr.contains("not a kubeattest report"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_to_string(notes).expect("kept"), "mine");
    // Nothing usable: exit 2, nothing written.
    let empty = t.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    let run = kubeattest(
        t.path(),
        &["fleet", empty.to_str().expect("utf-8"), "--out", "f2"],
    );
    run.assert_code(2);
    assert!(!t.path().join("f2").exists());
}

#[test]
fn with_a_key_only_runs_signed_by_it_count() {
    let t = Dir::new();
    kubeattest(t.path(), &["keygen", "--out", "signer"]).assert_code(0);
    kubeattest(
        t.path(),
        &[
            "scan",
            "--demo",
            "--format",
            "json",
            "--sign",
            "signer",
            "--out",
            "runs/signed",
            "--quiet",
        ],
    )
    .assert_code(0);
    kubeattest(
        t.path(),
        &[
            "scan",
            "--demo",
            "--format",
            "json",
            "--out",
            "runs/unsigned",
            "--quiet",
        ],
    )
    .assert_code(0);
    let run = kubeattest(
        t.path(),
        &[
            "fleet",
            "runs",
            "--out",
            "f",
            "--key",
            "signer.pub",
            "--format",
            "json",
        ],
    );
    run.assert_code(3);
    let fleet: Value =
        serde_json::from_slice(&std::fs::read(t.path().join("f/fleet.json")).expect("read"))
            .expect("json");
    assert_eq!(fleet["totals"]["runs"], 1);
    assert!(fleet["clusters"][0]["latest"]["signed_by"].is_string());
    let rejected = &fleet["rejected"][0];
    assert!(rejected["path"]
        .as_str()
        .expect("path")
        .ends_with("unsigned"));
    assert!(
        rejected["reason"]
            .as_str()
            .expect("reason")
            .contains("MANIFEST.sig"),
        "{rejected}"
    );
}

/// Cluster names come from the report folders: fleet.csv neutralises those that would run
/// as spreadsheet formulas, and the summary on stdout escapes terminal sequences.
#[test]
fn cluster_names_cannot_run_formulas_or_drive_the_terminal() {
    let t = Dir::new();
    let privileged = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/checks/privileged-container/fail/daemonset-privileged.yaml");
    let names = [
        ("c1", "=HYPERLINK(\"http://evil.example\",\"x\")"),
        ("c2", "@SUM(1+1)"),
        ("c3", "ops\u{1b}[2J\r"),
    ];
    for (dir, name) in names {
        kubeattest(
            t.path(),
            &[
                "scan",
                "--manifests",
                privileged.to_str().expect("utf-8"),
                "--cluster-name",
                name,
                "--format",
                "json",
                "--out",
                &format!("runs/{dir}"),
                "--quiet",
            ],
        )
        .assert_code(0);
    }
    let run = kubeattest(
        t.path(),
        &["fleet", "runs", "--out", "f", "--format", "csv,json"],
    );
    run.assert_code(0);
    assert!(
        !run.stdout.contains(['\u{1b}', '\r']),
        "raw ESC or CR on stdout: {:?}",
        run.stdout
    );
    assert!(run.stdout.contains("ops\\u{1b}[2J\\u{d}"), "{}", run.stdout);
    let mut csv = csv::Reader::from_path(t.path().join("f/fleet.csv")).expect("csv");
    let clusters: std::collections::BTreeSet<String> = csv
        .records()
        .map(|r| r.expect("row")[0].to_string())
        .collect();
    assert!(
        clusters.contains("'=HYPERLINK(\"http://evil.example\",\"x\")"),
        "{clusters:?}"
    );
    assert!(clusters.contains("'@SUM(1+1)"), "{clusters:?}");
    assert!(clusters
        .iter()
        .all(|c| !c.starts_with(['=', '+', '-', '@', '\t', '\r'])));
}
