//! Messages through the official SDK: every polling strategy with and without auto-commit,
//! ordering, partitioning (balanced, partition id, messages key), user headers of every kind,
//! large payloads, consumer offsets and FlushUnsavedBuffer.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use common::{
    create_stream_and_topic, expect_code, files_containing, id, name, partition_dir, root_client,
    within, TestServer,
};
use iggy::prelude::{
    Consumer, ConsumerOffsetClient, HeaderKey, HeaderValue, Identifier, IggyClient, IggyMessage,
    IggyTimestamp, MessageClient, Partitioning, PolledMessages, PollingStrategy,
};

/// Stream "s" with topic "t" of `partitions` partitions; answers their identifiers.
async fn setup(client: &IggyClient, partitions: u32) -> (Identifier, Identifier) {
    let (stream, topic) = create_stream_and_topic(client, "s", "t", partitions).await;
    (id(stream), id(topic))
}

fn message(payload: impl Into<Bytes>) -> IggyMessage {
    IggyMessage::builder()
        .payload(payload.into())
        .build()
        .expect("build message")
}

async fn send(
    client: &IggyClient,
    stream: &Identifier,
    topic: &Identifier,
    partitioning: &Partitioning,
    payloads: &[String],
) {
    let mut messages: Vec<IggyMessage> = payloads.iter().map(|p| message(p.clone())).collect();
    within(client.send_messages(stream, topic, partitioning, &mut messages))
        .await
        .unwrap_or_else(|e| panic!("send {payloads:?} with {partitioning:?}: {e}"));
}

#[allow(clippy::too_many_arguments)]
async fn poll(
    client: &IggyClient,
    stream: &Identifier,
    topic: &Identifier,
    partition: Option<u32>,
    consumer: &Consumer,
    strategy: PollingStrategy,
    count: u32,
    auto_commit: bool,
) -> PolledMessages {
    within(client.poll_messages(
        stream,
        topic,
        partition,
        consumer,
        &strategy,
        count,
        auto_commit,
    ))
    .await
    .unwrap_or_else(|e| panic!("poll {strategy:?} count {count} partition {partition:?}: {e}"))
}

fn offsets(polled: &PolledMessages) -> Vec<u64> {
    polled.messages.iter().map(|m| m.header.offset).collect()
}

fn payloads(polled: &PolledMessages) -> Vec<String> {
    polled
        .messages
        .iter()
        .map(|m| String::from_utf8(m.payload.to_vec()).expect("utf-8 payload"))
        .collect()
}

fn batch(prefix: &str, range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("{prefix}{i}")).collect()
}

async fn stored_offset(
    client: &IggyClient,
    stream: &Identifier,
    topic: &Identifier,
    consumer: &Consumer,
    partition: Option<u32>,
) -> Option<u64> {
    within(client.get_consumer_offset(consumer, stream, topic, partition))
        .await
        .expect("get consumer offset")
        .map(|info| info.stored_offset)
}

// --- polling strategies ------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_polling_strategy_without_auto_commit() {
    let server = TestServer::start();
    let client = root_client(&server).await;
    let (s, t) = setup(&client, 1).await;
    let p0 = Partitioning::partition_id(0);

    // Empty partition: header only, current offset 0.
    let consumer = Consumer::new(id(1));
    let empty = poll(
        &client,
        &s,
        &t,
        Some(0),
        &consumer,
        PollingStrategy::first(),
        10,
        false,
    )
    .await;
    assert_eq!((empty.partition_id, empty.current_offset), (0, 0));
    assert!(empty.messages.is_empty(), "{:?}", offsets(&empty));

    for b in 0..10 {
        send(&client, &s, &t, &p0, &batch("m", b * 5..b * 5 + 5)).await;
    }
    let expected: Vec<String> = batch("m", 0..50);

    let all = poll(
        &client,
        &s,
        &t,
        Some(0),
        &consumer,
        PollingStrategy::offset(0),
        100,
        false,
    )
    .await;
    assert_eq!(all.partition_id, 0);
    assert_eq!(all.current_offset, 49);
    assert_eq!(all.count, 50);
    assert_eq!(offsets(&all), (0..50).collect::<Vec<u64>>());
    assert_eq!(payloads(&all), expected);
    for (i, m) in all.messages.iter().enumerate() {
        assert_ne!(m.header.id, 0, "offset {i}: the server replaces id 0");
        assert_ne!(m.header.timestamp, 0, "offset {i}: server timestamp");
        assert_ne!(m.header.checksum, 0, "offset {i}: checksum");
        assert_eq!(m.header.reserved, 0, "offset {i}: reserved");
        assert!(m.user_headers.is_none(), "offset {i}: no headers sent");
        if i % 5 != 0 {
            assert_eq!(
                m.header.timestamp,
                all.messages[i - 1].header.timestamp,
                "offset {i}: one timestamp per batch"
            );
        } else if i > 0 {
            assert!(
                m.header.timestamp >= all.messages[i - 1].header.timestamp,
                "offset {i}: timestamps must not go back"
            );
        }
    }
    let ids: BTreeSet<u128> = all.messages.iter().map(|m| m.header.id).collect();
    assert_eq!(ids.len(), 50, "generated ids must be distinct");

    // offset
    let part = poll(
        &client,
        &s,
        &t,
        Some(0),
        &consumer,
        PollingStrategy::offset(20),
        5,
        false,
    )
    .await;
    assert_eq!(offsets(&part), (20..25).collect::<Vec<u64>>());
    assert_eq!(payloads(&part), batch("m", 20..25));
    let tail = poll(
        &client,
        &s,
        &t,
        Some(0),
        &consumer,
        PollingStrategy::offset(49),
        10,
        false,
    )
    .await;
    assert_eq!(offsets(&tail), vec![49]);
    let beyond = poll(
        &client,
        &s,
        &t,
        Some(0),
        &consumer,
        PollingStrategy::offset(50),
        10,
        false,
    )
    .await;
    assert!(beyond.messages.is_empty(), "{:?}", offsets(&beyond));
    assert_eq!(beyond.current_offset, 49);

    // first
    let first = poll(
        &client,
        &s,
        &t,
        Some(0),
        &consumer,
        PollingStrategy::first(),
        3,
        false,
    )
    .await;
    assert_eq!(offsets(&first), vec![0, 1, 2]);

    // last
    let last = poll(
        &client,
        &s,
        &t,
        Some(0),
        &consumer,
        PollingStrategy::last(),
        3,
        false,
    )
    .await;
    assert_eq!(offsets(&last), vec![47, 48, 49]);
    assert_eq!(payloads(&last), batch("m", 47..50));
    let last_all = poll(
        &client,
        &s,
        &t,
        Some(0),
        &consumer,
        PollingStrategy::last(),
        100,
        false,
    )
    .await;
    assert_eq!(offsets(&last_all), (0..50).collect::<Vec<u64>>());

    // timestamp: the server append time, inclusive
    let ts = all.messages[25].header.timestamp;
    let from_ts: Vec<u64> = all
        .messages
        .iter()
        .filter(|m| m.header.timestamp >= ts)
        .map(|m| m.header.offset)
        .collect();
    let by_ts = poll(
        &client,
        &s,
        &t,
        Some(0),
        &consumer,
        PollingStrategy::timestamp(IggyTimestamp::from(ts)),
        100,
        false,
    )
    .await;
    assert_eq!(offsets(&by_ts), from_ts, "timestamp {ts}");
    assert!(by_ts.messages[0].header.offset <= 25);
    let by_ts_limited = poll(
        &client,
        &s,
        &t,
        Some(0),
        &consumer,
        PollingStrategy::timestamp(IggyTimestamp::from(ts)),
        2,
        false,
    )
    .await;
    assert_eq!(offsets(&by_ts_limited), from_ts[..2].to_vec());
    let from_zero = poll(
        &client,
        &s,
        &t,
        Some(0),
        &consumer,
        PollingStrategy::timestamp(IggyTimestamp::from(0)),
        100,
        false,
    )
    .await;
    assert_eq!(offsets(&from_zero), (0..50).collect::<Vec<u64>>());
    let future = all.messages[49].header.timestamp + 1;
    let none = poll(
        &client,
        &s,
        &t,
        Some(0),
        &consumer,
        PollingStrategy::timestamp(IggyTimestamp::from(future)),
        100,
        false,
    )
    .await;
    assert!(none.messages.is_empty(), "{:?}", offsets(&none));

    // next without auto-commit: nothing stored, so always from the start
    for _ in 0..2 {
        let next = poll(
            &client,
            &s,
            &t,
            Some(0),
            &consumer,
            PollingStrategy::next(),
            4,
            false,
        )
        .await;
        assert_eq!(offsets(&next), vec![0, 1, 2, 3]);
    }
    assert_eq!(
        stored_offset(&client, &s, &t, &consumer, Some(0)).await,
        None
    );

    // partition absent = partition 0
    let implicit = poll(
        &client,
        &s,
        &t,
        None,
        &consumer,
        PollingStrategy::offset(10),
        2,
        false,
    )
    .await;
    assert_eq!(implicit.partition_id, 0);
    assert_eq!(offsets(&implicit), vec![10, 11]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_commit_stores_last_returned_offset_for_every_strategy() {
    let server = TestServer::start();
    let client = root_client(&server).await;
    let (s, t) = setup(&client, 1).await;
    let p0 = Partitioning::partition_id(0);
    for b in 0..3 {
        send(&client, &s, &t, &p0, &batch("a", b * 10..b * 10 + 10)).await;
    }
    let probe = Consumer::new(id(999));
    let all = poll(
        &client,
        &s,
        &t,
        Some(0),
        &probe,
        PollingStrategy::offset(0),
        100,
        false,
    )
    .await;
    assert_eq!(offsets(&all), (0..30).collect::<Vec<u64>>());
    let ts = all.messages[10].header.timestamp;
    let first_ts = all
        .messages
        .iter()
        .find(|m| m.header.timestamp >= ts)
        .expect("a message at ts")
        .header
        .offset;

    let cases: Vec<(Consumer, PollingStrategy, u32, u64)> = vec![
        (Consumer::new(id(11)), PollingStrategy::offset(5), 4, 8),
        (Consumer::new(id(12)), PollingStrategy::first(), 3, 2),
        (Consumer::new(id(13)), PollingStrategy::last(), 2, 29),
        (
            Consumer::new(name("by-timestamp")),
            PollingStrategy::timestamp(IggyTimestamp::from(ts)),
            5,
            first_ts + 4,
        ),
        (
            Consumer::new(name("by-next")),
            PollingStrategy::next(),
            6,
            5,
        ),
    ];
    for (consumer, strategy, count, expected_last) in &cases {
        let polled = poll(&client, &s, &t, Some(0), consumer, *strategy, *count, true).await;
        assert_eq!(
            polled.messages.last().map(|m| m.header.offset),
            Some(*expected_last),
            "{strategy:?}"
        );
        let info = within(client.get_consumer_offset(consumer, &s, &t, Some(0)))
            .await
            .expect("get consumer offset")
            .unwrap_or_else(|| panic!("{strategy:?} with auto-commit stored nothing"));
        assert_eq!(info.partition_id, 0);
        assert_eq!(info.current_offset, 29);
        assert_eq!(info.stored_offset, *expected_last, "{strategy:?}");
        // "next" resumes right after the stored offset.
        let next = poll(
            &client,
            &s,
            &t,
            Some(0),
            consumer,
            PollingStrategy::next(),
            1,
            false,
        )
        .await;
        let expected_next: Vec<u64> = if *expected_last < 29 {
            vec![expected_last + 1]
        } else {
            vec![]
        };
        assert_eq!(offsets(&next), expected_next, "next after {strategy:?}");
    }
    // Offsets are per consumer: the probe (never auto-committed) has nothing.
    assert_eq!(stored_offset(&client, &s, &t, &probe, Some(0)).await, None);

    // A poll that returns nothing stores nothing.
    let idle = Consumer::new(id(14));
    let nothing = poll(
        &client,
        &s,
        &t,
        Some(0),
        &idle,
        PollingStrategy::offset(30),
        10,
        true,
    )
    .await;
    assert!(nothing.messages.is_empty());
    assert_eq!(stored_offset(&client, &s, &t, &idle, Some(0)).await, None);

    // next + auto-commit sees each message exactly once, by numeric id and by name.
    let readers = [Consumer::new(id(21)), Consumer::new(name("reader"))];
    for consumer in &readers {
        let mut seen = Vec::new();
        for _ in 0..10 {
            let polled = poll(
                &client,
                &s,
                &t,
                Some(0),
                consumer,
                PollingStrategy::next(),
                7,
                true,
            )
            .await;
            if polled.messages.is_empty() {
                break;
            }
            seen.extend(payloads(&polled));
        }
        assert_eq!(seen, batch("a", 0..30), "{consumer:?}");
        assert_eq!(
            stored_offset(&client, &s, &t, consumer, Some(0)).await,
            Some(29)
        );
    }
    // New messages continue the sequence for the same consumers.
    send(&client, &s, &t, &p0, &["late".to_string()]).await;
    for consumer in &readers {
        let polled = poll(
            &client,
            &s,
            &t,
            Some(0),
            consumer,
            PollingStrategy::next(),
            7,
            true,
        )
        .await;
        assert_eq!(offsets(&polled), vec![30], "{consumer:?}");
        assert_eq!(payloads(&polled), vec!["late"], "{consumer:?}");
    }
}

// --- ordering and partitioning -----------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_is_kept_within_each_partition() {
    let server = TestServer::start();
    let client = root_client(&server).await;
    let (s, t) = setup(&client, 3).await;
    for round in 0..10 {
        for p in 0..3u32 {
            let prefix = format!("p{p}-");
            send(
                &client,
                &s,
                &t,
                &Partitioning::partition_id(p),
                &batch(&prefix, round * 3..round * 3 + 3),
            )
            .await;
        }
    }
    let consumer = Consumer::new(id(1));
    for p in 0..3u32 {
        let mut got_offsets = Vec::new();
        let mut got = Vec::new();
        let mut next = 0;
        for _ in 0..10 {
            let polled = poll(
                &client,
                &s,
                &t,
                Some(p),
                &consumer,
                PollingStrategy::offset(next),
                7,
                false,
            )
            .await;
            assert_eq!(polled.partition_id, p);
            if polled.messages.is_empty() {
                break;
            }
            next = polled.messages.last().expect("non-empty").header.offset + 1;
            got_offsets.extend(offsets(&polled));
            got.extend(payloads(&polled));
        }
        assert_eq!(got_offsets, (0..30).collect::<Vec<u64>>(), "partition {p}");
        assert_eq!(got, batch(&format!("p{p}-"), 0..30), "partition {p}");
    }
}

/// Which partition each payload landed in, and the payloads of each partition in order.
async fn read_partitions(
    client: &IggyClient,
    s: &Identifier,
    t: &Identifier,
    partitions: u32,
) -> (BTreeMap<String, u32>, Vec<Vec<String>>) {
    let consumer = Consumer::new(id(77));
    let mut placement = BTreeMap::new();
    let mut contents = Vec::new();
    for p in 0..partitions {
        let polled = poll(
            client,
            s,
            t,
            Some(p),
            &consumer,
            PollingStrategy::offset(0),
            1000,
            false,
        )
        .await;
        let list = payloads(&polled);
        for payload in &list {
            assert!(
                placement.insert(payload.clone(), p).is_none(),
                "{payload} stored twice"
            );
        }
        contents.push(list);
    }
    (placement, contents)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn balanced_partitioning_rotates_once_per_batch_over_all_partitions() {
    let server = TestServer::start();
    let client = root_client(&server).await;
    let partitions = 4u32;
    let (s, t) = setup(&client, partitions).await;
    let batches = 12usize;
    for b in 0..batches {
        send(
            &client,
            &s,
            &t,
            &Partitioning::balanced(),
            &batch(&format!("b{b}-"), 0..3),
        )
        .await;
    }
    let (placement, contents) = read_partitions(&client, &s, &t, partitions).await;
    assert_eq!(placement.len(), batches * 3, "every message stored once");
    let mut batch_partition = Vec::new();
    for b in 0..batches {
        let parts: BTreeSet<u32> = (0..3).map(|i| placement[&format!("b{b}-{i}")]).collect();
        assert_eq!(parts.len(), 1, "batch {b} split over partitions {parts:?}");
        batch_partition.push(*parts.iter().next().expect("one partition"));
    }
    let first_round: BTreeSet<u32> = batch_partition[..4].iter().copied().collect();
    assert_eq!(
        first_round.len(),
        4,
        "4 consecutive batches must cover all 4 partitions: {batch_partition:?}"
    );
    for b in 4..batches {
        assert_eq!(
            batch_partition[b],
            batch_partition[b - 4],
            "round robin: batch {b} {batch_partition:?}"
        );
    }
    for (p, list) in contents.iter().enumerate() {
        assert_eq!(list.len(), 9, "partition {p}: {list:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_key_partitioning_is_stable() {
    let server = TestServer::start();
    let client = root_client(&server).await;
    let partitions = 5u32;
    let (s, t) = setup(&client, partitions).await;
    for round in 0..3 {
        for k in 0..10 {
            let key = format!("key-{k}");
            let partitioning = Partitioning::messages_key_str(&key).expect("key");
            send(
                &client,
                &s,
                &t,
                &partitioning,
                &batch(&format!("{key}/"), round * 2..round * 2 + 2),
            )
            .await;
        }
    }
    let (placement, contents) = read_partitions(&client, &s, &t, partitions).await;
    assert_eq!(placement.len(), 60);
    let mut used = BTreeSet::new();
    for k in 0..10 {
        let key = format!("key-{k}");
        let parts: BTreeSet<u32> = (0..6).map(|i| placement[&format!("{key}/{i}")]).collect();
        assert_eq!(parts.len(), 1, "{key} spread over {parts:?}");
        let partition = *parts.iter().next().expect("one");
        let expected = xxhash_rust::xxh32::xxh32(key.as_bytes(), 0) % partitions;
        assert_eq!(partition, expected, "{key}: XXH32(key) mod partitions");
        used.insert(partition);
        // Order of one key's messages is kept in its partition.
        let in_partition: Vec<&String> = contents[partition as usize]
            .iter()
            .filter(|p| p.starts_with(&format!("{key}/")))
            .collect();
        let expected_order = batch(&format!("{key}/"), 0..6);
        assert_eq!(in_partition, expected_order.iter().collect::<Vec<_>>());
    }
    assert!(used.len() > 1, "10 keys all in one partition: {used:?}");
}

// --- message contents --------------------------------------------------------------------------

fn every_kind_of_header() -> BTreeMap<HeaderKey, HeaderValue> {
    let key = |k: &str| HeaderKey::try_from(k).expect("string key");
    let mut headers = BTreeMap::new();
    headers.insert(
        key("string"),
        HeaderValue::try_from("héllo wörld").expect("str"),
    );
    headers.insert(key("bool-true"), HeaderValue::from(true));
    headers.insert(key("bool-false"), HeaderValue::from(false));
    headers.insert(key("int8"), HeaderValue::from(-8i8));
    headers.insert(key("int16"), HeaderValue::from(-1616i16));
    headers.insert(key("int32"), HeaderValue::from(i32::MIN));
    headers.insert(key("int64"), HeaderValue::from(i64::MIN + 7));
    headers.insert(key("int128"), HeaderValue::from(i128::MIN + 3));
    headers.insert(key("uint8"), HeaderValue::from(u8::MAX));
    headers.insert(key("uint16"), HeaderValue::from(65_000u16));
    headers.insert(key("uint32"), HeaderValue::from(u32::MAX - 1));
    headers.insert(key("uint64"), HeaderValue::from(u64::MAX - 2));
    headers.insert(key("uint128"), HeaderValue::from(u128::MAX - 3));
    headers.insert(key("float32"), HeaderValue::from(3.25f32));
    headers.insert(key("float64"), HeaderValue::from(-1.0e300f64));
    headers.insert(
        key("raw"),
        HeaderValue::try_from((0u8..=254).collect::<Vec<u8>>()).expect("raw"),
    );
    headers.insert(
        key("long-string"),
        HeaderValue::try_from("x".repeat(255)).expect("255 bytes"),
    );
    // Typed keys.
    headers.insert(HeaderKey::from(42u32), HeaderValue::from(1u8));
    headers.insert(HeaderKey::from(true), HeaderValue::from(2u8));
    headers.insert(
        HeaderKey::try_from(vec![0u8, 1, 2]).expect("raw key"),
        HeaderValue::from(3u8),
    );
    headers.insert(HeaderKey::from(-5i64), HeaderValue::from(4u8));
    headers.insert(HeaderKey::from(2.5f64), HeaderValue::from(5u8));
    headers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_headers_of_every_kind_come_back_intact() {
    let server = TestServer::start();
    let client = root_client(&server).await;
    let (s, t) = setup(&client, 1).await;
    let headers = every_kind_of_header();
    let mut small = BTreeMap::new();
    small.insert(
        HeaderKey::try_from("only").expect("key"),
        HeaderValue::from(7u16),
    );
    let with_headers = IggyMessage::builder()
        .payload(Bytes::from_static(b"with headers"))
        .user_headers(headers.clone())
        .build()
        .expect("message with headers");
    let sent_block = with_headers.user_headers.clone().expect("header block");
    let mut messages = vec![
        with_headers,
        message("no headers"),
        IggyMessage::builder()
            .id(123_456_789u128)
            .payload(Bytes::from_static(b"small headers"))
            .user_headers(small.clone())
            .build()
            .expect("message"),
    ];
    within(client.send_messages(&s, &t, &Partitioning::partition_id(0), &mut messages))
        .await
        .expect("send");

    let polled = poll(
        &client,
        &s,
        &t,
        Some(0),
        &Consumer::new(id(1)),
        PollingStrategy::offset(0),
        10,
        false,
    )
    .await;
    assert_eq!(
        payloads(&polled),
        vec!["with headers", "no headers", "small headers"]
    );
    let first = &polled.messages[0];
    assert_eq!(
        first.user_headers.as_ref(),
        Some(&sent_block),
        "header block returned byte for byte"
    );
    assert_eq!(
        first.header.user_headers_length as usize,
        sent_block.len(),
        "user_headers_length"
    );
    let got = first
        .user_headers_map()
        .expect("parse headers")
        .expect("headers present");
    assert_eq!(got, headers);
    let get = |k: &str| got[&HeaderKey::try_from(k).expect("key")].clone();
    assert_eq!(get("string").as_str().expect("str"), "héllo wörld");
    assert!(get("bool-true").as_bool().expect("bool"));
    assert!(!get("bool-false").as_bool().expect("bool"));
    assert_eq!(get("int8").as_int8().expect("i8"), -8);
    assert_eq!(get("int16").as_int16().expect("i16"), -1616);
    assert_eq!(get("int32").as_int32().expect("i32"), i32::MIN);
    assert_eq!(get("int64").as_int64().expect("i64"), i64::MIN + 7);
    assert_eq!(get("int128").as_int128().expect("i128"), i128::MIN + 3);
    assert_eq!(get("uint8").as_uint8().expect("u8"), u8::MAX);
    assert_eq!(get("uint16").as_uint16().expect("u16"), 65_000);
    assert_eq!(get("uint32").as_uint32().expect("u32"), u32::MAX - 1);
    assert_eq!(get("uint64").as_uint64().expect("u64"), u64::MAX - 2);
    assert_eq!(get("uint128").as_uint128().expect("u128"), u128::MAX - 3);
    assert_eq!(get("float32").as_float32().expect("f32"), 3.25);
    assert_eq!(get("float64").as_float64().expect("f64"), -1.0e300);
    assert_eq!(
        get("raw").as_raw().expect("raw"),
        (0u8..=254).collect::<Vec<u8>>().as_slice()
    );

    assert!(polled.messages[1].user_headers.is_none());
    assert_eq!(polled.messages[1].header.user_headers_length, 0);
    assert_eq!(polled.messages[1].user_headers_map().expect("parse"), None);

    let third = &polled.messages[2];
    assert_eq!(third.header.id, 123_456_789, "a non-zero id is kept");
    assert_eq!(third.user_headers_map().expect("parse"), Some(small));
}

fn pattern(len: usize, seed: u8) -> Bytes {
    Bytes::from(
        (0..len)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
            .collect::<Vec<u8>>(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_messages_round_trip() {
    let server = TestServer::start();
    let client = root_client(&server).await;
    let (s, t) = setup(&client, 1).await;
    let p0 = Partitioning::partition_id(0);
    let sizes = [1_000_000usize, 10_000_000, 1];
    for (i, size) in sizes.iter().enumerate() {
        let mut messages = vec![message(pattern(*size, i as u8))];
        within(client.send_messages(&s, &t, &p0, &mut messages))
            .await
            .unwrap_or_else(|e| panic!("send {size} bytes: {e}"));
    }
    // A batch of many small messages after the big ones.
    let mut many: Vec<IggyMessage> = (0..1000).map(|i| message(format!("small-{i}"))).collect();
    within(client.send_messages(&s, &t, &p0, &mut many))
        .await
        .expect("send 1000 small messages");

    let consumer = Consumer::new(id(1));
    for (i, size) in sizes.iter().enumerate() {
        let polled = poll(
            &client,
            &s,
            &t,
            Some(0),
            &consumer,
            PollingStrategy::offset(i as u64),
            1,
            false,
        )
        .await;
        assert_eq!(polled.messages.len(), 1, "message {i}");
        let m = &polled.messages[0];
        assert_eq!(m.header.offset, i as u64);
        assert_eq!(m.header.payload_length as usize, *size);
        assert!(
            m.payload == pattern(*size, i as u8),
            "payload of {size} bytes differs"
        );
    }
    let polled = poll(
        &client,
        &s,
        &t,
        Some(0),
        &consumer,
        PollingStrategy::offset(3),
        2000,
        false,
    )
    .await;
    assert_eq!(offsets(&polled), (3..1003).collect::<Vec<u64>>());
    assert_eq!(payloads(&polled), batch("small-", 0..1000));
}

// --- consumer offsets --------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_offsets_get_store_delete() {
    let server = TestServer::start();
    let client = root_client(&server).await;
    let (s, t) = setup(&client, 2).await;
    let numeric = Consumer::new(id(5));
    let named = Consumer::new(name("worker"));

    // Nothing received yet: store is 4100, get is empty, delete is 3021.
    expect_code(
        client.store_consumer_offset(&numeric, &s, &t, Some(0), 0),
        4100,
        "store on an empty partition",
    )
    .await;
    assert_eq!(
        stored_offset(&client, &s, &t, &numeric, Some(0)).await,
        None
    );
    expect_code(
        client.delete_consumer_offset(&numeric, &s, &t, Some(0)),
        3021,
        "delete without a stored offset",
    )
    .await;

    send(
        &client,
        &s,
        &t,
        &Partitioning::partition_id(0),
        &batch("o", 0..10),
    )
    .await;
    send(
        &client,
        &s,
        &t,
        &Partitioning::partition_id(1),
        &batch("q", 0..4),
    )
    .await;

    within(client.store_consumer_offset(&numeric, &s, &t, Some(0), 3))
        .await
        .expect("store 3");
    let info = within(client.get_consumer_offset(&numeric, &s, &t, Some(0)))
        .await
        .expect("get")
        .expect("stored offset present");
    assert_eq!(
        (info.partition_id, info.current_offset, info.stored_offset),
        (0, 9, 3)
    );
    // Partition absent = partition 0.
    assert_eq!(
        stored_offset(&client, &s, &t, &numeric, None).await,
        Some(3)
    );
    // Other consumer, other partition: nothing.
    assert_eq!(stored_offset(&client, &s, &t, &named, Some(0)).await, None);
    assert_eq!(
        stored_offset(&client, &s, &t, &numeric, Some(1)).await,
        None
    );

    let polled = poll(
        &client,
        &s,
        &t,
        Some(0),
        &numeric,
        PollingStrategy::next(),
        2,
        false,
    )
    .await;
    assert_eq!(offsets(&polled), vec![4, 5], "next resumes at stored + 1");

    // Beyond the last offset: 4100.
    expect_code(
        client.store_consumer_offset(&numeric, &s, &t, Some(0), 10),
        4100,
        "store beyond the last offset",
    )
    .await;
    assert_eq!(
        stored_offset(&client, &s, &t, &numeric, Some(0)).await,
        Some(3)
    );

    within(client.store_consumer_offset(&numeric, &s, &t, Some(0), 9))
        .await
        .expect("store the last offset");
    let polled = poll(
        &client,
        &s,
        &t,
        Some(0),
        &numeric,
        PollingStrategy::next(),
        2,
        false,
    )
    .await;
    assert!(polled.messages.is_empty(), "{:?}", offsets(&polled));
    // Going back is allowed.
    within(client.store_consumer_offset(&numeric, &s, &t, Some(0), 1))
        .await
        .expect("store a lower offset");
    assert_eq!(
        stored_offset(&client, &s, &t, &numeric, Some(0)).await,
        Some(1)
    );

    // Named consumer on partition 1.
    within(client.store_consumer_offset(&named, &s, &t, Some(1), 2))
        .await
        .expect("named store");
    let info = within(client.get_consumer_offset(&named, &s, &t, Some(1)))
        .await
        .expect("get")
        .expect("present");
    assert_eq!(
        (info.partition_id, info.current_offset, info.stored_offset),
        (1, 3, 2)
    );
    expect_code(
        client.store_consumer_offset(&named, &s, &t, Some(1), 4),
        4100,
        "beyond partition 1's last offset",
    )
    .await;

    // Unknown partition: 3007 for store/delete, empty for get.
    expect_code(
        client.store_consumer_offset(&numeric, &s, &t, Some(7), 0),
        3007,
        "store on an unknown partition",
    )
    .await;
    assert_eq!(
        stored_offset(&client, &s, &t, &numeric, Some(7)).await,
        None
    );

    // Delete, then delete again.
    within(client.delete_consumer_offset(&numeric, &s, &t, Some(0)))
        .await
        .expect("delete");
    assert_eq!(
        stored_offset(&client, &s, &t, &numeric, Some(0)).await,
        None
    );
    expect_code(
        client.delete_consumer_offset(&numeric, &s, &t, Some(0)),
        3021,
        "second delete",
    )
    .await;
    let polled = poll(
        &client,
        &s,
        &t,
        Some(0),
        &numeric,
        PollingStrategy::next(),
        2,
        false,
    )
    .await;
    assert_eq!(
        offsets(&polled),
        vec![0, 1],
        "next after delete starts over"
    );
    // The named consumer's offset is untouched.
    assert_eq!(
        stored_offset(&client, &s, &t, &named, Some(1)).await,
        Some(2)
    );
}

// --- flush -------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flush_unsaved_buffer_with_and_without_fsync() {
    let server = TestServer::start();
    let client = root_client(&server).await;
    let (s, t) = setup(&client, 2).await;
    let dir = partition_dir(server.dirs(), 0, 0, 0);
    let p0 = Partitioning::partition_id(0);

    send(&client, &s, &t, &p0, &["unsaved-marker-one".to_string()]).await;
    // Readable while still in the unsaved buffer (1024 messages / 1 MiB / 30 s not reached).
    let consumer = Consumer::new(id(1));
    let polled = poll(
        &client,
        &s,
        &t,
        Some(0),
        &consumer,
        PollingStrategy::offset(0),
        10,
        false,
    )
    .await;
    assert_eq!(payloads(&polled), vec!["unsaved-marker-one"]);
    assert!(
        files_containing(&dir, b"unsaved-marker-one").is_empty(),
        "a single message below every threshold should still be in the unsaved buffer"
    );

    within(client.flush_unsaved_buffer(&s, &t, 0, false))
        .await
        .expect("flush without fsync");
    let found = files_containing(&dir, b"unsaved-marker-one");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].extension().is_some_and(|e| e == "log"),
        "{found:?}"
    );

    send(&client, &s, &t, &p0, &["unsaved-marker-two".to_string()]).await;
    within(client.flush_unsaved_buffer(&s, &t, 0, true))
        .await
        .expect("flush with fsync");
    assert_eq!(files_containing(&dir, b"unsaved-marker-two").len(), 1);

    // Flushing an empty buffer or an empty partition is fine.
    within(client.flush_unsaved_buffer(&s, &t, 0, true))
        .await
        .expect("flush again");
    within(client.flush_unsaved_buffer(&s, &t, 1, false))
        .await
        .expect("flush an empty partition");

    // Unknown partition, topic, stream.
    expect_code(
        client.flush_unsaved_buffer(&s, &t, 9, false),
        3007,
        "unknown partition",
    )
    .await;
    expect_code(
        client.flush_unsaved_buffer(&s, &id(9), 0, false),
        2010,
        "unknown topic",
    )
    .await;
    expect_code(
        client.flush_unsaved_buffer(&id(9), &t, 0, false),
        1009,
        "unknown stream",
    )
    .await;

    // Both messages still readable, in order, after the flushes.
    let polled = poll(
        &client,
        &s,
        &t,
        Some(0),
        &consumer,
        PollingStrategy::offset(0),
        10,
        false,
    )
    .await;
    assert_eq!(
        payloads(&polled),
        vec!["unsaved-marker-one", "unsaved-marker-two"]
    );
    assert_eq!(offsets(&polled), vec![0, 1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_and_poll_errors_for_unknown_targets() {
    let server = TestServer::start();
    let client = root_client(&server).await;
    let (s, t) = setup(&client, 1).await;
    let mut messages = vec![message("x")];
    expect_code(
        client.send_messages(&s, &t, &Partitioning::partition_id(3), &mut messages),
        3007,
        "unknown partition",
    )
    .await;
    expect_code(
        client.send_messages(&s, &id(5), &Partitioning::balanced(), &mut messages),
        2010,
        "unknown topic",
    )
    .await;
    expect_code(
        client.send_messages(&name("nope"), &t, &Partitioning::balanced(), &mut messages),
        1009,
        "unknown stream",
    )
    .await;
    let consumer = Consumer::new(id(1));
    expect_code(
        client.poll_messages(
            &s,
            &t,
            Some(4),
            &consumer,
            &PollingStrategy::first(),
            1,
            false,
        ),
        3007,
        "poll unknown partition",
    )
    .await;
    // Nothing was stored by the failed sends; by name works too.
    within(client.send_messages(
        &name("s"),
        &name("t"),
        &Partitioning::balanced(),
        &mut messages,
    ))
    .await
    .expect("send by names");
    let polled = poll(
        &client,
        &name("s"),
        &name("t"),
        Some(0),
        &consumer,
        PollingStrategy::first(),
        10,
        false,
    )
    .await;
    assert_eq!(offsets(&polled), vec![0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_groups_are_answered_as_unknown_after_the_topic_resolves() {
    let server = TestServer::start();
    let client = root_client(&server).await;
    let (s, t) = setup(&client, 1).await;
    send(
        &client,
        &s,
        &t,
        &Partitioning::partition_id(0),
        &batch("g", 0..3),
    )
    .await;
    let group = Consumer::group(id(1));
    expect_code(
        client.poll_messages(&s, &t, Some(0), &group, &PollingStrategy::next(), 10, true),
        5000,
        "poll as a group",
    )
    .await;
    expect_code(
        client.store_consumer_offset(&group, &s, &t, Some(0), 1),
        5000,
        "store a group's offset",
    )
    .await;
    expect_code(
        client.delete_consumer_offset(&group, &s, &t, Some(0)),
        5000,
        "delete a group's offset",
    )
    .await;
    assert_eq!(stored_offset(&client, &s, &t, &group, Some(0)).await, None);
    // An unknown topic is reported as such, before the consumer's kind.
    expect_code(
        client.store_consumer_offset(&group, &s, &id(9), Some(0), 1),
        2010,
        "unknown topic",
    )
    .await;
    // An individual consumer still reads everything.
    let polled = poll(
        &client,
        &s,
        &t,
        Some(0),
        &Consumer::new(id(1)),
        PollingStrategy::first(),
        10,
        false,
    )
    .await;
    assert_eq!(offsets(&polled), vec![0, 1, 2]);
}
