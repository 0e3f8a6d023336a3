//! Helpers for tests of segments and retention: a server with 1 KiB segments where every
//! message (64-byte header + 100-byte payload) is written at once, so a segment is sealed
//! after 7 messages sent one by one; stream 0 "s" with topic 0 "t".

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{id, within, TestDirs, TestServer, TestServerBuilder};
use bytes::Bytes;
use iggy::prelude::{
    CompressionAlgorithm, Consumer, IggyClient, IggyDuration, IggyExpiry, IggyMessage,
    MaxTopicSize, MessageClient, Partitioning, PollingStrategy, StreamClient, TopicClient,
};

/// Messages a segment holds when they are sent one by one.
pub const PER_SEGMENT: u64 = 7;
/// Bytes of one stored message.
pub const MESSAGE_SIZE: u64 = 164;
/// Bound on waiting for the cleaner (turns a hang into a failure).
pub const CLEANER_DEADLINE: Duration = Duration::from_secs(30);

/// A server with 1 KiB segments, every message written at once, and with `cleaner` the
/// message cleaner every 300 ms.
pub fn builder(dirs: &Arc<TestDirs>, cleaner: bool) -> TestServerBuilder {
    TestServer::builder()
        .dirs(dirs)
        .env("IGGY_SYSTEM_SEGMENT_SIZE", "1 KiB")
        .env("IGGY_SYSTEM_PARTITION_MESSAGES_REQUIRED_TO_SAVE", "1")
        .env("IGGY_DATA_MAINTENANCE_MESSAGES_INTERVAL", "300ms")
        .env(
            "IGGY_DATA_MAINTENANCE_MESSAGES_CLEANER_ENABLED",
            if cleaner { "true" } else { "false" },
        )
}

pub fn start(dirs: &Arc<TestDirs>, cleaner: bool) -> TestServer {
    builder(dirs, cleaner).start()
}

/// Stream 0 "s" with topic 0 "t".
pub async fn setup(client: &IggyClient, partitions: u32, expiry: IggyExpiry, max: MaxTopicSize) {
    within(client.create_stream("s")).await.expect("stream");
    within(client.create_topic(
        &id(0),
        "t",
        partitions,
        CompressionAlgorithm::None,
        None,
        expiry,
        max,
    ))
    .await
    .expect("topic");
}

pub fn expiry(text: &str) -> IggyExpiry {
    IggyExpiry::ExpireDuration(text.parse::<IggyDuration>().expect("duration"))
}

pub fn payload(i: u64) -> Bytes {
    Bytes::from(format!("{i:0100}"))
}

/// Sends messages `range` to `partition` of topic 0, one request each.
pub async fn send_one_by_one(client: &IggyClient, partition: u32, range: std::ops::Range<u64>) {
    send(client, 0, partition, range, 1).await;
}

/// Sends messages `range` to `partition` of `topic`, `per_request` at a time.
pub async fn send(
    client: &IggyClient,
    topic: u32,
    partition: u32,
    range: std::ops::Range<u64>,
    per_request: u64,
) {
    let mut next = range.start;
    while next < range.end {
        let last = (next + per_request).min(range.end);
        let mut messages: Vec<IggyMessage> = (next..last)
            .map(|i| {
                IggyMessage::builder()
                    .payload(payload(i))
                    .build()
                    .expect("message")
            })
            .collect();
        within(client.send_messages(
            &id(0),
            &id(topic),
            &Partitioning::partition_id(partition),
            &mut messages,
        ))
        .await
        .expect("send");
        next = last;
    }
}

/// Offsets of up to `count` messages of `partition` of topic 0 from `strategy`.
pub async fn poll(
    client: &IggyClient,
    partition: u32,
    strategy: PollingStrategy,
    count: u32,
) -> Vec<u64> {
    poll_messages(client, 0, partition, strategy, count)
        .await
        .iter()
        .map(|m| m.header.offset)
        .collect()
}

pub async fn poll_messages(
    client: &IggyClient,
    topic: u32,
    partition: u32,
    strategy: PollingStrategy,
    count: u32,
) -> Vec<IggyMessage> {
    within(client.poll_messages(
        &id(0),
        &id(topic),
        Some(partition),
        &Consumer::new(id(999)),
        &strategy,
        count,
        false,
    ))
    .await
    .expect("poll")
    .messages
}

/// Every message of `partition` of `topic` from `first`, checking that the offsets go on
/// without a gap and each payload is the one sent. Answers how many there are.
pub async fn read_from(client: &IggyClient, topic: u32, partition: u32, first: u64) -> u64 {
    let mut next = first;
    loop {
        let messages = poll_messages(
            client,
            topic,
            partition,
            PollingStrategy::offset(next),
            1000,
        )
        .await;
        if messages.is_empty() {
            return next - first;
        }
        for m in messages {
            assert_eq!(m.header.offset, next, "topic {topic}: offsets go on");
            assert_eq!(m.payload, payload(next), "topic {topic}: payload at {next}");
            next += 1;
        }
    }
}

/// No `.index` without its `.log` in a partition directory.
pub fn assert_no_orphan_index(dir: &Path) {
    for entry in std::fs::read_dir(dir).expect("partition dir").flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "index") {
            assert!(
                path.with_extension("log").exists(),
                "orphan {}",
                path.display()
            );
        }
    }
}

/// (segments, messages, bytes) of a partition as GetTopic reports them.
pub async fn figures(client: &IggyClient, partition: u32) -> (u32, u64, u64) {
    let topic = within(client.get_topic(&id(0), &id(0)))
        .await
        .expect("get topic")
        .expect("topic");
    let p = &topic.partitions[partition as usize];
    (p.segments_count, p.messages_count, p.size.as_bytes_u64())
}

pub async fn topic_size(client: &IggyClient) -> u64 {
    within(client.get_topic(&id(0), &id(0)))
        .await
        .expect("get topic")
        .expect("topic")
        .size
        .as_bytes_u64()
}

/// Start offsets of the segment files in a partition directory.
pub fn segment_files(dir: &Path) -> Vec<u64> {
    let mut starts: Vec<u64> = std::fs::read_dir(dir)
        .expect("partition dir")
        .filter_map(|e| {
            let path = e.ok()?.path();
            (path.extension()? == "log")
                .then(|| path.file_stem()?.to_str()?.parse().ok())
                .flatten()
        })
        .collect();
    starts.sort();
    starts
}

/// Waits until `check` answers true, failing after [`CLEANER_DEADLINE`].
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + CLEANER_DEADLINE;
    while !check().await {
        assert!(
            Instant::now() < deadline,
            "{what}: not within {CLEANER_DEADLINE:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
