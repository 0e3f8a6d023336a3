//! Message storage: segment rotation at a small `system.segment.size`, reads across segment
//! boundaries, the three `cache_indexes` modes, restarts, `kill -9` under load (flushed and
//! fsynced messages survive), damaged segments (torn tail, corrupted message with
//! `validate_checksum`) and deduplication.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::{
    create_stream_and_topic, id, partition_dir, root_client, try_send_payloads, within, TestDirs,
    TestServer,
};
use iggy::prelude::{
    Consumer, ConsumerOffsetClient, IggyClient, IggyMessage, IggyTimestamp, MessageClient,
    Partitioning, PollingStrategy, TopicClient,
};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// Bound on waiting for a producer to make progress (turns a hang into a failure).
const PROGRESS_DEADLINE: Duration = Duration::from_secs(30);

fn start(dirs: &Arc<TestDirs>, envs: &[(&str, &str)]) -> TestServer {
    let mut builder = TestServer::builder().dirs(dirs);
    for (key, value) in envs {
        builder = builder.env(key, value);
    }
    builder.start()
}

/// Stream 0 with topic 0 of `partitions` partitions.
async fn setup(client: &IggyClient, partitions: u32) {
    let ids = create_stream_and_topic(client, "s", "t", partitions).await;
    assert_eq!(ids, (0, 0), "first stream and topic ids");
}

/// Payload of message `i` of series `tag`: 100 bytes, the sequence number up front.
fn payload(tag: &str, i: u64) -> Bytes {
    let mut text = format!("{tag}-{i:06}-");
    while text.len() < 100 {
        text.push('.');
    }
    Bytes::from(text)
}

async fn send(client: &IggyClient, partition: u32, payloads: Vec<Bytes>) -> Result<(), String> {
    try_send_payloads(client, partition, payloads)
        .await
        .map_err(|e| e.to_string())
}

async fn send_series(client: &IggyClient, partition: u32, tag: &str, range: std::ops::Range<u64>) {
    send(client, partition, range.map(|i| payload(tag, i)).collect())
        .await
        .unwrap_or_else(|e| panic!("send {tag}: {e}"));
}

async fn poll(
    client: &IggyClient,
    partition: u32,
    consumer: &Consumer,
    strategy: PollingStrategy,
    count: u32,
) -> Vec<IggyMessage> {
    within(client.poll_messages(
        &id(0),
        &id(0),
        Some(partition),
        consumer,
        &strategy,
        count,
        false,
    ))
    .await
    .unwrap_or_else(|e| panic!("poll {strategy:?} count {count} partition {partition}: {e}"))
    .messages
}

/// Every message of `partition`, read by offset in chunks of 37.
async fn read_all(client: &IggyClient, partition: u32) -> Vec<IggyMessage> {
    let consumer = Consumer::new(id(424242));
    let mut all = Vec::new();
    loop {
        let chunk = poll(
            client,
            partition,
            &consumer,
            PollingStrategy::offset(all.len() as u64),
            37,
        )
        .await;
        if chunk.is_empty() {
            return all;
        }
        all.extend(chunk);
    }
}

fn offsets(messages: &[IggyMessage]) -> Vec<u64> {
    messages.iter().map(|m| m.header.offset).collect()
}

/// Offsets dense from 0, payloads `tag-000000..`, timestamps monotonic.
fn assert_series(messages: &[IggyMessage], tag: &str, count: u64, what: &str) {
    assert_eq!(
        offsets(messages),
        (0..count).collect::<Vec<u64>>(),
        "{what}: offsets"
    );
    for m in messages {
        assert!(
            m.payload == payload(tag, m.header.offset),
            "{what}: payload at offset {} is {:?}",
            m.header.offset,
            String::from_utf8_lossy(&m.payload)
        );
    }
    assert_monotonic(messages, what);
}

fn assert_monotonic(messages: &[IggyMessage], what: &str) {
    for pair in messages.windows(2) {
        assert!(
            pair[1].header.timestamp >= pair[0].header.timestamp,
            "{what}: timestamp goes back at offset {}",
            pair[1].header.offset
        );
    }
}

/// `(start offset, .log path)` of every segment of a partition directory, sorted.
fn segments(dir: &Path) -> Vec<(u64, PathBuf)> {
    let mut found: Vec<(u64, PathBuf)> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "log"))
        .map(|path| {
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .expect("utf-8 name")
                .to_string();
            assert_eq!(stem.len(), 20, "segment name {stem} is not 20 digits");
            (stem.parse::<u64>().expect("numeric segment name"), path)
        })
        .collect();
    found.sort();
    found
}

/// Checks the on-disk layout: every `.log` has an `.index` of 16-byte entries (relative offset,
/// end position, timestamp), positions end at the log size, segments follow each other
/// without gaps and hold `total` messages together. Answers the number of segments.
fn check_segment_files(dir: &Path, total: u64) -> usize {
    let list = segments(dir);
    assert!(!list.is_empty(), "no segment in {}", dir.display());
    assert_eq!(list[0].0, 0, "first segment starts at 0");
    let mut expected_start = 0;
    for (start, log) in &list {
        assert_eq!(*start, expected_start, "segment {} start", log.display());
        let index = fs::read(log.with_extension("index"))
            .unwrap_or_else(|e| panic!("index of {}: {e}", log.display()));
        let log_len = fs::metadata(log).expect("log metadata").len();
        assert_eq!(index.len() % 16, 0, "{}: index size", log.display());
        let mut previous_end = 0u32;
        let entries = index.len() / 16;
        for (i, entry) in index.chunks(16).enumerate() {
            let relative = u32::from_le_bytes(entry[0..4].try_into().expect("4"));
            let end = u32::from_le_bytes(entry[4..8].try_into().expect("4"));
            assert_eq!(relative as usize, i, "{}: relative offset", log.display());
            assert!(end > previous_end, "{}: positions grow", log.display());
            previous_end = end;
        }
        assert_eq!(
            u64::from(previous_end),
            log_len,
            "{}: the last index position is the log size",
            log.display()
        );
        expected_start += entries as u64;
    }
    assert_eq!(expected_start, total, "messages in all segments");
    list.len()
}

/// The same questions, whatever the index caching mode: offset windows across segment
/// boundaries, first, last, timestamp, next.
async fn check_reads(client: &IggyClient, total: u64, what: &str) {
    let all = read_all(client, 0).await;
    assert_series(&all, "m", total, what);
    let consumer = Consumer::new(id(1));
    for start in (0..total).step_by(11) {
        let got = poll(client, 0, &consumer, PollingStrategy::offset(start), 17).await;
        let end = (start + 17).min(total);
        assert_eq!(
            offsets(&got),
            (start..end).collect::<Vec<u64>>(),
            "{what}: window at {start}"
        );
        for m in &got {
            assert!(m.payload == payload("m", m.header.offset), "{what}");
        }
    }
    let got = poll(client, 0, &consumer, PollingStrategy::offset(0), 10_000).await;
    assert_eq!(got.len() as u64, total, "{what}: one poll of everything");
    let first = poll(client, 0, &consumer, PollingStrategy::first(), 20).await;
    assert_eq!(
        offsets(&first),
        (0..20).collect::<Vec<u64>>(),
        "{what}: first"
    );
    let last = poll(client, 0, &consumer, PollingStrategy::last(), 20).await;
    assert_eq!(
        offsets(&last),
        (total - 20..total).collect::<Vec<u64>>(),
        "{what}: last"
    );
    let ts = all[47].header.timestamp;
    let expected: Vec<u64> = all
        .iter()
        .filter(|m| m.header.timestamp >= ts)
        .map(|m| m.header.offset)
        .take(25)
        .collect();
    let by_ts = poll(
        client,
        0,
        &consumer,
        PollingStrategy::timestamp(IggyTimestamp::from(ts)),
        25,
    )
    .await;
    assert_eq!(offsets(&by_ts), expected, "{what}: timestamp");
    let next = poll(
        client,
        0,
        &Consumer::new(id(7)),
        PollingStrategy::next(),
        10,
    )
    .await;
    assert_eq!(
        offsets(&next),
        (58..68).collect::<Vec<u64>>(),
        "{what}: next after stored offset 57"
    );
}

/// Writes 120 messages of 164 bytes with a 2 KiB segment size (several rotations), reads
/// them back, restarts and reads them again, then keeps appending.
async fn rotation_case(mode: &str) {
    let dirs = TestDirs::new();
    let envs = [
        ("IGGY_SYSTEM_SEGMENT_SIZE", "2 KiB"),
        ("IGGY_SYSTEM_SEGMENT_CACHE_INDEXES", mode),
        ("IGGY_SYSTEM_PARTITION_MESSAGES_REQUIRED_TO_SAVE", "5"),
    ];
    let server = start(&dirs, &envs);
    let client = root_client(&server).await;
    setup(&client, 1).await;
    for b in 0..24 {
        send_series(&client, 0, "m", b * 5..b * 5 + 5).await;
    }
    within(client.store_consumer_offset(&Consumer::new(id(7)), &id(0), &id(0), Some(0), 57))
        .await
        .expect("store offset");
    let dir = partition_dir(&dirs, 0, 0, 0);
    let count = check_segment_files(&dir, 120);
    assert!(
        count >= 4,
        "{mode}: 120 × 164 bytes with 2 KiB segments gave {count} segment(s)"
    );
    check_reads(&client, 120, &format!("{mode}, before restart")).await;
    drop(client);
    server.stop();

    let server = start(&dirs, &envs);
    let client = root_client(&server).await;
    check_reads(&client, 120, &format!("{mode}, after restart")).await;
    let before = read_all(&client, 0).await;
    send_series(&client, 0, "m", 120..127).await;
    let all = read_all(&client, 0).await;
    assert_series(&all, "m", 127, &format!("{mode}, appended after restart"));
    assert!(all[120].header.timestamp >= before[119].header.timestamp);
    within(client.flush_unsaved_buffer(&id(0), &id(0), 0, true))
        .await
        .expect("flush");
    check_segment_files(&dir, 127);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_and_reads_across_segments_cache_all() {
    rotation_case("all").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_and_reads_across_segments_cache_open_segment() {
    rotation_case("open_segment").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_and_reads_across_segments_cache_none() {
    rotation_case("none").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_cache_mode_reads_the_same_data_after_restarts() {
    let dirs = TestDirs::new();
    let base = [
        ("IGGY_SYSTEM_SEGMENT_SIZE", "2 KiB"),
        ("IGGY_SYSTEM_PARTITION_MESSAGES_REQUIRED_TO_SAVE", "3"),
    ];
    let server = start(&dirs, &base);
    let client = root_client(&server).await;
    setup(&client, 1).await;
    for b in 0..40 {
        send_series(&client, 0, "m", b * 3..b * 3 + 3).await;
    }
    within(client.store_consumer_offset(&Consumer::new(id(7)), &id(0), &id(0), Some(0), 57))
        .await
        .expect("store offset");
    drop(client);
    server.stop();
    for mode in ["none", "all", "open_segment", "false", "true"] {
        let mut envs = base.to_vec();
        envs.push(("IGGY_SYSTEM_SEGMENT_CACHE_INDEXES", mode));
        let server = start(&dirs, &envs);
        let client = root_client(&server).await;
        check_reads(
            &client,
            120,
            &format!("restarted with cache_indexes={mode}"),
        )
        .await;
        drop(client);
        server.stop();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_saves_the_unsaved_buffer() {
    let dirs = TestDirs::new();
    let server = start(&dirs, &[]);
    let client = root_client(&server).await;
    setup(&client, 2).await;
    // Below every threshold (1024 messages, 1 MiB, 30 s): only in the unsaved buffer.
    send_series(&client, 0, "m", 0..10).await;
    send_series(&client, 1, "m", 0..3).await;
    within(client.store_consumer_offset(&Consumer::new(id(3)), &id(0), &id(0), Some(0), 6))
        .await
        .expect("store offset");
    drop(client);
    server.stop();

    let server = start(&dirs, &[]);
    let client = root_client(&server).await;
    assert_series(&read_all(&client, 0).await, "m", 10, "partition 0");
    assert_series(&read_all(&client, 1).await, "m", 3, "partition 1");
    let info = within(client.get_consumer_offset(&Consumer::new(id(3)), &id(0), &id(0), Some(0)))
        .await
        .expect("get offset")
        .expect("offset kept");
    assert_eq!((info.stored_offset, info.current_offset), (6, 9));
    send_series(&client, 0, "m", 10..12).await;
    assert_series(&read_all(&client, 0).await, "m", 12, "appended");
}

// --- kill -9 ------------------------------------------------------------------------------------

/// Waits (bounded) until `done()` holds.
async fn wait_until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + PROGRESS_DEADLINE;
    while !done() {
        assert!(Instant::now() < deadline, "no progress: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_under_load_keeps_every_flushed_message() {
    let dirs = TestDirs::new();
    let envs = [
        ("IGGY_SYSTEM_SEGMENT_SIZE", "4 KiB"),
        ("IGGY_SYSTEM_PARTITION_MESSAGES_REQUIRED_TO_SAVE", "10"),
    ];
    let mut server = start(&dirs, &envs);
    let client = root_client(&server).await;
    setup(&client, 2).await;
    send_series(&client, 0, "a", 0..5).await;
    within(client.flush_unsaved_buffer(&id(0), &id(0), 0, false))
        .await
        .expect("flush");
    within(client.store_consumer_offset(&Consumer::new(id(9)), &id(0), &id(0), Some(0), 2))
        .await
        .expect("store offset");

    // Partition 0: batches of 3, an explicit flush after every 4th batch.
    // Partition 1: batches of 10 = messages_required_to_save: saved before the ack.
    let flushed_a = Arc::new(AtomicU64::new(5));
    let acked_b = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let addr = server.endpoint();
    let producer_a = {
        let (flushed, stop) = (flushed_a.clone(), stop.clone());
        tokio::spawn(async move {
            let client = common::sdk_client(addr).await;
            within(iggy::prelude::UserClient::login_user(
                &client, "iggy", "iggy",
            ))
            .await
            .expect("login");
            let mut next = 5u64;
            for round in 0.. {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let batch = (next..next + 3).map(|i| payload("a", i)).collect();
                if send(&client, 0, batch).await.is_err() {
                    break;
                }
                next += 3;
                if round % 4 == 3 {
                    if client
                        .flush_unsaved_buffer(&id(0), &id(0), 0, false)
                        .await
                        .is_err()
                    {
                        break;
                    }
                    flushed.store(next, Ordering::SeqCst);
                }
            }
        })
    };
    let producer_b = {
        let (acked, stop) = (acked_b.clone(), stop.clone());
        tokio::spawn(async move {
            let client = common::sdk_client(addr).await;
            within(iggy::prelude::UserClient::login_user(
                &client, "iggy", "iggy",
            ))
            .await
            .expect("login");
            let mut next = 0u64;
            while !stop.load(Ordering::SeqCst) {
                let batch = (next..next + 10).map(|i| payload("b", i)).collect();
                if send(&client, 1, batch).await.is_err() {
                    break;
                }
                next += 10;
                acked.store(next, Ordering::SeqCst);
            }
        })
    };
    wait_until("producers under load", || {
        flushed_a.load(Ordering::SeqCst) >= 150 && acked_b.load(Ordering::SeqCst) >= 300
    })
    .await;
    server.kill();
    stop.store(true, Ordering::SeqCst);
    for producer in [producer_a, producer_b] {
        tokio::time::timeout(Duration::from_secs(20), producer)
            .await
            .expect("producer did not notice the dead server")
            .expect("producer task");
    }
    let flushed_a = flushed_a.load(Ordering::SeqCst);
    let acked_b = acked_b.load(Ordering::SeqCst);
    drop(client);

    let server = start(&dirs, &envs);
    let client = root_client(&server).await;
    let a = read_all(&client, 0).await;
    let b = read_all(&client, 1).await;
    assert!(
        a.len() as u64 >= flushed_a,
        "partition 0: {} messages after kill -9, {flushed_a} were flushed",
        a.len()
    );
    assert!(
        b.len() as u64 >= acked_b,
        "partition 1: {} messages after kill -9, {acked_b} were saved at the threshold",
        b.len()
    );
    assert_series(&a, "a", a.len() as u64, "partition 0 after kill -9");
    assert_series(&b, "b", b.len() as u64, "partition 1 after kill -9");
    let info = within(client.get_consumer_offset(&Consumer::new(id(9)), &id(0), &id(0), Some(0)))
        .await
        .expect("get offset")
        .expect("consumer offset kept");
    assert_eq!(info.stored_offset, 2);

    // The next offset continues without a gap or reuse; timestamps keep going up.
    let (na, nb) = (a.len() as u64, b.len() as u64);
    send_series(&client, 0, "a", na..na + 2).await;
    send_series(&client, 1, "b", nb..nb + 2).await;
    let a2 = read_all(&client, 0).await;
    let b2 = read_all(&client, 1).await;
    assert_series(&a2, "a", na + 2, "partition 0 appended after restart");
    assert_series(&b2, "b", nb + 2, "partition 1 appended after restart");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enforce_fsync_keeps_every_acknowledged_message_after_kill_9() {
    let dirs = TestDirs::new();
    let envs = [
        ("IGGY_SYSTEM_PARTITION_ENFORCE_FSYNC", "true"),
        ("IGGY_SYSTEM_PARTITION_MESSAGES_REQUIRED_TO_SAVE", "1"),
        ("IGGY_SYSTEM_SEGMENT_SIZE", "8 KiB"),
    ];
    let mut server = start(&dirs, &envs);
    let client = root_client(&server).await;
    setup(&client, 1).await;
    let acked = Arc::new(AtomicU64::new(0));
    let addr = server.endpoint();
    let producer = {
        let acked = acked.clone();
        tokio::spawn(async move {
            let client = common::sdk_client(addr).await;
            within(iggy::prelude::UserClient::login_user(
                &client, "iggy", "iggy",
            ))
            .await
            .expect("login");
            for i in 0u64.. {
                if send(&client, 0, vec![payload("f", i)]).await.is_err() {
                    break;
                }
                acked.store(i + 1, Ordering::SeqCst);
            }
        })
    };
    wait_until("fsynced sends", || acked.load(Ordering::SeqCst) >= 120).await;
    server.kill();
    tokio::time::timeout(Duration::from_secs(20), producer)
        .await
        .expect("producer did not notice the dead server")
        .expect("producer task");
    let acked = acked.load(Ordering::SeqCst);
    drop(client);

    let server = start(&dirs, &envs);
    let client = root_client(&server).await;
    let all = read_all(&client, 0).await;
    assert!(
        all.len() as u64 >= acked,
        "{} messages after kill -9, {acked} were acknowledged with enforce_fsync",
        all.len()
    );
    assert_series(&all, "f", all.len() as u64, "after kill -9");
    let n = all.len() as u64;
    send_series(&client, 0, "f", n..n + 1).await;
    assert_series(&read_all(&client, 0).await, "f", n + 1, "appended");
}

// --- damaged segments ----------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn torn_tail_is_cut_to_the_last_good_message() {
    let dirs = TestDirs::new();
    let envs = [
        ("IGGY_SYSTEM_SEGMENT_SIZE", "2 KiB"),
        ("IGGY_SYSTEM_PARTITION_MESSAGES_REQUIRED_TO_SAVE", "4"),
    ];
    let server = start(&dirs, &envs);
    let client = root_client(&server).await;
    setup(&client, 1).await;
    for b in 0..10 {
        send_series(&client, 0, "m", b * 4..b * 4 + 4).await;
    }
    drop(client);
    server.stop();

    let dir = partition_dir(&dirs, 0, 0, 0);
    let list = segments(&dir);
    assert!(list.len() >= 2, "expected several segments: {list:?}");
    let (last_start, last_log) = list.last().expect("a segment").clone();
    let len = fs::metadata(&last_log).expect("log").len();
    let file = fs::OpenOptions::new()
        .write(true)
        .open(&last_log)
        .expect("open last log");
    file.set_len(len - 5).expect("truncate");
    drop(file);

    let server = start(&dirs, &envs);
    assert!(
        server.output().contains("damaged"),
        "no warning about the damaged segment:\n{}",
        server.output()
    );
    let client = root_client(&server).await;
    let all = read_all(&client, 0).await;
    assert_eq!(
        all.len(),
        39,
        "the torn last message is cut, the rest stays"
    );
    assert_series(&all, "m", 39, "after the torn tail");
    assert!(last_start < 39, "the torn segment started at {last_start}");
    send_series(&client, 0, "m", 39..42).await;
    assert_series(
        &read_all(&client, 0).await,
        "m",
        42,
        "appended after the cut",
    );
    drop(client);
    server.stop();

    // No crash loop: a second start serves the same data.
    let server = start(&dirs, &envs);
    let client = root_client(&server).await;
    assert_series(&read_all(&client, 0).await, "m", 42, "second restart");
    check_segment_files(&dir, 42);
}

/// Position of `needle` in `bytes`.
fn find(bytes: &[u8], needle: &[u8]) -> usize {
    bytes
        .windows(needle.len())
        .position(|window| window == needle)
        .expect("needle in file")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupted_message_is_cut_with_validate_checksum() {
    let dirs = TestDirs::new();
    let envs = [("IGGY_SYSTEM_PARTITION_VALIDATE_CHECKSUM", "true")];
    let server = start(&dirs, &envs);
    let client = root_client(&server).await;
    setup(&client, 2).await;
    send_series(&client, 0, "m", 0..10).await;
    send_series(&client, 1, "m", 0..4).await;
    drop(client);
    server.stop();

    // Flip one payload byte of message 6 of partition 0.
    let dir = partition_dir(&dirs, 0, 0, 0);
    let list = segments(&dir);
    assert_eq!(list.len(), 1);
    let log = &list[0].1;
    let mut bytes = fs::read(log).expect("read log");
    let at = find(&bytes, &payload("m", 6)) + 20;
    bytes[at] ^= 0x55;
    fs::write(log, &bytes).expect("write log");

    let server = start(&dirs, &envs);
    assert!(
        server.output().contains("damaged"),
        "no warning about the corrupted message:\n{}",
        server.output()
    );
    let client = root_client(&server).await;
    assert_series(
        &read_all(&client, 0).await,
        "m",
        6,
        "cut at the corrupted message",
    );
    assert_series(
        &read_all(&client, 1).await,
        "m",
        4,
        "other partition untouched",
    );
    send_series(&client, 0, "m", 6..8).await;
    assert_series(
        &read_all(&client, 0).await,
        "m",
        8,
        "appended after the cut",
    );
    drop(client);
    server.stop();

    let server = start(&dirs, &envs);
    let client = root_client(&server).await;
    assert_series(&read_all(&client, 0).await, "m", 8, "second restart");
}

// --- deduplication -------------------------------------------------------------------------------

async fn send_with_ids(client: &IggyClient, ids: &[(u128, &str)]) {
    let mut messages: Vec<IggyMessage> = ids
        .iter()
        .map(|(message_id, text)| {
            IggyMessage::builder()
                .maybe_id((*message_id != 0).then_some(*message_id))
                .payload(Bytes::from(text.to_string()))
                .build()
                .expect("message")
        })
        .collect();
    within(client.send_messages(
        &id(0),
        &id(0),
        &Partitioning::partition_id(0),
        &mut messages,
    ))
    .await
    .expect("send succeeds, duplicates or not");
}

async fn dedup_case(enabled: bool) -> Vec<(u64, String)> {
    let dirs = TestDirs::new();
    let flag = if enabled { "true" } else { "false" };
    let server = start(
        &dirs,
        &[("IGGY_SYSTEM_MESSAGE_DEDUPLICATION_ENABLED", flag)],
    );
    let client = root_client(&server).await;
    setup(&client, 1).await;
    send_with_ids(&client, &[(1, "one"), (2, "two"), (3, "three")]).await;
    send_with_ids(
        &client,
        &[(2, "two-again"), (3, "three-again"), (4, "four")],
    )
    .await;
    send_with_ids(
        &client,
        &[(5, "five"), (5, "five-again"), (0, "zero-a"), (0, "zero-b")],
    )
    .await;
    send_with_ids(&client, &[(1, "one-again")]).await;
    let all = read_all(&client, 0).await;
    let offsets_dense: Vec<u64> = (0..all.len() as u64).collect();
    assert_eq!(offsets(&all), offsets_dense, "offsets stay dense");
    all.iter()
        .map(|m| {
            (
                m.header.id as u64,
                String::from_utf8(m.payload.to_vec()).expect("utf-8"),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deduplication_enabled_drops_repeated_ids() {
    let got = dedup_case(true).await;
    let texts: Vec<&str> = got.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(
        texts,
        vec!["one", "two", "three", "four", "five", "zero-a", "zero-b"],
        "repeated ids dropped, id 0 never deduplicated"
    );
    assert_eq!(
        got.iter().take(5).map(|(i, _)| *i).collect::<Vec<u64>>(),
        vec![1, 2, 3, 4, 5]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deduplication_disabled_by_default_keeps_duplicates() {
    let got = dedup_case(false).await;
    let texts: Vec<&str> = got.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(
        texts,
        vec![
            "one",
            "two",
            "three",
            "two-again",
            "three-again",
            "four",
            "five",
            "five-again",
            "zero-a",
            "zero-b",
            "one-again"
        ]
    );

    // The default (no variable at all) is off as well.
    let dirs = TestDirs::new();
    let server = start(&dirs, &[]);
    let client = root_client(&server).await;
    setup(&client, 1).await;
    send_with_ids(&client, &[(9, "nine")]).await;
    send_with_ids(&client, &[(9, "nine-again")]).await;
    assert_eq!(
        read_all(&client, 0).await.len(),
        2,
        "default keeps duplicates"
    );
}

// --- message saver and damage in a sealed segment ------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_saver_writes_the_unsaved_buffer_periodically() {
    let dirs = TestDirs::new();
    let envs = [("IGGY_MESSAGE_SAVER_INTERVAL", "1s")];
    let mut server = start(&dirs, &envs);
    let client = root_client(&server).await;
    setup(&client, 1).await;
    send_series(&client, 0, "m", 0..3).await;
    let dir = partition_dir(&dirs, 0, 0, 0);
    let marker = payload("m", 2);
    wait_until("the message saver writes the unsaved buffer", || {
        !common::files_containing(&dir, &marker).is_empty()
    })
    .await;
    server.kill();
    drop(client);

    let server = start(&dirs, &envs);
    let client = root_client(&server).await;
    assert_series(
        &read_all(&client, 0).await,
        "m",
        3,
        "saved by the message saver",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corruption_in_a_sealed_segment_never_stops_the_server() {
    let dirs = TestDirs::new();
    let envs = [
        ("IGGY_SYSTEM_SEGMENT_SIZE", "2 KiB"),
        ("IGGY_SYSTEM_PARTITION_MESSAGES_REQUIRED_TO_SAVE", "4"),
        ("IGGY_SYSTEM_PARTITION_VALIDATE_CHECKSUM", "true"),
    ];
    let server = start(&dirs, &envs);
    let client = root_client(&server).await;
    setup(&client, 1).await;
    for b in 0..10 {
        send_series(&client, 0, "m", b * 4..b * 4 + 4).await;
    }
    drop(client);
    server.stop();

    let dir = partition_dir(&dirs, 0, 0, 0);
    let list = segments(&dir);
    assert!(list.len() >= 3, "expected several segments: {list:?}");
    let first_log = &list[0].1;
    let mut bytes = fs::read(first_log).expect("read log");
    let at = find(&bytes, &payload("m", 5)) + 30;
    bytes[at] ^= 0x01;
    fs::write(first_log, &bytes).expect("write log");

    let server = start(&dirs, &envs);
    assert!(
        server.output().contains("damaged"),
        "no warning about the corrupted message:\n{}",
        server.output()
    );
    let client = root_client(&server).await;
    let consumer = Consumer::new(id(1));
    let head = poll(&client, 0, &consumer, PollingStrategy::offset(0), 5).await;
    assert_series(&head, "m", 5, "messages before the corrupted one");
    // Whatever the server keeps after the cut must be genuine, and it keeps accepting data.
    let last = poll(&client, 0, &consumer, PollingStrategy::last(), 1).await;
    assert_eq!(last.len(), 1, "the partition still answers 'last'");
    let n = last[0].header.offset + 1;
    send_series(&client, 0, "m", n..n + 1).await;
    let tail = poll(&client, 0, &consumer, PollingStrategy::offset(n), 10).await;
    assert_eq!(offsets(&tail), vec![n], "append after the cut");
    assert!(tail[0].payload == payload("m", n));
    drop(client);
    server.stop();
    let server = start(&dirs, &envs);
    let client = root_client(&server).await;
    let tail = poll(&client, 0, &consumer, PollingStrategy::offset(n), 10).await;
    assert_eq!(offsets(&tail), vec![n], "second restart");
}

// --- a random run against a model -----------------------------------------------------------------

/// What the server must hold: every acknowledged message of each partition, and how many of
/// them an explicit flush made safe from `kill -9`.
struct Model {
    partitions: Vec<Vec<Bytes>>,
    flushed: Vec<usize>,
}

async fn check_against(client: &IggyClient, model: &Model, what: &str) {
    for (p, expected) in model.partitions.iter().enumerate() {
        let stored = read_all(client, p as u32).await;
        assert_eq!(
            offsets(&stored),
            (0..expected.len() as u64).collect::<Vec<_>>(),
            "{what}: offsets of partition {p}"
        );
        for (m, want) in stored.iter().zip(expected) {
            assert!(
                m.payload == want,
                "{what}: partition {p}, offset {}",
                m.header.offset
            );
        }
        assert_monotonic(&stored, what);
    }
}

/// A seeded random run of sends, flushes, reads, purges, graceful restarts and `kill -9`,
/// with small segments and every index-caching mode, checked against a model after every
/// step that can lose or move data.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_random_run_matches_its_model_across_restarts_and_kill_9() {
    let mut rng = SmallRng::seed_from_u64(0x5eed_cafe);
    let mut next = move |n: u64| rng.gen_range(0..n);
    let modes = ["all", "open_segment", "none"];
    let dirs = Arc::new(TestDirs::new());
    let start_with = |mode: &str| {
        start(
            &dirs,
            &[
                ("IGGY_SYSTEM_SEGMENT_SIZE", "2 KiB"),
                ("IGGY_SYSTEM_SEGMENT_CACHE_INDEXES", mode),
                ("IGGY_SYSTEM_PARTITION_MESSAGES_REQUIRED_TO_SAVE", "5"),
            ],
        )
    };
    let mut server = start_with("all");
    let mut client = root_client(&server).await;
    setup(&client, 3).await;
    let mut model = Model {
        partitions: vec![Vec::new(); 3],
        flushed: vec![0; 3],
    };
    for step in 0..80u64 {
        let p = next(3) as usize;
        match next(100) {
            0..=54 => {
                let batch: Vec<Bytes> = (0..1 + next(12))
                    .map(|i| {
                        let mut text = format!("s{step}-p{p}-i{i}-");
                        let size = text.len() + next(300) as usize;
                        while text.len() < size {
                            text.push((b'a' + (text.len() % 26) as u8) as char);
                        }
                        Bytes::from(text)
                    })
                    .collect();
                send(&client, p as u32, batch.clone())
                    .await
                    .unwrap_or_else(|e| panic!("step {step}: send: {e}"));
                model.partitions[p].extend(batch);
            }
            55..=64 => {
                within(client.flush_unsaved_buffer(&id(0), &id(0), p as u32, next(2) == 0))
                    .await
                    .unwrap_or_else(|e| panic!("step {step}: flush: {e}"));
                model.flushed[p] = model.partitions[p].len();
            }
            65..=74 => {
                let len = model.partitions[p].len() as u64;
                let from = next(len + 1);
                let count = 1 + next(20) as u32;
                let got = poll(
                    &client,
                    p as u32,
                    &Consumer::new(id(1)),
                    PollingStrategy::offset(from),
                    count,
                )
                .await;
                let end = (from + u64::from(count)).min(len) as usize;
                let want = &model.partitions[p][from as usize..end];
                assert_eq!(got.len(), want.len(), "step {step}: poll {from}+{count}");
                for (m, w) in got.iter().zip(want) {
                    assert!(m.payload == w, "step {step}: offset {}", m.header.offset);
                }
            }
            75..=78 => {
                within(client.purge_topic(&id(0), &id(0)))
                    .await
                    .unwrap_or_else(|e| panic!("step {step}: purge: {e}"));
                model.partitions.iter_mut().for_each(Vec::clear);
                model.flushed.iter_mut().for_each(|f| *f = 0);
                check_against(&client, &model, &format!("step {step}, purged")).await;
            }
            79..=89 => {
                drop(client);
                server.stop();
                server = start_with(modes[next(3) as usize]);
                client = root_client(&server).await;
                check_against(&client, &model, &format!("step {step}, restarted")).await;
                model.flushed = model.partitions.iter().map(Vec::len).collect();
            }
            _ => {
                drop(client);
                server.kill();
                server = start_with(modes[next(3) as usize]);
                client = root_client(&server).await;
                // The unsaved buffer may be gone; everything flushed is there, in order.
                for p in 0..3 {
                    let stored = read_all(&client, p as u32).await;
                    let kept = stored.len();
                    let what = format!("step {step}, kill -9, partition {p}");
                    assert!(kept >= model.flushed[p], "{what}: {kept} < flushed");
                    assert!(kept <= model.partitions[p].len(), "{what}: more than sent");
                    model.partitions[p].truncate(kept);
                }
                check_against(&client, &model, &format!("step {step}, after kill -9")).await;
                model.flushed = model.partitions.iter().map(Vec::len).collect();
            }
        }
    }
    drop(client);
    server.stop();
    let server = start_with("none");
    let client = root_client(&server).await;
    check_against(&client, &model, "final restart").await;
}
