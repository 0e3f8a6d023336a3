//! Hand-made frames over plain TCP: malformed input must be answered or the connection closed,
//! never hang or take the server down. Every case ends with a ping on a new connection.

mod common;

use rand::rngs::SmallRng;
use rand::{RngCore, SeedableRng};

use common::{
    assert_healthy, frame, login_payload, RawConn, TestServer, GET_CLIENT, GET_CLIENTS,
    GET_CLUSTER_METADATA, GET_ME, GET_STATS, INVALID_COMMAND, INVALID_CREDENTIALS,
    INVALID_USERNAME, LOGIN_USER, LOGOUT_USER, PING, STATUS_OK, UNAUTHENTICATED,
};

#[test]
fn ping_and_login_frames_from_the_spec() {
    let server = TestServer::start();
    let mut conn = RawConn::connect(server.tcp_addr());
    conn.write_raw(&[0x04, 0, 0, 0, 0x01, 0, 0, 0]);
    assert_eq!(conn.read_response(), (STATUS_OK, Vec::new()), "ping");

    // The spec's example login frame for iggy/iggy (length 28, code 38).
    let payload = [
        0x04, 0x69, 0x67, 0x67, 0x79, 0x04, 0x69, 0x67, 0x67, 0x79, 0x06, 0x00, 0x00, 0x00, 0x30,
        0x2E, 0x31, 0x30, 0x2E, 0x30, 0x00, 0x00, 0x00, 0x00,
    ];
    assert_eq!(payload.to_vec(), login_payload("iggy", "iggy"));
    let (status, user_id) = conn.send_frame(LOGIN_USER, &payload);
    assert_eq!(status, STATUS_OK, "login");
    assert_eq!(
        user_id,
        0u32.to_le_bytes().to_vec(),
        "login answers the root id"
    );

    let (status, me) = conn.send_frame(GET_ME, &[]);
    assert_eq!(status, STATUS_OK, "get_me after login");
    assert!(me.len() >= 17, "ClientDetails too short: {me:?}");
    assert_eq!(&me[4..8], &0u32.to_le_bytes(), "user id in ClientDetails");
    assert_eq!(me[8], 1, "transport byte = TCP");
    drop(conn);
    assert_healthy(server.tcp_addr());
}

#[test]
fn unknown_code_is_invalid_command_and_connection_survives() {
    let server = TestServer::start();
    let mut conn = RawConn::connect(server.tcp_addr());
    let (status, payload) = conn.send_frame(9999, &[1, 2, 3, 4, 5]);
    assert_eq!(status, INVALID_COMMAND, "unknown code 9999");
    assert!(payload.is_empty(), "error responses carry no payload");
    assert_eq!(conn.ping(), STATUS_OK, "same connection after unknown code");
    drop(conn);
    assert_healthy(server.tcp_addr());
}

#[test]
fn frame_length_below_four_is_invalid_command() {
    let server = TestServer::start();
    let mut conn = RawConn::connect(server.tcp_addr());
    for length in 0u32..4 {
        let mut bytes = length.to_le_bytes().to_vec();
        bytes.extend_from_slice(&PING.to_le_bytes());
        conn.write_raw(&bytes);
        let (status, _) = conn.read_response();
        assert_eq!(status, INVALID_COMMAND, "frame length {length}");
        assert_eq!(
            conn.ping(),
            STATUS_OK,
            "connection usable after length {length}"
        );
    }
    drop(conn);
    assert_healthy(server.tcp_addr());
}

#[test]
fn oversized_control_payload_is_refused_and_connection_closed() {
    let server = TestServer::start();
    let mut conn = RawConn::connect(server.tcp_addr());
    // GetStream (200) announcing 20 MiB; only the header is sent.
    let length: u32 = 4 + 20 * 1024 * 1024;
    let mut header = length.to_le_bytes().to_vec();
    header.extend_from_slice(&200u32.to_le_bytes());
    conn.write_raw(&header);
    let (status, _) = conn.read_response();
    assert_eq!(status, INVALID_COMMAND, "20 MiB control payload");
    conn.expect_closed();
    assert_healthy(server.tcp_addr());
}

#[test]
fn truncated_frame_then_close_leaves_server_healthy() {
    let server = TestServer::start();
    let mut conn = RawConn::connect(server.tcp_addr());
    // Header announces 100 bytes; only 10 bytes in total are sent before closing.
    let mut bytes = 100u32.to_le_bytes().to_vec();
    bytes.extend_from_slice(&9999u32.to_le_bytes());
    bytes.extend_from_slice(&[0xAA, 0xBB]);
    conn.write_raw(&bytes);
    conn.close();
    assert_healthy(server.tcp_addr());
}

#[test]
fn half_header_then_close_leaves_server_healthy() {
    let server = TestServer::start();
    let mut conn = RawConn::connect(server.tcp_addr());
    conn.write_raw(&[0x04, 0x00, 0x00]);
    conn.close();
    assert_healthy(server.tcp_addr());
}

#[test]
fn get_client_without_its_payload_is_invalid_command() {
    let server = TestServer::start();
    let mut conn = RawConn::connect(server.tcp_addr());
    assert_eq!(conn.login("iggy", "iggy"), STATUS_OK, "login");
    // Length 4: the code only, the 4-byte client_id is missing.
    let (status, _) = conn.send_frame(GET_CLIENT, &[]);
    assert_eq!(status, INVALID_COMMAND, "GetClient without client_id");
    assert_eq!(conn.ping(), STATUS_OK, "connection usable afterwards");
    drop(conn);
    assert_healthy(server.tcp_addr());
}

#[test]
fn ping_followed_by_garbage_is_answered_first() {
    let server = TestServer::start();
    let mut conn = RawConn::connect(server.tcp_addr());
    let mut bytes = frame(PING, &[]);
    bytes.extend_from_slice(b"garbage!");
    conn.write_raw(&bytes);
    assert_eq!(
        conn.read_response(),
        (STATUS_OK, Vec::new()),
        "ping answered first"
    );
    // Then an error status or a clean close; a hang fails through the read timeout.
    match conn.try_read_response() {
        Ok(Some((status, _))) => assert_ne!(status, STATUS_OK, "garbage answered with success"),
        Ok(None) => {}
        Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(error) => panic!("server neither answered nor closed after garbage: {error}"),
    }
    drop(conn);
    assert_healthy(server.tcp_addr());
}

#[test]
fn commands_before_login_are_unauthenticated() {
    let server = TestServer::start();
    let mut conn = RawConn::connect(server.tcp_addr());
    assert_eq!(conn.send_frame(GET_ME, &[]).0, UNAUTHENTICATED, "GetMe");
    assert_eq!(conn.ping(), STATUS_OK, "connection usable after 40");
    assert_eq!(
        conn.send_frame(GET_STATS, &[]).0,
        UNAUTHENTICATED,
        "GetStats"
    );
    assert_eq!(
        conn.send_frame(GET_ME, &[]).0,
        UNAUTHENTICATED,
        "GetMe again"
    );
    let client_id = 1u32.to_le_bytes();
    for (code, payload, name) in [
        (GET_CLUSTER_METADATA, &[][..], "GetClusterMetadata"),
        (GET_CLIENT, &client_id[..], "GetClient"),
        (GET_CLIENTS, &[][..], "GetClients"),
        (LOGOUT_USER, &[][..], "LogoutUser"),
        (32, &[][..], "GetUsers"),
        (201, &[][..], "GetStreams"),
    ] {
        assert_eq!(conn.send_frame(code, payload).0, UNAUTHENTICATED, "{name}");
    }
    assert_eq!(
        conn.login("iggy", "iggy"),
        STATUS_OK,
        "login on the same connection"
    );
    assert_eq!(
        conn.send_frame(GET_ME, &[]).0,
        STATUS_OK,
        "GetMe after login"
    );
    drop(conn);
    assert_healthy(server.tcp_addr());
}

#[test]
fn login_with_wrong_password_is_invalid_credentials() {
    let server = TestServer::start();
    let mut conn = RawConn::connect(server.tcp_addr());
    assert_eq!(conn.login("iggy", "wrong-password"), INVALID_CREDENTIALS);
    assert_eq!(
        conn.send_frame(GET_ME, &[]).0,
        UNAUTHENTICATED,
        "still logged out"
    );
    assert_eq!(conn.ping(), STATUS_OK, "connection usable");
    drop(conn);
    assert_healthy(server.tcp_addr());
}

#[test]
fn login_with_two_byte_username_is_invalid_username() {
    let server = TestServer::start();
    let mut conn = RawConn::connect(server.tcp_addr());
    assert_eq!(conn.login("ig", "iggy"), INVALID_USERNAME);
    assert_eq!(conn.ping(), STATUS_OK, "connection usable");
    drop(conn);
    assert_healthy(server.tcp_addr());
}

/// Random payloads for every command code, sent on one logged-in connection: each gets an
/// answer, the connection keeps serving, and the server stays up and exits cleanly.
#[test]
fn random_payloads_for_every_command_are_answered() {
    let server = TestServer::start();
    let mut conn = RawConn::connect(server.tcp_addr());
    let login = login_payload("iggy", "iggy");
    assert_eq!(conn.send_frame(LOGIN_USER, &login).0, STATUS_OK);
    // The same frames every run.
    let mut rng = SmallRng::seed_from_u64(0x0dd_ba11);
    let mut next = move || rng.next_u64();
    // Values decoders branch on (kinds, small lengths, 0xff), and now and then anything.
    const PALETTE: [u8; 8] = [0, 0, 1, 2, 3, 4, 0xff, 64];
    // Every command code of the protocol (binary-protocol.md §4) and two unknown ones.
    let codes: [u32; 49] = [
        1, 10, 11, 12, 20, 21, 22, 31, 32, 33, 34, 35, 36, 37, 38, 39, 41, 42, 43, 44, 100, 101,
        102, 120, 121, 122, 200, 201, 202, 203, 204, 205, 300, 301, 302, 303, 304, 305, 402, 403,
        503, 600, 601, 602, 603, 604, 605, 9, 9999,
    ];
    let mut answered = 0;
    for round in 0..25 {
        for &code in &codes {
            let len = (next() % 48) as usize;
            let payload: Vec<u8> = (0..len)
                .map(|_| match next() % 4 {
                    0 => next() as u8,
                    _ => PALETTE[(next() % PALETTE.len() as u64) as usize],
                })
                .collect();
            let (status, _) = conn.send_frame(code, &payload);
            answered += 1;
            if status == UNAUTHENTICATED {
                // A random LogoutUser (or login attempt) ended the session: log in again.
                conn.send_frame(LOGIN_USER, &login);
            }
            assert_eq!(conn.ping(), STATUS_OK, "round {round}, code {code}");
        }
    }
    assert_eq!(answered, 25 * codes.len());
    drop(conn);
    assert_healthy(server.tcp_addr());
    let output = server.stop();
    assert!(!output.contains("panicked"), "{output}");
}
