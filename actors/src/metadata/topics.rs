//! Topic, partition and segment commands of the metadata actor.

use super::catalog::{PartitionHandle, TopicState};
use super::entries::MetadataEntry;
use super::messages::{
    CreatePartitions, CreateTopic, DeletePartitions, DeleteSegments, DeleteTopic, GetTopic,
    GetTopics, PurgeTopic, UpdateTopic,
};
use super::model::{TopicDetails, TopicInfo, TopicSettings};
use super::streams::{ask_all, remove_dir, run_partition_work, set_aside_leftover, PartitionWork};
use super::MetadataActor;
use crate::access::Action;
use crate::error::IggyError;
use crate::identifier::Identifier;
use crate::partition::{
    DeleteOldestSegments, PartitionActor, PartitionKey, PurgePartition, RemovePartition,
};
use actix::prelude::*;
use log::{error, info};
use std::future::Future;
use std::pin::Pin;

/// Most partitions one request may create.
const MAX_PARTITIONS_PER_REQUEST: u32 = 1000;

fn valid_topic_name(name: &str) -> bool {
    (1..=255).contains(&name.len())
}

type Spawned = Result<Vec<(PartitionKey, PartitionHandle)>, IggyError>;

impl MetadataActor {
    /// Resolves "server default" values the way CreateTopic does.
    fn resolve_settings(&self, s: TopicSettings) -> Result<TopicSettings, IggyError> {
        let d = self.topic_defaults;
        let max_topic_size = match s.max_topic_size {
            0 => d.max_topic_size,
            u64::MAX => u64::MAX,
            custom if custom < d.segment_size => return Err(IggyError::InvalidTopicSize),
            custom => custom,
        };
        Ok(TopicSettings {
            compression_algorithm: s.compression_algorithm,
            message_expiry: if s.message_expiry == 0 {
                d.message_expiry
            } else {
                s.message_expiry
            },
            max_topic_size,
            replication_factor: s.replication_factor.max(1),
        })
    }

    /// Starts new partition actors (creating their directories), all or none: on a
    /// failure the ones already started are removed again.
    fn spawn_new_partitions(
        &self,
        keys: Vec<PartitionKey>,
    ) -> Pin<Box<dyn Future<Output = Spawned>>> {
        let spawns: Vec<_> = keys
            .iter()
            .map(|key| {
                let dir = self
                    .layout
                    .partition_dir(key.stream_id, key.topic_id, key.partition_id);
                (*key, dir.clone(), self.spawn_partition(*key, true))
            })
            .collect();
        Box::pin(async move {
            let mut started = Vec::new();
            for (key, dir, spawn) in spawns {
                if let Err(e) = set_aside_leftover(&dir) {
                    let actors = started
                        .iter()
                        .map(|(_, h): &(_, PartitionHandle)| h.addr.clone())
                        .collect();
                    let _ = ask_all(actors, RemovePartition).await;
                    return Err(e);
                }
                match spawn.await {
                    Ok(handle) => started.push((key, handle)),
                    Err(e) => {
                        error!("cannot create {key}: {e}");
                        let actors = started.iter().map(|(_, h)| h.addr.clone()).collect();
                        let _ = ask_all(actors, RemovePartition).await;
                        return Err(IggyError::IoError);
                    }
                }
            }
            Ok(started)
        })
    }

    /// Resolves a topic (`StreamIdNotFound`/`TopicIdNotFound`) and checks that `user_id`
    /// may do `action` on it (`ManageTopic` for topic changes, `ReadTopic` for groups).
    pub(super) fn topic_for(
        &self,
        user_id: u32,
        stream: &Identifier,
        topic: &Identifier,
        action: fn(u32, u32) -> Action,
    ) -> Result<(u32, &TopicState), IggyError> {
        let stream_id = self.catalog.stream(stream)?.id;
        let topic = self.catalog.topic(stream, topic)?;
        self.authorize(user_id, action(stream_id, topic.id))?;
        Ok((stream_id, topic))
    }

    /// Logs a change that created partitions, attaches their actors, then publishes one
    /// routing table with them all; when the log cannot be written, the new partitions
    /// are removed again.
    fn commit_new_partitions(
        &mut self,
        user_id: u32,
        entry: MetadataEntry,
        handles: Vec<(PartitionKey, PartitionHandle)>,
    ) -> Result<(), IggyError> {
        if let Err(e) = self.log_and_apply(user_id, entry) {
            let actors: Vec<_> = handles.iter().map(|(_, h)| h.addr.clone()).collect();
            actix::spawn(async move {
                let _ = ask_all(actors, RemovePartition).await;
            });
            return Err(e);
        }
        for (key, handle) in handles {
            self.attach(key, handle);
        }
        self.publish_routes();
        Ok(())
    }

    fn topic_partition_actors(
        &self,
        stream_id: u32,
        topic_id: u32,
        from: u32,
    ) -> Vec<Addr<PartitionActor>> {
        self.catalog
            .partitions()
            .filter(|(s, t, p)| *s == stream_id && *t == topic_id && p.id >= from)
            .filter_map(|(_, _, p)| p.handle.as_ref().map(|h| h.addr.clone()))
            .collect()
    }
}

impl Handler<CreateTopic> for MetadataActor {
    type Result = AtomicResponse<Self, Result<TopicDetails, IggyError>>;

    fn handle(&mut self, msg: CreateTopic, _: &mut Self::Context) -> Self::Result {
        let prepared = (|| {
            if msg.partitions_count > MAX_PARTITIONS_PER_REQUEST {
                return Err(IggyError::TooManyPartitions);
            }
            if !valid_topic_name(&msg.name) {
                return Err(IggyError::InvalidTopicName);
            }
            let stream = self.catalog.stream(&msg.stream)?;
            let stream_id = stream.id;
            self.authorize(msg.user_id, Action::CreateTopic(stream_id))?;
            if TopicState::name_taken_in(stream, &msg.name, None) {
                return Err(IggyError::TopicNameAlreadyExists);
            }
            let settings = self.resolve_settings(msg.settings)?;
            let topic_id = stream.next_topic_id;
            let topic_dir = self.layout.topic_dir(stream_id, topic_id);
            set_aside_leftover(&topic_dir)?;
            std::fs::create_dir_all(topic_dir.join(&self.layout.partitions)).map_err(|e| {
                error!("cannot create {}: {e}", topic_dir.display());
                IggyError::IoError
            })?;
            let keys = (0..msg.partitions_count)
                .map(|partition_id| PartitionKey {
                    stream_id,
                    topic_id,
                    partition_id,
                })
                .collect();
            Ok((
                stream_id,
                topic_id,
                settings,
                self.spawn_new_partitions(keys),
            ))
        })();
        let (stream_id, topic_id, settings, spawn) = match prepared {
            Ok(p) => p,
            Err(e) => return AtomicResponse::new(Box::pin(fut::ready(Err(e)))),
        };
        let work = spawn.into_actor(self).map(move |spawned, act, _| {
            let handles = spawned?;
            let entry = MetadataEntry::CreateTopic {
                stream_id,
                topic_id,
                partitions: msg.partitions_count,
                settings,
                name: msg.name.clone(),
            };
            act.commit_new_partitions(msg.user_id, entry, handles)?;
            info!(
                "user {} created topic {topic_id} '{}' in stream {stream_id} with {} partition(s)",
                msg.user_id, msg.name, msg.partitions_count
            );
            act.catalog
                .topic_mut(stream_id, topic_id)
                .map(|t| t.details())
                .ok_or(IggyError::Error)
        });
        AtomicResponse::new(Box::pin(work))
    }
}

impl Handler<GetTopic> for MetadataActor {
    type Result = Result<Option<TopicDetails>, IggyError>;

    fn handle(&mut self, msg: GetTopic, _: &mut Self::Context) -> Self::Result {
        let Ok(stream_id) = self.catalog.stream(&msg.stream).map(|s| s.id) else {
            return Ok(None);
        };
        let Ok(topic) = self.catalog.topic(&msg.stream, &msg.topic) else {
            return Ok(None);
        };
        self.authorize(msg.user_id, Action::ReadTopic(stream_id, topic.id))?;
        Ok(Some(topic.details()))
    }
}

impl Handler<GetTopics> for MetadataActor {
    type Result = Result<Option<Vec<TopicInfo>>, IggyError>;

    fn handle(&mut self, msg: GetTopics, _: &mut Self::Context) -> Self::Result {
        let Ok(stream) = self.catalog.stream(&msg.stream) else {
            return Ok(None);
        };
        self.authorize(msg.user_id, Action::ListTopics(stream.id))?;
        Ok(Some(stream.topics.values().map(|t| t.info()).collect()))
    }
}

impl Handler<UpdateTopic> for MetadataActor {
    type Result = Result<(), IggyError>;

    fn handle(&mut self, msg: UpdateTopic, _: &mut Self::Context) -> Self::Result {
        if !valid_topic_name(&msg.name) {
            return Err(IggyError::InvalidTopicName);
        }
        let stream = self.catalog.stream(&msg.stream)?;
        let topic = self.catalog.topic(&msg.stream, &msg.topic)?;
        let (stream_id, topic_id) = (stream.id, topic.id);
        self.authorize(msg.user_id, Action::ManageTopic(stream_id, topic_id))?;
        if TopicState::name_taken_in(stream, &msg.name, Some(topic_id)) {
            return Err(IggyError::TopicNameAlreadyExists);
        }
        let settings = TopicSettings {
            replication_factor: msg.settings.replication_factor.max(1),
            ..msg.settings
        };
        let name = msg.name.clone();
        self.commit(
            msg.user_id,
            MetadataEntry::UpdateTopic {
                stream_id,
                topic_id,
                settings,
                name,
            },
        )?;
        info!(
            "user {} updated topic {topic_id} of stream {stream_id} ('{}')",
            msg.user_id, msg.name
        );
        Ok(())
    }
}

impl Handler<DeleteTopic> for MetadataActor {
    type Result = AtomicResponse<Self, Result<(), IggyError>>;

    fn handle(&mut self, msg: DeleteTopic, _: &mut Self::Context) -> Self::Result {
        run_partition_work((|| {
            let (stream_id, topic) =
                self.topic_for(msg.user_id, &msg.stream, &msg.topic, Action::ManageTopic)?;
            let topic_id = topic.id;
            let actors = self.topic_partition_actors(stream_id, topic_id, 0);
            self.commit(
                msg.user_id,
                MetadataEntry::DeleteTopic {
                    stream_id,
                    topic_id,
                },
            )?;
            let (dir, user) = (self.layout.topic_dir(stream_id, topic_id), msg.user_id);
            Ok(PartitionWork::new(actors, RemovePartition, move || {
                remove_dir(&dir);
                info!("user {user} deleted topic {topic_id} of stream {stream_id}");
            }))
        })())
    }
}

impl Handler<PurgeTopic> for MetadataActor {
    type Result = AtomicResponse<Self, Result<(), IggyError>>;

    fn handle(&mut self, msg: PurgeTopic, _: &mut Self::Context) -> Self::Result {
        run_partition_work((|| {
            let (stream_id, topic) =
                self.topic_for(msg.user_id, &msg.stream, &msg.topic, Action::ManageTopic)?;
            let topic_id = topic.id;
            let actors = self.topic_partition_actors(stream_id, topic_id, 0);
            let user = msg.user_id;
            Ok(PartitionWork::new(actors, PurgePartition, move || {
                info!("user {user} purged topic {topic_id} of stream {stream_id}")
            }))
        })())
    }
}

impl Handler<CreatePartitions> for MetadataActor {
    type Result = AtomicResponse<Self, Result<(), IggyError>>;

    fn handle(&mut self, msg: CreatePartitions, _: &mut Self::Context) -> Self::Result {
        let prepared = (|| {
            if !(1..=MAX_PARTITIONS_PER_REQUEST).contains(&msg.count) {
                return Err(IggyError::TooManyPartitions);
            }
            let (stream_id, topic) =
                self.topic_for(msg.user_id, &msg.stream, &msg.topic, Action::ManageTopic)?;
            let topic_id = topic.id;
            let first = topic.partitions.len() as u32;
            let keys = (first..first + msg.count)
                .map(|partition_id| PartitionKey {
                    stream_id,
                    topic_id,
                    partition_id,
                })
                .collect();
            Ok((stream_id, topic_id, self.spawn_new_partitions(keys)))
        })();
        let (stream_id, topic_id, spawn) = match prepared {
            Ok(p) => p,
            Err(e) => return AtomicResponse::new(Box::pin(fut::ready(Err(e)))),
        };
        let work = spawn.into_actor(self).map(move |spawned, act, _| {
            let handles = spawned?;
            let entry = MetadataEntry::CreatePartitions {
                stream_id,
                topic_id,
                count: msg.count,
            };
            act.commit_new_partitions(msg.user_id, entry, handles)?;
            act.reassign_groups(stream_id, topic_id);
            act.publish_routes();
            info!(
                "user {} added {} partition(s) to topic {topic_id} of stream {stream_id}",
                msg.user_id, msg.count
            );
            Ok(())
        });
        AtomicResponse::new(Box::pin(work))
    }
}

impl Handler<DeletePartitions> for MetadataActor {
    type Result = AtomicResponse<Self, Result<(), IggyError>>;

    fn handle(&mut self, msg: DeletePartitions, _: &mut Self::Context) -> Self::Result {
        run_partition_work((|| {
            if !(1..=MAX_PARTITIONS_PER_REQUEST).contains(&msg.count) {
                return Err(IggyError::TooManyPartitions);
            }
            let (stream_id, topic) =
                self.topic_for(msg.user_id, &msg.stream, &msg.topic, Action::ManageTopic)?;
            let topic_id = topic.id;
            let existing = topic.partitions.len() as u32;
            if msg.count > existing {
                return Err(IggyError::InvalidPartitionsCount);
            }
            let actors = self.topic_partition_actors(stream_id, topic_id, existing - msg.count);
            let (user, count) = (msg.user_id, msg.count);
            let entry = MetadataEntry::DeletePartitions {
                stream_id,
                topic_id,
                count,
            };
            self.commit(user, entry)?;
            self.reassign_groups(stream_id, topic_id);
            self.publish_routes();
            Ok(PartitionWork::new(actors, RemovePartition, move || {
                info!("user {user} deleted {count} partition(s) of topic {topic_id} of stream {stream_id}")
            }))
        })())
    }
}

impl Handler<DeleteSegments> for MetadataActor {
    type Result = AtomicResponse<Self, Result<(), IggyError>>;

    fn handle(&mut self, msg: DeleteSegments, _: &mut Self::Context) -> Self::Result {
        let prepared = (|| {
            let (_, topic) =
                self.topic_for(msg.user_id, &msg.stream, &msg.topic, Action::ManageTopic)?;
            topic
                .partitions
                .get(&msg.partition_id)
                .and_then(|p| p.handle.as_ref())
                .map(|h| h.addr.clone())
                .ok_or(IggyError::PartitionNotFound)
        })();
        let count = msg.count;
        let work = async move {
            prepared?.send(DeleteOldestSegments { count }).await??;
            Ok(())
        };
        AtomicResponse::new(Box::pin(fut::wrap_future(work)))
    }
}
