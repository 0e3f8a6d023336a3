//! Framing (binary-protocol.md §2): requests are `u32 length | u32 code | payload` where
//! `length` counts the code; responses are `u32 status | u32 length | payload` where
//! `length` counts only the payload.
//!
//! The decoder never lets a bad frame bleed into the next one: a frame with `length < 4`
//! is answered and skipped (it has no payload to skip), and a frame announcing more than
//! the limit is answered and the connection closed, since its payload is not read.

use super::codes;
use bytes::{Buf, BufMut, Bytes, BytesMut};
use iggy_actors::partition::messages::{Chunk, FileRange};
use iggy_actors::IggyError;
use tokio_util::codec::Decoder;

pub const HEADER_SIZE: usize = 8;
/// Largest payload of any command other than SendMessages.
pub const MAX_CONTROL_PAYLOAD: usize = 10 * 1024 * 1024;
/// Largest SendMessages payload accepted in one frame.
pub const MAX_SEND_MESSAGES_PAYLOAD: usize = 256 * 1024 * 1024;

/// One item read from a connection.
#[derive(Debug, PartialEq, Eq)]
pub enum Inbound {
    /// A complete frame. The payload is the frame's own buffer, so SendMessages can hand
    /// its message area to a partition without a copy.
    Request { code: u32, payload: BytesMut },
    /// A frame that cannot be served: answer `error`, then close when `close` is set.
    Rejected {
        code: u32,
        error: IggyError,
        close: bool,
    },
}

/// Splits a byte stream into request frames.
#[derive(Debug, Default)]
pub struct RequestDecoder;

fn payload_limit(code: u32) -> usize {
    if code == codes::SEND_MESSAGES {
        MAX_SEND_MESSAGES_PAYLOAD
    } else {
        MAX_CONTROL_PAYLOAD
    }
}

impl Decoder for RequestDecoder {
    type Item = Inbound;
    type Error = std::io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Inbound>, Self::Error> {
        if src.len() < HEADER_SIZE {
            src.reserve(HEADER_SIZE - src.len());
            return Ok(None);
        }
        let length = u32::from_le_bytes([src[0], src[1], src[2], src[3]]) as usize;
        let code = u32::from_le_bytes([src[4], src[5], src[6], src[7]]);
        if length < 4 {
            src.advance(HEADER_SIZE);
            let error = IggyError::InvalidCommand;
            return Ok(Some(Inbound::Rejected {
                code,
                error,
                close: false,
            }));
        }
        let payload_len = length - 4;
        if payload_len > payload_limit(code) {
            src.advance(HEADER_SIZE);
            let error = IggyError::InvalidCommand;
            return Ok(Some(Inbound::Rejected {
                code,
                error,
                close: true,
            }));
        }
        let frame_len = HEADER_SIZE + payload_len;
        if src.len() < frame_len {
            src.reserve(frame_len - src.len());
            return Ok(None);
        }
        src.advance(HEADER_SIZE);
        let payload = src.split_to(payload_len);
        Ok(Some(Inbound::Request { code, payload }))
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Inbound>, Self::Error> {
        match self.decode(buf)? {
            Some(frame) => Ok(Some(frame)),
            None => {
                if !buf.is_empty() {
                    log::debug!(
                        "connection closed in the middle of a frame ({} bytes)",
                        buf.len()
                    );
                    buf.clear();
                }
                Ok(None)
            }
        }
    }
}

/// A response: a status and, on success, a payload.
#[derive(Debug, Clone)]
pub enum Response {
    Ok(Bytes),
    /// A success whose payload is these chunks back to back (the poll answer: a header,
    /// then stored frames), written without copying them: memory chunks with vectored
    /// writes, file ranges with `sendfile` where the sink can.
    Chunks(Vec<Chunk>),
    Error(IggyError),
}

impl Response {
    pub fn empty() -> Self {
        Response::Ok(Bytes::new())
    }
}

/// Most slices handed to one vectored write.
const MAX_IO_SLICES: usize = 64;

/// Where responses go: any async writer. A sink that can send a file range without
/// reading it into the process (a TCP socket: `sendfile`) overrides `send_file`.
#[allow(async_fn_in_trait)]
pub trait ResponseSink: tokio::io::AsyncWrite + Unpin {
    /// Sends `range` of a segment file; by default it is read, then written.
    async fn send_file(&mut self, range: &FileRange) -> std::io::Result<()> {
        use tokio::io::AsyncWriteExt;
        let bytes = range.read()?;
        self.write_all(&bytes).await
    }

    /// Writes `parts` in order. By default with vectored writes; a sink that takes owned
    /// buffers without copying them (a QUIC stream) overrides it.
    async fn write_parts(
        &mut self,
        parts: std::collections::VecDeque<Bytes>,
    ) -> std::io::Result<()> {
        write_all_vectored(self, parts).await
    }

    /// Holds back partial packets while a response is written in several parts (`true`)
    /// and sends what is held (`false`), so the parts leave as full packets and the last
    /// one is not delayed by Nagle's algorithm.
    fn hold_partial_packets(&mut self, _hold: bool) {}
}

impl ResponseSink for Vec<u8> {}

/// A response as the frame carries it: status, payload length and the payload's chunks.
/// A payload too large for the u32 length becomes an error answer.
pub fn status_and_chunks(response: Response) -> (u32, u32, Vec<Chunk>) {
    let (status, chunks) = match response {
        Response::Ok(payload) => (0u32, vec![Chunk::Memory(payload)]),
        Response::Chunks(chunks) => (0u32, chunks),
        Response::Error(error) => (error.code(), Vec::new()),
    };
    let total: usize = chunks.iter().map(Chunk::len).sum();
    match u32::try_from(total) {
        Ok(length) => (status, length, chunks),
        Err(_) => {
            log::warn!("response of {total} bytes does not fit a frame; answered as an error");
            (IggyError::Error.code(), 0, Vec::new())
        }
    }
}

/// Writes one response: status, length and payload. Memory chunks go out in vectored
/// writes, file ranges through the sink's `send_file`; nothing is copied on the way. A
/// payload too large for the u32 length is answered as an error.
pub async fn write_response<W: ResponseSink>(
    writer: &mut W,
    response: Response,
) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt;
    let (status, length, chunks) = status_and_chunks(response);
    let mut header = BytesMut::with_capacity(HEADER_SIZE);
    header.put_u32_le(status);
    header.put_u32_le(length);
    let mut pending = std::collections::VecDeque::with_capacity(chunks.len() + 1);
    pending.push_back(header.freeze());
    let in_parts = chunks.iter().any(|c| matches!(c, Chunk::File(_)));
    if in_parts {
        writer.hold_partial_packets(true);
    }
    let written = write_parts(writer, pending, chunks).await;
    if in_parts {
        writer.hold_partial_packets(false);
    }
    written?;
    writer.flush().await
}

async fn write_parts<W: ResponseSink>(
    writer: &mut W,
    mut pending: std::collections::VecDeque<Bytes>,
    chunks: Vec<Chunk>,
) -> std::io::Result<()> {
    for chunk in chunks.into_iter().filter(|c| !c.is_empty()) {
        match chunk {
            Chunk::Memory(bytes) => pending.push_back(bytes),
            Chunk::File(range) => {
                writer.write_parts(std::mem::take(&mut pending)).await?;
                writer.send_file(&range).await?;
            }
        }
    }
    writer.write_parts(pending).await
}

/// Writes every part, as few system calls as the writer allows.
async fn write_all_vectored<W>(
    writer: &mut W,
    mut parts: std::collections::VecDeque<Bytes>,
) -> std::io::Result<()>
where
    W: tokio::io::AsyncWrite + Unpin + ?Sized,
{
    use std::io::IoSlice;
    use tokio::io::AsyncWriteExt;
    while !parts.is_empty() {
        let written = {
            let slices: Vec<IoSlice<'_>> = parts
                .iter()
                .take(MAX_IO_SLICES)
                .map(|p| IoSlice::new(p))
                .collect();
            writer.write_vectored(&slices).await?
        };
        if written == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        advance(&mut parts, written);
    }
    Ok(())
}

/// Drops `n` written bytes from the front of `parts`.
fn advance(parts: &mut std::collections::VecDeque<Bytes>, mut n: usize) {
    while n > 0 {
        let Some(front) = parts.front_mut() else {
            return;
        };
        if n >= front.len() {
            n -= front.len();
            parts.pop_front();
        } else {
            front.advance(n);
            n = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(length: u32, code: u32, payload: &[u8]) -> BytesMut {
        let mut b = BytesMut::new();
        b.put_u32_le(length);
        b.put_u32_le(code);
        b.put_slice(payload);
        b
    }

    #[test]
    fn splits_frames_and_waits_for_the_rest() {
        let mut buf = frame(4, 1, &[]);
        buf.extend_from_slice(&frame(10, 200, &[1, 4, 0, 0, 0, 0]));
        buf.extend_from_slice(&[6, 0, 0]);
        let mut d = RequestDecoder;
        assert_eq!(
            d.decode(&mut buf).unwrap(),
            Some(Inbound::Request {
                code: 1,
                payload: BytesMut::new()
            })
        );
        let Some(Inbound::Request { code: 200, payload }) = d.decode(&mut buf).unwrap() else {
            panic!("expected the second frame");
        };
        assert_eq!(&payload[..], &[1, 4, 0, 0, 0, 0]);
        assert_eq!(d.decode(&mut buf).unwrap(), None);
        assert_eq!(buf.len(), 3);
    }

    #[test]
    fn short_length_is_rejected_and_skipped() {
        let mut buf = frame(0, 1, &[]);
        buf.extend_from_slice(&frame(4, 1, &[]));
        let mut d = RequestDecoder;
        assert!(matches!(
            d.decode(&mut buf).unwrap(),
            Some(Inbound::Rejected {
                error: IggyError::InvalidCommand,
                close: false,
                ..
            })
        ));
        assert!(matches!(
            d.decode(&mut buf).unwrap(),
            Some(Inbound::Request { code: 1, .. })
        ));
    }

    #[test]
    fn oversized_control_payload_closes() {
        let mut buf = frame((MAX_CONTROL_PAYLOAD + 5) as u32, 200, &[]);
        let mut d = RequestDecoder;
        assert!(matches!(
            d.decode(&mut buf).unwrap(),
            Some(Inbound::Rejected { close: true, .. })
        ));
        // SendMessages may be larger than a control payload.
        let mut buf = frame((MAX_CONTROL_PAYLOAD + 5) as u32, 101, &[]);
        assert_eq!(d.decode(&mut buf).unwrap(), None);
    }

    #[tokio::test]
    async fn responses_count_only_the_payload() {
        let mut out = Vec::new();
        write_response(&mut out, Response::Ok(Bytes::from_static(&[7, 0, 0, 0])))
            .await
            .unwrap();
        write_response(&mut out, Response::Error(IggyError::Unauthenticated))
            .await
            .unwrap();
        assert_eq!(
            &out[..],
            &[0, 0, 0, 0, 4, 0, 0, 0, 7, 0, 0, 0, 40, 0, 0, 0, 0, 0, 0, 0]
        );
    }

    /// Accepts at most 3 bytes per write, so chunks are split across writes.
    struct Trickle(Vec<u8>);

    impl ResponseSink for Trickle {}

    impl tokio::io::AsyncWrite for Trickle {
        fn poll_write(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
            buf: &[u8],
        ) -> std::task::Poll<std::io::Result<usize>> {
            let n = buf.len().min(3);
            self.0.extend_from_slice(&buf[..n]);
            std::task::Poll::Ready(Ok(n))
        }

        fn poll_flush(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            std::task::Poll::Ready(Ok(()))
        }

        fn poll_shutdown(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            std::task::Poll::Ready(Ok(()))
        }
    }

    #[tokio::test]
    async fn chunked_responses_go_out_whole() {
        let chunks = vec![
            Chunk::Memory(Bytes::from_static(&[1, 2, 3, 4, 5])),
            Chunk::Memory(Bytes::new()),
            Chunk::Memory(Bytes::from_static(&[6])),
            Chunk::Memory(Bytes::from_static(&[7, 8, 9, 10, 11, 12, 13])),
        ];
        let mut out = Trickle(Vec::new());
        write_response(&mut out, Response::Chunks(chunks))
            .await
            .unwrap();
        let mut expected = vec![0, 0, 0, 0, 13, 0, 0, 0];
        expected.extend(1..=13u8);
        assert_eq!(out.0, expected);
        // Many chunks: more than one vectored write's worth of slices.
        let many: Vec<Chunk> = (0..200u8)
            .map(|i| Chunk::Memory(Bytes::from(vec![i; 2])))
            .collect();
        let mut out = Vec::new();
        write_response(&mut out, Response::Chunks(many))
            .await
            .unwrap();
        assert_eq!(out.len(), 8 + 400);
        assert_eq!(&out[4..8], &400u32.to_le_bytes());
        assert_eq!(&out[8 + 398..], &[199, 199]);
    }

    #[tokio::test]
    async fn file_ranges_are_sent_in_order_with_memory_chunks() {
        use std::io::Write;
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(b"0123456789").unwrap();
        let file = std::sync::Arc::new(file);
        let range = |offset, len| {
            Chunk::File(FileRange {
                file: file.clone(),
                offset,
                len,
            })
        };
        let chunks = vec![
            Chunk::Memory(Bytes::from_static(b"<")),
            range(2, 3),
            Chunk::Memory(Bytes::from_static(b"|")),
            range(7, 3),
        ];
        let mut out = Trickle(Vec::new());
        write_response(&mut out, Response::Chunks(chunks))
            .await
            .unwrap();
        assert_eq!(&out.0[4..8], &8u32.to_le_bytes());
        assert_eq!(&out.0[8..], b"<234|789");
    }
}
