//! Streams, topics, partitions and segments through the official SDK (and a few raw frames):
//! lifecycle by numeric id and by name, error codes, counts, stats and the on-disk layout.

mod common;

use std::fmt::Debug;
use std::str::FromStr;

use common::{
    assert_first_segment_files, assert_healthy, id, name, partition_dir, root_client, stream_dir,
    topic_dir, within, RawConn, TestServer, INVALID_COMMAND, STATUS_OK,
};
use iggy::prelude::{
    CompressionAlgorithm, Identifier, IggyByteSize, IggyDuration, IggyError, IggyExpiry,
    MaxTopicSize, PartitionClient, SegmentClient, StreamClient, SystemClient, TopicClient,
};

const CREATE_STREAM: u32 = 202;
const CREATE_TOPIC: u32 = 302;
const INVALID_FORMAT: u32 = 4;
const STREAM_NOT_FOUND: u32 = 1009;
const STREAM_NAME_EXISTS: u32 = 1012;
const INVALID_TOPIC_SIZE: u32 = 1019;
const TOPIC_NOT_FOUND: u32 = 2010;
const TOPIC_NAME_EXISTS: u32 = 2013;
const TOO_MANY_PARTITIONS: u32 = 2015;
const INVALID_PARTITIONS_COUNT: u32 = 2019;
const PARTITION_NOT_FOUND: u32 = 3007;

const GIB: u64 = 1024 * 1024 * 1024;

/// Assert `result` failed with the wire code `code`.
fn expect_code<T: Debug>(result: Result<T, IggyError>, code: u32, what: &str) {
    match result {
        Ok(value) => panic!("{what}: expected error {code}, got Ok({value:?})"),
        Err(error) => assert_eq!(
            error.as_code(),
            code,
            "{what}: expected error {code}, got {error:?} ({})",
            error.as_code()
        ),
    }
}

/// CreateTopic with server defaults (no compression, default expiry and size, no replication).
async fn create_topic(
    client: &impl TopicClient,
    stream: &Identifier,
    topic_name: &str,
    partitions: u32,
) -> Result<iggy::prelude::TopicDetails, IggyError> {
    within(client.create_topic(
        stream,
        topic_name,
        partitions,
        CompressionAlgorithm::None,
        None,
        IggyExpiry::ServerDefault,
        MaxTopicSize::ServerDefault,
    ))
    .await
}

fn partition_ids(topic: &iggy::prelude::TopicDetails) -> Vec<u32> {
    topic.partitions.iter().map(|p| p.id).collect()
}

// --- streams ----------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_lifecycle_by_id_and_by_name() {
    let server = TestServer::start();
    let client = root_client(&server).await;

    let alpha = within(client.create_stream("alpha"))
        .await
        .expect("create alpha");
    assert_eq!(alpha.id, 0, "first stream id");
    assert_eq!(alpha.name, "alpha");
    assert_eq!(alpha.topics_count, 0);
    assert_eq!(alpha.size.as_bytes_u64(), 0);
    assert_eq!(alpha.messages_count, 0);
    assert!(alpha.topics.is_empty());
    assert!(alpha.created_at.as_micros() > 0, "created_at is 0");

    let beta = within(client.create_stream("beta"))
        .await
        .expect("create beta");
    assert_eq!(beta.id, 1, "second stream id");

    let streams = within(client.get_streams()).await.expect("get_streams");
    let listed: Vec<(u32, &str)> = streams.iter().map(|s| (s.id, s.name.as_str())).collect();
    assert_eq!(listed, vec![(0, "alpha"), (1, "beta")]);

    for identifier in [id(0), name("alpha")] {
        let got = within(client.get_stream(&identifier))
            .await
            .expect("get_stream")
            .unwrap_or_else(|| panic!("stream {identifier} not found"));
        assert_eq!((got.id, got.name.as_str()), (0, "alpha"), "{identifier}");
        assert_eq!(got.topics_count, 0);
        assert_eq!(got.created_at, alpha.created_at, "created_at stable");
    }

    // Update by id, then by name.
    within(client.update_stream(&id(0), "alpha2"))
        .await
        .expect("update by id");
    within(client.update_stream(&name("beta"), "beta2"))
        .await
        .expect("update by name");
    let got = within(client.get_stream(&name("alpha2")))
        .await
        .expect("get alpha2")
        .expect("alpha2 exists");
    assert_eq!(got.id, 0);
    assert!(within(client.get_stream(&name("alpha")))
        .await
        .expect("get old name")
        .is_none());
    let got = within(client.get_stream(&id(1)))
        .await
        .expect("get 1")
        .expect("stream 1 exists");
    assert_eq!(got.name, "beta2");

    // Purge keeps the stream.
    within(client.purge_stream(&id(0)))
        .await
        .expect("purge by id");
    within(client.purge_stream(&name("beta2")))
        .await
        .expect("purge by name");
    assert_eq!(within(client.get_streams()).await.expect("list").len(), 2);

    within(client.delete_stream(&name("alpha2")))
        .await
        .expect("delete by name");
    assert!(within(client.get_stream(&id(0)))
        .await
        .expect("get deleted")
        .is_none());
    within(client.delete_stream(&id(1)))
        .await
        .expect("delete by id");
    assert!(within(client.get_streams())
        .await
        .expect("list after delete")
        .is_empty());
    assert!(
        !stream_dir(server.dirs(), 0).exists(),
        "stream 0 dir remains"
    );
    assert!(
        !stream_dir(server.dirs(), 1).exists(),
        "stream 1 dir remains"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_errors() {
    let server = TestServer::start();
    let client = root_client(&server).await;
    within(client.create_stream("one"))
        .await
        .expect("create one");
    within(client.create_stream("two"))
        .await
        .expect("create two");

    expect_code(
        within(client.create_stream("one")).await,
        STREAM_NAME_EXISTS,
        "create duplicate",
    );
    expect_code(
        within(client.update_stream(&id(1), "one")).await,
        STREAM_NAME_EXISTS,
        "rename onto an existing name",
    );

    for missing in [id(42), name("nope")] {
        assert!(
            within(client.get_stream(&missing))
                .await
                .expect("get_stream of a missing stream is not an error")
                .is_none(),
            "{missing}"
        );
        expect_code(
            within(client.update_stream(&missing, "x")).await,
            STREAM_NOT_FOUND,
            &format!("update {missing}"),
        );
        expect_code(
            within(client.purge_stream(&missing)).await,
            STREAM_NOT_FOUND,
            &format!("purge {missing}"),
        );
        expect_code(
            within(client.delete_stream(&missing)).await,
            STREAM_NOT_FOUND,
            &format!("delete {missing}"),
        );
        expect_code(
            create_topic(&client, &missing, "t", 1).await,
            STREAM_NOT_FOUND,
            &format!("create topic in {missing}"),
        );
        assert!(
            within(client.get_topics(&missing))
                .await
                .expect("get_topics of a missing stream is not an error")
                .is_empty(),
            "{missing}"
        );
    }
    // Nothing above changed the state.
    let names: Vec<String> = within(client.get_streams())
        .await
        .expect("list")
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, vec!["one".to_string(), "two".to_string()]);
}

#[test]
fn raw_create_stream_with_empty_name_is_invalid_format() {
    let server = TestServer::start();
    let mut conn = RawConn::connect(server.tcp_addr());
    assert_eq!(conn.login("iggy", "iggy"), STATUS_OK, "login");
    let (status, payload) = conn.send_frame(CREATE_STREAM, &[0]);
    assert_eq!(status, INVALID_FORMAT, "empty stream name");
    assert!(payload.is_empty());
    // A well-formed frame on the same connection still works.
    let mut good = vec![3u8];
    good.extend_from_slice(b"raw");
    let (status, payload) = conn.send_frame(CREATE_STREAM, &good);
    assert_eq!(status, STATUS_OK, "valid CreateStream after the error");
    assert!(
        payload.len() >= 33 + 3,
        "StreamHeader too short: {payload:?}"
    );
    assert_eq!(&payload[0..4], &0u32.to_le_bytes(), "first stream id is 0");
    assert_eq!(payload[32], 3, "name length");
    assert_eq!(&payload[33..36], b"raw");
    drop(conn);
    assert_healthy(server.tcp_addr());
}

#[test]
fn raw_create_topic_with_bad_compression_is_invalid_command() {
    let server = TestServer::start();
    let mut conn = RawConn::connect(server.tcp_addr());
    assert_eq!(conn.login("iggy", "iggy"), STATUS_OK, "login");
    let (status, _) = conn.send_frame(CREATE_STREAM, b"\x01s");
    assert_eq!(status, STATUS_OK, "create stream");

    let topic_frame = |compression: u8| {
        let mut payload = vec![1u8, 4];
        payload.extend_from_slice(&0u32.to_le_bytes()); // stream id 0
        payload.extend_from_slice(&1u32.to_le_bytes()); // partitions
        payload.push(compression);
        payload.extend_from_slice(&0u64.to_le_bytes()); // expiry: server default
        payload.extend_from_slice(&0u64.to_le_bytes()); // max size: server default
        payload.push(0); // replication factor
        payload.push(1);
        payload.push(b't');
        payload
    };
    for compression in [0u8, 3, 255] {
        let (status, payload) = conn.send_frame(CREATE_TOPIC, &topic_frame(compression));
        assert_eq!(status, INVALID_COMMAND, "compression byte {compression}");
        assert!(payload.is_empty());
    }
    let (status, payload) = conn.send_frame(CREATE_TOPIC, &topic_frame(1));
    assert_eq!(status, STATUS_OK, "compression 1 (none)");
    assert_eq!(
        payload.len(),
        51 + 1 + 40,
        "TopicHeader + one PartitionRecord"
    );
    // Topic id 0: the rejected frames created nothing.
    assert_eq!(&payload[0..4], &0u32.to_le_bytes(), "topic id 0");
    assert_eq!(&payload[12..16], &1u32.to_le_bytes(), "partitions_count");
    assert_eq!(&payload[51..52], b"t");
    drop(conn);
    assert_healthy(server.tcp_addr());
}

// --- topics -----------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topic_lifecycle_by_id_and_by_name() {
    let server = TestServer::start();
    let client = root_client(&server).await;
    let dirs = server.dirs();
    within(client.create_stream("shop")).await.expect("stream");

    let orders = create_topic(&client, &name("shop"), "orders", 3)
        .await
        .expect("create orders");
    assert_eq!(orders.id, 0, "first topic id");
    assert_eq!(orders.name, "orders");
    assert_eq!(orders.partitions_count, 3);
    assert_eq!(partition_ids(&orders), vec![0, 1, 2]);
    assert_eq!(orders.compression_algorithm, CompressionAlgorithm::None);
    assert_eq!(
        orders.message_expiry,
        IggyExpiry::NeverExpire,
        "default expiry"
    );
    assert_eq!(
        u64::from(orders.max_topic_size),
        u64::MAX,
        "default max size is unlimited"
    );
    assert_eq!(orders.replication_factor, 1, "replication 0 reported as 1");
    assert_eq!(orders.size.as_bytes_u64(), 0);
    assert_eq!(orders.messages_count, 0);
    assert!(orders.created_at.as_micros() > 0);
    for p in 0..3 {
        assert_first_segment_files(dirs, 0, 0, p);
    }

    let hour = IggyDuration::from_str("1h").expect("duration");
    let payments = within(client.create_topic(
        &id(0),
        "payments",
        1,
        CompressionAlgorithm::Gzip,
        Some(3),
        IggyExpiry::ExpireDuration(hour),
        MaxTopicSize::Custom(IggyByteSize::from(2 * GIB)),
    ))
    .await
    .expect("create payments");
    assert_eq!(payments.id, 1);
    assert_eq!(payments.compression_algorithm, CompressionAlgorithm::Gzip);
    assert_eq!(payments.message_expiry, IggyExpiry::ExpireDuration(hour));
    assert_eq!(u64::from(payments.max_topic_size), 2 * GIB);
    assert_eq!(payments.replication_factor, 3);
    assert_eq!(partition_ids(&payments), vec![0]);

    for stream in [id(0), name("shop")] {
        let topics = within(client.get_topics(&stream)).await.expect("topics");
        let listed: Vec<(u32, &str, u32)> = topics
            .iter()
            .map(|t| (t.id, t.name.as_str(), t.partitions_count))
            .collect();
        assert_eq!(
            listed,
            vec![(0, "orders", 3), (1, "payments", 1)],
            "{stream}"
        );
    }
    let shop = within(client.get_stream(&name("shop")))
        .await
        .expect("get shop")
        .expect("shop exists");
    assert_eq!(shop.topics_count, 2);
    assert_eq!(
        shop.topics.iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![0, 1]
    );

    for (stream, topic) in [
        (id(0), id(1)),
        (name("shop"), name("payments")),
        (id(0), name("payments")),
        (name("shop"), id(1)),
    ] {
        let got = within(client.get_topic(&stream, &topic))
            .await
            .expect("get_topic")
            .unwrap_or_else(|| panic!("topic {stream}/{topic} not found"));
        assert_eq!((got.id, got.name.as_str()), (1, "payments"));
        assert_eq!(got.partitions_count, 1);
        assert_eq!(got.message_expiry, IggyExpiry::ExpireDuration(hour));
        assert_eq!(u64::from(got.max_topic_size), 2 * GIB);
        assert_eq!(got.replication_factor, 3);
        assert_eq!(got.compression_algorithm, CompressionAlgorithm::Gzip);
    }

    // Update by name: new name and settings; "server default" values are stored as sent.
    within(client.update_topic(
        &name("shop"),
        &name("orders"),
        "orders2",
        CompressionAlgorithm::Gzip,
        Some(2),
        IggyExpiry::ExpireDuration(hour),
        MaxTopicSize::ServerDefault,
    ))
    .await
    .expect("update by name");
    let got = within(client.get_topic(&id(0), &id(0)))
        .await
        .expect("get updated")
        .expect("topic 0 exists");
    assert_eq!(got.name, "orders2");
    assert_eq!(got.compression_algorithm, CompressionAlgorithm::Gzip);
    assert_eq!(got.message_expiry, IggyExpiry::ExpireDuration(hour));
    assert_eq!(got.max_topic_size, MaxTopicSize::ServerDefault);
    assert_eq!(got.replication_factor, 2);
    assert_eq!(got.partitions_count, 3, "update keeps the partitions");
    assert!(within(client.get_topic(&id(0), &name("orders")))
        .await
        .expect("get old name")
        .is_none());

    // Update by id.
    within(client.update_topic(
        &id(0),
        &id(1),
        "payments2",
        CompressionAlgorithm::None,
        None,
        IggyExpiry::NeverExpire,
        MaxTopicSize::Unlimited,
    ))
    .await
    .expect("update by id");
    let got = within(client.get_topic(&name("shop"), &name("payments2")))
        .await
        .expect("get payments2")
        .expect("payments2 exists");
    assert_eq!(got.id, 1);
    assert_eq!(got.compression_algorithm, CompressionAlgorithm::None);
    assert_eq!(got.message_expiry, IggyExpiry::NeverExpire);
    assert_eq!(got.max_topic_size, MaxTopicSize::Unlimited);
    assert_eq!(got.replication_factor, 1);

    // Purge keeps the topic, its partitions and their directories.
    within(client.purge_topic(&id(0), &id(0)))
        .await
        .expect("purge by id");
    within(client.purge_topic(&name("shop"), &name("payments2")))
        .await
        .expect("purge by name");
    let got = within(client.get_topic(&id(0), &id(0)))
        .await
        .expect("get purged")
        .expect("purged topic exists");
    assert_eq!(partition_ids(&got), vec![0, 1, 2]);
    for p in 0..3 {
        assert!(partition_dir(dirs, 0, 0, p).is_dir(), "purge removed p{p}");
    }

    // Delete by name, then by id.
    within(client.delete_topic(&name("shop"), &name("orders2")))
        .await
        .expect("delete by name");
    assert!(within(client.get_topic(&id(0), &id(0)))
        .await
        .expect("get deleted")
        .is_none());
    assert!(!topic_dir(dirs, 0, 0).exists(), "deleted topic dir remains");
    let shop = within(client.get_stream(&id(0)))
        .await
        .expect("get shop")
        .expect("shop exists");
    assert_eq!(shop.topics_count, 1);
    assert_eq!(shop.topics[0].name, "payments2");
    within(client.delete_topic(&id(0), &id(1)))
        .await
        .expect("delete by id");
    assert!(within(client.get_topics(&id(0)))
        .await
        .expect("topics")
        .is_empty());
    assert!(!topic_dir(dirs, 0, 1).exists(), "deleted topic dir remains");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topic_ids_are_per_stream() {
    let server = TestServer::start();
    let client = root_client(&server).await;
    within(client.create_stream("a")).await.expect("a");
    within(client.create_stream("b")).await.expect("b");
    let a0 = create_topic(&client, &id(0), "t", 1).await.expect("a/t");
    let a1 = create_topic(&client, &id(0), "u", 1).await.expect("a/u");
    // The same name in another stream is fine and starts again at id 0.
    let b0 = create_topic(&client, &id(1), "t", 2).await.expect("b/t");
    assert_eq!((a0.id, a1.id, b0.id), (0, 1, 0));
    let zero = create_topic(&client, &id(1), "empty", 0)
        .await
        .expect("zero partitions is allowed");
    assert_eq!(zero.partitions_count, 0);
    assert!(zero.partitions.is_empty());
    assert_first_segment_files(server.dirs(), 1, 0, 1);
    assert_first_segment_files(server.dirs(), 0, 1, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topic_errors() {
    let server = TestServer::start();
    let client = root_client(&server).await;
    within(client.create_stream("s")).await.expect("stream");
    create_topic(&client, &id(0), "a", 1).await.expect("a");
    create_topic(&client, &id(0), "b", 1).await.expect("b");

    expect_code(
        create_topic(&client, &id(0), "a", 1).await,
        TOPIC_NAME_EXISTS,
        "duplicate topic name",
    );
    expect_code(
        within(client.update_topic(
            &id(0),
            &name("b"),
            "a",
            CompressionAlgorithm::None,
            None,
            IggyExpiry::ServerDefault,
            MaxTopicSize::ServerDefault,
        ))
        .await,
        TOPIC_NAME_EXISTS,
        "rename onto an existing topic name",
    );
    expect_code(
        create_topic(&client, &id(0), "many", 1001).await,
        TOO_MANY_PARTITIONS,
        "1001 partitions",
    );
    expect_code(
        within(client.create_topic(
            &id(0),
            "small",
            1,
            CompressionAlgorithm::None,
            None,
            IggyExpiry::ServerDefault,
            MaxTopicSize::Custom(IggyByteSize::from(1_000_000)),
        ))
        .await,
        INVALID_TOPIC_SIZE,
        "max size below the segment size",
    );

    for missing in [id(7), name("nope")] {
        assert!(
            within(client.get_topic(&id(0), &missing))
                .await
                .expect("get_topic of a missing topic is not an error")
                .is_none(),
            "{missing}"
        );
        assert!(within(client.get_topic(&name("nostream"), &id(0)))
            .await
            .expect("get_topic in a missing stream is not an error")
            .is_none());
        expect_code(
            within(client.delete_topic(&id(0), &missing)).await,
            TOPIC_NOT_FOUND,
            &format!("delete topic {missing}"),
        );
        expect_code(
            within(client.purge_topic(&id(0), &missing)).await,
            TOPIC_NOT_FOUND,
            &format!("purge topic {missing}"),
        );
        expect_code(
            within(client.update_topic(
                &id(0),
                &missing,
                "x",
                CompressionAlgorithm::None,
                None,
                IggyExpiry::ServerDefault,
                MaxTopicSize::ServerDefault,
            ))
            .await,
            TOPIC_NOT_FOUND,
            &format!("update topic {missing}"),
        );
        expect_code(
            within(client.delete_topic(&name("nostream"), &id(0))).await,
            STREAM_NOT_FOUND,
            "delete topic in a missing stream",
        );
    }

    // Nothing above changed the state.
    let topics = within(client.get_topics(&id(0))).await.expect("topics");
    let listed: Vec<(u32, &str)> = topics.iter().map(|t| (t.id, t.name.as_str())).collect();
    assert_eq!(listed, vec![(0, "a"), (1, "b")]);
    let stats = within(client.get_stats()).await.expect("stats");
    assert_eq!(stats.topics_count, 2, "rejected creates left topics behind");
    assert_eq!(stats.partitions_count, 2);
}

// --- partitions and segments ------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_and_delete_partitions() {
    let server = TestServer::start();
    let client = root_client(&server).await;
    let dirs = server.dirs();
    within(client.create_stream("s")).await.expect("stream");
    create_topic(&client, &id(0), "t", 2).await.expect("topic");

    within(client.create_partitions(&id(0), &id(0), 3))
        .await
        .expect("create 3 by id");
    let topic = within(client.get_topic(&id(0), &id(0)))
        .await
        .expect("get")
        .expect("topic");
    assert_eq!(topic.partitions_count, 5);
    assert_eq!(partition_ids(&topic), vec![0, 1, 2, 3, 4]);
    for p in 0..5 {
        assert_first_segment_files(dirs, 0, 0, p);
    }

    within(client.create_partitions(&name("s"), &name("t"), 1))
        .await
        .expect("create 1 by name");
    within(client.delete_partitions(&name("s"), &name("t"), 2))
        .await
        .expect("delete 2 by name");
    let topic = within(client.get_topic(&name("s"), &name("t")))
        .await
        .expect("get")
        .expect("topic");
    assert_eq!(
        partition_ids(&topic),
        vec![0, 1, 2, 3],
        "highest ids removed"
    );
    assert!(!partition_dir(dirs, 0, 0, 4).exists(), "p4 dir remains");
    assert!(!partition_dir(dirs, 0, 0, 5).exists(), "p5 dir remains");

    within(client.delete_partitions(&id(0), &id(0), 4))
        .await
        .expect("delete all by id");
    let topic = within(client.get_topic(&id(0), &id(0)))
        .await
        .expect("get")
        .expect("topic");
    assert_eq!(topic.partitions_count, 0);
    for p in 0..4 {
        assert!(!partition_dir(dirs, 0, 0, p).exists(), "p{p} dir remains");
    }
    within(client.create_partitions(&id(0), &id(0), 2))
        .await
        .expect("create again");
    let topic = within(client.get_topic(&id(0), &id(0)))
        .await
        .expect("get")
        .expect("topic");
    assert_eq!(partition_ids(&topic), vec![0, 1], "dense ids again");
    assert_first_segment_files(dirs, 0, 0, 1);
    let stats = within(client.get_stats()).await.expect("stats");
    assert_eq!(stats.partitions_count, 2);
    assert_eq!(stats.segments_count, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partition_errors() {
    let server = TestServer::start();
    let client = root_client(&server).await;
    within(client.create_stream("s")).await.expect("stream");
    create_topic(&client, &id(0), "t", 2).await.expect("topic");

    expect_code(
        within(client.create_partitions(&id(0), &id(0), 0)).await,
        TOO_MANY_PARTITIONS,
        "create 0 partitions",
    );
    expect_code(
        within(client.create_partitions(&id(0), &id(0), 1001)).await,
        TOO_MANY_PARTITIONS,
        "create 1001 partitions",
    );
    expect_code(
        within(client.delete_partitions(&id(0), &id(0), 0)).await,
        TOO_MANY_PARTITIONS,
        "delete 0 partitions",
    );
    expect_code(
        within(client.delete_partitions(&id(0), &id(0), 3)).await,
        INVALID_PARTITIONS_COUNT,
        "delete more partitions than exist",
    );
    expect_code(
        within(client.create_partitions(&id(0), &name("nope"), 1)).await,
        TOPIC_NOT_FOUND,
        "create partitions in a missing topic",
    );
    expect_code(
        within(client.delete_partitions(&id(0), &id(9), 1)).await,
        TOPIC_NOT_FOUND,
        "delete partitions of a missing topic",
    );
    expect_code(
        within(client.create_partitions(&id(9), &id(0), 1)).await,
        STREAM_NOT_FOUND,
        "create partitions in a missing stream",
    );
    expect_code(
        within(client.delete_partitions(&name("nope"), &id(0), 1)).await,
        STREAM_NOT_FOUND,
        "delete partitions in a missing stream",
    );
    let topic = within(client.get_topic(&id(0), &id(0)))
        .await
        .expect("get")
        .expect("topic");
    assert_eq!(
        partition_ids(&topic),
        vec![0, 1],
        "errors changed the topic"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_segments_of_an_empty_partition() {
    let server = TestServer::start();
    let client = root_client(&server).await;
    within(client.create_stream("s")).await.expect("stream");
    create_topic(&client, &id(0), "t", 2).await.expect("topic");

    within(client.delete_segments(&id(0), &id(0), 0, 1))
        .await
        .expect("delete segments by id");
    within(client.delete_segments(&name("s"), &name("t"), 1, 10))
        .await
        .expect("delete segments by name");
    // The active segment is never deleted.
    assert_first_segment_files(server.dirs(), 0, 0, 0);
    assert_first_segment_files(server.dirs(), 0, 0, 1);
    let stats = within(client.get_stats()).await.expect("stats");
    assert_eq!(stats.segments_count, 2);

    expect_code(
        within(client.delete_segments(&id(0), &id(0), 2, 1)).await,
        PARTITION_NOT_FOUND,
        "missing partition",
    );
    expect_code(
        within(client.delete_segments(&id(0), &id(5), 0, 1)).await,
        TOPIC_NOT_FOUND,
        "missing topic",
    );
    expect_code(
        within(client.delete_segments(&name("x"), &id(0), 0, 1)).await,
        STREAM_NOT_FOUND,
        "missing stream",
    );
}

// --- counts, stats, disk ----------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_streams_topics_and_partitions() {
    const STREAMS: u32 = 5;
    const TOPICS: u32 = 3;
    const PARTITIONS: u32 = 4;
    let server = TestServer::start();
    let client = root_client(&server).await;
    let dirs = server.dirs();

    for s in 0..STREAMS {
        let stream = within(client.create_stream(&format!("stream-{s}")))
            .await
            .expect("create stream");
        assert_eq!(stream.id, s);
        for t in 0..TOPICS {
            let topic = create_topic(&client, &id(s), &format!("topic-{t}"), PARTITIONS)
                .await
                .expect("create topic");
            assert_eq!(topic.id, t);
            assert_eq!(partition_ids(&topic), (0..PARTITIONS).collect::<Vec<_>>());
        }
    }

    let stats = within(client.get_stats()).await.expect("stats");
    assert_eq!(stats.streams_count, STREAMS);
    assert_eq!(stats.topics_count, STREAMS * TOPICS);
    assert_eq!(stats.partitions_count, STREAMS * TOPICS * PARTITIONS);
    assert_eq!(stats.segments_count, STREAMS * TOPICS * PARTITIONS);
    assert_eq!(stats.messages_count, 0);

    let streams = within(client.get_streams()).await.expect("streams");
    assert_eq!(streams.len() as u32, STREAMS);
    for s in 0..STREAMS {
        let stream = within(client.get_stream(&name(&format!("stream-{s}"))))
            .await
            .expect("get stream")
            .expect("stream exists");
        assert_eq!(stream.id, s);
        assert_eq!(stream.topics_count, TOPICS);
        assert_eq!(stream.topics.len() as u32, TOPICS);
        for t in 0..TOPICS {
            let topic = within(client.get_topic(&id(s), &name(&format!("topic-{t}"))))
                .await
                .expect("get topic")
                .expect("topic exists");
            assert_eq!(topic.id, t);
            assert_eq!(topic.partitions_count, PARTITIONS);
            assert_eq!(partition_ids(&topic), (0..PARTITIONS).collect::<Vec<_>>());
            for p in 0..PARTITIONS {
                assert_first_segment_files(dirs, s, t, p);
            }
        }
    }

    // Delete a stream and a topic elsewhere; the counts follow.
    within(client.delete_stream(&id(2)))
        .await
        .expect("delete 2");
    within(client.delete_topic(&id(4), &id(1)))
        .await
        .expect("delete 4/1");
    let stats = within(client.get_stats()).await.expect("stats");
    assert_eq!(stats.streams_count, STREAMS - 1);
    assert_eq!(stats.topics_count, (STREAMS - 1) * TOPICS - 1);
    assert_eq!(
        stats.partitions_count,
        ((STREAMS - 1) * TOPICS - 1) * PARTITIONS
    );
    assert_eq!(stats.segments_count, stats.partitions_count);
    assert!(!stream_dir(dirs, 2).exists(), "deleted stream dir remains");
    assert!(!topic_dir(dirs, 4, 1).exists(), "deleted topic dir remains");
    assert_first_segment_files(dirs, 4, 2, PARTITIONS - 1);

    // Purge everything: nothing is deleted.
    for s in [0, 1, 3, 4] {
        within(client.purge_stream(&id(s))).await.expect("purge");
    }
    let after = within(client.get_stats()).await.expect("stats");
    assert_eq!(after.partitions_count, stats.partitions_count);
    assert_first_segment_files(dirs, 0, 0, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_count_streams_topics_partitions_segments() {
    let server = TestServer::start();
    let client = root_client(&server).await;
    let stats = within(client.get_stats()).await.expect("stats");
    assert_eq!(
        (
            stats.streams_count,
            stats.topics_count,
            stats.partitions_count,
            stats.segments_count
        ),
        (0, 0, 0, 0)
    );
    within(client.create_stream("a")).await.expect("a");
    within(client.create_stream("b")).await.expect("b");
    create_topic(&client, &id(0), "t1", 3).await.expect("t1");
    create_topic(&client, &id(1), "t2", 2).await.expect("t2");
    create_topic(&client, &id(1), "t3", 0).await.expect("t3");
    let stats = within(client.get_stats()).await.expect("stats");
    assert_eq!(
        (
            stats.streams_count,
            stats.topics_count,
            stats.partitions_count,
            stats.segments_count
        ),
        (2, 3, 5, 5)
    );
    within(client.delete_partitions(&id(0), &id(0), 1))
        .await
        .expect("delete partition");
    within(client.delete_stream(&id(1)))
        .await
        .expect("delete b");
    let stats = within(client.get_stats()).await.expect("stats");
    assert_eq!(
        (
            stats.streams_count,
            stats.topics_count,
            stats.partitions_count,
            stats.segments_count
        ),
        (1, 1, 2, 2)
    );
}
