//! Every `[quic]` and `[quic.socket]` key, seen from a QUIC client: idle timeout,
//! keep-alive, concurrent streams, receive and send windows, initial MTU, socket buffers.
//! The keys whose effect no client can see are refused at start (tests/config.rs).

mod common;

use common::raw_tls::trusting_config;
use common::{frame, login_payload, root_client, within, TestServer, PING};
use iggy::prelude::{IggyMessage, MessageClient, Partitioning, StreamClient, TopicClient};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::UdpSocket;

/// A QUIC client without keep-alive and with a long idle timeout, so what happens to the
/// connection is the server's doing.
async fn connect(server: SocketAddr) -> (quinn::Endpoint, quinn::Connection) {
    let crypto = quinn::crypto::rustls::QuicClientConfig::try_from(trusting_config(true))
        .expect("QUIC client crypto");
    let mut transport = quinn::TransportConfig::default();
    transport.keep_alive_interval(None);
    transport.max_idle_timeout(Some(Duration::from_secs(60).try_into().unwrap()));
    let mut config = quinn::ClientConfig::new(Arc::new(crypto));
    config.transport_config(Arc::new(transport));
    let mut endpoint =
        quinn::Endpoint::client("127.0.0.1:0".parse().unwrap()).expect("client endpoint");
    endpoint.set_default_client_config(config);
    let connection = within(endpoint.connect(server, "localhost").expect("connect"))
        .await
        .expect("QUIC handshake");
    (endpoint, connection)
}

async fn request(connection: &quinn::Connection, bytes: &[u8]) -> u32 {
    let (mut send, mut recv) = within(connection.open_bi()).await.expect("open stream");
    send.write_all(bytes).await.expect("write");
    send.finish().expect("finish");
    let answer = within(recv.read_to_end(1 << 20)).await.expect("answer");
    u32::from_le_bytes(answer[..4].try_into().unwrap())
}

fn quic(server: &TestServer) -> SocketAddr {
    server.endpoint().quic.expect("QUIC listener")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_idle_timeout_closes_a_silent_client() {
    let server = TestServer::builder()
        .env("IGGY_QUIC_MAX_IDLE_TIMEOUT", "1s")
        .env("IGGY_QUIC_KEEP_ALIVE_INTERVAL", "0s")
        .start();
    let (_endpoint, connection) = connect(quic(&server)).await;
    assert_eq!(request(&connection, &frame(PING, &[])).await, 0);
    let started = Instant::now();
    let reason = within(connection.closed()).await;
    assert!(
        matches!(reason, quinn::ConnectionError::TimedOut),
        "closed by {reason:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_alive_interval_pings_the_client() {
    for (interval, pings) in [("200ms", true), ("0s", false)] {
        let server = TestServer::builder()
            .env("IGGY_QUIC_KEEP_ALIVE_INTERVAL", interval)
            .start();
        let (_endpoint, connection) = connect(quic(&server)).await;
        assert_eq!(request(&connection, &frame(PING, &[])).await, 0);
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let received = connection.stats().frame_rx.ping;
        assert_eq!(
            received >= 3,
            pings,
            "keep_alive_interval {interval}: {received} PING frame(s) in 1.5 s"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_concurrent_bidi_streams_limits_open_requests() {
    let server = TestServer::builder()
        .env("IGGY_QUIC_MAX_CONCURRENT_BIDI_STREAMS", "1")
        .start();
    let (_endpoint, connection) = connect(quic(&server)).await;
    let (mut first, mut first_answer) = within(connection.open_bi()).await.expect("first");
    first.write_all(&frame(PING, &[])).await.unwrap();
    // The first stream is still open: a second one may not be opened yet.
    let second = tokio::time::timeout(Duration::from_millis(500), connection.open_bi()).await;
    assert!(second.is_err(), "a second stream opened beside the first");
    first.finish().unwrap();
    let answer = within(first_answer.read_to_end(64)).await.unwrap();
    assert_eq!(answer, [0u8; 8]);
    // Once it is done, the next one opens.
    assert_eq!(request(&connection, &frame(PING, &[])).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receive_window_bounds_what_a_client_may_send_unread() {
    let mut updates = Vec::new();
    for window in ["16 KiB", "20 MiB"] {
        let server = TestServer::builder()
            .env("IGGY_QUIC_RECEIVE_WINDOW", window)
            .start();
        let (_endpoint, connection) = connect(quic(&server)).await;
        // A 2 MiB request (an unknown command: read whole, then refused).
        let big = frame(9999, &vec![0u8; 2 << 20]);
        assert_eq!(request(&connection, &big).await, 3);
        updates.push(connection.stats().frame_rx.max_data);
    }
    assert!(
        updates[0] >= 20 && updates[1] < updates[0] / 4,
        "MAX_DATA frames with a 16 KiB window {}, with a 20 MiB window {}",
        updates[0],
        updates[1]
    );
}

/// A UDP relay between a client and the server: delays each datagram by `delay` and
/// records the largest datagram the server sent.
struct Relay {
    addr: SocketAddr,
    largest_from_server: Arc<AtomicUsize>,
}

async fn relay(server: SocketAddr, delay: Duration) -> Relay {
    let front = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
    let back = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
    back.connect(server).await.unwrap();
    let addr = front.local_addr().unwrap();
    let largest = Arc::new(AtomicUsize::new(0));
    let client: Arc<tokio::sync::Mutex<Option<SocketAddr>>> = Arc::default();
    {
        let (front, back, client) = (front.clone(), back.clone(), client.clone());
        tokio::spawn(async move {
            let mut buf = vec![0u8; 65536];
            while let Ok((n, from)) = front.recv_from(&mut buf).await {
                *client.lock().await = Some(from);
                let (back, data) = (back.clone(), buf[..n].to_vec());
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let _ = back.send(&data).await;
                });
            }
        });
    }
    {
        let largest = largest.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 65536];
            while let Ok(n) = back.recv(&mut buf).await {
                largest.fetch_max(n, Ordering::Relaxed);
                let Some(to) = *client.lock().await else {
                    continue;
                };
                let (front, data) = (front.clone(), buf[..n].to_vec());
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let _ = front.send_to(&data, to).await;
                });
            }
        });
    }
    Relay {
        addr,
        largest_from_server: largest,
    }
}

/// The server with 1 MB stored in stream 0 / topic 0 / partition 0.
async fn server_with_a_megabyte(envs: &[(&str, &str)]) -> TestServer {
    let mut builder = TestServer::builder();
    for (key, value) in envs {
        builder = builder.env(key, value);
    }
    let server = builder.start();
    let root = root_client(&server).await;
    common::create_stream_and_topic(&root, "s", "t", 1).await;
    let mut messages: Vec<IggyMessage> = (0..100)
        .map(|i| {
            IggyMessage::builder()
                .payload(vec![i as u8; 10_000].into())
                .build()
                .unwrap()
        })
        .collect();
    within(root.send_messages(
        &common::id(0),
        &common::id(0),
        &Partitioning::partition_id(0),
        &mut messages,
    ))
    .await
    .expect("send 1 MB");
    server
}

/// A client that takes datagrams of any size and never limits what the server sends
/// (large flow-control windows), so what limits a transfer is the server's setting.
async fn wide_open_client(server: SocketAddr) -> (quinn::Endpoint, quinn::Connection) {
    let crypto = quinn::crypto::rustls::QuicClientConfig::try_from(trusting_config(true))
        .expect("QUIC client crypto");
    let mut transport = quinn::TransportConfig::default();
    transport.receive_window((64u32 << 20).into());
    transport.stream_receive_window((64u32 << 20).into());
    let mut config = quinn::ClientConfig::new(Arc::new(crypto));
    config.transport_config(Arc::new(transport));
    let mut endpoint_config = quinn::EndpointConfig::default();
    endpoint_config.max_udp_payload_size(65527).unwrap();
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut endpoint =
        quinn::Endpoint::new(endpoint_config, None, socket, Arc::new(quinn::TokioRuntime))
            .expect("client endpoint");
    endpoint.set_default_client_config(config);
    let connection = within(endpoint.connect(server, "localhost").expect("connect"))
        .await
        .expect("QUIC handshake");
    (endpoint, connection)
}

/// Polls the megabyte back through `relay`; answers how long the poll took.
async fn poll_through(relay: SocketAddr) -> Duration {
    let (_endpoint, connection) = wide_open_client(relay).await;
    let login = frame(38, &login_payload("iggy", "iggy"));
    assert_eq!(request(&connection, &login).await, 0);
    // PollMessages: consumer 1, stream 0, topic 0, partition 0, offset 0, 100 messages.
    let mut poll = vec![1u8, 1, 4, 1, 0, 0, 0];
    for id in [0u32, 0] {
        poll.extend_from_slice(&[1, 4]);
        poll.extend_from_slice(&id.to_le_bytes());
    }
    poll.extend_from_slice(&[1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    poll.extend_from_slice(&100u32.to_le_bytes());
    poll.push(0);
    let started = Instant::now();
    let (mut send, mut recv) = within(connection.open_bi()).await.expect("open stream");
    send.write_all(&frame(100, &poll)).await.unwrap();
    send.finish().unwrap();
    let answer = within(recv.read_to_end(4 << 20))
        .await
        .expect("poll answer");
    let took = started.elapsed();
    assert_eq!(&answer[..4], &[0, 0, 0, 0], "poll status");
    assert!(
        answer.len() > 1_000_000,
        "a megabyte polled, got {} bytes",
        answer.len()
    );
    took
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initial_mtu_sets_the_size_of_the_first_datagrams() {
    let mut largest = Vec::new();
    for mtu in ["8 KB", "1200 B"] {
        let server = server_with_a_megabyte(&[("IGGY_QUIC_INITIAL_MTU", mtu)]).await;
        let relay = relay(quic(&server), Duration::ZERO).await;
        poll_through(relay.addr).await;
        largest.push(relay.largest_from_server.load(Ordering::Relaxed));
    }
    assert!(
        largest[0] > 2000 && largest[1] <= 1500,
        "largest datagrams: {} with an 8 KB initial MTU, {} with 1200 B",
        largest[0],
        largest[1]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_window_bounds_what_the_server_sends_unacknowledged() {
    // 50 ms each way: a window of 16 KiB allows about 160 KB/s (over 6 s for the
    // megabyte), one of 10 MB lets slow start finish it within a second or so.
    let mut took = Vec::new();
    for window in ["10 MB", "16 KiB"] {
        let server = server_with_a_megabyte(&[("IGGY_QUIC_SEND_WINDOW", window)]).await;
        let relay = relay(quic(&server), Duration::from_millis(50)).await;
        took.push(poll_through(relay.addr).await);
    }
    took.reverse();
    assert!(
        took[0] > took[1] * 2 && took[0] > Duration::from_secs(4),
        "1 MB poll through a 100 ms round trip: {:?} with a 16 KiB send window, {:?} with 10 MB",
        took[0],
        took[1]
    );
}

/// `skmem` of the server's UDP socket on `port` as `ss` shows it: (rb, tb).
fn udp_buffers(port: u16) -> (u64, u64) {
    let output = std::process::Command::new("ss")
        .args(["-uamnH", &format!("sport = :{port}")])
        .output()
        .expect("run ss");
    let text = String::from_utf8_lossy(&output.stdout);
    let field = |name: &str| -> u64 {
        let at = text
            .find(&format!(",{name}"))
            .unwrap_or_else(|| panic!("no {name} in {text}"));
        text[at + 1 + name.len()..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect::<String>()
            .parse()
            .unwrap()
    };
    (field("rb"), field("tb"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socket_buffer_sizes_apply_with_override_defaults() {
    let server = TestServer::builder()
        .env("IGGY_QUIC_SOCKET_OVERRIDE_DEFAULTS", "true")
        .env("IGGY_QUIC_SOCKET_RECV_BUFFER_SIZE", "300 KB")
        .env("IGGY_QUIC_SOCKET_SEND_BUFFER_SIZE", "150 KB")
        .start();
    // Linux doubles what SO_RCVBUF/SO_SNDBUF ask for.
    assert_eq!(udp_buffers(quic(&server).port()), (600_000, 300_000));
    let defaults = TestServer::builder()
        .env("IGGY_QUIC_SOCKET_RECV_BUFFER_SIZE", "300 KB")
        .start();
    let (rb, _) = udp_buffers(quic(&defaults).port());
    assert_ne!(rb, 600_000, "applied although override_defaults is false");
    // Both serve.
    for server in [&server, &defaults] {
        let (_endpoint, connection) = connect(quic(server)).await;
        let login = frame(38, &login_payload("iggy", "iggy"));
        assert_eq!(request(&connection, &login).await, 0);
        assert_eq!(request(&connection, &frame(201, &[])).await, 0);
    }
    let root = root_client(&server).await;
    within(root.create_stream("x")).await.expect("serving");
    let _ = within(root.get_topics(&common::id(0))).await;
}
