//! CIDR ranges as Kubernetes reads them: `k8s.io/utils/net.ParseCIDRSloppy`, which every API
//! server applies to the fields that take one (a Service's `loadBalancerSourceRanges`, a
//! NetworkPolicy's `ipBlock`). An address, `/`, then a decimal prefix length no longer than
//! the family's; IPv4 octets with leading zeros are read as decimal; nothing is trimmed. A
//! range is judged as the network it names, not as text: `10.0.0.0/0` is every address, and
//! an IPv4-mapped IPv6 network of prefix 96 or more is the IPv4 network it maps (Go's
//! `IPNet.Contains` reads it so).

use std::net::IpAddr;

/// Whether a CIDR holds every address of its family: `Some(true)` for any `/0` and an
/// IPv4-mapped `/96`, `Some(false)` for a narrower one, `None` when the text is not a CIDR.
pub fn is_whole(text: &str) -> Option<bool> {
    let (addr, prefix) = text.split_once('/')?;
    if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let prefix: u32 = prefix.parse().ok()?;
    if addr.contains(':') {
        let ip: std::net::Ipv6Addr = addr.parse().ok()?;
        if prefix > 128 {
            return None;
        }
        Some(prefix == 0 || (prefix == 96 && ip.to_ipv4_mapped().is_some()))
    } else {
        let octets: Vec<&str> = addr.split('.').collect();
        let valid = octets.len() == 4
            && octets.iter().all(|o| {
                !o.is_empty()
                    && o.bytes().all(|b| b.is_ascii_digit())
                    && o.parse::<u32>().is_ok_and(|n| n <= 255)
            });
        (valid && prefix <= 32).then_some(prefix == 0)
    }
}

/// A CIDR's family (`IPv4`, `IPv6`) and its first and last address; `None` when the text is
/// not a CIDR.
pub fn interval(text: &str) -> Option<(&'static str, u128, u128)> {
    let (addr, prefix) = text.split_once('/')?;
    is_whole(text)?;
    let prefix: u32 = prefix.parse().ok()?;
    let span = |bits: u32, value: u128, prefix: u32| {
        let host = bits - prefix;
        let mask = if host >= 128 {
            u128::MAX
        } else {
            (1u128 << host) - 1
        };
        (value & !mask, value | mask)
    };
    if addr.contains(':') {
        let ip: std::net::Ipv6Addr = addr.parse().ok()?;
        match ip.to_ipv4_mapped() {
            Some(v4) if prefix >= 96 => {
                let (first, last) = span(32, u128::from(u32::from(v4)), prefix - 96);
                Some(("IPv4", first, last))
            }
            _ => {
                let (first, last) = span(128, u128::from(ip), prefix);
                Some(("IPv6", first, last))
            }
        }
    } else {
        let mut v = 0u32;
        for o in addr.split('.') {
            v = (v << 8) | o.parse::<u32>().ok()?;
        }
        let (first, last) = span(32, u128::from(v), prefix);
        Some(("IPv4", first, last))
    }
}

/// Whether a CIDR holds an address (never one of the other family); `None` when the text is
/// not a CIDR.
pub fn holds(text: &str, ip: IpAddr) -> Option<bool> {
    let (family, first, last) = interval(text)?;
    let (ip_family, ip) = match ip {
        IpAddr::V4(v4) => ("IPv4", u128::from(u32::from(v4))),
        IpAddr::V6(v6) => ("IPv6", u128::from(v6)),
    };
    Some(family == ip_family && (first..=last).contains(&ip))
}

/// Whether CIDR `inner` is a strict subset of CIDR `outer`: of the same family, inside it and
/// narrower (`ValidateIPBlock`'s rule for an `except` entry); `None` when either is not a
/// CIDR.
pub fn strictly_inside(inner: &str, outer: &str) -> Option<bool> {
    let (family, first, last) = interval(inner)?;
    let (outer_family, outer_first, outer_last) = interval(outer)?;
    Some(
        family == outer_family
            && outer_first <= first
            && last <= outer_last
            && last - first < outer_last - outer_first,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_as_parse_cidr_sloppy_reads_them() {
        for ok in [
            "10.0.0.0/8",
            "010.000.0.0/8",
            "0.0.0.0/00",
            "169.254.169.254/32",
            "2001:db8::/32",
            "fd00:ec2::254/128",
            "::/0",
            "::ffff:10.0.0.0/104",
        ] {
            assert!(interval(ok).is_some(), "{ok}");
        }
        for bad in [
            "",
            "10.0.0.0",
            "169.254.0.0/33",
            "169.254.0.0/l6",
            "169.254.0.0/",
            "169.254.0.0/-1",
            " 10.0.0.0/8",
            "10.0.0.0/8 ",
            "10.0.0/8",
            "256.0.0.0/8",
            "::/129",
            "fe80::1%eth0/64",
            "a.b.c.d/8",
        ] {
            assert_eq!(interval(bad), None, "{bad}");
        }
    }

    #[test]
    fn addresses_and_subsets_are_judged_as_networks() {
        let ip: IpAddr = "169.254.169.254".parse().expect("an address");
        assert_eq!(holds("0.0.0.0/0", ip), Some(true));
        assert_eq!(holds("169.254.0.0/16", ip), Some(true));
        assert_eq!(holds("169.254.169.254/32", ip), Some(true));
        assert_eq!(holds("169.254.0.1/16", ip), Some(true));
        assert_eq!(holds("10.0.0.0/8", ip), Some(false));
        assert_eq!(holds("::/0", ip), Some(false));
        assert_eq!(holds("169.254.169.254", ip), None);
        let v6: IpAddr = "fd00:ec2::254".parse().expect("an address");
        assert_eq!(holds("fd00:ec2::/32", v6), Some(true));
        assert_eq!(holds("0.0.0.0/0", v6), Some(false));

        assert_eq!(strictly_inside("169.254.0.0/16", "0.0.0.0/0"), Some(true));
        assert_eq!(
            strictly_inside("fd00:ec2::254/128", "fd00:ec2::/32"),
            Some(true)
        );
        assert_eq!(
            strictly_inside("169.254.0.0/16", "169.254.169.254/32"),
            Some(false)
        );
        assert_eq!(strictly_inside("10.0.0.0/8", "10.0.0.0/8"), Some(false));
        assert_eq!(strictly_inside("10.1.0.0/16", "10.0.0.0/16"), Some(false));
        assert_eq!(strictly_inside("fd00::/16", "0.0.0.0/0"), Some(false));
        assert_eq!(strictly_inside("10.0.0.0/33", "0.0.0.0/0"), None);
    }
}
