//! Bounds-checked little-endian reading and writing, shared by the wire codec and the
//! metadata log. Nothing here panics on short or malformed input: every read returns an
//! error that says where it failed and how many bytes were needed.

use bytes::{BufMut, BytesMut};
use std::fmt;

/// Why a read failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// Fewer bytes remain than the field needs.
    Truncated {
        offset: usize,
        need: usize,
        have: usize,
    },
    /// A text field is not UTF-8.
    InvalidUtf8 { offset: usize },
    /// A field has a value outside its domain (an unknown kind byte, a zero-length name ...).
    Invalid { offset: usize, what: &'static str },
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Truncated { offset, need, have } => {
                write!(f, "truncated at byte {offset}: need {need}, have {have}")
            }
            ReadError::InvalidUtf8 { offset } => write!(f, "invalid UTF-8 at byte {offset}"),
            ReadError::Invalid { offset, what } => write!(f, "invalid {what} at byte {offset}"),
        }
    }
}

impl std::error::Error for ReadError {}

/// The little-endian u32 at byte `at` of `b`, if `b` holds it.
#[inline]
pub fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// The little-endian u64 at byte `at` of `b`, if `b` holds it.
#[inline]
pub fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    let s = b.get(at..at.checked_add(8)?)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(s);
    Some(u64::from_le_bytes(a))
}

/// A cursor over a byte slice.
pub struct ByteReader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> ByteReader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    /// Bytes consumed so far.
    #[inline]
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Bytes left.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    #[inline]
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], ReadError> {
        let have = self.remaining();
        if n > have {
            return Err(ReadError::Truncated {
                offset: self.pos,
                need: n,
                have,
            });
        }
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    #[inline]
    fn array<const N: usize>(&mut self) -> Result<[u8; N], ReadError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.bytes(N)?);
        Ok(out)
    }

    #[inline]
    pub fn u8(&mut self) -> Result<u8, ReadError> {
        Ok(self.array::<1>()?[0])
    }

    #[inline]
    pub fn bool(&mut self) -> Result<bool, ReadError> {
        Ok(self.u8()? != 0)
    }

    #[inline]
    pub fn u16(&mut self) -> Result<u16, ReadError> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    #[inline]
    pub fn u32(&mut self) -> Result<u32, ReadError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    #[inline]
    pub fn u64(&mut self) -> Result<u64, ReadError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// UTF-8 text of `len` bytes.
    #[inline]
    pub fn text(&mut self, len: usize) -> Result<&'a str, ReadError> {
        let offset = self.pos;
        let raw = self.bytes(len)?;
        std::str::from_utf8(raw).map_err(|_| ReadError::InvalidUtf8 { offset })
    }

    /// A one-byte length followed by UTF-8 text (0..=255 bytes).
    pub fn str8(&mut self) -> Result<&'a str, ReadError> {
        let len = self.u8()? as usize;
        self.text(len)
    }

    /// A `str8` that must not be empty.
    pub fn name8(&mut self) -> Result<&'a str, ReadError> {
        let offset = self.pos;
        let name = self.str8()?;
        if name.is_empty() {
            return Err(ReadError::Invalid {
                offset,
                what: "empty name",
            });
        }
        Ok(name)
    }

    /// A two-byte length followed by UTF-8 text.
    pub fn str16(&mut self) -> Result<&'a str, ReadError> {
        let len = self.u16()? as usize;
        self.text(len)
    }

    /// A four-byte length followed by raw bytes.
    pub fn bytes32(&mut self) -> Result<&'a [u8], ReadError> {
        let len = self.u32()? as usize;
        self.bytes(len)
    }
}

/// Little-endian writers for `BytesMut`. Callers guarantee that lengths fit their prefix
/// (names are validated to 255 bytes before they are stored).
pub trait ByteWriter {
    fn put_str8(&mut self, s: &str);
    fn put_str16(&mut self, s: &str);
    fn put_str32(&mut self, s: &str);
    fn put_bool(&mut self, b: bool);
}

impl ByteWriter for BytesMut {
    fn put_str8(&mut self, s: &str) {
        let bytes = &s.as_bytes()[..s.len().min(u8::MAX as usize)];
        self.put_u8(bytes.len() as u8);
        self.put_slice(bytes);
    }

    fn put_str16(&mut self, s: &str) {
        let bytes = &s.as_bytes()[..s.len().min(u16::MAX as usize)];
        self.put_u16_le(bytes.len() as u16);
        self.put_slice(bytes);
    }

    fn put_str32(&mut self, s: &str) {
        self.put_u32_le(s.len() as u32);
        self.put_slice(s.as_bytes());
    }

    fn put_bool(&mut self, b: bool) {
        self.put_u8(u8::from(b));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_position_reads_check_bounds() {
        let b = [1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!((u32_at(&b, 0), u32_at(&b, 8)), (Some(1), Some(0)));
        assert_eq!(u64_at(&b, 4), Some(2));
        assert_eq!((u32_at(&b, 9), u64_at(&b, 5)), (None, None));
        assert_eq!(
            (u32_at(&b, usize::MAX), u64_at(&b, usize::MAX)),
            (None, None)
        );
    }

    #[test]
    fn reads_little_endian_fields_in_order() {
        let mut buf = BytesMut::new();
        buf.put_u32_le(7);
        buf.put_u64_le(u64::MAX - 1);
        buf.put_str8("iggy");
        buf.put_str16("hash");
        let mut r = ByteReader::new(&buf);
        assert_eq!(r.u32().unwrap(), 7);
        assert_eq!(r.u64().unwrap(), u64::MAX - 1);
        assert_eq!(r.name8().unwrap(), "iggy");
        assert_eq!(r.str16().unwrap(), "hash");
        assert_eq!(r.remaining(), 0);
    }

    #[test]
    fn short_input_is_an_error_not_a_panic() {
        let mut r = ByteReader::new(&[1, 2, 3]);
        assert_eq!(
            r.u32(),
            Err(ReadError::Truncated {
                offset: 0,
                need: 4,
                have: 3
            })
        );
        let mut r = ByteReader::new(&[5, b'a']);
        assert!(matches!(r.str8(), Err(ReadError::Truncated { .. })));
        let mut r = ByteReader::new(&[0]);
        assert!(matches!(r.name8(), Err(ReadError::Invalid { .. })));
        let mut r = ByteReader::new(&[2, 0xff, 0xfe]);
        assert_eq!(r.str8(), Err(ReadError::InvalidUtf8 { offset: 1 }));
    }
}
