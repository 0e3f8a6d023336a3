//! Building a logged-in SDK client for the chosen transport (TCP or HTTP); a new
//! transport is a new `Transport` variant and a new arm here.

use crate::args::{Config, Transport};
use iggy::prelude::*;
use std::str::FromStr;

pub async fn connect(config: &Config) -> Result<IggyClient, String> {
    let client = match config.transport {
        Transport::Tcp => {
            // Fail fast instead of the SDK's endless reconnecting: a benchmark that
            // silently reconnects measures nothing useful.
            let mut builder = IggyClient::builder()
                .with_tcp()
                .with_server_address(config.address.clone())
                .with_reconnection_max_retries(Some(2))
                .with_reconnection_interval(IggyDuration::from_str("500ms").unwrap_or_default());
            if config.nodelay {
                builder = builder.with_no_delay();
            }
            builder.build()
        }
        // The SDK's HttpClient (reqwest), one per producer or consumer; no retries, so a
        // failure shows instead of being hidden in the figures.
        Transport::Http => IggyClient::builder()
            .with_http()
            .with_api_url(format!("http://{}", config.address))
            .with_retries(0)
            .build(),
    }
    .map_err(|e| format!("cannot build the client: {e}"))?;
    client
        .connect()
        .await
        .map_err(|e| format!("cannot connect to {}: {e}", config.address))?;
    client
        .login_user(&config.username, &config.password)
        .await
        .map_err(|e| format!("cannot log in as {}: {e}", config.username))?;
    Ok(client)
}
