//! GetSnapshot (binary code 11, HTTP `POST /snapshot`): a ZIP archive built in memory
//! with one `<type>.txt` entry per requested type (`binary-protocol.md` §5.2.3): an
//! overview of the data directory, the process list, this process's resource usage, the
//! recent server logs and the effective configuration (secrets redacted by the caller).
//! Entries are stored or deflated; the other compressions of the protocol (bzip2, zstd,
//! lzma, xz) are written deflated, which every ZIP reader opens (the SDK and the CLI do
//! not look inside).

use crate::error::IggyError;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotType {
    FilesystemOverview,
    ProcessList,
    ResourceUsage,
    Test,
    ServerLogs,
    ServerConfig,
}

impl SnapshotType {
    fn file_name(self) -> &'static str {
        match self {
            SnapshotType::FilesystemOverview => "filesystem_overview.txt",
            SnapshotType::ProcessList => "process_list.txt",
            SnapshotType::ResourceUsage => "resource_usage.txt",
            SnapshotType::Test => "test.txt",
            SnapshotType::ServerLogs => "server_logs.txt",
            SnapshotType::ServerConfig => "server_config.txt",
        }
    }
}

/// What the request asked for: protocol codes (1..=6, 100 = all) or the HTTP names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requested {
    One(SnapshotType),
    All,
}

impl Requested {
    pub fn from_code(code: u8) -> Result<Self, IggyError> {
        use SnapshotType::*;
        Ok(Requested::One(match code {
            1 => FilesystemOverview,
            2 => ProcessList,
            3 => ResourceUsage,
            4 => Test,
            5 => ServerLogs,
            6 => ServerConfig,
            100 => return Ok(Requested::All),
            _ => return Err(IggyError::InvalidCommand),
        }))
    }

    pub fn from_name(name: &str) -> Result<Self, IggyError> {
        let code = match name {
            "FilesystemOverview" => 1,
            "ProcessList" => 2,
            "ResourceUsage" => 3,
            "Test" => 4,
            "ServerLogs" => 5,
            "ServerConfig" => 6,
            "All" => 100,
            _ => return Err(IggyError::InvalidCommand),
        };
        Self::from_code(code)
    }
}

/// Snapshot compression: 1 stored, 2 deflated, 3..=6 (bzip2, zstd, lzma, xz) deflated.
pub fn compression_from_code(code: u8) -> Result<bool, IggyError> {
    match code {
        1 => Ok(false),
        2..=6 => Ok(true),
        _ => Err(IggyError::InvalidCommand),
    }
}

/// The same from the HTTP names (`Stored`, `Deflated`, `Bzip2`, `Zstd`, `Lzma`, `Xz`).
pub fn compression_from_name(name: &str) -> Result<bool, IggyError> {
    let code = match name {
        "Stored" => 1,
        "Deflated" => 2,
        "Bzip2" => 3,
        "Zstd" => 4,
        "Lzma" => 5,
        "Xz" => 6,
        _ => return Err(IggyError::InvalidCommand),
    };
    compression_from_code(code)
}

/// The types to write: `All` alone means every type but `Test`; `All` with anything else
/// is `InvalidCommand`, as is an empty request.
pub fn expand(requested: &[Requested]) -> Result<Vec<SnapshotType>, IggyError> {
    use SnapshotType::*;
    if requested.contains(&Requested::All) {
        if requested.len() > 1 {
            return Err(IggyError::InvalidCommand);
        }
        return Ok(vec![
            FilesystemOverview,
            ProcessList,
            ResourceUsage,
            ServerLogs,
            ServerConfig,
        ]);
    }
    let mut types = Vec::new();
    for r in requested {
        if let Requested::One(t) = r {
            if !types.contains(t) {
                types.push(*t);
            }
        }
    }
    if types.is_empty() {
        return Err(IggyError::InvalidCommand);
    }
    Ok(types)
}

/// Where the entries come from.
#[derive(Debug, Clone)]
pub struct SnapshotSources {
    pub data_dir: PathBuf,
    /// The server's log directory, when logs are written to files.
    pub log_dir: Option<PathBuf>,
    /// The effective configuration, secrets already redacted.
    pub config_text: String,
}

/// At most this much of the newest log files goes into `server_logs.txt`.
const LOG_BYTES: u64 = 4 << 20;
/// At most this many entries of the data directory are listed.
const LISTING_LIMIT: usize = 10_000;

/// Builds the archive. Blocking (reads files): run it off the event loops.
pub fn build(
    deflate: bool,
    types: &[SnapshotType],
    sources: &SnapshotSources,
) -> Result<Vec<u8>, IggyError> {
    let method = if deflate {
        CompressionMethod::Deflated
    } else {
        CompressionMethod::Stored
    };
    let options = SimpleFileOptions::default().compression_method(method);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for t in types {
        let text = match t {
            SnapshotType::FilesystemOverview => listing(&sources.data_dir),
            SnapshotType::ProcessList => processes(),
            SnapshotType::ResourceUsage => resource_usage(),
            SnapshotType::Test => "test\n".to_string(),
            SnapshotType::ServerLogs => logs(sources.log_dir.as_deref()),
            SnapshotType::ServerConfig => sources.config_text.clone(),
        };
        zip.start_file(t.file_name(), options)
            .and_then(|_| zip.write_all(text.as_bytes()).map_err(Into::into))
            .map_err(|e| {
                log::error!("snapshot: cannot write {}: {e}", t.file_name());
                IggyError::Error
            })?;
    }
    let cursor = zip.finish().map_err(|e| {
        log::error!("snapshot: cannot finish the archive: {e}");
        IggyError::Error
    })?;
    Ok(cursor.into_inner())
}

/// Every file and directory under `dir` with its size, depth first, sorted.
fn listing(dir: &Path) -> String {
    let mut out = format!("{}\n", dir.display());
    let mut stack = vec![dir.to_path_buf()];
    let mut count = 0;
    while let Some(current) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else {
            continue;
        };
        let mut entries: Vec<_> = entries.flatten().collect();
        entries.sort_by_key(|e| e.path());
        for entry in entries {
            count += 1;
            if count > LISTING_LIMIT {
                out.push_str("... (listing truncated)\n");
                return out;
            }
            let path = entry.path();
            let meta = entry.metadata().ok();
            let size = meta.as_ref().map(|m| m.len()).unwrap_or_default();
            let relative = path.strip_prefix(dir).unwrap_or(&path);
            if meta.as_ref().is_some_and(|m| m.is_dir()) {
                out.push_str(&format!("{}/\n", relative.display()));
                stack.push(path);
            } else {
                out.push_str(&format!("{}\t{size}\n", relative.display()));
            }
        }
    }
    out
}

/// `PID NAME` of every process the system reports.
fn processes() -> String {
    let mut system = sysinfo::System::new();
    system.refresh_processes(sysinfo::ProcessesToUpdate::All, true);
    let mut list: Vec<_> = system
        .processes()
        .iter()
        .map(|(pid, p)| (pid.as_u32(), p.name().to_string_lossy().to_string()))
        .collect();
    list.sort();
    let mut out = String::from("PID\tNAME\n");
    for (pid, name) in list {
        out.push_str(&format!("{pid}\t{name}\n"));
    }
    out
}

/// This process's memory, CPU time and threads, and the machine's memory.
fn resource_usage() -> String {
    let mut system = sysinfo::System::new();
    system.refresh_memory();
    let pid = sysinfo::Pid::from_u32(std::process::id());
    system.refresh_processes(sysinfo::ProcessesToUpdate::Some(&[pid]), true);
    let mut out = format!(
        "total_memory\t{}\nused_memory\t{}\navailable_memory\t{}\n",
        system.total_memory(),
        system.used_memory(),
        system.available_memory()
    );
    if let Some(p) = system.process(pid) {
        out.push_str(&format!(
            "process_id\t{}\nresident_memory\t{}\nvirtual_memory\t{}\nrun_time_s\t{}\n",
            pid.as_u32(),
            p.memory(),
            p.virtual_memory(),
            p.run_time()
        ));
    }
    if let Ok(threads) = std::fs::read_dir("/proc/self/task") {
        out.push_str(&format!("threads\t{}\n", threads.count()));
    }
    out
}

/// The end of the newest log files, oldest first, up to `LOG_BYTES` in all.
fn logs(dir: Option<&Path>) -> String {
    let Some(dir) = dir else {
        return "logging to files is disabled (system.logging.file_enabled = false)\n".into();
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return format!("no log directory at {}\n", dir.display());
    };
    let mut files: Vec<_> = entries
        .flatten()
        .filter_map(|e| {
            let meta = e.metadata().ok()?;
            meta.is_file()
                .then(|| (meta.modified().ok(), e.path(), meta.len()))
        })
        .collect();
    files.sort();
    let mut budget = LOG_BYTES;
    let mut parts = Vec::new();
    for (_, path, len) in files.iter().rev() {
        if budget == 0 {
            break;
        }
        let take = (*len).min(budget);
        budget -= take;
        let text = std::fs::read(path)
            .map(|b| {
                let start = b.len().saturating_sub(take as usize);
                String::from_utf8_lossy(&b[start..]).to_string()
            })
            .unwrap_or_default();
        parts.push(format!("==> {} <==\n{text}", path.display()));
    }
    parts.reverse();
    parts.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_expands_and_combinations_are_refused() {
        assert_eq!(expand(&[Requested::All]).unwrap().len(), 5);
        assert!(expand(&[Requested::All, Requested::from_code(4).unwrap()]).is_err());
        assert!(expand(&[]).is_err());
        assert!(Requested::from_code(7).is_err());
        assert!(compression_from_code(0).is_err());
    }

    #[test]
    fn an_archive_holds_one_entry_per_type() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f"), b"12345").unwrap();
        let sources = SnapshotSources {
            data_dir: dir.path().to_path_buf(),
            log_dir: None,
            config_text: "[http]\n".into(),
        };
        let types = expand(&[Requested::All]).unwrap();
        let bytes = build(true, &types, &sources).unwrap();
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        assert_eq!(archive.len(), 5);
        let mut listing = String::new();
        std::io::Read::read_to_string(
            &mut archive.by_name("filesystem_overview.txt").unwrap(),
            &mut listing,
        )
        .unwrap();
        assert!(listing.contains("f\t5"), "{listing}");
    }
}
