//! MessageSaver: every `message_saver.interval` asks every partition to write its unsaved
//! buffer to disk (and to fsync when `message_saver.enforce_fsync`).

use crate::metadata::{GetRoutingTable, MetadataActor};
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
        ctx.run_interval(self.interval, |act, _| {
            let metadata = act.metadata.clone();
            let fsync = act.fsync;
            actix::spawn(async move {
                let Ok(table) = metadata.send(GetRoutingTable).await else {
                    return;
                };
                let partitions: Vec<_> = table
                    .streams
                    .values()
                    .flat_map(|s| s.topics.values())
                    .flat_map(|t| t.partitions.iter().cloned())
                    .collect();
                for partition in partitions {
                    match partition.send(FlushUnsaved { fsync }).await {
                        Ok(Ok(())) => {}
                        Ok(Err(e)) => warn!("message saver: a partition could not save: {e}"),
                        Err(_) => {}
                    }
                }
            });
        });
    }
}
