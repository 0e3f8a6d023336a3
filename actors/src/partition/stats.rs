//! Figures of one partition, written by its actor and read by the metadata actor for
//! GetStream/GetTopic/GetStats without a round trip.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct PartitionStats {
    segments_count: AtomicU32,
    /// Offset of the last message; meaningful only when `messages_count > 0`.
    current_offset: AtomicU64,
    size_bytes: AtomicU64,
    messages_count: AtomicU64,
}

/// A consistent-enough copy of the figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    pub segments_count: u32,
    pub current_offset: u64,
    pub size_bytes: u64,
    pub messages_count: u64,
}

impl PartitionStats {
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            segments_count: self.segments_count.load(Ordering::Relaxed),
            current_offset: self.current_offset.load(Ordering::Relaxed),
            size_bytes: self.size_bytes.load(Ordering::Relaxed),
            messages_count: self.messages_count.load(Ordering::Relaxed),
        }
    }

    pub fn set(&self, s: StatsSnapshot) {
        self.segments_count
            .store(s.segments_count, Ordering::Relaxed);
        self.current_offset
            .store(s.current_offset, Ordering::Relaxed);
        self.size_bytes.store(s.size_bytes, Ordering::Relaxed);
        self.messages_count
            .store(s.messages_count, Ordering::Relaxed);
    }
}
