//! Which base URLs may receive the API key: the credential rule.
//!
//! The key goes only to a base URL that is the provider's documented server or that this
//! process was configured with (`ClientBuilder::base_url`, `<PROVIDER>_BASE_URL`, the CLI's
//! `--base-url`), never to one that arrived in a task handle, and never over plain HTTP to a host
//! that is not loopback unless the caller opted in.

use std::net::IpAddr;

use reqwest::Url;

use crate::{
    error::Error,
    provider::{NO_VIDEO_HOSTS, Provider},
    text::bounded,
};

/// `raw` checked and normalized (no trailing slash: the generated clients append "/<path>").
///
/// # Errors
///
/// [`Error::InvalidBaseUrl`] unless it is an http(s) URL with a host and no credentials or
/// query; [`Error::InsecureBaseUrl`] for plain http to a host that is not loopback, unless
/// `allow_insecure_http`.
pub(crate) fn check(
    provider: Provider,
    raw: &str,
    allow_insecure_http: bool,
) -> Result<String, Error> {
    let trimmed = raw.trim().trim_end_matches('/');
    let invalid = |reason: &str| Error::InvalidBaseUrl {
        provider,
        base_url: bounded(raw),
        reason: format!(
            "{reason}; allowed: an https:// URL with a host, e.g. {}",
            provider.default_base_url()
        ),
    };
    let url = Url::parse(trimmed).map_err(|err| invalid(&format!("it is not a URL ({err})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(&format!(
            "the scheme {:?} is not http(s)",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("it has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "it carries credentials; give the API key separately",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it has a query or fragment"));
    }
    if url.scheme() == "http" && !is_loopback(&url) && !allow_insecure_http {
        return Err(Error::InsecureBaseUrl {
            provider,
            base_url: bounded(trimmed),
        });
    }
    Ok(trimmed.to_owned())
}

/// Whether `url` points at this machine: `localhost` (or `*.localhost`), `127.0.0.0/8`, `::1`.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        None => false,
    }
}

/// Whether `url` parses as a URL whose host is this machine (`localhost`, `127.0.0.0/8`,
/// `[::1]`): a simulator or a test server. An unparsable URL is not loopback.
pub fn is_loopback_url(url: &str) -> bool {
    Url::parse(url.trim()).is_ok_and(|url| is_loopback(&url))
}

/// `url` checked as [`ClientBuilder::build`](crate::ClientBuilder::build) checks a base URL, and
/// normalized (no trailing slash), without building a client: for a tool that reports a
/// configuration before using it (`seedance doctor`).
///
/// # Errors
///
/// [`Error::InvalidBaseUrl`] unless it is an http(s) URL with a host and no credentials or
/// query; [`Error::InsecureBaseUrl`] for plain http to a host that is not loopback, unless
/// `allow_insecure_http`.
pub fn check_base_url(
    provider: Provider,
    url: &str,
    allow_insecure_http: bool,
) -> Result<String, Error> {
    check(provider, url, allow_insecure_http)
}

/// Whether `url` is one of the servers `provider` documents ([`Provider::documented_base_urls`]),
/// compared after parsing. Such a URL is trusted with the API key even when a task handle names
/// it; any other URL receives the key only when this process was configured with it.
pub fn is_documented_base_url(provider: Provider, url: &str) -> bool {
    provider
        .documented_base_urls()
        .iter()
        .any(|documented| same(documented, url))
}

/// Why `provider` at `base_url` cannot generate videos, when `base_url` is on a host the provider
/// documents that is known to serve no video models (BytePlus ModelArk's EU host); the reason
/// names the host, where video is served instead, and its source. `None` for every other URL,
/// including an unparsable one: only documented hosts are known.
///
/// The API key may still go to such a host (it is a documented server): this is a warning for a
/// user who may know better, not a refusal.
///
/// ```
/// use seedance_sdk::{Provider, video_unavailable};
///
/// let why = video_unavailable(Provider::Ark, "https://ark.eu-west.bytepluses.com/api/v3")
///     .expect("the EU host serves no video");
/// assert!(why.contains("https://ark.ap-southeast.bytepluses.com/api/v3"));
/// assert_eq!(
///     video_unavailable(Provider::Ark, Provider::Ark.default_base_url()),
///     None
/// );
/// ```
pub fn video_unavailable(provider: Provider, base_url: &str) -> Option<&'static str> {
    let url = Url::parse(base_url.trim()).ok()?;
    let host = url.host_str()?.trim_end_matches('.').to_ascii_lowercase();
    NO_VIDEO_HOSTS
        .iter()
        .find(|(listed, listed_host, _)| *listed == provider && *listed_host == host)
        .map(|(_, _, why)| *why)
}

/// Whether two base URLs name the same server and path (scheme, host, port and path compared
/// after parsing, so `HTTPS://API.x.ai/v1/` equals `https://api.x.ai:443/v1`).
pub(crate) fn same(a: &str, b: &str) -> bool {
    let key = |raw: &str| {
        let url = Url::parse(raw.trim().trim_end_matches('/')).ok()?;
        Some((
            url.scheme().to_owned(),
            url.host_str()?.trim_end_matches('.').to_ascii_lowercase(),
            url.port_or_known_default(),
            url.path().trim_end_matches('/').to_owned(),
        ))
    };
    match (key(a), key(b)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked() {
        let ok = |raw: &str| check(Provider::Odkkk, raw, false);
        assert_eq!(
            ok("https://ai.odkkk.com/apiv1/").unwrap(),
            "https://ai.odkkk.com/apiv1"
        );
        assert_eq!(
            ok("http://127.0.0.1:8080/apiv1").unwrap(),
            "http://127.0.0.1:8080/apiv1"
        );
        assert_eq!(ok("http://localhost:1").unwrap(), "http://localhost:1");
        assert_eq!(ok("http://[::1]:1/x").unwrap(), "http://[::1]:1/x");
        for bad in [
            "ai.odkkk.com/apiv1",
            "ftp://x.com",
            "https://",
            "https://user:pw@x.com",
            "https://x.com/?a=b",
            "",
        ] {
            assert!(
                matches!(ok(bad), Err(Error::InvalidBaseUrl { .. })),
                "{bad}"
            );
        }
        for insecure in [
            "http://ai.odkkk.com/apiv1",
            "http://10.0.0.1",
            "http://127.0.0.1.example.com",
        ] {
            let err = ok(insecure).unwrap_err();
            assert!(
                matches!(err, Error::InsecureBaseUrl { .. }),
                "{insecure}: {err}"
            );
            assert!(err.to_string().contains("allow_insecure_http"), "{err}");
            assert!(
                check(Provider::Odkkk, insecure, true).is_ok(),
                "opt-in: {insecure}"
            );
        }
    }

    #[test]
    fn documented_servers_are_recognized() {
        assert!(is_documented_base_url(
            Provider::Odkkk,
            "HTTPS://api.evolink.ai/"
        ));
        assert!(is_documented_base_url(
            Provider::Ark,
            Provider::Ark.default_base_url()
        ));
        assert!(!is_documented_base_url(
            Provider::Modellix,
            "https://api.jiekou.ai"
        ));
        assert!(!is_documented_base_url(
            Provider::Jiekou,
            "http://127.0.0.1:9"
        ));
    }

    #[test]
    fn hosts_that_serve_no_video_are_known() {
        let eu = "https://ark.eu-west.bytepluses.com/api/v3";
        let why = video_unavailable(Provider::Ark, eu).expect("the EU host");
        // It names the host, where video is instead, and the source.
        for words in [
            "ark.eu-west.bytepluses.com",
            Provider::Ark.default_base_url(),
            "https://tanstack.com/ai/latest/docs/adapters/byteplus-advanced",
        ] {
            assert!(why.contains(words), "{words}: {why}");
        }
        // A documented server, so the key may still go there.
        assert!(is_documented_base_url(Provider::Ark, eu));
        for same_host in [
            "HTTPS://Ark.EU-West.BytePluses.com./api/v3/",
            "https://ark.eu-west.bytepluses.com",
        ] {
            assert_eq!(video_unavailable(Provider::Ark, same_host), Some(why));
        }
        for serves_video in [
            Provider::Ark.default_base_url(),
            "https://ark.cn-beijing.volces.com/api/v3",
            "https://ark.eu-west.bytepluses.com.example.com/api/v3",
            "http://127.0.0.1:9/api/v3",
            "not a url",
        ] {
            assert_eq!(
                video_unavailable(Provider::Ark, serves_video),
                None,
                "{serves_video}"
            );
        }
        for provider in [Provider::Modellix, Provider::Jiekou, Provider::Odkkk] {
            assert_eq!(video_unavailable(provider, eu), None, "{provider}");
            assert_eq!(
                video_unavailable(provider, provider.default_base_url()),
                None
            );
        }
    }

    #[test]
    fn same_server_after_parsing() {
        assert!(same("HTTPS://Api.Jiekou.ai/", "https://api.jiekou.ai:443"));
        assert!(same("http://127.0.0.1:9/x/", "http://127.0.0.1:9/x"));
        assert!(!same("http://127.0.0.1:9/x", "http://127.0.0.1:10/x"));
        assert!(!same("https://api.jiekou.ai", "http://api.jiekou.ai"));
        assert!(!same(
            "https://api.jiekou.ai",
            "https://api.jiekou.ai.evil.com"
        ));
        assert!(!same("https://a.com/v1", "https://a.com/v2"));
        assert!(!same("nonsense", "nonsense"));
    }
}
