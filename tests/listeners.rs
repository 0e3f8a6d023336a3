//! How the listeners bind: like the original, with `SO_REUSEADDR` + `SO_REUSEPORT`, so a
//! port reserved by test tooling can be handed over; but a second server on a port where
//! one already answers is refused at start.

mod common;

use common::{expect_start_failure, root_client, within, TestServer, TestTransport};
use iggy::prelude::{Client, StreamClient, SystemClient};
use socket2::{Domain, Protocol, Socket, Type};
use std::net::SocketAddr;

/// A reservation as the original's test harness makes one: a listening socket with
/// `SO_REUSEADDR` + `SO_REUSEPORT` that never accepts.
fn reservation() -> (Socket, SocketAddr) {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP)).expect("socket");
    socket.set_reuse_address(true).expect("SO_REUSEADDR");
    socket.set_reuse_port(true).expect("SO_REUSEPORT");
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    socket.bind(&any.into()).expect("bind");
    socket.listen(16).expect("listen");
    let addr = socket.local_addr().unwrap().as_socket().unwrap();
    (socket, addr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starts_on_a_port_held_by_a_reservation() {
    let (held, addr) = reservation();
    let server = TestServer::builder()
        .env("IGGY_TCP_ADDRESS", &addr.to_string())
        .start();
    assert_eq!(server.tcp_addr(), addr);
    drop(held);
    let client = root_client(&server).await;
    within(client.ping()).await.expect("ping");
    within(client.create_stream("after-reservation"))
        .await
        .expect("create stream");
    let output = server.stop();
    assert!(
        output.contains(&format!(
            "TCP listener bound to {addr} (SO_REUSEADDR + SO_REUSEPORT"
        )),
        "the start-up log does not say how TCP was bound:\n{output}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_server_on_the_same_port_is_refused() {
    let first = TestServer::start();
    let addr = first.tcp_addr();
    let client = root_client(&first).await;
    within(client.create_stream("before"))
        .await
        .expect("create");

    let (_, output) =
        expect_start_failure(TestServer::builder().env("IGGY_TCP_ADDRESS", &addr.to_string()));
    assert!(
        output.contains(&format!(
            "cannot bind TCP to {addr}: another server is listening there"
        )),
        "no message naming the address and the other server:\n{output}"
    );

    // The first server still serves its client and new ones.
    within(client.ping())
        .await
        .expect("ping on the first server");
    let streams = within(client.get_streams()).await.expect("get streams");
    assert_eq!(streams.len(), 1);
    let other = root_client(&first).await;
    within(other.get_stats())
        .await
        .expect("stats from a new client");
    first.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_server_on_a_quic_websocket_or_tls_port_is_refused() {
    let tls = [
        ("IGGY_TCP_TLS_ENABLED", "true"),
        ("IGGY_TCP_TLS_CERT_FILE", "no-such-dir/cert.pem"),
        ("IGGY_WEBSOCKET_TLS_ENABLED", "true"),
        ("IGGY_WEBSOCKET_TLS_CERT_FILE", "no-such-dir/cert.pem"),
    ];
    for with_tls in [false, true] {
        let mut builder = TestServer::builder();
        if with_tls {
            for (key, value) in tls {
                builder = builder.env(key, value);
            }
        }
        let first = builder.start();
        let endpoint = first.endpoint();
        let mut cases = vec![
            (
                "IGGY_WEBSOCKET_ADDRESS",
                "WebSocket",
                endpoint.websocket.unwrap(),
            ),
            ("IGGY_QUIC_ADDRESS", "QUIC", endpoint.quic.unwrap()),
        ];
        if with_tls {
            cases.push(("IGGY_TCP_ADDRESS", "TCP", endpoint.tcp));
        }
        for (var, transport, addr) in cases {
            let mut second = TestServer::builder().env(var, &addr.to_string());
            if with_tls {
                for (key, value) in tls {
                    second = second.env(key, value);
                }
            }
            let (_, output) = expect_start_failure(second);
            assert!(
                output.contains(&format!(
                    "cannot bind {transport} to {addr}: another server is listening there"
                )),
                "TLS {with_tls}: no refusal naming {transport} {addr}:\n{output}"
            );
        }
        // The first server still serves, over every transport.
        let transports = if with_tls {
            [
                TestTransport::TcpTls,
                TestTransport::Quic,
                TestTransport::WebSocketTls,
            ]
        } else {
            [
                TestTransport::Tcp,
                TestTransport::Quic,
                TestTransport::WebSocket,
            ]
        };
        for transport in transports {
            let client = common::sdk_client_over(transport, endpoint);
            within(client.connect()).await.expect("connect");
            within(client.ping()).await.expect("ping");
        }
    }
}
