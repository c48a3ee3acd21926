//! Is the PostgreSQL of `PARAGON_TEST_POSTGRES_URL` reachable? Checked with the protocol's own
//! first message (an SSLRequest, answered `S` or `N` by any PostgreSQL server), so a port that
//! is open but held by something else does not pass.

use std::{
    io::{Read, Write},
    net::{TcpStream, ToSocketAddrs},
    time::Duration,
};

/// The SSLRequest message: length 8, then the magic code 80877103 (PostgreSQL protocol 53.7).
const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 4, 210, 22, 47];

pub fn check(url: &str) -> Result<(), String> {
    let (host, port) =
        host_port(url).ok_or_else(|| format!("cannot read host and port from {url:?}"))?;
    let addr = (host.as_str(), port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .next()
        .ok_or_else(|| format!("{host} has no address"))?;
    let timeout = Duration::from_secs(5);
    let mut stream =
        TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("{addr}: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(&SSL_REQUEST)
        .map_err(|e| format!("{addr}: {e}"))?;
    let mut answer = [0u8; 1];
    stream
        .read_exact(&mut answer)
        .map_err(|e| format!("{addr}: {e}"))?;
    match answer[0] {
        b'S' | b'N' => Ok(()),
        other => Err(format!(
            "{addr} does not speak PostgreSQL (answered byte {other})"
        )),
    }
}

/// `postgres://user:pw@host:port/db?…` → (host, port); the port defaults to 5432.
fn host_port(url: &str) -> Option<(String, u16)> {
    let rest = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))?;
    let authority = rest.split(['/', '?']).next()?;
    let host_port = authority.rsplit('@').next()?;
    match host_port.rsplit_once(':') {
        Some((host, port)) => Some((host.to_owned(), port.parse().ok()?)),
        None if !host_port.is_empty() => Some((host_port.to_owned(), 5432)),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::host_port;

    #[test]
    fn urls_give_host_and_port() {
        assert_eq!(
            host_port("postgres://postgres@127.0.0.1:5432/postgres"),
            Some(("127.0.0.1".into(), 5432))
        );
        assert_eq!(
            host_port("postgresql://u:p@db/x?sslmode=disable"),
            Some(("db".into(), 5432))
        );
        assert_eq!(host_port("mysql://x"), None);
    }
}
