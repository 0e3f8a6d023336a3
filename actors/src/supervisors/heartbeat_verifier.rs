//! HeartbeatVerifier: every `heartbeat.interval` removes the clients whose last Ping is
//! older than 1.2 × the interval. Their sessions answer the next request with
//! `StaleClient` (30) and close.

use crate::metadata::{MetadataActor, RemoveStaleClients};
use actix::prelude::*;
use log::{info, warn};
use std::time::Duration;

pub struct HeartbeatVerifier {
    metadata: Addr<MetadataActor>,
    interval: Duration,
}

impl HeartbeatVerifier {
    pub fn new(metadata: Addr<MetadataActor>, interval: Duration) -> Self {
        Self { metadata, interval }
    }
}

impl Actor for HeartbeatVerifier {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let max_idle = self.interval.mul_f64(1.2);
        info!(
            "heartbeat verifier: every {:?}, clients without a ping for {max_idle:?} are removed",
            self.interval
        );
        ctx.run_interval(self.interval, move |act, _| {
            let metadata = act.metadata.clone();
            actix::spawn(async move {
                match metadata.send(RemoveStaleClients { max_idle }).await {
                    Ok(0) => {}
                    Ok(n) => info!("heartbeat verifier: {n} stale client(s) removed"),
                    Err(e) => warn!("heartbeat verifier: metadata actor gone: {e}"),
                }
            });
        });
    }
}
