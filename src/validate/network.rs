//! The DNS option block: does the zone match the domain, and are the name
//! servers' addresses ones the public internet can reach?
//!
//! A notice's DNS servers are the ones the customer registers at their
//! registrar. A private or documentation address there is a typo or a
//! forgery, and would take the customer's mail offline. std's `Ipv4Addr`
//! helpers cover private, loopback, link-local, broadcast, documentation,
//! multicast and unspecified on stable; the other special-purpose ranges
//! of the IANA registry (RFC 6890) are listed in [`EXTRA_V4_RANGES`].

use super::{Code, Findings};
use crate::notice::Notice;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// IPv4 special-purpose ranges std has no stable helper for:
/// (network, prefix length, name).
const EXTRA_V4_RANGES: &[([u8; 4], u32, &str)] = &[
    ([0, 0, 0, 0], 8, "\"this network\""),
    (
        [100, 64, 0, 0],
        10,
        "shared address space (carrier-grade NAT)",
    ),
    ([192, 0, 0, 0], 24, "IETF protocol assignments"),
    ([198, 18, 0, 0], 15, "benchmarking"),
    ([240, 0, 0, 0], 4, "reserved"),
];

/// Why an IPv4 address is not public, if it is not.
fn v4_not_public(ip: Ipv4Addr) -> Option<&'static str> {
    if ip.is_unspecified() {
        return Some("unspecified");
    }
    if ip.is_loopback() {
        return Some("loopback");
    }
    if ip.is_private() {
        return Some("private");
    }
    if ip.is_link_local() {
        return Some("link-local");
    }
    if ip.is_broadcast() {
        return Some("broadcast");
    }
    if ip.is_documentation() {
        return Some("documentation");
    }
    if ip.is_multicast() {
        return Some("multicast");
    }
    let bits = u32::from(ip);
    EXTRA_V4_RANGES.iter().find_map(|(net, len, name)| {
        let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
        (bits & mask == u32::from(Ipv4Addr::from(*net)) & mask).then_some(*name)
    })
}

/// Why an IPv6 address is not public, if it is not.
fn v6_not_public(ip: Ipv6Addr) -> Option<&'static str> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return v4_not_public(v4);
    }
    let first = ip.segments().first().copied().unwrap_or(0);
    let second = ip.segments().get(1).copied().unwrap_or(0);
    if ip.is_unspecified() {
        Some("unspecified")
    } else if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if first & 0xfe00 == 0xfc00 {
        Some("unique local")
    } else if first & 0xffc0 == 0xfe80 {
        Some("link-local")
    } else if first == 0x2001 && second == 0x0db8 {
        Some("documentation")
    } else {
        None
    }
}

/// Why `ip` is not a public unicast address, if it is not.
pub(crate) fn not_public(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_not_public(v4),
        IpAddr::V6(v6) => v6_not_public(v6),
    }
}

fn normalise_host(h: &str) -> String {
    h.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// `dns_zone_mismatch`, `dns_ip_invalid`, `dns_ip_not_public`.
pub(crate) fn dns(n: &Notice, f: &mut Findings<'_>) {
    let Some(dns) = &n.dns else { return };
    if let (Some(zone), Some(domain)) = (&dns.zone, &n.domain)
        && normalise_host(zone) != normalise_host(domain)
    {
        f.push(
            Code::DnsZoneMismatch,
            Some("dns.zone".into()),
            format!("the DNS zone {zone} is not the notice's domain {domain}"),
        );
    }
    for (i, server) in dns.servers.iter().enumerate() {
        let Some(ip) = &server.ip else { continue };
        let field = Some(format!("dns.servers[{i}].ip"));
        let role = server.role.as_str();
        match ip.trim().parse::<IpAddr>() {
            Err(_) => f.push(
                Code::DnsIpInvalid,
                field,
                format!("the {role} DNS server's IP address {ip:?} is not an IPv4 or IPv6 address"),
            ),
            Ok(addr) => {
                if let Some(why) = not_public(addr) {
                    f.push(
                        Code::DnsIpNotPublic,
                        field,
                        format!("the {role} DNS server's IP address {addr} is {why}, not public"),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::validate::test_support::{clean_notice, codes};

    fn with_ip(ip: &str) -> Vec<&'static str> {
        let mut n = clean_notice();
        if let Some(d) = n.dns.as_mut()
            && let Some(s) = d.servers.first_mut()
        {
            s.ip = Some(ip.into());
        }
        codes(&n)
    }

    #[test]
    fn public_addresses_pass() {
        for ip in [
            "118.23.32.41",
            "8.8.8.8",
            "2001:4860:4860::8888",
            "100.128.0.1",
        ] {
            assert!(with_ip(ip).is_empty(), "{ip}");
        }
    }

    #[test]
    fn non_public_addresses_fail() {
        for ip in [
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "127.0.0.1",
            "169.254.1.1",
            "0.1.2.3",
            "100.64.0.1",
            "192.0.0.8",
            "192.0.2.1",
            "198.51.100.1",
            "203.0.113.1",
            "198.18.0.1",
            "224.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "::1",
            "fd00::1",
            "fe80::1",
            "2001:db8::1",
            "::ffff:10.0.0.1",
        ] {
            assert_eq!(with_ip(ip), vec!["dns_ip_not_public"], "{ip}");
        }
    }

    #[test]
    fn invalid_addresses_fail() {
        for ip in ["118.23.32", "118.23.32.256", "ns1.example.jp", ""] {
            assert_eq!(with_ip(ip), vec!["dns_ip_invalid"], "{ip}");
        }
    }

    #[test]
    fn zone_mismatch() {
        let mut n = clean_notice();
        if let Some(d) = n.dns.as_mut() {
            d.zone = Some("n7654321.insurance-agt.ne.jp".into());
        }
        assert_eq!(codes(&n), vec!["dns_zone_mismatch"]);
        if let Some(d) = n.dns.as_mut() {
            d.zone = Some("N1234567.insurance-agt.ne.jp.".into());
        }
        assert!(codes(&n).is_empty());
    }
}
