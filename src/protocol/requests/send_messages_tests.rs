//! SendMessages decoding against payloads built by the SDK's own encoder.

use super::*;
use iggy::prelude::{HeaderKey, HeaderValue, IggyMessage};
use iggy_binary_protocol::requests::messages::{RawMessage, SendMessagesEncoder};
use iggy_binary_protocol::{WireIdentifier, WirePartitioning};
use std::collections::BTreeMap;
use std::str::FromStr;

fn message(payload: &str, headers: bool) -> IggyMessage {
    let builder = IggyMessage::builder().payload(payload.to_string().into());
    if headers {
        let key = HeaderKey::from_str("content-type").unwrap();
        let value = HeaderValue::from_str("text/plain").unwrap();
        builder
            .user_headers(BTreeMap::from([(key, value)]))
            .build()
            .unwrap()
    } else {
        builder.build().unwrap()
    }
}

/// What the SDK's `send_messages` puts in the frame.
fn sdk_payload(
    stream: WireIdentifier,
    topic: WireIdentifier,
    partitioning: WirePartitioning,
    messages: &[IggyMessage],
) -> BytesMut {
    let raw: Vec<RawMessage<'_>> = messages
        .iter()
        .map(|m| RawMessage {
            id: m.header.id,
            origin_timestamp: m.header.origin_timestamp,
            headers: m.user_headers.as_deref(),
            payload: &m.payload,
        })
        .collect();
    let mut buf = BytesMut::new();
    SendMessagesEncoder::encode(&mut buf, &stream, &topic, &partitioning, &raw);
    buf
}

fn balanced(messages: &[IggyMessage]) -> BytesMut {
    sdk_payload(
        WireIdentifier::numeric(0),
        WireIdentifier::numeric(1),
        WirePartitioning::Balanced,
        messages,
    )
}

fn metadata_end(payload: &[u8]) -> usize {
    4 + u32::from_le_bytes(payload[..4].try_into().unwrap()) as usize
}

fn area_start(payload: &[u8], count: usize) -> usize {
    metadata_end(payload) + 16 * count
}

/// Byte offset of field `at` of index entry `i`.
fn index_field(payload: &[u8], i: usize, at: usize) -> usize {
    metadata_end(payload) + 16 * i + at
}

fn three() -> Vec<IggyMessage> {
    vec![
        message("first", false),
        message("second", true),
        message("third", false),
    ]
}

/// Walks frames by their lengths: (payload, user headers) of each.
fn walk(frames: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < frames.len() {
        let h = &frames[pos..pos + 64];
        let headers = u32::from_le_bytes(h[48..52].try_into().unwrap()) as usize;
        let payload = u32::from_le_bytes(h[52..56].try_into().unwrap()) as usize;
        let body = &frames[pos + 64..];
        out.push((
            body[..payload].to_vec(),
            body[payload..payload + headers].to_vec(),
        ));
        pos += 64 + payload + headers;
    }
    out
}

#[test]
fn one_message_without_headers() {
    let payload = balanced(&[message("hello", false)]);
    let start = area_start(&payload, 1);
    let area = payload[start..].to_vec();
    let area_ptr = payload[start..].as_ptr();
    let decoded = decode(payload).unwrap();
    assert_eq!(decoded.stream, Identifier::Numeric(0));
    assert_eq!(decoded.topic, Identifier::Numeric(1));
    assert_eq!(decoded.partitioning, Partitioning::Balanced);
    assert_eq!(decoded.count, 1);
    assert_eq!(&decoded.frames[..], &area[..]);
    // Split off the frame's buffer, not copied.
    assert_eq!(decoded.frames.as_ptr(), area_ptr);
    assert_eq!(walk(&decoded.frames), vec![(b"hello".to_vec(), vec![])]);
}

#[test]
fn many_messages_with_and_without_headers() {
    let messages: Vec<IggyMessage> = (0..50)
        .map(|i| message(&format!("message-{i}"), i % 3 == 0))
        .collect();
    let payload = sdk_payload(
        WireIdentifier::named("orders").unwrap(),
        WireIdentifier::named("eu").unwrap(),
        WirePartitioning::MessagesKey(b"user-1".to_vec()),
        &messages,
    );
    let decoded = decode(payload).unwrap();
    assert_eq!(decoded.stream, Identifier::Name("orders".into()));
    assert_eq!(decoded.topic, Identifier::Name("eu".into()));
    assert_eq!(
        decoded.partitioning,
        Partitioning::MessagesKey(b"user-1".to_vec())
    );
    assert_eq!(decoded.count, 50);
    let walked = walk(&decoded.frames);
    assert_eq!(walked.len(), 50);
    for (m, (payload, headers)) in messages.iter().zip(walked) {
        assert_eq!(payload, m.payload.to_vec());
        assert_eq!(headers, m.user_headers.clone().unwrap_or_default().to_vec());
    }
}

#[test]
fn partition_id_partitioning() {
    let payload = sdk_payload(
        WireIdentifier::numeric(3),
        WireIdentifier::named("t").unwrap(),
        WirePartitioning::PartitionId(7),
        &three(),
    );
    let decoded = decode(payload).unwrap();
    assert_eq!(decoded.partitioning, Partitioning::PartitionId(7));
    assert_eq!(decoded.count, 3);
}

#[test]
fn non_zero_reserved_is_zeroed() {
    let mut payload = balanced(&three());
    let start = area_start(&payload, 3);
    payload[start + 56] = 9;
    payload[start + 63] = 1;
    let decoded = decode(payload).unwrap();
    assert!(decoded.frames[56..64].iter().all(|b| *b == 0));
    assert_eq!(walk(&decoded.frames).len(), 3);
}

fn expect(payload: BytesMut, error: IggyError) {
    assert_eq!(decode(payload).map(|d| d.count), Err(error));
}

/// Metadata for stream 0, topic 0, then `partitioning` and `count`.
fn raw_metadata(ids: &[u8], partitioning: &[u8], count: Option<u32>) -> BytesMut {
    let mut meta = Vec::from(ids);
    meta.extend_from_slice(partitioning);
    if let Some(count) = count {
        meta.extend_from_slice(&count.to_le_bytes());
    }
    let mut out = BytesMut::new();
    out.extend_from_slice(&(meta.len() as u32).to_le_bytes());
    out.extend_from_slice(&meta);
    out
}

const IDS: &[u8] = &[1, 4, 0, 0, 0, 0, 1, 4, 0, 0, 0, 0];

#[test]
fn malformed_metadata() {
    expect(BytesMut::from(&[1, 0, 0][..]), IggyError::InvalidCommand);
    // metadata_length beyond the payload.
    let mut p = balanced(&three());
    p[..4].copy_from_slice(&100_000u32.to_le_bytes());
    expect(p, IggyError::InvalidCommand);
    let mut p = balanced(&three());
    p[..4].copy_from_slice(&u32::MAX.to_le_bytes());
    expect(p, IggyError::InvalidCommand);
    // Identifiers: unknown kind, numeric length ≠ 4, empty name, truncated → 6.
    for ids in [
        &[9, 4, 0, 0, 0, 0, 1, 4, 0, 0, 0, 0][..],
        &[1, 2, 0, 0, 1, 4, 0, 0, 0, 0],
        &[1, 4, 0, 0, 0, 0, 2, 0],
        &[1, 4, 0, 0, 0, 0, 1],
    ] {
        expect(
            raw_metadata(ids, &[1, 0], Some(1)),
            IggyError::InvalidIdentifier,
        );
    }
    // Partitioning.
    let cases: &[(&[u8], IggyError)] = &[
        (&[1, 1, 0], IggyError::InvalidCommand),
        (&[2, 3, 0, 0, 0], IggyError::InvalidCommand),
        (&[2, 5, 0, 0, 0, 0, 0], IggyError::InvalidCommand),
        (&[3, 0], IggyError::InvalidKeyValueLength),
        (&[7, 0], IggyError::InvalidCommand),
        (&[0, 0], IggyError::InvalidCommand),
        (&[1], IggyError::InvalidCommand),
    ];
    for (partitioning, error) in cases {
        expect(raw_metadata(IDS, partitioning, Some(1)), *error);
    }
    // Truncated key and missing count.
    expect(
        raw_metadata(IDS, &[3, 9, b'k'], None),
        IggyError::InvalidCommand,
    );
    expect(raw_metadata(IDS, &[1, 0], None), IggyError::InvalidCommand);
}

#[test]
fn malformed_counts_and_index() {
    expect(
        raw_metadata(IDS, &[1, 0], Some(0)),
        IggyError::InvalidMessagesCount,
    );
    // N = 0 with messages following is still N = 0.
    let mut p = raw_metadata(IDS, &[1, 0], Some(0));
    p.extend_from_slice(&[0u8; 100]);
    expect(p, IggyError::InvalidMessagesCount);
    // An index table beyond the payload.
    let mut p = balanced(&three());
    let at = metadata_end(&p) - 4;
    p[at..at + 4].copy_from_slice(&1_000u32.to_le_bytes());
    expect(p, IggyError::InvalidCommand);
    let mut p = balanced(&three());
    p[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    expect(p, IggyError::InvalidCommand);
    // Index offset and timestamp must be zero.
    let mut p = balanced(&three());
    let at = index_field(&p, 1, 0);
    p[at] = 1;
    expect(p, IggyError::NonZeroOffset);
    let mut p = balanced(&three());
    let at = index_field(&p, 2, 8);
    p[at + 7] = 1;
    expect(p, IggyError::NonZeroTimestamp);
}

#[test]
fn malformed_message_spans() {
    // A span shorter than a header.
    let mut p = balanced(&three());
    let at = index_field(&p, 0, 4);
    p[at..at + 4].copy_from_slice(&10u32.to_le_bytes());
    expect(p, IggyError::MissingIndex);
    // Lengths overflowing the span.
    let mut p = balanced(&three());
    let at = area_start(&p, 3) + 52;
    p[at..at + 4].copy_from_slice(&1_000u32.to_le_bytes());
    expect(p, IggyError::MissingIndex);
    let mut p = balanced(&three());
    let at = area_start(&p, 3) + 48;
    p[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    expect(p, IggyError::MissingIndex);
    // Positions decreasing.
    let mut p = balanced(&three());
    let at = index_field(&p, 1, 4);
    p[at..at + 4].copy_from_slice(&1u32.to_le_bytes());
    expect(p, IggyError::InvalidMessagesSize);
    // A position beyond the area.
    let mut p = balanced(&three());
    let at = index_field(&p, 1, 4);
    p[at..at + 4].copy_from_slice(&100_000u32.to_le_bytes());
    expect(p, IggyError::InvalidMessagesSize);
    // Frame sizes not adding up to the area: trailing bytes, or a gap between frames.
    let mut p = balanced(&three());
    p.extend_from_slice(&[0u8; 5]);
    expect(p, IggyError::InvalidMessagesSize);
    let p = balanced(&[message("aaaa", false), message("bbbb", false)]);
    let gap_at = area_start(&p, 2) + 68;
    let mut padded = BytesMut::from(&p[..gap_at]);
    padded.extend_from_slice(&[0u8]);
    padded.extend_from_slice(&p[gap_at..]);
    let at = index_field(&padded, 0, 4);
    padded[at..at + 4].copy_from_slice(&(68u32 + 1).to_le_bytes());
    expect(padded, IggyError::InvalidMessagesSize);
    // A message cut short by the end of the payload.
    let mut p = balanced(&three());
    p.truncate(p.len() - 1);
    expect(p, IggyError::MissingIndex);
}

/// One frame with the given payload and user-header sizes, in a balanced request.
fn one_frame(payload_len: usize, headers_len: usize) -> BytesMut {
    let mut p = raw_metadata(IDS, &[1, 0], Some(1));
    p.extend_from_slice(&[0u8; 16]);
    let mut header = [0u8; 64];
    header[48..52].copy_from_slice(&(headers_len as u32).to_le_bytes());
    header[52..56].copy_from_slice(&(payload_len as u32).to_le_bytes());
    p.extend_from_slice(&header);
    p.resize(p.len() + payload_len + headers_len, 0);
    p
}

#[test]
fn size_limits() {
    assert_eq!(decode(one_frame(0, 0)).map(|d| d.count), Ok(1));
    assert_eq!(decode(one_frame(1, 100_000)).map(|d| d.count), Ok(1));
    expect(one_frame(1, 100_001), IggyError::TooBigUserHeaders);
    expect(one_frame(64_000_001, 0), IggyError::TooBigMessagePayload);
}
