//! [`AuthThrottle`]: failed authentications are throttled per source address, without letting
//! an attacker lock real users out.
//!
//! A source that failed `limit` times within a minute is throttled for the rest of that minute:
//! a credential it presents is answered 429 (with `Retry-After`) before any work (no database
//! read, no RSA check), unless this process accepted that very credential in the last
//! [`KNOWN_TTL`]. So an attacker's guesses cost nothing once throttled, users at other
//! addresses are never affected, and users who share the attacker's address (one office NAT,
//! one reverse proxy) keep working with the tokens and keys they already use; only a credential
//! never seen before waits out the minute there. The known credential is still checked in full
//! (a revoked key stays revoked); being known only lets it be checked.
//!
//! The state is per process, on purpose: the throttle bounds the work one process does for one
//! source, which is a per-process resource; with N replicas a source gets N times the
//! allowance, which still makes guessing a 256-bit API key or forging an RS256 token no easier.
//! Memory is bounded: at most [`MAX_SOURCES`] sources and [`MAX_KNOWN`] known credentials,
//! the oldest dropped first.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

use sha2::{Digest, Sha256};

use super::ApiError;

/// The window failures are counted in.
pub const WINDOW: Duration = Duration::from_secs(60);
/// How long an accepted credential lets a throttled source in.
pub const KNOWN_TTL: Duration = Duration::from_secs(10 * 60);
/// Sources tracked at once.
pub const MAX_SOURCES: usize = 10_000;
/// Accepted credentials remembered at once.
pub const MAX_KNOWN: usize = 10_000;

/// Failed authentications per source, and the credentials recently accepted.
#[derive(Debug)]
pub struct AuthThrottle {
    limit: u32,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Per source: when its window started and its failures in it.
    failures: HashMap<IpAddr, (Instant, u32)>,
    /// SHA-256 of credentials accepted recently, with when.
    known: HashMap<[u8; 32], Instant>,
}

impl AuthThrottle {
    /// A throttle that lets `limit` failures per source per minute through (0: no throttle).
    pub fn new(limit: u32) -> Self {
        Self {
            limit,
            state: Mutex::new(State::default()),
        }
    }

    /// Checks `credential` from `source` under the throttle: runs `check` unless the source is
    /// throttled and the credential unknown, counts a 401 as a failure of the source, and
    /// remembers an accepted credential. Without a source (a request that did not come through
    /// the accept loop) there is nothing to throttle.
    pub async fn guard<T, F>(
        &self,
        source: Option<IpAddr>,
        credential: &str,
        check: F,
    ) -> Result<T, ApiError>
    where
        F: Future<Output = Result<T, ApiError>>,
    {
        let Some(source) = source.filter(|_| self.limit > 0).map(source_key) else {
            return check.await;
        };
        let now = Instant::now();
        let digest: [u8; 32] = Sha256::digest(credential.as_bytes()).into();
        if let Some(retry_after_secs) = self.throttled(source, &digest, now) {
            return Err(ApiError::RateLimited {
                message: format!(
                    "too many failed authentications from this address: try again in {retry_after_secs} s"
                ),
                retry_after_secs,
            });
        }
        let result = check.await;
        match &result {
            Ok(_) => self.accepted(digest, now),
            Err(ApiError::Unauthorized(_)) => self.failed(source, now),
            Err(_) => {}
        }
        result
    }

    /// Seconds until `source` may present unknown credentials again, if it is throttled now
    /// and `digest` is not a credential accepted recently.
    fn throttled(&self, source: IpAddr, digest: &[u8; 32], now: Instant) -> Option<u64> {
        let state = self.lock();
        let &(started, count) = state.failures.get(&source)?;
        let ends = started + WINDOW;
        if count < self.limit || now >= ends {
            return None;
        }
        if state
            .known
            .get(digest)
            .is_some_and(|&at| now.duration_since(at) < KNOWN_TTL)
        {
            return None;
        }
        // Rounded up: a client that waits exactly this long finds the window over.
        Some((ends - now).as_millis().div_ceil(1000).max(1) as u64)
    }

    fn failed(&self, source: IpAddr, now: Instant) {
        let mut state = self.lock();
        if !state.failures.contains_key(&source) && state.failures.len() >= MAX_SOURCES {
            state
                .failures
                .retain(|_, (started, _)| now.duration_since(*started) < WINDOW);
            evict_oldest(&mut state.failures, MAX_SOURCES, |(started, _)| *started);
        }
        let entry = state.failures.entry(source).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }

    fn accepted(&self, digest: [u8; 32], now: Instant) {
        let mut state = self.lock();
        if !state.known.contains_key(&digest) && state.known.len() >= MAX_KNOWN {
            state
                .known
                .retain(|_, at| now.duration_since(*at) < KNOWN_TTL);
            evict_oldest(&mut state.known, MAX_KNOWN, |at| *at);
        }
        state.known.insert(digest, now);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is counters only: a panic elsewhere cannot leave it inconsistent.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Removes the entry with the oldest time when the map still holds `cap` after expiry.
fn evict_oldest<K: Copy + Eq + std::hash::Hash, V>(
    map: &mut HashMap<K, V>,
    cap: usize,
    time: impl Fn(&V) -> Instant,
) {
    if map.len() < cap {
        return;
    }
    if let Some(oldest) = map.iter().min_by_key(|(_, v)| time(v)).map(|(k, _)| *k) {
        map.remove(&oldest);
    }
}

/// What is counted as one source: an IPv4 address, or an IPv6 /64 (one subscriber's prefix,
/// whose addresses an attacker can rotate through at will).
fn source_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let segments = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(
                    segments[0],
                    segments[1],
                    segments[2],
                    segments[3],
                    0,
                    0,
                    0,
                    0,
                ))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_of_one_prefix_are_one_source_and_mapped_ipv4_is_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("address");
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().expect("address");
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().expect("address");

        assert_eq!(source_key(a), source_key(b));
        assert_eq!(
            source_key(mapped),
            "192.0.2.7".parse::<IpAddr>().expect("v4")
        );
    }

    #[test]
    fn a_throttled_source_is_let_in_again_when_its_window_ends() {
        let throttle = AuthThrottle::new(2);
        let source: IpAddr = "192.0.2.1".parse().expect("address");
        let unknown = [7; 32];
        let start = Instant::now();
        throttle.failed(source, start);
        throttle.failed(source, start);

        let during = throttle.throttled(source, &unknown, start + Duration::from_secs(59));
        let after = throttle.throttled(source, &unknown, start + WINDOW);

        assert_eq!(during, Some(1));
        assert_eq!(after, None);
    }

    #[test]
    fn memory_stays_bounded_when_many_sources_fail() {
        let throttle = AuthThrottle::new(3);
        let now = Instant::now();

        for n in 0..(MAX_SOURCES as u32 + 50) {
            throttle.failed(IpAddr::V4(n.into()), now);
        }

        assert!(throttle.lock().failures.len() <= MAX_SOURCES);
    }
}
