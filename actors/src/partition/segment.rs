//! One segment: a log file of message frames and its index file. Appends go to the end;
//! reads are positioned (`pread`), so a segment can be read while it is written.
//! Opening a segment repairs it: a torn or corrupt tail is cut at the last good message.

use super::frame;
use super::index::{self, IndexEntry, MemoryIndex, ENTRY_SIZE};
use super::journal::JournalBatch;
use super::messages::FileRange;
use super::segments;
use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, IoSlice, Read, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub struct Segment {
    pub start_offset: u64,
    pub log_path: PathBuf,
    pub index_path: PathBuf,
    /// Shared with poll answers that send ranges of it (`FileRange`).
    log: Arc<File>,
    index: File,
    /// The index in memory; `None` = read entries from the index file when needed.
    cached: Option<MemoryIndex>,
    /// Messages in the log file.
    pub count: u32,
    /// Bytes in the log file.
    pub size: u64,
    /// Blocks reserved up to here (`u64::MAX`: the file system cannot reserve).
    reserved: u64,
    pub first_timestamp: u64,
    pub last_timestamp: u64,
}

/// What opening a segment had to repair.
#[derive(Debug, Default)]
pub struct Repair {
    pub removed_bytes: u64,
    pub reason: Option<String>,
}

fn open_rw(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
}

impl Segment {
    /// Swaps the index file (tests make writes fail with `/dev/full`).
    #[cfg(test)]
    pub(super) fn replace_index_file(&mut self, file: File) -> File {
        std::mem::replace(&mut self.index, file)
    }

    /// Opens (creating if needed) the segment starting at `start_offset` in `dir`.
    /// `full_check` reads every message and verifies its checksum (validate_checksum);
    /// otherwise only the part of the log not covered by the index is scanned.
    /// `keep_index` keeps the index in memory afterwards.
    pub fn open(
        dir: &Path,
        start_offset: u64,
        full_check: bool,
        keep_index: bool,
    ) -> io::Result<(Segment, Repair)> {
        let segments::SegmentFiles {
            log: log_path,
            index: index_path,
            ..
        } = segments::files(dir, start_offset);
        let log = open_rw(&log_path)?;
        let index = open_rw(&index_path)?;
        let log_len = log.metadata()?.len();
        let mut segment = Segment {
            start_offset,
            log_path,
            index_path,
            log: Arc::new(log),
            index,
            cached: None,
            count: 0,
            size: log_len,
            reserved: 0,
            first_timestamp: 0,
            last_timestamp: 0,
        };
        if !full_check && !keep_index && segment.quick_open(log_len)? {
            return Ok((segment, Repair::default()));
        }
        let repair = segment.recover(log_len, full_check)?;
        if keep_index {
            segment.cached = Some(segment.load_index()?);
        }
        Ok((segment, repair))
    }

    /// Trusts a consistent index without reading it all: its last entry must end exactly
    /// at the end of the log. Returns false when a full recovery is needed.
    fn quick_open(&mut self, log_len: u64) -> io::Result<bool> {
        let index_len = self.index.metadata()?.len();
        if index_len % ENTRY_SIZE as u64 != 0 {
            return Ok(false);
        }
        let n = (index_len / ENTRY_SIZE as u64) as u32;
        if n == 0 {
            return Ok(log_len == 0);
        }
        let (Some(first), Some(last)) = (self.read_entry(0)?, self.read_entry(n - 1)?) else {
            return Ok(false);
        };
        if last.relative_offset != n - 1 || u64::from(last.end) != log_len {
            return Ok(false);
        }
        self.count = n;
        self.first_timestamp = first.timestamp;
        self.last_timestamp = last.timestamp;
        Ok(true)
    }

    /// Rebuilds the figures from the index and the log, cutting a damaged tail.
    fn recover(&mut self, log_len: u64, full_check: bool) -> io::Result<Repair> {
        let mut raw = Vec::new();
        self.index.seek(SeekFrom::Start(0))?;
        self.index.read_to_end(&mut raw)?;
        let mut entries = if full_check {
            Vec::new()
        } else {
            index::decode_valid_prefix(&raw, log_len)
        };
        let from = entries.last().map(|e| u64::from(e.end)).unwrap_or(0);
        let (tail, good_end, problem) = self.scan(from, log_len, entries.len() as u32)?;
        entries.extend(tail);
        let mut repair = Repair::default();
        if good_end < log_len {
            self.log.set_len(good_end)?;
            repair.removed_bytes = log_len - good_end;
            repair.reason = problem;
        }
        let mut rebuilt = Vec::with_capacity(entries.len() * ENTRY_SIZE);
        for e in &entries {
            e.encode(&mut rebuilt);
        }
        if rebuilt != raw {
            self.index.set_len(0)?;
            self.index.write_all(&rebuilt)?;
        }
        self.size = good_end;
        self.count = entries.len() as u32;
        self.first_timestamp = entries.first().map(|e| e.timestamp).unwrap_or(0);
        self.last_timestamp = entries.last().map(|e| e.timestamp).unwrap_or(0);
        Ok(repair)
    }

    /// Walks the log from `from` and returns the index entries of the complete, valid
    /// messages found, where the valid part ends, and why it ended early (if it did).
    fn scan(
        &self,
        from: u64,
        log_len: u64,
        first_rel: u32,
    ) -> io::Result<(Vec<IndexEntry>, u64, Option<String>)> {
        let mut file = self.log.try_clone()?;
        file.seek(SeekFrom::Start(from))?;
        let mut reader = BufReader::with_capacity(1 << 20, file);
        let mut entries = Vec::new();
        let mut pos = from;
        let mut buf = Vec::new();
        while pos < log_len {
            let rel = first_rel + entries.len() as u32;
            let problem = match read_frame(&mut reader, &mut buf, log_len - pos) {
                Err(p) => Some(p),
                Ok(()) if frame::offset(&buf) != Some(self.start_offset + u64::from(rel)) => {
                    Some(format!("message at byte {pos} has the wrong offset"))
                }
                Ok(()) if !frame::checksum_ok(&buf) => {
                    Some(format!("message at byte {pos} fails its checksum"))
                }
                Ok(()) => None,
            };
            if let Some(problem) = problem {
                return Ok((entries, pos, Some(problem)));
            }
            pos += buf.len() as u64;
            let end = u32::try_from(pos).unwrap_or(u32::MAX);
            entries.push(IndexEntry {
                relative_offset: rel,
                end,
                timestamp: frame::timestamp(&buf).unwrap_or(0),
            });
        }
        Ok((entries, pos, None))
    }

    fn load_index(&self) -> io::Result<MemoryIndex> {
        let mut raw = vec![0u8; self.count as usize * ENTRY_SIZE];
        self.index.read_exact_at(&mut raw, 0)?;
        Ok(MemoryIndex::from_entries(
            raw.chunks_exact(ENTRY_SIZE).filter_map(IndexEntry::decode),
        ))
    }

    fn read_entry(&self, i: u32) -> io::Result<Option<IndexEntry>> {
        if let Some(cached) = &self.cached {
            return Ok(cached.get(i));
        }
        let mut raw = [0u8; ENTRY_SIZE];
        match self
            .index
            .read_exact_at(&mut raw, u64::from(i) * ENTRY_SIZE as u64)
        {
            Ok(()) => Ok(IndexEntry::decode(&raw)),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The offset after the last message of this segment.
    pub fn next_offset(&self) -> u64 {
        self.start_offset + u64::from(self.count)
    }

    /// Appends batches (at most [`MAX_APPEND_BATCHES`]) with one vectored write to the log
    /// and one write to the index: their index entries follow the segment's last. A write
    /// that fails leaves both files as they were before the call (a partly written group is
    /// cut off), so a later append still lands where the index says.
    pub fn append(&mut self, batches: &[JournalBatch]) -> io::Result<()> {
        let messages: usize = batches.iter().map(|b| b.ends.len()).sum();
        if messages == 0 {
            return Ok(());
        }
        let base = self.size;
        let incoming: u64 = batches.iter().map(|b| b.frames.len() as u64).sum();
        if base + incoming > u64::from(u32::MAX) {
            // Index entries hold 32-bit positions (a segment only grows this far when no
            // new segment could be made).
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} would pass 4 GiB", self.log_path.display()),
            ));
        }
        let mut raw = vec![0u8; messages * ENTRY_SIZE];
        let mut slots = raw.chunks_exact_mut(ENTRY_SIZE);
        let mut start = base;
        let mut relative = self.count;
        for b in batches {
            for (end, slot) in b.ends.iter().zip(slots.by_ref()) {
                let entry = IndexEntry {
                    relative_offset: relative,
                    end: (start + u64::from(*end)) as u32,
                    timestamp: b.timestamp,
                };
                slot.copy_from_slice(&entry.to_bytes());
                if let Some(cached) = &mut self.cached {
                    cached.push(entry.end, entry.timestamp);
                }
                relative += 1;
            }
            start += b.frames.len() as u64;
        }
        self.reserve(start - base);
        let mut slices: Vec<IoSlice<'_>> =
            batches.iter().map(|b| IoSlice::new(&b.frames)).collect();
        let written =
            write_all_vectored(&self.log, &mut slices).and_then(|()| (&self.index).write_all(&raw));
        if let Err(e) = written {
            self.cut_back();
            return Err(e);
        }
        if let (Some(first), Some(last)) = (batches.first(), batches.last()) {
            if self.count == 0 {
                self.first_timestamp = first.timestamp;
            }
            self.last_timestamp = last.timestamp;
        }
        self.size = start;
        self.count = relative;
        Ok(())
    }

    /// Cuts both files (and the cached index) back to the last complete append, after a
    /// failed write.
    fn cut_back(&mut self) {
        let index_len = u64::from(self.count) * ENTRY_SIZE as u64;
        let cut = self
            .log
            .set_len(self.size)
            .and_then(|()| self.index.set_len(index_len));
        if let Err(e) = cut {
            log::error!(
                "cannot cut {} back to {} bytes after a failed write: {e}",
                self.log_path.display(),
                self.size
            );
        }
        // Truncating also gave back the blocks reserved past the end.
        self.reserved = self.size;
        if let Some(cached) = &mut self.cached {
            cached.truncate(self.count);
        }
    }

    /// Reserves disk blocks ahead of the writes (`fallocate` with KEEP_SIZE, so the file's
    /// length still ends at the last message): the file system then maps each written
    /// page to an allocated block instead of reserving one per page. Best effort.
    fn reserve(&mut self, incoming: u64) {
        const AHEAD: u64 = 16 * 1024 * 1024;
        let needed = self.size + incoming;
        if needed <= self.reserved {
            return;
        }
        let from = self.reserved.max(self.size);
        let len = (needed - from).max(AHEAD);
        let (Ok(offset), Ok(length)) = (libc::off_t::try_from(from), libc::off_t::try_from(len))
        else {
            return;
        };
        // SAFETY: fallocate on a file descriptor this segment owns; no memory is passed.
        let r = unsafe {
            libc::fallocate(
                self.log.as_raw_fd(),
                libc::FALLOC_FL_KEEP_SIZE,
                offset,
                length,
            )
        };
        self.reserved = if r == 0 { from + len } else { u64::MAX };
    }

    /// Gives back blocks reserved past the last message (when the segment is sealed).
    pub fn release_reserved(&mut self) {
        if self.reserved > self.size && self.reserved != u64::MAX {
            // Truncating to the current length frees the KEEP_SIZE blocks beyond it.
            if self.log.set_len(self.size).is_ok() {
                self.reserved = self.size;
            }
        }
    }

    /// Handles to fsync the files off the event loop.
    pub fn sync_handles(&self) -> io::Result<(File, File)> {
        Ok((self.log.try_clone()?, self.index.try_clone()?))
    }

    /// Handles to read the whole segment (an archive copy): they stay readable when the
    /// segment is deleted meanwhile.
    pub fn read_handles(&self) -> io::Result<(Arc<File>, Arc<File>)> {
        Ok((self.log.clone(), Arc::new(self.index.try_clone()?)))
    }

    /// The names of this segment's files, with its size.
    pub fn files(&self) -> segments::SegmentFiles {
        segments::SegmentFiles {
            start_offset: self.start_offset,
            log: self.log_path.clone(),
            index: self.index_path.clone(),
            size_bytes: self.size,
        }
    }

    pub fn set_index_cached(&mut self, keep: bool) -> io::Result<()> {
        match (keep, self.cached.is_some()) {
            (true, false) => self.cached = Some(self.load_index()?),
            (false, true) => self.cached = None,
            _ => {}
        }
        Ok(())
    }

    /// Finds up to `max_count` messages from `offset` (which must be in this segment), at
    /// most about `max_bytes` (always at least one message). Returns the byte range of the
    /// log file holding them and how many messages it holds; nothing is read.
    pub fn read(
        &self,
        offset: u64,
        max_count: u32,
        max_bytes: u64,
        at_least_one: bool,
    ) -> io::Result<Option<(FileRange, u32)>> {
        if offset < self.start_offset || offset >= self.next_offset() || max_count == 0 {
            return Ok(None);
        }
        let rel = (offset - self.start_offset) as u32;
        let start = if rel == 0 {
            0
        } else {
            self.entry(rel - 1)?.end
        };
        // Bytes of the first `n` messages from `rel`; an index whose ends go backwards is
        // damaged and answered as an error, never as a huge range.
        let span = |n: u32| -> io::Result<u32> {
            self.entry(rel + n - 1)?
                .end
                .checked_sub(start)
                .ok_or_else(|| {
                    io::Error::new(io::ErrorKind::InvalidData, "index entries go backwards")
                })
        };
        // The most messages whose bytes fit `max_bytes` (the first one whatever its size
        // when `at_least_one`).
        let (mut fit, mut over) = (1u32, max_count.min(self.count - rel) + 1);
        if !at_least_one && u64::from(span(1)?) > max_bytes {
            return Ok(None);
        }
        if u64::from(span(over - 1)?) <= max_bytes {
            fit = over - 1;
        } else {
            while over - fit > 1 {
                let mid = fit + (over - fit) / 2;
                if u64::from(span(mid)?) <= max_bytes {
                    fit = mid;
                } else {
                    over = mid;
                }
            }
        }
        let range = FileRange {
            file: self.log.clone(),
            offset: u64::from(start),
            len: span(fit)? as usize,
        };
        Ok(Some((range, fit)))
    }

    fn entry(&self, i: u32) -> io::Result<IndexEntry> {
        self.read_entry(i)?.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("index entry {i} is missing"),
            )
        })
    }

    /// The first offset whose timestamp is at least `ts`, if this segment has one.
    pub fn offset_at_or_after(&self, ts: u64) -> io::Result<Option<u64>> {
        if self.count == 0 || self.last_timestamp < ts {
            return Ok(None);
        }
        if let Some(cached) = &self.cached {
            return Ok(cached
                .first_at_or_after(ts)
                .map(|rel| self.start_offset + u64::from(rel)));
        }
        let (mut lo, mut hi) = (0u32, self.count - 1);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.entry(mid)?.timestamp >= ts {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        Ok(Some(self.start_offset + u64::from(lo)))
    }
}

/// Most batches one append writes: each is one slice of a vectored write, and a system
/// call takes at most 1024 slices.
pub const MAX_APPEND_BATCHES: usize = 512;

/// Writes every slice, however many system calls it takes.
fn write_all_vectored(file: &File, mut slices: &mut [IoSlice<'_>]) -> io::Result<()> {
    while !slices.is_empty() {
        match (&*file).write_vectored(slices) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => IoSlice::advance_slices(&mut slices, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Reads one whole frame into `buf`; `available` bytes remain in the file.
fn read_frame(reader: &mut impl Read, buf: &mut Vec<u8>, available: u64) -> Result<(), String> {
    if available < frame::HEADER_SIZE as u64 {
        return Err(format!("torn message header ({available} bytes)"));
    }
    buf.resize(frame::HEADER_SIZE, 0);
    reader
        .read_exact(buf)
        .map_err(|e| format!("cannot read a header: {e}"))?;
    let len = frame::frame_len(buf).ok_or("unreadable header")?;
    if len as u64 > available {
        return Err(format!("torn message ({available} of {len} bytes)"));
    }
    buf.resize(len, 0);
    reader
        .read_exact(&mut buf[frame::HEADER_SIZE..])
        .map_err(|e| format!("cannot read a message: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn batch(sizes: &[u32], fill: u8, timestamp: u64) -> JournalBatch {
        let mut ends = Vec::new();
        let mut total = 0;
        for s in sizes {
            total += s;
            ends.push(total);
        }
        JournalBatch {
            first_offset: 0,
            timestamp,
            frames: Bytes::from(vec![fill; total as usize]),
            ends,
        }
    }

    fn file_len(path: &Path) -> u64 {
        std::fs::metadata(path).unwrap().len()
    }

    #[test]
    fn one_append_writes_several_batches_and_their_index() {
        let dir = tempfile::tempdir().unwrap();
        let (mut segment, _) = Segment::open(dir.path(), 0, false, true).unwrap();
        let group = [
            batch(&[10, 20], 1, 5),
            batch(&[30], 2, 7),
            batch(&[5, 5], 3, 9),
        ];
        segment.append(&group).unwrap();
        assert_eq!((segment.count, segment.size), (5, 70));
        assert_eq!((segment.first_timestamp, segment.last_timestamp), (5, 9));
        let ends: Vec<_> = (0..5).map(|i| segment.entry(i).unwrap().end).collect();
        assert_eq!(ends, [10, 30, 60, 65, 70]);
        assert_eq!(segment.entry(2).unwrap().timestamp, 7);
        assert_eq!(segment.offset_at_or_after(8).unwrap(), Some(3));
        let (range, n) = segment.read(2, 2, u64::MAX, true).unwrap().unwrap();
        assert_eq!((range.offset, range.len, n), (30, 35, 2));
        assert_eq!(
            range.read().unwrap()[..31],
            [[2u8; 30].as_slice(), &[3]].concat()
        );
        // The file index says the same after a reopen without the cache.
        drop(segment);
        let (reopened, _) = Segment::open(dir.path(), 0, false, false).unwrap();
        assert_eq!((reopened.count, reopened.size), (5, 70));
        assert_eq!(reopened.entry(3).unwrap().end, 65);
        assert_eq!(reopened.entry(4).unwrap().timestamp, 9);
    }

    #[test]
    fn a_failed_append_leaves_both_files_as_they_were() {
        let dir = tempfile::tempdir().unwrap();
        let (mut segment, _) = Segment::open(dir.path(), 0, false, true).unwrap();
        segment.append(&[batch(&[100, 50], 1, 10)]).unwrap();
        // The log write succeeds, the index write fails (no space): the batch is cut off.
        let index = std::mem::replace(
            &mut segment.index,
            OpenOptions::new().write(true).open("/dev/full").unwrap(),
        );
        assert!(segment.append(&[batch(&[70], 2, 20)]).is_err());
        assert_eq!((segment.count, segment.size), (2, 150));
        assert_eq!(
            file_len(&segment.log_path),
            150,
            "the partial batch is cut off"
        );
        assert_eq!(segment.cached.as_ref().map(MemoryIndex::len), Some(2));
        assert_eq!(segment.last_timestamp, 10);
        // The next append lands where the index says it does.
        segment.index = index;
        segment.append(&[batch(&[70], 2, 30)]).unwrap();
        let (range, n) = segment.read(2, 10, u64::MAX, true).unwrap().unwrap();
        assert_eq!((range.offset, range.len, n), (150, 70, 1));
        assert_eq!(range.read().unwrap(), vec![2u8; 70]);
        assert_eq!(file_len(&segment.index_path), 3 * ENTRY_SIZE as u64);
        // Reopened, the index is consistent with the log as it is (no repair needed).
        drop(segment);
        let (mut reopened, _) = Segment::open(dir.path(), 0, false, false).unwrap();
        assert!(reopened.quick_open(220).unwrap());
        assert_eq!((reopened.count, reopened.size), (3, 220));
    }
}
