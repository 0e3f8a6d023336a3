//! The bootstrap steps, in order, and the shutdown sequence.

use crate::args::Args;
use crate::config::CacheIndexes;
use crate::config::{self, ConfigSource, ServerConfig};
use crate::config::{IggyExpiry, MaxTopicSize};
use crate::context::{BoundAddresses, ServerContext};
use crate::features;
use crate::http;
use crate::listeners::Listeners;
use crate::logging::{Logging, LoggingSettings};
use crate::telemetry::Telemetry;
use actix::prelude::*;
use iggy_actors::archive::Archiver;
use iggy_actors::crypto::Encryptor;
use iggy_actors::metadata::state_log;
use iggy_actors::metadata::{
    MetadataActor, MetadataConfig, RootCredentials, ShutdownMetadata, StorageLayout, TopicDefaults,
};
use iggy_actors::partition::{IndexCaching, StorageConfig};
use iggy_actors::shard::{self, Shards};
use iggy_actors::supervisors::heartbeat_verifier::HeartbeatVerifier;
use iggy_actors::supervisors::message_cleaner::MessageCleaner;
use iggy_actors::supervisors::message_saver::MessageSaver;
use iggy_actors::supervisors::pat_cleaner::PatCleaner;
use iggy_actors::supervisors::rebalance_timer::RebalanceTimer;
use iggy_actors::supervisors::sysinfo_printer::SysinfoPrinter;
use log::{info, warn};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How long shutdown may take before the process exits anyway.
const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(8);

/// Runs the server until SIGINT/SIGTERM. Errors are start-up failures. `telemetry` gets the
/// running OpenTelemetry export, for the caller to shut down after the last log line.
pub fn run(
    args: Args,
    logging: &mut Logging,
    telemetry: &mut Option<Telemetry>,
) -> Result<(), String> {
    let env = environment();
    if args.config_provider != "file" {
        return Err(format!(
            "--config-provider {:?} is not supported: the only provider is \"file\"",
            args.config_provider
        ));
    }
    let config = load_config(&env)?;
    let cores = resolve_shards(&config)?;
    features::refuse_unavailable(&config)?;
    if config.http.enabled {
        http::check(&config.http)?;
    }
    let system_path = PathBuf::from(&config.system.path);
    let encryptor = encryptor(&config)?;
    if !args.fresh {
        check_encryption_key(&system_path, encryptor.as_deref())?;
    }
    prepare_directories(&config, &system_path, args.fresh)?;
    let described = logging
        .apply(&logging_settings(&config, &system_path))
        .map_err(|e| format!("cannot set up logging: {e}"))?;
    info!("{described}");
    *telemetry = Telemetry::start(&config.telemetry, logging)?;
    let metadata = open_metadata(
        &config,
        &system_path,
        &env,
        args.with_default_root_credentials,
        encryptor,
    )?;
    let config = Arc::new(config);
    let outcome = System::new().block_on(serve(config, cores, metadata, args.follower));
    info!("iggy-server stopped");
    outcome
}

/// The process environment, with a `.env` file (from `IGGY_ENV_PATH`, else the working
/// directory) filling in variables that are not already set.
fn environment() -> HashMap<String, String> {
    let loaded = match std::env::var("IGGY_ENV_PATH") {
        Ok(path) => dotenvy::from_path(&path).map(|_| PathBuf::from(path)),
        Err(_) => dotenvy::dotenv(),
    };
    match loaded {
        Ok(path) => info!("environment variables read from {}", path.display()),
        Err(e) if e.not_found() => {}
        Err(e) => warn!("cannot read the .env file: {e}"),
    }
    std::env::vars().collect()
}

fn load_config(env: &HashMap<String, String>) -> Result<ServerConfig, String> {
    let loaded = config::load(env).map_err(|e| format!("cannot load configuration: {e}"))?;
    match &loaded.source {
        ConfigSource::File(path) => info!("configuration loaded from {}", path.display()),
        ConfigSource::Embedded => info!("no config file found: using the embedded defaults"),
    }
    for line in &loaded.applied_overrides {
        info!("{line}");
    }
    for warning in &loaded.warnings {
        warn!("{warning}");
    }
    Ok(loaded.config)
}

fn resolve_shards(config: &ServerConfig) -> Result<Vec<usize>, String> {
    let allowed = shard::allowed_cores();
    let warnings = config.validate(allowed.len()).map_err(|e| e.to_string())?;
    for warning in warnings {
        warn!("{warning}");
    }
    let (cores, warnings) = config::resolve_cores(&config.system.sharding.cpu_allocation, &allowed)
        .map_err(|e| e.to_string())?;
    for warning in warnings {
        warn!("{warning}");
    }
    Ok(cores)
}

/// The cipher of `system.encryption`, when it is enabled (the key was validated with the
/// configuration).
fn encryptor(config: &ServerConfig) -> Result<Option<Arc<Encryptor>>, String> {
    use base64::Engine;
    let e = &config.system.encryption;
    if !e.enabled {
        return Ok(None);
    }
    base64::engine::general_purpose::STANDARD
        .decode(e.key.trim())
        .ok()
        .and_then(|key| Encryptor::new(&key))
        .map(|enc| Some(Arc::new(enc)))
        .ok_or_else(|| "system.encryption.key must be standard base64 of exactly 32 bytes".into())
}

/// Refuses to start, before anything on disk is touched, when the data was written with
/// another key, with a key none is configured for, or without encryption while it is on.
fn check_encryption_key(system_path: &Path, encryptor: Option<&Encryptor>) -> Result<(), String> {
    let log = system_path.join("state").join("log");
    state_log::check_key(&log, encryptor).map_err(|e| {
        format!(
            "cannot start: {} cannot be read with this system.encryption setting: {e}",
            log.display()
        )
    })
}

/// `--fresh` wipes the data directory; then the data, state and streams directories are
/// created and the runtime directory is recreated empty.
fn prepare_directories(
    config: &ServerConfig,
    system_path: &Path,
    fresh: bool,
) -> Result<(), String> {
    if fresh && system_path.exists() {
        std::fs::remove_dir_all(system_path)
            .map_err(|e| format!("--fresh: cannot delete {}: {e}", system_path.display()))?;
        info!(
            "--fresh: deleted the data directory {}",
            system_path.display()
        );
    }
    let runtime = system_path.join(&config.system.runtime.path);
    if runtime.exists() {
        std::fs::remove_dir_all(&runtime)
            .map_err(|e| format!("cannot clear {}: {e}", runtime.display()))?;
    }
    let streams = system_path.join(&config.system.stream.path);
    for dir in [system_path.to_path_buf(), runtime, streams] {
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    Ok(())
}

fn logging_settings(config: &ServerConfig, system_path: &Path) -> LoggingSettings {
    let l = &config.system.logging;
    LoggingSettings {
        level: l.level.clone(),
        file_enabled: l.file_enabled,
        directory: system_path.join(&l.path),
        max_file_size: l.max_file_size.as_bytes(),
        max_total_size: l.max_total_size.as_bytes(),
        rotation_check_interval: l.rotation_check_interval.as_duration(),
        retention: l.retention.as_duration(),
    }
}

/// Replays the metadata log; creates the root user on the first start.
fn open_metadata(
    config: &ServerConfig,
    system_path: &Path,
    env: &HashMap<String, String>,
    default_root: bool,
    encryptor: Option<Arc<Encryptor>>,
) -> Result<MetadataActor, String> {
    let mut root = RootCredentials {
        username: env
            .get("IGGY_ROOT_USERNAME")
            .filter(|v| !v.is_empty())
            .cloned(),
        password: env
            .get("IGGY_ROOT_PASSWORD")
            .filter(|v| !v.is_empty())
            .cloned(),
    };
    if default_root {
        if root.username.is_some() && root.password.is_some() {
            warn!("--with-default-root-credentials ignored: IGGY_ROOT_USERNAME and IGGY_ROOT_PASSWORD are set");
        }
        root.username.get_or_insert_with(|| "iggy".into());
        root.password.get_or_insert_with(|| "iggy".into());
    }
    let (actor, boot) = MetadataActor::open(MetadataConfig {
        state_dir: system_path.join("state"),
        enforce_fsync: config.system.state.enforce_fsync,
        root,
        layout: StorageLayout {
            streams_dir: system_path.join(&config.system.stream.path),
            topics: config.system.topic.path.clone(),
            partitions: config.system.partition.path.clone(),
        },
        topic_defaults: topic_defaults(config),
        recreate_missing_state: config.system.recovery.recreate_missing_state,
        storage: Arc::new(storage_config(config, encryptor.clone())),
        max_tokens_per_user: config.personal_access_token.max_tokens_per_user,
        encryptor,
    })
    .map_err(|e| e.to_string())?;
    if let Some(t) = &boot.truncation {
        warn!(
            "metadata log damaged ({}): truncated to {} bytes, {} byte(s) removed",
            t.reason, t.kept_bytes, t.removed_bytes
        );
    }
    info!("metadata log replayed: {} entries", boot.entries_replayed);
    if let Some(password) = boot.generated_root_password {
        // Printed once, on stdout, not through the logger.
        println!("Generated root user password: {password}");
    }
    Ok(actor)
}

/// How partitions store messages, from `[system.partition]`, `[system.segment]`,
/// `[system.message_deduplication]` and `[system.encryption]`.
fn storage_config(config: &ServerConfig, encryptor: Option<Arc<Encryptor>>) -> StorageConfig {
    let p = &config.system.partition;
    let dedup = &config.system.message_deduplication;
    StorageConfig {
        segment_size: config.system.segment.size.as_bytes(),
        messages_required_to_save: u64::from(p.messages_required_to_save),
        size_required_to_save: p.size_of_messages_required_to_save.as_bytes(),
        enforce_fsync: p.enforce_fsync,
        cache_indexes: match config.system.segment.cache_indexes {
            CacheIndexes::All => IndexCaching::All,
            CacheIndexes::OpenSegment => IndexCaching::OpenSegment,
            CacheIndexes::None => IndexCaching::None,
        },
        validate_checksum: p.validate_checksum,
        deduplication: dedup
            .enabled
            .then(|| (dedup.max_entries as usize, dedup.expiry.as_duration())),
        encryptor,
    }
}

/// The `[system.topic]` defaults as wire values (µs / bytes, `u64::MAX` = never/unlimited).
fn topic_defaults(config: &ServerConfig) -> TopicDefaults {
    let message_expiry = match config.system.topic.message_expiry {
        IggyExpiry::ExpireDuration(d) => (d.as_duration().as_micros() as u64).max(1),
        IggyExpiry::NeverExpire | IggyExpiry::ServerDefault => u64::MAX,
    };
    let max_topic_size = match config.system.topic.max_size {
        MaxTopicSize::Custom(bytes) => bytes,
        MaxTopicSize::Unlimited | MaxTopicSize::ServerDefault => u64::MAX,
    };
    TopicDefaults {
        message_expiry,
        max_topic_size,
        segment_size: config.system.segment.size.as_bytes(),
    }
}

/// How long the HTTP server of the start keeps serving the connections it accepted
/// after the full one took over (its requests must arrive within actix-web's 5 s limit).
const STARTING_DRAIN: Duration = Duration::from_secs(10);

/// Starts shards, actors and listeners, then waits for a signal and shuts down.
async fn serve(
    config: Arc<ServerConfig>,
    cores: Vec<usize>,
    mut metadata: MetadataActor,
    follower: bool,
) -> Result<(), String> {
    let signals = Signals::catch();
    // Listeners bind first: a taken port fails the start before any data is loaded, and
    // clients that connect meanwhile wait in the backlog. HTTP answers probes at once.
    let (listeners, mut bound) = Listeners::bind(&config)?;
    let http_listener = bind_http(&config, &mut bound)?;
    write_current_config(&config, &bound)?;
    let starting = http_listener
        .as_ref()
        .map(http::serve_while_starting)
        .transpose()?;
    let shards = Arc::new(Shards::start(&cores));
    let partitions = metadata
        .start_partitions(shards.handles())
        .await
        .map_err(|e| format!("cannot start the partitions: {e}"))?;
    info!("{partitions} partition(s) started");
    let engine = Arbiter::new();
    let metadata = MetadataActor::start_in_arbiter(&engine.handle(), move |_| metadata);
    let system_path = PathBuf::from(&config.system.path);
    let sysinfo_interval = config.system.logging.sysinfo_print_interval.as_duration();
    let sysinfo = SysinfoPrinter::start_in_arbiter(&engine.handle(), move |_| {
        SysinfoPrinter::new(system_path, sysinfo_interval)
    });
    if config.heartbeat.enabled {
        let (metadata, interval) = (metadata.clone(), config.heartbeat.interval.as_duration());
        HeartbeatVerifier::start_in_arbiter(&engine.handle(), move |_| {
            HeartbeatVerifier::new(metadata, interval)
        });
    }
    let saver = &config.message_saver;
    if saver.enabled {
        let (metadata, interval, fsync) = (
            metadata.clone(),
            saver.interval.as_duration(),
            saver.enforce_fsync,
        );
        MessageSaver::start_in_arbiter(&engine.handle(), move |_| {
            MessageSaver::new(metadata, interval, fsync)
        });
    } else {
        info!("message saver disabled (message_saver.enabled = false)");
    }
    let groups = &config.consumer_group;
    let (interval, timeout) = (
        groups.rebalancing_check_interval.as_duration(),
        groups.rebalancing_timeout.as_duration(),
    );
    let rebalance_metadata = metadata.clone();
    RebalanceTimer::start_in_arbiter(&engine.handle(), move |_| {
        RebalanceTimer::new(rebalance_metadata, interval, timeout)
    });
    let maintenance = &config.data_maintenance.messages;
    if maintenance.cleaner_enabled {
        let (metadata, interval) = (metadata.clone(), maintenance.interval.as_duration());
        let archiver = archiver(&config);
        MessageCleaner::start_in_arbiter(&engine.handle(), move |_| {
            MessageCleaner::new(metadata, interval, archiver)
        });
    } else {
        info!("message cleaner disabled (data_maintenance.messages.cleaner_enabled = false): message expiry and max topic size are not enforced");
    }
    let cleaner = &config.personal_access_token.cleaner;
    if cleaner.enabled {
        let (metadata, interval) = (metadata.clone(), cleaner.interval.as_duration());
        PatCleaner::start_in_arbiter(&engine.handle(), move |_| {
            PatCleaner::new(metadata, interval)
        });
    } else {
        info!("personal access token cleaner disabled (personal_access_token.cleaner.enabled = false)");
    }
    features::report_socket_migration(&config);
    let ctx = Arc::new(ServerContext::new(
        config,
        metadata.clone(),
        sysinfo,
        bound.clone(),
        follower,
    ));
    let (stop_tx, stop_rx) = watch::channel(false);
    let accept_tasks = listeners.start(&ctx, &shards, &stop_rx);
    let ready = Arc::new(std::sync::atomic::AtomicBool::new(false));
    // The small server stops accepting before the full one takes the listener; it stops
    // once the connections it accepted have had their one answer (they are not kept alive),
    // so no request that arrives at the handover goes unanswered.
    if let Some(starting) = &starting {
        starting.pause().await;
        let starting = starting.clone();
        actix_rt::spawn(async move {
            tokio::time::sleep(STARTING_DRAIN).await;
            starting.stop(true).await;
        });
    }
    let http_server = match http_listener {
        Some(l) => Some(http::start(
            l,
            ctx.clone(),
            shards.handles(),
            ready.clone(),
        )?),
        None => None,
    };
    http::set_ready(&ready);
    info!("iggy-server is ready: {}", bound.describe());
    let signal = signals.wait().await;
    info!("{signal} received: shutting down");
    start_deadline_watchdog();
    ctx.begin_shutdown();
    let _ = stop_tx.send(true);
    for task in accept_tasks {
        let _ = task.await;
    }
    if tokio::time::timeout(Duration::from_secs(6), metadata.send(ShutdownMetadata))
        .await
        .is_err()
    {
        warn!("the metadata actor did not finish its shutdown in time");
    }
    // Let the connection actors flush and close.
    tokio::time::sleep(Duration::from_millis(100)).await;
    // HTTP stops last: until here it answers /readyz with 503 (and refuses logins), so
    // a load balancer sees the drain.
    if let Some(server) = http_server {
        server.stop(true).await;
        info!("HTTP server stopped");
    }
    if let Some(starting) = starting {
        starting.stop(false).await;
    }
    drop(ctx);
    engine.stop();
    let _ = engine.join();
    match Arc::try_unwrap(shards) {
        Ok(shards) => shards.stop(),
        Err(_) => warn!("shards still referenced at shutdown; leaving them to the process exit"),
    }
    Ok(())
}

/// The archiver of `system.segment.archive_expired`, writing under `system.backup.path`
/// (relative to `system.path` unless absolute). A path that cannot be created now is
/// reported; the cleaner keeps the segments and tries again every round.
fn archiver(config: &ServerConfig) -> Option<Arc<Archiver>> {
    if !config.system.segment.archive_expired {
        return None;
    }
    let root = Path::new(&config.system.path).join(&config.system.backup.path);
    if let Err(e) = std::fs::create_dir_all(&root) {
        warn!(
            "system.backup.path: cannot create {}: {e}; expired segments are kept until it can be written",
            root.display()
        );
    }
    let encrypted = config.system.encryption.enabled;
    Some(Arc::new(Archiver::new(root, encrypted)))
}

/// Binds the HTTP listener when `http.enabled`, recording its address.
fn bind_http(
    config: &ServerConfig,
    bound: &mut BoundAddresses,
) -> Result<Option<http::HttpListener>, String> {
    if !config.http.enabled {
        info!("HTTP API disabled (http.enabled = false)");
        return Ok(None);
    }
    let listener = http::bind(&config.http)?;
    bound.http = Some(listener.address);
    Ok(Some(listener))
}

/// Writes the effective configuration, with the bound addresses, to
/// `{system.path}/{system.runtime.path}/current_config.toml` (secrets redacted).
fn write_current_config(config: &ServerConfig, bound: &BoundAddresses) -> Result<(), String> {
    let mut effective = config.clone();
    if let Some(addr) = bound.tcp {
        effective.tcp.address = addr.to_string();
    }
    if let Some(addr) = bound.quic {
        effective.quic.address = addr.to_string();
    }
    if let Some(addr) = bound.websocket {
        effective.websocket.address = addr.to_string();
    }
    if let Some(addr) = bound.http {
        effective.http.address = addr.to_string();
    }
    let path = Path::new(&config.system.path)
        .join(&config.system.runtime.path)
        .join("current_config.toml");
    let tmp = path.with_extension("toml.tmp");
    std::fs::write(&tmp, effective.to_redacted_toml())
        .and_then(|_| std::fs::rename(&tmp, &path))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    info!("effective configuration written to {}", path.display());
    Ok(())
}

/// SIGTERM and SIGINT, caught from the moment this is made: one that arrives while the
/// server still starts is answered with a graceful shutdown once it has started.
struct Signals {
    term: Option<tokio::signal::unix::Signal>,
    int: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn catch() -> Signals {
        use tokio::signal::unix::{signal, SignalKind};
        let listen = |kind: SignalKind, name: &str| {
            signal(kind)
                .map_err(|e| warn!("cannot listen for {name}: {e}"))
                .ok()
        };
        Signals {
            term: listen(SignalKind::terminate(), "SIGTERM"),
            int: listen(SignalKind::interrupt(), "SIGINT"),
        }
    }

    async fn wait(mut self) -> &'static str {
        async fn next(signal: &mut Option<tokio::signal::unix::Signal>) {
            match signal {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        }
        tokio::select! {
            _ = next(&mut self.term) => "SIGTERM",
            _ = next(&mut self.int) => "SIGINT",
        }
    }
}

/// Exits the process if shutdown takes longer than the deadline.
fn start_deadline_watchdog() {
    std::thread::spawn(|| {
        std::thread::sleep(SHUTDOWN_DEADLINE);
        log::error!("shutdown did not finish within {SHUTDOWN_DEADLINE:?}: exiting");
        std::process::exit(1);
    });
}
