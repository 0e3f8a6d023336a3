//! Malformed SendMessages (101) frames over a raw socket: a valid frame is built by hand, then
//! broken in one place. Each must get its error code (binary-protocol.md §6.1–6.4), the
//! connection must stay in sync (or be closed cleanly), and earlier data must be intact: every
//! case ends with a successful send and a poll of everything on the same or a new connection.

mod common;

use std::net::SocketAddr;

use common::{RawConn, TestServer, INVALID_COMMAND, PING, STATUS_OK, UNAUTHENTICATED};

const POLL_MESSAGES: u32 = 100;
const SEND_MESSAGES: u32 = 101;
const CREATE_STREAM: u32 = 202;
const CREATE_TOPIC: u32 = 302;

const INVALID_IDENTIFIER: u32 = 6;
const INVALID_MESSAGES_COUNT: u32 = 4009;
const TOO_BIG_USER_HEADERS: u32 = 4017;
const TOO_BIG_MESSAGE_PAYLOAD: u32 = 4022;
const NON_ZERO_OFFSET: u32 = 4031;
const NON_ZERO_TIMESTAMP: u32 = 4032;
const MISSING_INDEX: u32 = 4033;
const INVALID_MESSAGES_SIZE: u32 = 4036;

const HEADER: usize = 64;

fn numeric(value: u32) -> Vec<u8> {
    let mut bytes = vec![1, 4];
    bytes.extend_from_slice(&value.to_le_bytes());
    bytes
}

fn partition_id(value: u32) -> Vec<u8> {
    let mut bytes = vec![2, 4];
    bytes.extend_from_slice(&value.to_le_bytes());
    bytes
}

/// A message frame: 64-byte header (everything the server fills in left 0), payload, headers.
fn message_frame(payload: &[u8], headers: &[u8]) -> Vec<u8> {
    let mut frame = vec![0u8; HEADER];
    frame[48..52].copy_from_slice(&(headers.len() as u32).to_le_bytes());
    frame[52..56].copy_from_slice(&(payload.len() as u32).to_le_bytes());
    frame.extend_from_slice(payload);
    frame.extend_from_slice(headers);
    frame
}

/// The parts of a SendMessages payload, each editable before encoding.
struct Send {
    stream: Vec<u8>,
    topic: Vec<u8>,
    partitioning: Vec<u8>,
    count: u32,
    /// (offset, end position, timestamp) per message.
    index: Vec<(u32, u32, u64)>,
    area: Vec<u8>,
}

impl Send {
    /// A valid batch of `frames` for stream 0, topic 0, partition 0.
    fn new(frames: &[Vec<u8>]) -> Send {
        let mut index = Vec::new();
        let mut area = Vec::new();
        for frame in frames {
            area.extend_from_slice(frame);
            index.push((0, area.len() as u32, 0));
        }
        Send {
            stream: numeric(0),
            topic: numeric(0),
            partitioning: partition_id(0),
            count: frames.len() as u32,
            index,
            area,
        }
    }

    fn of_payloads(payloads: &[&str]) -> Send {
        let frames: Vec<Vec<u8>> = payloads
            .iter()
            .map(|p| message_frame(p.as_bytes(), &[]))
            .collect();
        Send::new(&frames)
    }

    fn encode(&self) -> Vec<u8> {
        let mut metadata = Vec::new();
        metadata.extend_from_slice(&self.stream);
        metadata.extend_from_slice(&self.topic);
        metadata.extend_from_slice(&self.partitioning);
        metadata.extend_from_slice(&self.count.to_le_bytes());
        let mut payload = (metadata.len() as u32).to_le_bytes().to_vec();
        payload.extend_from_slice(&metadata);
        for (offset, position, timestamp) in &self.index {
            payload.extend_from_slice(&offset.to_le_bytes());
            payload.extend_from_slice(&position.to_le_bytes());
            payload.extend_from_slice(&timestamp.to_le_bytes());
        }
        payload.extend_from_slice(&self.area);
        payload
    }
}

/// A logged-in raw connection.
fn login(addr: SocketAddr) -> RawConn {
    let mut conn = RawConn::connect(addr);
    assert_eq!(conn.login("iggy", "iggy"), STATUS_OK, "login");
    conn
}

/// Server with stream 0 / topic 0 (one partition) and `good-0..good-2` at offsets 0..2.
fn server_with_data() -> (TestServer, RawConn) {
    let server = TestServer::start();
    let mut conn = login(server.tcp_addr());
    let mut name = vec![1u8];
    name.extend_from_slice(b"s");
    let (status, _) = conn.send_frame(CREATE_STREAM, &name);
    assert_eq!(status, STATUS_OK, "create stream");
    let mut topic = numeric(0);
    topic.extend_from_slice(&1u32.to_le_bytes()); // partitions
    topic.push(1); // compression: none
    topic.extend_from_slice(&0u64.to_le_bytes()); // expiry: server default
    topic.extend_from_slice(&0u64.to_le_bytes()); // max size: server default
    topic.push(0); // replication factor
    topic.push(1);
    topic.extend_from_slice(b"t");
    let (status, _) = conn.send_frame(CREATE_TOPIC, &topic);
    assert_eq!(status, STATUS_OK, "create topic");
    let (status, _) = conn.send_frame(
        SEND_MESSAGES,
        &Send::of_payloads(&["good-0", "good-1", "good-2"]).encode(),
    );
    assert_eq!(status, STATUS_OK, "valid send");
    (server, conn)
}

/// (offset, reserved, payload) of every message of partition 0 from offset 0.
fn poll_all(conn: &mut RawConn) -> Vec<(u64, u64, Vec<u8>)> {
    let mut request = vec![1u8];
    request.extend_from_slice(&numeric(1)); // consumer 1
    request.extend_from_slice(&numeric(0));
    request.extend_from_slice(&numeric(0));
    request.push(1);
    request.extend_from_slice(&0u32.to_le_bytes()); // partition 0
    request.push(1);
    request.extend_from_slice(&0u64.to_le_bytes()); // strategy offset 0
    request.extend_from_slice(&1000u32.to_le_bytes());
    request.push(0);
    let (status, body) = conn.send_frame(POLL_MESSAGES, &request);
    assert_eq!(status, STATUS_OK, "poll");
    assert!(body.len() >= 16, "poll reply shorter than its header");
    let count = u32::from_le_bytes(body[12..16].try_into().expect("4 bytes")) as usize;
    let mut messages = Vec::new();
    let mut at = 16;
    while at < body.len() {
        let frame = &body[at..];
        let le64 = |r: std::ops::Range<usize>| u64::from_le_bytes(frame[r].try_into().expect("8"));
        let le32 = |r: std::ops::Range<usize>| u32::from_le_bytes(frame[r].try_into().expect("4"));
        let headers = le32(48..52) as usize;
        let payload = le32(52..56) as usize;
        messages.push((
            le64(24..32),
            le64(56..64),
            frame[HEADER..HEADER + payload].to_vec(),
        ));
        at += HEADER + payload + headers;
    }
    assert_eq!(at, body.len(), "poll reply ends inside a message");
    assert_eq!(messages.len(), count, "poll reply count field");
    messages
}

/// After an error: the same connection if it is still in sync, else (closed) a new one.
fn usable(conn: RawConn, addr: SocketAddr, case: &str) -> RawConn {
    let mut conn = conn;
    conn.write_frame(PING, &[]);
    match conn.try_read_response() {
        Ok(Some((status, payload))) => {
            assert_eq!(
                (status, payload),
                (STATUS_OK, Vec::new()),
                "{case}: the connection is out of sync after the error"
            );
            conn
        }
        Ok(None) => login(addr),
        Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => login(addr),
        Err(error) => panic!("{case}: connection neither usable nor closed: {error}"),
    }
}

/// Sends `broken`, expects `code`, then checks the connection, sends one more good message
/// and polls everything: `good-0..2` then the new one, offsets dense.
fn expect_rejected(broken: Vec<u8>, code: u32, case: &str) {
    let (server, mut conn) = server_with_data();
    let (status, payload) = conn.send_frame(SEND_MESSAGES, &broken);
    assert_eq!(status, code, "{case}: status");
    assert!(payload.is_empty(), "{case}: error with a payload");
    let mut conn = usable(conn, server.tcp_addr(), case);
    let (status, _) = conn.send_frame(SEND_MESSAGES, &Send::of_payloads(&["after"]).encode());
    assert_eq!(status, STATUS_OK, "{case}: send after the error");
    let messages = poll_all(&mut conn);
    let got: Vec<(u64, Vec<u8>)> = messages
        .iter()
        .map(|(offset, _, payload)| (*offset, payload.clone()))
        .collect();
    let expected: Vec<(u64, Vec<u8>)> = ["good-0", "good-1", "good-2", "after"]
        .iter()
        .enumerate()
        .map(|(i, p)| (i as u64, p.as_bytes().to_vec()))
        .collect();
    assert_eq!(got, expected, "{case}: data after the error");
    // And a fresh connection agrees.
    let mut fresh = login(server.tcp_addr());
    assert_eq!(poll_all(&mut fresh), messages, "{case}: new connection");
}

#[test]
fn metadata_length_beyond_the_payload_is_invalid_command() {
    let mut payload = Send::of_payloads(&["x"]).encode();
    let too_long = payload.len() as u32;
    payload[0..4].copy_from_slice(&too_long.to_le_bytes());
    expect_rejected(payload, INVALID_COMMAND, "metadata_length > payload");
}

#[test]
fn unknown_identifier_kind_in_metadata_is_invalid_identifier() {
    let mut send = Send::of_payloads(&["x"]);
    send.stream = vec![9, 4, 0, 0, 0, 0];
    expect_rejected(send.encode(), INVALID_IDENTIFIER, "stream kind 9");
}

#[test]
fn numeric_identifier_of_wrong_length_in_metadata_is_invalid_identifier() {
    let mut send = Send::of_payloads(&["x"]);
    send.topic = vec![1, 3, 0, 0, 0];
    expect_rejected(send.encode(), INVALID_IDENTIFIER, "topic numeric length 3");
}

#[test]
fn empty_string_identifier_in_metadata_is_invalid_identifier() {
    let mut send = Send::of_payloads(&["x"]);
    send.stream = vec![2, 0];
    expect_rejected(send.encode(), INVALID_IDENTIFIER, "empty stream name");
}

#[test]
fn unknown_partitioning_kind_is_invalid_command() {
    let mut send = Send::of_payloads(&["x"]);
    send.partitioning = vec![7, 0];
    expect_rejected(send.encode(), INVALID_COMMAND, "partitioning kind 7");
    let mut send = Send::of_payloads(&["x"]);
    send.partitioning = vec![1, 4, 0, 0, 0, 0];
    expect_rejected(send.encode(), INVALID_COMMAND, "balanced with a value");
}

#[test]
fn zero_messages_is_invalid_messages_count() {
    let send = Send::new(&[]);
    assert_eq!(send.count, 0);
    expect_rejected(send.encode(), INVALID_MESSAGES_COUNT, "N = 0");
}

#[test]
fn non_zero_index_offset_is_rejected() {
    let mut send = Send::of_payloads(&["x", "y"]);
    send.index[1].0 = 1;
    expect_rejected(send.encode(), NON_ZERO_OFFSET, "index offset 1");
}

#[test]
fn non_zero_index_timestamp_is_rejected() {
    let mut send = Send::of_payloads(&["x", "y"]);
    send.index[0].2 = 1_700_000_000_000_000;
    expect_rejected(send.encode(), NON_ZERO_TIMESTAMP, "index timestamp");
}

#[test]
fn message_span_shorter_than_its_header_is_missing_index() {
    let mut send = Send::new(&[]);
    send.count = 1;
    send.area = vec![0u8; 40];
    send.index = vec![(0, 40, 0)];
    expect_rejected(send.encode(), MISSING_INDEX, "span of 40 bytes");
}

#[test]
fn message_lengths_overflowing_the_span_are_missing_index() {
    let mut frame = message_frame(b"0123456789", &[]);
    frame[52..56].copy_from_slice(&100u32.to_le_bytes());
    expect_rejected(
        Send::new(&[frame]).encode(),
        MISSING_INDEX,
        "payload_length beyond span",
    );
    // The first of two messages claims more than its index span.
    let mut first = message_frame(b"abc", &[]);
    first[52..56].copy_from_slice(&20u32.to_le_bytes());
    let second = message_frame(b"0123456789012345678901234567890123", &[]);
    let mut send = Send::new(&[first, second]);
    send.index[0].1 = (HEADER + 3) as u32;
    expect_rejected(
        send.encode(),
        MISSING_INDEX,
        "first message beyond its span",
    );
}

#[test]
fn payload_over_the_limit_is_too_big_message_payload() {
    let frame = message_frame(&vec![b'p'; 64_000_001], &[]);
    expect_rejected(
        Send::new(&[frame]).encode(),
        TOO_BIG_MESSAGE_PAYLOAD,
        "payload 64 000 001 bytes",
    );
}

#[test]
fn user_headers_over_the_limit_are_too_big_user_headers() {
    let frame = message_frame(b"x", &vec![7u8; 100_001]);
    expect_rejected(
        Send::new(&[frame]).encode(),
        TOO_BIG_USER_HEADERS,
        "user headers 100 001 bytes",
    );
}

#[test]
fn user_headers_at_the_limit_are_accepted_unparsed() {
    let (server, mut conn) = server_with_data();
    // Not a valid pair sequence: the server must not parse it.
    let frame = message_frame(b"big-headers", &vec![0xEEu8; 100_000]);
    let (status, _) = conn.send_frame(SEND_MESSAGES, &Send::new(&[frame]).encode());
    assert_eq!(status, STATUS_OK, "100 000 bytes of headers");
    let messages = poll_all(&mut conn);
    assert_eq!(messages.len(), 4);
    assert_eq!(messages[3].0, 3);
    assert_eq!(messages[3].2, b"big-headers");
    drop(server);
}

#[test]
fn trailing_bytes_after_the_last_message_are_invalid_messages_size() {
    let mut send = Send::of_payloads(&["x"]);
    send.area.extend_from_slice(&[1, 2, 3, 4, 5]);
    expect_rejected(send.encode(), INVALID_MESSAGES_SIZE, "5 trailing bytes");
}

#[test]
fn index_positions_that_do_not_add_up_are_invalid_messages_size() {
    // The first message's span is one byte longer than its frame (a gap between frames).
    let first = message_frame(b"x", &[]);
    let second = message_frame(b"yy", &[]);
    let mut send = Send::new(&[first.clone(), second.clone()]);
    send.area = [first.clone(), vec![0], second].concat();
    send.index[0].1 = first.len() as u32 + 1;
    expect_rejected(
        send.encode(),
        INVALID_MESSAGES_SIZE,
        "span larger than frame",
    );
    // A position beyond the message area.
    let mut send = Send::of_payloads(&["x", "yy"]);
    send.index[0].1 = 10_000;
    let code_beyond = {
        let (server, mut conn) = server_with_data();
        let (status, _) = conn.send_frame(SEND_MESSAGES, &send.encode());
        let conn = usable(conn, server.tcp_addr(), "position beyond area");
        drop(conn);
        status
    };
    assert!(
        [INVALID_MESSAGES_SIZE, MISSING_INDEX].contains(&code_beyond),
        "position beyond the area: {code_beyond}"
    );
}

#[test]
fn non_zero_reserved_field_never_comes_back() {
    let (server, mut conn) = server_with_data();
    let mut frame = message_frame(b"reserved", &[]);
    frame[56..64].copy_from_slice(&0xDEADu64.to_le_bytes());
    let (status, _) = conn.send_frame(SEND_MESSAGES, &Send::new(&[frame]).encode());
    let messages = poll_all(&mut conn);
    if status == STATUS_OK {
        assert_eq!(messages.len(), 4);
        assert_eq!(messages[3].2, b"reserved");
    } else {
        assert_eq!(messages.len(), 3, "rejected batch must not be stored");
    }
    for (offset, reserved, _) in &messages {
        assert_eq!(
            *reserved, 0,
            "offset {offset}: reserved must be zero on poll"
        );
    }
    drop(server);
}

#[test]
fn send_before_login_is_unauthenticated_and_stays_in_sync() {
    let (server, _conn) = server_with_data();
    let mut anonymous = RawConn::connect(server.tcp_addr());
    let (status, _) = anonymous.send_frame(SEND_MESSAGES, &Send::of_payloads(&["anon"]).encode());
    assert_eq!(status, UNAUTHENTICATED);
    let mut conn = usable(anonymous, server.tcp_addr(), "unauthenticated send");
    if conn.login("iggy", "iggy") != STATUS_OK {
        panic!("login after the unauthenticated send failed");
    }
    let messages = poll_all(&mut conn);
    let payloads: Vec<&[u8]> = messages.iter().map(|(_, _, p)| p.as_slice()).collect();
    assert_eq!(
        payloads,
        vec![&b"good-0"[..], b"good-1", b"good-2"],
        "nothing stored"
    );
}

#[test]
fn several_errors_in_a_row_on_one_connection() {
    let (server, conn) = server_with_data();
    let mut conn = conn;
    let mut zero = Send::new(&[]);
    zero.count = 0;
    let mut offset = Send::of_payloads(&["x"]);
    offset.index[0].0 = 3;
    let mut trailing = Send::of_payloads(&["x"]);
    trailing.area.push(0);
    for (payload, code) in [
        (zero.encode(), INVALID_MESSAGES_COUNT),
        (offset.encode(), NON_ZERO_OFFSET),
        (trailing.encode(), INVALID_MESSAGES_SIZE),
        (Send::of_payloads(&["ok-1"]).encode(), STATUS_OK),
        (zero.encode(), INVALID_MESSAGES_COUNT),
        (Send::of_payloads(&["ok-2", "ok-3"]).encode(), STATUS_OK),
    ] {
        let (status, _) = conn.send_frame(SEND_MESSAGES, &payload);
        assert_eq!(status, code);
        conn = usable(conn, server.tcp_addr(), &format!("after {code}"));
    }
    let payloads: Vec<Vec<u8>> = poll_all(&mut conn).into_iter().map(|m| m.2).collect();
    let expected: Vec<Vec<u8>> = ["good-0", "good-1", "good-2", "ok-1", "ok-2", "ok-3"]
        .iter()
        .map(|p| p.as_bytes().to_vec())
        .collect();
    assert_eq!(payloads, expected);
}
