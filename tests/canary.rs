//! No report of the demo cluster contains a Secret value or a plain-text credential value:
//! the canaries placed in the demo (`src/collect/demo/README.md`) never come out.

use kubeattest::catalog;
use kubeattest::collect;
use kubeattest::evaluate::{evaluate, RunInfo};

#[test]
fn demo_report_contains_no_canary_or_credential_value() {
    let catalog = catalog::load(None).expect("catalog");
    let inv = collect::demo::collect().expect("demo");
    let frameworks: Vec<_> = catalog.frameworks.iter().collect();
    let report = evaluate(&catalog, &inv, &frameworks, RunInfo::default());
    let json = serde_json::to_string(&report).expect("json");
    for canary in [
        "KUBEATTEST-CANARY",
        "S1VCRUFUVEVTVC1DQU5BUlkt",
        "demo-not-a-real-password",
        "demo-token-in-configmap",
    ] {
        assert!(!json.contains(canary), "report contains {canary}");
    }
    // The findings that name those credentials are there, by name only.
    for check in [
        "credential-in-environment-variable",
        "credential-in-configmap",
    ] {
        assert!(
            report
                .findings
                .iter()
                .any(|f| f.check == check && f.status == kubeattest::results::Status::Fail),
            "{check} should fail on the demo"
        );
    }
}

/// Credentials recognised by their value (controls/credentials.yaml): every output file of a
/// scan names the variable or key and the pattern, and holds no part of the value.
#[test]
fn credentials_found_by_value_never_appear_in_any_output() {
    let dir = std::env::temp_dir().join(format!("kubeattest-canary-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let canaries = [
        "postgres://app:KubeattestCanaryPw1@db/app",
        "ghp_KUBEATTESTCANARY0123456789abcdefghijklmn",
        "eyJKUBEATTESTCANARYhdr.eyJpYXlsb2FkY2FuYXJ5.c2lnbmF0dXJlY2FuYXJ5",
        "Bearer KubeattestCanaryBearer01",
        "AKIAKUBEATTESTCANARY",
        "xoxb-KubeattestCanarySlack-01",
        "exporter:KubeattestCanaryDsn1@(mysql:3306)/",
        "Server=db;User Id=sa;Password=KubeattestCanaryConn1;",
    ];
    let mut env = String::new();
    for (i, c) in canaries.iter().enumerate() {
        env.push_str(&format!("    - name: V{i}\n      value: \"{c}\"\n"));
    }
    let manifest = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: shop\nspec:\n  containers:\n  - name: app\n    image: registry.example/app:1.0\n    env:\n{env}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: shop\ndata:\n  conf: |\n    key: |\n      -----BEGIN PRIVATE KEY-----\n      KUBEATTESTCANARYPEMBODY\n      -----END PRIVATE KEY-----\n  dsn: \"{}\"\n",
        canaries[0]
    );
    std::fs::write(dir.join("m.yaml"), manifest).expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kubeattest"))
        .current_dir(&dir)
        .args(["scan", "--manifests", "m.yaml", "--out", "out", "--quiet"])
        .output()
        .expect("runs");
    let mut texts = vec![
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ];
    for entry in std::fs::read_dir(dir.join("out"))
        .expect("report written")
        .flatten()
    {
        texts.push(
            String::from_utf8_lossy(&std::fs::read(entry.path()).unwrap_or_default()).into_owned(),
        );
    }
    let report = std::fs::read_to_string(dir.join("out/report.json")).expect("report.json");
    for text in &texts {
        for c in canaries {
            // Not the value, and not even its first characters.
            let prefix: String = c.chars().take(12).collect();
            assert!(!text.contains(&prefix), "output holds {prefix}…");
        }
        assert!(!text.contains("KUBEATTESTCANARY"), "output holds a canary");
        assert!(!text.contains("KubeattestCanary"), "output holds a canary");
    }
    for pattern in [
        "url-with-password",
        "github-token",
        "jwt",
        "authorization-header-value",
        "aws-access-key-id",
        "slack-token",
        "pem-private-key",
        "dsn-with-password",
        "connection-string-password",
    ] {
        assert!(
            report.contains(pattern),
            "the evidence names the pattern {pattern}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

mod support;

use base64::Engine as _;
use serde_json::{json, Value};
use support::apiserver::{Fault, TestServer};

const KEY_CANARY: &str = "KUBEATTEST-CANARY-KEY-IN-TLS-CRT";
const CANARIES: &[&str] = &[
    KEY_CANARY,
    "KUBEATTEST-CANARY-MISKINDED-SECRET",
    "KUBEATTEST-CANARY-CONFIGMAP-VALUE",
    "KUBEATTEST-CANARY-ENV-VALUE",
    "KUBEATTEST-CANARY-ARG-VALUE",
    "KUBEATTEST-CANARY-NESTED-SECRET",
    "KUBEATTEST-CANARY-URL-PASSWORD",
    "KUBEATTEST-CANARY-PEM-IN-CONFIG",
    "KUBEATTEST-CANARY-IMAGE-PASSWORD",
    "KUBEATTEST-CANARY-ANNOTATION",
    "KUBEATTEST-CANARY-SHELL",
    "KUBEATTEST-CANARY-DSN",
    "KUBEATTEST-CANARY-CONN",
    SNIPPET_CANARY,
];

/// A bearer token in an ingress-nginx snippet annotation: the check that flags the
/// annotation names it and never shows its value.
const SNIPPET_CANARY: &str = "KUBEATTEST-CANARY-SNIPPET-BEARER";

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// The certificate of a catalog fixture, as PEM.
fn certificate_pem() -> String {
    let fixture = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/checks/tls-certificate-expired/pass/valid-until-2036.yaml"
    ))
    .expect("fixture");
    let crt = fixture
        .lines()
        .find_map(|l| l.trim().strip_prefix("tls.crt: "))
        .expect("tls.crt");
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(crt)
            .expect("base64"),
    )
    .expect("pem")
}

/// Every canary, in plain text and base64, and any string value that decodes to one.
fn assert_no_canary(name: &str, text: &str) {
    for c in CANARIES {
        assert!(!text.contains(c), "{c} leaked into {name}");
        assert!(!text.contains(&b64(c)), "{c} (base64) leaked into {name}");
    }
    // Part of a key body is a leak too (a label once carried the first characters).
    assert!(
        !text.contains(&b64(KEY_CANARY)[..16]),
        "part of a key body leaked into {name}"
    );
    assert!(
        !text.contains("BEGIN PRIVATE KEY"),
        "a private key leaked into {name}"
    );
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        fn walk(name: &str, v: &Value) {
            match v {
                Value::String(s) => {
                    if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(s.trim()) {
                        let decoded = String::from_utf8_lossy(&bytes);
                        assert!(
                            !decoded.contains("BEGIN PRIVATE KEY") && !decoded.contains("CANARY"),
                            "a base64 value in {name} decodes to a secret"
                        );
                    }
                }
                Value::Array(a) => a.iter().for_each(|x| walk(name, x)),
                Value::Object(m) => m.values().for_each(|x| walk(name, x)),
                _ => {}
            }
        }
        walk(name, &v);
    }
}

#[test]
fn snapshot_and_reports_hold_no_key_in_tls_crt_miskinded_secret_or_credential_value() {
    let key = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        b64(KEY_CANARY)
    );
    let combined = format!("{}{key}", certificate_pem());
    let mut cluster = support::clusters::Cluster {
        version: support::clusters::version("v1.33.4"),
        ..Default::default()
    };
    cluster.objects = vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "db", "namespace": "shop"},
            "data": {"DB_PASSWORD": "KUBEATTEST-CANARY-CONFIGMAP-VALUE", "mode": "fast",
                // Found by their value only: a password URL, a key inside a config file.
                "dsn": "postgres://app:KUBEATTEST-CANARY-URL-PASSWORD@db/app",
                "app.conf": "tls:\n  key: |\n    -----BEGIN PRIVATE KEY-----\n    KUBEATTEST-CANARY-PEM-IN-CONFIG\n    -----END PRIVATE KEY-----\n"}}),
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web", "namespace": "shop",
                // Tools and people park credentials in annotations too.
                "annotations": {"secret-token": "KUBEATTEST-CANARY-ANNOTATION-VALUE",
                    "example.com/deploy-key": "KUBEATTEST-CANARY-ANNOTATION-KEY"}},
            "spec": {"containers": [
                {"name": "init", "image": "busybox:1.36",
                "command": ["sh", "-c",
                    "export PASSWORD=KUBEATTEST-CANARY-SHELL-EXPORT && exec app --token KUBEATTEST-CANARY-SHELL-FLAG"]},
                // Password options of well-known clients, a flag's value in the next
                // argument, a header named like a credential.
                {"name": "cache", "image": "redis:7",
                "command": ["redis-server"],
                "args": ["--requirepass", "KUBEATTEST-CANARY-REDIS-PASS", "--api-key", "KUBEATTEST-CANARY-NEXT-ARG"]},
                {"name": "probe", "image": "mysql:8",
                "command": ["sh", "-c",
                    "until mysqladmin ping -uroot -pKUBEATTEST-CANARY-MYSQL; do sleep 1; done && PGPASSWORD=KUBEATTEST-CANARY-PGPASS psql -h db -c 'select 1' && curl -H 'X-Custom-Secret: KUBEATTEST-CANARY-HEADER' https://x.example/"]},
                {"name": "pull", "image": "https://deploy:KUBEATTEST-CANARY-IMAGE-PASSWORD@registry.example.com/app:1"},
                {"name": "web", "image": "nginx:1.27",
                "env": [{"name": "API_TOKEN", "value": "KUBEATTEST-CANARY-ENV-VALUE"},
                    {"name": "DATABASE_URL",
                     "value": "postgres://app:KUBEATTEST-CANARY-URL-PASSWORD@db/app"},
                    // No scheme: mysqld_exporter's DSN, an ADO.NET connection string.
                    {"name": "DATA_SOURCE_NAME",
                     "value": "exporter:KUBEATTEST-CANARY-DSN@(mysql:3306)/"},
                    {"name": "ConnectionStrings__Default",
                     "value": "Server=db;User Id=sa;Password=KUBEATTEST-CANARY-CONN;"},
                    {"name": "ODBC", "value": "Driver={ODBC Driver 18};UID=sa;PWD={KUBEATTEST-CANARY-CONN}"},
                    {"name": "REPLICA_DSN",
                     "value": "app:p@KUBEATTEST-CANARY-DSN/x@tcp6([::1]:3306)/shop"}],
                "args": ["--db-password=KUBEATTEST-CANARY-ARG-VALUE", "--port=80"]}]}}),
    ];
    // The `secrets` list: a TLS Secret whose tls.crt holds its key, and an item whose body
    // claims another kind.
    let secrets = json!({"kind": "SecretList", "apiVersion": "v1", "metadata": {}, "items": [
        {"metadata": {"name": "pay-tls", "namespace": "shop"}, "type": "kubernetes.io/tls",
         "data": {"tls.crt": b64(&combined), "tls.key": b64(&key)}},
        // A key pasted on one line, and a certificate whose END line was lost before a key.
        {"metadata": {"name": "one-line-tls", "namespace": "shop"}, "type": "kubernetes.io/tls",
         "data": {"tls.crt": b64(&format!("{}-----BEGIN PRIVATE KEY----- {} -----END PRIVATE KEY-----\n",
            certificate_pem(), b64(KEY_CANARY)))}},
        {"metadata": {"name": "lost-end-tls", "namespace": "shop"}, "type": "kubernetes.io/tls",
         "data": {"tls.crt": b64(&format!("{}{key}",
            certificate_pem().replace("-----END CERTIFICATE-----\n", "")))}},
        {"kind": "ConfigMap", "apiVersion": "v1",
         "metadata": {"name": "sneaky", "namespace": "shop"},
         "data": {"password": b64("KUBEATTEST-CANARY-MISKINDED-SECRET")}}
    ]});
    let server = TestServer::start(cluster, vec![("secrets", Fault::Body(secrets))]);
    let tmp = support::Dir::new();
    let kc = server.kubeconfig(tmp.path());
    let snap = tmp.path().join("snap.json");
    let path = |p: &std::path::Path| p.to_str().expect("utf-8").to_string();
    let snap_run = support::kubeattest(
        tmp.path(),
        &[
            "snapshot",
            "--kubeconfig",
            &path(&kc),
            "--out",
            &path(&snap),
        ],
    );
    assert!(snap.is_file(), "{}", snap_run.stderr);
    // Nested Secrets come from manifests: a Template and a List inside a List.
    tmp.create(
        "in/nested.yaml",
        "apiVersion: template.openshift.io/v1\nkind: Template\nmetadata: {name: app, namespace: shop}\nobjects:\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: inner}\n  stringData: {password: KUBEATTEST-CANARY-NESTED-SECRET}\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List\n  items:\n  - apiVersion: v1\n    kind: Secret\n    metadata: {name: deep, namespace: shop}\n    stringData: {token: KUBEATTEST-CANARY-NESTED-SECRET}\n",
    );
    let offline = support::kubeattest(
        tmp.path(),
        &[
            "scan",
            "--snapshot",
            &path(&snap),
            "--format",
            "all",
            "--out",
            "offline",
        ],
    );
    let nested = support::kubeattest(
        tmp.path(),
        &[
            "scan",
            "--manifests",
            "in",
            "--format",
            "json,csv,html",
            "--out",
            "nested",
        ],
    );
    for run in [&snap_run, &offline, &nested] {
        assert_no_canary("stdout", &run.stdout);
        assert_no_canary("stderr", &run.stderr);
    }
    let mut files = 0;
    for e in walkdir::WalkDir::new(tmp.path()) {
        let e = e.expect("walk");
        if !e.file_type().is_file()
            || e.file_name() == "kubeconfig"
            || e.path().starts_with(tmp.path().join("in"))
        {
            continue;
        }
        let bytes = std::fs::read(e.path()).expect("read");
        assert_no_canary(
            &e.path().display().to_string(),
            &String::from_utf8_lossy(&bytes),
        );
        files += 1;
    }
    assert!(files >= 6, "snapshot and report files written ({files})");
    // The key in tls.crt is a finding of its own, and the mis-kinded item is a Secret.
    let report = support::report(&tmp.path().join("offline"));
    let f = report
        .findings
        .iter()
        .find(|f| f.check == "tls-certificate-holds-private-key")
        .expect("finding");
    assert_eq!(f.status, kubeattest::results::Status::Fail);
    let snap_text = std::fs::read_to_string(&snap).expect("snapshot");
    let snap_json: Value = serde_json::from_str(&snap_text).expect("json");
    let sneaky = snap_json["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .find(|o| o["metadata"]["name"] == "sneaky")
        .expect("listed");
    assert_eq!(sneaky["kind"], "Secret");
    // Credential values keep their names, and still read as credentials offline.
    for check in [
        "credential-in-configmap",
        "credential-in-environment-variable",
    ] {
        assert!(
            report
                .findings
                .iter()
                .any(|f| f.check == check && f.status == kubeattest::results::Status::Fail),
            "{check} still fails from the snapshot"
        );
    }
    // Values found by a pattern were replaced when collected, and still name it offline.
    let offline_json =
        std::fs::read_to_string(tmp.path().join("offline/report.json")).expect("report.json");
    for (check, pattern) in [
        ("credential-in-configmap", "url-with-password"),
        ("credential-in-configmap", "pem-private-key"),
        ("credential-in-environment-variable", "url-with-password"),
        ("credential-in-environment-variable", "dsn-with-password"),
        (
            "credential-in-environment-variable",
            "connection-string-password",
        ),
    ] {
        assert!(
            report.findings.iter().any(|f| f.check == check
                && serde_json::to_string(&f.observations)
                    .is_ok_and(|o| o.contains(&format!("value matches {pattern}")))),
            "{check} names {pattern} from the snapshot"
        );
    }
    assert!(snap_text.contains("<redacted credential matching url-with-password>"));
    assert!(offline_json.contains("pem-private-key"));
}

/// An Ingress whose snippet annotations hold a credential: every format names the annotation
/// (the finding fails) and none holds the value, the PDF's text included.
#[test]
fn snippet_annotation_values_never_appear_in_any_format() {
    let tmp = support::Dir::new();
    tmp.create(
        "in/ingress.yaml",
        &format!(
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: shop\n  namespace: shop\n  annotations:\n    nginx.ingress.kubernetes.io/configuration-snippet: |\n      proxy_set_header Authorization \"Bearer {SNIPPET_CANARY}\";\n    nginx.ingress.kubernetes.io/server-snippet: \"set $token {SNIPPET_CANARY};\"\n    nginx.ingress.kubernetes.io/stream-snippet: \"# {SNIPPET_CANARY}\"\nspec:\n  ingressClassName: nginx\n  rules:\n  - host: shop.example.com\n    http:\n      paths:\n      - path: /\n        pathType: Prefix\n        backend:\n          service:\n            name: web\n            port:\n              number: 80\n"
        ),
    );
    let run = support::kubeattest(
        tmp.path(),
        &[
            "scan",
            "--manifests",
            "in",
            "--format",
            "json,csv,html,pdf,sarif,junit,oscal,openreports",
            "--out",
            "out",
            "--quiet",
        ],
    );
    assert_no_canary("stdout", &run.stdout);
    assert_no_canary("stderr", &run.stderr);
    let mut seen = std::collections::BTreeSet::new();
    for e in std::fs::read_dir(tmp.path().join("out"))
        .expect("report written")
        .flatten()
    {
        let path = e.path();
        let text = String::from_utf8_lossy(&std::fs::read(&path).expect("read")).into_owned();
        assert_no_canary(&path.display().to_string(), &text);
        if path.extension().is_some_and(|x| x == "pdf") {
            // The PDF's streams are compressed: read its text.
            let out = std::process::Command::new("pdftotext")
                .arg(&path)
                .arg("-")
                .output()
                .expect("cannot run pdftotext (install poppler-utils)");
            assert!(out.status.success(), "pdftotext failed");
            assert_no_canary("report.pdf text", &String::from_utf8_lossy(&out.stdout));
        }
        seen.insert(
            path.extension()
                .map(|x| x.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
    }
    for ext in ["json", "csv", "html", "pdf", "sarif", "xml", "yaml"] {
        assert!(seen.contains(ext), "no .{ext} file written: {seen:?}");
    }
    for stdout_format in ["json", "yaml", "table", "wide", "sarif", "junit"] {
        let run = support::kubeattest(
            tmp.path(),
            &["scan", "--manifests", "in", "-o", stdout_format],
        );
        assert_no_canary(stdout_format, &run.stdout);
    }
    // The finding is there, naming the annotations.
    let report = support::report(&tmp.path().join("out"));
    let f = report
        .findings
        .iter()
        .find(|f| f.check == "ingress-snippet-annotation")
        .expect("finding");
    assert_eq!(f.status, kubeattest::results::Status::Fail);
    assert!(f.message.contains("stream-snippet"), "{}", f.message);
    assert!(f
        .observations
        .iter()
        .all(|o| o.observed == serde_json::json!("<not shown>")));
}

/// Every form of the session 33 reviews (trivy D1, leaks L1–L3): credentials kept in the
/// files tools read (kubeconfig, `.npmrc`, `.netrc`, `.pgpass`, Maven `settings.xml`,
/// `redis.conf`, Vault agent HCL), all-letter passwords in config files, credentials inside
/// longer env values, and what `sh -c` scripts hand to `kubectl create secret`, `chpasswd`,
/// `.pgpass` and `lftp`. None leaves the process, through a live snapshot, a scan of it or a
/// scan of the same objects as manifests; the checks still fail, naming each pattern. Names
/// that only name a header, a store or a prompt (L6) keep their values.
#[test]
fn credentials_in_tool_files_longer_values_and_scripts_never_leave_the_process() {
    const MARK: &str = "kubeattestcanary";
    let client_key = b64(&format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        b64("kubeattestcanaryclientkey")
    ));
    let kubeconfig = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: prod\n  cluster:\n    server: https://10.0.0.1:6443\nusers:\n- name: ci\n  user:\n    token: kubeattestcanarykubetoken\n- name: admin\n  user:\n    client-key-data: {client_key}\ncurrent-context: prod\n"
    );
    let configmap = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "ci-files", "namespace": "shop"},
        "data": {
            "app.env": "DB_HOST=db\nDB_PASSWORD=kubeattestcanaryplainenv\n",
            "config.yaml": "database:\n  password: kubeattestcanaryplainyaml\n",
            "colon": "DB_PASSWORD:kubeattestcanarycolon",
            "kubeconfig": kubeconfig,
            ".npmrc": format!("//registry.npmjs.org/:_authToken=npm_kubeattestcanarynpm\n//nexus/:_auth={}\n", b64("ci:kubeattestcanarynpmauth")),
            ".netrc": "machine github.com\nlogin ci-bot\npassword kubeattestcanarynetrc\n",
            "pgpass": "db:5432:app:app:kubeattestcanarypgpass\n",
            "settings.xml": "<settings><servers><server><id>n</id><password>kubeattestcanarymaven</password></server></servers></settings>\n",
            "redis.conf": "port 6379\nrequirepass kubeattestcanaryredis\n",
            "vault-agent.hcl": "vault { address = \"https://vault:8200\" }\ntoken = \"kubeattestcanaryvault\"\n",
            // Review recheck R1-R4: short quoted values, capitals, symbols, a closing quote.
            "short.json": "{\n  \"password\": \"zqbkv\",\n  \"host\": \"db\"\n}\n",
            "settings.json": "{\n  \"usePassword\": \"required\"\n}\n",
            "short.yaml": "password: 'zqdkv'\n",
            "profile.sh": "export PGPASSWORD=\"zqazk\"\n",
            "caps.env": "ADMIN_PASSWORD=KUBEATTESTCANARYCAPS\n",
            "dollar.yaml": "password: Pa$$kubeattestcanarydollar\n",
            "java.env": "JAVA_OPTS=\"-Xmx1g -Ddb.password=kubeattestcanaryjavaquoted\"\n",
            "compose.yaml": "environment:\n  - \"DB_PASSWORD=kubeattestcanarycompose\"\n"}});
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [
            {"name": "app", "image": "registry.example/app:1.0",
             "env": [
                {"name": "JAVA_OPTS", "value": "-Xmx512m -Dspring.datasource.password=kubeattestcanaryjava -Duser.timezone=UTC"},
                {"name": "AZURE_STORAGE_CONNECTION_STRING",
                 "value": "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=kubeattestcanaryazure==;EndpointSuffix=core.windows.net"},
                {"name": "OPTS", "value": "--user admin --pass kubeattestcanaryopts"},
                {"name": "API_KEY_HEADER", "value": "X-Api-Key"},
                {"name": "AUTH_HEADER", "value": "kubeattestcanaryauthheader123abcdef"},
                {"name": "SECRET_STORE", "value": "vault"}]},
            {"name": "shell", "image": "registry.example/tools:1.0",
             "command": ["sh", "-c",
                "kubectl create secret generic x --from-literal=pw=kubeattestcanaryliteral\necho kubeattestcanarychpasswd | chpasswd\necho \"root:kubeattestcanaryroot\" | chpasswd\necho \"kubeattestcanarypgfile\" > /root/.pgpass\nlftp -u user,kubeattestcanarylftp ftp.example.com\n"]}]}}}});
    let mut cluster = support::clusters::Cluster {
        version: support::clusters::version("v1.33.4"),
        ..Default::default()
    };
    cluster.objects = vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}),
        configmap.clone(),
        deployment.clone(),
    ];
    let server = TestServer::start(cluster, Vec::new());
    let tmp = support::Dir::new();
    let kc = server.kubeconfig(tmp.path());
    let snap = tmp.path().join("snap.json");
    let path = |p: &std::path::Path| p.to_str().expect("utf-8").to_string();
    let snap_run = support::kubeattest(
        tmp.path(),
        &[
            "snapshot",
            "--kubeconfig",
            &path(&kc),
            "--out",
            &path(&snap),
        ],
    );
    assert!(snap.is_file(), "{}", snap_run.stderr);
    tmp.create(
        "in/objects.yaml",
        &format!("{configmap}\n---\n{deployment}\n"),
    );
    let offline = support::kubeattest(
        tmp.path(),
        &[
            "scan",
            "--snapshot",
            &path(&snap),
            "--format",
            "all",
            "--out",
            "offline",
        ],
    );
    let manifests = support::kubeattest(
        tmp.path(),
        &[
            "scan",
            "--manifests",
            "in",
            "--format",
            "json,csv,html,sarif",
            "--out",
            "manifests",
        ],
    );
    /// No canary in the text, in base64 (of the text's strings), or decoded from it.
    fn assert_marked_clean(name: &str, text: &str) {
        assert!(
            !text.to_ascii_lowercase().contains(MARK),
            "a canary leaked into {name}"
        );
        for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || "+/=".contains(c))) {
            if word.len() < 16 {
                continue;
            }
            if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(word) {
                let decoded = String::from_utf8_lossy(&bytes).to_ascii_lowercase();
                assert!(
                    !decoded.contains(MARK) && !decoded.contains("private key"),
                    "a base64 value in {name} decodes to a canary"
                );
            }
        }
    }
    /// Also none of the short quoted passwords, too short to hold the mark.
    fn assert_clean(name: &str, text: &str) {
        for short in ["zqbkv", "zqdkv", "zqazk"] {
            assert!(!text.contains(short), "{short} leaked into {name}");
        }
        assert_marked_clean(name, text);
    }
    for run in [&snap_run, &offline, &manifests] {
        assert_clean("stdout", &run.stdout);
        assert_clean("stderr", &run.stderr);
    }
    let mut files = 0;
    for e in walkdir::WalkDir::new(tmp.path()) {
        let e = e.expect("walk");
        if !e.file_type().is_file()
            || e.file_name() == "kubeconfig"
            || e.path().starts_with(tmp.path().join("in"))
        {
            continue;
        }
        let bytes = std::fs::read(e.path()).expect("read");
        assert_clean(
            &e.path().display().to_string(),
            &String::from_utf8_lossy(&bytes),
        );
        files += 1;
    }
    assert!(files >= 6, "snapshot and report files written ({files})");
    // Header, store and prompt names keep their values (L6); the script stays readable.
    let snap_text = std::fs::read_to_string(&snap).expect("snapshot");
    assert!(snap_text.contains("X-Api-Key"), "API_KEY_HEADER kept");
    assert!(snap_text.contains("--from-literal=pw="), "the key stays");
    // A file whose quoted settings are no credential stays readable (R4).
    assert!(
        snap_text.contains(r#"\"usePassword\": \"required\""#),
        "a quoted setting kept"
    );
    // The checks fail, from the snapshot and from manifests, naming each pattern.
    for dir in ["offline", "manifests"] {
        let report = support::report(&tmp.path().join(dir));
        let observed = |check: &str| {
            report
                .findings
                .iter()
                .filter(|f| f.check == check)
                .map(|f| serde_json::to_string(&f.observations).unwrap_or_default())
                .collect::<String>()
        };
        let configmap = observed("credential-in-configmap");
        for pattern in [
            "credential-assignment-in-file",
            "kubeconfig-client-key",
            "npmrc-auth",
            "netrc-password",
            "pgpass-line",
            "xml-credential-element",
            "redis-password-setting",
            "token-setting",
        ] {
            assert!(
                configmap.contains(&format!("value matches {pattern}")),
                "{dir}: credential-in-configmap names {pattern}: {configmap}"
            );
        }
        let env = observed("credential-in-environment-variable");
        for pattern in [
            "credential-assignment-in-file",
            "azure-connection-string-key",
            "password-option-in-value",
        ] {
            assert!(
                env.contains(&format!("value matches {pattern}")),
                "{dir}: credential-in-environment-variable names {pattern}: {env}"
            );
        }
        assert!(!env.contains("API_KEY_HEADER") && !env.contains("SECRET_STORE"));
        assert!(
            env.contains("AUTH_HEADER"),
            "{dir}: AUTH_HEADER is a credential (R6)"
        );
    }
}
