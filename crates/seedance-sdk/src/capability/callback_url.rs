//! Callback URLs: the provider calls them, so they must name a public https endpoint.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::media::parse_http_url;

/// What a callback URL may be, for messages.
pub(super) const CALLBACK_URLS: &str = "an https:// URL with a public host (not localhost, nor a loopback, private, link-local, CGNAT or unspecified IP address), up to 2048 characters";

/// The longest callback URL odkkk documents.
const CALLBACK_URL_MAX_LEN: usize = 2048;

/// Checks that the provider would call a public https endpoint: a callback to an internal address
/// would let a request make the provider probe the network it runs in (odkkk forbids them).
pub(super) fn check_callback_url(url: &str) -> Result<(), String> {
    if url.len() > CALLBACK_URL_MAX_LEN {
        return Err(format!("is {} characters long", url.len()));
    }
    let parsed = parse_http_url(url)?;
    if parsed.scheme() != "https" {
        return Err("is not https".into());
    }
    // `host_str` is normalized by the parser: IPv4 in any notation (`0x7f.1`, `2130706433`)
    // comes out dotted-decimal, IPv6 in brackets, names lowercase.
    let host = parsed.host_str().unwrap_or_default();
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = literal.parse::<IpAddr>() {
        if let Some(kind) = internal_ip(ip) {
            return Err(format!("names the {kind} address {host}"));
        }
        return Ok(());
    }
    let name = host.trim_end_matches('.');
    if name == "localhost" || name.ends_with(".localhost") {
        return Err(format!("names the local host {host}"));
    }
    Ok(())
}

/// The kind of a non-public address, or `None` for a public one.
fn internal_ip(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => internal_ipv4(v4),
        IpAddr::V6(v6) => internal_ipv6(v6),
    }
}

fn internal_ipv4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if a == 100 && (b & 0xc0) == 64 {
        Some("CGNAT")
    } else if a == 0 {
        Some("unspecified")
    } else if ip.is_broadcast() || ip.is_multicast() || a >= 240 {
        Some("non-unicast")
    } else {
        None
    }
}

fn internal_ipv6(ip: Ipv6Addr) -> Option<&'static str> {
    let segments = ip.segments();
    if ip.is_loopback() {
        return Some("loopback");
    }
    if ip.is_unspecified() {
        return Some("unspecified");
    }
    // An IPv4 address written as IPv6 (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, or the
    // NAT64 prefix `64:ff9b::/96`) reaches the IPv4 host.
    let embedded = segments[..6] == [0; 6]
        || segments[..6] == [0, 0, 0, 0, 0, 0xffff]
        || segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
    if embedded {
        let [.., high, low] = segments;
        let v4 = Ipv4Addr::from((u32::from(high) << 16) | u32::from(low));
        return internal_ipv4(v4);
    }
    match segments[0] {
        s if s & 0xfe00 == 0xfc00 => Some("private"),
        s if s & 0xffc0 == 0xfe80 => Some("link-local"),
        // Site-local, deprecated but still routed internally where used.
        s if s & 0xffc0 == 0xfec0 => Some("private"),
        s if s & 0xff00 == 0xff00 => Some("non-unicast"),
        _ => None,
    }
}
