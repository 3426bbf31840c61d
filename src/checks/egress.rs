//! Whether a NetworkPolicy egress rule lets a pod reach one address outside the cluster, as
//! the NetworkPolicy API defines it: a rule without `to` allows every destination, one
//! without `ports` every port; among peers only an `ipBlock` can name an address that is not
//! a pod (pod and namespace selectors select pods), and its `except` ranges are taken out;
//! a port matches by number (or `port`..`endPort`) and protocol (TCP when unset), never by
//! name, since an address outside the cluster has no named ports.

use std::net::IpAddr;

use crate::document::Doc;

/// The whole address family a CIDR covers when its prefix length is 0 (`10.0.0.0/0`,
/// `0.0.0.0/00` and `::0/0` are as open as `0.0.0.0/0` and `::/0`; the API server accepts
/// them): `0.0.0.0/0` or `::/0`. `None` for any other CIDR or text.
pub fn whole_family(cidr: &str) -> Option<&'static str> {
    let (addr, bits) = cidr.split_once('/')?;
    if bits.trim().parse::<u32>().ok()? != 0 {
        return None;
    }
    match addr.trim().parse::<IpAddr>().ok()? {
        IpAddr::V4(_) => Some("0.0.0.0/0"),
        IpAddr::V6(_) => Some("::/0"),
    }
}

/// Whether one entry of a rule's `ports` lets TCP traffic to `port` through.
fn port_allows(entry: &Doc, port: u16) -> bool {
    let protocol = entry.get("protocol").and_then(Doc::as_str).unwrap_or("TCP");
    if protocol != "TCP" {
        return false;
    }
    let Some(p) = entry.get("port") else {
        // No port: every port of the protocol.
        return true;
    };
    let Some(first) = p.as_i64() else {
        // A named port names a container port of the destination pod.
        return false;
    };
    let last = entry.get("endPort").and_then(Doc::as_i64).unwrap_or(first);
    (first..=last).contains(&i64::from(port))
}

/// Whether a peer of a rule's `to` is an `ipBlock` that holds the address (and no `except`
/// range of it does). The collector has refused policies whose `ipBlock` the API server
/// would reject (`collect::shape`), so the CIDRs read here are valid.
fn peer_allows(peer: &Doc, ip: IpAddr) -> bool {
    let Some(block) = peer.get("ipBlock") else {
        return false;
    };
    let cidr = block.get("cidr").and_then(Doc::as_str).unwrap_or_default();
    if crate::cidr::holds(cidr, ip) != Some(true) {
        return false;
    }
    let excepted = block
        .get("except")
        .and_then(Doc::as_array)
        .into_iter()
        .flatten()
        .filter_map(Doc::as_str)
        // An IPv4-mapped IPv6 range (`::ffff:169.254.0.0/112`) is the IPv4 range to the API
        // server, not to every CNI plugin (netip reads it as IPv6): it is not taken to
        // except an IPv4 address.
        .filter(|e| e.contains(':') == ip.is_ipv6())
        .any(|e| crate::cidr::holds(e, ip) == Some(true));
    !excepted
}

/// Whether a NetworkPolicy egress rule allows TCP traffic to `ip`:`port`.
pub fn rule_allows(rule: &Doc, ip: IpAddr, port: u16) -> bool {
    let ports_ok = match rule.get("ports").and_then(Doc::as_array) {
        None => true,
        Some([]) => true,
        Some(ports) => ports.iter().any(|e| port_allows(e, port)),
    };
    let peers_ok = match rule.get("to").and_then(Doc::as_array) {
        None => true,
        Some([]) => true,
        Some(peers) => peers.iter().any(|p| peer_allows(p, ip)),
    };
    ports_ok && peers_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Doc;
    use serde_json::json;

    /// Whether `rule` lets traffic to the metadata service through.
    fn allows(rule: serde_json::Value) -> bool {
        let ip = "169.254.169.254".parse().expect("an address");
        rule_allows(&Doc::from(rule), ip, 80)
    }

    #[test]
    fn a_zero_prefix_is_the_whole_family_however_written() {
        for v4 in ["0.0.0.0/0", "10.0.0.0/0", "1.2.3.4/0", "0.0.0.0/00"] {
            assert_eq!(whole_family(v4), Some("0.0.0.0/0"), "{v4}");
        }
        for v6 in ["::/0", "::0/0", "0:0:0:0:0:0:0:0/0", "fd00::/0"] {
            assert_eq!(whole_family(v6), Some("::/0"), "{v6}");
        }
        for not in ["0.0.0.0/1", "10.0.0.0/8", "0.0.0.0", "x/0", "::/1"] {
            assert_eq!(whole_family(not), None, "{not}");
        }
    }

    #[test]
    fn rules_allow_as_the_api_defines() {
        // Every destination, every port.
        assert!(allows(json!({})));
        // The world except the metadata address.
        assert!(!allows(
            json!({"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.169.254/32"]}}]})
        ));
        assert!(allows(
            json!({"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}}]})
        ));
        // Pods only.
        assert!(!allows(json!({"to": [{"namespaceSelector": {}}]})));
        // DNS only.
        assert!(!allows(
            json!({"ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]})
        ));
        // A range holding 80, and a port-less TCP entry.
        assert!(allows(json!({"ports": [{"port": 1, "endPort": 1024}]})));
        assert!(allows(json!({"ports": [{"protocol": "TCP"}]})));
        // A named port cannot match an address outside the cluster.
        assert!(!allows(json!({"ports": [{"port": "http"}]})));
        // Ranges as the API server reads them: zero-padded, IPv4-mapped.
        assert!(allows(
            json!({"to": [{"ipBlock": {"cidr": "169.254.000.000/016"}}]})
        ));
        assert!(allows(
            json!({"to": [{"ipBlock": {"cidr": "::ffff:169.254.0.0/112"}}]})
        ));
        // An IPv4-mapped `except` is not taken to except the IPv4 address.
        assert!(allows(
            json!({"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["::ffff:169.254.0.0/112"]}}]})
        ));
    }
}
