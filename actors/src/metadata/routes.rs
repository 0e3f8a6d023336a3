//! Building and publishing the routing table: after every change the metadata actor
//! builds a new immutable table and installs it on every shard.

use super::catalog::{Catalog, GroupState};
use super::MetadataActor;
use crate::routing::{
    self, GroupRoute, MemberRoute, RoutingTable, StreamRoute, TopicRoute, UserRoute,
};
use crate::users::{User, UserStatus};
use actix::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// Answers the current routing table (a shard that misses a name or id asks once, to be
/// sure it is not looking at a table older than a change it just made).
#[derive(Message)]
#[rtype(result = "Arc<RoutingTable>")]
pub struct GetRoutingTable;

impl Handler<GetRoutingTable> for MetadataActor {
    type Result = MessageResult<GetRoutingTable>;

    fn handle(&mut self, _: GetRoutingTable, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.routes.clone())
    }
}

fn build(
    version: u64,
    catalog: &Catalog,
    users: &BTreeMap<u32, User>,
    previous: &RoutingTable,
) -> RoutingTable {
    let mut table = RoutingTable {
        version,
        ..Default::default()
    };
    for stream in catalog.streams.values() {
        let mut route = StreamRoute {
            id: stream.id,
            ..Default::default()
        };
        for topic in stream.topics.values() {
            // Keep the balanced counter of a topic across rebuilds.
            let balanced = previous
                .streams
                .get(&stream.id)
                .and_then(|s| s.topics.get(&topic.id))
                .map(|t| t.balanced.clone())
                .unwrap_or_else(|| Arc::new(AtomicU64::new(0)));
            let partitions = topic
                .partitions
                .values()
                .filter_map(|p| p.handle.as_ref().map(|h| h.addr.clone()))
                .collect();
            let mut topic_route = TopicRoute {
                stream_id: stream.id,
                topic_id: topic.id,
                partitions,
                balanced,
                groups: HashMap::new(),
                group_names: HashMap::new(),
            };
            for group in topic.groups.values() {
                topic_route.groups.insert(group.id, group_route(group));
                topic_route.group_names.insert(group.name.clone(), group.id);
            }
            route.topics.insert(topic.id, Arc::new(topic_route));
            route.topic_names.insert(topic.name.clone(), topic.id);
        }
        table.stream_names.insert(stream.name.clone(), stream.id);
        table.streams.insert(stream.id, route);
    }
    table.users = users
        .values()
        .map(|u| {
            let route = UserRoute {
                active: u.status == UserStatus::Active,
                permissions: u.permissions.clone(),
            };
            (u.id, route)
        })
        .collect::<HashMap<_, _>>();
    table
}

/// A group's members with their rotations: owned partitions minus those being handed over.
fn group_route(group: &GroupState) -> GroupRoute {
    let a = &group.assignment;
    let members = a
        .members()
        .iter()
        .map(|m| {
            let leaving: Vec<u32> = a.giving_up(m.client_id).collect();
            let route = MemberRoute {
                partitions: m
                    .partitions
                    .iter()
                    .copied()
                    .filter(|p| !leaving.contains(p))
                    .collect(),
                cursor: m.cursor.clone(),
            };
            (m.client_id, route)
        })
        .collect();
    GroupRoute {
        id: group.id,
        members,
    }
}

/// Adds an event loop that is not a shard (an HTTP worker) to those the table is
/// installed on, and installs the current table there at once.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SubscribeRoutes {
    pub arbiter: ArbiterHandle,
}

impl Handler<SubscribeRoutes> for MetadataActor {
    type Result = ();

    fn handle(&mut self, msg: SubscribeRoutes, _: &mut Self::Context) {
        let table = self.routes.clone();
        msg.arbiter.spawn_fn(move || routing::install(table));
        self.route_subscribers.push(msg.arbiter);
    }
}

impl MetadataActor {
    /// Rebuilds the table and sends it to every shard and subscriber. Called after every
    /// change.
    pub(super) fn publish_routes(&mut self) {
        let mut table = build(
            self.routes.version + 1,
            &self.catalog,
            &self.users,
            &self.routes,
        );
        table.revoked_tokens = self.revoked.published();
        let table = Arc::new(table);
        self.routes = table.clone();
        for shard in &self.shards {
            let table = table.clone();
            shard.spawn_fn(move || routing::install(table));
        }
        // A subscriber whose event loop has stopped is forgotten.
        self.route_subscribers.retain(|arbiter| {
            let table = table.clone();
            arbiter.spawn_fn(move || routing::install(table))
        });
    }
}
