//! RebalanceTimer: every `consumer_group.rebalancing_check_interval` has the metadata
//! actor complete, by force, the consumer-group hand-overs in flight for longer than
//! `consumer_group.rebalancing_timeout` (a member that never commits what it polled does
//! not keep a partition from its new owner forever).

use crate::metadata::{ExpireHandOvers, MetadataActor};
use actix::prelude::*;
use log::{info, warn};
use std::time::Duration;

pub struct RebalanceTimer {
    metadata: Addr<MetadataActor>,
    interval: Duration,
    timeout: Duration,
}

impl RebalanceTimer {
    pub fn new(metadata: Addr<MetadataActor>, interval: Duration, timeout: Duration) -> Self {
        Self {
            metadata,
            interval,
            timeout,
        }
    }
}

impl Actor for RebalanceTimer {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let timeout = self.timeout;
        info!(
            "rebalance timer: every {:?}, consumer-group hand-overs older than {timeout:?} complete by force",
            self.interval
        );
        ctx.run_interval(self.interval, move |act, _| {
            let metadata = act.metadata.clone();
            actix::spawn(async move {
                match metadata.send(ExpireHandOvers { timeout }).await {
                    Ok(0) => {}
                    Ok(n) => info!("rebalance timer: {n} hand-over(s) completed by force"),
                    Err(e) => warn!("rebalance timer: metadata actor gone: {e}"),
                }
            });
        });
    }
}
