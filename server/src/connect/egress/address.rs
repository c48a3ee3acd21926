//! Which IP addresses count as public: a provider's API may be called there, nowhere else.
//!
//! The ranges are IANA's special-purpose address registries (RFC 6890 and its updates). The
//! rule for IPv6 is an allow-list, because only 2000::/3 is allocated as global unicast
//! (RFC 4291 section 2.4): loopback, unspecified, unique-local fc00::/7, link-local fe80::/10,
//! multicast ff00::/8 and the rest all fall outside it. Addresses that carry an IPv4 address
//! (IPv4-mapped ::ffff:0:0/96, NAT64 64:ff9b::/96) are judged by that IPv4 address, since a
//! connection to them reaches it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether a connection to `ip` would leave for the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let special = a == 0 // "this network" (RFC 791); 0.0.0.0 reaches the local host on Linux
        || a == 10 // private (RFC 1918)
        || (a == 100 && (64..=127).contains(&b)) // shared address space, CGNAT (RFC 6598)
        || a == 127 // loopback
        || (a == 169 && b == 254) // link-local, where cloud metadata lives (169.254.169.254)
        || (a == 172 && (16..=31).contains(&b)) // private
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2) // documentation (TEST-NET-1)
        || (a == 192 && b == 88 && c == 99) // 6to4 relay anycast (RFC 7526)
        || (a == 192 && b == 168) // private
        || (a == 198 && (b == 18 || b == 19)) // benchmarking (RFC 2544)
        || (a == 198 && b == 51 && c == 100) // documentation (TEST-NET-2)
        || (a == 203 && b == 0 && c == 113) // documentation (TEST-NET-3)
        || a >= 224; // multicast 224/4, reserved 240/4, broadcast
    !special
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = ip.segments();
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        let [a, b] = s[6].to_be_bytes();
        let [c, d] = s[7].to_be_bytes();
        return is_public_v4(Ipv4Addr::new(a, b, c, d));
    }
    if s[0] & 0xe000 != 0x2000 {
        return false;
    }
    let special = (s[0] == 0x2001 && s[1] == 0) // Teredo: tunnels to an embedded IPv4 address
        || (s[0] == 0x2001 && s[1] == 0x2 && s[2] == 0) // benchmarking
        || (s[0] == 0x2001 && (0x10..=0x2f).contains(&s[1])) // ORCHID and ORCHIDv2
        || (s[0] == 0x2001 && s[1] == 0xdb8) // documentation
        || s[0] == 0x2002 // 6to4: tunnels to an embedded IPv4 address
        || (s[0] == 0x3fff && s[1] < 0x1000); // documentation (RFC 9637)
    !special
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(text: &str) -> bool {
        is_public(text.parse().expect("an IP address"))
    }

    #[test]
    fn loopback_private_link_local_cgnat_and_reserved_ipv4_are_not_public() {
        for ip in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.8.9.10",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.88.99.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
        ] {
            assert!(!public(ip), "{ip} must not count as public");
        }
    }

    #[test]
    fn ordinary_ipv4_addresses_are_public() {
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "100.63.255.255",
            "100.128.0.1",
            "104.16.0.1",
            "172.15.0.1",
            "172.32.0.1",
            "198.20.0.1",
        ] {
            assert!(public(ip), "{ip} is public");
        }
    }

    #[test]
    fn ipv6_loopback_local_multicast_documentation_and_tunnels_are_not_public() {
        for ip in [
            "::",
            "::1",
            "::127.0.0.1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::7f00:1",
            "64:ff9b:1::1",
            "100::1",
            "2001::1",
            "2001:2::1",
            "2001:10::1",
            "2001:20::1",
            "2001:db8::1",
            "2002:7f00:1::1",
            "3fff::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
        ] {
            assert!(!public(ip), "{ip} must not count as public");
        }
    }

    #[test]
    fn global_ipv6_and_mapped_public_ipv4_are_public() {
        for ip in [
            "2606:4700::1111",
            "2a00:1450:4001::200e",
            "2001:4860:4860::8888",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert!(public(ip), "{ip} is public");
        }
    }
}
