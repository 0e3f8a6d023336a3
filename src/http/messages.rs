//! Messages as JSON (`http-api.md` §7): a SendMessages body becomes the same validated
//! frames the binary codec makes (`protocol::requests::send_messages`), decoded straight
//! from base64 into one buffer; polled frames are written back as JSON without an
//! intermediate model.

use crate::protocol::requests::send_messages::{
    Partitioning, SendMessages, MAX_PAYLOAD_SIZE, MAX_USER_HEADERS_SIZE, MESSAGE_HEADER_SIZE,
};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use bytes::{BufMut, BytesMut};
use iggy_actors::identifier::Identifier;
use iggy_actors::partition::messages::PolledMessages;
use iggy_actors::IggyError;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

/// Why a body was refused: a JSON-level problem (422, plain text, as the original's
/// deserializer) or an Iggy error (JSON body).
#[derive(Debug)]
pub enum BodyError {
    Shape(String),
    Iggy(IggyError),
}

impl From<IggyError> for BodyError {
    fn from(e: IggyError) -> Self {
        BodyError::Iggy(e)
    }
}

/// The strict top level: exactly `partitioning` and `messages`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SendBody<'a> {
    #[serde(borrow)]
    partitioning: PartitioningJson<'a>,
    #[serde(borrow)]
    messages: Vec<MessageJson<'a>>,
}

#[derive(Deserialize)]
struct PartitioningJson<'a> {
    kind: Cow<'a, str>,
    #[serde(borrow)]
    value: Cow<'a, str>,
}

#[derive(Deserialize)]
struct MessageJson<'a> {
    #[serde(borrow, default)]
    id: Option<&'a RawValue>,
    #[serde(borrow)]
    payload: Cow<'a, str>,
    #[serde(borrow, default)]
    user_headers: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct HeaderEntry<'a> {
    #[serde(borrow)]
    key: HeaderField<'a>,
    #[serde(borrow)]
    value: HeaderField<'a>,
}

#[derive(Deserialize)]
struct HeaderField<'a> {
    kind: Cow<'a, str>,
    #[serde(borrow)]
    value: Cow<'a, str>,
}

const KINDS: [&str; 15] = [
    "raw", "string", "bool", "int8", "int16", "int32", "int64", "int128", "uint8", "uint16",
    "uint32", "uint64", "uint128", "float32", "float64",
];

fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or_default()
}

/// A message id: a JSON number up to u128, or a string holding a decimal u128 or a
/// 32-digit hex UUID (dashes allowed). Missing or null = 0 (the server assigns one).
fn message_id(raw: Option<&RawValue>) -> Result<u128, BodyError> {
    let Some(raw) = raw else { return Ok(0) };
    let text = raw.get().trim();
    let bad = || BodyError::Shape(format!("Invalid message ID: {text}"));
    if text == "null" {
        return Ok(0);
    }
    if let Some(quoted) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        if let Ok(n) = quoted.parse::<u128>() {
            return Ok(n);
        }
        let hex: String = quoted.chars().filter(|c| *c != '-').collect();
        if hex.len() == 32 {
            return u128::from_str_radix(&hex, 16).map_err(|_| bad());
        }
        return Err(bad());
    }
    text.parse::<u128>().map_err(|_| bad())
}

fn decode_b64(text: &str, what: &str) -> Result<Vec<u8>, BodyError> {
    STANDARD
        .decode(text)
        .map_err(|e| BodyError::Shape(format!("Failed to decode base64 {what}: {e}")))
}

/// The binary header block (binary-protocol §3.10) of a message's `user_headers`: an
/// array of entries, a base64 string of a raw block, or null.
fn header_block(raw: Option<&RawValue>) -> Result<Vec<u8>, BodyError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let text = raw.get().trim();
    if text == "null" {
        return Ok(Vec::new());
    }
    if text.starts_with('"') {
        let s: Cow<'_, str> = serde_json::from_str(text)
            .map_err(|e| BodyError::Shape(format!("Invalid headers format: {e}")))?;
        return decode_b64(&s, "headers");
    }
    let entries: Vec<HeaderEntry<'_>> = serde_json::from_str(text)
        .map_err(|e| BodyError::Shape(format!("Invalid headers format: {e}")))?;
    let mut block = Vec::new();
    for entry in &entries {
        for field in [&entry.key, &entry.value] {
            let kind = KINDS
                .iter()
                .position(|k| k.eq_ignore_ascii_case(&field.kind))
                .ok_or_else(|| BodyError::Shape(format!("unknown header kind {:?}", field.kind)))?;
            let bytes = decode_b64(&field.value, "header value")?;
            if bytes.is_empty() || bytes.len() > 255 {
                return Err(BodyError::Shape(
                    "header keys and values must be 1 to 255 bytes".into(),
                ));
            }
            block.push(kind as u8 + 1);
            block.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
            block.extend_from_slice(&bytes);
        }
    }
    Ok(block)
}

fn partitioning(p: &PartitioningJson<'_>) -> Result<Partitioning, BodyError> {
    let value = decode_b64(&p.value, "partitioning value")?;
    let kind = p.kind.to_ascii_lowercase();
    if kind != "balanced" && (value.is_empty() || value.len() > 255) {
        return Err(IggyError::InvalidKeyValueLength.into());
    }
    match kind.as_str() {
        "balanced" => Ok(Partitioning::Balanced),
        "partition_id" => {
            let raw: [u8; 4] = value
                .get(..4)
                .and_then(|v| v.try_into().ok())
                .ok_or(IggyError::InvalidCommand)?;
            Ok(Partitioning::PartitionId(u32::from_le_bytes(raw)))
        }
        "messages_key" => Ok(Partitioning::MessagesKey(value)),
        other => Err(BodyError::Shape(format!(
            "unknown partitioning kind {other:?}"
        ))),
    }
}

/// Parses a SendMessages body into the frames the partition stores.
pub fn send_request(
    body: &[u8],
    stream: Identifier,
    topic: Identifier,
) -> Result<SendMessages, BodyError> {
    let parsed: SendBody<'_> = serde_json::from_slice(body).map_err(|e| {
        if e.is_data() {
            BodyError::Shape(format!(
                "Failed to deserialize the JSON body into the target type: {e}"
            ))
        } else {
            BodyError::Shape(format!("Failed to parse the request body as JSON: {e}"))
        }
    })?;
    let partitioning = partitioning(&parsed.partitioning)?;
    if parsed.messages.is_empty() {
        return Err(IggyError::InvalidMessagesCount.into());
    }
    let origin = now_micros();
    let estimate: usize = parsed
        .messages
        .iter()
        .map(|m| MESSAGE_HEADER_SIZE + m.payload.len() * 3 / 4 + 3)
        .sum();
    let mut frames = BytesMut::with_capacity(estimate);
    let mut ends = Vec::with_capacity(parsed.messages.len());
    for m in &parsed.messages {
        let id = message_id(m.id)?;
        let headers = header_block(m.user_headers)?;
        if headers.len() as u64 > MAX_USER_HEADERS_SIZE {
            return Err(IggyError::TooBigUserHeaders.into());
        }
        let start = frames.len();
        frames.put_bytes(0, MESSAGE_HEADER_SIZE);
        let payload_start = frames.len();
        let capacity = m.payload.len() * 3 / 4 + 3;
        frames.resize(payload_start + capacity, 0);
        let written = STANDARD
            .decode_slice(m.payload.as_bytes(), &mut frames[payload_start..])
            .map_err(|e| BodyError::Shape(format!("Failed to decode base64: {e}")))?;
        frames.truncate(payload_start + written);
        if written == 0 {
            return Err(BodyError::Shape("a message payload cannot be empty".into()));
        }
        if written as u64 > MAX_PAYLOAD_SIZE {
            return Err(IggyError::TooBigMessagePayload.into());
        }
        frames.extend_from_slice(&headers);
        let header = &mut frames[start..payload_start];
        header[8..24].copy_from_slice(&id.to_le_bytes());
        header[40..48].copy_from_slice(&origin.to_le_bytes());
        header[48..52].copy_from_slice(&(headers.len() as u32).to_le_bytes());
        header[52..56].copy_from_slice(&(written as u32).to_le_bytes());
        ends.push(u32::try_from(frames.len()).map_err(|_| IggyError::InvalidMessagesSize)?);
    }
    Ok(SendMessages {
        stream,
        topic,
        partitioning,
        count: ends.len() as u32,
        frames,
        ends,
    })
}

fn u32_le(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .map(u32::from_le_bytes)
        .unwrap_or_default()
}

fn u64_le(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8)
        .and_then(|s| s.try_into().ok())
        .map(u64::from_le_bytes)
        .unwrap_or_default()
}

/// The header block as JSON entries, or `None` when it is not a valid pair sequence (it
/// is then written as one base64 string, as the original does).
fn header_entries(block: &[u8]) -> Option<String> {
    let mut out = String::from("[");
    let mut at = 0;
    let mut first = true;
    while at < block.len() {
        let field = |at: &mut usize| -> Option<String> {
            let kind = *block.get(*at)? as usize;
            let name = KINDS.get(kind.checked_sub(1)?)?;
            let len = u32_le(block.get(*at + 1..*at + 5)?, 0) as usize;
            let value = block.get(*at + 5..*at + 5 + len)?;
            *at += 5 + len;
            Some(format!(
                "{{\"kind\":\"{name}\",\"value\":\"{}\"}}",
                STANDARD.encode(value)
            ))
        };
        let key = field(&mut at)?;
        let value = field(&mut at)?;
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(&format!("{{\"key\":{key},\"value\":{value}}}"));
    }
    out.push(']');
    Some(out)
}

/// Writes a poll answer as the original's `PolledMessages` JSON. Every chunk holds whole
/// frames (file ranges and buffer slices end at frame boundaries), so each is walked on its
/// own, without joining them; every read is bounds-checked and a damaged frame ends the
/// list.
pub fn polled_json(answer: &PolledMessages) -> Result<Vec<u8>, IggyError> {
    let size: usize = answer.chunks.iter().map(|c| c.len()).sum();
    let mut body = Vec::with_capacity(size * 4 / 3 + 280 * answer.count as usize + 128);
    let mut messages = 0u32;
    'chunks: for chunk in &answer.chunks {
        let data = chunk.to_bytes().map_err(|e| {
            log::error!("cannot read polled messages: {e}");
            IggyError::IoError
        })?;
        let mut at = 0usize;
        while at < data.len() && messages < answer.count {
            let Some(len) = write_message(&mut body, &data[at..], messages > 0) else {
                break 'chunks;
            };
            messages += 1;
            at += len;
        }
    }
    let mut out = Vec::with_capacity(body.len() + 96);
    let _ = write!(
        out,
        "{{\"partition_id\":{},\"current_offset\":{},\"count\":{messages},\"messages\":[",
        answer.partition_id, answer.current_offset
    );
    out.extend_from_slice(&body);
    out.extend_from_slice(b"]}");
    Ok(out)
}

/// Writes the frame at the start of `data` as one JSON message; answers the frame's
/// length, or `None` when the frame is cut short.
fn write_message(body: &mut Vec<u8>, data: &[u8], comma: bool) -> Option<usize> {
    let h = data.get(..MESSAGE_HEADER_SIZE)?;
    let headers_len = u32_le(h, 48) as usize;
    let payload_len = u32_le(h, 52) as usize;
    let payload = data.get(MESSAGE_HEADER_SIZE..MESSAGE_HEADER_SIZE + payload_len)?;
    let headers_start = MESSAGE_HEADER_SIZE + payload_len;
    let headers = data.get(headers_start..headers_start + headers_len)?;
    let id = h
        .get(8..24)
        .and_then(|s| s.try_into().ok())
        .map(u128::from_le_bytes)
        .unwrap_or_default();
    if comma {
        body.push(b',');
    }
    let _ = write!(
        body,
        "{{\"header\":{{\"checksum\":{},\"id\":{id},\"offset\":{},\"timestamp\":{},\"origin_timestamp\":{},\"user_headers_length\":{headers_len},\"payload_length\":{payload_len},\"reserved\":{}}},\"payload\":\"",
        u64_le(h, 0),
        u64_le(h, 24),
        u64_le(h, 32),
        u64_le(h, 40),
        u64_le(h, 56),
    );
    let b64_start = body.len();
    body.resize(b64_start + payload_len.div_ceil(3) * 4, 0);
    let written = STANDARD
        .encode_slice(payload, &mut body[b64_start..])
        .unwrap_or_default();
    body.truncate(b64_start + written);
    body.extend_from_slice(b"\",\"user_headers\":");
    if headers.is_empty() {
        body.extend_from_slice(b"[]");
    } else {
        match header_entries(headers) {
            Some(entries) => body.extend_from_slice(entries.as_bytes()),
            None => {
                let _ = write!(body, "\"{}\"", STANDARD.encode(headers));
            }
        }
    }
    body.push(b'}');
    Some(headers_start + headers_len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use iggy_actors::partition::messages::Chunk;

    #[test]
    fn a_send_body_becomes_frames_and_polls_back() {
        let body = br#"{"partitioning":{"kind":"partition_id","value":"AQAAAA=="},
            "messages":[{"id":340282366920938463463374607431768211455,"payload":"aGVsbG8="},
            {"id":"0190e7c4-8b1f-7a22-9d6e-3c1a2b4c5d6e","payload":"d29ybGQ=",
             "user_headers":[{"key":{"kind":"string","value":"a2V5"},"value":{"kind":"uint8","value":"Bw=="}}]}]}"#;
        let req = send_request(body, Identifier::Numeric(0), Identifier::Numeric(0)).unwrap();
        assert_eq!(req.partitioning, Partitioning::PartitionId(1));
        assert_eq!(req.count, 2);
        assert_eq!(req.ends[0] as usize, 64 + 5);
        let mut frames = req.frames.freeze();
        let first = frames.split_to(req.ends[0] as usize);
        let answer = PolledMessages {
            partition_id: 1,
            current_offset: 1,
            count: 2,
            chunks: vec![Chunk::Memory(first), Chunk::Memory(frames)],
        };
        let json: serde_json::Value =
            serde_json::from_slice(&polled_json(&answer).unwrap()).unwrap();
        assert_eq!(json["count"], 2);
        assert_eq!(json["messages"][0]["payload"], "aGVsbG8=");
        assert_eq!(
            json["messages"][1]["user_headers"][0]["key"]["value"],
            "a2V5"
        );
        assert_eq!(
            json["messages"][1]["user_headers"][0]["value"]["kind"],
            "uint8"
        );
    }

    #[test]
    fn bad_bodies_are_refused() {
        let id = || Identifier::Numeric(0);
        let extra = br#"{"partitioning":{"kind":"balanced","value":""},"messages":[{"payload":"YQ=="}],"x":1}"#;
        assert!(matches!(
            send_request(extra, id(), id()),
            Err(BodyError::Shape(_))
        ));
        let empty = br#"{"partitioning":{"kind":"balanced","value":""},"messages":[]}"#;
        assert!(matches!(
            send_request(empty, id(), id()),
            Err(BodyError::Iggy(IggyError::InvalidMessagesCount))
        ));
        let no_key = br#"{"partitioning":{"kind":"messages_key","value":""},"messages":[{"payload":"YQ=="}]}"#;
        assert!(matches!(
            send_request(no_key, id(), id()),
            Err(BodyError::Iggy(IggyError::InvalidKeyValueLength))
        ));
        let bad_b64 =
            br#"{"partitioning":{"kind":"balanced","value":""},"messages":[{"payload":"!!"}]}"#;
        assert!(matches!(
            send_request(bad_b64, id(), id()),
            Err(BodyError::Shape(_))
        ));
        assert!(matches!(
            send_request(b"{", id(), id()),
            Err(BodyError::Shape(_))
        ));
    }
}
