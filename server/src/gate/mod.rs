//! The one gate for a number with its proof (a query code, or an applicant's mobile): every
//! endpoint that opens a case or a complaint for the public passes through `pass`, which
//! counts failures per client address and per number and refuses with 429 past the limits
//! (`throttle`). Case lookups, receipts, supplements, withdrawals, case ratings, complaint
//! lookups and ratings, and complaints filed about a case all go through it.
//!
//! - `pass` reserves the attempt before the proof is checked (check and reserve are one
//!   step, so parallel guesses cannot run past the limit; parallel right answers wait for
//!   their turn); a miss counts, a success does not.
//! - `client_addr` is the address that is counted: the TCP peer's, or the forwarded one when
//!   the peer is a trusted proxy (`--trusted-proxy`); `addr_key` counts IPv6 per /64.

pub mod rate;
pub mod shared;
pub mod throttle;

use std::future::Future;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use axum::http::HeaderMap;
use ipnet::IpNet;

use crate::error::ApiError;
use throttle::Throttle;

/// The most forwarding hops read from the right of `X-Forwarded-For` or `Forwarded`.
const MAX_HOPS: usize = 16;

/// Runs `attempt` (the check of a number's proof: `Some` when it opens, `None` for a miss
/// or an unknown number) at the gate for `number` from `addr` (the client's address, by
/// `client_addr`). Refused with 429 before the attempt when the address or the number is
/// past its limit; a miss is counted, a success and an error are not.
pub async fn pass<T, F>(
    addr: Option<IpAddr>,
    number: &str,
    attempt: F,
) -> Result<Option<T>, ApiError>
where
    F: Future<Output = Result<Option<T>, ApiError>>,
{
    let addr = addr.map(addr_key);
    let reservation = Throttle::global()
        .reserve(addr, number)
        .await
        .map_err(ApiError::TooManyRequests)?;
    match attempt.await? {
        Some(opened) => {
            reservation.succeeded();
            Ok(Some(opened))
        }
        None => {
            Throttle::global().share_failure(addr, number).await;
            reservation.failed();
            Ok(None)
        }
    }
}

/// What the gate counts `addr` as: an IPv4 address (also when written as IPv4-mapped IPv6)
/// on its own, an IPv6 address by its /64 network (a subscriber gets a whole /64, so its
/// addresses are one client).
pub fn addr_key(addr: IpAddr) -> IpAddr {
    match addr.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !(u64::MAX as u128))),
    }
}

/// The client's address: the TCP `peer`'s, unless the peer is in `trusted` (the configured
/// reverse proxies). Then it is the right-most address of `X-Forwarded-For` (or, when that
/// header is absent, of `Forwarded`'s `for=`) that is not itself a trusted proxy: the
/// entries to its left were written by the client and prove nothing. When every entry is a
/// trusted proxy, the left-most; when an entry cannot be read, the last one read before it.
pub fn client_addr(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let peer = peer.to_canonical();
    let is_trusted = |a: &IpAddr| trusted.iter().any(|net| net.contains(a));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops = forwarded_hops(headers);
    let mut client = peer;
    for hop in hops.iter().rev().take(MAX_HOPS) {
        let Some(addr) = hop else { break };
        client = addr.to_canonical();
        if !is_trusted(&client) {
            break;
        }
    }
    client
}

/// The hops of `X-Forwarded-For` (every value, in order), or of `Forwarded` without it;
/// `None` for an entry that is not an address (`unknown`, an obfuscated name, garbage).
fn forwarded_hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let values = |name: &str| -> Vec<Option<String>> {
        headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().ok().map(str::to_string))
            .collect()
    };
    let xff = values("x-forwarded-for");
    if !xff.is_empty() {
        return xff
            .iter()
            .flat_map(|v| match v {
                Some(v) => v.split(',').map(parse_hop).collect(),
                None => vec![None],
            })
            .collect();
    }
    values("forwarded")
        .iter()
        .flat_map(|v| match v {
            Some(v) => v
                .split(',')
                .map(|element| {
                    element
                        .split(';')
                        .filter_map(|pair| pair.split_once('='))
                        .find(|(name, _)| name.trim().eq_ignore_ascii_case("for"))
                        .and_then(|(_, value)| parse_hop(value))
                })
                .collect(),
            None => vec![None],
        })
        .collect()
}

/// One forwarded address: `192.0.2.1`, `2001:db8::1`, `192.0.2.1:4711`, `[2001:db8::1]`,
/// `[2001:db8::1]:4711`, quoted or not.
fn parse_hop(text: &str) -> Option<IpAddr> {
    let text = text.trim().trim_matches('"').trim();
    if let Ok(addr) = text.parse::<IpAddr>() {
        return Some(addr);
    }
    if let Ok(socket) = text.parse::<SocketAddr>() {
        return Some(socket.ip());
    }
    let inner = text.strip_prefix('[')?.split(']').next()?;
    inner.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn ipv6_counts_per_64_and_ipv4_per_address() {
        assert_eq!(addr_key(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(
            addr_key(ip("2001:db8:1:2:ffff:ffff:ffff:ffff")),
            addr_key(ip("2001:db8:1:2::7")),
            "one /64 is one client"
        );
        assert_ne!(
            addr_key(ip("2001:db8:1:2::1")),
            addr_key(ip("2001:db8:1:3::1"))
        );
        assert_eq!(addr_key(ip("203.0.113.7")), ip("203.0.113.7"));
        assert_ne!(addr_key(ip("203.0.113.7")), addr_key(ip("203.0.113.8")));
        assert_eq!(
            addr_key(ip("::ffff:203.0.113.7")),
            ip("203.0.113.7"),
            "IPv4-mapped"
        );
    }

    #[test]
    fn forwarded_addresses_count_only_from_a_trusted_proxy() {
        let spoof = headers(&[("x-forwarded-for", "198.51.100.9")]);
        // Not trusted (or nothing trusted): the peer, whatever the headers say.
        assert_eq!(
            client_addr(ip("203.0.113.5"), &spoof, &[]),
            ip("203.0.113.5")
        );
        let proxies = nets(&["10.0.0.0/8", "127.0.0.1/32"]);
        assert_eq!(
            client_addr(ip("203.0.113.5"), &spoof, &proxies),
            ip("203.0.113.5")
        );
        // From a trusted proxy: the right-most entry that is not a trusted proxy.
        assert_eq!(
            client_addr(ip("127.0.0.1"), &spoof, &proxies),
            ip("198.51.100.9")
        );
        let chain = headers(&[("x-forwarded-for", "1.1.1.1, 198.51.100.9, 10.0.0.2")]);
        assert_eq!(
            client_addr(ip("10.0.0.1"), &chain, &proxies),
            ip("198.51.100.9")
        );
        // Several header lines are one list.
        let lines = headers(&[
            ("x-forwarded-for", "1.1.1.1"),
            ("x-forwarded-for", "198.51.100.9:4711"),
        ]);
        assert_eq!(
            client_addr(ip("10.0.0.1"), &lines, &proxies),
            ip("198.51.100.9")
        );
        // Only trusted proxies: the left-most; garbage stops the walk; no header: the peer.
        let inner = headers(&[("x-forwarded-for", "10.0.0.3, 10.0.0.2")]);
        assert_eq!(
            client_addr(ip("10.0.0.1"), &inner, &proxies),
            ip("10.0.0.3")
        );
        let garbage = headers(&[("x-forwarded-for", "198.51.100.9, nonsense, 10.0.0.2")]);
        assert_eq!(
            client_addr(ip("10.0.0.1"), &garbage, &proxies),
            ip("10.0.0.2")
        );
        assert_eq!(
            client_addr(ip("10.0.0.1"), &HeaderMap::new(), &proxies),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn the_forwarded_header_is_read_without_x_forwarded_for() {
        let proxies = nets(&["10.0.0.0/8"]);
        let h = headers(&[(
            "forwarded",
            r#"for=192.0.2.60;proto=http;by=203.0.113.43, For="[2001:db8:cafe::17]:4711""#,
        )]);
        assert_eq!(
            client_addr(ip("10.0.0.1"), &h, &proxies),
            ip("2001:db8:cafe::17")
        );
        let h = headers(&[("forwarded", "for=192.0.2.43:47011;proto=https")]);
        assert_eq!(client_addr(ip("10.0.0.1"), &h, &proxies), ip("192.0.2.43"));
        let h = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(client_addr(ip("10.0.0.1"), &h, &proxies), ip("10.0.0.1"));
        // X-Forwarded-For wins when both are sent.
        let h = headers(&[
            ("forwarded", "for=192.0.2.43"),
            ("x-forwarded-for", "198.51.100.9"),
        ]);
        assert_eq!(
            client_addr(ip("10.0.0.1"), &h, &proxies),
            ip("198.51.100.9")
        );
    }
}
