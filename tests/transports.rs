//! What no SDK sends, per transport: a QUIC stream closed in the middle of a frame,
//! garbage on a QUIC stream, WebSocket text messages, frames split over and packed into
//! WebSocket messages, an oversized WebSocket message, TLS clients that never finish their
//! handshake, and a thousand connections opened and dropped on every transport. Every
//! other client keeps being served, and nothing panics.

mod common;

use common::raw_tls::trusting_config;
use common::{frame, login_payload, root_client, within, RawConn, TestServer, PING};
use futures_util::{SinkExt, StreamExt};
use iggy::prelude::{StreamClient, SystemClient};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

const INVALID_COMMAND: u32 = 3;

// --- QUIC ------------------------------------------------------------------------------------

async fn quic_connect(server: SocketAddr) -> (quinn::Endpoint, quinn::Connection) {
    let crypto = quinn::crypto::rustls::QuicClientConfig::try_from(trusting_config(true))
        .expect("QUIC client crypto");
    let mut endpoint =
        quinn::Endpoint::client("127.0.0.1:0".parse().unwrap()).expect("client endpoint");
    endpoint.set_default_client_config(quinn::ClientConfig::new(Arc::new(crypto)));
    let connection = within(endpoint.connect(server, "localhost").expect("connect"))
        .await
        .expect("QUIC handshake");
    (endpoint, connection)
}

/// One request on its own stream: `bytes` then the end of the stream; answers the status
/// and payload, read to the end of the server's side.
async fn quic_request(connection: &quinn::Connection, bytes: &[u8]) -> (u32, Vec<u8>) {
    let (mut send, mut recv) = within(connection.open_bi()).await.expect("open stream");
    send.write_all(bytes).await.expect("write");
    send.finish().expect("finish");
    let answer = within(recv.read_to_end(1 << 20))
        .await
        .expect("read answer");
    assert!(answer.len() >= 8, "short answer {answer:?}");
    let status = u32::from_le_bytes(answer[..4].try_into().unwrap());
    let length = u32::from_le_bytes(answer[4..8].try_into().unwrap()) as usize;
    assert_eq!(answer.len(), 8 + length, "answer length");
    (status, answer[8..].to_vec())
}

fn quic_addr(server: &TestServer) -> SocketAddr {
    server.endpoint().quic.expect("QUIC listener")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quic_bad_streams_are_answered_and_the_connection_goes_on() {
    let server = TestServer::start();
    let (_endpoint, connection) = quic_connect(quic_addr(&server)).await;
    // A frame cut short by the end of its stream.
    let ping = frame(PING, &[]);
    assert_eq!(
        quic_request(&connection, &ping[..5]).await.0,
        INVALID_COMMAND
    );
    // A header announcing more than any command may carry.
    let mut huge = Vec::new();
    huge.extend_from_slice(&u32::MAX.to_le_bytes());
    huge.extend_from_slice(&201u32.to_le_bytes());
    assert_eq!(quic_request(&connection, &huge).await.0, INVALID_COMMAND);
    // A length below the code's 4 bytes, and an unknown code.
    assert_eq!(
        quic_request(&connection, &[1, 0, 0, 0, 1, 0, 0, 0]).await.0,
        INVALID_COMMAND
    );
    assert_eq!(
        quic_request(&connection, &frame(9999, &[])).await.0,
        INVALID_COMMAND
    );
    // An empty stream.
    assert_eq!(quic_request(&connection, &[]).await.0, INVALID_COMMAND);
    // The same connection still serves: ping, login, a command.
    assert_eq!(quic_request(&connection, &ping).await, (0, vec![]));
    let login = frame(38, &login_payload("iggy", "iggy"));
    assert_eq!(quic_request(&connection, &login).await.0, 0);
    assert_eq!(
        quic_request(&connection, &frame(202, &[1, b'q'])).await.0,
        0
    );
    // And so does the SDK.
    let client = root_client(&server).await;
    let streams = within(client.get_streams()).await.expect("streams");
    assert_eq!(streams.len(), 1);
}

// --- WebSocket -------------------------------------------------------------------------------

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn ws_connect(server: &TestServer, path: &str) -> Ws {
    let addr = server.endpoint().websocket.expect("WebSocket listener");
    let (ws, _) = within(tokio_tungstenite::connect_async(format!(
        "ws://{addr}{path}"
    )))
    .await
    .expect("WebSocket upgrade");
    ws
}

/// The next binary message: one whole answer.
async fn ws_answer(ws: &mut Ws) -> (u32, Vec<u8>) {
    loop {
        let message = within(ws.next()).await.expect("open").expect("message");
        if let Message::Binary(data) = message {
            let status = u32::from_le_bytes(data[..4].try_into().unwrap());
            let length = u32::from_le_bytes(data[4..8].try_into().unwrap()) as usize;
            assert_eq!(data.len(), 8 + length, "one answer per message");
            return (status, data[8..].to_vec());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_carries_frames_as_a_byte_stream_on_any_path() {
    let server = TestServer::start();
    let mut ws = ws_connect(&server, "/any/path/at/all").await;
    // Text is ignored; a ping is answered with a pong.
    ws.send(Message::Text("hello".into())).await.expect("text");
    ws.send(Message::Ping(b"are you there".to_vec().into()))
        .await
        .expect("ping");
    let pong = within(ws.next()).await.expect("open").expect("message");
    assert_eq!(pong, Message::Pong(b"are you there".to_vec().into()));
    // A frame split over two messages.
    let ping = frame(PING, &[]);
    ws.send(Message::Binary(ping[..3].to_vec().into()))
        .await
        .unwrap();
    ws.send(Message::Binary(ping[3..].to_vec().into()))
        .await
        .unwrap();
    assert_eq!(ws_answer(&mut ws).await, (0, vec![]));
    // Two frames in one message: two answers.
    let mut two = frame(38, &login_payload("iggy", "iggy"));
    two.extend_from_slice(&frame(202, &[1, b'w']));
    ws.send(Message::Binary(two.into())).await.unwrap();
    assert_eq!(ws_answer(&mut ws).await.0, 0, "login");
    assert_eq!(ws_answer(&mut ws).await.0, 0, "create stream");
    // A bad frame is answered and the connection goes on.
    ws.send(Message::Binary(frame(9999, &[]).into()))
        .await
        .unwrap();
    assert_eq!(ws_answer(&mut ws).await.0, INVALID_COMMAND);
    ws.send(Message::Binary(ping.into())).await.unwrap();
    assert_eq!(ws_answer(&mut ws).await, (0, vec![]));
    ws.close(None).await.expect("close");
    // A plain HTTP request that is not an upgrade gets 400.
    let addr = server.endpoint().websocket.unwrap();
    let mut raw = std::net::TcpStream::connect(addr).unwrap();
    use std::io::{Read, Write};
    raw.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    raw.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut head = [0u8; 12];
    raw.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 400");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_websocket_message_closes_only_its_connection() {
    let server = TestServer::builder()
        .env("IGGY_WEBSOCKET_MAX_FRAME_SIZE", "64 KiB")
        .start();
    let mut other = ws_connect(&server, "/").await;
    let mut big = ws_connect(&server, "/").await;
    let _ = big
        .send(Message::Binary(vec![7u8; 100 * 1024].into()))
        .await;
    let closed = within(async {
        loop {
            match big.next().await {
                None | Some(Err(_)) => return None,
                Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(
        closed.is_none() || closed == Some(1009),
        "closed with {closed:?}, expected 1009 (message too big)"
    );
    other
        .send(Message::Binary(frame(PING, &[]).into()))
        .await
        .unwrap();
    assert_eq!(ws_answer(&mut other).await, (0, vec![]));
    let client = root_client(&server).await;
    within(client.ping())
        .await
        .expect("the server still serves");
}

// --- TLS -------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_clients_that_never_finish_their_handshake_block_nobody() {
    let server = TestServer::builder()
        .env("IGGY_TCP_TLS_ENABLED", "true")
        .env("IGGY_TCP_TLS_CERT_FILE", "no-such-dir/cert.pem")
        .env("IGGY_WEBSOCKET_TLS_ENABLED", "true")
        .env("IGGY_WEBSOCKET_TLS_CERT_FILE", "no-such-dir/cert.pem")
        .start();
    let endpoint = server.endpoint();
    use std::io::{Read, Write};
    // Silent clients, and clients that stop in the middle of a ClientHello.
    let mut stalled = Vec::new();
    for addr in [endpoint.tcp, endpoint.websocket.unwrap()] {
        for half_hello in [false, true] {
            let mut s = std::net::TcpStream::connect(addr).unwrap();
            if half_hello {
                s.write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01]).unwrap();
            }
            stalled.push(s);
        }
    }
    // Everyone else is served meanwhile, over both TLS listeners.
    for transport in [
        common::TestTransport::TcpTls,
        common::TestTransport::WebSocketTls,
    ] {
        let client = common::sdk_client_over(transport, endpoint);
        within(iggy::prelude::Client::connect(&client))
            .await
            .expect("connect");
        within(iggy::prelude::UserClient::login_user(
            &client, "iggy", "iggy",
        ))
        .await
        .expect("login over TLS");
        within(client.get_stats()).await.expect("stats over TLS");
    }
    // The stalled ones are dropped after the handshake deadline (10 s).
    let started = Instant::now();
    for mut s in stalled {
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut buf = [0u8; 64];
        let n = s.read(&mut buf).unwrap_or(0);
        assert!(
            n == 0 || buf[0] == 0x15,
            "expected the server to drop the connection"
        );
    }
    assert!(started.elapsed() < Duration::from_secs(20));
}

// --- many connections ------------------------------------------------------------------------

fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

async fn clients_count(client: &iggy::prelude::IggyClient) -> usize {
    within(client.get_clients()).await.expect("clients").len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_connections_opened_and_dropped_leave_nothing_behind() {
    let server = TestServer::start();
    let endpoint = server.endpoint();
    let watcher = root_client(&server).await;
    // Warm up every transport once, then take the idle memory.
    for _ in 0..2 {
        drop(RawConn::connect(endpoint.tcp));
        drop(ws_connect(&server, "/").await);
        let (e, c) = quic_connect(endpoint.quic.unwrap()).await;
        c.close(0u32.into(), b"bye");
        e.wait_idle().await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let baseline = clients_count(&watcher).await;
    let idle = rss_kb(server.pid());
    // Ten waves of 40 TCP, 40 WebSocket and 20 QUIC connections: 1,000 in all.
    for _ in 0..10 {
        let mut tcp = Vec::new();
        let mut ws = Vec::new();
        let mut quic = Vec::new();
        for i in 0..40 {
            let mut conn = RawConn::connect(endpoint.tcp);
            if i % 2 == 0 {
                assert_eq!(conn.ping(), 0);
            }
            tcp.push(conn);
            ws.push(ws_connect(&server, "/").await);
            if i % 2 == 0 {
                quic.push(quic_connect(endpoint.quic.unwrap()).await);
            }
        }
        // The watcher is served while they are open.
        within(watcher.get_stats()).await.expect("stats");
        drop(tcp);
        drop(ws); // dropped without a close frame
        for (n, (e, c)) in quic.into_iter().enumerate() {
            if n % 2 == 0 {
                c.close(0u32.into(), b"bye");
                e.wait_idle().await;
            } // the others just vanish: the server notices when they idle out
        }
    }
    // Every client record goes once its connection is gone (QUIC ones that vanished go
    // when they idle out, 10 s by default).
    let deadline = Instant::now() + Duration::from_secs(30);
    while clients_count(&watcher).await > baseline {
        assert!(Instant::now() < deadline, "client records left behind");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let after = rss_kb(server.pid());
    assert!(
        after < idle + 48 * 1024,
        "RSS grew from {idle} kB to {after} kB after the connections were gone"
    );
    within(watcher.create_stream("still-serving"))
        .await
        .expect("serving");
    let output = server.stop();
    assert!(!output.contains("panicked"), "{output}");
}
