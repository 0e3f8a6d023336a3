//! The metadata log: an append-only file of checksummed entries under
//! `{system.path}/state/log`, replayed at every start. Streams, topics, users, tokens and
//! consumer groups are rebuilt from it alone.
//!
//! Entry layout (little-endian):
//!
//! ```text
//! u32 body length | u32 CRC-32C of the body | body
//! body = u64 index | u64 timestamp (µs) | u32 acting user id | u32 command code | payload
//! ```
//!
//! A torn or corrupt tail (a short entry, a checksum mismatch, a non-consecutive index)
//! is cut off at the last good entry when the log is opened; the caller logs it and the
//! server starts with everything before it.
//!
//! With `system.encryption` the payload of every entry is sealed (`crypto`) and the
//! command code carries [`SEALED`]; the checksum covers the stored bytes. A log that was
//! written with another key, with a key while none is configured now, or without one
//! while one is configured, is refused when it is opened, before anything is changed.

use crate::crypto::Encryptor;
use bytes::{BufMut, Bytes, BytesMut};
use crc::{Crc, CRC_32_ISCSI};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

const CRC32C: Crc<u32> = Crc::<u32>::new(&CRC_32_ISCSI);
const ENTRY_HEADER: usize = 8;
const BODY_HEADER: usize = 24;
/// No single metadata change comes near this; a larger length means corruption.
const MAX_BODY: usize = 16 * 1024 * 1024;
/// Set in a stored entry's command code when its payload is sealed.
pub const SEALED: u32 = 1 << 31;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub index: u64,
    pub timestamp: u64,
    pub user_id: u32,
    pub command: u32,
    pub payload: Bytes,
}

/// What was cut off when the log was opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Truncation {
    /// Byte length of the log that was kept.
    pub kept_bytes: u64,
    /// Bytes removed from the end.
    pub removed_bytes: u64,
    pub reason: String,
}

pub struct StateLog {
    file: File,
    path: PathBuf,
    next_index: u64,
    fsync: bool,
    encryptor: Option<Arc<Encryptor>>,
}

/// The result of opening a log: the writer, every good entry, and the truncation if any.
pub struct OpenedLog {
    pub log: StateLog,
    pub entries: Vec<LogEntry>,
    pub truncation: Option<Truncation>,
}

pub fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

impl StateLog {
    /// Opens (or creates) the log, reads every entry, and truncates a damaged tail.
    pub fn open(path: &Path, fsync: bool) -> io::Result<OpenedLog> {
        Self::open_with(path, fsync, None)
    }

    /// `open` for a log whose payloads are sealed with `encryptor` (`None`: plain).
    pub fn open_with(
        path: &Path,
        fsync: bool,
        encryptor: Option<Arc<Encryptor>>,
    ) -> io::Result<OpenedLog> {
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)?;
        let mut raw = Vec::new();
        file.read_to_end(&mut raw)?;
        let (entries, good_len, reason) = parse_entries(&raw);
        let entries = unseal(entries, encryptor.as_deref())?;
        let truncation = match reason {
            Some(reason) => {
                file.set_len(good_len as u64)?;
                file.sync_all()?;
                Some(Truncation {
                    kept_bytes: good_len as u64,
                    removed_bytes: (raw.len() - good_len) as u64,
                    reason,
                })
            }
            None => None,
        };
        file.seek(SeekFrom::End(0))?;
        let next_index = entries.last().map(|e| e.index + 1).unwrap_or(0);
        let log = StateLog {
            file,
            path: path.to_path_buf(),
            next_index,
            fsync,
            encryptor,
        };
        Ok(OpenedLog {
            log,
            entries,
            truncation,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The index the next appended entry gets.
    pub fn next_index(&self) -> u64 {
        self.next_index
    }

    /// Appends one entry and, when configured, fsyncs it before returning.
    pub fn append(&mut self, user_id: u32, command: u32, payload: &[u8]) -> io::Result<LogEntry> {
        let entry = LogEntry {
            index: self.next_index,
            timestamp: now_micros(),
            user_id,
            command,
            payload: Bytes::copy_from_slice(payload),
        };
        let bytes = match &self.encryptor {
            None => encode_entry(&entry),
            Some(enc) => encode_entry(&LogEntry {
                command: command | SEALED,
                payload: Bytes::from(enc.seal(payload)),
                ..entry.clone()
            }),
        };
        self.file.write_all(&bytes)?;
        if self.fsync {
            self.file.sync_data()?;
        }
        self.next_index += 1;
        Ok(entry)
    }

    /// Forces everything appended so far to disk.
    pub fn sync(&mut self) -> io::Result<()> {
        self.file.sync_all()
    }
}

/// Checks, without changing anything, that the log at `path` (when there is one) can be
/// read with `encryptor`: the same check `open_with` makes before it repairs anything.
pub fn check_key(path: &Path, encryptor: Option<&Encryptor>) -> io::Result<()> {
    let raw = match std::fs::read(path) {
        Ok(raw) => raw,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    unseal(parse_entries(&raw).0, encryptor).map(|_| ())
}

/// The entries with their payloads opened, or why the log cannot be read with `encryptor`.
fn unseal(entries: Vec<LogEntry>, encryptor: Option<&Encryptor>) -> io::Result<Vec<LogEntry>> {
    let refuse = |why: String| Err(io::Error::new(io::ErrorKind::InvalidData, why));
    let mut out = Vec::with_capacity(entries.len());
    for mut e in entries {
        let sealed = e.command & SEALED != 0;
        match (sealed, encryptor) {
            (false, None) => {}
            (true, None) => return refuse(format!(
                "entry {} is encrypted: this data can only be read with system.encryption.enabled = true and the key it was written with",
                e.index
            )),
            (false, Some(_)) => return refuse(format!(
                "entry {} is not encrypted: this data was written without encryption, and system.encryption.enabled = true cannot read it",
                e.index
            )),
            (true, Some(enc)) => {
                let Some(plain) = enc.open(&e.payload) else {
                    return refuse(format!(
                        "entry {} cannot be decrypted: system.encryption.key is not the key this data was written with",
                        e.index
                    ));
                };
                e.payload = Bytes::from(plain);
                e.command &= !SEALED;
            }
        }
        out.push(e);
    }
    Ok(out)
}

fn encode_entry(entry: &LogEntry) -> BytesMut {
    let mut body = BytesMut::with_capacity(BODY_HEADER + entry.payload.len());
    body.put_u64_le(entry.index);
    body.put_u64_le(entry.timestamp);
    body.put_u32_le(entry.user_id);
    body.put_u32_le(entry.command);
    body.put_slice(&entry.payload);
    let mut out = BytesMut::with_capacity(ENTRY_HEADER + body.len());
    out.put_u32_le(body.len() as u32);
    out.put_u32_le(CRC32C.checksum(&body));
    out.put_slice(&body);
    out
}

/// Parses entries until the end or the first damaged one. Returns the good entries, the
/// byte length they span, and why parsing stopped early (if it did).
fn parse_entries(raw: &[u8]) -> (Vec<LogEntry>, usize, Option<String>) {
    let mut entries = Vec::new();
    let mut pos = 0usize;
    while pos < raw.len() {
        match parse_one(&raw[pos..], entries.last().map(|e: &LogEntry| e.index + 1)) {
            Ok((entry, used)) => {
                entries.push(entry);
                pos += used;
            }
            Err(reason) => {
                let reason = format!("entry at byte {pos}: {reason}");
                return (entries, pos, Some(reason));
            }
        }
    }
    (entries, pos, None)
}

fn parse_one(raw: &[u8], expected_index: Option<u64>) -> Result<(LogEntry, usize), String> {
    if raw.len() < ENTRY_HEADER {
        return Err(format!(
            "torn header ({} of {ENTRY_HEADER} bytes)",
            raw.len()
        ));
    }
    let body_len = u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]) as usize;
    let checksum = u32::from_le_bytes([raw[4], raw[5], raw[6], raw[7]]);
    if !(BODY_HEADER..=MAX_BODY).contains(&body_len) {
        return Err(format!("impossible body length {body_len}"));
    }
    let Some(body) = raw.get(ENTRY_HEADER..ENTRY_HEADER + body_len) else {
        let have = raw.len() - ENTRY_HEADER;
        return Err(format!("torn body ({have} of {body_len} bytes)"));
    };
    if CRC32C.checksum(body) != checksum {
        return Err("checksum mismatch".to_string());
    }
    let word = |at: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&body[at..at + 8]);
        u64::from_le_bytes(b)
    };
    let half = |at: usize| u32::from_le_bytes([body[at], body[at + 1], body[at + 2], body[at + 3]]);
    let entry = LogEntry {
        index: word(0),
        timestamp: word(8),
        user_id: half(16),
        command: half(20),
        payload: Bytes::copy_from_slice(&body[BODY_HEADER..]),
    };
    if let Some(expected) = expected_index {
        if entry.index != expected {
            return Err(format!(
                "index {} where {expected} was expected",
                entry.index
            ));
        }
    }
    Ok((entry, ENTRY_HEADER + body_len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_with_three(dir: &Path) -> PathBuf {
        let path = dir.join("log");
        let mut opened = StateLog::open(&path, true).unwrap();
        assert!(opened.entries.is_empty());
        for i in 0..3u8 {
            opened.log.append(0, 33, &[i; 10]).unwrap();
        }
        path
    }

    #[test]
    fn entries_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = log_with_three(dir.path());
        let opened = StateLog::open(&path, false).unwrap();
        assert_eq!(opened.entries.len(), 3);
        assert_eq!(opened.entries[2].index, 2);
        assert_eq!(&opened.entries[1].payload[..], &[1u8; 10]);
        assert!(opened.truncation.is_none());
    }

    #[test]
    fn a_torn_last_entry_is_cut_off() {
        let dir = tempfile::tempdir().unwrap();
        let path = log_with_three(dir.path());
        let len = std::fs::metadata(&path).unwrap().len();
        let file = OpenOptions::new().write(true).open(&path).unwrap();
        file.set_len(len - 20).unwrap();
        let mut opened = StateLog::open(&path, false).unwrap();
        assert_eq!(opened.entries.len(), 2);
        let t = opened.truncation.clone().unwrap();
        assert!(t.reason.contains("torn"), "{}", t.reason);
        // The next append continues the index sequence and is readable.
        opened.log.append(0, 33, b"next").unwrap();
        let again = StateLog::open(&path, false).unwrap();
        assert_eq!(again.entries.len(), 3);
        assert_eq!(again.entries[2].index, 2);
        assert!(again.truncation.is_none());
    }

    #[test]
    fn a_flipped_byte_in_the_last_entry_is_cut_off() {
        let dir = tempfile::tempdir().unwrap();
        let path = log_with_three(dir.path());
        let mut raw = std::fs::read(&path).unwrap();
        let last = raw.len() - 3;
        raw[last] ^= 0x40;
        std::fs::write(&path, &raw).unwrap();
        let opened = StateLog::open(&path, false).unwrap();
        assert_eq!(opened.entries.len(), 2);
        assert!(opened.truncation.unwrap().reason.contains("checksum"));
    }

    #[test]
    fn sealed_entries_open_with_their_key_only_and_nothing_changes_when_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        let key = Arc::new(Encryptor::new(&[9u8; 32]).unwrap());
        let mut opened = StateLog::open_with(&path, false, Some(key.clone())).unwrap();
        let appended = opened.log.append(0, 202, b"secret-stream").unwrap();
        assert_eq!(
            (appended.command, &appended.payload[..]),
            (202, &b"secret-stream"[..])
        );
        drop(opened);
        let raw = std::fs::read(&path).unwrap();
        assert!(!raw.windows(6).any(|w| w == b"secret"), "plaintext on disk");
        let again = StateLog::open_with(&path, false, Some(key.clone())).unwrap();
        assert_eq!(again.entries[0].command, 202);
        assert_eq!(&again.entries[0].payload[..], b"secret-stream");
        drop(again);
        // A torn tail is only cut once the key is known to be right.
        std::fs::write(&path, [&raw[..], &[1, 2, 3]].concat()).unwrap();
        let other = Encryptor::new(&[1u8; 32]).unwrap();
        for (enc, why) in [(Some(&other), "not the key"), (None, "is encrypted")] {
            let e = check_key(&path, enc).unwrap_err().to_string();
            assert!(e.contains(why), "{e}");
            let e = StateLog::open_with(
                &path,
                false,
                enc.map(|_| Arc::new(Encryptor::new(&[1u8; 32]).unwrap())),
            );
            assert!(e.is_err());
            assert_eq!(std::fs::read(&path).unwrap().len(), raw.len() + 3);
        }
        check_key(&path, Some(&key)).unwrap();
        // A plain log is refused when a key is configured.
        let plain = dir.path().join("plain");
        StateLog::open(&plain, false)
            .unwrap()
            .log
            .append(0, 1, b"x")
            .unwrap();
        let e = check_key(&plain, Some(&key)).unwrap_err().to_string();
        assert!(e.contains("without encryption"), "{e}");
        check_key(&dir.path().join("missing"), Some(&key)).unwrap();
    }

    #[test]
    fn garbage_never_panics() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        std::fs::write(&path, [0xffu8; 7]).unwrap();
        assert!(StateLog::open(&path, false).unwrap().entries.is_empty());
        std::fs::write(&path, [0x20, 0, 0, 0, 1, 2, 3, 4, 5]).unwrap();
        assert!(StateLog::open(&path, false).unwrap().entries.is_empty());
    }

    #[test]
    fn random_damage_keeps_a_prefix_of_the_entries_and_appends_continue() {
        use rand::{RngCore, SeedableRng};
        let mut rng = rand::rngs::SmallRng::seed_from_u64(0x1234_5678);
        let mut next = || rng.next_u64();
        for round in 0..300 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("log");
            let mut opened = StateLog::open(&path, false).unwrap();
            let mut written = Vec::new();
            for i in 0..6u8 {
                let len = (next() % 50) as usize;
                written.push(opened.log.append(1, 33, &vec![i; len]).unwrap());
            }
            drop(opened);
            let mut bytes = std::fs::read(&path).unwrap();
            match next() % 3 {
                0 => {
                    for _ in 0..1 + next() % 3 {
                        let at = (next() % bytes.len() as u64) as usize;
                        bytes[at] ^= 1 << (next() % 8);
                    }
                }
                1 => bytes.truncate((next() % bytes.len() as u64) as usize),
                _ => bytes.extend((0..1 + next() % 64).map(|_| next() as u8)),
            }
            std::fs::write(&path, &bytes).unwrap();

            let mut opened = StateLog::open(&path, false).expect("opens");
            let kept = opened.entries.len();
            for (got, want) in opened.entries.iter().zip(&written) {
                assert_eq!(
                    (got.index, got.command, &got.payload),
                    (want.index, want.command, &want.payload),
                    "round {round}"
                );
            }
            let file_len = std::fs::metadata(&path).unwrap().len();
            if let Some(t) = &opened.truncation {
                assert_eq!(t.kept_bytes, file_len, "round {round}");
            }
            let appended = opened.log.append(1, 34, b"after").unwrap();
            assert_eq!(appended.index, kept as u64, "round {round}");
            drop(opened);
            let again = StateLog::open(&path, false).unwrap();
            assert!(again.truncation.is_none(), "round {round}");
            assert_eq!(again.entries.len(), kept + 1, "round {round}");
        }
    }
}
