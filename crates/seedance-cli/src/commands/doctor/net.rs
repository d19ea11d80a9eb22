//! `seedance doctor`'s network checks: name resolution, TCP, TLS and the server's clock (one
//! request without credentials), and the authenticated probe (through the facade only).

use std::{
    net::{IpAddr, SocketAddr},
    time::{Duration, Instant, SystemTime},
};

use reqwest::Url;
use seedance_sdk::{Client, Error, TaskHandle};

use super::{Check, Status};
use crate::text::printable;

/// The longest wait for a name lookup, a connection or a whole request: a doctor that hangs
/// tells nothing.
pub(super) const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// A clock further off than this is reported: signed video URLs, expiry times and the time
/// windows that find a submitted task depend on it.
const CLOCK_WARN: Duration = Duration::from_secs(5);
/// Further off than this fails: TLS certificates and signed URLs are then judged wrongly.
const CLOCK_FAIL: Duration = Duration::from_secs(300);

/// The task id of the probe: no provider issues ids of this shape, so the answer is "not found"
/// and nothing is created, read or billed.
pub(super) const PROBE_TASK_ID: &str = "seedance-doctor-probe-0";

/// The outcome of a name lookup.
#[derive(Debug)]
pub(super) enum Lookup {
    /// The host is an IP address: nothing to look up.
    Literal(IpAddr),
    /// The name resolved.
    Resolved(Vec<SocketAddr>),
    /// The name is reserved never to resolve (RFC 6761 `.invalid`): a configuration error,
    /// whatever the network.
    Reserved,
    /// The lookup failed (or timed out), with the reason.
    Failed(String),
}

/// Looks `host` up.
pub(super) async fn lookup(host: &str, port: u16) -> Lookup {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Lookup::Literal(ip);
    }
    let name = host.trim_end_matches('.').to_ascii_lowercase();
    if name == "invalid" || name.ends_with(".invalid") {
        return Lookup::Reserved;
    }
    match tokio::time::timeout(STEP_TIMEOUT, tokio::net::lookup_host((host, port))).await {
        Ok(Ok(addrs)) => {
            let addrs: Vec<SocketAddr> = addrs.collect();
            if addrs.is_empty() {
                Lookup::Failed("no address".into())
            } else {
                Lookup::Resolved(addrs)
            }
        }
        Ok(Err(err)) => Lookup::Failed(err.to_string()),
        Err(_) => Lookup::Failed(format!("no answer in {} s", STEP_TIMEOUT.as_secs())),
    }
}

/// Whether this machine has a route to the internet at all. A UDP "connect" only consults the
/// routing table: no packet leaves.
pub(super) fn has_route() -> bool {
    let probe = |bind: &str, target: &str| {
        std::net::UdpSocket::bind(bind).and_then(|socket| socket.connect(target))
    };
    // Documentation addresses (RFC 5737, RFC 3849): routable, never contacted.
    probe("0.0.0.0:0", "192.0.2.1:53").is_ok() || probe("[::]:0", "[2001:db8::1]:53").is_ok()
}

/// Whether any of `hosts` resolves (looked up together).
pub(super) async fn any_resolves(hosts: &[(String, u16)]) -> bool {
    let lookups =
        futures_util::future::join_all(hosts.iter().map(|(host, port)| lookup(host, *port))).await;
    lookups.iter().any(|l| matches!(l, Lookup::Resolved(_)))
}

/// Whether the lookups that failed mean "offline" rather than "this host is wrong": every name
/// that needed a lookup failed, and either the machine has no route or at least two different
/// names failed (one name failing alone, with a route, is that name's problem).
pub(super) fn offline(failed: usize, resolved: usize, route: bool) -> bool {
    failed > 0 && resolved == 0 && (!route || failed >= 2)
}

/// The DNS check from a lookup.
pub(super) fn dns_check(host: &str, lookup: &Lookup) -> Check {
    let host = printable(host);
    match lookup {
        Lookup::Literal(ip) => Check::ok(format!("{ip} is an address; nothing to look up")),
        Lookup::Resolved(addrs) => Check::ok(format!(
            "{host} resolves to {}",
            addrs
                .iter()
                .map(|addr| addr.ip().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Lookup::Reserved => Check::fail(format!(
            "{host} can never resolve (.invalid is reserved, RFC 6761); fix the base URL"
        )),
        Lookup::Failed(reason) => Check::fail(format!(
            "cannot resolve {host} ({}); check the base URL and DNS",
            printable(reason)
        )),
    }
}

/// Connects to one of `addrs` (in order).
pub(super) async fn tcp(addrs: &[SocketAddr]) -> Check {
    let mut last = String::from("no address");
    for addr in addrs {
        let started = Instant::now();
        match tokio::time::timeout(STEP_TIMEOUT, tokio::net::TcpStream::connect(addr)).await {
            Ok(Ok(_)) => {
                return Check::ok(format!(
                    "connected to {addr} in {} ms",
                    started.elapsed().as_millis()
                ));
            }
            Ok(Err(err)) => last = format!("{addr}: {err}"),
            Err(_) => last = format!("{addr}: no answer in {} s", STEP_TIMEOUT.as_secs()),
        }
    }
    Check::fail(format!("cannot connect ({})", printable(&last)))
}

/// What the request without credentials found: the TLS and clock checks, and the offset.
pub(super) struct Plain {
    pub(super) tls: Check,
    pub(super) clock: Check,
    pub(super) offset_seconds: Option<f64>,
}

/// `HEAD base_url` with no credentials and no redirects: any answer proves TCP and TLS, and its
/// `Date` header gives the server's clock. The API key is never on this request.
pub(super) async fn plain_request(base_url: &Url) -> Plain {
    let https = base_url.scheme() == "https";
    let skipped = |why: &str| Check::skipped(why.to_owned());
    let options = seedance_runtime::ClientOptions::default()
        .with_timeout(Some(STEP_TIMEOUT))
        .with_connect_timeout(STEP_TIMEOUT);
    let client = match seedance_runtime::http_client_builder(&options)
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(client) => client,
        Err(err) => {
            let failed = Check::fail(format!("cannot build an HTTP client ({err})"));
            return Plain {
                tls: failed,
                clock: skipped("no request could be made"),
                offset_seconds: None,
            };
        }
    };
    let sent = SystemTime::now();
    let started = Instant::now();
    let answer = client.head(base_url.clone()).send().await;
    let round_trip = started.elapsed();
    match answer {
        Ok(response) => {
            let tls = if https {
                Check::ok(format!(
                    "TLS handshake done; the server answered HTTP {}",
                    response.status().as_u16()
                ))
            } else {
                Check::skipped(format!(
                    "plain http (loopback or allowed); the server answered HTTP {}",
                    response.status().as_u16()
                ))
            };
            let date = response
                .headers()
                .get(reqwest::header::DATE)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned);
            let (clock, offset_seconds) = clock_check(date.as_deref(), sent + round_trip / 2);
            Plain {
                tls,
                clock,
                offset_seconds,
            }
        }
        Err(err) => {
            let reason = printable(&error_chain(&err)).into_owned();
            let tls = if https {
                Check::fail(format!("no HTTPS answer ({reason})"))
            } else {
                Check::fail(format!("no HTTP answer ({reason})"))
            };
            Plain {
                tls,
                clock: skipped("the server did not answer"),
                offset_seconds: None,
            }
        }
    }
}

/// The clock check from a `Date` header read at `local` (the middle of the round trip).
/// `Date` has a resolution of one second, so the offset is exact to about a second.
pub(super) fn clock_check(date: Option<&str>, local: SystemTime) -> (Check, Option<f64>) {
    let Some(date) = date else {
        return (
            Check::warn("the server sent no Date header; the clock could not be compared".into()),
            None,
        );
    };
    let Ok(server) = httpdate::parse_http_date(date) else {
        return (
            Check::warn(format!(
                "the server's Date header {:?} cannot be read",
                printable(date)
            )),
            None,
        );
    };
    // `Date` is truncated to the second: the server's time was in [date, date + 1 s).
    let server = server + Duration::from_millis(500);
    let offset = match server.duration_since(local) {
        Ok(ahead) => ahead.as_secs_f64(),
        Err(behind) => -behind.duration().as_secs_f64(),
    };
    let distance = Duration::from_secs_f64(offset.abs().min(1e9));
    let text = if offset >= 0.0 {
        format!("the server's clock is {offset:.1} s ahead of this machine's")
    } else {
        format!(
            "the server's clock is {:.1} s behind this machine's",
            -offset
        )
    };
    let check = if distance > CLOCK_FAIL {
        Check::fail(format!(
            "{text}; set this machine's clock (NTP): signed URLs, expiry times and task windows \
             are judged wrongly"
        ))
    } else if distance > CLOCK_WARN {
        Check::warn(format!(
            "{text} (more than {} s); consider NTP",
            CLOCK_WARN.as_secs()
        ))
    } else {
        Check::ok(format!("{text} (Date is exact to ±0.5 s)"))
    };
    (check, Some(offset))
}

/// The authenticated probe: the status of a task that does not exist, through the facade's
/// `Client::status`, so the key goes exactly where every other command sends it. `key` (if any)
/// is removed from whatever the provider answered, in case it echoes it.
pub(super) async fn probe(client: &Client, key: Option<&str>) -> Check {
    let handle = TaskHandle::new(
        client.provider(),
        client.base_url(),
        PROBE_TASK_ID,
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    );
    let answer = tokio::time::timeout(STEP_TIMEOUT * 2, client.status(&handle)).await;
    let redact = |text: String| {
        let text = match key {
            Some(key) if !key.is_empty() => text.replace(key, "[key]"),
            _ => text,
        };
        printable(&text).into_owned()
    };
    let Ok(answer) = answer else {
        return Check::fail(format!(
            "no answer to a status request in {} s",
            (STEP_TIMEOUT * 2).as_secs()
        ));
    };
    let (status, detail) = match answer {
        Ok(_) => (
            Status::Ok,
            "key accepted (the server answered a status request)".to_owned(),
        ),
        Err(Error::NotFound { .. }) => (
            Status::Ok,
            "key accepted (a status request for a task that does not exist was answered \
             \"not found\")"
                .to_owned(),
        ),
        Err(err @ (Error::Auth { .. } | Error::PermissionDenied { .. })) => {
            (Status::Fail, format!("bad key: {err}"))
        }
        Err(Error::Provider(err)) if matches!(err.status, Some(401 | 403)) => {
            (Status::Fail, format!("bad key: {err}"))
        }
        Err(err @ Error::RateLimited { .. }) => (
            Status::Warn,
            format!("rate limited, so the key could not be confirmed ({err}); try again later"),
        ),
        Err(err @ Error::InsufficientQuota { .. }) => (
            Status::Warn,
            format!("key accepted, but the account cannot pay for tasks ({err})"),
        ),
        Err(err) => (
            Status::Fail,
            format!(
                "unexpected answer to a status request: {}",
                error_chain(&err)
            ),
        ),
    };
    Check {
        status,
        detail: redact(detail),
    }
}

/// `err` and its sources on one line.
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut next = err.source();
    while let Some(source) = next {
        text.push_str(": ");
        text.push_str(&source.to_string());
        next = source.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offline_only_when_every_lookup_failed_and_it_looks_like_the_network() {
        assert!(offline(1, 0, false), "no route: offline");
        assert!(offline(3, 0, true), "several names failed: offline");
        assert!(
            !offline(1, 0, true),
            "one name failed with a route: that name"
        );
        assert!(!offline(2, 1, false), "something resolved: online");
        assert!(!offline(0, 0, false), "nothing looked up");
    }

    #[tokio::test]
    async fn reserved_and_literal_hosts_need_no_lookup() {
        assert!(matches!(
            lookup("api.x.invalid", 443).await,
            Lookup::Reserved
        ));
        assert!(matches!(lookup("INVALID.", 443).await, Lookup::Reserved));
        assert!(matches!(lookup("127.0.0.1", 1).await, Lookup::Literal(_)));
        assert!(matches!(lookup("[::1]", 1).await, Lookup::Literal(_)));
        let check = dns_check("api.x.invalid", &Lookup::Reserved);
        assert_eq!(check.status, Status::Fail);
        assert!(check.detail.contains("RFC 6761"), "{}", check.detail);
    }

    #[test]
    fn clock_offsets_are_judged() {
        let server = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        let check = |local_offset: i64| {
            let local = if local_offset >= 0 {
                server + Duration::from_secs(local_offset.unsigned_abs())
            } else {
                server - Duration::from_secs(local_offset.unsigned_abs())
            };
            clock_check(Some("Sun, 06 Nov 1994 08:49:37 GMT"), local)
        };
        let (ok, offset) = check(1);
        assert_eq!((ok.status, offset), (Status::Ok, Some(-0.5)));
        assert!(ok.detail.contains("0.5 s behind"), "{}", ok.detail);
        let (warn, offset) = check(-30);
        assert_eq!((warn.status, offset), (Status::Warn, Some(30.5)));
        assert!(warn.detail.contains("30.5 s ahead"), "{}", warn.detail);
        assert_eq!(check(3600).0.status, Status::Fail);
        let (missing, offset) = clock_check(None, server);
        assert_eq!((missing.status, offset), (Status::Warn, None));
        let (garbled, _) = clock_check(Some("yesterday\u{1b}[2J"), server);
        assert_eq!(garbled.status, Status::Warn);
        assert!(!garbled.detail.contains('\u{1b}'), "{}", garbled.detail);
    }
}
