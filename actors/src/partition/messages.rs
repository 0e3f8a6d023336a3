//! The data-plane messages of a partition actor. One message per batch, never per message.

use crate::error::IggyError;
use actix::Message;
use bytes::{Bytes, BytesMut};
use std::fs::File;
use std::sync::Arc;

/// A validated batch of message frames (binary protocol §6.3) back to back: every frame's
/// 64-byte header and length fields were checked by the codec, so the partition can walk
/// them by their lengths. The bytes are mutable so offsets, timestamps, ids and checksums
/// are filled in place, without a copy.
#[derive(Debug)]
pub struct MessageBatch {
    pub count: u32,
    pub frames: BytesMut,
    /// End of each frame within `frames` when the codec already knows them (empty: the
    /// partition walks the frames itself). Checked before use.
    pub ends: Vec<u32>,
}

/// Who polls or stores offsets: an individual consumer (its numeric id, or the XXH32 of
/// its name) or a consumer group (its id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConsumerKey {
    Consumer(u32),
    Group(u32),
}

/// A consumer-group member acting on this partition: the partition serves (and takes
/// commits from) only the member it is assigned to. `explicit`: the member named the
/// partition, which it may still do while handing it over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim {
    pub client_id: u32,
    pub explicit: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollingStrategy {
    Offset(u64),
    /// µs since the epoch, compared with the server's append timestamp.
    Timestamp(u64),
    First,
    Last,
    Next,
}

/// SendMessages: appends a batch. Answers once the batch is visible to pollers (and on
/// disk when the partition's thresholds or `enforce_fsync` say so).
#[derive(Message, Debug)]
#[rtype(result = "Result<(), IggyError>")]
pub struct AppendMessages {
    pub batch: MessageBatch,
}

/// PollMessages on this partition.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<PolledMessages, IggyError>")]
pub struct PollMessages {
    pub consumer: ConsumerKey,
    /// Set for a consumer group: who polls (`NotResolvedConsumer` when not its partition).
    pub claim: Option<Claim>,
    pub strategy: PollingStrategy,
    pub count: u32,
    pub auto_commit: bool,
}

/// A piece of a poll answer: bytes in memory (a slice of the unsaved buffer) or a range of
/// a segment's log file, which a transport can send straight from the page cache
/// (`sendfile`) without reading it into the process.
#[derive(Debug, Clone)]
pub enum Chunk {
    Memory(Bytes),
    File(FileRange),
}

/// `len` bytes of `file` from `offset`. The log files are append-only, so the range never
/// changes; the open handle keeps it readable even if the segment is deleted meanwhile.
#[derive(Debug, Clone)]
pub struct FileRange {
    pub file: Arc<File>,
    pub offset: u64,
    pub len: usize,
}

impl Chunk {
    pub fn len(&self) -> usize {
        match self {
            Chunk::Memory(b) => b.len(),
            Chunk::File(r) => r.len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes themselves (a transport that cannot send from a file reads them).
    pub fn to_bytes(&self) -> std::io::Result<Bytes> {
        match self {
            Chunk::Memory(b) => Ok(b.clone()),
            Chunk::File(r) => r.read(),
        }
    }
}

impl FileRange {
    /// Reads the range into memory.
    pub fn read(&self) -> std::io::Result<Bytes> {
        let mut buf = BytesMut::with_capacity(self.len);
        self.read_into(&mut buf)?;
        Ok(buf.freeze())
    }

    /// Appends the range's bytes to `buf`. The room is not zeroed first: `pread` fills
    /// it, and only the bytes it filled become part of `buf`.
    pub fn read_into(&self, buf: &mut BytesMut) -> std::io::Result<()> {
        use std::os::fd::AsRawFd;
        buf.reserve(self.len);
        let mut filled = 0;
        while filled < self.len {
            let offset = libc::off_t::try_from(self.offset + filled as u64)
                .map_err(|_| std::io::Error::other("file offset out of range"))?;
            let room = &mut buf.spare_capacity_mut()[..self.len - filled];
            // SAFETY: `room` is writable memory of `room.len()` bytes owned by `buf`;
            // pread writes at most that many bytes into it and reports how many.
            let n = unsafe {
                libc::pread(
                    self.file.as_raw_fd(),
                    room.as_mut_ptr().cast(),
                    room.len(),
                    offset,
                )
            };
            match n {
                0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
                n if n < 0 => {
                    let e = std::io::Error::last_os_error();
                    if e.kind() != std::io::ErrorKind::Interrupted {
                        return Err(e);
                    }
                }
                n => {
                    // SAFETY: pread initialised the first `n` bytes of `room`, which
                    // starts at `buf.len()` (n <= room.len()).
                    unsafe { buf.set_len(buf.len() + n as usize) };
                    filled += n as usize;
                }
            }
        }
        Ok(())
    }
}

/// The answer to a poll: the frames, exactly as stored, in as few chunks as the storage
/// allows (ranges of segment files, slices of the unsaved buffer).
#[derive(Debug, Clone, Default)]
pub struct PolledMessages {
    pub partition_id: u32,
    /// Offset of the partition's last message, 0 when empty.
    pub current_offset: u64,
    pub count: u32,
    pub chunks: Vec<Chunk>,
}

/// FlushUnsavedBuffer: writes the unsaved buffer to the segment files, then fsyncs when
/// asked.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "Result<(), IggyError>")]
pub struct FlushUnsaved {
    pub fsync: bool,
}

/// What GetConsumerOffset reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsumerOffsetInfo {
    pub partition_id: u32,
    pub current_offset: u64,
    pub stored_offset: u64,
}

/// GetConsumerOffset: `None` when no offset is stored.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "Result<Option<ConsumerOffsetInfo>, IggyError>")]
pub struct GetConsumerOffset {
    pub consumer: ConsumerKey,
}

/// GetConsumerOffsets: every offset stored on this partition, of individual consumers and
/// of consumer groups, with the partition's last offset (what a lag view needs).
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "StoredOffsets")]
pub struct GetConsumerOffsets;

/// The answer to `GetConsumerOffsets`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredOffsets {
    pub partition_id: u32,
    /// Offset of the partition's last message; `None` when it holds none.
    pub last_offset: Option<u64>,
    /// Every consumer and group with a stored offset, sorted (consumers first, by id).
    pub offsets: Vec<(ConsumerKey, u64)>,
}

/// StoreConsumerOffset: the offset must not exceed the partition's last offset, and the
/// partition must hold messages (`InvalidOffset` otherwise).
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "Result<(), IggyError>")]
pub struct StoreConsumerOffset {
    pub consumer: ConsumerKey,
    /// Set for a consumer group: the member storing (`NotResolvedConsumer` when the
    /// partition is not, or no longer, its own).
    pub claim: Option<Claim>,
    pub offset: u64,
}

/// DeleteConsumerOffset: `ConsumerOffsetNotFound` when none is stored.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "Result<(), IggyError>")]
pub struct DeleteConsumerOffset {
    pub consumer: ConsumerKey,
    /// As for `StoreConsumerOffset`.
    pub claim: Option<Claim>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file_with(bytes: &[u8]) -> Arc<File> {
        let mut file = tempfile::tempfile().expect("temp file");
        file.write_all(bytes).expect("write");
        Arc::new(file)
    }

    #[test]
    fn a_range_reads_exactly_its_bytes() {
        let content: Vec<u8> = (0..=255u8).cycle().take(300_000).collect();
        let file = file_with(&content);
        let range = FileRange {
            file,
            offset: 12_345,
            len: 200_000,
        };
        let read = range.read().expect("read");
        assert_eq!(&read[..], &content[12_345..212_345]);
    }

    #[test]
    fn a_range_is_appended_after_what_the_buffer_holds() {
        let range = FileRange {
            file: file_with(b"0123456789"),
            offset: 3,
            len: 4,
        };
        let mut buf = BytesMut::from(&b"head:"[..]);
        range.read_into(&mut buf).expect("read");
        assert_eq!(&buf[..], b"head:3456");
    }

    #[test]
    fn an_empty_range_reads_nothing() {
        let range = FileRange {
            file: file_with(b"abc"),
            offset: 1,
            len: 0,
        };
        assert!(range.read().expect("read").is_empty());
    }

    #[test]
    fn a_range_past_the_end_of_the_file_is_an_error() {
        let range = FileRange {
            file: file_with(b"abcdef"),
            offset: 4,
            len: 5,
        };
        let error = range.read().expect_err("only 2 bytes are there");
        assert_eq!(error.kind(), std::io::ErrorKind::UnexpectedEof);
    }
}
