//! Live-cluster scans, end to end: the `kubeattest` binary against the in-process test API
//! server through a generated kubeconfig.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use support::apiserver::{Fault, TestServer};
use support::clusters;

fn kubeattest(args: &[&str], kubeconfig: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubeattest"))
        .args(args)
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .env_remove("KUBECONFIG")
        .output()
        .expect("run kubeattest")
}

#[test]
fn scans_the_demo_cluster() {
    let server = TestServer::start(clusters::demo(), vec![]);
    let dir = tempfile::tempdir().expect("tmp");
    let kc = server.kubeconfig(dir.path());
    let out = dir.path().join("report");
    let o = kubeattest(&["scan", "--out", out.to_str().unwrap()], &kc);
    eprintln!("{}", String::from_utf8_lossy(&o.stderr));
    eprintln!("{}", String::from_utf8_lossy(&o.stdout));
    assert!(o.status.code().is_some_and(|c| c == 0 || c == 3), "{o:?}");
    for r in server.requests() {
        assert_eq!(r.method, "GET", "{}", r.path);
    }
}
