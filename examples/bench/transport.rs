//! Building a logged-in SDK client for the chosen transport: a new transport is a new
//! `Transport` variant and a new arm here.

use crate::args::{Config, Transport};
use iggy::prelude::*;
use std::str::FromStr;

pub async fn connect(config: &Config) -> Result<IggyClient, String> {
    // Fail fast instead of the SDK's endless reconnecting: a benchmark that silently
    // reconnects measures nothing useful.
    let retries = Some(2);
    let pause = IggyDuration::from_str("500ms").unwrap_or_default();
    let address = config.address.clone();
    let client = match config.transport {
        Transport::Tcp => {
            let mut builder = IggyClient::builder()
                .with_tcp()
                .with_server_address(address)
                .with_reconnection_max_retries(retries)
                .with_reconnection_interval(pause);
            if config.nodelay {
                builder = builder.with_no_delay();
            }
            if config.tls {
                builder = builder
                    .with_tls_enabled(true)
                    .with_tls_domain("localhost".into())
                    .with_tls_validate_certificate(false);
            }
            builder.build()
        }
        Transport::Quic => IggyClient::builder()
            .with_quic()
            .with_server_address(address)
            .with_server_name("localhost".into())
            .with_reconnection_max_retries(retries)
            .with_reconnection_interval(pause)
            .build(),
        Transport::WebSocket => {
            let mut builder = IggyClient::builder()
                .with_websocket()
                .with_server_address(address)
                .with_reconnection_max_retries(retries)
                .with_reconnection_interval(pause);
            if config.tls {
                builder = builder
                    .with_tls_enabled(true)
                    .with_tls_domain("localhost".into())
                    .with_tls_validate_certificate(false);
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
