//! Streams setup, who reads and writes where, and the producer and consumer loops.

use crate::args::Config;
use crate::rate::{self, Schedule};
use crate::stats::Recorder;
use bytes::Bytes;
use iggy::prelude::*;
use std::time::{Duration, Instant};

pub const TOPIC: &str = "bench";
pub const GROUP: &str = "bench-group";
/// A consumer that gets no new message for this long gives up.
const CONSUMER_IDLE_LIMIT: Duration = Duration::from_secs(30);

pub fn stream_name(config: &Config, index: u32) -> String {
    format!("{}-{index}", config.stream_prefix)
}

fn named(name: &str) -> Result<Identifier, String> {
    Identifier::named(name).map_err(|e| format!("bad name '{name}': {e}"))
}

/// The streams' partition ids (sorted) and how many messages each partition holds or will.
pub struct Layout {
    pub partition_ids: Vec<Vec<u32>>,
    pub expected: Vec<Vec<u64>>,
}

/// Deletes and recreates bench-0..S-1 with a topic "bench" of K partitions; the expected
/// counts are what the producers will write.
pub async fn create_streams(client: &IggyClient, config: &Config) -> Result<Layout, String> {
    let mut partition_ids = Vec::new();
    for s in 0..config.streams {
        let name = stream_name(config, s);
        let id = named(&name)?;
        let existing = client
            .get_stream(&id)
            .await
            .map_err(|e| format!("get stream {name}: {e}"))?;
        if existing.is_some() {
            client
                .delete_stream(&id)
                .await
                .map_err(|e| format!("delete stream {name}: {e}"))?;
        }
        client
            .create_stream(&name)
            .await
            .map_err(|e| format!("create stream {name}: {e}"))?;
        let topic = client
            .create_topic(
                &id,
                TOPIC,
                config.partitions,
                CompressionAlgorithm::None,
                None,
                config
                    .message_expiry
                    .parse::<IggyExpiry>()
                    .map_err(|e| format!("--message-expiry: {e}"))?,
                MaxTopicSize::Unlimited,
            )
            .await
            .map_err(|e| format!("create topic {TOPIC} in {name}: {e}"))?;
        let mut ids: Vec<u32> = topic.partitions.iter().map(|p| p.id).collect();
        ids.sort_unstable();
        if ids.len() != config.partitions as usize {
            return Err(format!(
                "topic {TOPIC} in {name} has {} partitions, asked for {}",
                ids.len(),
                config.partitions
            ));
        }
        partition_ids.push(ids);
    }
    let mut expected = vec![vec![0u64; config.partitions as usize]; config.streams as usize];
    for j in 0..config.producers {
        let (s, p) = config.producer_target(j);
        expected[s as usize][p as usize] += config.batches * config.messages_per_batch as u64;
    }
    Ok(Layout {
        partition_ids,
        expected,
    })
}

/// For a consumers-only run: what bench-0..S-1 hold now (current offset + 1 per partition).
pub async fn existing_streams(client: &IggyClient, config: &Config) -> Result<Layout, String> {
    let (mut partition_ids, mut expected) = (Vec::new(), Vec::new());
    for s in 0..config.streams {
        let name = stream_name(config, s);
        let topic = client
            .get_topic(&named(&name)?, &named(TOPIC)?)
            .await
            .map_err(|e| format!("get topic {TOPIC} in {name}: {e}"))?
            .ok_or_else(|| {
                format!("no topic {TOPIC} in stream {name}: write it first with --keep-data")
            })?;
        let mut partitions: Vec<&Partition> = topic.partitions.iter().collect();
        partitions.sort_unstable_by_key(|p| p.id);
        partition_ids.push(partitions.iter().map(|p| p.id).collect());
        expected.push(
            partitions
                .iter()
                .map(|p| match p.messages_count {
                    0 => 0,
                    _ => p.current_offset + 1,
                })
                .collect(),
        );
    }
    Ok(Layout {
        partition_ids,
        expected,
    })
}

/// A partition a consumer reads: (stream index, partition index, messages to read).
pub type Slot = (u32, u32, u64);

/// Deals the non-empty partitions out to the consumers round-robin.
pub fn consumer_slots(expected: &[Vec<u64>], consumers: u32) -> Vec<Vec<Slot>> {
    let mut slots = vec![Vec::new(); consumers as usize];
    if consumers == 0 {
        return slots;
    }
    let non_empty = expected.iter().enumerate().flat_map(|(s, parts)| {
        parts
            .iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .map(move |(p, &n)| (s as u32, p as u32, n))
    });
    for (i, slot) in non_empty.enumerate() {
        slots[i % consumers as usize].push(slot);
    }
    slots
}

pub async fn produce(
    client: IggyClient,
    config: Config,
    stream: u32,
    partition_id: u32,
    start: Instant,
) -> Result<Recorder, String> {
    let name = stream_name(&config, stream);
    let (stream_id, topic_id) = (named(&name)?, named(TOPIC)?);
    let partitioning = if config.balanced {
        Partitioning::balanced()
    } else {
        Partitioning::partition_id(partition_id)
    };
    // One payload buffer per batch, shared by its messages (Bytes clones); it starts with
    // the batch's send time for the consumers' end-to-end latency.
    let template = vec![b'x'; config.message_size as usize];
    let mut batch = (0..config.messages_per_batch)
        .map(|_| {
            IggyMessage::builder()
                .payload(Bytes::from(template.clone()))
                .build()
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("cannot build a message: {e}"))?;
    let schedule = config.rate.map(|r| {
        let interval = rate::batch_interval(
            r,
            config.producers,
            config.message_size,
            config.messages_per_batch,
        );
        Schedule::new(start, interval)
    });
    let (count, bytes) = (batch.len() as u64, config.batch_bytes());
    let mut recorder = Recorder::new(start);
    for k in 0..config.batches {
        let sent_at = match &schedule {
            Some(schedule) => {
                let due = schedule.due(k);
                rate::wait_until(due).await;
                due
            }
            None => Instant::now(),
        };
        let now = IggyTimestamp::now().as_micros();
        let payload = stamped(&template, sent_at - start);
        for message in &mut batch {
            message.header.origin_timestamp = now;
            message.payload = payload.clone();
        }
        client
            .send_messages(&stream_id, &topic_id, &partitioning, &mut batch)
            .await
            .map_err(|e| format!("send to {name}/{partition_id} (batch {k}): {e}"))?;
        recorder.record(sent_at.elapsed(), count, bytes);
    }
    if config.fsync_flush {
        client
            .flush_unsaved_buffer(&stream_id, &topic_id, partition_id, true)
            .await
            .map_err(|e| format!("flush {name}/{partition_id}: {e}"))?;
    }
    recorder.end = Instant::now();
    Ok(recorder)
}

/// `template` with its first 8 bytes set to `since_start` in ns (when it has 8 bytes).
fn stamped(template: &[u8], since_start: Duration) -> Bytes {
    let mut payload = template.to_vec();
    if let Some(head) = payload.get_mut(..8) {
        let ns = u64::try_from(since_start.as_nanos()).unwrap_or(u64::MAX);
        head.copy_from_slice(&ns.to_le_bytes());
    }
    Bytes::from(payload)
}

/// Records the end-to-end latency of each message whose payload a producer of this run
/// stamped with its send time (`stamped`).
fn record_end_to_end(recorder: &mut Recorder, messages: &[IggyMessage], start: Instant) {
    let now = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
    for m in messages {
        if let Some(head) = m.payload.get(..8) {
            let sent = u64::from_le_bytes(head.try_into().unwrap_or_default());
            recorder.record_end_to_end(now.saturating_sub(sent));
        }
    }
}

struct Reading {
    name: String,
    stream_id: Identifier,
    partition_id: u32,
    left: u64,
    offset: u64,
}

/// Polls its partitions round-robin from offset 0 until it has read `expected` messages
/// of each; when a round finds nothing new (the producers are behind) it waits 1 ms.
pub async fn consume(
    client: IggyClient,
    config: Config,
    index: u32,
    slots: Vec<(String, u32, u64)>,
    start: Instant,
) -> Result<Recorder, String> {
    let topic_id = named(TOPIC)?;
    let consumer = Consumer::new(
        Identifier::numeric(index + 1).map_err(|e| format!("consumer id {}: {e}", index + 1))?,
    );
    let mut readings = Vec::new();
    for (name, partition_id, expected) in slots {
        readings.push(Reading {
            stream_id: named(&name)?,
            name,
            partition_id,
            left: expected,
            offset: 0,
        });
    }
    let mut recorder = Recorder::new(start);
    let mut last_progress = Instant::now();
    while readings.iter().any(|r| r.left > 0) {
        let mut progressed = false;
        for r in readings.iter_mut().filter(|r| r.left > 0) {
            let count = r.left.min(config.messages_per_batch as u64) as u32;
            let strategy = PollingStrategy::offset(r.offset);
            let t0 = Instant::now();
            let polled = client
                .poll_messages(
                    &r.stream_id,
                    &topic_id,
                    Some(r.partition_id),
                    &consumer,
                    &strategy,
                    count,
                    false,
                )
                .await
                .map_err(|e| format!("poll {}/{} at {}: {e}", r.name, r.partition_id, r.offset))?;
            let latency = t0.elapsed();
            let Some(last) = polled.messages.last() else {
                continue;
            };
            let n = polled.messages.len() as u64;
            let bytes: u64 = polled.messages.iter().map(|m| m.payload.len() as u64).sum();
            r.offset = last.header.offset + 1;
            r.left = r.left.saturating_sub(n);
            recorder.record(latency, n, bytes);
            if config.producers > 0 {
                record_end_to_end(&mut recorder, &polled.messages, start);
            }
            progressed = true;
        }
        if progressed {
            last_progress = Instant::now();
        } else if last_progress.elapsed() > CONSUMER_IDLE_LIMIT {
            let left: u64 = readings.iter().map(|r| r.left).sum();
            return Err(format!(
                "consumer {index}: nothing new for {CONSUMER_IDLE_LIMIT:?}, {left} messages still expected"
            ));
        } else {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    recorder.end = Instant::now();
    Ok(recorder)
}

/// Deletes (when it exists) and creates the consumer group of every stream, so a run
/// reads from the start.
pub async fn create_groups(client: &IggyClient, config: &Config) -> Result<(), String> {
    let (topic_id, group_id) = (named(TOPIC)?, named(GROUP)?);
    for s in 0..config.streams {
        let name = stream_name(config, s);
        let stream_id = named(&name)?;
        let existing = client
            .get_consumer_group(&stream_id, &topic_id, &group_id)
            .await
            .map_err(|e| format!("get group {GROUP} in {name}: {e}"))?;
        if existing.is_some() {
            client
                .delete_consumer_group(&stream_id, &topic_id, &group_id)
                .await
                .map_err(|e| format!("delete group {GROUP} in {name}: {e}"))?;
        }
        client
            .create_consumer_group(&stream_id, &topic_id, GROUP)
            .await
            .map_err(|e| format!("create group {GROUP} in {name}: {e}"))?;
    }
    Ok(())
}

/// How much of one stream a consumer group has read, shared by its members.
pub struct GroupProgress {
    pub read: std::sync::atomic::AtomicU64,
    pub total: u64,
}

/// A member of stream `stream`'s group: joins, then polls "next" with auto-commit, the
/// server choosing the partition, until the group has read the whole stream.
pub async fn consume_group(
    client: IggyClient,
    config: Config,
    stream: u32,
    progress: std::sync::Arc<GroupProgress>,
    start: Instant,
) -> Result<Recorder, String> {
    use std::sync::atomic::Ordering;
    let name = stream_name(&config, stream);
    let (stream_id, topic_id) = (named(&name)?, named(TOPIC)?);
    let consumer = Consumer::group(named(GROUP)?);
    client
        .join_consumer_group(&stream_id, &topic_id, &named(GROUP)?)
        .await
        .map_err(|e| format!("join {GROUP} of {name}: {e}"))?;
    let strategy = PollingStrategy::next();
    let mut recorder = Recorder::new(start);
    let mut last_progress = Instant::now();
    while progress.read.load(Ordering::Relaxed) < progress.total {
        let t0 = Instant::now();
        let polled = client
            .poll_messages(
                &stream_id,
                &topic_id,
                None,
                &consumer,
                &strategy,
                config.messages_per_batch,
                true,
            )
            .await
            .map_err(|e| format!("poll {GROUP} of {name}: {e}"))?;
        let latency = t0.elapsed();
        if polled.messages.is_empty() {
            if last_progress.elapsed() > CONSUMER_IDLE_LIMIT {
                let left =
                    progress.total - progress.read.load(Ordering::Relaxed).min(progress.total);
                return Err(format!(
                    "a member of {GROUP} in {name}: nothing new for {CONSUMER_IDLE_LIMIT:?}, {left} messages still expected"
                ));
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
            continue;
        }
        let n = polled.messages.len() as u64;
        let bytes: u64 = polled.messages.iter().map(|m| m.payload.len() as u64).sum();
        recorder.record(latency, n, bytes);
        if config.producers > 0 {
            record_end_to_end(&mut recorder, &polled.messages, start);
        }
        progress.read.fetch_add(n, Ordering::Relaxed);
        last_progress = Instant::now();
    }
    recorder.end = Instant::now();
    Ok(recorder)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_skip_empty_partitions_and_go_round_robin() {
        let expected = vec![vec![10, 0, 30], vec![40, 50, 0]];
        let slots = consumer_slots(&expected, 2);
        assert_eq!(slots[0], [(0, 0, 10), (1, 0, 40)]);
        assert_eq!(slots[1], [(0, 2, 30), (1, 1, 50)]);
        let slots = consumer_slots(&expected, 5);
        assert_eq!(slots.iter().filter(|s| s.is_empty()).count(), 1);
        assert!(consumer_slots(&[vec![0]], 1)[0].is_empty());
        assert!(consumer_slots(&expected, 0).is_empty());
    }

    #[test]
    fn payloads_carry_their_send_time() {
        let payload = stamped(&[b'x'; 20], Duration::from_nanos(123_456));
        assert_eq!(payload.len(), 20);
        assert_eq!(
            u64::from_le_bytes(payload[..8].try_into().unwrap()),
            123_456
        );
        assert_eq!(&payload[8..], &[b'x'; 12]);
        assert_eq!(stamped(b"tiny", Duration::from_secs(1)).as_ref(), b"tiny");
    }
}
