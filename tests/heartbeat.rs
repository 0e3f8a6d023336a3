//! Heartbeat verification (`[heartbeat]`): a client that does not ping within 1.2 × the
//! interval is removed; its next request is answered StaleClient (30) and the connection
//! closes. Clients that ping stay.

mod common;

use common::{RawConn, TestServer};
use std::thread;
use std::time::{Duration, Instant};

const STALE_CLIENT: u32 = 30;
const GET_CLIENTS: u32 = 22;

/// Client ids listed by GetClients (ClientInfo records: id, user, transport, address, groups).
fn client_ids(payload: &[u8]) -> Vec<u32> {
    let mut ids = Vec::new();
    let mut pos = 0;
    while pos + 13 <= payload.len() {
        ids.push(u32::from_le_bytes(
            payload[pos..pos + 4].try_into().unwrap(),
        ));
        let address_len =
            u32::from_le_bytes(payload[pos + 9..pos + 13].try_into().unwrap()) as usize;
        pos += 13 + address_len + 4;
    }
    ids
}

#[test]
fn a_silent_client_is_removed_and_told_it_is_stale() {
    let server = TestServer::builder()
        .env("IGGY_HEARTBEAT_ENABLED", "true")
        .env("IGGY_HEARTBEAT_INTERVAL", "1s")
        .start();
    let mut silent = RawConn::connect(server.tcp_addr());
    assert_eq!(silent.login("iggy", "iggy"), 0);
    let mut pinging = RawConn::connect(server.tcp_addr());
    assert_eq!(pinging.login("iggy", "iggy"), 0);
    let (status, before) = pinging.send_frame(GET_CLIENTS, &[]);
    assert_eq!(status, 0);
    assert_eq!(client_ids(&before).len(), 2, "both clients listed at first");

    // Keep one client pinging until the silent one disappears from the list.
    let deadline = Instant::now() + Duration::from_secs(15);
    let remaining = loop {
        assert_eq!(pinging.ping(), 0);
        let (status, payload) = pinging.send_frame(GET_CLIENTS, &[]);
        assert_eq!(status, 0);
        let ids = client_ids(&payload);
        if ids.len() == 1 {
            break ids;
        }
        assert!(
            Instant::now() < deadline,
            "the silent client was never removed:\n{}",
            server.output()
        );
        thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(remaining.len(), 1);

    // The silent client's next request is answered StaleClient, then the connection closes.
    let (status, _) = silent.send_frame(1, &[]);
    assert_eq!(status, STALE_CLIENT);
    silent.expect_closed();
    // The pinging client is still served.
    assert_eq!(pinging.ping(), 0);
}

#[test]
fn without_heartbeat_verification_silent_clients_stay() {
    let server = TestServer::start();
    let mut silent = RawConn::connect(server.tcp_addr());
    assert_eq!(silent.login("iggy", "iggy"), 0);
    thread::sleep(Duration::from_millis(1500));
    assert_eq!(silent.ping(), 0);
}
