//! Stored messages with `system.encryption` on: each frame's payload and user-headers block
//! are sealed on their own (`crypto`), the header stays plain with the stored lengths, and
//! the checksum covers the stored bytes. Frames are sealed when the partition accepts them
//! (before offsets and checksums are stamped) and opened in the partition's read path, so
//! everything a poll answers is plaintext: the one place that pays for decryption is the
//! partition's own shard.

use super::frame::{self, HEADER_SIZE};
use super::messages::Chunk;
use super::PartitionActor;
use crate::crypto::{Encryptor, OVERHEAD};
use crate::error::IggyError;
use bytes::{Bytes, BytesMut};
use log::error;

/// Seals the payload and user headers of each validated frame (frames ending at `ends`).
/// Answers the frames as they are stored and their ends.
pub fn seal_frames(enc: &Encryptor, frames: &[u8], ends: &[u32]) -> (BytesMut, Vec<u32>) {
    let mut out = BytesMut::with_capacity(frames.len() + ends.len() * 2 * OVERHEAD);
    let mut out_ends = Vec::with_capacity(ends.len());
    for span in frame::spans(ends) {
        let f = &frames[span];
        let (payload, headers) = frame::body(f).unwrap_or_default();
        let at = out.len();
        out.extend_from_slice(&f[..HEADER_SIZE.min(f.len())]);
        enc.seal_into(payload, &mut out);
        let mut headers_len = 0;
        if !headers.is_empty() {
            enc.seal_into(headers, &mut out);
            headers_len = headers.len() + OVERHEAD;
        }
        let payload_len = (payload.len() + OVERHEAD) as u32;
        frame::set_lengths(&mut out[at..], payload_len, headers_len as u32);
        out_ends.push(out.len() as u32);
    }
    (out, out_ends)
}

/// Opens stored frames, appending each as a plaintext frame (lengths rewritten, checksum
/// recomputed) to `out`. A frame that does not open is left out, and its offset given to
/// `failed`. Answers how many frames were opened.
pub fn open_frames(
    enc: &Encryptor,
    stored: &[u8],
    out: &mut BytesMut,
    mut failed: impl FnMut(Option<u64>),
) -> u32 {
    let (mut pos, mut opened) = (0usize, 0u32);
    while let Some(len) = stored.get(pos..).and_then(frame::frame_len) {
        let Some(f) = stored.get(pos..pos + len) else {
            break;
        };
        pos += len;
        let at = out.len();
        out.extend_from_slice(&f[..HEADER_SIZE]);
        let ok = frame::body(f).is_some_and(|(payload, headers)| {
            enc.open_into(payload, out) && (headers.is_empty() || enc.open_into(headers, out))
        });
        if !ok {
            out.truncate(at);
            failed(frame::offset(f));
            continue;
        }
        let payload_len = frame::body(f).map_or(0, |(p, _)| p.len() - OVERHEAD);
        let headers_len = out.len() - at - HEADER_SIZE - payload_len;
        frame::set_lengths(&mut out[at..], payload_len as u32, headers_len as u32);
        frame::set_checksum(&mut out[at..]);
        opened += 1;
    }
    opened
}

impl PartitionActor {
    /// The plaintext of chunks read from this partition: segment ranges are read into
    /// memory (they cannot go to the socket as they are), then every frame is opened into
    /// one buffer. Answers the chunks and how many messages they hold.
    pub(super) fn open_chunks(
        &self,
        enc: &Encryptor,
        chunks: Vec<Chunk>,
    ) -> Result<(Vec<Chunk>, u32), IggyError> {
        let stored: usize = chunks.iter().map(Chunk::len).sum();
        let mut out = BytesMut::with_capacity(stored);
        let mut opened = 0;
        for chunk in chunks {
            let bytes: Bytes = match chunk {
                Chunk::Memory(b) => b,
                Chunk::File(range) => range.read().map_err(|e| self.io("read", e))?,
            };
            opened += open_frames(enc, &bytes, &mut out, |offset| {
                error!(
                    "{}: the message at offset {offset:?} cannot be decrypted with the configured key: left out of the answer",
                    self.key
                )
            });
        }
        Ok((vec![Chunk::Memory(out.freeze())], opened))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(payload: &[u8], headers: &[u8]) -> Vec<u8> {
        let mut f = vec![0u8; HEADER_SIZE];
        frame::set_lengths(&mut f, payload.len() as u32, headers.len() as u32);
        f.extend_from_slice(payload);
        f.extend_from_slice(headers);
        frame::set_checksum(&mut f);
        f
    }

    #[test]
    fn frames_round_trip_and_a_frame_that_does_not_open_is_left_out() {
        let enc = Encryptor::new(&[3u8; 32]).unwrap();
        let plain = [frame(b"first payload", b""), frame(b"second", b"hdrs")].concat();
        let ends = [HEADER_SIZE as u32 + 13, plain.len() as u32];
        let (sealed, sealed_ends) = seal_frames(&enc, &plain, &ends);
        assert_eq!(sealed.len(), plain.len() + 3 * OVERHEAD);
        assert_eq!(sealed_ends[0] as usize, HEADER_SIZE + 13 + OVERHEAD);
        assert!(!sealed.windows(6).any(|w| w == b"second"));
        let mut out = BytesMut::new();
        assert_eq!(open_frames(&enc, &sealed, &mut out, |_| panic!()), 2);
        assert_eq!(&out[..], &plain[..], "lengths and checksums as sent");
        // The first frame's ciphertext is damaged: only the second comes back.
        let mut damaged = sealed.to_vec();
        damaged[HEADER_SIZE + 14] ^= 1;
        let (mut out, mut failures) = (BytesMut::new(), 0);
        assert_eq!(open_frames(&enc, &damaged, &mut out, |_| failures += 1), 1);
        assert_eq!((failures, &out[..]), (1, &plain[ends[0] as usize..]));
        // Garbage never panics.
        let other = Encryptor::new(&[4u8; 32]).unwrap();
        assert_eq!(
            open_frames(&other, &sealed, &mut BytesMut::new(), |_| {}),
            0
        );
        assert_eq!(
            open_frames(&enc, &[0xff; 100], &mut BytesMut::new(), |_| {}),
            0
        );
    }
}
