//! Consumer groups as one partition sees them: for every group, the one member (client)
//! it serves, the hand-over in flight, and the highest offset it handed out. The metadata
//! actor decides the assignment; the partition actor is where it is enforced, so two
//! members are never served this partition at the same time, whatever routing table
//! their shards hold at that moment.

use super::messages::{Claim, ConsumerKey};
use super::PartitionActor;
use crate::error::IggyError;
use actix::prelude::*;
use log::{debug, warn};
use std::collections::HashMap;

/// A hand-over finished on the partition's own initiative (the group committed what was
/// polled): the metadata actor moves the partition to its new owner.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "()")]
pub struct HandOverDone {
    pub stream_id: u32,
    pub topic_id: u32,
    pub group_id: u32,
    pub revocation: u64,
}

/// From now on the group's partition is served to `owner` alone (`None`: nobody); a
/// hand-over in flight is cancelled.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "()")]
pub struct AssignGroupPartition {
    pub group_id: u32,
    pub owner: Option<u32>,
}

/// Hand the group's partition over to `to` once the group has committed the highest
/// offset its owner polled here (at once when nothing was polled). Answers whether it
/// happened at once; otherwise `notify` hears of it when it does.
#[derive(Message, Clone)]
#[rtype(result = "bool")]
pub struct HandOverGroupPartition {
    pub group_id: u32,
    pub revocation: u64,
    pub to: u32,
    pub notify: Recipient<HandOverDone>,
}

/// The rebalancing timeout passed: complete the hand-over now, committed or not.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "()")]
pub struct ForceHandOver {
    pub group_id: u32,
    pub revocation: u64,
}

/// Forgets every consumer group not in `keep`: its stored offset (file) and its state.
/// Sent when a group is deleted, and at start for offsets of groups that no longer exist.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<(), IggyError>")]
pub struct RetainGroups {
    pub keep: Vec<u32>,
}

struct HandOver {
    revocation: u64,
    to: u32,
    notify: Recipient<HandOverDone>,
}

#[derive(Default)]
struct Slot {
    owner: Option<u32>,
    handover: Option<HandOver>,
    /// The highest offset handed out to the owner since it got the partition.
    last_polled: Option<u64>,
}

#[derive(Default)]
pub(super) struct GroupSlots {
    slots: HashMap<u32, Slot>,
}

impl GroupSlots {
    /// Whether `claim` may read (or commit) as `group_id` here: the owner may, and while
    /// it hands the partition over, only when it names the partition (`explicit`).
    pub fn admits(&self, group_id: u32, claim: Claim) -> bool {
        self.slots.get(&group_id).is_some_and(|slot| {
            slot.owner == Some(claim.client_id) && (claim.explicit || slot.handover.is_none())
        })
    }

    pub fn polled(&mut self, group_id: u32, last: u64) {
        if let Some(slot) = self.slots.get_mut(&group_id) {
            slot.last_polled = Some(slot.last_polled.map_or(last, |l| l.max(last)));
        }
    }

    /// Whether the hand-over of `group_id` may complete with `committed` as the group's
    /// stored offset.
    fn caught_up(&self, group_id: u32, committed: Option<u64>) -> bool {
        self.slots
            .get(&group_id)
            .and_then(|s| s.last_polled)
            .is_none_or(|last| committed.is_some_and(|c| c >= last))
    }

    /// Moves the partition to the hand-over's receiver; answers the finished hand-over.
    fn finish(&mut self, group_id: u32) -> Option<HandOver> {
        let slot = self.slots.get_mut(&group_id)?;
        let handover = slot.handover.take()?;
        slot.owner = Some(handover.to);
        slot.last_polled = None;
        Some(handover)
    }
}

impl PartitionActor {
    /// After the group's offset changed (store, auto-commit, purge): completes a
    /// hand-over waiting for it and tells the metadata actor.
    pub(super) fn group_committed(&mut self, key: ConsumerKey) {
        let ConsumerKey::Group(group_id) = key else {
            return;
        };
        let committed = self.offsets.get(key);
        let waiting = self
            .groups
            .slots
            .get(&group_id)
            .is_some_and(|s| s.handover.is_some());
        if !waiting || !self.groups.caught_up(group_id, committed) {
            return;
        }
        if let Some(done) = self.groups.finish(group_id) {
            debug!(
                "{}: group {group_id} committed what it polled: handed over to client {}",
                self.key, done.to
            );
            done.notify.do_send(HandOverDone {
                stream_id: self.key.stream_id,
                topic_id: self.key.topic_id,
                group_id,
                revocation: done.revocation,
            });
        }
    }

    /// After a purge: nothing polled counts any more; hand-overs complete.
    pub(super) fn groups_purged(&mut self) {
        let ids: Vec<u32> = self.groups.slots.keys().copied().collect();
        for group_id in ids {
            if let Some(slot) = self.groups.slots.get_mut(&group_id) {
                slot.last_polled = None;
            }
            self.group_committed(ConsumerKey::Group(group_id));
        }
    }
}

impl Handler<AssignGroupPartition> for PartitionActor {
    type Result = ();

    fn handle(&mut self, msg: AssignGroupPartition, _: &mut Self::Context) {
        let slot = self.groups.slots.entry(msg.group_id).or_default();
        slot.handover = None;
        if slot.owner != msg.owner {
            slot.owner = msg.owner;
            slot.last_polled = None;
        }
    }
}

impl Handler<HandOverGroupPartition> for PartitionActor {
    type Result = bool;

    fn handle(&mut self, msg: HandOverGroupPartition, _: &mut Self::Context) -> bool {
        let key = ConsumerKey::Group(msg.group_id);
        let committed = self.offsets.get(key);
        let now = self.groups.caught_up(msg.group_id, committed);
        let slot = self.groups.slots.entry(msg.group_id).or_default();
        if now || slot.owner.is_none() {
            slot.owner = Some(msg.to);
            slot.handover = None;
            slot.last_polled = None;
            return true;
        }
        slot.handover = Some(HandOver {
            revocation: msg.revocation,
            to: msg.to,
            notify: msg.notify,
        });
        false
    }
}

impl Handler<ForceHandOver> for PartitionActor {
    type Result = ();

    fn handle(&mut self, msg: ForceHandOver, _: &mut Self::Context) {
        let matches = self
            .groups
            .slots
            .get(&msg.group_id)
            .and_then(|s| s.handover.as_ref())
            .is_some_and(|h| h.revocation == msg.revocation);
        if matches {
            if let Some(done) = self.groups.finish(msg.group_id) {
                warn!(
                    "{}: group {} handed over to client {} by the rebalancing timeout, before its offset caught up",
                    self.key, msg.group_id, done.to
                );
            }
        }
    }
}

impl Handler<RetainGroups> for PartitionActor {
    type Result = Result<(), IggyError>;

    fn handle(&mut self, msg: RetainGroups, _: &mut Self::Context) -> Self::Result {
        self.groups.slots.retain(|id, _| msg.keep.contains(id));
        let gone: Vec<ConsumerKey> = self
            .offsets
            .keys()
            .filter(|k| matches!(k, ConsumerKey::Group(id) if !msg.keep.contains(id)))
            .collect();
        for key in gone {
            self.offsets
                .delete(key)
                .map_err(|e| self.io("delete a consumer group offset", e))?;
            debug!("{}: offset of deleted {key:?} removed", self.key);
        }
        Ok(())
    }
}
