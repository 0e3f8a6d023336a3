//! `GET /streams/{stream_id}/topics/{topic_id}/consumer-lag`: every stored offset of the
//! topic, of individual consumers and of consumer groups, with its lag (the partition's
//! current offset minus the stored offset), per partition and in total. An addition to the
//! original's API (the web dashboard's lag view needs it, and any client may use it); the
//! permission is the one for reading a consumer offset (poll messages on the topic).

use super::Answer;
use crate::handlers::consumer_offsets::get_consumer_offsets::{collect, TopicOffsets};
use crate::http::auth::Caller;
use crate::http::requests::identifier;
use crate::http::HttpState;
use actix_web::{web, HttpResponse};
use iggy_actors::partition::messages::ConsumerKey;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Serialize)]
struct ConsumerLag {
    stream_id: u32,
    topic_id: u32,
    partitions: Vec<PartitionLag>,
    /// Each individual consumer over the partitions where it stored an offset.
    consumers: Vec<Total>,
    /// Each consumer group of the topic over the partitions where it stored an offset
    /// (`partitions_count` 0: it has stored none yet).
    consumer_groups: Vec<Total>,
}

#[derive(Serialize)]
struct PartitionLag {
    partition_id: u32,
    /// Offset of the partition's last message (0 when empty, as everywhere in the API).
    current_offset: u64,
    consumers: Vec<Stored>,
    consumer_groups: Vec<Stored>,
}

#[derive(Serialize)]
struct Stored {
    /// The consumer id (a named consumer's is the XXH32 of its name) or the group id.
    id: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    stored_offset: u64,
    lag: u64,
}

#[derive(Serialize)]
struct Total {
    id: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    /// Partitions on which it stored an offset.
    partitions_count: u32,
    lag: u64,
}

pub async fn consumer_lag(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Answer {
    let (stream, topic) = (identifier(&path.0)?, identifier(&path.1)?);
    let offsets = collect(&state.ctx, &caller.session(), &stream, &topic).await?;
    Ok(HttpResponse::Ok().json(ConsumerLag::from(offsets)))
}

impl From<TopicOffsets> for ConsumerLag {
    fn from(t: TopicOffsets) -> Self {
        let names: BTreeMap<u32, String> = t.groups.iter().cloned().collect();
        let mut consumers: BTreeMap<u32, Total> = BTreeMap::new();
        let mut groups: BTreeMap<u32, Total> = t
            .groups
            .into_iter()
            .map(|(id, name)| (id, total(id, Some(name))))
            .collect();
        let mut partitions = Vec::with_capacity(t.partitions.len());
        for p in t.partitions {
            let current_offset = p.last_offset.unwrap_or(0);
            let mut entry = PartitionLag {
                partition_id: p.partition_id,
                current_offset,
                consumers: Vec::new(),
                consumer_groups: Vec::new(),
            };
            for (key, stored_offset) in p.offsets {
                let lag = current_offset.saturating_sub(stored_offset);
                let (id, name, list, totals) = match key {
                    ConsumerKey::Consumer(id) => (id, None, &mut entry.consumers, &mut consumers),
                    ConsumerKey::Group(id) => (
                        id,
                        names.get(&id).cloned(),
                        &mut entry.consumer_groups,
                        &mut groups,
                    ),
                };
                let sum = totals.entry(id).or_insert_with(|| total(id, name.clone()));
                sum.partitions_count += 1;
                sum.lag += lag;
                list.push(Stored {
                    id,
                    name,
                    stored_offset,
                    lag,
                });
            }
            partitions.push(entry);
        }
        ConsumerLag {
            stream_id: t.stream_id,
            topic_id: t.topic_id,
            partitions,
            consumers: consumers.into_values().collect(),
            consumer_groups: groups.into_values().collect(),
        }
    }
}

fn total(id: u32, name: Option<String>) -> Total {
    Total {
        id,
        name,
        partitions_count: 0,
        lag: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use iggy_actors::partition::messages::StoredOffsets;

    #[test]
    fn lag_is_the_current_offset_minus_the_stored_one_per_partition_and_in_total() {
        let offsets = TopicOffsets {
            stream_id: 1,
            topic_id: 2,
            partitions: vec![
                StoredOffsets {
                    partition_id: 0,
                    last_offset: Some(9),
                    offsets: vec![(ConsumerKey::Consumer(7), 4), (ConsumerKey::Group(0), 9)],
                },
                StoredOffsets {
                    partition_id: 1,
                    last_offset: Some(3),
                    offsets: vec![(ConsumerKey::Consumer(7), 0)],
                },
                StoredOffsets {
                    partition_id: 2,
                    last_offset: None,
                    offsets: vec![],
                },
            ],
            groups: vec![(0, "billing".into()), (1, "idle".into())],
        };
        let json = serde_json::to_value(ConsumerLag::from(offsets)).unwrap();
        assert_eq!(json["partitions"][0]["consumers"][0]["lag"], 5);
        assert_eq!(
            json["partitions"][0]["consumer_groups"][0]["name"],
            "billing"
        );
        assert_eq!(json["partitions"][0]["consumer_groups"][0]["lag"], 0);
        assert_eq!(json["partitions"][1]["consumers"][0]["lag"], 3);
        assert_eq!(json["partitions"][2]["current_offset"], 0);
        assert_eq!(json["consumers"][0]["id"], 7);
        assert_eq!(json["consumers"][0]["lag"], 8);
        assert_eq!(json["consumers"][0]["partitions_count"], 2);
        assert_eq!(json["consumer_groups"][1]["name"], "idle");
        assert_eq!(json["consumer_groups"][1]["partitions_count"], 0);
    }
}
