//! The HTTP API (`http-api.md`): actix-web over the same engine as the binary transport.
//!
//! * `auth`: the bearer-token middleware and the verified `Caller`.
//! * `jwt`: issuing and verifying tokens (`[http.jwt]`).
//! * `handlers`: one function per endpoint; they call the shared command handlers
//!   (`crate::handlers`) and the engine's typed messages.
//! * `json`, `requests`, `messages`: the JSON shapes out and in.
//! * `error`: Iggy errors as status + JSON body; framework errors as plain text.
//! * `cors`, `metrics`, `health`: `[http.cors]`, `[http.metrics]`, `/livez` and `/readyz`.
//! * `trace`: one telemetry span per request that serves a command.
//! * `ui`: the web dashboard at `/ui` (`http.web_ui`), outside every other middleware.
//!
//! The server runs one worker per shard (actix-web's own event loops); each worker
//! subscribes to the routing table at start, so it resolves and authorizes with a local
//! read exactly like a shard.

mod auth;
mod cors;
mod error;
mod handlers;
mod health;
mod json;
mod jwt;
mod messages;
mod metrics;
mod requests;
mod routes;
mod trace;
mod ui;

use crate::config::HttpConfig;
use crate::context::ServerContext;
use crate::listen;
use crate::tls::Identity;
use actix::ArbiterHandle;
use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpServer};
use iggy_actors::metadata::SubscribeRoutes;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// What every worker shares.
pub struct HttpState {
    pub ctx: Arc<ServerContext>,
    pub jwt: jwt::JwtManager,
    pub metrics: metrics::Metrics,
    /// The shards' event loops: `/readyz` asks each one to answer.
    pub shards: Vec<ArbiterHandle>,
    /// Set once every listener is bound and the server is serving.
    pub ready: Arc<AtomicBool>,
}

/// A bound HTTP listener, not serving yet.
pub struct HttpListener {
    listener: std::net::TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    pub address: SocketAddr,
}

/// Whether an HTTP server answers `GET /ping` with `pong` on `addr` within a second.
pub fn http_server_answers(addr: SocketAddr) -> bool {
    let target = listen::reachable(addr);
    let Ok(mut stream) = TcpStream::connect_timeout(&target, Duration::from_millis(300)) else {
        return false;
    };
    let request = format!("GET /ping HTTP/1.1\r\nHost: {target}\r\nConnection: close\r\n\r\n");
    if stream
        .set_read_timeout(Some(Duration::from_secs(1)))
        .is_err()
        || stream.write_all(request.as_bytes()).is_err()
    {
        return false;
    }
    let mut answer = Vec::new();
    let mut buf = [0u8; 512];
    while answer.len() < 4096 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&answer);
    text.starts_with("HTTP/1.1 200") && text.ends_with("pong")
}

/// Binds `http.address` the way every listener binds (`crate::listen`), after checking
/// that no HTTP server answers there, and reads the TLS identity when `[http.tls]` is on.
pub fn bind(config: &HttpConfig) -> Result<HttpListener, String> {
    let addr: SocketAddr = config.address.parse().map_err(|e| {
        format!(
            "http.address {:?} is not a socket address: {e}",
            config.address
        )
    })?;
    listen::refuse_if_served("HTTP", addr, http_server_answers)?;
    let tls = if config.tls.enabled {
        let identity =
            Identity::from_files("http.tls", &config.tls.cert_file, &config.tls.key_file)?;
        Some(identity.server_config(&[b"http/1.1"])?)
    } else {
        None
    };
    let scheme = if tls.is_some() { "HTTPS" } else { "HTTP" };
    let listener = listen::bind_stream(scheme, addr, |_| Ok(()))?;
    let address = listener
        .local_addr()
        .map_err(|e| format!("HTTP listener: {e}"))?;
    Ok(HttpListener {
        listener,
        tls,
        address,
    })
}

/// Checks the parts of `[http]` that are built at start (JWT keys, CORS), so a bad value
/// stops the start naming its key before anything listens.
pub fn check(config: &HttpConfig) -> Result<(), String> {
    jwt::JwtManager::from_config(&config.jwt)?;
    let _checked = cors::build(&config.cors)?;
    Ok(())
}

/// Starts serving on the bound listener with one worker per shard.
pub fn start(
    listener: HttpListener,
    ctx: Arc<ServerContext>,
    shards: Vec<ArbiterHandle>,
    ready: Arc<AtomicBool>,
) -> Result<ServerHandle, String> {
    let config = ctx.config.http.clone();
    // Built either way (the middleware is switched by `metrics.enabled`); the route is
    // only registered when enabled.
    let metrics = metrics::Metrics::new()?;
    let workers = shards.len().max(1);
    let state = web::Data::new(HttpState {
        jwt: jwt::JwtManager::from_config(&config.jwt)?,
        ctx,
        metrics,
        shards,
        ready,
    });
    let limit = config.max_request_size.as_bytes() as usize;
    let app_config = config.clone();
    let factory = move || {
        // Each worker keeps its own copy of the routing table, like a shard.
        state.ctx.metadata.do_send(SubscribeRoutes {
            arbiter: actix::Arbiter::current(),
        });
        let cors = cors::build(&app_config.cors).unwrap_or_default();
        let prometheus = state.metrics.middleware.clone();
        App::new()
            .app_data(state.clone())
            .app_data(
                web::JsonConfig::default()
                    .limit(limit)
                    .error_handler(|e, _| error::json_error(e)),
            )
            .app_data(web::PayloadConfig::default().limit(limit))
            .app_data(web::QueryConfig::default().error_handler(error::query_error))
            .app_data(web::PathConfig::default().error_handler(error::path_error))
            .configure(|cfg| routes::configure(cfg, &app_config))
            .wrap(actix_web::middleware::from_fn(auth::authenticate))
            .wrap(actix_web::middleware::from_fn(trace::trace))
            .wrap(actix_web::middleware::from_fn(health::limit_body))
            .wrap(actix_web::middleware::Condition::new(
                app_config.cors.enabled,
                cors,
            ))
            .wrap(actix_web::middleware::Condition::new(
                app_config.metrics.enabled,
                prometheus,
            ))
            .wrap(actix_web::middleware::Condition::new(
                app_config.web_ui,
                actix_web::middleware::from_fn(ui::serve),
            ))
    };
    let server = HttpServer::new(factory)
        .workers(workers)
        .disable_signals()
        .shutdown_timeout(2);
    let server = match listener.tls {
        Some(tls) => server
            .listen_rustls_0_23(listener.listener, Arc::unwrap_or_clone(tls))
            .map_err(|e| format!("cannot serve HTTPS: {e}"))?,
        None => server
            .listen(listener.listener)
            .map_err(|e| format!("cannot serve HTTP: {e}"))?,
    };
    let server = server.run();
    let handle = server.handle();
    actix_rt::spawn(server);
    Ok(handle)
}

/// While the server loads its partitions: on a copy of the HTTP listener, `/livez`
/// answers that the process lives and every other request `503` with the `/readyz` body
/// `{"status": "not_ready", "reason": "starting"}`, so probes see a start that takes time.
/// Paused (it stops accepting) before the API starts on the listener itself, then stopped
/// once the connections it accepted have had their answer (`server::serve`).
pub fn serve_while_starting(listener: &HttpListener) -> Result<ServerHandle, String> {
    let copy = listener
        .listener
        .try_clone()
        .map_err(|e| format!("HTTP listener: {e}"))?;
    let server = HttpServer::new(|| {
        App::new()
            .route("/livez", web::get().to(health::livez))
            .default_service(web::to(health::starting))
    })
    .workers(1)
    // No connection outlives its one answer: the full server takes over the listener
    // once the start is done, and a kept-alive connection would be cut at the handover.
    .keep_alive(actix_web::http::KeepAlive::Disabled)
    .disable_signals()
    .shutdown_timeout(1);
    let server = match &listener.tls {
        Some(tls) => server
            .listen_rustls_0_23(copy, tls.as_ref().clone())
            .map_err(|e| format!("cannot serve HTTPS: {e}"))?,
        None => server
            .listen(copy)
            .map_err(|e| format!("cannot serve HTTP: {e}"))?,
    };
    let server = server.run();
    let handle = server.handle();
    actix_rt::spawn(server);
    Ok(handle)
}

pub fn set_ready(ready: &AtomicBool) {
    ready.store(true, Ordering::SeqCst);
}
