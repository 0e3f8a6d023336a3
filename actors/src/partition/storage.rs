//! The partition's storage operations: append to the unsaved buffer, persist it to the
//! active segment (rotating when full), read a range of offsets across segments and the
//! buffer, and publish the figures.

use super::journal::JournalBatch;
use super::messages::{Chunk, MessageBatch, PollingStrategy};
use super::segment::{Segment, MAX_APPEND_BATCHES};
use super::stats::StatsSnapshot;
use super::{encryption, frame};
use super::{IndexCaching, PartitionActor};
use crate::error::IggyError;
use crate::metadata::state_log::now_micros;
use bytes::BytesMut;
use log::{error, info, warn};
use std::fs::File;
use std::time::Instant;

/// The most bytes one poll returns (at least one message is always returned).
pub const MAX_POLL_BYTES: u64 = 64 * 1024 * 1024;

/// Most bytes of small batches written with one system call when the unsaved buffer is
/// written out (a larger batch goes alone).
const GROUP_BYTES: u64 = 256 * 1024;

/// Files to fsync after a write, taken so the fsync can run off the event loop.
pub type SyncHandles = Vec<(File, File)>;

/// The end of each frame: the codec's, when they are consistent with the buffer (strictly
/// increasing by at least a header, ending at its end), otherwise found by walking the
/// frames' length fields.
fn batch_ends(frames: &[u8], count: u32, given: Vec<u32>) -> Result<Vec<u32>, IggyError> {
    let mut previous = 0u64;
    let consistent = given.len() == count as usize
        && given.last().map(|e| *e as usize) == Some(frames.len())
        && given.iter().all(|e| {
            let ok = u64::from(*e) >= previous + frame::HEADER_SIZE as u64;
            previous = u64::from(*e);
            ok
        });
    if consistent {
        Ok(given)
    } else {
        frame_ends(frames, count)
    }
}

/// Splits validated frames into their end positions (relative to the batch start).
fn frame_ends(frames: &[u8], count: u32) -> Result<Vec<u32>, IggyError> {
    let mut ends = Vec::with_capacity(count as usize);
    let mut pos = 0usize;
    while pos < frames.len() {
        let len = frames
            .get(pos..)
            .and_then(frame::frame_len)
            .ok_or(IggyError::InvalidMessagesSize)?;
        pos = pos
            .checked_add(len)
            .filter(|p| *p <= frames.len())
            .ok_or(IggyError::InvalidMessagesSize)?;
        ends.push(pos as u32);
    }
    if ends.len() != count as usize {
        return Err(IggyError::InvalidMessagesCount);
    }
    Ok(ends)
}

impl PartitionActor {
    pub(super) fn last_offset(&self) -> Option<u64> {
        self.next_offset.checked_sub(1)
    }

    pub(super) fn publish_stats(&self) {
        let messages: u64 = self
            .segments
            .iter()
            .map(|s| u64::from(s.count))
            .sum::<u64>()
            + self.journal.count();
        self.stats.set(StatsSnapshot {
            segments_count: self.segments.len() as u32,
            current_offset: self.last_offset().unwrap_or(0),
            size_bytes: self.segments.iter().map(|s| s.size).sum::<u64>() + self.journal.size(),
            messages_count: messages,
        });
    }

    /// Drops duplicates (when deduplication is on), stamps offsets, timestamp, ids and
    /// checksums in place, and adds the batch to the unsaved buffer. Answers how many
    /// messages were accepted.
    pub(super) fn accept(&mut self, batch: MessageBatch) -> Result<u32, IggyError> {
        let mut frames = batch.frames;
        let mut ends = batch_ends(&frames, batch.count, batch.ends)?;
        if self.dedup.is_some() {
            (frames, ends) = self.drop_duplicates(frames, ends);
            if ends.is_empty() {
                return Ok(0);
            }
        }
        if let Some(enc) = &self.config.encryptor {
            let (sealed, sealed_ends) = encryption::seal_frames(enc, &frames, &ends);
            (frames, ends) = (sealed, sealed_ends);
        }
        let timestamp = now_micros().max(self.last_timestamp);
        for (i, span) in frame::spans(&ends).enumerate() {
            let offset = self.next_offset + i as u64;
            frame::stamp(&mut frames[span], offset, timestamp, &mut self.rng);
        }
        let count = ends.len() as u32;
        let journal_batch = JournalBatch {
            first_offset: self.next_offset,
            timestamp,
            frames: frames.freeze(),
            ends,
        };
        self.journal.push(journal_batch);
        self.next_offset += u64::from(count);
        self.last_timestamp = timestamp;
        Ok(count)
    }

    /// Accepts a batch and writes the unsaved buffer out when it reached a threshold.
    /// Answers the files to fsync when `with_sync`. When that write fails before reaching
    /// this batch, the batch is taken back (its offsets are reused, its ids forgotten): the
    /// producer is told it was not stored, so a retry cannot store it twice.
    pub(super) fn append(
        &mut self,
        batch: MessageBatch,
        with_sync: bool,
    ) -> Result<SyncHandles, IggyError> {
        let first = self.next_offset;
        if self.accept(batch)? == 0 || !self.should_persist() {
            return Ok(Vec::new());
        }
        self.persist(with_sync)
            .inspect_err(|_| self.withdraw(first))
    }

    fn withdraw(&mut self, first_offset: u64) {
        let Some(batch) = self.journal.withdraw_last(first_offset) else {
            return;
        };
        self.next_offset = first_offset;
        if let Some(dedup) = self.dedup.as_mut() {
            for span in frame::spans(&batch.ends) {
                if let Some(id) = frame::id(&batch.frames[span]).filter(|id| *id != 0) {
                    dedup.forget(id);
                }
            }
        }
        warn!(
            "{}: {} message(s) at offset {first_offset} not stored: the write failed",
            self.key,
            batch.ends.len()
        );
    }

    /// Removes messages whose non-zero id was seen recently (rare: copies only then).
    fn drop_duplicates(&mut self, frames: BytesMut, ends: Vec<u32>) -> (BytesMut, Vec<u32>) {
        let Some(dedup) = self.dedup.as_mut() else {
            return (frames, ends);
        };
        let now = Instant::now();
        dedup.begin_batch(now);
        let keep: Vec<bool> = frame::spans(&ends)
            .map(|span| {
                let id = frame::id(&frames[span]).unwrap_or(0);
                id == 0 || !dedup.is_duplicate(id, now)
            })
            .collect();
        if keep.iter().all(|k| *k) {
            return (frames, ends);
        }
        let dropped = keep.iter().filter(|k| !**k).count();
        warn!("{}: dropped {dropped} duplicate message(s)", self.key);
        let mut out = BytesMut::with_capacity(frames.len());
        let mut out_ends = Vec::with_capacity(ends.len() - dropped);
        for (span, keep) in frame::spans(&ends).zip(keep) {
            if keep {
                out.extend_from_slice(&frames[span]);
                out_ends.push(out.len() as u32);
            }
        }
        (out, out_ends)
    }

    /// True when the unsaved buffer reached a save threshold.
    pub(super) fn should_persist(&self) -> bool {
        self.journal.count() >= self.config.messages_required_to_save
            || self.journal.size() >= self.config.size_required_to_save
    }

    /// Writes the unsaved buffer to the active segment, rotating when it is full. Answers
    /// the handles of the written files when `with_sync` (for an fsync off the loop).
    pub(super) fn persist(&mut self, with_sync: bool) -> Result<SyncHandles, IggyError> {
        let mut handles = Vec::new();
        let mut pending = self.journal.take();
        let mut rotation_failed = false;
        while !pending.is_empty() {
            // Small batches go out together, one write for up to GROUP_BYTES of them (a
            // batch that size or larger goes alone), never past the point where the active
            // segment is full.
            let room = if rotation_failed {
                u64::MAX
            } else {
                self.config.segment_size.saturating_sub(self.active().size)
            };
            let (mut n, mut bytes) = (0usize, 0u64);
            for b in pending.iter().take(MAX_APPEND_BATCHES) {
                let len = b.frames.len() as u64;
                if n > 0 && bytes + len > GROUP_BYTES {
                    break;
                }
                n += 1;
                bytes += len;
                if bytes >= room {
                    break;
                }
            }
            let rest = pending.split_off(n);
            let group = std::mem::replace(&mut pending, rest);
            debug_assert_eq!(group[0].first_offset, self.active().next_offset());
            if let Err(e) = self.active_mut().append(&group) {
                self.journal
                    .restore(group.into_iter().chain(pending).collect());
                return Err(self.io("append to the segment", e));
            }
            if self.active().size >= self.config.segment_size && !rotation_failed {
                if with_sync {
                    match self.active().sync_handles() {
                        Ok(h) => handles.push(h),
                        Err(e) => {
                            self.journal.restore(pending);
                            return Err(self.io("open for fsync", e));
                        }
                    }
                }
                // What was written is stored: when no new segment can be made, the rest
                // goes on in the full one, and a later write tries again.
                rotation_failed = self.rotate().is_err();
            }
        }
        if with_sync {
            handles.push(
                self.active()
                    .sync_handles()
                    .map_err(|e| self.io("open for fsync", e))?,
            );
        }
        Ok(handles)
    }

    /// Seals the active segment and starts a new one; when the new one cannot be made,
    /// the active segment stays as it was.
    fn rotate(&mut self) -> Result<(), IggyError> {
        let keep = self.config.cache_indexes == IndexCaching::All;
        let next = self.active().next_offset();
        let (fresh, _) = Segment::open(&self.dir, next, false, true)
            .map_err(|e| self.io("create a segment", e))?;
        self.active_mut()
            .set_index_cached(keep)
            .map_err(|e| self.io("seal the segment", e))?;
        self.active_mut().release_reserved();
        self.segments.push(fresh);
        info!(
            "{}: segment sealed, new segment starts at offset {next}",
            self.key
        );
        Ok(())
    }

    pub(super) fn active(&self) -> &Segment {
        // The constructor and purge always leave at least one segment.
        &self.segments[self.segments.len() - 1]
    }

    fn active_mut(&mut self) -> &mut Segment {
        let last = self.segments.len() - 1;
        &mut self.segments[last]
    }

    pub(super) fn io(&self, what: &str, e: std::io::Error) -> IggyError {
        error!("{}: cannot {what} in {}: {e}", self.key, self.dir.display());
        IggyError::IoError
    }

    /// The first offset still stored, if any message is.
    fn first_offset(&self) -> Option<u64> {
        self.segments
            .iter()
            .find(|s| s.count > 0)
            .map(|s| s.start_offset)
            .or_else(|| self.journal.first_offset())
    }

    /// Where a poll starts; `None` when it returns nothing.
    pub(super) fn start_offset(
        &self,
        strategy: PollingStrategy,
        count: u32,
        stored: Option<u64>,
    ) -> Result<Option<u64>, IggyError> {
        let Some(last) = self.last_offset() else {
            return Ok(None);
        };
        let start = match strategy {
            PollingStrategy::Offset(v) => Some(v),
            PollingStrategy::First => self.first_offset(),
            PollingStrategy::Last => Some((last + 1).saturating_sub(u64::from(count))),
            PollingStrategy::Next => stored.map(|s| s + 1).or_else(|| self.first_offset()),
            PollingStrategy::Timestamp(ts) => self.offset_at_or_after(ts)?,
        };
        Ok(start.filter(|s| *s <= last))
    }

    fn offset_at_or_after(&self, ts: u64) -> Result<Option<u64>, IggyError> {
        for s in &self.segments {
            if let Some(o) = s
                .offset_at_or_after(ts)
                .map_err(|e| self.io("read the index", e))?
            {
                return Ok(Some(o));
            }
        }
        Ok(self.journal.offset_at_or_after(ts))
    }

    /// Reads up to `count` messages from `start`: segments first, then the unsaved
    /// buffer. Answers the chunks, the number of messages and the last offset read. With
    /// encryption the chunks are the plaintext (a message that does not decrypt is left
    /// out and not counted); without, they are the stored bytes, not read yet.
    pub(super) fn read(&self, start: u64, count: u32) -> Result<(Vec<Chunk>, u32, u64), IggyError> {
        let (chunks, n, last) = self.read_within(start, count, MAX_POLL_BYTES)?;
        match &self.config.encryptor {
            None => Ok((chunks, n, last)),
            Some(enc) => {
                let (opened, n) = self.open_chunks(enc, chunks)?;
                Ok((opened, n, last))
            }
        }
    }

    /// `read` with a byte budget of about `max_bytes` (at least one message). The messages
    /// returned are consecutive: a source cut short by the budget ends the read.
    pub(super) fn read_within(
        &self,
        start: u64,
        count: u32,
        max_bytes: u64,
    ) -> Result<(Vec<Chunk>, u32, u64), IggyError> {
        let (mut chunks, mut taken, mut bytes) = (Vec::new(), 0u32, 0u64);
        let mut offset = start;
        for s in &self.segments {
            if taken >= count || bytes >= max_bytes {
                break;
            }
            if s.count == 0 || offset >= s.next_offset() {
                continue;
            }
            offset = offset.max(s.start_offset);
            let read = s
                .read(offset, count - taken, max_bytes - bytes, taken == 0)
                .map_err(|e| self.io("read", e))?;
            if let Some((range, n)) = read {
                bytes += range.len as u64;
                chunks.push(Chunk::File(range));
                taken += n;
                offset += u64::from(n);
            }
            if offset < s.next_offset() {
                // Cut short: what follows must not be read past the rest of this segment.
                return Ok((chunks, taken, offset.saturating_sub(1)));
            }
        }
        if taken < count && bytes < max_bytes {
            if let Some(first) = self.journal.first_offset() {
                offset = offset.max(first);
            }
            let (more, n) = self
                .journal
                .read(offset, count - taken, max_bytes - bytes, taken == 0);
            chunks.extend(more.into_iter().map(Chunk::Memory));
            taken += n;
            offset += u64::from(n);
        }
        Ok((chunks, taken, offset.saturating_sub(1)))
    }
}

/// fsyncs files on a blocking thread.
pub async fn sync_files(handles: SyncHandles) -> Result<(), IggyError> {
    if handles.is_empty() {
        return Ok(());
    }
    tokio::task::spawn_blocking(move || {
        for (log, index) in handles {
            log.sync_data()?;
            index.sync_data()?;
        }
        Ok::<(), std::io::Error>(())
    })
    .await
    .map_err(|_| IggyError::IoError)?
    .map_err(|e| {
        error!("fsync failed: {e}");
        IggyError::IoError
    })
}
