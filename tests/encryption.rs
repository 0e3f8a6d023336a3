//! Encryption at rest (`system.encryption`): payloads, user headers and the metadata log are
//! stored encrypted while clients send and receive plaintext; the data is read back after a
//! restart with the right key, and a wrong or missing key refuses the start without
//! touching anything on disk.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use common::{
    expect_start_failure, files_containing, id, root_client, within, TestDirs, TestServer,
    TestServerBuilder,
};
use iggy::prelude::{
    CompressionAlgorithm, Consumer, HeaderKey, HeaderValue, IggyClient, IggyExpiry, IggyMessage,
    MaxTopicSize, MessageClient, Partitioning, PollingStrategy, StreamClient, TopicClient,
    UserClient, UserStatus,
};

const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
const OTHER_KEY: &str = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";
const MESSAGES: u64 = 50;

fn builder(dirs: &Arc<TestDirs>, key: Option<&str>) -> TestServerBuilder {
    let builder = TestServer::builder()
        .dirs(dirs)
        .env("IGGY_SYSTEM_SEGMENT_SIZE", "4 KiB")
        .env("IGGY_SYSTEM_PARTITION_MESSAGES_REQUIRED_TO_SAVE", "10");
    match key {
        Some(key) => builder
            .env("IGGY_SYSTEM_ENCRYPTION_ENABLED", "true")
            .env("IGGY_SYSTEM_ENCRYPTION_KEY", key),
        None => builder,
    }
}

fn payload(i: u64) -> String {
    format!("plaintext-payload-marker-{i:04}")
}

fn headers(i: u64) -> BTreeMap<HeaderKey, HeaderValue> {
    BTreeMap::from([(
        HeaderKey::try_from("header-key-marker").expect("key"),
        HeaderValue::try_from(format!("header-value-marker-{i}").as_str()).expect("value"),
    )])
}

/// Message `i`: its payload, and headers when `i` is even.
fn message(i: u64) -> IggyMessage {
    let m = IggyMessage::builder().payload(Bytes::from(payload(i)));
    if i.is_multiple_of(2) {
        m.user_headers(headers(i)).build()
    } else {
        m.build()
    }
    .expect("message")
}

/// A stream and a user with telling names, and `MESSAGES` messages with headers (every
/// second one) sent 5 at a time.
async fn write(client: &IggyClient) {
    within(client.create_stream("stream-name-marker"))
        .await
        .expect("stream");
    within(client.create_topic(
        &id(0),
        "topic",
        1,
        CompressionAlgorithm::None,
        None,
        IggyExpiry::NeverExpire,
        MaxTopicSize::Unlimited,
    ))
    .await
    .expect("topic");
    within(client.create_user(
        "user-name-marker",
        "secret-password-marker",
        UserStatus::Active,
        None,
    ))
    .await
    .expect("user");
    for batch in 0..MESSAGES / 5 {
        let mut messages: Vec<IggyMessage> = (batch * 5..batch * 5 + 5).map(message).collect();
        within(client.send_messages(
            &id(0),
            &id(0),
            &Partitioning::partition_id(0),
            &mut messages,
        ))
        .await
        .expect("send");
    }
}

/// Polls with `strategy`; checks every message's payload and headers.
async fn poll(
    client: &IggyClient,
    strategy: PollingStrategy,
    count: u32,
    commit: bool,
) -> Vec<u64> {
    let polled = within(client.poll_messages(
        &id(0),
        &id(0),
        Some(0),
        &Consumer::new(id(7)),
        &strategy,
        count,
        commit,
    ))
    .await
    .expect("poll");
    for m in &polled.messages {
        let i = m.header.offset;
        assert_eq!(m.payload, Bytes::from(payload(i)), "payload at {i}");
        assert_eq!(m.header.payload_length as usize, payload(i).len());
        let expected = (i.is_multiple_of(2)).then(|| headers(i));
        assert_eq!(
            m.user_headers_map().expect("headers"),
            expected,
            "headers at {i}"
        );
    }
    polled.messages.iter().map(|m| m.header.offset).collect()
}

/// Every polling kind reads the plaintext back.
async fn read_every_way(client: &IggyClient) {
    let all: Vec<u64> = (0..MESSAGES).collect();
    assert_eq!(
        poll(client, PollingStrategy::offset(0), 1000, false).await,
        all
    );
    assert_eq!(
        poll(client, PollingStrategy::first(), 3, false).await,
        [0, 1, 2]
    );
    assert_eq!(
        poll(client, PollingStrategy::last(), 2, false).await,
        [48, 49]
    );
    assert_eq!(
        poll(client, PollingStrategy::offset(17), 5, false).await,
        [17, 18, 19, 20, 21]
    );
    let at = within(client.poll_messages(
        &id(0),
        &id(0),
        Some(0),
        &Consumer::new(id(8)),
        &PollingStrategy::offset(30),
        1,
        false,
    ))
    .await
    .expect("poll")
    .messages[0]
        .header
        .timestamp;
    let by_time = poll(client, PollingStrategy::timestamp(at.into()), 1000, false).await;
    assert_eq!(by_time.first(), Some(&30));
    // Next with auto-commit: the stored offset moves on.
    let first = poll(client, PollingStrategy::next(), 10, true).await;
    let second = poll(client, PollingStrategy::next(), 10, true).await;
    assert_eq!(second.first(), first.last().map(|o| o + 1).as_ref());
}

/// Files added, removed or changed between two snapshots.
fn changed(before: &HashMap<PathBuf, Vec<u8>>, after: &HashMap<PathBuf, Vec<u8>>) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = before
        .keys()
        .chain(after.keys())
        .filter(|p| before.get(*p) != after.get(*p))
        .cloned()
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

/// Every file under `dir`, by path, with its bytes, but `runtime/current_config.toml`: the
/// harness deletes it before every start.
fn snapshot(dir: &Path) -> HashMap<PathBuf, Vec<u8>> {
    let mut files = HashMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).expect("read dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if !path.ends_with("runtime/current_config.toml") {
                files.insert(path.clone(), std::fs::read(&path).expect("read"));
            }
        }
    }
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stored_data_is_encrypted_and_clients_see_plaintext_across_restarts() {
    let dirs = TestDirs::new();
    let server = builder(&dirs, Some(KEY)).start();
    let client = root_client(&server).await;
    write(&client).await;
    read_every_way(&client).await;
    drop(client);
    let output = server.stop();
    assert!(!output.contains(KEY), "the key is never logged");

    // Nothing readable on disk: payloads, headers, names (the log files are plain text by
    // design and only name ids and counts; they are left out of the search).
    let data = dirs.system_path();
    for marker in [
        "plaintext-payload-marker",
        "header-key-marker",
        "header-value-marker",
        "stream-name-marker",
        "user-name-marker",
        KEY,
    ] {
        let found: Vec<_> = files_containing(&data, marker.as_bytes())
            .into_iter()
            .filter(|p| !p.starts_with(data.join("logs")))
            .collect();
        assert!(found.is_empty(), "{marker} in plaintext in {found:?}");
    }
    let config = std::fs::read_to_string(dirs.runtime_config_path()).expect("runtime config");
    assert!(config.contains("key = \"******\""), "the key is redacted");

    let server = builder(&dirs, Some(KEY)).start();
    let client = root_client(&server).await;
    read_every_way(&client).await;
    let stream = within(client.get_stream(&id(0)))
        .await
        .expect("get")
        .expect("stream");
    assert_eq!(stream.name, "stream-name-marker");
    within(client.login_user("user-name-marker", "secret-password-marker"))
        .await
        .expect("the user survives");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_or_missing_key_refuses_the_start_and_changes_nothing() {
    let dirs = TestDirs::new();
    let server = builder(&dirs, Some(KEY)).start();
    let client = root_client(&server).await;
    write(&client).await;
    drop(client);
    server.stop();
    let before = snapshot(&dirs.system_path());

    let (_, output) = expect_start_failure(builder(&dirs, Some(OTHER_KEY)));
    assert!(
        output.contains("not the key this data was written with"),
        "{output}"
    );
    assert!(!output.contains(OTHER_KEY), "the key is never logged");
    assert!(
        snapshot(&dirs.system_path()) == before,
        "a wrong key changed files"
    );
    let (_, output) = expect_start_failure(builder(&dirs, None));
    assert!(
        output.contains("system.encryption.enabled = true"),
        "{output}"
    );
    assert!(
        snapshot(&dirs.system_path()) == before,
        "a missing key changed files"
    );

    let server = builder(&dirs, Some(KEY)).start();
    let client = root_client(&server).await;
    read_every_way(&client).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encryption_on_plaintext_data_refuses_the_start() {
    let dirs = TestDirs::new();
    let server = builder(&dirs, None).start();
    server.stop();
    let before = snapshot(&dirs.system_path());
    let (_, output) = expect_start_failure(builder(&dirs, Some(KEY)));
    assert!(output.contains("written without encryption"), "{output}");
    let after = snapshot(&dirs.system_path());
    assert!(
        changed(&before, &after).is_empty(),
        "changed {:?}",
        changed(&before, &after)
    );
}

/// A kill -9 while a producer writes encrypted messages (each written at once): after the
/// restart every acknowledged message decrypts, in order, and writing goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_encrypted_writes_loses_no_acknowledged_message() {
    use std::sync::atomic::{AtomicU64, Ordering};
    let dirs = TestDirs::new();
    let durable =
        |b: TestServerBuilder| b.env("IGGY_SYSTEM_PARTITION_MESSAGES_REQUIRED_TO_SAVE", "1");
    let mut server = durable(builder(&dirs, Some(KEY))).start();
    let client = root_client(&server).await;
    write(&client).await;
    let acked = Arc::new(AtomicU64::new(MESSAGES));
    let producer = {
        let (acked, addr) = (acked.clone(), server.endpoint());
        tokio::spawn(async move {
            let client = common::sdk_client(addr).await;
            if within(client.login_user("iggy", "iggy")).await.is_err() {
                return;
            }
            for i in MESSAGES.. {
                let mut m = vec![message(i)];
                let sent = client
                    .send_messages(&id(0), &id(0), &Partitioning::partition_id(0), &mut m)
                    .await;
                if sent.is_err() {
                    break;
                }
                acked.store(i + 1, Ordering::SeqCst);
            }
        })
    };
    while acked.load(Ordering::SeqCst) < MESSAGES + 200 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    server.kill();
    within(producer).await.expect("producer");
    drop(client);
    let acked = acked.load(Ordering::SeqCst);

    let server = durable(builder(&dirs, Some(KEY))).start();
    let client = root_client(&server).await;
    let all = poll(&client, PollingStrategy::offset(0), u32::MAX, false).await;
    let n = all.len() as u64;
    assert!(
        n >= acked,
        "{n} messages after kill -9, {acked} acknowledged"
    );
    assert_eq!(all, (0..n).collect::<Vec<u64>>());
    let mut more = vec![message(n)];
    within(client.send_messages(&id(0), &id(0), &Partitioning::partition_id(0), &mut more))
        .await
        .expect("send after restart");
    assert_eq!(poll(&client, PollingStrategy::last(), 1, false).await, [n]);
}
