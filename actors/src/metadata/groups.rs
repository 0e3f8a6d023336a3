//! Consumer groups in the metadata actor: the six commands, memberships that follow
//! client sessions, and the rebalances they cause.
//!
//! A group's name and id are part of the metadata log; its members live in memory only
//! (as in the original). The actor computes every assignment (`assignment.rs`) and sends
//! each change to the partition actors, which enforce it: a partition serves a group's
//! polls and commits from its one assigned member only. The routing tables carry each
//! member's rotation, so a poll never waits on this actor.

use super::assignment::Change;
use super::catalog::GroupState;
use super::entries::MetadataEntry;
use super::messages::{
    CreateConsumerGroup, DeleteConsumerGroup, GetConsumerGroup, GetConsumerGroups,
    JoinConsumerGroup, LeaveConsumerGroup,
};
use super::model::{ConsumerGroupDetails, ConsumerGroupInfo};
use super::streams::{run_partition_work, PartitionWork};
use super::MetadataActor;
use crate::access::Action;
use crate::error::IggyError;
use crate::partition::groups::{
    AssignGroupPartition, ForceHandOver, HandOverDone, HandOverGroupPartition, RetainGroups,
};
use crate::partition::PartitionActor;
use actix::prelude::*;
use log::{info, warn};
use std::time::{Duration, Instant};

/// (stream id, topic id, group id)
pub(super) type GroupKey = (u32, u32, u32);

/// Completes, by force, the hand-overs in flight for longer than `timeout`
/// (`consumer_group.rebalancing_timeout`; the RebalanceTimer asks). Answers how many.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "usize")]
pub struct ExpireHandOvers {
    pub timeout: Duration,
}

fn valid_group_name(name: &str) -> bool {
    (1..=255).contains(&name.len())
}

impl MetadataActor {
    fn group_mut(&mut self, (s, t, g): GroupKey) -> Option<(&mut GroupState, u32)> {
        let topic = self.catalog.topic_mut(s, t)?;
        let partitions = topic.partitions_count();
        topic.groups.get_mut(&g).map(|group| (group, partitions))
    }

    fn partition_actor(&self, (s, t, _): GroupKey, partition: u32) -> Option<Addr<PartitionActor>> {
        self.catalog
            .topic_by_ids(s, t)?
            .partitions
            .get(&partition)?
            .handle
            .as_ref()
            .map(|h| h.addr.clone())
    }

    /// Sends assignments to the partition actors (in order, ahead of anything sent
    /// later) and asks for the hand-overs; answers the pending asks by revocation id.
    fn dispatch(
        &self,
        key: GroupKey,
        changes: Vec<Change>,
        notify: Option<&Recipient<HandOverDone>>,
    ) -> Vec<(u64, Request<PartitionActor, HandOverGroupPartition>)> {
        let group_id = key.2;
        let mut asks = Vec::new();
        for change in changes {
            match change {
                Change::Assign { partition, owner } => {
                    if let Some(actor) = self.partition_actor(key, partition) {
                        actor.do_send(AssignGroupPartition { group_id, owner });
                    }
                }
                Change::Revoke {
                    partition,
                    revocation,
                    to,
                } => {
                    let (Some(actor), Some(notify)) =
                        (self.partition_actor(key, partition), notify)
                    else {
                        continue;
                    };
                    let ask = actor.send(HandOverGroupPartition {
                        group_id,
                        revocation,
                        to,
                        notify: notify.clone(),
                    });
                    asks.push((revocation, ask));
                }
            }
        }
        asks
    }

    /// Takes `client_id` out of one group with a full reassignment of the others; false
    /// when it was not a member.
    fn leave_group(&mut self, key: GroupKey, client_id: u32) -> bool {
        let Some((group, partitions)) = self.group_mut(key) else {
            return false;
        };
        let Some(changes) = group.assignment.leave(client_id, partitions) else {
            return false;
        };
        self.clients.leave_group(client_id, key);
        self.dispatch(key, changes, None);
        info!(
            "client {client_id} left consumer group {} of stream {} topic {}: partitions reassigned",
            key.2, key.0, key.1
        );
        true
    }

    /// Takes `client_id` out of every group it joined (its session closed, went stale,
    /// logged out or lost its user) and publishes the new assignments.
    pub(super) fn leave_all_groups(&mut self, client_id: u32, groups: Vec<GroupKey>) {
        let mut left = false;
        for key in groups {
            left |= self.leave_group(key, client_id);
        }
        if left {
            self.publish_routes();
        }
    }

    /// Full reassignment of every group of a topic whose partitions changed. The caller
    /// publishes the routing table.
    pub(super) fn reassign_groups(&mut self, stream_id: u32, topic_id: u32) {
        let Some(topic) = self.catalog.topic_mut(stream_id, topic_id) else {
            return;
        };
        let partitions = topic.partitions_count();
        let mut all = Vec::new();
        for group in topic.groups.values_mut() {
            let changes = group.assignment.reassign(partitions);
            all.push(((stream_id, topic_id, group.id), changes));
        }
        for (key, changes) in all {
            self.dispatch(key, changes, None);
        }
    }

    /// Tells every partition which groups exist, so offsets of deleted groups go (at
    /// start: a crash may have come between logging a deletion and removing them).
    pub(super) fn retain_group_offsets(&self) {
        for stream in self.catalog.streams.values() {
            for topic in stream.topics.values() {
                let keep: Vec<u32> = topic.groups.keys().copied().collect();
                for partition in topic.partitions.values() {
                    if let Some(h) = &partition.handle {
                        h.addr.do_send(RetainGroups { keep: keep.clone() });
                    }
                }
            }
        }
    }

    pub(super) fn groups_count(&self) -> u32 {
        self.catalog
            .streams
            .values()
            .flat_map(|s| s.topics.values())
            .map(|t| t.groups.len() as u32)
            .sum()
    }
}

impl Handler<GetConsumerGroup> for MetadataActor {
    type Result = Result<Option<ConsumerGroupDetails>, IggyError>;

    fn handle(&mut self, msg: GetConsumerGroup, _: &mut Self::Context) -> Self::Result {
        let Ok(stream_id) = self.catalog.stream(&msg.stream).map(|s| s.id) else {
            return Ok(None);
        };
        let Ok(topic) = self.catalog.topic(&msg.stream, &msg.topic) else {
            return Ok(None);
        };
        let Ok(group) = topic.group(&msg.group) else {
            return Ok(None);
        };
        self.authorize(msg.user_id, Action::ReadTopic(stream_id, topic.id))?;
        Ok(Some(group.details(topic.partitions_count())))
    }
}

impl Handler<GetConsumerGroups> for MetadataActor {
    type Result = Result<Option<Vec<ConsumerGroupInfo>>, IggyError>;

    fn handle(&mut self, msg: GetConsumerGroups, _: &mut Self::Context) -> Self::Result {
        let Ok(stream_id) = self.catalog.stream(&msg.stream).map(|s| s.id) else {
            return Ok(None);
        };
        let Ok(topic) = self.catalog.topic(&msg.stream, &msg.topic) else {
            return Ok(None);
        };
        self.authorize(msg.user_id, Action::ReadTopic(stream_id, topic.id))?;
        let partitions = topic.partitions_count();
        Ok(Some(
            topic.groups.values().map(|g| g.info(partitions)).collect(),
        ))
    }
}

impl Handler<CreateConsumerGroup> for MetadataActor {
    type Result = Result<ConsumerGroupDetails, IggyError>;

    fn handle(&mut self, msg: CreateConsumerGroup, _: &mut Self::Context) -> Self::Result {
        if !valid_group_name(&msg.name) {
            return Err(IggyError::InvalidFormat);
        }
        let (stream_id, topic) =
            self.topic_for(msg.user_id, &msg.stream, &msg.topic, Action::ReadTopic)?;
        if topic.groups.values().any(|g| g.name == msg.name) {
            return Err(IggyError::ConsumerGroupNameAlreadyExists);
        }
        let (topic_id, group_id) = (topic.id, topic.next_group_id);
        let name = msg.name.clone();
        self.commit(
            msg.user_id,
            MetadataEntry::CreateConsumerGroup {
                stream_id,
                topic_id,
                group_id,
                name,
            },
        )?;
        info!(
            "user {} created consumer group {group_id} '{}' in stream {stream_id} topic {topic_id}",
            msg.user_id, msg.name
        );
        self.group_mut((stream_id, topic_id, group_id))
            .map(|(group, partitions)| group.details(partitions))
            .ok_or(IggyError::Error)
    }
}

impl Handler<DeleteConsumerGroup> for MetadataActor {
    type Result = AtomicResponse<Self, Result<(), IggyError>>;

    fn handle(&mut self, msg: DeleteConsumerGroup, _: &mut Self::Context) -> Self::Result {
        run_partition_work((|| {
            let (stream_id, topic) =
                self.topic_for(msg.user_id, &msg.stream, &msg.topic, Action::ReadTopic)?;
            let group_id = topic.group(&msg.group)?.id;
            let topic_id = topic.id;
            let keep: Vec<u32> = topic
                .groups
                .keys()
                .copied()
                .filter(|g| *g != group_id)
                .collect();
            let actors = topic
                .partitions
                .values()
                .filter_map(|p| p.handle.as_ref().map(|h| h.addr.clone()))
                .collect();
            let members = topic.groups[&group_id].assignment.members().len();
            self.commit(
                msg.user_id,
                MetadataEntry::DeleteConsumerGroup {
                    stream_id,
                    topic_id,
                    group_id,
                },
            )?;
            let user = msg.user_id;
            Ok(PartitionWork::new(
                actors,
                RetainGroups { keep },
                move || {
                    info!("user {user} deleted consumer group {group_id} of stream {stream_id} topic {topic_id} ({members} member(s) dropped)")
                },
            ))
        })())
    }
}

impl Handler<JoinConsumerGroup> for MetadataActor {
    type Result = AtomicResponse<Self, Result<(), IggyError>>;

    fn handle(&mut self, msg: JoinConsumerGroup, ctx: &mut Self::Context) -> Self::Result {
        let done = |r| AtomicResponse::new(Box::pin(fut::ready(r)));
        let key = match (|| {
            let (stream_id, topic) =
                self.topic_for(msg.user_id, &msg.stream, &msg.topic, Action::ReadTopic)?;
            let group_id = topic.group(&msg.group)?.id;
            Ok((stream_id, topic.id, group_id))
        })() {
            Ok(key) => key,
            Err(e) => return done(Err(e)),
        };
        let client_id = msg.client_id;
        if !self.clients.contains(client_id) {
            return done(Err(IggyError::StaleClient));
        }
        // Members whose sessions are gone leave first.
        let gone: Vec<u32> = self
            .group_mut(key)
            .map(|(g, _)| {
                g.assignment
                    .members()
                    .iter()
                    .map(|m| m.client_id)
                    .collect::<Vec<u32>>()
            })
            .unwrap_or_default()
            .into_iter()
            .filter(|c| !self.clients.contains(*c))
            .collect();
        for stale in gone {
            warn!("client {stale} is gone: removed from consumer group {key:?}");
            self.leave_group(key, stale);
        }
        let Some((group, partitions)) = self.group_mut(key) else {
            return done(Err(IggyError::ConsumerGroupIdNotFound));
        };
        let Some(changes) = group.assignment.join(client_id, partitions, Instant::now()) else {
            return done(Ok(()));
        };
        let member_id = group.assignment.member(client_id).map_or(0, |m| m.id);
        self.clients.join_group(client_id, key);
        info!(
            "client {client_id} joined consumer group {} of stream {} topic {} as member {member_id}",
            key.2, key.0, key.1
        );
        let notify = ctx.address().recipient();
        let asks = self.dispatch(key, changes, Some(&notify));
        self.publish_routes();
        if asks.is_empty() {
            return done(Ok(()));
        }
        // Hand-overs of partitions nothing was polled from (or whose polls are
        // committed) complete at once: the joiner has them when this answer arrives.
        let answers = async move {
            let mut completed = Vec::new();
            for (revocation, ask) in asks {
                if let Ok(true) = ask.await {
                    completed.push(revocation);
                }
            }
            completed
        };
        AtomicResponse::new(Box::pin(fut::wrap_future(answers).map(
            move |completed: Vec<u64>, act: &mut Self, _| {
                if let Some((group, _)) = act.group_mut(key) {
                    let mut moved = false;
                    for revocation in completed {
                        moved |= group.assignment.complete(revocation);
                    }
                    if moved {
                        act.publish_routes();
                    }
                }
                Ok(())
            },
        )))
    }
}

impl Handler<LeaveConsumerGroup> for MetadataActor {
    type Result = Result<(), IggyError>;

    fn handle(&mut self, msg: LeaveConsumerGroup, _: &mut Self::Context) -> Self::Result {
        let (stream_id, topic) =
            self.topic_for(msg.user_id, &msg.stream, &msg.topic, Action::ReadTopic)?;
        let key = (stream_id, topic.id, topic.group(&msg.group)?.id);
        if !self.leave_group(key, msg.client_id) {
            return Err(IggyError::ConsumerGroupMemberNotFound);
        }
        self.publish_routes();
        Ok(())
    }
}

impl Handler<HandOverDone> for MetadataActor {
    type Result = ();

    fn handle(&mut self, msg: HandOverDone, _: &mut Self::Context) {
        let key = (msg.stream_id, msg.topic_id, msg.group_id);
        let moved = self
            .group_mut(key)
            .is_some_and(|(g, _)| g.assignment.complete(msg.revocation));
        if moved {
            self.publish_routes();
        }
    }
}

impl Handler<ExpireHandOvers> for MetadataActor {
    type Result = usize;

    fn handle(&mut self, msg: ExpireHandOvers, _: &mut Self::Context) -> usize {
        let now = Instant::now();
        let mut forced = Vec::new();
        for stream in self.catalog.streams.values_mut() {
            for topic in stream.topics.values_mut() {
                for group in topic.groups.values_mut() {
                    for revocation in group.assignment.expired(now, msg.timeout) {
                        let partition = group
                            .assignment
                            .revocations()
                            .iter()
                            .find(|r| r.id == revocation)
                            .map(|r| r.partition);
                        if group.assignment.complete(revocation) {
                            let key = (stream.id, topic.id, group.id);
                            forced.push((key, partition, revocation));
                        }
                    }
                }
            }
        }
        for &(key, partition, revocation) in &forced {
            let actor = partition.and_then(|p| self.partition_actor(key, p));
            if let Some(actor) = actor {
                actor.do_send(ForceHandOver {
                    group_id: key.2,
                    revocation,
                });
            }
            warn!(
                "consumer group {} of stream {} topic {}: partition {partition:?} handed over by the rebalancing timeout",
                key.2, key.0, key.1
            );
        }
        if !forced.is_empty() {
            self.publish_routes();
        }
        forced.len()
    }
}
