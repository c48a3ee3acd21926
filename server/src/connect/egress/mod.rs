//! Where the platform may send requests for a URL a tenant set (an integration's token URL and
//! API base), and where it may send a browser (its authorize URL).
//!
//! A project's admin is a tenant of a hosted platform, not its operator: without this policy
//! they could point a provider URL at loopback, a private network or a cloud metadata address
//! and read the answers through the proxy, with the end user's access token or the client
//! secret attached. So by default provider URLs are `https` and reach public addresses only:
//!
//! - a URL whose host is an IP literal is checked before the request ([`EgressPolicy::check`]),
//!   because reqwest connects to literals without asking a resolver;
//! - a host name is checked at connection time by [`resolver::PublicResolver`], which refuses
//!   the whole name if any of its addresses is not public and hands reqwest only the addresses
//!   it checked, so the connection goes where the check looked (no DNS-rebinding window);
//! - the provider client follows no redirect and ignores `HTTP(S)_PROXY`: a redirect or a proxy
//!   would reach places this check never saw.
//!
//! The check when an integration is saved ([`EgressPolicy::check_configured`]) is a courtesy
//! that gives a clear 422 early; the connection-time check is the guarantee.

pub mod address;
pub mod resolver;

use std::{net::IpAddr, time::Duration};

use reqwest::Url;

/// How long the save-time courtesy check waits for DNS before leaving it to connection time.
const SAVE_TIME_LOOKUP: Duration = Duration::from_secs(3);

/// The operator's choice of where provider URLs may point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EgressPolicy {
    /// `https` to public addresses only: the default.
    #[default]
    PublicOnly,
    /// `http` and any address too (`--allow-private-provider-urls`, implied by `--demo`): for
    /// the sandbox on 127.0.0.1 and for providers on the operator's own network.
    AllowPrivate,
}

/// Why a provider URL may not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EgressRefusal {
    /// Not a URL at all.
    #[error("is not a valid URL")]
    Malformed,
    /// Neither `https` nor (when allowed) `http`.
    #[error(
        "must use https, not {0} (http is allowed only when the server runs with --allow-private-provider-urls)"
    )]
    Scheme(String),
    /// `user:password@host`: credentials belong in the vault, and the form confuses readers
    /// about which host is called.
    #[error("must not carry a user name or password")]
    Userinfo,
    /// No host.
    #[error("has no host")]
    NoHost,
    /// An IP literal outside the public ranges.
    #[error(
        "points at {0}, which is not a public address (allowed only when the server runs with --allow-private-provider-urls)"
    )]
    PrivateAddress(IpAddr),
    /// A name with at least one non-public address. The address is logged, not shown: the
    /// answer would otherwise tell a tenant what the operator's internal names resolve to.
    #[error(
        "has a host name ({0}) that resolves to a non-public address (allowed only when the server runs with --allow-private-provider-urls)"
    )]
    PrivateName(String),
}

impl EgressPolicy {
    /// An HTTP client under this policy, `timeout` per request, that follows no redirect (a
    /// redirect could lead where the policy never looked). Under [`Self::PublicOnly`] it speaks
    /// https only, resolves through [`resolver::PublicResolver`] and ignores `HTTP(S)_PROXY` (a
    /// proxy would resolve names where the check cannot see). Provider calls and webhooks out
    /// both go through it.
    pub fn client(self, timeout: Duration) -> Result<reqwest::Client, reqwest::Error> {
        let builder = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none());
        let builder = match self {
            Self::PublicOnly => builder
                .https_only(true)
                .no_proxy()
                .dns_resolver(std::sync::Arc::new(resolver::PublicResolver::system())),
            Self::AllowPrivate => builder,
        };
        builder.build()
    }

    /// `--allow-private-provider-urls` (or `--demo`) as a policy.
    pub fn from_flag(allow_private: bool) -> Self {
        if allow_private {
            Self::AllowPrivate
        } else {
            Self::PublicOnly
        }
    }

    /// Parses `url` and checks its scheme, userinfo and (for IP literals) address. Host names
    /// are left to the resolver at connection time.
    pub fn check(self, url: &str) -> Result<Url, EgressRefusal> {
        let parsed = Url::parse(url.trim()).map_err(|_| EgressRefusal::Malformed)?;
        match (parsed.scheme(), self) {
            ("https", _) | ("http", Self::AllowPrivate) => {}
            (other, _) => return Err(EgressRefusal::Scheme(other.to_owned())),
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(EgressRefusal::Userinfo);
        }
        let literal = match host_of(&parsed) {
            None => return Err(EgressRefusal::NoHost),
            Some(UrlHost::Name(_)) => None,
            Some(UrlHost::Ip(ip)) => Some(ip),
        };
        match literal {
            Some(ip) if self == Self::PublicOnly && !address::is_public(ip) => {
                Err(EgressRefusal::PrivateAddress(ip))
            }
            _ => Ok(parsed),
        }
    }

    /// [`EgressPolicy::check`], and for a host name a lookup now: a name that resolves to a
    /// non-public address is refused when the integration is saved. A lookup that fails or
    /// times out is not a refusal: the name may resolve later, and connection time checks
    /// again.
    pub async fn check_configured(self, url: &str) -> Result<Url, EgressRefusal> {
        let parsed = self.check(url)?;
        if self == Self::AllowPrivate {
            return Ok(parsed);
        }
        if let Some(UrlHost::Name(name)) = host_of(&parsed) {
            let lookup = resolver::system_lookup(name.to_owned());
            if let Ok(Ok(addresses)) = tokio::time::timeout(SAVE_TIME_LOOKUP, lookup).await {
                resolver::checked(name, addresses, address::is_public)?;
            }
        }
        Ok(parsed)
    }
}

/// A URL's host: a name to resolve, or an IP literal that reqwest connects to directly.
enum UrlHost<'a> {
    Name(&'a str),
    Ip(IpAddr),
}

/// The URL parser has already turned every IPv4 form (`0x7f.1`, `2130706433`) into its dotted
/// quad and bracketed IPv6, so what does not parse as an address here is a name.
fn host_of(url: &Url) -> Option<UrlHost<'_>> {
    let host = url.host_str()?;
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    Some(match bare.parse::<IpAddr>() {
        Ok(ip) => UrlHost::Ip(ip),
        Err(_) => UrlHost::Name(host),
    })
}

/// The policy's refusal inside a failed request, if that is why it failed (the resolver's
/// error reaches the caller wrapped in reqwest's and hyper's).
pub fn refusal_of(error: &reqwest::Error) -> Option<EgressRefusal> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if let Some(refusal) = current.downcast_ref::<EgressRefusal>() {
            return Some(refusal.clone());
        }
        source = current.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_https_urls_pass_by_default() {
        let policy = EgressPolicy::PublicOnly;
        assert!(policy.check("https://api.hubapi.com").is_ok());
        assert!(policy.check("https://8.8.8.8/x").is_ok());
        for (url, refusal) in [
            (
                "http://api.hubapi.com",
                EgressRefusal::Scheme("http".into()),
            ),
            ("ftp://api.hubapi.com", EgressRefusal::Scheme("ftp".into())),
            ("https://u:p@api.hubapi.com", EgressRefusal::Userinfo),
            ("not a url", EgressRefusal::Malformed),
            (
                "https://127.0.0.1:8443",
                EgressRefusal::PrivateAddress("127.0.0.1".parse().expect("ip")),
            ),
            (
                // The URL parser reads 0x7f.1 as 127.0.0.1: the literal is checked after parsing.
                "https://0x7f.1/",
                EgressRefusal::PrivateAddress("127.0.0.1".parse().expect("ip")),
            ),
            (
                "https://[::ffff:169.254.169.254]/",
                EgressRefusal::PrivateAddress("::ffff:a9fe:a9fe".parse().expect("ip")),
            ),
        ] {
            assert_eq!(policy.check(url).err(), Some(refusal), "{url}");
        }
    }

    #[test]
    fn allowing_private_urls_allows_http_and_any_address_but_no_other_scheme() {
        let policy = EgressPolicy::AllowPrivate;
        assert!(policy.check("http://127.0.0.1:9999").is_ok());
        assert!(policy.check("https://[::1]/").is_ok());
        assert!(policy.check("file:///etc/passwd").is_err());
        assert_eq!(
            policy.check("http://u@127.0.0.1").err(),
            Some(EgressRefusal::Userinfo)
        );
    }

    #[tokio::test]
    async fn a_name_of_the_local_host_is_refused_when_saved() {
        let refused = EgressPolicy::PublicOnly
            .check_configured("https://localhost:8443/oauth")
            .await;
        assert_eq!(
            refused.err(),
            Some(EgressRefusal::PrivateName("localhost".into()))
        );
    }
}
