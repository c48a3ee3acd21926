//! Slow and idle clients against the real `paragon serve` process: every wait has an end, heads
//! have a size limit, connections have a bound, and a fresh request is still answered.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    time::{sleep, timeout},
};

use crate::support::{Env, Server, field};

/// Far above the 2 s timeouts the tests set, for a loaded 2-core machine.
const GENEROUS: Duration = Duration::from_secs(15);

fn serve(env: &Env, dir: &std::path::Path, flags: &[&str]) -> Server {
    let mut args = vec!["serve", "--port", "0"];
    args.extend_from_slice(flags);
    env.serve_with(&args, &dir.join("serve.log"))
}

fn host(server: &Server) -> String {
    server.url.trim_start_matches("http://").to_owned()
}

/// The server's resident memory in KB, from /proc (Linux).
fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Reads until the server closes the socket (EOF or reset) or `limit` passes; returns what was
/// read, or `None` if the socket was still open at the deadline.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> Option<Vec<u8>> {
    let deadline = Instant::now() + limit;
    let mut seen = Vec::new();
    let mut buffer = [0_u8; 4096];
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        match timeout(left, stream.read(&mut buffer)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(seen),
            Ok(Ok(n)) => seen.extend_from_slice(&buffer[..n]),
        }
    }
}

/// Opens a socket and sends a request head that never ends: `pad` bytes of one header, in
/// 4 KB pieces with pauses. Stops early if the server cuts it off.
async fn half_sent_head(host: String, pad: usize) -> TcpStream {
    let mut stream = TcpStream::connect(&host).await.expect("connect");
    let start = format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\nX-Pad: ");
    if stream.write_all(start.as_bytes()).await.is_err() {
        return stream;
    }
    let piece = vec![b'a'; 4096];
    for _ in 0..pad.div_ceil(piece.len()) {
        if stream.write_all(&piece).await.is_err() {
            break;
        }
        sleep(Duration::from_millis(10)).await;
    }
    stream
}

async fn healthz_within(client: &reqwest::Client, server: &Server, limit: Duration) -> bool {
    let url = format!("{}/healthz", server.url);
    matches!(
        timeout(limit, client.get(&url).send()).await,
        Ok(Ok(response)) if response.status() == 200
    )
}

#[tokio::test]
async fn hundreds_of_half_sent_heads_neither_block_healthz_nor_stay_open_nor_grow_memory() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let env = Env::new(dir.path().join("data"), None);
    let server = serve(&env, dir.path(), &["--header-read-timeout", "3s"]);
    let client = reqwest::Client::new();
    assert!(healthz_within(&client, &server, GENEROUS).await, "warm-up");
    let pid = server.pid();
    let baseline = rss_kb(pid);
    let peak = Arc::new(AtomicU64::new(baseline));
    let sampler = {
        let peak = peak.clone();
        tokio::spawn(async move {
            loop {
                peak.fetch_max(rss_kb(pid), Ordering::Relaxed);
                sleep(Duration::from_millis(50)).await;
            }
        })
    };

    // 150 heads far over the 64 KB limit (256 KB each) and 150 under it (32 KB each).
    let mut senders = Vec::new();
    for index in 0..300 {
        let pad = if index % 2 == 0 {
            256 * 1024
        } else {
            32 * 1024
        };
        senders.push(tokio::spawn(half_sent_head(host(&server), pad)));
    }
    let mut sockets = Vec::new();
    for sender in senders {
        sockets.push(sender.await.expect("a sender"));
    }
    let sent = Instant::now();

    assert!(
        healthz_within(&client, &server, Duration::from_secs(5)).await,
        "a fresh /healthz answers within 5 s while 300 heads are held"
    );
    let mut answers = Vec::new();
    for socket in &mut sockets {
        answers.push(read_until_closed(socket, GENEROUS).await);
    }
    sampler.abort();
    let growth_kb = peak.load(Ordering::Relaxed).saturating_sub(baseline);

    let still_open = answers.iter().filter(|answer| answer.is_none()).count();
    assert_eq!(still_open, 0, "every slow socket is closed by the server");
    for (index, answer) in answers.iter().enumerate().filter(|(i, _)| i % 2 == 0) {
        let answer = String::from_utf8_lossy(answer.as_deref().unwrap_or_default());
        assert!(
            answer.starts_with("HTTP/1.1 431"),
            "socket {index}: a head over the limit is answered 431, got {answer:?}"
        );
    }
    assert!(
        sent.elapsed() < GENEROUS,
        "the heads under the limit are closed after the 3 s header-read timeout"
    );
    // A connection buffers at most the 64 KB head limit, in a buffer that may have grown to
    // twice that: 300 x 128 KB = 38 MB is the bound (about 25 MB measured). Without the limits
    // the same attack grew the server by about 62 MB and held it.
    assert!(
        growth_kb < 300 * 128,
        "the server's memory grew by {growth_kb} KB under 300 half-sent heads"
    );
    assert!(
        healthz_within(&client, &server, GENEROUS).await,
        "still serving"
    );
}

#[tokio::test]
async fn connections_that_send_nothing_or_stay_idle_are_closed_after_the_idle_timeout() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let env = Env::new(dir.path().join("data"), None);
    // The header-read timeout is long here, so only the idle timeout can close these.
    let server = serve(
        &env,
        dir.path(),
        &["--idle-timeout", "2s", "--header-read-timeout", "60s"],
    );
    let address = host(&server);

    let mut silent = TcpStream::connect(&address).await.expect("connect");
    let mut kept_alive = TcpStream::connect(&address).await.expect("connect");
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {address}\r\n\r\n");
    kept_alive
        .write_all(request.as_bytes())
        .await
        .expect("send");
    let mut first = [0_u8; 12];
    kept_alive.read_exact(&mut first).await.expect("an answer");
    assert_eq!(&first, b"HTTP/1.1 200", "served before it went idle");
    // HTTP/2 with prior knowledge: the preface and an empty SETTINGS frame, then nothing.
    let mut h2 = TcpStream::connect(&address).await.expect("connect");
    h2.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0")
        .await
        .expect("send the preface");

    let opened = Instant::now();
    assert!(
        read_until_closed(&mut silent, GENEROUS).await.is_some(),
        "a connection that never sends a byte is closed"
    );
    assert!(
        read_until_closed(&mut kept_alive, GENEROUS).await.is_some(),
        "an idle HTTP/1.1 keep-alive connection is closed"
    );
    let h2_bytes = read_until_closed(&mut h2, GENEROUS).await;
    assert!(h2_bytes.is_some(), "an idle HTTP/2 connection is closed");
    assert!(
        opened.elapsed() >= Duration::from_secs(1),
        "not before it idled"
    );
    let types = h2_frame_types(&h2_bytes.unwrap_or_default());
    assert!(
        types.contains(&GOAWAY),
        "the server says GOAWAY before it closes: {types:?}"
    );
}

/// RFC 9113 section 6.8.
const GOAWAY: u8 = 7;

/// The type of each HTTP/2 frame in `bytes` (RFC 9113 section 4.1: a 9-byte header of
/// length (24 bits), type, flags and stream id, then the payload).
fn h2_frame_types(mut bytes: &[u8]) -> Vec<u8> {
    let mut types = Vec::new();
    while bytes.len() >= 9 {
        let length =
            usize::from(bytes[0]) << 16 | usize::from(bytes[1]) << 8 | usize::from(bytes[2]);
        types.push(bytes[3]);
        bytes = bytes.get(9 + length..).unwrap_or_default();
    }
    types
}

#[tokio::test]
async fn at_the_connection_limit_new_clients_wait_until_a_slot_frees() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let env = Env::new(dir.path().join("data"), None);
    let server = serve(
        &env,
        dir.path(),
        &[
            "--max-connections",
            "3",
            "--idle-timeout",
            "60s",
            "--header-read-timeout",
            "60s",
        ],
    );
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("a client");
    assert!(healthz_within(&client, &server, GENEROUS).await, "warm-up");
    let mut holders = Vec::new();
    for _ in 0..3 {
        holders.push(TcpStream::connect(host(&server)).await.expect("connect"));
    }

    let waiting = tokio::spawn({
        let client = client.clone();
        let url = format!("{}/healthz", server.url);
        async move { client.get(&url).send().await.map(|r| r.status()) }
    });
    sleep(Duration::from_secs(2)).await;
    assert!(
        !waiting.is_finished(),
        "a fourth client is not served while three connections hold every slot"
    );
    drop(holders.pop());

    let status = timeout(GENEROUS, waiting)
        .await
        .expect("served once a slot is free")
        .expect("the task")
        .expect("an answer");
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_request_past_the_request_timeout_is_answered_503_with_the_protocols_json() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let env = Env::new(dir.path().join("data"), None);
    let (out, _) = env.run(&["project", "create", "--name", "Slow"]);
    let (project, api_key) = (field(&out, "project id:"), field(&out, "api key:"));
    let server = serve(&env, dir.path(), &["--request-timeout", "2s"]);
    let address = host(&server);

    // A complete head promising a body that never comes: the handler waits on the body.
    let mut stream = TcpStream::connect(&address).await.expect("connect");
    let head = format!(
        "PATCH /projects/{project} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {api_key}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{"
    );
    stream.write_all(head.as_bytes()).await.expect("send");
    let started = Instant::now();
    let mut answer = vec![0_u8; 4096];
    let read = timeout(GENEROUS, stream.read(&mut answer))
        .await
        .expect("an answer before the generous bound")
        .expect("read");
    let answer = String::from_utf8_lossy(&answer[..read]);

    assert!(started.elapsed() >= Duration::from_secs(1), "{answer}");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("\"code\":\"INTERNAL\""), "{answer}");
    assert!(answer.contains("2 s"), "says which limit: {answer}");
}

#[tokio::test]
async fn out_of_range_limits_are_refused_at_startup() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let env = Env::new(dir.path().join("data"), None);
    for flags in [
        &["--max-header-bytes", "100"][..],
        &["--max-connections", "0"],
        &["--idle-timeout", "0s"],
    ] {
        let mut args = vec!["serve", "--port", "0"];
        args.extend_from_slice(flags);
        let output = env.run_failing(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(flags[0]), "{flags:?}: {stderr}");
    }
}
