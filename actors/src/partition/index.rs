//! Index entries: 16 bytes per message — offset relative to the segment start (u32), byte
//! position in the log file where the message ends (u32), append timestamp (u64).

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
        out.extend_from_slice(&self.relative_offset.to_le_bytes());
        out.extend_from_slice(&self.end.to_le_bytes());
        out.extend_from_slice(&self.timestamp.to_le_bytes());
    }

    pub fn decode(b: &[u8]) -> Option<IndexEntry> {
        let b = b.get(..ENTRY_SIZE)?;
        let mut ts = [0u8; 8];
        ts.copy_from_slice(&b[8..16]);
        Some(IndexEntry {
            relative_offset: u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            end: u32::from_le_bytes([b[4], b[5], b[6], b[7]]),
            timestamp: u64::from_le_bytes(ts),
        })
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
}
