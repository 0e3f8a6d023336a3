//! Retention: the message cleaner (topic message expiry and max size), the consumer
//! barrier it shares with DeleteSegments, and DeleteSegments keeping the newest message.
//!
//! Segments are 1 KiB and every message (64-byte header + 100-byte payload) is written at
//! once, so a segment is sealed after 7 messages sent one by one (`common::segments`).

mod common;

use std::time::Duration;

use common::segments::*;
use common::{id, partition_dir, root_client, within, TestDirs};
use iggy::prelude::{
    CompressionAlgorithm, Consumer, ConsumerGroupClient, ConsumerOffsetClient, IggyByteSize,
    IggyExpiry, MaxTopicSize, MessageClient, PollingStrategy, SegmentClient, SystemClient,
    TopicClient,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_segments_go_the_active_one_stays_and_offsets_go_on() {
    let server = start(&TestDirs::new(), true);
    let client = root_client(&server).await;
    setup(&client, 1, expiry("2s"), MaxTopicSize::Unlimited).await;
    send_one_by_one(&client, 0, 0..30).await;
    let dir = partition_dir(server.dirs(), 0, 0, 0);
    assert_eq!(segment_files(&dir), [0, 7, 14, 21, 28]);
    assert_eq!(poll(&client, 0, PollingStrategy::first(), 1).await, [0]);

    eventually("expired segments deleted", || async {
        figures(&client, 0).await.1 == 2
    })
    .await;
    assert_eq!(figures(&client, 0).await, (1, 2, 2 * MESSAGE_SIZE));
    assert_eq!(segment_files(&dir), [28], "the active segment stays");
    assert_eq!(
        poll(&client, 0, PollingStrategy::first(), 10).await,
        [28, 29]
    );
    let stats = within(client.get_stats()).await.expect("stats");
    assert_eq!((stats.segments_count, stats.messages_count), (1, 2));
    assert_eq!(stats.messages_size_bytes.as_bytes_u64(), 2 * MESSAGE_SIZE);

    // The active segment's messages are past the expiry too, but it is never deleted.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        poll(&client, 0, PollingStrategy::first(), 10).await,
        [28, 29]
    );
    send_one_by_one(&client, 0, 30..31).await;
    assert_eq!(poll(&client, 0, PollingStrategy::last(), 1).await, [30]);
    assert!(server
        .stdout()
        .contains("messages below offset 28 are gone"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_topic_loses_its_oldest_segments_across_partitions() {
    let server = start(&TestDirs::new(), true);
    let client = root_client(&server).await;
    let max = 10 * 1024;
    setup(
        &client,
        2,
        IggyExpiry::NeverExpire,
        MaxTopicSize::Custom(IggyByteSize::from(max)),
    )
    .await;
    // Six segments a partition, written in turns: the oldest segments alternate.
    for round in 0..6 {
        for partition in 0..2 {
            let first = round * PER_SEGMENT;
            send_one_by_one(&client, partition, first..first + PER_SEGMENT).await;
        }
    }
    eventually("topic below 90 % of its max size", || async {
        topic_size(&client).await * 10 < max * 9
    })
    .await;
    // 12 segments of 7 x 164 B were 13,776 B; 90 % of 10 KiB is 9,216 B: the four oldest
    // (two in each partition) went.
    assert_eq!(topic_size(&client).await, 8 * PER_SEGMENT * MESSAGE_SIZE);
    for partition in 0..2 {
        assert_eq!(
            poll(&client, partition, PollingStrategy::first(), 1).await,
            [2 * PER_SEGMENT],
            "partition {partition}"
        );
        assert_eq!(figures(&client, partition).await.0, 5);
        let dir = partition_dir(server.dirs(), 0, 0, partition);
        assert_eq!(segment_files(&dir), [14, 21, 28, 35, 42]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_segments_keeps_the_segment_with_the_newest_message() {
    let server = start(&TestDirs::new(), false);
    let client = root_client(&server).await;
    setup(&client, 1, IggyExpiry::NeverExpire, MaxTopicSize::Unlimited).await;
    // The last write fills the second segment: an empty active segment begins.
    send_one_by_one(&client, 0, 0..14).await;
    let dir = partition_dir(server.dirs(), 0, 0, 0);
    assert_eq!(segment_files(&dir), [0, 7, 14]);
    within(client.delete_segments(&id(0), &id(0), 0, 10))
        .await
        .expect("delete segments");
    assert_eq!(segment_files(&dir), [7, 14]);
    assert_eq!(poll(&client, 0, PollingStrategy::last(), 1).await, [13]);
    assert_eq!(poll(&client, 0, PollingStrategy::first(), 1).await, [7]);
    assert_eq!(figures(&client, 0).await, (2, 7, 7 * MESSAGE_SIZE));
    // Once the newest message is in the active segment, the sealed one may go.
    send_one_by_one(&client, 0, 14..15).await;
    within(client.delete_segments(&id(0), &id(0), 0, 10))
        .await
        .expect("delete segments");
    assert_eq!(segment_files(&dir), [14]);
    assert_eq!(poll(&client, 0, PollingStrategy::first(), 10).await, [14]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_offset_keeps_unread_segments_until_it_is_deleted() {
    let server = start(&TestDirs::new(), true);
    let client = root_client(&server).await;
    setup(&client, 1, expiry("1s"), MaxTopicSize::Unlimited).await;
    send_one_by_one(&client, 0, 0..21).await;
    let consumer = Consumer::new(id(1));
    // Consumer 1 read up to offset 9: the segment holding 7..13 is unread.
    within(client.store_consumer_offset(&consumer, &id(0), &id(0), Some(0), 9))
        .await
        .expect("store offset");
    within(client.delete_segments(&id(0), &id(0), 0, 10))
        .await
        .expect("delete segments");
    assert_eq!(poll(&client, 0, PollingStrategy::first(), 1).await, [7]);
    let dir = partition_dir(server.dirs(), 0, 0, 0);
    assert_eq!(segment_files(&dir), [7, 14, 21]);
    // The cleaner keeps them too, every round naming the consumer.
    eventually("the cleaner names the consumer in two rounds", || async {
        server
            .stdout()
            .lines()
            .filter(|l| {
                l.contains("an expired segment is kept")
                    && l.contains("consumer 1 (stored offset 9) has not read segment 7 yet")
            })
            .count()
            >= 2
    })
    .await;
    assert_eq!(poll(&client, 0, PollingStrategy::first(), 1).await, [7]);
    assert_eq!(segment_files(&dir), [7, 14, 21]);

    within(client.delete_consumer_offset(&consumer, &id(0), &id(0), Some(0)))
        .await
        .expect("delete offset");
    eventually("released segments deleted", || async {
        figures(&client, 0).await.1 == 0
    })
    .await;
    assert_eq!(segment_files(&dir), [21]);
    assert!(poll(&client, 0, PollingStrategy::first(), 1)
        .await
        .is_empty());
    send_one_by_one(&client, 0, 21..22).await;
    assert_eq!(poll(&client, 0, PollingStrategy::first(), 1).await, [21]);
}

/// A consumer group's stored offset holds segments back the same way, from both the
/// cleaner and DeleteSegments; deleting the group releases them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_group_offset_keeps_unread_segments() {
    let server = start(&TestDirs::new(), true);
    let client = root_client(&server).await;
    setup(&client, 1, expiry("1s"), MaxTopicSize::Unlimited).await;
    send_one_by_one(&client, 0, 0..21).await;
    within(client.create_consumer_group(&id(0), &id(0), "readers"))
        .await
        .expect("create group");
    within(client.join_consumer_group(&id(0), &id(0), &id(0)))
        .await
        .expect("join");
    // The group read and committed offsets 0..=3: segment 0 (0..6) is unread past 3.
    let group = Consumer::group(id(0));
    within(client.poll_messages(
        &id(0),
        &id(0),
        Some(0),
        &group,
        &PollingStrategy::next(),
        4,
        true,
    ))
    .await
    .expect("group poll");
    within(client.delete_segments(&id(0), &id(0), 0, 10))
        .await
        .expect("delete segments");
    let dir = partition_dir(server.dirs(), 0, 0, 0);
    assert_eq!(segment_files(&dir), [0, 7, 14, 21]);
    eventually("the cleaner names the group", || async {
        server.stdout().lines().any(|l| {
            l.contains("an expired segment is kept")
                && l.contains("consumer group 0 (stored offset 3) has not read segment 0 yet")
        })
    })
    .await;
    assert_eq!(segment_files(&dir), [0, 7, 14, 21]);
    assert_eq!(poll(&client, 0, PollingStrategy::first(), 1).await, [0]);

    // Without the group (and its offsets) the same data goes at the next round.
    within(client.delete_consumer_group(&id(0), &id(0), &id(0)))
        .await
        .expect("delete group");
    eventually("released segments deleted", || async {
        figures(&client, 0).await.1 == 0
    })
    .await;
    assert_eq!(segment_files(&dir), [21]);
}

/// A kill -9 in the middle of a cleaner round (500 expired segments, deleted one by one)
/// leaves a partition whose remaining segments are whole and readable, and another topic
/// untouched; the next round goes on where the killed one stopped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_a_cleaner_round_keeps_every_message_that_should_stay() {
    const SEGMENTS: u64 = 500;
    let total = SEGMENTS * PER_SEGMENT;
    let dirs = TestDirs::new();
    let mut server = start(&dirs, true);
    let client = root_client(&server).await;
    setup(&client, 1, expiry("2s"), MaxTopicSize::Unlimited).await;
    within(client.create_topic(
        &id(0),
        "keep",
        1,
        CompressionAlgorithm::None,
        None,
        IggyExpiry::NeverExpire,
        MaxTopicSize::Unlimited,
    ))
    .await
    .expect("topic");
    // Seven messages a request fill one segment each.
    send(&client, 0, 0, 0..total, PER_SEGMENT).await;
    send(&client, 1, 0, 0..100, 10).await;
    let dir = partition_dir(&dirs, 0, 0, 0);
    eventually("the cleaner starts deleting", || async {
        segment_files(&dir).len() as u64 <= SEGMENTS
    })
    .await;
    server.kill();
    drop(client);

    let server = start(&dirs, false);
    let client = root_client(&server).await;
    assert_eq!(read_from(&client, 1, 0, 0).await, 100, "the other topic");
    let first = poll(&client, 0, PollingStrategy::first(), 1).await;
    let first = first.first().copied().unwrap_or(total);
    assert_eq!(first % PER_SEGMENT, 0, "whole segments went");
    assert_eq!(read_from(&client, 0, 0, first).await, total - first);
    let (segments, messages, _) = figures(&client, 0).await;
    assert_eq!(messages, total - first);
    assert_eq!(u64::from(segments), (total - first) / PER_SEGMENT + 1);
    assert_no_orphan_index(&dir);
    assert_eq!(segment_files(&dir).len() as u32, segments);
    drop(client);
    server.stop();

    let server = start(&dirs, true);
    let client = root_client(&server).await;
    eventually("the rest expires", || async {
        figures(&client, 0).await.1 == 0
    })
    .await;
    assert_eq!(segment_files(&dir), [total]);
    assert_eq!(read_from(&client, 1, 0, 0).await, 100, "the other topic");
    send_one_by_one(&client, 0, total..total + 1).await;
    assert_eq!(poll(&client, 0, PollingStrategy::first(), 5).await, [total]);
}
