//! Index entries: 16 bytes per message — offset relative to the segment start (u32), byte
//! position in the log file where the message ends (u32), append timestamp (u64). That is
//! the file format; in memory a segment's index is kept as a [`MemoryIndex`].

use crate::bytes_io::{u32_at, u64_at};

pub const ENTRY_SIZE: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexEntry {
    pub relative_offset: u32,
    /// Position in the log file just past the end of the message.
    pub end: u32,
    pub timestamp: u64,
}

impl IndexEntry {
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_bytes());
    }

    /// The 16 bytes of the entry in the index file.
    #[inline]
    pub fn to_bytes(&self) -> [u8; ENTRY_SIZE] {
        let mut b = [0u8; ENTRY_SIZE];
        b[..4].copy_from_slice(&self.relative_offset.to_le_bytes());
        b[4..8].copy_from_slice(&self.end.to_le_bytes());
        b[8..].copy_from_slice(&self.timestamp.to_le_bytes());
        b
    }

    pub fn decode(b: &[u8]) -> Option<IndexEntry> {
        Some(IndexEntry {
            relative_offset: u32_at(b, 0)?,
            end: u32_at(b, 4)?,
            timestamp: u64_at(b, 8)?,
        })
    }
}

/// A segment's index in memory, about 4 bytes a message instead of the file's 16: the
/// relative offset is the position in `ends`, and a whole batch shares one timestamp, so
/// timestamps are kept once per run of equal values.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct MemoryIndex {
    /// End position in the log of message `i` (relative offset `i`).
    ends: Vec<u32>,
    /// `(first relative offset, timestamp)` of each run of messages with one timestamp.
    runs: Vec<(u32, u64)>,
}

impl MemoryIndex {
    /// Builds the index of entries that are consecutive from relative offset 0.
    pub fn from_entries(entries: impl Iterator<Item = IndexEntry>) -> MemoryIndex {
        let mut index = MemoryIndex::default();
        index.ends.reserve_exact(entries.size_hint().0);
        for e in entries {
            index.push(e.end, e.timestamp);
        }
        index
    }

    /// Keeps the first `len` messages.
    pub fn truncate(&mut self, len: u32) {
        self.ends.truncate(len as usize);
        self.runs.retain(|r| r.0 < len);
    }

    /// Adds the next message.
    pub fn push(&mut self, end: u32, timestamp: u64) {
        if self.runs.last().map(|r| r.1) != Some(timestamp) {
            self.runs.push((self.ends.len() as u32, timestamp));
        }
        self.ends.push(end);
    }

    pub fn len(&self) -> u32 {
        self.ends.len() as u32
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The entry of relative offset `i`.
    pub fn get(&self, i: u32) -> Option<IndexEntry> {
        let end = *self.ends.get(i as usize)?;
        let run = self.runs.partition_point(|r| r.0 <= i).checked_sub(1)?;
        Some(IndexEntry {
            relative_offset: i,
            end,
            timestamp: self.runs[run].1,
        })
    }

    /// The first relative offset whose timestamp is at least `ts` (timestamps only grow
    /// within a segment).
    pub fn first_at_or_after(&self, ts: u64) -> Option<u32> {
        let run = self.runs.partition_point(|r| r.1 < ts);
        self.runs.get(run).map(|r| r.0)
    }
}

/// Decodes a whole index file, keeping the longest prefix that is consistent: entry i has
/// relative offset i, ends increase, and no end lies beyond `log_len`.
pub fn decode_valid_prefix(raw: &[u8], log_len: u64) -> Vec<IndexEntry> {
    let mut out: Vec<IndexEntry> = Vec::with_capacity(raw.len() / ENTRY_SIZE);
    for chunk in raw.chunks_exact(ENTRY_SIZE) {
        let Some(e) = IndexEntry::decode(chunk) else {
            break;
        };
        let prev_end = out.last().map(|p| p.end).unwrap_or(0);
        if e.relative_offset as usize != out.len()
            || e.end <= prev_end
            || u64::from(e.end) > log_len
        {
            break;
        }
        out.push(e);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_prefix_stops_at_the_first_inconsistency() {
        let mut raw = Vec::new();
        for (i, end) in [(0u32, 100u32), (1, 200), (2, 150), (3, 400)] {
            IndexEntry {
                relative_offset: i,
                end,
                timestamp: 9,
            }
            .encode(&mut raw);
        }
        raw.extend_from_slice(&[1, 2, 3]);
        let entries = decode_valid_prefix(&raw, 1_000);
        assert_eq!(entries.len(), 2);
        assert_eq!(decode_valid_prefix(&raw, 150).len(), 1);
    }

    #[test]
    fn memory_index_answers_like_the_entries() {
        let entries: Vec<IndexEntry> = (0..10u32)
            .map(|i| IndexEntry {
                relative_offset: i,
                end: (i + 1) * 100,
                // Three batches: offsets 0-3 at 5, 4-6 at 9, 7-9 at 12.
                timestamp: [5, 5, 5, 5, 9, 9, 9, 12, 12, 12][i as usize],
            })
            .collect();
        let mut index = MemoryIndex::from_entries(entries.iter().copied());
        assert_eq!(index.len(), 10);
        for e in &entries {
            assert_eq!(index.get(e.relative_offset), Some(*e));
        }
        assert_eq!(index.get(10), None);
        assert_eq!(index.runs.len(), 3);
        let firsts: Vec<_> = [0, 5, 6, 9, 10, 12, 13]
            .iter()
            .map(|ts| index.first_at_or_after(*ts))
            .collect();
        let expected = [Some(0), Some(0), Some(4), Some(4), Some(7), Some(7), None];
        assert_eq!(firsts, expected);
        index.truncate(5);
        assert_eq!((index.len(), index.runs.len()), (5, 2));
        assert_eq!(index.first_at_or_after(10), None);
        assert!(MemoryIndex::default().is_empty());
        assert_eq!(MemoryIndex::default().first_at_or_after(0), None);
    }
}
