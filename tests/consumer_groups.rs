//! Consumer groups through the official SDK against the real binary: the six commands
//! with their error codes, memberships and assignments, group polling and offsets,
//! cooperative hand-overs, sessions that end, restarts, and the SDK's high-level consumer.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use common::{
    create_stream_and_topic, expect_code, id, name, partition_dir, root_client, within, RawConn,
    TestServer,
};
use iggy::prelude::{
    Client, CompressionAlgorithm, Consumer, ConsumerGroupClient, ConsumerGroupDetails,
    ConsumerOffsetClient, Identifier, IggyClient, IggyExpiry, MaxTopicSize, MessageClient,
    PartitionClient, PolledMessages, PollingStrategy, StreamClient, SystemClient, TopicClient,
    UserClient, UserStatus,
};

const CONSUMER_GROUP_NOT_FOUND: u32 = 5000;
const GROUP_NAME_EXISTS: u32 = 5004;
const MEMBER_NOT_FOUND: u32 = 5006;
const NOT_RESOLVED_CONSUMER: u32 = 3022;
const STREAM_NOT_FOUND: u32 = 1009;
const TOPIC_NOT_FOUND: u32 = 2010;
const UNAUTHORIZED: u32 = 41;

/// Stream "s" (id 0) with topic "t" (id 0) of `partitions` partitions.
async fn setup(client: &IggyClient, partitions: u32) -> (Identifier, Identifier) {
    let ids = create_stream_and_topic(client, "s", "t", partitions).await;
    assert_eq!(ids, (0, 0));
    (id(0), id(0))
}

/// A server with stream 0 / topic 0 of `partitions` partitions holding `per_partition`
/// messages each, and the group "g"; answers it with a root client.
async fn with_group(partitions: u32, per_partition: u32) -> (TestServer, IggyClient) {
    with_group_on(TestServer::start(), partitions, per_partition).await
}

async fn with_group_on(
    server: TestServer,
    partitions: u32,
    per_partition: u32,
) -> (TestServer, IggyClient) {
    let root = root_client(&server).await;
    setup(&root, partitions).await;
    fill(&root, partitions, per_partition).await;
    within(root.create_consumer_group(&id(0), &id(0), "g"))
        .await
        .expect("create group g");
    (server, root)
}

/// Sends `count` messages to each of `partitions`, payload `p{partition}-{n}`.
async fn fill(client: &IggyClient, partitions: u32, count: u32) {
    for partition in 0..partitions {
        let mut sent = 0;
        while sent < count {
            let batch = (count - sent).min(1000);
            let payloads = (sent..sent + batch).map(|n| format!("p{partition}-{n}"));
            common::send_payloads(client, partition, payloads).await;
            sent += batch;
        }
    }
}

fn group(value: &str) -> Consumer {
    Consumer::group(name(value))
}

async fn details(client: &IggyClient, group_name: &str) -> ConsumerGroupDetails {
    within(client.get_consumer_group(&id(0), &id(0), &name(group_name)))
        .await
        .expect("get consumer group")
        .unwrap_or_else(|| panic!("group {group_name} not found"))
}

/// Member id → its partitions (sorted).
fn assignment(d: &ConsumerGroupDetails) -> BTreeMap<u32, Vec<u32>> {
    d.members
        .iter()
        .map(|m| {
            let mut p = m.partitions.clone();
            p.sort_unstable();
            (m.id, p)
        })
        .collect()
}

/// Every partition `0..partitions` is owned by exactly one member, shares even.
fn assert_even_cover(d: &ConsumerGroupDetails, partitions: u32) {
    let mut seen = BTreeMap::new();
    for m in &d.members {
        assert_eq!(m.partitions_count as usize, m.partitions.len());
        for p in &m.partitions {
            *seen.entry(*p).or_insert(0) += 1;
        }
    }
    let expected: BTreeMap<u32, i32> = (0..partitions).map(|p| (p, 1)).collect();
    assert_eq!(seen, expected, "owners per partition in {:?}", d.members);
    let sizes: Vec<usize> = d.members.iter().map(|m| m.partitions.len()).collect();
    let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
    assert!(max - min <= 1, "uneven shares {sizes:?}");
}

async fn join(client: &IggyClient, group_name: &str) {
    within(client.join_consumer_group(&id(0), &id(0), &name(group_name)))
        .await
        .expect("join");
}

async fn poll_group(
    client: &IggyClient,
    group_name: &str,
    partition: Option<u32>,
    count: u32,
    auto_commit: bool,
) -> PolledMessages {
    within(client.poll_messages(
        &id(0),
        &id(0),
        partition,
        &group(group_name),
        &PollingStrategy::next(),
        count,
        auto_commit,
    ))
    .await
    .expect("poll as a group member")
}

async fn client_id(client: &IggyClient) -> u32 {
    within(client.get_me()).await.expect("get me").client_id
}

/// Polls `check` every 50 ms until it is true; fails after 10 s naming `what`.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check().await {
        assert!(Instant::now() < deadline, "never happened: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_commands_answer_as_the_original() {
    let server = TestServer::start();
    let root = root_client(&server).await;
    let (s, t) = setup(&root, 3).await;

    let created = within(root.create_consumer_group(&s, &t, "g1"))
        .await
        .expect("create g1");
    assert_eq!((created.id, created.name.as_str()), (0, "g1"));
    assert_eq!((created.partitions_count, created.members_count), (3, 0));
    assert!(created.members.is_empty());
    let second = within(root.create_consumer_group(&name("s"), &name("t"), "g2"))
        .await
        .expect("create g2");
    assert_eq!(second.id, 1, "ids count from 0 per topic");
    expect_code(
        root.create_consumer_group(&s, &t, "g1"),
        GROUP_NAME_EXISTS,
        "duplicate name",
    )
    .await;
    expect_code(
        root.create_consumer_group(&name("nope"), &t, "g3"),
        STREAM_NOT_FOUND,
        "unknown stream",
    )
    .await;
    expect_code(
        root.create_consumer_group(&s, &id(9), "g3"),
        TOPIC_NOT_FOUND,
        "unknown topic",
    )
    .await;

    for group_id in [id(0), name("g1")] {
        let got = within(root.get_consumer_group(&s, &t, &group_id))
            .await
            .expect("get")
            .expect("found");
        assert_eq!((got.id, got.name.as_str(), got.members_count), (0, "g1", 0));
    }
    for (stream, topic, group_id) in [
        (s.clone(), t.clone(), id(7)),
        (s.clone(), t.clone(), name("nope")),
        (s.clone(), id(9), id(0)),
        (id(9), t.clone(), id(0)),
    ] {
        let got = within(root.get_consumer_group(&stream, &topic, &group_id))
            .await
            .expect("get of a missing group answers empty");
        assert!(got.is_none());
    }
    let listed = within(root.get_consumer_groups(&s, &t))
        .await
        .expect("list");
    let names: Vec<_> = listed.iter().map(|g| (g.id, g.name.as_str())).collect();
    assert_eq!(names, vec![(0, "g1"), (1, "g2")]);
    assert!(within(root.get_consumer_groups(&s, &id(9)))
        .await
        .expect("list of a missing topic")
        .is_empty());

    expect_code(
        root.join_consumer_group(&s, &t, &name("nope")),
        CONSUMER_GROUP_NOT_FOUND,
        "join unknown",
    )
    .await;
    expect_code(
        root.leave_consumer_group(&s, &t, &name("g1")),
        MEMBER_NOT_FOUND,
        "leave without joining",
    )
    .await;
    expect_code(
        root.leave_consumer_group(&s, &t, &name("nope")),
        CONSUMER_GROUP_NOT_FOUND,
        "leave unknown",
    )
    .await;
    let strategy = PollingStrategy::next();
    expect_code(
        root.poll_messages(&s, &t, None, &group("g1"), &strategy, 1, false),
        MEMBER_NOT_FOUND,
        "poll without joining",
    )
    .await;
    expect_code(
        root.poll_messages(&s, &t, None, &group("nope"), &strategy, 1, false),
        CONSUMER_GROUP_NOT_FOUND,
        "poll an unknown group",
    )
    .await;
    expect_code(
        root.store_consumer_offset(&group("g1"), &s, &t, Some(0), 0),
        MEMBER_NOT_FOUND,
        "store without joining",
    )
    .await;
    let offset = within(root.get_consumer_offset(&group("g1"), &s, &t, Some(0)))
        .await
        .expect("get offset needs no membership");
    assert!(offset.is_none());

    let stats = within(root.get_stats()).await.expect("stats");
    assert_eq!(stats.consumer_groups_count, 2);

    within(root.delete_consumer_group(&s, &t, &name("g1")))
        .await
        .expect("delete g1");
    expect_code(
        root.delete_consumer_group(&s, &t, &name("g1")),
        CONSUMER_GROUP_NOT_FOUND,
        "delete twice",
    )
    .await;
    assert!(within(root.get_consumer_group(&s, &t, &id(0)))
        .await
        .expect("get deleted")
        .is_none());
    let third = within(root.create_consumer_group(&s, &t, "g1"))
        .await
        .expect("create again");
    assert_eq!(third.id, 2, "a deleted group's id is not reused");
    let stats = within(root.get_stats()).await.expect("stats");
    assert_eq!(stats.consumer_groups_count, 2);

    // Without the read permission on the topic: 41 for a group that exists, empty for
    // one that does not.
    within(root.create_user("nobody", "secret", UserStatus::Active, None))
        .await
        .expect("create user");
    let nobody = common::sdk_client(server.endpoint()).await;
    within(nobody.login_user("nobody", "secret"))
        .await
        .expect("login");
    expect_code(
        nobody.get_consumer_group(&s, &t, &id(1)),
        UNAUTHORIZED,
        "get without permission",
    )
    .await;
    assert!(within(nobody.get_consumer_group(&s, &t, &id(9)))
        .await
        .expect("get of a missing group")
        .is_none());
    for (what, code) in [
        (
            "create",
            nobody.create_consumer_group(&s, &t, "x").await.err(),
        ),
        (
            "join",
            nobody.join_consumer_group(&s, &t, &id(1)).await.err(),
        ),
        (
            "delete",
            nobody.delete_consumer_group(&s, &t, &id(1)).await.err(),
        ),
        ("list", nobody.get_consumer_groups(&s, &t).await.err()),
    ] {
        assert_eq!(code.map(|e| e.as_code()), Some(UNAUTHORIZED), "{what}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_share_the_partitions_evenly_and_rotate_over_their_own() {
    let (server, root) = with_group(5, 20).await;

    let mut members = Vec::new();
    for n in 1..=4 {
        let member = root_client(&server).await;
        join(&member, "g").await;
        join(&member, "g").await; // joining twice changes nothing
        members.push(member);
        let d = details(&root, "g").await;
        assert_eq!(d.members_count, n);
        assert_even_cover(&d, 5);
    }
    let d = details(&root, "g").await;
    let ids: Vec<u32> = d.members.iter().map(|m| m.id).collect();
    assert_eq!(ids, vec![0, 1, 2, 3], "member ids count from 0");

    // Each member is served only its own partitions, in turn.
    for (member, record) in members.iter().zip(&d.members) {
        let mut served = BTreeSet::new();
        for _ in 0..record.partitions.len() * 2 {
            let polled = poll_group(member, "g", None, 1, false).await;
            assert_eq!(polled.messages.len(), 1);
            served.insert(polled.partition_id);
        }
        let own: BTreeSet<u32> = record.partitions.iter().copied().collect();
        assert_eq!(served, own, "rotation of member {}", record.id);
        // A partition of another member, named explicitly: the empty answer.
        let foreign = (0..5).find(|p| !own.contains(p)).unwrap();
        let polled = poll_group(member, "g", Some(foreign), 1, false).await;
        assert_eq!(
            (
                polled.partition_id,
                polled.current_offset,
                polled.messages.len()
            ),
            (0, 0, 0)
        );
        expect_code(
            member.store_consumer_offset(&group("g"), &id(0), &id(0), Some(foreign), 0),
            NOT_RESOLVED_CONSUMER,
            "store on a partition of another member",
        )
        .await;
    }

    // The clients report their memberships.
    let me = within(members[0].get_me()).await.expect("me");
    assert_eq!(me.consumer_groups_count, 1);
    assert_eq!(
        (
            me.consumer_groups[0].stream_id,
            me.consumer_groups[0].topic_id,
            me.consumer_groups[0].group_id
        ),
        (0, 0, 0)
    );
    let other = within(root.get_client(me.client_id))
        .await
        .expect("get client")
        .expect("found");
    assert_eq!(other.consumer_groups_count, 1);
    let all = within(root.get_clients()).await.expect("clients");
    let joined = all.iter().filter(|c| c.consumer_groups_count == 1).count();
    assert_eq!(joined, 4);

    // Leaving reassigns over the others; the last one out leaves nobody.
    for (left, member) in members.iter().enumerate() {
        within(member.leave_consumer_group(&id(0), &id(0), &name("g")))
            .await
            .expect("leave");
        let d = details(&root, "g").await;
        assert_eq!(d.members_count as usize, 3 - left);
        if d.members_count > 0 {
            assert_even_cover(&d, 5);
        }
        let me = within(member.get_me()).await.expect("me");
        assert_eq!(me.consumer_groups_count, 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_steady_group_of_three_reads_every_message_once_in_order() {
    const PARTITIONS: u32 = 3;
    const PER_PARTITION: u32 = 10_000;
    let (server, _root) = with_group(PARTITIONS, PER_PARTITION).await;

    let mut members = Vec::new();
    for _ in 0..3 {
        let member = root_client(&server).await;
        join(&member, "g").await;
        members.push(member);
    }
    let total = (PARTITIONS * PER_PARTITION) as usize;
    let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut readers = Vec::new();
    for member in members {
        let received = received.clone();
        readers.push(tokio::spawn(async move {
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                if received.lock().unwrap().len() >= total {
                    return member;
                }
                assert!(
                    Instant::now() < deadline,
                    "the group did not finish reading"
                );
                let polled = poll_group(&member, "g", None, 100, true).await;
                if polled.messages.is_empty() {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue;
                }
                let mut seen = received.lock().unwrap();
                for m in &polled.messages {
                    seen.push((polled.partition_id, m.header.offset, m.payload.clone()));
                }
            }
        }));
    }
    for reader in readers {
        reader.await.expect("reader");
    }
    let received = received.lock().unwrap();
    assert_eq!(received.len(), total, "every message exactly once");
    let mut per_partition: BTreeMap<u32, Vec<u64>> = BTreeMap::new();
    for (partition, offset, payload) in received.iter() {
        assert_eq!(
            payload.as_ref(),
            format!("p{partition}-{offset}").as_bytes(),
            "payload of offset {offset} in partition {partition}"
        );
        per_partition.entry(*partition).or_default().push(*offset);
    }
    for (partition, offsets) in per_partition {
        let expected: Vec<u64> = (0..PER_PARTITION as u64).collect();
        assert_eq!(offsets, expected, "partition {partition} in order, once");
    }
}

/// Reads with Next + auto-commit until `count` messages came or nothing more does.
async fn read_some(member: &IggyClient, count: usize) -> Vec<(u32, u64)> {
    let mut got = Vec::new();
    let mut empty = 0;
    while got.len() < count && empty < 20 {
        let polled = poll_group(member, "g", None, 5, true).await;
        if polled.messages.is_empty() {
            empty += 1;
        }
        got.extend(
            polled
                .messages
                .iter()
                .map(|m| (polled.partition_id, m.header.offset)),
        );
    }
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_that_leaves_or_disconnects_hands_over_without_rereading() {
    let (server, root) = with_group(4, 50).await;
    let a = root_client(&server).await;
    let b = root_client(&server).await;
    let c = root_client(&server).await;
    join(&a, "g").await;
    join(&b, "g").await;
    join(&c, "g").await;
    assert_even_cover(&details(&root, "g").await, 4);

    let mut read = Vec::new();
    for member in [&a, &b, &c] {
        read.extend(read_some(member, 30).await);
    }
    // B leaves, C's connection goes away: A owns everything and reads the rest.
    within(b.leave_consumer_group(&id(0), &id(0), &name("g")))
        .await
        .expect("leave");
    let c_id = client_id(&c).await;
    within(c.disconnect()).await.expect("disconnect");
    drop(c);
    eventually("the disconnected member leaves the group", || async {
        let d = details(&root, "g").await;
        d.members_count == 1
    })
    .await;
    let d = details(&root, "g").await;
    assert_eq!(assignment(&d).values().next().unwrap(), &vec![0, 1, 2, 3]);
    let clients = within(root.get_clients()).await.expect("clients");
    assert!(clients.iter().all(|c| c.client_id != c_id));
    read.extend(read_some(&a, 200).await);

    let mut unique = read.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), read.len(), "nothing read twice");
    assert_eq!(read.len(), 200, "everything read");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_socket_leaves_the_group() {
    let (server, root) = with_group(2, 0).await;
    join(&root, "g").await;
    let mut raw = RawConn::connect(server.tcp_addr());
    assert_eq!(raw.login("iggy", "iggy"), 0);
    // JoinConsumerGroup: stream 0, topic 0, group "g" (Identifier = kind, length, value).
    let mut payload = Vec::new();
    for value in [0u32, 0] {
        payload.extend_from_slice(&[1, 4]);
        payload.extend_from_slice(&value.to_le_bytes());
    }
    payload.extend_from_slice(&[2, 1, b'g']);
    assert_eq!(raw.send_frame(604, &payload).0, 0);
    let d = details(&root, "g").await;
    assert_eq!(d.members_count, 2);
    assert_even_cover(&d, 2);
    raw.close();
    eventually("the dropped connection leaves the group", || async {
        details(&root, "g").await.members_count == 1
    })
    .await;
    let d = details(&root, "g").await;
    assert_eq!(assignment(&d).values().next().unwrap(), &vec![0, 1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hand_over_waits_for_the_commit_or_the_rebalancing_timeout() {
    let server = TestServer::builder()
        .env("IGGY_CONSUMER_GROUP_REBALANCING_TIMEOUT", "2s")
        .env("IGGY_CONSUMER_GROUP_REBALANCING_CHECK_INTERVAL", "100ms")
        .start();
    let (server, root) = with_group_on(server, 2, 10).await;
    within(root.create_consumer_group(&id(0), &id(0), "h"))
        .await
        .expect("create h");
    let a = root_client(&server).await;
    let b = root_client(&server).await;

    // A polls both partitions of "g" without committing; B joins: the partition that
    // moves to B stays with A, out of its rotation, until A commits what it polled.
    join(&a, "g").await;
    for partition in [0, 1] {
        let polled = poll_group(&a, "g", Some(partition), 3, false).await;
        assert_eq!(polled.messages.len(), 3);
    }
    join(&b, "g").await;
    let d = details(&root, "g").await;
    assert_eq!(
        assignment(&d),
        BTreeMap::from([(0, vec![0, 1]), (1, vec![])])
    );
    for _ in 0..4 {
        let polled = poll_group(&a, "g", None, 1, false).await;
        assert_eq!(
            polled.partition_id, 0,
            "the partition being handed over is skipped"
        );
    }
    let polled = poll_group(&b, "g", None, 1, false).await;
    assert!(polled.messages.is_empty(), "B has nothing yet");
    let polled = poll_group(&a, "g", Some(1), 1, false).await;
    assert_eq!(
        polled.messages.len(),
        1,
        "A may still name the partition it gives up"
    );
    // Nothing is committed, so "next" began at 0 again; A read 0..=2 before.
    assert_eq!(polled.messages[0].header.offset, 0);
    within(a.store_consumer_offset(&group("g"), &id(0), &id(0), Some(1), 1))
        .await
        .expect("A commits part of what it read");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        assignment(&details(&root, "g").await),
        BTreeMap::from([(0, vec![0, 1]), (1, vec![])]),
        "a commit below the highest offset polled does not complete the hand-over"
    );
    let last = 2;
    within(a.store_consumer_offset(&group("g"), &id(0), &id(0), Some(1), last))
        .await
        .expect("A commits partition 1");
    let committed = Instant::now();
    eventually("the commit completes the hand-over", || async {
        assignment(&details(&root, "g").await) == BTreeMap::from([(0, vec![0]), (1, vec![1])])
    })
    .await;
    assert!(
        committed.elapsed() < Duration::from_secs(1),
        "the hand-over waited for the timeout instead of the commit"
    );
    let polled = poll_group(&b, "g", None, 10, true).await;
    assert_eq!(polled.partition_id, 1);
    assert_eq!(
        polled.messages.first().map(|m| m.header.offset),
        Some(last + 1),
        "B continues after the committed offset"
    );
    let polled = poll_group(&a, "g", Some(1), 1, false).await;
    assert!(polled.messages.is_empty(), "A no longer reads partition 1");

    // In "h" A never commits: the rebalancing timeout moves the partition.
    join(&a, "h").await;
    for partition in [0, 1] {
        poll_group(&a, "h", Some(partition), 3, false).await;
    }
    let joined = Instant::now();
    join(&b, "h").await;
    assert_eq!(
        assignment(&details(&root, "h").await),
        BTreeMap::from([(0, vec![0, 1]), (1, vec![])])
    );
    eventually("the timeout completes the hand-over", || async {
        assignment(&details(&root, "h").await) == BTreeMap::from([(0, vec![0]), (1, vec![1])])
    })
    .await;
    assert!(
        joined.elapsed() >= Duration::from_millis(1900),
        "moved after {:?}, before the 2 s timeout",
        joined.elapsed()
    );
}

#[test]
fn a_member_removed_by_the_heartbeat_verifier_leaves_the_group() {
    let server = TestServer::builder()
        .env("IGGY_HEARTBEAT_ENABLED", "true")
        .env("IGGY_HEARTBEAT_INTERVAL", "1s")
        .start();
    let mut pinging = RawConn::connect(server.tcp_addr());
    assert_eq!(pinging.login("iggy", "iggy"), 0);
    // CreateStream "s", CreateTopic "t" with 2 partitions, CreateConsumerGroup "g".
    assert_eq!(pinging.send_frame(202, &[1, b's']).0, 0);
    let mut topic = vec![2, 1, b's'];
    topic.extend_from_slice(&2u32.to_le_bytes()); // partitions
    topic.push(1); // compression: none
    topic.extend_from_slice(&0u64.to_le_bytes()); // expiry: server default
    topic.extend_from_slice(&0u64.to_le_bytes()); // max size: server default
    topic.push(1); // replication factor
    topic.extend_from_slice(&[1, b't']);
    assert_eq!(pinging.send_frame(302, &topic).0, 0);
    let target = [2u8, 1, b's', 2, 1, b't'];
    let mut create = target.to_vec();
    create.extend_from_slice(&[1, b'g']);
    assert_eq!(pinging.send_frame(602, &create).0, 0);
    let mut group_target = target.to_vec();
    group_target.extend_from_slice(&[2, 1, b'g']);

    let mut silent = RawConn::connect(server.tcp_addr());
    assert_eq!(silent.login("iggy", "iggy"), 0);
    assert_eq!(silent.send_frame(604, &group_target).0, 0);
    assert_eq!(pinging.send_frame(604, &group_target).0, 0);
    let members = |conn: &mut RawConn| {
        let (status, payload) = conn.send_frame(600, &group_target);
        assert_eq!(status, 0);
        u32::from_le_bytes(payload[8..12].try_into().unwrap())
    };
    assert_eq!(members(&mut pinging), 2);
    let deadline = Instant::now() + Duration::from_secs(15);
    while members(&mut pinging) != 1 {
        assert!(
            Instant::now() < deadline,
            "the silent member was never removed"
        );
        assert_eq!(pinging.ping(), 0);
        std::thread::sleep(Duration::from_millis(200));
    }
    // The remaining member owns both partitions: one member record with 2 partitions.
    let (_, payload) = pinging.send_frame(600, &group_target);
    let member = &payload[13 + 1..];
    assert_eq!(u32::from_le_bytes(member[4..8].try_into().unwrap()), 2);
    assert_eq!(silent.send_frame(1, &[]).0, 30, "the silent one is stale");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_and_their_offsets_survive_restarts_and_kill_9() {
    let (mut server, root) = with_group(2, 10).await;
    let dirs = server.dirs().clone();
    {
        join(&root, "g").await;
        poll_group(&root, "g", Some(0), 4, true).await;
        poll_group(&root, "g", Some(1), 6, true).await;
    }
    for (round, graceful) in [(0, true), (1, false)] {
        if graceful {
            server.stop_with(libc::SIGTERM);
        } else {
            server.kill();
        }
        server = TestServer::builder().dirs(&dirs).start();
        let root = root_client(&server).await;
        let d = details(&root, "g").await;
        assert_eq!(
            (d.id, d.members_count),
            (0, 0),
            "round {round}: group back, no members"
        );
        for (partition, stored) in [(0, 3 + round), (1, 5 + round)] {
            let offset =
                within(root.get_consumer_offset(&group("g"), &id(0), &id(0), Some(partition)))
                    .await
                    .expect("get offset")
                    .expect("stored");
            assert_eq!(
                offset.stored_offset, stored,
                "round {round} partition {partition}"
            );
        }
        join(&root, "g").await;
        for (partition, stored) in [(0, 3 + round), (1, 5 + round)] {
            let polled = poll_group(&root, "g", Some(partition), 1, true).await;
            assert_eq!(polled.messages[0].header.offset, stored + 1);
        }
    }
    let root = root_client(&server).await;
    let stats = within(root.get_stats()).await.expect("stats");
    assert_eq!(stats.consumer_groups_count, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_group_its_topic_or_stream_drops_members_and_offsets() {
    let (server, root) = with_group(2, 5).await;
    let member = root_client(&server).await;
    join(&member, "g").await;
    poll_group(&member, "g", Some(0), 2, true).await;
    let offset_file = partition_dir(server.dirs(), 0, 0, 0)
        .join("offsets")
        .join("groups")
        .join("0");
    assert!(
        offset_file.exists(),
        "group offset stored at {}",
        offset_file.display()
    );
    within(root.delete_consumer_group(&id(0), &id(0), &name("g")))
        .await
        .expect("delete");
    assert!(!offset_file.exists(), "the group's offset file is removed");
    let me = within(member.get_me()).await.expect("me");
    assert_eq!(me.consumer_groups_count, 0);
    expect_code(
        member.poll_messages(
            &id(0),
            &id(0),
            None,
            &group("g"),
            &PollingStrategy::next(),
            1,
            true,
        ),
        CONSUMER_GROUP_NOT_FOUND,
        "poll a deleted group",
    )
    .await;

    // A topic's groups go with it, and so do the memberships.
    within(root.create_consumer_group(&id(0), &id(0), "g"))
        .await
        .expect("create again");
    join(&member, "g").await;
    within(root.delete_topic(&id(0), &id(0)))
        .await
        .expect("delete topic");
    assert_eq!(
        within(member.get_me())
            .await
            .expect("me")
            .consumer_groups_count,
        0
    );
    within(root.create_topic(
        &id(0),
        "t2",
        1,
        CompressionAlgorithm::None,
        None,
        IggyExpiry::ServerDefault,
        MaxTopicSize::ServerDefault,
    ))
    .await
    .expect("create topic");
    within(root.create_consumer_group(&id(0), &id(1), "g"))
        .await
        .expect("create in t2");
    within(member.join_consumer_group(&id(0), &id(1), &name("g")))
        .await
        .expect("join");
    within(root.delete_stream(&id(0)))
        .await
        .expect("delete stream");
    assert_eq!(
        within(member.get_me())
            .await
            .expect("me")
            .consumer_groups_count,
        0
    );
    let stats = within(root.get_stats()).await.expect("stats");
    assert_eq!(stats.consumer_groups_count, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partition_changes_and_logout_reassign() {
    let (server, root) = with_group(2, 0).await;
    let a = root_client(&server).await;
    let b = root_client(&server).await;
    join(&a, "g").await;
    join(&b, "g").await;
    within(root.create_partitions(&id(0), &id(0), 3))
        .await
        .expect("add partitions");
    let d = details(&root, "g").await;
    assert_eq!(d.partitions_count, 5);
    assert_even_cover(&d, 5);
    within(root.delete_partitions(&id(0), &id(0), 4))
        .await
        .expect("delete partitions");
    let d = details(&root, "g").await;
    assert_eq!(d.partitions_count, 1);
    assert_even_cover(&d, 1);
    within(b.logout_user()).await.expect("logout");
    let d = details(&root, "g").await;
    assert_eq!(d.members_count, 1, "a logout leaves its groups");
    assert_eq!(assignment(&d).values().next().unwrap(), &vec![0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdk_high_level_consumer_group_reads_everything_once() {
    use futures_util::StreamExt;
    use iggy::prelude::{AutoCommit, AutoCommitWhen, IggyDuration};
    use std::str::FromStr;

    const PARTITIONS: u32 = 3;
    const PER_PARTITION: u32 = 300;
    let server = TestServer::start();
    let root = root_client(&server).await;
    setup(&root, PARTITIONS).await;
    fill(&root, PARTITIONS, PER_PARTITION).await;
    let total = (PARTITIONS * PER_PARTITION) as usize;
    let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for _ in 0..2 {
        let client = root_client(&server).await;
        let received = received.clone();
        tasks.push(tokio::spawn(async move {
            let mut consumer = client
                .consumer_group("readers", "s", "t")
                .expect("consumer builder")
                .auto_commit(AutoCommit::When(AutoCommitWhen::PollingMessages))
                .create_consumer_group_if_not_exists()
                .auto_join_consumer_group()
                .polling_strategy(PollingStrategy::next())
                .poll_interval(IggyDuration::from_str("1ms").unwrap())
                .batch_length(50)
                .build();
            consumer.init().await.expect("consumer init");
            let deadline = Instant::now() + Duration::from_secs(60);
            while received.lock().unwrap().len() < total {
                assert!(Instant::now() < deadline, "the consumers did not finish");
                let next = tokio::time::timeout(Duration::from_millis(300), consumer.next()).await;
                if let Ok(Some(message)) = next {
                    let message = message.expect("consumed message");
                    received
                        .lock()
                        .unwrap()
                        .push((message.partition_id, message.message.header.offset));
                }
            }
            client
        }));
    }
    for task in tasks {
        task.await.expect("consumer task");
    }
    let mut received = received.lock().unwrap().clone();
    received.sort_unstable();
    let expected: Vec<(u32, u64)> = (0..PARTITIONS)
        .flat_map(|p| (0..PER_PARTITION as u64).map(move |o| (p, o)))
        .collect();
    assert_eq!(received, expected, "every message once");
    let d = details(&root, "readers").await;
    assert_eq!(d.members_count, 2);
}
