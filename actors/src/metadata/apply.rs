//! Applying one metadata-log entry to the in-memory state: the same code runs on replay
//! and after a live change is logged, so both end in the same state.

use super::catalog::{GroupState, PartitionState, StreamState, TopicState};
use super::entries::MetadataEntry;
use super::MetadataActor;
use log::warn;
use std::collections::BTreeMap;

impl MetadataActor {
    pub(super) fn apply(&mut self, change: MetadataEntry, timestamp: u64) {
        let catalog = &mut self.catalog;
        match change {
            MetadataEntry::CreateUser(mut user) => {
                user.created_at = timestamp;
                self.users.insert(user.id, user);
            }
            MetadataEntry::CreateStream { id, name } => {
                catalog.next_stream_id = catalog.next_stream_id.max(id.saturating_add(1));
                let stream = StreamState {
                    id,
                    name,
                    created_at: timestamp,
                    topics: BTreeMap::new(),
                    next_topic_id: 0,
                };
                catalog.streams.insert(id, stream);
            }
            MetadataEntry::DeleteStream { id } => {
                if catalog.streams.remove(&id).is_none() {
                    warn!("metadata log: delete of unknown stream {id} ignored");
                }
                self.clients.leave_groups_where(|s, _, _| s == id);
            }
            MetadataEntry::UpdateStream { id, name } => match catalog.streams.get_mut(&id) {
                Some(stream) => stream.name = name,
                None => warn!("metadata log: update of unknown stream {id} ignored"),
            },
            MetadataEntry::CreateTopic {
                stream_id,
                topic_id,
                partitions,
                settings,
                name,
            } => {
                let Some(stream) = catalog.streams.get_mut(&stream_id) else {
                    warn!("metadata log: topic {topic_id} of unknown stream {stream_id} ignored");
                    return;
                };
                stream.next_topic_id = stream.next_topic_id.max(topic_id.saturating_add(1));
                let partitions = (0..partitions)
                    .map(|id| {
                        (
                            id,
                            PartitionState {
                                id,
                                created_at: timestamp,
                                handle: None,
                            },
                        )
                    })
                    .collect();
                let topic = TopicState {
                    id: topic_id,
                    name,
                    created_at: timestamp,
                    settings,
                    partitions,
                    groups: BTreeMap::new(),
                    next_group_id: 0,
                };
                stream.topics.insert(topic_id, topic);
            }
            MetadataEntry::DeleteTopic {
                stream_id,
                topic_id,
            } => {
                let removed = catalog
                    .streams
                    .get_mut(&stream_id)
                    .and_then(|s| s.topics.remove(&topic_id));
                if removed.is_none() {
                    warn!("metadata log: delete of unknown topic {stream_id}/{topic_id} ignored");
                }
                self.clients
                    .leave_groups_where(|s, t, _| (s, t) == (stream_id, topic_id));
            }
            MetadataEntry::UpdateTopic {
                stream_id,
                topic_id,
                settings,
                name,
            } => match catalog.topic_mut(stream_id, topic_id) {
                Some(topic) => {
                    topic.name = name;
                    topic.settings = settings;
                }
                None => {
                    warn!("metadata log: update of unknown topic {stream_id}/{topic_id} ignored")
                }
            },
            MetadataEntry::CreatePartitions {
                stream_id,
                topic_id,
                count,
            } => {
                let Some(topic) = catalog.topic_mut(stream_id, topic_id) else {
                    warn!(
                        "metadata log: partitions of unknown topic {stream_id}/{topic_id} ignored"
                    );
                    return;
                };
                let first = topic.partitions.len() as u32;
                for id in first..first.saturating_add(count) {
                    topic.partitions.insert(
                        id,
                        PartitionState {
                            id,
                            created_at: timestamp,
                            handle: None,
                        },
                    );
                }
            }
            MetadataEntry::DeletePartitions {
                stream_id,
                topic_id,
                count,
            } => {
                let Some(topic) = catalog.topic_mut(stream_id, topic_id) else {
                    warn!(
                        "metadata log: partitions of unknown topic {stream_id}/{topic_id} ignored"
                    );
                    return;
                };
                for _ in 0..count {
                    topic.partitions.pop_last();
                }
            }
            MetadataEntry::CreateConsumerGroup {
                stream_id,
                topic_id,
                group_id,
                name,
            } => {
                let Some(topic) = catalog.topic_mut(stream_id, topic_id) else {
                    warn!("metadata log: group of unknown topic {stream_id}/{topic_id} ignored");
                    return;
                };
                topic.next_group_id = topic.next_group_id.max(group_id.saturating_add(1));
                let group = GroupState {
                    id: group_id,
                    name,
                    assignment: Default::default(),
                };
                topic.groups.insert(group_id, group);
            }
            MetadataEntry::DeleteConsumerGroup {
                stream_id,
                topic_id,
                group_id,
            } => {
                let removed = catalog
                    .topic_mut(stream_id, topic_id)
                    .and_then(|t| t.groups.remove(&group_id));
                if removed.is_none() {
                    warn!("metadata log: delete of unknown group {stream_id}/{topic_id}/{group_id} ignored");
                }
                self.clients
                    .leave_groups_where(|s, t, g| (s, t, g) == (stream_id, topic_id, group_id));
            }
            change @ (MetadataEntry::DeleteUser { .. }
            | MetadataEntry::UpdateUser { .. }
            | MetadataEntry::UpdatePermissions { .. }
            | MetadataEntry::ChangePassword { .. }
            | MetadataEntry::CreatePersonalAccessToken { .. }
            | MetadataEntry::DeletePersonalAccessToken { .. }) => self.apply_account_change(change),
        }
    }
}
