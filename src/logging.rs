//! Logging: stdout from the first line of `main`, plus an optional rotated file once the
//! configuration (`[system.logging]`) is known.
//!
//! The `log` facade accepts one logger per process, so [`Logging::start_console`] installs the
//! single flexi_logger instance with stdout output and an empty *file slot*; [`Logging::apply`]
//! later sets the level and puts a rotating `FileLogWriter` into that slot. Rotation is done
//! by flexi_logger (hourly and by size); deletion of old files is done by our own cleanup
//! thread following [`files_to_delete`], a pure function so the policy is testable.
//!
//! With size rotation, flexi_logger writes to `iggy-server_rCURRENT.log` and renames rotated
//! files to `iggy-server_r<timestamp>.log`; on Unix `iggy-server.log` is a symlink to the
//! current file. With `max_file_size = 0` the file is `iggy-server.log` itself, never rolled.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, OnceLock, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use flexi_logger::writers::{FileLogWriter, LogWriter};
use flexi_logger::{
    Age, Cleanup, Criterion, DeferredNow, Duplicate, FileSpec, FlexiLoggerError, Logger,
    LoggerHandle, Naming,
};
use log::Record;

const BASENAME: &str = "iggy-server";
const DEFAULT_LEVEL: &str = "info";
/// Cap on the number of kept log files, as in the Iggy server.
const MAX_FILES: u64 = 100_000;
/// The cleanup thread never runs more often than this, whatever the configuration says.
const MIN_CHECK_INTERVAL: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum LoggingError {
    #[error("invalid log level directive '{directive}': {source}")]
    InvalidLevel {
        directive: String,
        source: FlexiLoggerError,
    },
    #[error("cannot start the logger: {0}")]
    Start(FlexiLoggerError),
    #[error("cannot open the log file in '{directory}': {source}")]
    File {
        directory: PathBuf,
        source: FlexiLoggerError,
    },
    #[error("cannot start the log cleanup thread: {0}")]
    Thread(std::io::Error),
}

/// The `[system.logging]` settings the logger needs, already resolved by the config module.
#[derive(Debug, Clone)]
pub struct LoggingSettings {
    /// Filter directive, e.g. "info" or "warn,iggy_server=debug"; "none" means "off".
    pub level: String,
    pub file_enabled: bool,
    /// `{system.path}/{system.logging.path}`.
    pub directory: PathBuf,
    /// Bytes; 0 = one file, never rolled.
    pub max_file_size: u64,
    /// Bytes; 0 = unlimited.
    pub max_total_size: u64,
    pub rotation_check_interval: Duration,
    pub retention: Duration,
}

/// The running logger. Keep it alive until the end of `main` and call [`Logging::shutdown`].
pub struct Logging {
    /// Keeps flexi_logger alive and lets the level be changed after start.
    handle: LoggerHandle,
    /// Where `apply` puts the file writer; shared with the logger's writer.
    file_slot: Arc<RwLock<Option<FileLogWriter>>>,
    /// One more output set once after start (OTLP export); shared with the logger's writer.
    extra: Arc<OnceLock<Box<dyn LogWriter>>>,
    /// Dropping or sending on it stops the cleanup thread.
    cleanup_stop: Option<Sender<()>>,
    cleanup_thread: Option<JoinHandle<()>>,
}

impl Logging {
    /// Stdout only, level from RUST_LOG if set else "info".
    pub fn start_console() -> Result<Logging, LoggingError> {
        let file_slot = Arc::new(RwLock::new(None));
        let extra = Arc::new(OnceLock::new());
        let writer = FileSlot {
            slot: Arc::clone(&file_slot),
            extra: Arc::clone(&extra),
        };
        let handle = Logger::try_with_env_or_str(DEFAULT_LEVEL)
            .map_err(|source| LoggingError::InvalidLevel {
                directive: std::env::var("RUST_LOG").unwrap_or_default(),
                source,
            })?
            .format(format_line)
            .log_to_writer(Box::new(writer))
            .duplicate_to_stdout(Duplicate::All)
            .start()
            .map_err(LoggingError::Start)?;
        Ok(Logging {
            handle,
            file_slot,
            extra,
            cleanup_stop: None,
            cleanup_thread: None,
        })
    }

    /// Applies the configured level (RUST_LOG wins) and, when enabled, the log file with its
    /// rotation and cleanup thread. Returns a line describing the setup, for the caller to log.
    pub fn apply(&mut self, settings: &LoggingSettings) -> Result<String, LoggingError> {
        let env_level = std::env::var("RUST_LOG")
            .ok()
            .filter(|value| !value.trim().is_empty());
        let directive = normalize_level(env_level.as_deref().unwrap_or(&settings.level));
        self.handle
            .parse_new_spec(&directive)
            .map_err(|source| LoggingError::InvalidLevel {
                directive: directive.clone(),
                source,
            })?;
        let source = if env_level.is_some() {
            "RUST_LOG"
        } else {
            "system.logging.level"
        };

        self.stop_cleanup_thread();
        if !settings.file_enabled {
            self.set_file_writer(None);
            return Ok(format!(
                "Logging to stdout only, level '{directive}' (from {source})"
            ));
        }

        let writer = build_file_writer(settings)?;
        self.set_file_writer(Some(writer));
        self.start_cleanup_thread(settings)?;
        Ok(format!(
            "Logging to stdout and to {} in {}, level '{directive}' (from {source}), {}, \
             total size limit {}, retention {:?}, cleanup every {:?}",
            file_name(settings.max_file_size),
            settings.directory.display(),
            rotation_description(settings.max_file_size),
            size_or_unlimited(settings.max_total_size),
            settings.retention,
            settings.rotation_check_interval.max(MIN_CHECK_INTERVAL),
        ))
    }

    /// Sends every record that passes the level filter to `writer` too, from now on (the
    /// records are formatted by the writer itself, not printed). Only the first call counts.
    pub fn also_write_to(&self, writer: Box<dyn LogWriter>) {
        let _ = self.extra.set(writer);
    }

    /// Flushes the outputs and stops the cleanup thread.
    pub fn shutdown(&mut self) {
        self.stop_cleanup_thread();
        self.handle.flush();
        if let Ok(slot) = self.file_slot.read() {
            if let Some(writer) = slot.as_ref() {
                writer.shutdown();
            }
        }
    }

    fn set_file_writer(&self, writer: Option<FileLogWriter>) {
        let previous = match self.file_slot.write() {
            Ok(mut slot) => std::mem::replace(&mut *slot, writer),
            Err(poisoned) => std::mem::replace(&mut *poisoned.into_inner(), writer),
        };
        if let Some(previous) = previous {
            previous.shutdown();
        }
    }

    fn start_cleanup_thread(&mut self, settings: &LoggingSettings) -> Result<(), LoggingError> {
        let (stop_tx, stop_rx) = mpsc::channel::<()>();
        let directory = settings.directory.clone();
        let policy = CleanupPolicy::from_settings(settings);
        let interval = settings.rotation_check_interval.max(MIN_CHECK_INTERVAL);
        let thread = std::thread::Builder::new()
            .name("log-cleanup".to_string())
            .spawn(move || loop {
                cleanup_directory(&directory, &policy, SystemTime::now());
                match stop_rx.recv_timeout(interval) {
                    Err(RecvTimeoutError::Timeout) => continue,
                    Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
                }
            })
            .map_err(LoggingError::Thread)?;
        self.cleanup_stop = Some(stop_tx);
        self.cleanup_thread = Some(thread);
        Ok(())
    }

    fn stop_cleanup_thread(&mut self) {
        if let Some(stop) = self.cleanup_stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.cleanup_thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Logging {
    fn drop(&mut self) {
        self.stop_cleanup_thread();
    }
}

/// The logger's writer: forwards to the file writer once `apply` has set one, and to the
/// extra output once one is set.
struct FileSlot {
    slot: Arc<RwLock<Option<FileLogWriter>>>,
    extra: Arc<OnceLock<Box<dyn LogWriter>>>,
}

impl LogWriter for FileSlot {
    fn write(&self, now: &mut DeferredNow, record: &Record) -> std::io::Result<()> {
        if let Some(extra) = self.extra.get() {
            let _ = extra.write(now, record);
        }
        match self.slot.read() {
            Ok(slot) => match slot.as_ref() {
                Some(writer) => writer.write(now, record),
                None => Ok(()),
            },
            Err(_) => Ok(()),
        }
    }

    fn flush(&self) -> std::io::Result<()> {
        match self.slot.read() {
            Ok(slot) => slot.as_ref().map_or(Ok(()), |writer| writer.flush()),
            Err(_) => Ok(()),
        }
    }

    fn shutdown(&self) {
        if let Ok(slot) = self.slot.read() {
            if let Some(writer) = slot.as_ref() {
                writer.shutdown();
            }
        }
    }
}

/// `2025-01-31T12:00:00.123456+00:00 INFO  [main] iggy_server::tcp: message`
fn format_line(
    w: &mut dyn Write,
    now: &mut DeferredNow,
    record: &Record,
) -> Result<(), std::io::Error> {
    write!(
        w,
        "{} {:<5} [{}] {}: {}",
        now.format("%Y-%m-%dT%H:%M:%S%.6f%:z"),
        record.level(),
        std::thread::current().name().unwrap_or("<unnamed>"),
        record.module_path().unwrap_or("<unknown>"),
        record.args()
    )
}

/// Replaces the Iggy spelling "none" by "off", as a global level or a module level.
pub fn normalize_level(level: &str) -> String {
    let directive = level.trim();
    if directive.is_empty() {
        return DEFAULT_LEVEL.to_string();
    }
    directive
        .split(',')
        .map(|part| {
            let part = part.trim();
            match part.rsplit_once('=') {
                Some((module, value)) if value.trim().eq_ignore_ascii_case("none") => {
                    format!("{module}=off")
                }
                None if part.eq_ignore_ascii_case("none") => "off".to_string(),
                _ => part.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn build_file_writer(settings: &LoggingSettings) -> Result<FileLogWriter, LoggingError> {
    let file_error = |source| LoggingError::File {
        directory: settings.directory.clone(),
        source,
    };
    std::fs::create_dir_all(&settings.directory)
        .map_err(|error| file_error(FlexiLoggerError::OutputIo(error)))?;
    let spec = FileSpec::default()
        .directory(&settings.directory)
        .basename(BASENAME)
        .suppress_timestamp();
    let mut builder = FileLogWriter::builder(spec).format(format_line).append();
    if settings.max_file_size > 0 {
        builder = builder.rotate(
            Criterion::AgeOrSize(Age::Hour, settings.max_file_size),
            Naming::Timestamps,
            Cleanup::Never,
        );
        #[cfg(unix)]
        {
            builder = builder.create_symlink(settings.directory.join(format!("{BASENAME}.log")));
        }
    }
    builder.try_build().map_err(file_error)
}

fn file_name(max_file_size: u64) -> String {
    if max_file_size > 0 {
        format!("{BASENAME}_rCURRENT.log (symlink {BASENAME}.log)")
    } else {
        format!("{BASENAME}.log")
    }
}

fn rotation_description(max_file_size: u64) -> String {
    if max_file_size > 0 {
        format!(
            "rotated hourly and above {}",
            size_or_unlimited(max_file_size)
        )
    } else {
        "never rotated".to_string()
    }
}

fn size_or_unlimited(bytes: u64) -> String {
    if bytes == 0 {
        "unlimited".to_string()
    } else {
        iggy_actors::system_info::human_size(bytes)
    }
}

/// What the cleanup thread keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanupPolicy {
    /// Rotated files last modified longer ago than this are deleted.
    pub retention: Duration,
    /// Bytes of all log files together; 0 = unlimited.
    pub max_total_size: u64,
    /// Number of log files kept, the current one included.
    pub max_files: u64,
}

impl CleanupPolicy {
    pub fn from_settings(settings: &LoggingSettings) -> Self {
        let max_files = if settings.max_total_size == 0 || settings.max_file_size == 0 {
            MAX_FILES
        } else {
            (settings.max_total_size / settings.max_file_size).clamp(1, MAX_FILES)
        };
        CleanupPolicy {
            retention: settings.retention,
            max_total_size: settings.max_total_size,
            max_files,
        }
    }
}

/// One file of the log directory, as seen by the cleanup policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFile {
    pub path: PathBuf,
    pub size: u64,
    pub modified: SystemTime,
    /// The file being written; never deleted.
    pub current: bool,
}

/// The rotated files to delete: those older than the retention, then the oldest ones while
/// the files together exceed the total size or the file count.
pub fn files_to_delete(files: &[LogFile], policy: &CleanupPolicy, now: SystemTime) -> Vec<PathBuf> {
    let mut rotated: Vec<&LogFile> = files.iter().filter(|file| !file.current).collect();
    rotated.sort_by(|a, b| {
        a.modified
            .cmp(&b.modified)
            .then_with(|| a.path.cmp(&b.path))
    });

    let mut total_size: u64 = files.iter().map(|file| file.size).sum();
    let mut count = files.len() as u64;
    let mut doomed = Vec::new();
    for file in rotated {
        let age = now.duration_since(file.modified).unwrap_or(Duration::ZERO);
        let too_old = age > policy.retention;
        let too_big = policy.max_total_size != 0 && total_size > policy.max_total_size;
        let too_many = count > policy.max_files;
        if too_old || too_big || too_many {
            total_size = total_size.saturating_sub(file.size);
            count = count.saturating_sub(1);
            doomed.push(file.path.clone());
        }
    }
    doomed
}

/// Lists the log files of `directory` (regular files named `iggy-server*.log[.gz]`, not
/// following symlinks); unreadable entries are skipped.
pub fn list_log_files(directory: &Path) -> Vec<LogFile> {
    let Ok(entries) = std::fs::read_dir(directory) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let is_log = name.ends_with(".log") || name.ends_with(".log.gz");
            if !name.starts_with(BASENAME) || !is_log {
                return None;
            }
            let metadata = std::fs::symlink_metadata(entry.path()).ok()?;
            if !metadata.is_file() {
                return None;
            }
            let current =
                name == format!("{BASENAME}.log") || name == format!("{BASENAME}_rCURRENT.log");
            Some(LogFile {
                path: entry.path(),
                size: metadata.len(),
                modified: metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                current,
            })
        })
        .collect()
}

/// One pass of the cleanup thread. Deletion errors are reported on stderr, not through the
/// logger, to avoid writing to the file being cleaned up from inside the cleanup.
fn cleanup_directory(directory: &Path, policy: &CleanupPolicy, now: SystemTime) -> usize {
    let files = list_log_files(directory);
    let mut deleted = 0;
    for path in files_to_delete(&files, policy, now) {
        match std::fs::remove_file(&path) {
            Ok(()) => deleted += 1,
            Err(error) => eprintln!("cannot delete old log file {}: {error}", path.display()),
        }
    }
    deleted
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    fn policy(retention: Duration, max_total_size: u64, max_files: u64) -> CleanupPolicy {
        CleanupPolicy {
            retention,
            max_total_size,
            max_files,
        }
    }

    fn file(name: &str, size: u64, age_hours: u64, now: SystemTime, current: bool) -> LogFile {
        LogFile {
            path: PathBuf::from(name),
            size,
            modified: now - HOUR * age_hours as u32,
            current,
        }
    }

    #[test]
    fn deletes_rotated_files_older_than_retention_only() {
        let now = SystemTime::now();
        let files = vec![
            file("current", 10, 100, now, true),
            file("old", 10, 30, now, false),
            file("young", 10, 2, now, false),
        ];
        let doomed = files_to_delete(&files, &policy(HOUR * 24, 0, MAX_FILES), now);
        assert_eq!(doomed, vec![PathBuf::from("old")]);
    }

    #[test]
    fn deletes_oldest_while_total_size_exceeded() {
        let now = SystemTime::now();
        let files = vec![
            file("current", 100, 0, now, true),
            file("b", 100, 2, now, false),
            file("a", 100, 3, now, false),
            file("c", 100, 1, now, false),
        ];
        let doomed = files_to_delete(&files, &policy(HOUR * 1000, 250, MAX_FILES), now);
        assert_eq!(doomed, vec![PathBuf::from("a"), PathBuf::from("b")]);
        let unlimited = files_to_delete(&files, &policy(HOUR * 1000, 0, MAX_FILES), now);
        assert!(unlimited.is_empty());
    }

    #[test]
    fn never_deletes_the_current_file() {
        let now = SystemTime::now();
        let files = vec![file("current", 1000, 500, now, true)];
        assert!(files_to_delete(&files, &policy(HOUR, 10, 1), now).is_empty());
    }

    #[test]
    fn keeps_at_most_max_files() {
        let now = SystemTime::now();
        let files = vec![
            file("current", 1, 0, now, true),
            file("r1", 1, 1, now, false),
            file("r2", 1, 2, now, false),
            file("r3", 1, 3, now, false),
        ];
        let doomed = files_to_delete(&files, &policy(HOUR * 1000, 0, 2), now);
        assert_eq!(doomed, vec![PathBuf::from("r3"), PathBuf::from("r2")]);
    }

    #[test]
    fn file_count_follows_total_over_file_size() {
        let settings = LoggingSettings {
            level: "info".to_string(),
            file_enabled: true,
            directory: PathBuf::from("logs"),
            max_file_size: 500,
            max_total_size: 4000,
            rotation_check_interval: HOUR,
            retention: HOUR,
        };
        assert_eq!(CleanupPolicy::from_settings(&settings).max_files, 8);
        let tiny_total = LoggingSettings {
            max_total_size: 10,
            ..settings.clone()
        };
        assert_eq!(CleanupPolicy::from_settings(&tiny_total).max_files, 1);
        let unlimited = LoggingSettings {
            max_total_size: 0,
            ..settings
        };
        assert_eq!(
            CleanupPolicy::from_settings(&unlimited).max_files,
            MAX_FILES
        );
    }

    #[test]
    fn normalizes_none_to_off() {
        assert_eq!(normalize_level("none"), "off");
        assert_eq!(normalize_level("NONE"), "off");
        assert_eq!(
            normalize_level("warn,iggy_server=none"),
            "warn,iggy_server=off"
        );
        assert_eq!(normalize_level("warn, server=debug"), "warn,server=debug");
        assert_eq!(normalize_level("  "), "info");
    }

    #[test]
    fn cleans_a_real_directory() {
        let dir = tempfile::tempdir().expect("temp dir");
        let write = |name: &str, size: usize| {
            std::fs::write(dir.path().join(name), vec![b'x'; size]).expect("write");
        };
        write("iggy-server_rCURRENT.log", 50);
        write("iggy-server_r2025-01-01_10-00-00.log", 100);
        write("iggy-server_r2025-01-01_11-00-00.log", 100);
        write("unrelated.txt", 1000);

        let files = list_log_files(dir.path());
        assert_eq!(files.len(), 3);
        assert_eq!(files.iter().filter(|file| file.current).count(), 1);

        // Everything is younger than the retention; only the total size forces deletions.
        let now = SystemTime::now() + HOUR;
        let deleted = cleanup_directory(dir.path(), &policy(HOUR * 24, 160, MAX_FILES), now);
        assert_eq!(deleted, 1);
        let remaining = list_log_files(dir.path());
        assert_eq!(remaining.len(), 2);
        assert!(dir.path().join("iggy-server_rCURRENT.log").exists());
        assert!(dir.path().join("unrelated.txt").exists());

        // Past the retention, the remaining rotated file goes too.
        let later = SystemTime::now() + HOUR * 48;
        assert_eq!(
            cleanup_directory(dir.path(), &policy(HOUR * 24, 0, MAX_FILES), later),
            1
        );
        let remaining = list_log_files(dir.path());
        assert_eq!(remaining.len(), 1);
        assert!(remaining[0].current);
    }

    #[test]
    fn file_writer_creates_the_log_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let settings = LoggingSettings {
            level: "info".to_string(),
            file_enabled: true,
            directory: dir.path().join("logs"),
            max_file_size: 0,
            max_total_size: 0,
            rotation_check_interval: HOUR,
            retention: HOUR,
        };
        let writer = build_file_writer(&settings).expect("file writer");
        let record = Record::builder()
            .args(format_args!("hello file"))
            .level(log::Level::Info)
            .module_path(Some("iggy_server::logging"))
            .build();
        writer
            .write(&mut DeferredNow::new(), &record)
            .expect("write");
        writer.flush().expect("flush");
        writer.shutdown();
        let content =
            std::fs::read_to_string(dir.path().join("logs").join("iggy-server.log")).expect("read");
        assert!(content.contains("INFO"), "{content}");
        assert!(
            content.contains("iggy_server::logging: hello file"),
            "{content}"
        );
    }
}
