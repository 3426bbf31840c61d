//! Test support shared by the integration tests: a temp dir, a command wrapper, and an
//! in-process, Kubernetes-faithful HTTPS API server ([`apiserver`]) with the clusters it
//! serves ([`clusters`]).
#![allow(dead_code)]

pub mod apiserver;
pub mod clusters;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A fresh temporary directory, removed on drop.
pub struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    /// Creates one.
    pub fn new() -> Dir {
        Dir {
            tmp: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// Writes a file (creating folders) and returns its path.
    pub fn create(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.tmp.path().join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, text).expect("write");
        p
    }
}

/// The result of running the binary.
pub struct Run {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

fn finish(out: Output) -> Run {
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `kubeattest ARGS` in `cwd`.
pub fn kubeattest(cwd: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_kubeattest"))
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .output()
        .expect("run kubeattest");
    finish(out)
}

/// Runs `kubeattest ARGS` with `input` on stdin.
pub fn kubeattest_stdin(cwd: &Path, args: &[&str], input: &str) -> Run {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_kubeattest"))
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn kubeattest");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    finish(child.wait_with_output().expect("wait"))
}

impl Run {
    /// Asserts the exit code, printing the output when it differs.
    pub fn assert_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code, code,
            "exit code {} (expected {code})\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }
}

/// Reads `report.json` from a report folder.
pub fn report(dir: &Path) -> kubeattest::results::Report {
    let bytes = std::fs::read(dir.join("report.json")).expect("report.json exists");
    serde_json::from_slice(&bytes).expect("report.json parses into the evidence model")
}

/// Reads the `report.json` at `path` with every finding self-contained (its subject,
/// severity and messages written out, as the model serializes; the file names subjects by
/// index), for tests that look into it as `serde_json::Value`. `None` when it is missing or
/// is not a report.
pub fn report_json(path: &Path) -> Option<serde_json::Value> {
    let bytes = std::fs::read(path).ok()?;
    let report = kubeattest::render::json::parse(&bytes).ok()?;
    serde_json::to_value(&report).ok()
}

/// The vendored corpus of real-world manifests (`tests/corpus/`, see its README).
pub fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}
