//! Many partitions on every shard at once, several concurrent producers and consumers, each on
//! its own connection: every consumer receives every message exactly once, in order per
//! partition.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use common::{id, root_client, within, TestServer};
use iggy::prelude::{
    CompressionAlgorithm, Consumer, IggyExpiry, IggyMessage, MaxTopicSize, MessageClient,
    Partitioning, PollingStrategy, StreamClient, TopicClient,
};

const STREAMS: u32 = 3;
const PARTITIONS: u32 = 8;
const PRODUCERS: u32 = 4;
const CONSUMERS: u32 = 3;
const BATCHES: u32 = 5;
const PER_BATCH: u32 = 4;
/// Upper bound for the whole exchange: turns a lost message or a hang into a failure.
const DEADLINE: Duration = Duration::from_secs(90);

/// Payload `p{producer}-b{batch}-m{message}`; parsed back into the triple.
fn parse(payload: &[u8]) -> (u32, u32, u32) {
    let text = std::str::from_utf8(payload).expect("utf-8 payload");
    let mut parts = text.split('-').map(|part| {
        part[1..]
            .parse::<u32>()
            .unwrap_or_else(|_| panic!("{text}"))
    });
    let producer = parts.next().expect("producer");
    let batch = parts.next().expect("batch");
    let message = parts.next().expect("message");
    (producer, batch, message)
}

/// Stream ids and topic ids (one topic "t" per stream, `PARTITIONS` partitions).
async fn setup(server: &TestServer) -> Vec<(u32, u32)> {
    let client = root_client(server).await;
    let mut targets = Vec::new();
    for s in 0..STREAMS {
        let stream = within(client.create_stream(&format!("stream-{s}")))
            .await
            .expect("create stream");
        let topic = within(client.create_topic(
            &id(stream.id),
            "t",
            PARTITIONS,
            CompressionAlgorithm::None,
            None,
            IggyExpiry::ServerDefault,
            MaxTopicSize::ServerDefault,
        ))
        .await
        .expect("create topic");
        targets.push((stream.id, topic.id));
    }
    targets
}

type Received = BTreeMap<(u32, u32), Vec<(u64, Vec<u8>)>>;

async fn consume(
    server_addr: common::Endpoint,
    consumer_id: u32,
    targets: Vec<(u32, u32)>,
) -> Received {
    let client = common::sdk_client(server_addr).await;
    within(iggy::prelude::UserClient::login_user(
        &client, "iggy", "iggy",
    ))
    .await
    .expect("login");
    let consumer = Consumer::new(id(consumer_id));
    let expected_per_partition = (PRODUCERS * BATCHES * PER_BATCH) as usize;
    let mut received: Received = BTreeMap::new();
    loop {
        let mut progress = false;
        let mut done = true;
        for (stream, topic) in &targets {
            for partition in 0..PARTITIONS {
                let entry = received.entry((*stream, partition)).or_default();
                if entry.len() >= expected_per_partition {
                    continue;
                }
                done = false;
                let polled = within(client.poll_messages(
                    &id(*stream),
                    &id(*topic),
                    Some(partition),
                    &consumer,
                    &PollingStrategy::next(),
                    7,
                    true,
                ))
                .await
                .unwrap_or_else(|e| {
                    panic!("consumer {consumer_id}: poll {stream}/{topic}/{partition}: {e}")
                });
                assert_eq!(polled.partition_id, partition);
                for message in polled.messages {
                    progress = true;
                    entry.push((message.header.offset, message.payload.to_vec()));
                }
            }
        }
        if done {
            return received;
        }
        if !progress {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn produce(server_addr: common::Endpoint, producer: u32, targets: Vec<(u32, u32)>) {
    let client = common::sdk_client(server_addr).await;
    within(iggy::prelude::UserClient::login_user(
        &client, "iggy", "iggy",
    ))
    .await
    .expect("login");
    for batch in 0..BATCHES {
        for (stream, topic) in &targets {
            for partition in 0..PARTITIONS {
                let mut messages: Vec<IggyMessage> = (0..PER_BATCH)
                    .map(|m| {
                        IggyMessage::builder()
                            .payload(format!("p{producer}-b{batch}-m{m}").into())
                            .build()
                            .expect("message")
                    })
                    .collect();
                within(client.send_messages(
                    &id(*stream),
                    &id(*topic),
                    &Partitioning::partition_id(partition),
                    &mut messages,
                ))
                .await
                .unwrap_or_else(|e| {
                    panic!("producer {producer}: send {stream}/{topic}/{partition}: {e}")
                });
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_producers_and_consumers_over_many_partitions() {
    let server = TestServer::start();
    let targets = setup(&server).await;
    let addr = server.endpoint();

    let work = async {
        let consumers: Vec<_> = (0..CONSUMERS)
            .map(|c| tokio::spawn(consume(addr, 100 + c, targets.clone())))
            .collect();
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| tokio::spawn(produce(addr, p, targets.clone())))
            .collect();
        for producer in producers {
            producer.await.expect("producer task");
        }
        let mut results = Vec::new();
        for consumer in consumers {
            results.push(consumer.await.expect("consumer task"));
        }
        results
    };
    let results = tokio::time::timeout(DEADLINE, work)
        .await
        .expect("producers and consumers did not finish: messages lost or server hung");

    let per_partition = (PRODUCERS * BATCHES * PER_BATCH) as u64;
    for (c, received) in results.iter().enumerate() {
        assert_eq!(received.len(), (STREAMS * PARTITIONS) as usize);
        for ((stream, partition), messages) in received {
            let where_ = format!("consumer {c}, stream {stream}, partition {partition}");
            let offsets: Vec<u64> = messages.iter().map(|(o, _)| *o).collect();
            assert_eq!(
                offsets,
                (0..per_partition).collect::<Vec<u64>>(),
                "{where_}: every offset exactly once, in order"
            );
            let mut seen = BTreeSet::new();
            let mut last_per_producer: BTreeMap<u32, (u32, u32)> = BTreeMap::new();
            for (_, payload) in messages {
                let (producer, batch, message) = parse(payload);
                assert!(
                    seen.insert((producer, batch, message)),
                    "{where_}: duplicate {producer}/{batch}/{message}"
                );
                if let Some(previous) = last_per_producer.insert(producer, (batch, message)) {
                    assert!(
                        previous < (batch, message),
                        "{where_}: producer {producer} out of order: {previous:?} then {:?}",
                        (batch, message)
                    );
                }
            }
            assert_eq!(seen.len() as u64, per_partition, "{where_}");
            // A batch is contiguous within its partition.
            for window in messages.chunks(PER_BATCH as usize) {
                let keys: BTreeSet<(u32, u32)> = window
                    .iter()
                    .map(|(_, payload)| {
                        let (p, b, _) = parse(payload);
                        (p, b)
                    })
                    .collect();
                assert_eq!(keys.len(), 1, "{where_}: batch interleaved with another");
            }
        }
    }
    // All consumers saw the same thing.
    let first: &Received = &results[0];
    for (c, other) in results.iter().enumerate().skip(1) {
        assert_eq!(other, first, "consumer {c} differs from consumer 0");
    }
}

/// Balanced and keyed producers hammering one topic at once: no message lost or stored twice,
/// offsets dense in every partition, every keyed batch in its key's partition.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_balanced_and_keyed_senders_on_one_topic() {
    let server = TestServer::start();
    let targets = setup(&server).await;
    let (stream, topic) = targets[0];
    let addr = server.endpoint();
    const SENDERS: u32 = 4;
    const SENDS: u32 = 24;

    let work = async {
        let tasks: Vec<_> = (0..SENDERS)
            .map(|sender| {
                tokio::spawn(async move {
                    let client = common::sdk_client(addr).await;
                    within(iggy::prelude::UserClient::login_user(
                        &client, "iggy", "iggy",
                    ))
                    .await
                    .expect("login");
                    for send in 0..SENDS {
                        let partitioning = if sender % 2 == 0 {
                            Partitioning::balanced()
                        } else {
                            Partitioning::messages_key_str(&format!("key-{}", send % 3))
                                .expect("key")
                        };
                        let mut messages: Vec<IggyMessage> = (0..3)
                            .map(|m| {
                                IggyMessage::builder()
                                    .payload(format!("p{sender}-b{send}-m{m}").into())
                                    .build()
                                    .expect("message")
                            })
                            .collect();
                        within(client.send_messages(
                            &id(stream),
                            &id(topic),
                            &partitioning,
                            &mut messages,
                        ))
                        .await
                        .unwrap_or_else(|e| panic!("sender {sender}: {e}"));
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("sender task");
        }
    };
    tokio::time::timeout(DEADLINE, work)
        .await
        .expect("senders did not finish");

    let client = root_client(&server).await;
    let consumer = Consumer::new(id(1));
    let mut all = BTreeSet::new();
    let mut balanced_partitions = BTreeSet::new();
    for partition in 0..PARTITIONS {
        let polled = within(client.poll_messages(
            &id(stream),
            &id(topic),
            Some(partition),
            &consumer,
            &PollingStrategy::offset(0),
            10_000,
            false,
        ))
        .await
        .expect("poll");
        let offsets: Vec<u64> = polled.messages.iter().map(|m| m.header.offset).collect();
        assert_eq!(
            offsets,
            (0..offsets.len() as u64).collect::<Vec<u64>>(),
            "partition {partition}: dense offsets"
        );
        for message in &polled.messages {
            let (sender, send, m) = parse(&message.payload);
            assert!(
                all.insert((sender, send, m)),
                "stored twice: {sender}/{send}/{m}"
            );
            if sender % 2 == 1 {
                let key = format!("key-{}", send % 3);
                let expected = xxhash_rust::xxh32::xxh32(key.as_bytes(), 0) % PARTITIONS;
                assert_eq!(partition, expected, "{key} in the wrong partition");
            } else {
                balanced_partitions.insert(partition);
            }
        }
    }
    assert_eq!(all.len() as u32, SENDERS * SENDS * 3, "messages lost");
    assert_eq!(
        balanced_partitions.len() as u32,
        PARTITIONS,
        "48 balanced sends must reach all {PARTITIONS} partitions"
    );
}
