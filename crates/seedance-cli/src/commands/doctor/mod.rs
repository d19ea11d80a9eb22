//! `seedance doctor`: checks each provider's setup (key set, base URL and whether it is trusted,
//! DNS, TCP, TLS, a free authenticated probe, the clock against the server's) and that the
//! output directory and the journal are writable.
//!
//! The API key goes only where every other command sends it: the probe is `Client::status`
//! through the facade; the reachability and clock request carries no credentials.

mod local;
mod net;

use std::path::PathBuf;

use anyhow::{Context, Result, format_err};
use futures_util::future::join_all;
use reqwest::Url;
use seedance_sdk::{Client, Provider, RetryPolicy};
use seedance_sim::{Sim, SimConfig};
use serde_json::{Value, json};

use super::{SIM_API_KEY, Server, client_builder};
use crate::{args::DoctorArgs, output, text::printable};

/// How a check came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    /// Passed.
    Ok,
    /// Passed, with something to look at; the exit code stays 0.
    Warn,
    /// Failed; the exit code is 1.
    Fail,
    /// Not run (offline, not configured, or an earlier check failed).
    Skipped,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skipped => "skipped",
        }
    }
}

/// One check's outcome and what it found, printable as is (escaped where it quotes a server).
#[derive(Clone, Debug)]
pub(crate) struct Check {
    pub(crate) status: Status,
    pub(crate) detail: String,
}

impl Check {
    fn new(status: Status, detail: String) -> Self {
        Self { status, detail }
    }
    pub(crate) fn ok(detail: String) -> Self {
        Self::new(Status::Ok, detail)
    }
    pub(crate) fn warn(detail: String) -> Self {
        Self::new(Status::Warn, detail)
    }
    pub(crate) fn fail(detail: String) -> Self {
        Self::new(Status::Fail, detail)
    }
    pub(crate) fn skipped(detail: String) -> Self {
        Self::new(Status::Skipped, detail)
    }
    fn json(&self) -> Value {
        json!({"status": self.status.as_str(), "detail": self.detail})
    }
}

/// The names of the per-provider checks, in the order they run and print.
const CHECKS: [&str; 7] = ["key", "base_url", "dns", "tcp", "tls", "auth", "clock"];

/// A provider's configuration, read before anything is sent.
struct Setup {
    provider: Provider,
    /// The key the probe sends; `None` skips the probe.
    key: Option<String>,
    /// Whether the provider is in use (a key, a loopback server or named by `--provider`);
    /// the network checks of an unused provider are skipped.
    used: bool,
    base_url: String,
    /// Where the base URL came from: `flag`, `env`, `default` or `sim`.
    source: &'static str,
    /// Why the key may go to the base URL: `documented` (a server the provider documents),
    /// `loopback` or `configured` (anything else this process was configured with); `None`
    /// when the URL breaks the credential rule.
    trust: Option<&'static str>,
    /// The base URL, when it passed the credential rule.
    url: Option<Url>,
    key_check: Check,
    base_url_check: Check,
}

/// One provider's report.
struct Report {
    setup: Setup,
    checks: Vec<(&'static str, Check)>,
    offset_seconds: Option<f64>,
}

impl Report {
    fn ok(&self) -> bool {
        self.checks.iter().all(|(_, c)| c.status != Status::Fail)
    }
}

/// Runs `seedance doctor`: exit 0 when no check failed and at least one provider is in use.
pub(crate) async fn run(args: DoctorArgs) -> Result<()> {
    let providers = args.provider.map_or(Provider::ALL.to_vec(), |p| vec![p]);
    let sim = if args.sim {
        let sim = Sim::start(SimConfig::default())
            .await
            .context("cannot start the simulator")?;
        Some(sim)
    } else {
        None
    };
    let env = |name: &str| std::env::var(name).ok();
    let setups: Vec<Setup> = providers
        .iter()
        .map(|&provider| setup(provider, &args, sim.as_ref(), &env))
        .collect();

    // Every lookup first: whether the machine is offline is decided over all of them.
    let lookups = join_all(setups.iter().map(|setup| async move {
        let url = setup.url.as_ref().filter(|_| setup.used)?;
        let host = url.host_str()?.to_owned();
        let port = url.port_or_known_default()?;
        Some(net::lookup(&host, port).await)
    }))
    .await;
    let failed = lookups
        .iter()
        .filter(|l| matches!(l, Some(net::Lookup::Failed(_))))
        .count();
    let resolved = lookups
        .iter()
        .filter(|l| matches!(l, Some(net::Lookup::Resolved(_))))
        .count();
    let mut offline = failed > 0 && net::offline(failed, resolved, net::has_route());
    if failed > 0 && resolved == 0 && !offline {
        // One name failed with a route: if no documented provider host resolves either, the
        // fault is the network's (DNS queries only; nothing is connected to).
        offline = !net::any_resolves(&reference_hosts()).await;
    }

    let reports = join_all(
        setups
            .into_iter()
            .zip(lookups)
            .map(|(setup, lookup)| check_provider(setup, lookup, offline, &args, sim.as_ref())),
    )
    .await;
    // The batch journal's default place (`seedance batch --out DIR`).
    let journal: PathBuf = args
        .journal
        .clone()
        .unwrap_or_else(|| args.out.join("seedance-batch.sqlite"));
    let out_check = local::out_dir(&args.out);
    let journal_check = local::journal(&journal);

    let none_used = !reports.iter().any(|r| r.setup.used);
    let failures = reports
        .iter()
        .flat_map(|r| &r.checks)
        .map(|(_, c)| c)
        .chain([&out_check, &journal_check])
        .filter(|c| c.status == Status::Fail)
        .count();
    let ok = failures == 0 && !none_used;
    let no_provider = none_used.then(|| {
        let vars: Vec<&str> = Provider::ALL.iter().map(|p| p.api_key_env()).collect();
        format!(
            "no provider is configured: set one of {}, or try --sim",
            vars.join(", ")
        )
    });
    if args.json {
        output::print_json(&json!({
            "ok": ok,
            "offline": offline,
            "error": no_provider,
            "providers": reports.iter().map(report_json).collect::<Vec<_>>(),
            "local": {
                "out_dir": {"path": args.out.display().to_string(), "check": out_check.json()},
                "journal": {"path": journal.display().to_string(), "check": journal_check.json()},
            },
        }));
    } else {
        for report in &reports {
            print_report(report);
        }
        print_line("out dir", &out_check);
        print_line("journal", &journal_check);
        if ok && offline {
            println!("no check failed; the network checks were skipped (offline)");
        } else if ok {
            println!("all checks passed");
        }
    }
    match (failures, no_provider) {
        (0, None) => Ok(()),
        (0, Some(message)) => Err(format_err!("{message}")),
        (n, _) => Err(format_err!(
            "{n} check{} failed",
            if n == 1 { "" } else { "s" }
        )),
    }
}

/// The hosts of every provider's documented servers, to tell "offline" from "this host".
fn reference_hosts() -> Vec<(String, u16)> {
    let mut hosts: Vec<(String, u16)> = Provider::ALL
        .iter()
        .flat_map(|p| p.documented_base_urls())
        .filter_map(|url| {
            let url = Url::parse(url).ok()?;
            Some((url.host_str()?.to_owned(), url.port_or_known_default()?))
        })
        .collect();
    hosts.sort();
    hosts.dedup();
    hosts
}

/// How the human output names where a base URL came from.
fn source_text(source: &str, provider: Provider) -> String {
    match source {
        "flag" => "from --base-url".into(),
        "env" => format!("from {}", provider.base_url_env()),
        "sim" => "the simulator's".into(),
        _ => "the default".into(),
    }
}

/// The key and base URL of `provider`, as the other commands would use them.
fn setup(
    provider: Provider,
    args: &DoctorArgs,
    sim: Option<&Sim>,
    env: &impl Fn(&str) -> Option<String>,
) -> Setup {
    let flag = args
        .base_url
        .as_deref()
        .filter(|_| args.provider == Some(provider));
    let from_env = env(provider.base_url_env()).filter(|url| !url.trim().is_empty());
    let (base_url, source) = match (sim, flag, &from_env) {
        (Some(sim), _, _) => (sim.base_url(provider.as_str()), "sim"),
        (None, Some(url), _) => (url.to_owned(), "flag"),
        (None, None, Some(url)) => (url.trim().to_owned(), "env"),
        (None, None, None) => (provider.default_base_url().to_owned(), "default"),
    };
    let from = source_text(source, provider);
    let configured = sim.is_none() && (flag.is_some() || from_env.is_some());
    let (url, trust, base_url_check) =
        match seedance_sdk::check_base_url(provider, &base_url, args.allow_insecure_http) {
            Ok(checked) => {
                let shown = printable(&checked).into_owned();
                let (trust, check) = if seedance_sdk::is_documented_base_url(provider, &checked) {
                    let detail = format!("{shown} ({from}; a server {provider} documents)");
                    ("documented", Check::ok(detail))
                } else if seedance_sdk::is_loopback_url(&checked) {
                    let detail = format!("{shown} ({from}; loopback: a simulator or test server)");
                    ("loopback", Check::ok(detail))
                } else {
                    let detail = format!(
                        "{shown} ({from}): not a server {provider} documents; the key is sent \
                         there only because it is configured here"
                    );
                    ("configured", Check::warn(detail))
                };
                let check = match seedance_sdk::video_unavailable(provider, &checked) {
                    Some(why) => no_video(&check, why),
                    None => check,
                };
                (Url::parse(&checked).ok(), Some(trust), check)
            }
            Err(err) => (
                None,
                None,
                Check::fail(printable(&err.to_string()).into_owned()),
            ),
        };
    let key_env = provider.api_key_env();
    let key = env(key_env)
        .map(|key| key.trim().to_owned())
        .filter(|key| !key.is_empty());
    let loopback = configured && seedance_sdk::is_loopback_url(&base_url);
    let (key, used, key_check) = match (sim, key) {
        (Some(_), _) => (
            Some(SIM_API_KEY.to_owned()),
            true,
            Check::ok("the simulator's (any non-empty key works)".into()),
        ),
        (None, Some(key)) => (
            Some(key),
            true,
            Check::ok(format!("set in {key_env} (not shown)")),
        ),
        (None, None) if loopback => (
            Some(SIM_API_KEY.to_owned()),
            true,
            Check::ok(format!(
                "{key_env} is not set; a loopback server gets the simulator's key"
            )),
        ),
        (None, None) if args.provider.is_some() => {
            (None, true, Check::fail(format!("not set: set {key_env}")))
        }
        (None, None) => (
            None,
            false,
            Check::skipped(format!("{key_env} is not set; {provider} is not in use")),
        ),
    };
    Setup {
        provider,
        key,
        used,
        base_url,
        source,
        trust,
        url,
        key_check,
        base_url_check,
    }
}

/// The base URL check of a host known to serve no video models: a warning, not a failure (the
/// user may know better), that says why and where video is served instead.
fn no_video(check: &Check, why: &str) -> Check {
    let status = match check.status {
        Status::Ok => Status::Warn,
        other => other,
    };
    Check::new(status, format!("{}; {why}", check.detail))
}

/// Runs the network checks of one provider.
async fn check_provider(
    setup: Setup,
    lookup: Option<net::Lookup>,
    offline: bool,
    args: &DoctorArgs,
    sim: Option<&Sim>,
) -> Report {
    let mut checks = vec![
        ("key", setup.key_check.clone()),
        ("base_url", setup.base_url_check.clone()),
    ];
    let mut offset_seconds = None;
    let rest = |checks: &mut Vec<(&'static str, Check)>, why: &str| {
        for name in &CHECKS[checks.len()..] {
            checks.push((name, Check::skipped(why.to_owned())));
        }
    };
    let (Some(url), Some(lookup)) = (&setup.url, lookup) else {
        let why = if setup.used {
            "the base URL is unusable"
        } else {
            "not in use"
        };
        rest(&mut checks, why);
        return Report {
            setup,
            checks,
            offset_seconds,
        };
    };
    let host = url.host_str().unwrap_or_default();
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs = match &lookup {
        net::Lookup::Literal(ip) => vec![std::net::SocketAddr::new(*ip, port)],
        net::Lookup::Resolved(addrs) => addrs.clone(),
        net::Lookup::Failed(reason) if offline => {
            checks.push((
                "dns",
                Check::skipped(format!(
                    "offline: no name could be resolved ({})",
                    printable(reason)
                )),
            ));
            rest(&mut checks, "offline");
            return Report {
                setup,
                checks,
                offset_seconds,
            };
        }
        net::Lookup::Reserved | net::Lookup::Failed(_) => {
            checks.push(("dns", net::dns_check(host, &lookup)));
            rest(&mut checks, "the host does not resolve");
            return Report {
                setup,
                checks,
                offset_seconds,
            };
        }
    };
    checks.push(("dns", net::dns_check(host, &lookup)));
    let tcp = net::tcp(&addrs).await;
    let connected = tcp.status == Status::Ok;
    checks.push(("tcp", tcp));
    if !connected {
        rest(&mut checks, "no connection");
        return Report {
            setup,
            checks,
            offset_seconds,
        };
    }
    let (plain, auth) = tokio::join!(net::plain_request(url), async {
        match probe_client(&setup, args, sim) {
            Ok(Some(client)) => net::probe(&client, setup.key.as_deref()).await,
            Ok(None) => Check::skipped("no key".into()),
            Err(err) => Check::fail(printable(&format!("{err:#}")).into_owned()),
        }
    });
    offset_seconds = plain.offset_seconds;
    checks.extend([("tls", plain.tls), ("auth", auth), ("clock", plain.clock)]);
    Report {
        setup,
        checks,
        offset_seconds,
    }
}

/// The client of the probe, built as every other command builds it (the same key, base URL and
/// credential rule), without retries and with short timeouts; `None` without a key.
fn probe_client(
    setup: &Setup,
    args: &DoctorArgs,
    sim: Option<&Sim>,
) -> Result<Option<Client>, seedance_sdk::Error> {
    let provider = setup.provider;
    let builder = match (sim, &setup.key) {
        (_, None) => return Ok(None),
        (Some(sim), Some(key)) => Client::builder(provider)
            .api_key(key)
            .base_url(sim.base_url(provider.as_str())),
        (None, Some(_)) => {
            let server = Server {
                base_url: args
                    .base_url
                    .as_deref()
                    .filter(|_| args.provider == Some(provider)),
                allow_insecure_http: args.allow_insecure_http,
            };
            client_builder(provider, server, None, |name| std::env::var(name).ok())?
        }
    };
    builder
        .retry_policy(RetryPolicy::none())
        .timeout(Some(net::STEP_TIMEOUT))
        .connect_timeout(net::STEP_TIMEOUT)
        .build()
        .map(Some)
}

/// One provider's JSON object.
fn report_json(report: &Report) -> Value {
    let checks: serde_json::Map<String, Value> = report
        .checks
        .iter()
        .map(|(name, check)| ((*name).to_owned(), check.json()))
        .collect();
    json!({
        "provider": report.setup.provider,
        "ok": report.ok(),
        "in_use": report.setup.used,
        "base_url": report.setup.base_url,
        "base_url_source": report.setup.source,
        "base_url_trust": report.setup.trust,
        "clock_offset_seconds": report.offset_seconds,
        "checks": checks,
    })
}

/// One provider's lines.
fn print_report(report: &Report) {
    println!("{}", report.setup.provider);
    for (name, check) in &report.checks {
        print_line(&format!("  {}", name.replace('_', " ")), check);
    }
}

/// `name  status  detail` on one line.
fn print_line(name: &str, check: &Check) {
    println!(
        "{name:<10} {:<7} {}",
        check.status.as_str(),
        printable(&check.detail)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    const EU: &str = "https://ark.eu-west.bytepluses.com/api/v3";

    fn args(base_url: Option<&str>) -> DoctorArgs {
        DoctorArgs {
            provider: Some(Provider::Ark),
            out: PathBuf::from("."),
            journal: None,
            base_url: base_url.map(str::to_owned),
            allow_insecure_http: false,
            sim: false,
            json: false,
        }
    }

    /// The base URL check of Ark at `base_url` (from `--base-url`), read without the network.
    fn base_url_check(base_url: Option<&str>) -> (Option<&'static str>, Check) {
        let setup = setup(Provider::Ark, &args(base_url), None, &|_| None);
        (setup.trust, setup.base_url_check)
    }

    #[test]
    fn a_host_that_serves_no_video_is_a_warning_that_says_where_video_is() {
        let (trust, check) = base_url_check(Some(EU));
        assert_eq!(trust, Some("documented"));
        assert_eq!(check.status, Status::Warn, "{}", check.detail);
        for words in [
            EU,
            "from --base-url",
            "no video models",
            "https://ark.ap-southeast.bytepluses.com/api/v3",
            "https://tanstack.com/ai/latest/docs/adapters/byteplus-advanced",
        ] {
            assert!(check.detail.contains(words), "{words}: {}", check.detail);
        }
        // The default host serves video: no warning.
        let (trust, check) = base_url_check(None);
        assert_eq!(trust, Some("documented"));
        assert_eq!(check.status, Status::Ok, "{}", check.detail);
        assert!(!check.detail.contains("no video"), "{}", check.detail);
    }
}
