//! The unsaved buffer: batches accepted but not yet written to the segment files. They
//! are readable from here (slices of the same `Bytes`, no copy) until they are flushed.

use bytes::Bytes;
use std::collections::VecDeque;

pub struct JournalBatch {
    pub first_offset: u64,
    pub timestamp: u64,
    pub frames: Bytes,
    /// End of each message, relative to the start of `frames`.
    pub ends: Vec<u32>,
}

impl JournalBatch {
    fn count(&self) -> u32 {
        self.ends.len() as u32
    }

    fn start_of(&self, i: usize) -> usize {
        if i == 0 {
            0
        } else {
            self.ends[i - 1] as usize
        }
    }
}

#[derive(Default)]
pub struct Journal {
    batches: VecDeque<JournalBatch>,
    count: u64,
    size: u64,
}

impl Journal {
    pub fn push(&mut self, batch: JournalBatch) {
        self.count += u64::from(batch.count());
        self.size += batch.frames.len() as u64;
        self.batches.push_back(batch);
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.batches.is_empty()
    }

    pub fn first_offset(&self) -> Option<u64> {
        self.batches.front().map(|b| b.first_offset)
    }

    /// Removes and returns every batch (for a flush).
    pub fn take(&mut self) -> Vec<JournalBatch> {
        self.count = 0;
        self.size = 0;
        self.batches.drain(..).collect()
    }

    /// Puts batches back at the front (a flush that failed).
    pub fn restore(&mut self, batches: Vec<JournalBatch>) {
        for b in batches.into_iter().rev() {
            self.count += u64::from(b.count());
            self.size += b.frames.len() as u64;
            self.batches.push_front(b);
        }
    }

    /// Removes the last batch if it starts at `first_offset` (an append whose write failed
    /// before reaching it).
    pub fn withdraw_last(&mut self, first_offset: u64) -> Option<JournalBatch> {
        if self.batches.back()?.first_offset != first_offset {
            return None;
        }
        let b = self.batches.pop_back()?;
        self.count -= u64::from(b.count());
        self.size -= b.frames.len() as u64;
        Some(b)
    }

    /// Slices of up to `max_count` messages from `offset`, at most `max_bytes` of them
    /// (the first message whatever its size when `at_least_one`). Returns the slices and
    /// the message count.
    pub fn read(
        &self,
        mut offset: u64,
        max_count: u32,
        max_bytes: u64,
        at_least_one: bool,
    ) -> (Vec<Bytes>, u32) {
        let mut out = Vec::new();
        let (mut taken, mut bytes) = (0u32, 0u64);
        for b in &self.batches {
            let end_offset = b.first_offset + u64::from(b.count());
            if offset >= end_offset {
                continue;
            }
            offset = offset.max(b.first_offset);
            let first = (offset - b.first_offset) as usize;
            let mut last = first;
            while last < b.ends.len() && taken < max_count {
                let len = u64::from(b.ends[last]) - b.start_of(last) as u64;
                if (taken > 0 || !at_least_one) && bytes + len > max_bytes {
                    break;
                }
                bytes += len;
                taken += 1;
                last += 1;
            }
            if last > first {
                out.push(b.frames.slice(b.start_of(first)..b.ends[last - 1] as usize));
                offset += (last - first) as u64;
            }
            if taken >= max_count || last < b.ends.len() {
                break;
            }
        }
        (out, taken)
    }

    /// The first offset appended at or after `ts`.
    pub fn offset_at_or_after(&self, ts: u64) -> Option<u64> {
        self.batches
            .iter()
            .find(|b| b.timestamp >= ts)
            .map(|b| b.first_offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(first_offset: u64, sizes: &[u32]) -> JournalBatch {
        let mut ends = Vec::new();
        let mut total = 0;
        for s in sizes {
            total += s;
            ends.push(total);
        }
        let frames = Bytes::from((0..total).map(|i| i as u8).collect::<Vec<_>>());
        JournalBatch {
            first_offset,
            timestamp: first_offset * 10,
            frames,
            ends,
        }
    }

    #[test]
    fn reads_across_batches_and_respects_limits() {
        let mut j = Journal::default();
        j.push(batch(0, &[10, 10, 10]));
        j.push(batch(3, &[5, 5]));
        assert_eq!(j.count(), 5);
        let (chunks, n) = j.read(1, 10, u64::MAX, true);
        assert_eq!(n, 4);
        assert_eq!(chunks.iter().map(|c| c.len()).sum::<usize>(), 30);
        let (_, n) = j.read(0, 2, u64::MAX, true);
        assert_eq!(n, 2);
        let (chunks, n) = j.read(0, 10, 15, true);
        assert_eq!((n, chunks[0].len()), (1, 10));
        assert_eq!(j.read(0, 10, 5, false).1, 0, "strict budget");
        assert_eq!(j.read(5, 10, u64::MAX, true).1, 0);
        assert_eq!(j.offset_at_or_after(25), Some(3));
        let taken = j.take();
        assert!(j.is_empty());
        j.restore(taken);
        assert_eq!(j.count(), 5);
        assert!(j.withdraw_last(0).is_none(), "only the last batch");
        assert_eq!(j.withdraw_last(3).map(|b| b.count()), Some(2));
        assert_eq!((j.count(), j.size()), (3, 30));
    }
}
