//! Figures for GetStats and the shutdown of the metadata actor.

use super::MetadataActor;
use crate::partition::StopPartition;
use actix::prelude::*;
use log::{error, info};

/// Counts for GetStats.
#[derive(Debug, Clone, Default)]
pub struct MetadataStats {
    pub streams_count: u32,
    pub topics_count: u32,
    pub partitions_count: u32,
    pub segments_count: u32,
    pub messages_count: u64,
    pub messages_size_bytes: u64,
    pub clients_count: u32,
    pub consumer_groups_count: u32,
}

#[derive(Message)]
#[rtype(result = "MetadataStats")]
pub struct GetMetadataStats;

impl Handler<GetMetadataStats> for MetadataActor {
    type Result = MessageResult<GetMetadataStats>;
    fn handle(&mut self, _: GetMetadataStats, _: &mut Self::Context) -> Self::Result {
        let mut stats = MetadataStats {
            clients_count: self.clients.len() as u32,
            consumer_groups_count: self.groups_count(),
            streams_count: self.catalog.streams.len() as u32,
            ..Default::default()
        };
        for stream in self.catalog.streams.values() {
            stats.topics_count += stream.topics.len() as u32;
        }
        for (_, _, partition) in self.catalog.partitions() {
            stats.partitions_count += 1;
            if let Some(handle) = &partition.handle {
                let figures = handle.stats.snapshot();
                stats.segments_count += figures.segments_count;
                stats.messages_count += figures.messages_count;
                stats.messages_size_bytes += figures.size_bytes;
            }
        }
        MessageResult(stats)
    }
}

/// Shutdown: close every session, fsync the log, and have every partition write and fsync
/// its unsaved messages. Answers once every partition has done so.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ShutdownMetadata;

impl Handler<ShutdownMetadata> for MetadataActor {
    type Result = ResponseFuture<()>;

    fn handle(&mut self, _: ShutdownMetadata, _: &mut Self::Context) -> Self::Result {
        self.clients.close_all("server shutting down");
        if let Err(e) = self.log.sync() {
            error!("cannot fsync the metadata log at shutdown: {e}");
        }
        info!("metadata log synced, sessions told to close");
        let partitions: Vec<_> = self
            .catalog
            .partitions()
            .filter_map(|(_, _, p)| p.handle.as_ref().map(|h| h.addr.clone()))
            .collect();
        Box::pin(async move {
            let count = partitions.len();
            for partition in partitions {
                let _ = partition.send(StopPartition).await;
            }
            info!("{count} partition(s) saved and stopped");
        })
    }
}
