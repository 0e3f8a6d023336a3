//! MessageSaver: every `message_saver.interval` asks every partition to write its unsaved
//! buffer to disk (and to fsync when `message_saver.enforce_fsync`).

use crate::error::IggyError;
use crate::metadata::{GetRoutingTable, MetadataActor};
use crate::partition::ask_each;
use crate::partition::messages::FlushUnsaved;
use actix::prelude::*;
use log::{info, warn};
use std::time::Duration;

pub struct MessageSaver {
    metadata: Addr<MetadataActor>,
    interval: Duration,
    fsync: bool,
}

impl MessageSaver {
    pub fn new(metadata: Addr<MetadataActor>, interval: Duration, fsync: bool) -> Self {
        Self {
            metadata,
            interval,
            fsync,
        }
    }
}

impl Actor for MessageSaver {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        info!(
            "message saver: saving unsaved messages every {:?}{}",
            self.interval,
            if self.fsync { " with fsync" } else { "" }
        );
        super::run_rounds(ctx, self.interval, "message saver", |act: &mut Self| {
            let metadata = act.metadata.clone();
            let fsync = act.fsync;
            let round = async move {
                let Ok(table) = metadata.send(GetRoutingTable).await else {
                    return;
                };
                let partitions: Vec<_> = table
                    .streams
                    .values()
                    .flat_map(|s| s.topics.values())
                    .flat_map(|t| t.partitions.iter().cloned())
                    .collect();
                for answer in ask_each(&partitions, FlushUnsaved { fsync }).await {
                    match answer {
                        // Deleted since the table was read.
                        Ok(()) | Err(IggyError::Disconnected) => {}
                        Err(e) => warn!("message saver: a partition could not save: {e}"),
                    }
                }
            };
            // A partition that never answers (a hung disk) holds up one round, not every
            // round after it: past this deadline the next tick asks again.
            let deadline = act.interval * 4;
            async move {
                if tokio::time::timeout(deadline, round).await.is_err() {
                    warn!("message saver: a round did not finish within {deadline:?}");
                }
            }
        });
    }
}
