//! The routing table: stream and topic names and ids → partition actors, the consumer
//! groups' members and their partitions, plus the users' permissions, built by the metadata actor after every change and installed on every
//! shard. The data plane resolves and authorizes with a local read, never a round trip.

use crate::access::{self, Action};
use crate::error::IggyError;
use crate::identifier::Identifier;
use crate::partition::PartitionActor;
use crate::permissions::Permissions;
use actix::Addr;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// One topic's partitions, index = partition id.
pub struct TopicRoute {
    pub stream_id: u32,
    pub topic_id: u32,
    pub partitions: Vec<Addr<PartitionActor>>,
    /// Balanced partitioning: advances once per send request. Shared by every shard's
    /// copy of the table (and kept across rebuilds) so the rotation is per topic.
    pub balanced: Arc<AtomicU64>,
    pub groups: HashMap<u32, GroupRoute>,
    pub group_names: HashMap<String, u32>,
}

/// A consumer group as its members' polls need it.
pub struct GroupRoute {
    pub id: u32,
    /// By client id.
    pub members: HashMap<u32, MemberRoute>,
}

impl GroupRoute {
    /// The member of `client_id`, or `ConsumerGroupMemberNotFound`.
    pub fn member(&self, client_id: u32) -> Result<&MemberRoute, IggyError> {
        self.members
            .get(&client_id)
            .ok_or(IggyError::ConsumerGroupMemberNotFound)
    }
}

/// A member's rotation: the partitions it owns and is not handing over.
pub struct MemberRoute {
    pub partitions: Vec<u32>,
    /// Advances once per poll without a partition id; shared by every shard's copy and
    /// kept across rebuilds.
    pub cursor: Arc<AtomicU64>,
}

impl MemberRoute {
    /// The next partition in turn (`None`: the member owns nothing to read).
    pub fn next(&self) -> Option<u32> {
        let n = self.partitions.len() as u64;
        (n > 0).then(|| self.partitions[(self.cursor.fetch_add(1, Ordering::Relaxed) % n) as usize])
    }

    /// The partition the last rotation gave (the first before any).
    pub fn current(&self) -> Option<u32> {
        let n = self.partitions.len() as u64;
        let last = self.cursor.load(Ordering::Relaxed).saturating_sub(1);
        (n > 0).then(|| self.partitions[(last % n) as usize])
    }
}

impl TopicRoute {
    /// Resolves a consumer group by id or name, or `ConsumerGroupIdNotFound`.
    pub fn group(&self, id: &Identifier) -> Result<&GroupRoute, IggyError> {
        let group_id = match id {
            Identifier::Numeric(id) => *id,
            Identifier::Name(name) => *self
                .group_names
                .get(name)
                .ok_or(IggyError::ConsumerGroupIdNotFound)?,
        };
        self.groups
            .get(&group_id)
            .ok_or(IggyError::ConsumerGroupIdNotFound)
    }

    /// The partition actor of `partition_id`, or `PartitionNotFound`.
    pub fn partition(&self, partition_id: u32) -> Result<&Addr<PartitionActor>, IggyError> {
        self.partitions
            .get(partition_id as usize)
            .ok_or(IggyError::PartitionNotFound)
    }

    /// Balanced partitioning: the next partition in turn; `TopicIdNotFound` when the topic
    /// has no partitions (as the original server answers).
    pub fn next_balanced(&self) -> Result<u32, IggyError> {
        let n = self.partitions.len() as u64;
        if n == 0 {
            return Err(IggyError::TopicIdNotFound);
        }
        Ok((self.balanced.fetch_add(1, Ordering::Relaxed) % n) as u32)
    }

    /// Messages-key partitioning: XXH32 of the key modulo the partition count;
    /// `PartitionNotFound` when the topic has no partitions.
    pub fn by_key(&self, key: &[u8]) -> Result<u32, IggyError> {
        let n = self.partitions.len() as u32;
        if n == 0 {
            return Err(IggyError::PartitionNotFound);
        }
        Ok(xxhash_rust::xxh32::xxh32(key, 0) % n)
    }
}

#[derive(Default)]
pub struct StreamRoute {
    pub id: u32,
    pub topics: HashMap<u32, Arc<TopicRoute>>,
    pub topic_names: HashMap<String, u32>,
}

/// A user as the data plane needs it.
#[derive(Debug, Clone)]
pub struct UserRoute {
    pub active: bool,
    pub permissions: Option<Permissions>,
}

/// An immutable snapshot; replaced whole on every change.
#[derive(Default)]
pub struct RoutingTable {
    /// Increases with every change; a shard never installs an older table.
    pub version: u64,
    pub streams: HashMap<u32, StreamRoute>,
    pub stream_names: HashMap<String, u32>,
    pub users: HashMap<u32, UserRoute>,
    /// Revoked HTTP access tokens: jti → expiry (seconds since the epoch).
    pub revoked_tokens: Arc<HashMap<String, u64>>,
}

impl RoutingTable {
    /// Resolves a topic: `StreamIdNotFound` / `TopicIdNotFound`.
    pub fn topic(
        &self,
        stream: &Identifier,
        topic: &Identifier,
    ) -> Result<&Arc<TopicRoute>, IggyError> {
        let stream_id = match stream {
            Identifier::Numeric(id) => *id,
            Identifier::Name(name) => *self
                .stream_names
                .get(name)
                .ok_or(IggyError::StreamIdNotFound)?,
        };
        let s = self
            .streams
            .get(&stream_id)
            .ok_or(IggyError::StreamIdNotFound)?;
        let topic_id = match topic {
            Identifier::Numeric(id) => *id,
            Identifier::Name(name) => *s.topic_names.get(name).ok_or(IggyError::TopicIdNotFound)?,
        };
        s.topics.get(&topic_id).ok_or(IggyError::TopicIdNotFound)
    }

    /// Ok when `user_id` is an active user allowed to do `action`.
    pub fn authorize(&self, user_id: u32, action: Action) -> Result<(), IggyError> {
        let user = self.users.get(&user_id).ok_or(IggyError::Unauthenticated)?;
        if !user.active {
            return Err(IggyError::Unauthenticated);
        }
        match &user.permissions {
            Some(p) if access::allows(p, action) => Ok(()),
            _ => Err(IggyError::Unauthorized),
        }
    }
}

thread_local! {
    static LOCAL: RefCell<Arc<RoutingTable>> = RefCell::new(Arc::new(RoutingTable::default()));
}

/// This thread's (shard's) current table.
pub fn local() -> Arc<RoutingTable> {
    LOCAL.with(|t| t.borrow().clone())
}

/// Installs `table` on this thread unless a newer one is already there.
pub fn install(table: Arc<RoutingTable>) {
    LOCAL.with(|t| {
        let mut current = t.borrow_mut();
        if table.version > current.version {
            *current = table;
        }
    });
}
