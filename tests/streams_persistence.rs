//! Streams and topics across restarts: the metadata log `{system.path}/state/log`, ids after a
//! restart, `kill -9` in the middle of a burst, damaged log tails and missing partition
//! directories (`system.recovery.recreate_missing_state`).

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{
    assert_first_segment_files, expect_start_failure, id, name, partition_dir, root_client, within,
    TestDirs, TestServer,
};
use iggy::prelude::{
    CompressionAlgorithm, Identifier, IggyByteSize, IggyClient, IggyDuration, IggyExpiry,
    MaxTopicSize, PartitionClient, StreamClient, SystemClient, TopicClient,
};

const GIB: u64 = 1024 * 1024 * 1024;

async fn create_topic(client: &IggyClient, stream: &Identifier, topic: &str, partitions: u32) {
    within(client.create_topic(
        stream,
        topic,
        partitions,
        CompressionAlgorithm::None,
        None,
        IggyExpiry::ServerDefault,
        MaxTopicSize::ServerDefault,
    ))
    .await
    .unwrap_or_else(|e| panic!("create topic {topic} in {stream}: {e}"));
}

/// Restart on the same directories after a clean stop.
fn restart(server: TestServer) -> TestServer {
    let dirs = server.dirs().clone();
    server.stop();
    TestServer::builder().dirs(&dirs).start()
}

/// `(stream id, stream name, [(topic id, topic name, [partition ids])])` for every stream.
type StreamEntry = (u32, String, Vec<(u32, String, Vec<u32>)>);
type Snapshot = Vec<StreamEntry>;

async fn snapshot(client: &IggyClient) -> Snapshot {
    let mut result = Vec::new();
    for stream in within(client.get_streams()).await.expect("get_streams") {
        let mut topics = Vec::new();
        for topic in within(client.get_topics(&id(stream.id)))
            .await
            .expect("get_topics")
        {
            let details = within(client.get_topic(&id(stream.id), &id(topic.id)))
                .await
                .expect("get_topic")
                .unwrap_or_else(|| panic!("listed topic {}/{} not found", stream.id, topic.id));
            assert_eq!(details.partitions_count as usize, details.partitions.len());
            let partitions = details.partitions.iter().map(|p| p.id).collect();
            topics.push((topic.id, topic.name, partitions));
        }
        result.push((stream.id, stream.name, topics));
    }
    result
}

/// Every partition reported by the server has its directory with the first segment files.
fn assert_partition_dirs(dirs: &TestDirs, snapshot: &Snapshot) {
    for (stream_id, _, topics) in snapshot {
        for (topic_id, _, partitions) in topics {
            for partition_id in partitions {
                let dir = partition_dir(dirs, *stream_id, *topic_id, *partition_id);
                assert!(
                    dir.is_dir(),
                    "partition {stream_id}/{topic_id}/{partition_id} reported but {} missing",
                    dir.display()
                );
            }
        }
    }
}

// --- clean restart ----------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everything_is_back_after_a_restart() {
    let server = TestServer::start();
    let hour = IggyDuration::from_str("1h").expect("duration");
    let before = {
        let client = root_client(&server).await;
        within(client.create_stream("a")).await.expect("a");
        within(client.create_stream("b")).await.expect("b");
        within(client.create_stream("gone")).await.expect("gone");
        within(client.create_topic(
            &name("a"),
            "t1",
            2,
            CompressionAlgorithm::Gzip,
            Some(3),
            IggyExpiry::ExpireDuration(hour),
            MaxTopicSize::Custom(IggyByteSize::from(2 * GIB)),
        ))
        .await
        .expect("a/t1");
        create_topic(&client, &name("a"), "t2", 1).await;
        create_topic(&client, &name("a"), "t3", 1).await;
        create_topic(&client, &name("b"), "x", 3).await;
        within(client.delete_partitions(&name("b"), &name("x"), 1))
            .await
            .expect("delete partition");
        within(client.create_partitions(&name("a"), &name("t2"), 2))
            .await
            .expect("create partitions");
        within(client.update_stream(&name("b"), "b2"))
            .await
            .expect("rename b");
        within(client.update_topic(
            &name("a"),
            &name("t2"),
            "t2-renamed",
            CompressionAlgorithm::Gzip,
            None,
            IggyExpiry::NeverExpire,
            MaxTopicSize::Unlimited,
        ))
        .await
        .expect("update t2");
        within(client.delete_topic(&name("a"), &name("t3")))
            .await
            .expect("delete t3");
        within(client.delete_stream(&name("gone")))
            .await
            .expect("delete gone");
        within(client.purge_stream(&name("a")))
            .await
            .expect("purge a");
        snapshot(&client).await
    };
    assert_eq!(
        before,
        vec![
            (
                0,
                "a".to_string(),
                vec![
                    (0, "t1".to_string(), vec![0, 1]),
                    (1, "t2-renamed".to_string(), vec![0, 1, 2]),
                ]
            ),
            (1, "b2".to_string(), vec![(0, "x".to_string(), vec![0, 1])]),
        ],
        "state before the restart"
    );

    let server = restart(server);
    let client = root_client(&server).await;
    let after = snapshot(&client).await;
    assert_eq!(after, before, "state after the restart");
    assert_partition_dirs(server.dirs(), &after);
    assert_first_segment_files(server.dirs(), 0, 1, 2);
    assert!(
        !partition_dir(server.dirs(), 1, 0, 2).exists(),
        "deleted partition came back"
    );

    let t1 = within(client.get_topic(&id(0), &id(0)))
        .await
        .expect("get t1")
        .expect("t1");
    assert_eq!(t1.compression_algorithm, CompressionAlgorithm::Gzip);
    assert_eq!(t1.message_expiry, IggyExpiry::ExpireDuration(hour));
    assert_eq!(u64::from(t1.max_topic_size), 2 * GIB);
    assert_eq!(t1.replication_factor, 3);
    let t2 = within(client.get_topic(&id(0), &name("t2-renamed")))
        .await
        .expect("get t2")
        .expect("t2");
    assert_eq!(t2.compression_algorithm, CompressionAlgorithm::Gzip);
    assert_eq!(t2.message_expiry, IggyExpiry::NeverExpire);
    assert_eq!(t2.max_topic_size, MaxTopicSize::Unlimited);

    let stats = within(client.get_stats()).await.expect("stats");
    assert_eq!(
        (
            stats.streams_count,
            stats.topics_count,
            stats.partitions_count,
            stats.segments_count
        ),
        (2, 3, 7, 7)
    );

    // And the restored objects are usable: names still unique, new topic ids continue.
    let error = within(client.create_stream("a"))
        .await
        .expect_err("duplicate after restart");
    assert_eq!(error.as_code(), 1012);
    within(client.create_topic(
        &id(1),
        "y",
        1,
        CompressionAlgorithm::None,
        None,
        IggyExpiry::ServerDefault,
        MaxTopicSize::ServerDefault,
    ))
    .await
    .expect("create topic after restart");
    assert_eq!(snapshot(&client).await[1].2.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_ids_are_not_reused_after_a_restart() {
    let server = TestServer::start();
    {
        let client = root_client(&server).await;
        for (expected, stream) in ["s0", "s1", "s2"].iter().enumerate() {
            let created = within(client.create_stream(stream)).await.expect("create");
            assert_eq!(created.id, expected as u32);
        }
        within(client.delete_stream(&id(2)))
            .await
            .expect("delete 2");
    }
    let server = restart(server);
    let client = root_client(&server).await;
    let ids: Vec<u32> = within(client.get_streams())
        .await
        .expect("streams")
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(ids, vec![0, 1]);
    let created = within(client.create_stream("s3"))
        .await
        .expect("create after restart");
    assert_eq!(
        created.id, 3,
        "a fresh id after the restart, not a reused one"
    );
    assert!(within(client.get_stream(&id(2)))
        .await
        .expect("get 2")
        .is_none());
}

// --- kill -9 during a burst -------------------------------------------------------------------

#[derive(Default, Debug)]
struct TopicRecord {
    id: u32,
    delete_sent: bool,
    deleted: bool,
}

#[derive(Default, Debug)]
struct StreamRecord {
    id: u32,
    delete_sent: bool,
    deleted: bool,
    topics: BTreeMap<String, TopicRecord>,
}

/// Acknowledged operations of the burst, by stream name.
#[derive(Default, Debug)]
struct Ledger {
    streams: BTreeMap<String, StreamRecord>,
}

async fn burst(client: IggyClient, ledger: Arc<Mutex<Ledger>>, acks: Arc<AtomicUsize>) {
    let ack = || acks.fetch_add(1, Ordering::SeqCst);
    for i in 0u32.. {
        let stream_name = format!("burst-{i}");
        let Ok(stream) = client.create_stream(&stream_name).await else {
            return;
        };
        ledger.lock().unwrap().streams.insert(
            stream_name.clone(),
            StreamRecord {
                id: stream.id,
                ..Default::default()
            },
        );
        ack();
        for topic_name in ["t0", "t1"] {
            let Ok(topic) = client
                .create_topic(
                    &id(stream.id),
                    topic_name,
                    1 + i % 3,
                    CompressionAlgorithm::None,
                    None,
                    IggyExpiry::ServerDefault,
                    MaxTopicSize::ServerDefault,
                )
                .await
            else {
                return;
            };
            ledger
                .lock()
                .unwrap()
                .streams
                .get_mut(&stream_name)
                .expect("stream record")
                .topics
                .insert(
                    topic_name.to_string(),
                    TopicRecord {
                        id: topic.id,
                        ..Default::default()
                    },
                );
            ack();
        }
        // Delete a topic of this stream every other round.
        if i % 2 == 0 {
            let topic_id = {
                let mut ledger = ledger.lock().unwrap();
                let record = ledger
                    .streams
                    .get_mut(&stream_name)
                    .expect("stream")
                    .topics
                    .get_mut("t0")
                    .expect("t0");
                record.delete_sent = true;
                record.id
            };
            if client
                .delete_topic(&id(stream.id), &id(topic_id))
                .await
                .is_err()
            {
                return;
            }
            let mut guard = ledger.lock().unwrap();
            let record = guard
                .streams
                .get_mut(&stream_name)
                .expect("stream")
                .topics
                .get_mut("t0")
                .expect("t0");
            record.deleted = true;
            drop(guard);
            ack();
        }
        // Delete the stream of two rounds ago every third round.
        if i % 3 == 2 {
            let old_name = format!("burst-{}", i - 2);
            let old_id = {
                let mut ledger = ledger.lock().unwrap();
                let record = ledger.streams.get_mut(&old_name).expect("old stream");
                record.delete_sent = true;
                record.id
            };
            if client.delete_stream(&id(old_id)).await.is_err() {
                return;
            }
            ledger
                .lock()
                .unwrap()
                .streams
                .get_mut(&old_name)
                .expect("old stream")
                .deleted = true;
            ack();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_a_burst_keeps_acknowledged_state_consistent() {
    const ACKS_BEFORE_KILL: usize = 60;
    let mut server = TestServer::start();
    let dirs = server.dirs().clone();
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let acks = Arc::new(AtomicUsize::new(0));
    let client = root_client(&server).await;
    let task = tokio::spawn(burst(client, ledger.clone(), acks.clone()));

    // Wait (bounded) until the burst is well under way, then kill while it runs.
    let deadline = Instant::now() + Duration::from_secs(60);
    while acks.load(Ordering::SeqCst) < ACKS_BEFORE_KILL {
        assert!(
            !task.is_finished(),
            "the burst stopped early (after {} acks).\n{}",
            acks.load(Ordering::SeqCst),
            server.output()
        );
        assert!(
            Instant::now() < deadline,
            "the burst made no progress ({} acks).\n{}",
            acks.load(Ordering::SeqCst),
            server.output()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill();
    tokio::time::timeout(Duration::from_secs(30), task)
        .await
        .expect("the burst did not stop after the kill")
        .expect("burst task panicked");

    let server = TestServer::builder().dirs(&dirs).start();
    let client = root_client(&server).await;
    let state = snapshot(&client).await;
    let ledger = std::mem::take(&mut *ledger.lock().unwrap());
    assert!(ledger.streams.len() >= 10, "too few streams: {ledger:?}");

    let by_name: BTreeMap<&str, &StreamEntry> = state
        .iter()
        .map(|entry| (entry.1.as_str(), entry))
        .collect();
    for (stream_name, record) in &ledger.streams {
        let found = by_name.get(stream_name.as_str());
        if record.deleted {
            assert!(
                found.is_none(),
                "stream {stream_name} was acknowledged deleted but is back: {found:?}"
            );
            continue;
        }
        if record.delete_sent {
            continue; // in flight at the kill: either outcome is fine
        }
        let (stream_id, _, topics) = found.unwrap_or_else(|| {
            panic!(
                "acknowledged stream {stream_name} (id {}) is missing after the restart.\nstate: {state:?}\n{}",
                record.id,
                server.output()
            )
        });
        assert_eq!(*stream_id, record.id, "stream {stream_name} changed its id");
        for (topic_name, topic) in &record.topics {
            let found = topics.iter().find(|(_, name, _)| name == topic_name);
            if topic.deleted {
                assert!(
                    found.is_none(),
                    "topic {stream_name}/{topic_name} acknowledged deleted but is back"
                );
            } else if !topic.delete_sent {
                let (topic_id, _, _) = found.unwrap_or_else(|| {
                    panic!("acknowledged topic {stream_name}/{topic_name} is missing: {topics:?}")
                });
                assert_eq!(*topic_id, topic.id, "topic {stream_name}/{topic_name} id");
            }
        }
    }
    // Consistency: every listed stream resolves, every topic lists its partitions, every
    // partition has its directory.
    for (stream_id, stream_name, topics) in &state {
        let details = within(client.get_stream(&id(*stream_id)))
            .await
            .expect("get_stream")
            .unwrap_or_else(|| panic!("listed stream {stream_id} not found"));
        assert_eq!(&details.name, stream_name);
        assert_eq!(details.topics_count as usize, topics.len());
    }
    assert_partition_dirs(&dirs, &state);
    let stats = within(client.get_stats()).await.expect("stats");
    assert_eq!(stats.streams_count as usize, state.len());
    assert_eq!(
        stats.topics_count as usize,
        state.iter().map(|s| s.2.len()).sum::<usize>()
    );
    assert_eq!(
        stats.partitions_count as usize,
        state
            .iter()
            .flat_map(|s| s.2.iter())
            .map(|t| t.2.len())
            .sum::<usize>()
    );
}

// --- damaged metadata log ---------------------------------------------------------------------

/// `(offset, total length)` of every entry of the metadata log (`u32 len | u32 crc | body`).
fn log_entries(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut entries = Vec::new();
    let mut offset = 0;
    while offset + 8 <= bytes.len() {
        let length = u32::from_le_bytes(bytes[offset..offset + 4].try_into().unwrap()) as usize;
        let total = 8 + length;
        assert!(
            offset + total <= bytes.len(),
            "metadata log entry at {offset} runs past the end ({} bytes)",
            bytes.len()
        );
        entries.push((offset, total));
        offset += total;
    }
    assert_eq!(offset, bytes.len(), "trailing bytes in the metadata log");
    entries
}

/// Create streams a, b, then c (whose entry is last), stop cleanly; returns the dirs and the
/// log path, after checking that the last entry is the creation of c.
async fn three_streams_then_stop(last: &str) -> (Arc<TestDirs>, std::path::PathBuf) {
    let server = TestServer::start();
    {
        let client = root_client(&server).await;
        within(client.create_stream("stream-a")).await.expect("a");
        within(client.create_stream("stream-b")).await.expect("b");
        within(client.create_stream(last)).await.expect("c");
    }
    let dirs = server.dirs().clone();
    server.stop();
    let log = dirs.system_path().join("state").join("log");
    let bytes = fs::read(&log).expect("read state/log");
    let entries = log_entries(&bytes);
    let (offset, total) = *entries.last().expect("log has entries");
    let body = &bytes[offset + 8..offset + total];
    assert!(
        body.windows(last.len()).any(|w| w == last.as_bytes()),
        "the last log entry is not the creation of {last}"
    );
    (dirs, log)
}

async fn assert_served_before_damage(dirs: &Arc<TestDirs>, last: &str) {
    let server = TestServer::builder().dirs(dirs).start();
    let output = server.output();
    assert!(
        output.contains("metadata log damaged"),
        "no 'metadata log damaged' in the output:\n{output}"
    );
    let client = root_client(&server).await;
    let streams: Vec<(u32, String)> = within(client.get_streams())
        .await
        .expect("streams")
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    assert_eq!(
        streams,
        vec![(0, "stream-a".to_string()), (1, "stream-b".to_string())],
        "streams before the damaged entry"
    );
    assert!(within(client.get_stream(&name(last)))
        .await
        .expect("get")
        .is_none());
    // The server keeps working on top of the repaired log.
    within(client.create_stream(last))
        .await
        .expect("create again after the damage");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_with_last_entry_cut_in_half() {
    let last = "stream-c-cut-in-half";
    let (dirs, log) = three_streams_then_stop(last).await;
    let bytes = fs::read(&log).expect("read log");
    let (offset, total) = *log_entries(&bytes).last().unwrap();
    fs::write(&log, &bytes[..offset + total / 2]).expect("truncate log");
    assert_served_before_damage(&dirs, last).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_with_a_flipped_byte_in_the_last_entry() {
    let last = "stream-c-flipped";
    let (dirs, log) = three_streams_then_stop(last).await;
    let mut bytes = fs::read(&log).expect("read log");
    let (offset, total) = *log_entries(&bytes).last().unwrap();
    let position = offset + 8 + (total - 8) / 2;
    bytes[position] ^= 0x5A;
    fs::write(&log, &bytes).expect("write log");
    assert_served_before_damage(&dirs, last).await;
}

// --- missing partition directory --------------------------------------------------------------

/// A topic with two partitions, stopped, with partition 1's directory removed.
async fn topic_with_missing_partition() -> (Arc<TestDirs>, std::path::PathBuf) {
    let server = TestServer::start();
    {
        let client = root_client(&server).await;
        within(client.create_stream("s")).await.expect("stream");
        create_topic(&client, &id(0), "t", 2).await;
    }
    let dirs = server.dirs().clone();
    server.stop();
    let missing = partition_dir(&dirs, 0, 0, 1);
    assert!(missing.is_dir(), "partition 1 directory was never created");
    fs::remove_dir_all(&missing).expect("remove partition 1");
    (dirs, missing)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_partition_directory_refuses_to_start_by_default() {
    let (dirs, missing) = topic_with_missing_partition().await;
    let (_, output) = expect_start_failure(TestServer::builder().dirs(&dirs));
    let path = missing.display().to_string();
    assert!(
        output.contains(&path),
        "the start-up error does not name {path}:\n{output}"
    );
    assert!(!missing.exists(), "the directory was recreated anyway");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_partition_directory_is_recreated_when_enabled() {
    let (dirs, missing) = topic_with_missing_partition().await;
    let server = TestServer::builder()
        .dirs(&dirs)
        .env("IGGY_SYSTEM_RECOVERY_RECREATE_MISSING_STATE", "true")
        .start();
    assert!(missing.is_dir(), "{} not recreated", missing.display());
    let client = root_client(&server).await;
    let topic = within(client.get_topic(&id(0), &id(0)))
        .await
        .expect("get_topic")
        .expect("topic");
    assert_eq!(topic.partitions_count, 2);
    assert_eq!(
        topic.partitions.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![0, 1]
    );
}
