//! PatCleaner: every `personal_access_token.cleaner.interval` tells the metadata actor to
//! delete the expired personal access tokens. The deletions are logged in the metadata
//! log, so the tokens do not come back after a restart.

use crate::metadata::{DeleteExpiredTokens, MetadataActor};
use actix::prelude::*;
use log::{info, warn};
use std::time::Duration;

pub struct PatCleaner {
    metadata: Addr<MetadataActor>,
    interval: Duration,
}

impl PatCleaner {
    pub fn new(metadata: Addr<MetadataActor>, interval: Duration) -> Self {
        Self { metadata, interval }
    }
}

impl Actor for PatCleaner {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        info!(
            "personal access token cleaner: deleting expired tokens every {:?}",
            self.interval
        );
        ctx.run_interval(self.interval, |act, _| {
            let metadata = act.metadata.clone();
            actix::spawn(async move {
                match metadata.send(DeleteExpiredTokens).await {
                    Ok(0) => {}
                    Ok(n) => info!("personal access token cleaner: {n} expired token(s) deleted"),
                    Err(e) => warn!("personal access token cleaner: metadata actor gone: {e}"),
                }
            });
        });
    }
}
