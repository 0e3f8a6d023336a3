//! Encryption at rest (`system.encryption`): AES-256-GCM with a fresh random 96-bit nonce
//! for every piece sealed. A sealed piece is `nonce (12) ‖ ciphertext ‖ tag (16)`, 28 bytes
//! longer than the plaintext. Used for message payloads and user headers (each sealed on its
//! own) and for the metadata log's command payloads.
//!
//! The cipher is ring's AES-256-GCM (the binary's TLS provider already carries it): on
//! this machine it seals 1000-byte messages about three times faster than the `aes-gcm`
//! crate, and with the same layout nothing else changes. The key is a secret:
//! [`Encryptor`] never shows it (its `Debug` is redacted).

use bytes::BytesMut;
use rand::RngCore;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use std::fmt;

pub const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// How much longer a sealed piece is than its plaintext.
pub const OVERHEAD: usize = NONCE_LEN + TAG_LEN;

pub struct Encryptor {
    cipher: LessSafeKey,
}

impl fmt::Debug for Encryptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Encryptor(AES-256-GCM, key redacted)")
    }
}

impl Encryptor {
    /// `None` unless `key` is exactly 32 bytes.
    pub fn new(key: &[u8]) -> Option<Encryptor> {
        if key.len() != KEY_LEN {
            return None;
        }
        let cipher = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).ok()?);
        Some(Encryptor { cipher })
    }

    /// Appends `plain`, sealed, to `out`.
    pub fn seal_into(&self, plain: &[u8], out: &mut BytesMut) {
        let mut nonce = [0u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut nonce);
        out.extend_from_slice(&nonce);
        let start = out.len();
        out.extend_from_slice(plain);
        // A fresh random 96-bit nonce for every piece: unique with overwhelming probability.
        let nonce = Nonce::assume_unique_for_key(nonce);
        // Cannot fail: the only error is a plaintext longer than GCM allows (64 GiB).
        match self
            .cipher
            .seal_in_place_separate_tag(nonce, Aad::empty(), &mut out[start..])
        {
            Ok(tag) => out.extend_from_slice(tag.as_ref()),
            Err(_) => out.extend_from_slice(&[0u8; TAG_LEN]),
        }
    }

    pub fn seal(&self, plain: &[u8]) -> Vec<u8> {
        let mut out = BytesMut::with_capacity(plain.len() + OVERHEAD);
        self.seal_into(plain, &mut out);
        out.to_vec()
    }

    /// Appends the plaintext of `sealed` to `out`; false (and `out` as it was) when it is
    /// not a piece sealed with this key, or was changed.
    pub fn open_into(&self, sealed: &[u8], out: &mut BytesMut) -> bool {
        if sealed.len() < OVERHEAD {
            return false;
        }
        let (nonce, rest) = sealed.split_at(NONCE_LEN);
        let Ok(nonce) = Nonce::try_assume_unique_for_key(nonce) else {
            return false;
        };
        let start = out.len();
        // Ciphertext and tag: opened in place, the tag then cut off.
        out.extend_from_slice(rest);
        let opened = self
            .cipher
            .open_in_place(nonce, Aad::empty(), &mut out[start..])
            .map(|plain| plain.len());
        match opened {
            Ok(len) => out.truncate(start + len),
            Err(_) => out.truncate(start),
        }
        opened.is_ok()
    }

    pub fn open(&self, sealed: &[u8]) -> Option<Vec<u8>> {
        let mut out = BytesMut::with_capacity(sealed.len());
        self.open_into(sealed, &mut out).then(|| out.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_pieces_open_with_the_same_key_only() {
        let e = Encryptor::new(&[7u8; 32]).unwrap();
        let sealed = e.seal(b"hello world");
        assert_eq!(sealed.len(), 11 + OVERHEAD);
        assert!(!sealed.windows(5).any(|w| w == b"hello"));
        assert_eq!(e.open(&sealed).unwrap(), b"hello world");
        assert_ne!(e.seal(b"hello world"), sealed, "a fresh nonce every time");
        let other = Encryptor::new(&[8u8; 32]).unwrap();
        assert!(other.open(&sealed).is_none());
        let mut flipped = sealed.clone();
        flipped[15] ^= 1;
        assert!(e.open(&flipped).is_none());
        assert!(e.open(&sealed[..20]).is_none());
        assert!(e.open(&[]).is_none());
        assert_eq!(e.open(&e.seal(b"")).unwrap(), b"");
        let mut out = BytesMut::from(&b"keep"[..]);
        assert!(!other.open_into(&sealed, &mut out));
        assert_eq!(&out[..], b"keep", "unchanged after a failure");
        assert!(Encryptor::new(&[1u8; 16]).is_none());
        assert!(!format!("{e:?}").contains('7'));
    }
}
