//! The data-plane messages of a partition actor. One message per batch, never per message.

use crate::error::IggyError;
use actix::Message;
use bytes::{Bytes, BytesMut};

/// A validated batch of message frames (binary protocol §6.3) back to back: every frame's
/// 64-byte header and length fields were checked by the codec, so the partition can walk
/// them by their lengths. The bytes are mutable so offsets, timestamps, ids and checksums
/// are filled in place, without a copy.
#[derive(Debug)]
pub struct MessageBatch {
    pub count: u32,
    pub frames: BytesMut,
}

/// Who polls or stores offsets: an individual consumer (its numeric id, or the XXH32 of
/// its name) or a consumer group (its id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConsumerKey {
    Consumer(u32),
    Group(u32),
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
    pub strategy: PollingStrategy,
    pub count: u32,
    pub auto_commit: bool,
}

/// The answer to a poll: the frames, exactly as stored, in as few chunks as the storage
/// allows (slices of the unsaved buffer, ranges read from segment files).
#[derive(Debug, Clone, Default)]
pub struct PolledMessages {
    pub partition_id: u32,
    /// Offset of the partition's last message, 0 when empty.
    pub current_offset: u64,
    pub count: u32,
    pub chunks: Vec<Bytes>,
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

/// StoreConsumerOffset: the offset must not exceed the partition's last offset, and the
/// partition must hold messages (`InvalidOffset` otherwise).
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "Result<(), IggyError>")]
pub struct StoreConsumerOffset {
    pub consumer: ConsumerKey,
    pub offset: u64,
}

/// DeleteConsumerOffset: `ConsumerOffsetNotFound` when none is stored.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "Result<(), IggyError>")]
pub struct DeleteConsumerOffset {
    pub consumer: ConsumerKey,
}
