//! The provider client's DNS resolver: it looks a name up once, refuses the whole name if any
//! address is not public, and gives reqwest exactly the addresses it checked. reqwest connects
//! to what its resolver returns, so there is no second lookup an attacker's DNS server could
//! answer differently (DNS rebinding).
//!
//! Refusing the whole name rather than dropping its private addresses: a name that mixes both
//! is either misconfigured or built to probe, and a connection that works only sometimes would
//! hide that.

use std::{
    future::Future,
    io,
    net::{IpAddr, SocketAddr},
    pin::Pin,
};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::{EgressRefusal, address};

type Lookup =
    dyn Fn(String) -> Pin<Box<dyn Future<Output = io::Result<Vec<IpAddr>>> + Send>> + Send + Sync;

/// A resolver that answers public addresses only.
pub struct PublicResolver {
    lookup: Box<Lookup>,
    accept: fn(IpAddr) -> bool,
}

impl std::fmt::Debug for PublicResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicResolver").finish_non_exhaustive()
    }
}

impl PublicResolver {
    /// The system's resolver (getaddrinfo, as reqwest's default), public addresses only.
    pub fn system() -> Self {
        Self {
            lookup: Box::new(|name| Box::pin(system_lookup(name))),
            accept: address::is_public,
        }
    }

    /// A resolver over another lookup and acceptance rule, so tests can play a DNS server that
    /// changes its answers and a network where a local listener stands for a public host.
    #[cfg(test)]
    fn with(lookup: Box<Lookup>, accept: fn(IpAddr) -> bool) -> Self {
        Self { lookup, accept }
    }
}

impl Resolve for PublicResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let name = name.as_str().to_owned();
        let lookup = (self.lookup)(name.clone());
        let accept = self.accept;
        Box::pin(async move {
            let addresses = checked(&name, lookup.await?, accept)?;
            // Port 0: reqwest puts the URL's port (or the scheme's) in its place.
            let addrs: Addrs = Box::new(addresses.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addrs)
        })
    }
}

/// The system's answer for `name`.
pub(super) async fn system_lookup(name: String) -> io::Result<Vec<IpAddr>> {
    let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
    Ok(found.map(|address| address.ip()).collect())
}

/// `addresses` if every one is accepted; otherwise the name is refused as a whole.
pub(super) fn checked(
    name: &str,
    addresses: Vec<IpAddr>,
    accept: fn(IpAddr) -> bool,
) -> Result<Vec<IpAddr>, EgressRefusal> {
    if let Some(refused) = addresses.iter().find(|ip| !accept(**ip)) {
        tracing::warn!(name, address = %refused, "refused a provider host that resolves to a non-public address");
        return Err(EgressRefusal::PrivateName(name.to_owned()));
    }
    Ok(addresses)
}

#[cfg(test)]
mod tests {
    use std::{
        str::FromStr,
        sync::{
            Arc,
            atomic::{AtomicUsize, Ordering},
        },
    };

    use super::*;

    fn answering(addresses: &'static [&'static str], calls: Arc<AtomicUsize>) -> Box<Lookup> {
        Box::new(move |_| {
            let call = calls.fetch_add(1, Ordering::SeqCst);
            // The first answer of `addresses`, then the next ones on later lookups: a DNS
            // server that rebinds the name after the first look.
            let answer = addresses[call.min(addresses.len() - 1)];
            Box::pin(async move {
                Ok(answer
                    .split(',')
                    .map(|a| a.parse().expect("an address"))
                    .collect())
            })
        })
    }

    async fn resolve(resolver: &PublicResolver, name: &str) -> Result<Vec<SocketAddr>, String> {
        let name = Name::from_str(name).expect("a name");
        match resolver.resolve(name).await {
            Ok(addrs) => Ok(addrs.collect()),
            Err(error) => Err(error.to_string()),
        }
    }

    #[tokio::test]
    async fn a_name_with_one_private_address_among_public_ones_is_refused_as_a_whole() {
        let calls = Arc::new(AtomicUsize::new(0));
        let resolver = PublicResolver::with(
            answering(&["93.184.216.34,10.0.0.7"], calls.clone()),
            address::is_public,
        );

        let answer = resolve(&resolver, "mixed.example").await;

        let message = answer.expect_err("refused");
        assert!(
            message.contains("mixed.example") && message.contains("non-public"),
            "{message}"
        );
        assert!(
            !message.contains("10.0.0.7"),
            "the address is not told: {message}"
        );
    }

    #[tokio::test]
    async fn a_public_name_resolves_to_exactly_the_checked_addresses() {
        let calls = Arc::new(AtomicUsize::new(0));
        let resolver = PublicResolver::with(
            answering(&["93.184.216.34,2606:2800:220:1::248"], calls.clone()),
            address::is_public,
        );

        let answer = resolve(&resolver, "api.example").await.expect("resolves");

        let expected: Vec<SocketAddr> = vec![
            "93.184.216.34:0".parse().expect("addr"),
            "[2606:2800:220:1::248]:0".parse().expect("addr"),
        ];
        assert_eq!(answer, expected);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn the_connection_goes_to_the_address_checked_not_to_a_later_answer() {
        // A listener on 127.0.0.1 stands for the public host: the rule here accepts 127.0.0.1
        // only, and the name's DNS server answers 127.0.0.1 first and 127.0.0.2 afterwards.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let counter = accepted.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buffer = [0u8; 1024];
                let _ = stream.read(&mut buffer).await;
                let _ = stream
                    .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
                    .await;
            }
        });
        let calls = Arc::new(AtomicUsize::new(0));
        let accept_first: fn(IpAddr) -> bool = |ip| ip == IpAddr::from([127, 0, 0, 1]);
        let resolver = Arc::new(PublicResolver::with(
            answering(&["127.0.0.1", "127.0.0.2"], calls.clone()),
            accept_first,
        ));
        let client = |resolver: Arc<PublicResolver>| {
            reqwest::Client::builder()
                .dns_resolver(resolver)
                .no_proxy()
                .build()
                .expect("client")
        };
        let url = format!("http://rebind.example:{port}/");

        let first = client(resolver.clone()).get(&url).send().await;
        let second = client(resolver.clone()).get(&url).send().await;

        assert_eq!(first.expect("the checked address answers").status(), 204);
        let error = second.expect_err("the rebound name is refused");
        assert!(super::super::refusal_of(&error).is_some(), "{error:?}");
        assert_eq!(calls.load(Ordering::SeqCst), 2, "one lookup per connection");
        assert_eq!(
            accepted.load(Ordering::SeqCst),
            1,
            "only the checked address was reached"
        );
    }
}
