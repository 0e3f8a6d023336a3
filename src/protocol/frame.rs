//! Framing (binary-protocol.md §2): requests are `u32 length | u32 code | payload` where
//! `length` counts the code; responses are `u32 status | u32 length | payload` where
//! `length` counts only the payload.
//!
//! The decoder never lets a bad frame bleed into the next one: a frame with `length < 4`
//! is answered and skipped (it has no payload to skip), and a frame announcing more than
//! the limit is answered and the connection closed, since its payload is not read.

use super::codes;
use bytes::{Buf, Bytes, BytesMut};
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
    /// A complete frame.
    Request { code: u32, payload: Bytes },
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
        let payload = src.split_to(payload_len).freeze();
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    Ok(Bytes),
    Error(IggyError),
}

impl Response {
    pub fn empty() -> Self {
        Response::Ok(Bytes::new())
    }
}

/// Writes one response: status, length and payload, with a single vectored write when
/// possible (the payload is not copied).
pub async fn write_response<W>(writer: &mut W, response: Response) -> std::io::Result<()>
where
    W: tokio::io::AsyncWrite + Unpin,
{
    use tokio::io::AsyncWriteExt;
    let (status, payload) = match response {
        Response::Ok(payload) => (0u32, payload),
        Response::Error(error) => (error.code(), Bytes::new()),
    };
    let mut header = [0u8; HEADER_SIZE];
    header[..4].copy_from_slice(&status.to_le_bytes());
    header[4..].copy_from_slice(&(payload.len() as u32).to_le_bytes());
    let mut chain = Buf::chain(&header[..], payload);
    while chain.has_remaining() {
        writer.write_buf(&mut chain).await?;
    }
    writer.flush().await
}

#[cfg(test)]
mod tests {
    use super::*;

    use bytes::BufMut;

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
                payload: Bytes::new()
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
}
