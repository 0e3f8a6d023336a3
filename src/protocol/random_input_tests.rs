//! Random and mutated bytes against the framing decoder and every request decoder: no
//! input may panic, a frame stream decodes the same however the socket splits it, and a
//! SendMessages payload that decodes always describes frames that fill its message area.

use super::codes;
use super::frame::{Inbound, RequestDecoder};
use super::requests;
use bytes::{BufMut, BytesMut};
use rand::rngs::SmallRng;
use rand::{Rng as _, SeedableRng};
use tokio_util::codec::Decoder;

/// Reproducible inputs from a seed.
struct Rng(SmallRng);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(SmallRng::seed_from_u64(seed))
    }

    fn below(&mut self, n: usize) -> usize {
        self.0.gen_range(0..n)
    }

    /// Bytes that favour the values decoders branch on: 0, small counts and kinds,
    /// 0xff, and now and then anything.
    fn bytes(&mut self, len: usize) -> Vec<u8> {
        const PALETTE: [u8; 8] = [0, 0, 1, 2, 3, 4, 0xff, 64];
        (0..len)
            .map(|_| match self.below(4) {
                0 => self.0.gen(),
                _ => PALETTE[self.below(PALETTE.len())],
            })
            .collect()
    }
}

#[test]
fn no_request_payload_panics_a_decoder() {
    let mut rng = Rng::new(0x9e37_79b9_7f4a_7c15);
    for code in 0..=600u32 {
        for _ in 0..300 {
            let len = rng.below(96);
            let payload = BytesMut::from(&rng.bytes(len)[..]);
            let decoded = requests::decode_frame(code, payload);
            if codes::name(code).is_none() {
                assert!(decoded.is_err(), "unknown code {code} was accepted");
            }
        }
    }
}

/// A well-formed SendMessages payload: numeric stream 1 and topic 1, balanced, `sizes`
/// gives each message's payload length.
fn send_messages_payload(sizes: &[usize]) -> Vec<u8> {
    let mut out = Vec::new();
    let metadata_len: u32 = 2 * 6 + 2 + 4;
    out.put_u32_le(metadata_len);
    for _ in 0..2 {
        out.extend_from_slice(&[1, 4, 1, 0, 0, 0]);
    }
    out.extend_from_slice(&[1, 0]);
    out.put_u32_le(sizes.len() as u32);
    let mut position = 0u32;
    for size in sizes {
        position += 64 + *size as u32;
        out.put_u32_le(0);
        out.put_u32_le(position);
        out.put_u64_le(0);
    }
    for size in sizes {
        let mut header = [0u8; 64];
        header[52..56].copy_from_slice(&(*size as u32).to_le_bytes());
        out.extend_from_slice(&header);
        out.extend(std::iter::repeat_n(7u8, *size));
    }
    out
}

#[test]
fn mutated_send_messages_decode_to_consistent_frames_or_an_error() {
    let mut rng = Rng::new(42);
    let mut accepted = 0;
    for round in 0..20_000 {
        let sizes: Vec<usize> = (0..1 + rng.below(4)).map(|_| rng.below(40)).collect();
        let mut payload = send_messages_payload(&sizes);
        // Round 0 is the untouched payload; the others change 1-3 bytes and may cut the end.
        if round > 0 {
            for _ in 0..1 + rng.below(3) {
                let at = rng.below(payload.len());
                payload[at] = rng.bytes(1)[0];
            }
            if rng.below(4) == 0 {
                payload.truncate(rng.below(payload.len() + 1));
            }
        }
        let Ok(decoded) = requests::send_messages::decode(BytesMut::from(&payload[..])) else {
            continue;
        };
        accepted += 1;
        assert_eq!(decoded.ends.len(), decoded.count as usize);
        assert_eq!(
            decoded.ends.last().map(|e| *e as usize),
            Some(decoded.frames.len())
        );
        let mut start = 0usize;
        for end in &decoded.ends {
            let frame = &decoded.frames[start..*end as usize];
            let headers = u32::from_le_bytes(frame[48..52].try_into().unwrap()) as usize;
            let body = u32::from_le_bytes(frame[52..56].try_into().unwrap()) as usize;
            assert_eq!(64 + headers + body, frame.len(), "round {round}");
            start = *end as usize;
        }
    }
    assert!(
        accepted > 0,
        "not one payload decoded: the generator is broken"
    );
}

/// Every frame of `stream`, fed in pieces whose sizes come from `rng` (0 = all at once).
fn frames_of(stream: &[u8], rng: Option<&mut Rng>) -> Vec<Inbound> {
    let mut decoder = RequestDecoder;
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let mut pos = 0;
    let mut rng = rng;
    while pos < stream.len() {
        let piece = match rng.as_deref_mut() {
            Some(r) => 1 + r.below(64),
            None => stream.len(),
        };
        let end = (pos + piece).min(stream.len());
        buf.extend_from_slice(&stream[pos..end]);
        pos = end;
        while let Some(item) = decoder.decode(&mut buf).unwrap() {
            let close = matches!(item, Inbound::Rejected { close: true, .. });
            out.push(item);
            if close {
                return out;
            }
        }
    }
    out
}

#[test]
fn a_frame_stream_decodes_the_same_however_it_is_split() {
    let mut rng = Rng::new(7);
    for _ in 0..2_000 {
        let mut stream = Vec::new();
        for _ in 0..1 + rng.below(6) {
            // Mostly sane lengths, sometimes too short (< 4) or absurdly long.
            let length = match rng.below(8) {
                0 => rng.below(4) as u32,
                1 => u32::MAX - rng.below(8) as u32,
                _ => 4 + rng.below(40) as u32,
            };
            stream.put_u32_le(length);
            stream.put_u32_le(rng.below(400) as u32);
            let body = (length as usize).saturating_sub(4).min(40);
            stream.extend(rng.bytes(body));
        }
        let whole = frames_of(&stream, None);
        let split = frames_of(&stream, Some(&mut rng));
        assert_eq!(whole, split);
    }
}
