//! The exposure inventory: `kubeattest exposure` on every source, the report's `exposure`
//! data and its HTML/PDF section, and unknown never written as yes.

mod support;

use kubeattest::exposure::{Entry, Exposure, Way};
use support::{kubeattest, report, Dir};

fn exposure_json(dir: &Dir, args: &[&str]) -> Exposure {
    let mut all = vec!["exposure", "--json"];
    all.extend_from_slice(args);
    let run = kubeattest(dir.path(), &all);
    run.assert_code(0);
    serde_json::from_str(&run.stdout).expect("exposure JSON")
}

fn find<'a>(e: &'a Exposure, way: Way, ns: &str, name: &str) -> &'a Entry {
    e.entries
        .iter()
        .find(|x| x.way == way && x.namespace == ns && x.name == name)
        .unwrap_or_else(|| panic!("no {way:?} entry {ns}/{name} in {:#?}", e.entries))
}

#[test]
fn demo_lists_every_way_in_with_tls_and_policy_coverage() {
    let dir = Dir::new();
    let e = exposure_json(&dir, &["--demo"]);
    assert!(e.not_read.is_empty(), "{:?}", e.not_read);

    let lb = find(
        &e,
        Way::LoadBalancer,
        "ingress-nginx",
        "ingress-nginx-controller",
    );
    assert!(lb.address.contains("10.0.0.200"), "{}", lb.address);
    assert!(lb.address.contains("sources any address"), "{}", lb.address);
    assert_eq!(lb.ingress_restricted, Some(false));

    let np = find(&e, Way::NodePort, "web", "storefront");
    assert!(np.address.contains("30080/TCP"), "{}", np.address);
    // web's allow-all ingress policy does not restrict anything.
    assert_eq!(np.ingress_restricted, Some(false));
    assert!(
        np.ingress_reason.contains("allow-all-ingress"),
        "{}",
        np.ingress_reason
    );
    assert_eq!(np.backends, vec!["Deployment web/storefront".to_string()]);

    let ext = find(&e, Way::ExternalIp, "web", "legacy-admin-external");
    assert!(ext.address.contains("192.0.2.40"), "{}", ext.address);

    let pay = e
        .entries
        .iter()
        .find(|x| x.way == Way::Ingress && x.address == "pay.demo.example")
        .expect("payments ingress host");
    assert_eq!((pay.tls, pay.ingress_restricted), (Some(true), Some(true)));
    let catch_all = e
        .entries
        .iter()
        .find(|x| x.way == Way::Ingress && x.namespace == "web" && x.address == "*")
        .expect("host-less storefront rule");
    assert_eq!(catch_all.tls, Some(false));

    let api = find(&e, Way::HttpRoute, "payments", "payments-api");
    assert_eq!(api.tls, Some(true), "{}", api.tls_reason);
    assert_eq!(api.ingress_restricted, Some(true), "{}", api.ingress_reason);
    let status = find(&e, Way::HttpRoute, "web", "storefront-status");
    assert_eq!(status.tls, Some(false), "{}", status.tls_reason);
    assert!(
        status.tls_reason.contains("listener http"),
        "{}",
        status.tls_reason
    );

    let host = find(&e, Way::HostNetwork, "monitoring", "node-exporter");
    assert_eq!(host.ingress_restricted, Some(false));
    assert!(
        host.ingress_reason.contains("host network"),
        "{}",
        host.ingress_reason
    );
    let hp = find(&e, Way::HostPort, "web", "legacy-admin");
    assert!(hp.address.contains("8080/TCP"), "{}", hp.address);

    // The text form names each namespace once and says yes/no/unknown in words.
    let run = kubeattest(dir.path(), &["exposure", "--demo"]);
    run.assert_code(0);
    assert!(run.stdout.contains("\nnamespace web\n"), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "TLS: no (served over plain HTTP by Gateway ingress-nginx/public listener http)"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn what_the_input_cannot_tell_is_unknown_never_yes() {
    let dir = Dir::new();
    dir.create(
        "app.yaml",
        r#"apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080, nodePort: 30001}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "registry.example.com/web:1"}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: shop}
spec:
  parentRefs: [{name: elsewhere}]
  hostnames: [shop.example.com]
  rules: [{backendRefs: [{name: web, port: 80}]}]
"#,
    );
    let e = exposure_json(&dir, &["--manifests", "app.yaml"]);
    let np = find(&e, Way::NodePort, "shop", "web");
    // A Service's ports say nothing about TLS; manifests do not show every policy.
    assert_eq!(np.tls, None, "{}", np.tls_reason);
    assert_eq!(np.ingress_restricted, None, "{}", np.ingress_reason);
    assert!(
        np.ingress_reason.contains("policies kept elsewhere"),
        "{}",
        np.ingress_reason
    );
    let route = find(&e, Way::HttpRoute, "shop", "web");
    assert_eq!(route.tls, None, "{}", route.tls_reason);
    assert!(route
        .tls_reason
        .contains("Gateway shop/elsewhere is not in the input"));
}

#[test]
fn scan_report_carries_exposure_and_the_documents_show_it_escaped() {
    let dir = Dir::new();
    dir.create(
        "ing.yaml",
        r#"apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: "x<script>alert(1)</script>", namespace: shop}
spec:
  rules:
  - host: "<img src=x onerror=alert(2)>.example.com"
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
"#,
    );
    let run = kubeattest(
        dir.path(),
        &[
            "scan",
            "--manifests",
            "ing.yaml",
            "--format",
            "json,html,pdf",
            "--out",
            "out",
            "--quiet",
        ],
    );
    assert!(run.code == 0 || run.code == 3, "{}", run.stderr);
    let r = report(&dir.path().join("out"));
    let e = r.exposure.expect("report.json has exposure");
    assert_eq!(e.entries.len(), 1);
    assert_eq!(e.entries[0].tls, Some(false));
    let html = std::fs::read_to_string(dir.path().join("out/report.html")).expect("html");
    assert!(html.contains("id=\"exposure\""));
    assert!(
        !html.contains("<script>alert(1)"),
        "unescaped name in the HTML"
    );
    assert!(!html.contains("<img src=x"), "unescaped host in the HTML");
    assert!(std::fs::metadata(dir.path().join("out/report.pdf")).is_ok_and(|m| m.len() > 0));

    // The demo's section is non-empty and bounded.
    let run = kubeattest(
        dir.path(),
        &[
            "scan", "--demo", "--format", "html", "--out", "demo", "--quiet",
        ],
    );
    run.assert_code(0);
    let html = std::fs::read_to_string(dir.path().join("demo/report.html")).expect("html");
    let section = html
        .split("id=\"exposure\"")
        .nth(1)
        .expect("exposure section");
    assert!(section.contains("192.0.2.40"));
    assert!(section.contains("legacy-admin-external"));
}

#[test]
fn unread_kinds_are_named_and_the_answer_is_marked_incomplete() {
    let dir = Dir::new();
    // A snapshot whose Services could not be listed: the inventory says so.
    dir.create(
        "snap.json",
        r#"{"kind": "KubeattestSnapshot", "snapshot_version": 1, "created_at": "2026-11-24T12:00:00Z",
            "target": {"name": "t", "source": "cluster"}, "complete": true,
            "kinds": {"Service": {"state": "failed", "reason": "forbidden: grant list on services"}},
            "objects": []}"#,
    );
    let run = kubeattest(
        dir.path(),
        &["exposure", "--snapshot", "snap.json", "--json"],
    );
    run.assert_code(3);
    let e: Exposure = serde_json::from_str(&run.stdout).expect("json");
    assert!(e
        .not_read
        .iter()
        .any(|n| n.kind == "Service" && n.reason.contains("forbidden")));
}

#[test]
fn the_current_cluster_is_read_with_gets_only_and_answers_as_the_demo_does() {
    use support::apiserver::TestServer;
    let dir = Dir::new();
    let server = TestServer::start(support::clusters::demo(), vec![]);
    let kc = server.kubeconfig(dir.path());
    let live = exposure_json(
        &dir,
        &["--kubeconfig", kc.to_str().expect("path"), "--quiet"],
    );
    let demo = exposure_json(&dir, &["--demo"]);
    // The same objects, read from the API instead of the demo files.
    let strip = |e: &Exposure| -> Vec<Entry> {
        e.entries
            .iter()
            .cloned()
            .map(|mut x| {
                x.source = String::new();
                x
            })
            .collect()
    };
    assert_eq!(strip(&live), strip(&demo));
    assert!(live.entries.iter().any(|x| x.way == Way::HttpRoute));
    let requests = server.requests();
    assert!(requests.iter().any(|r| r
        .path
        .starts_with("/apis/gateway.networking.k8s.io/v1/httproutes")));
    for r in requests {
        assert_eq!(r.method, "GET", "{}", r.path);
    }
}

/// What each way in really lets through, as Kubernetes and the Gateway API decide it: a
/// host-less TLS entry covers the catch-all, a `*.` listener matches any depth, a route in
/// another namespace does not attach by default, a rule without `from` admits every source,
/// an empty source-ranges annotation is every address, and init containers map no host port.
#[test]
fn entries_follow_what_kubernetes_and_the_gateway_api_do() {
    let dir = Dir::new();
    dir.create(
        "m.yaml",
        r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      initContainers:
      - {name: init, image: busybox, ports: [{containerPort: 9000, hostPort: 9000}]}
      containers:
      - {name: c, image: nginx, ports: [{containerPort: 8080, hostPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
  annotations: {service.beta.kubernetes.io/load-balancer-source-ranges: ""}
spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ports-only, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress:
  - ports: [{port: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: catch-all, namespace: shop}
spec:
  tls:
  - secretName: default-cert
  rules:
  - host: ""
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: shop}
spec:
  gatewayClassName: x
  listeners:
  - {name: http-wild, protocol: HTTP, port: 80, hostname: "*.example.com"}
  - {name: https-exact, protocol: HTTPS, port: 443, hostname: "a.b.example.com", tls: {certificateRefs: [{name: c}]}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: deep, namespace: shop}
spec:
  parentRefs: [{name: gw}]
  hostnames: ["a.b.example.com"]
  rules: [{backendRefs: [{name: web, port: 80}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: elsewhere, namespace: other}
spec:
  parentRefs: [{name: gw, namespace: shop}]
  hostnames: ["x.example.com"]
"#,
    );
    let e = exposure_json(&dir, &["--manifests", "m.yaml"]);
    let catch_all = find(&e, Way::Ingress, "shop", "catch-all");
    assert_eq!(catch_all.address, "*");
    assert_eq!(catch_all.tls, Some(true), "{}", catch_all.tls_reason);

    let deep = find(&e, Way::HttpRoute, "shop", "deep");
    assert_eq!(deep.tls, Some(false), "{}", deep.tls_reason);
    assert!(deep.tls_reason.contains("http-wild"), "{}", deep.tls_reason);
    let elsewhere = find(&e, Way::HttpRoute, "other", "elsewhere");
    assert_eq!(elsewhere.tls, None, "{}", elsewhere.tls_reason);
    assert!(
        elsewhere.tls_reason.contains("attaches to no listener"),
        "{}",
        elsewhere.tls_reason
    );

    let lb = find(&e, Way::LoadBalancer, "shop", "web");
    assert!(
        lb.address.ends_with("sources any address"),
        "{}",
        lb.address
    );
    assert_eq!(lb.ingress_restricted, Some(false), "{}", lb.ingress_reason);
    assert!(
        lb.ingress_reason.contains("without `from`"),
        "{}",
        lb.ingress_reason
    );

    let ports = find(&e, Way::HostPort, "shop", "web");
    assert!(ports.address.contains("8080/TCP"), "{}", ports.address);
    assert!(!ports.address.contains("9000"), "{}", ports.address);
}

/// A LoadBalancer Service opens a node port on every node unless
/// `allocateLoadBalancerNodePorts: false` and no port asks for one, and its source ranges do
/// not filter that node port (session 30, upstream D1): the exposure lists that way in, the
/// hygiene check on production namespaces fails it, and the source-range pass says the node
/// ports are not covered.
#[test]
fn load_balancer_node_ports_are_a_way_in_its_source_ranges_do_not_cover() {
    let dir = Dir::new();
    dir.create(
        "m.yaml",
        r#"apiVersion: v1
kind: Service
metadata: {name: web, namespace: prod}
spec:
  type: LoadBalancer
  loadBalancerSourceRanges: [10.0.0.0/8]
  ports: [{port: 443, nodePort: 30443}, {port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: direct, namespace: prod}
spec:
  type: LoadBalancer
  allocateLoadBalancerNodePorts: false
  loadBalancerSourceRanges: [10.0.0.0/8]
  ports: [{port: 443}]
"#,
    );
    let e = exposure_json(&dir, &["--manifests", "m.yaml"]);
    let np = find(&e, Way::NodePort, "prod", "web");
    assert!(
        np.address.contains("30443/TCP (→ 443/TCP)")
            && np
                .address
                .contains("node port for 80/TCP not yet allocated")
            && np.address.contains("source ranges do not apply"),
        "{}",
        np.address
    );
    assert!(
        !e.entries
            .iter()
            .any(|x| x.way == Way::NodePort && x.name == "direct"),
        "{:#?}",
        e.entries
    );
    let run = kubeattest(
        dir.path(),
        &[
            "scan",
            "--manifests",
            "m.yaml",
            "-o",
            "json",
            "--detail",
            "full",
        ],
    );
    let r: serde_json::Value = serde_json::from_str(&run.stdout).expect("report JSON");
    let finding = |check: &str, name: &str| -> (String, String) {
        let f = r["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|f| {
                f["check"] == check && run.stdout.contains(name) && {
                    let msg = f["message"].as_str().unwrap_or_default();
                    msg.contains(&format!("prod/{name}"))
                }
            })
            .unwrap_or_else(|| panic!("no {check} finding for {name}"));
        (
            f["status"].as_str().unwrap_or_default().to_string(),
            f["message"].as_str().unwrap_or_default().to_string(),
        )
    };
    let (status, msg) = finding("node-port-in-production-namespace", "web");
    assert_eq!(status, "fail", "{msg}");
    assert!(msg.contains("30443/TCP"), "{msg}");
    let (status, _) = finding("node-port-in-production-namespace", "direct");
    assert_eq!(status, "pass");
    let (status, msg) = finding("load-balancer-without-source-ranges", "web");
    assert_eq!(status, "pass", "{msg}");
    assert!(
        msg.contains("not covered by the source ranges") && !msg.contains(": connections limited"),
        "{msg}"
    );
    let (status, msg) = finding("load-balancer-without-source-ranges", "direct");
    assert_eq!(status, "pass", "{msg}");
    assert!(msg.contains(": connections limited to 10.0.0.0/8"), "{msg}");
}
