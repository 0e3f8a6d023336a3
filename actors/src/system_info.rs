//! Host and process figures for GetStats and the periodic sysinfo log line.
//!
//! [`SystemInfo`] owns one `sysinfo::System` for the whole life of the server, because the
//! CPU percentages are deltas between two refreshes: the first snapshot may report 0 %, the
//! following ones report the usage since the previous snapshot. Only the pieces that are
//! reported are refreshed (this process, global CPU, RAM, disk storage), never the full
//! process table. Nothing here panics: a figure that cannot be read is reported as 0 or "".

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use sysinfo::{
    CpuRefreshKind, DiskRefreshKind, Disks, MemoryRefreshKind, Pid, ProcessRefreshKind,
    ProcessesToUpdate, System,
};

/// One reading of the host and of this process, in the units of the GetStats record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SystemSnapshot {
    pub process_id: u32,
    /// CPU used by this process since the previous snapshot, in percent (may exceed 100 on
    /// several cores).
    pub cpu_usage: f32,
    /// CPU used by the whole machine since the previous snapshot, in percent.
    pub total_cpu_usage: f32,
    /// Resident set size of this process, in bytes.
    pub memory_usage: u64,
    pub total_memory: u64,
    pub available_memory: u64,
    pub run_time_us: u64,
    /// Start of this process, µs since the Unix epoch.
    pub start_time_us: u64,
    /// Bytes read from disk by this process since it started.
    pub read_bytes: u64,
    /// Bytes written to disk by this process since it started.
    pub written_bytes: u64,
    pub hostname: String,
    pub os_name: String,
    pub os_version: String,
    pub kernel_version: String,
    pub threads_count: u32,
    /// Free space of the disk holding the data directory, in bytes.
    pub free_disk_space: u64,
    /// Total space of the disk holding the data directory, in bytes.
    pub total_disk_space: u64,
    /// Sum of the sizes of the regular files under the data directory, in bytes.
    pub data_size: u64,
}

/// Reads [`SystemSnapshot`]s; keep one instance alive so CPU deltas are meaningful.
pub struct SystemInfo {
    /// Kept between snapshots: CPU usage is computed from the previous refresh.
    system: System,
    /// The mounted disks, refreshed for storage figures at each snapshot.
    disks: Disks,
    pid: Pid,
    data_path: PathBuf,
    /// Host facts that do not change while the server runs, read once.
    hostname: String,
    os_name: String,
    os_version: String,
    kernel_version: String,
}

impl SystemInfo {
    pub fn new(data_path: PathBuf) -> Self {
        let mut info = SystemInfo {
            system: System::new(),
            disks: Disks::new_with_refreshed_list_specifics(
                DiskRefreshKind::nothing().with_storage(),
            ),
            pid: Pid::from_u32(std::process::id()),
            data_path,
            hostname: System::host_name().unwrap_or_default(),
            os_name: System::name().unwrap_or_default(),
            os_version: System::os_version().unwrap_or_default(),
            kernel_version: System::kernel_version().unwrap_or_default(),
        };
        // A first refresh so that the first `snapshot` already has a CPU baseline.
        info.refresh();
        info
    }

    /// Refreshes what is reported and returns the figures.
    pub fn snapshot(&mut self) -> SystemSnapshot {
        self.refresh();
        let mut snapshot = SystemSnapshot {
            process_id: self.pid.as_u32(),
            total_cpu_usage: self.system.global_cpu_usage(),
            total_memory: self.system.total_memory(),
            available_memory: self.system.available_memory(),
            hostname: self.hostname.clone(),
            os_name: self.os_name.clone(),
            os_version: self.os_version.clone(),
            kernel_version: self.kernel_version.clone(),
            threads_count: threads_count(),
            data_size: directory_size(&self.data_path),
            ..SystemSnapshot::default()
        };
        if let Some(process) = self.system.process(self.pid) {
            let disk = process.disk_usage();
            let start_time_us = process.start_time().saturating_mul(1_000_000);
            snapshot.cpu_usage = process.cpu_usage();
            snapshot.memory_usage = process.memory();
            snapshot.start_time_us = start_time_us;
            snapshot.run_time_us = now_us().saturating_sub(start_time_us);
            snapshot.read_bytes = disk.total_read_bytes;
            snapshot.written_bytes = disk.total_written_bytes;
        }
        if let Some((free, total)) = self.disk_space() {
            snapshot.free_disk_space = free;
            snapshot.total_disk_space = total;
        }
        snapshot
    }

    fn refresh(&mut self) {
        self.system
            .refresh_cpu_specifics(CpuRefreshKind::nothing().with_cpu_usage());
        self.system
            .refresh_memory_specifics(MemoryRefreshKind::nothing().with_ram());
        self.system.refresh_processes_specifics(
            ProcessesToUpdate::Some(&[self.pid]),
            true,
            ProcessRefreshKind::nothing()
                .with_cpu()
                .with_memory()
                .with_disk_usage(),
        );
        self.disks
            .refresh_specifics(true, DiskRefreshKind::nothing().with_storage());
    }

    /// (free, total) bytes of the disk whose mount point is the longest prefix of the
    /// canonical data path (the data path itself may not exist yet: its nearest existing
    /// ancestor is used).
    fn disk_space(&self) -> Option<(u64, u64)> {
        let path = canonical_existing_ancestor(&self.data_path)?;
        let mount_points = self.disks.list().iter().map(|disk| disk.mount_point());
        let index = longest_mount_prefix(&path, mount_points)?;
        let disk = self.disks.list().get(index)?;
        Some((disk.available_space(), disk.total_space()))
    }
}

/// Index of the mount point that is the longest (component-wise) prefix of `path`.
pub fn longest_mount_prefix<'a>(
    path: &Path,
    mount_points: impl IntoIterator<Item = &'a Path>,
) -> Option<usize> {
    mount_points
        .into_iter()
        .enumerate()
        .filter(|(_, mount)| path.starts_with(mount))
        .max_by_key(|(_, mount)| mount.components().count())
        .map(|(index, _)| index)
}

fn canonical_existing_ancestor(path: &Path) -> Option<PathBuf> {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(path)
    };
    absolute
        .ancestors()
        .find_map(|candidate| candidate.canonicalize().ok())
}

/// Total size of the regular files under `root`, not following symbolic links; unreadable
/// entries are skipped.
pub fn directory_size(root: &Path) -> u64 {
    let mut total = 0u64;
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(metadata) = std::fs::symlink_metadata(entry.path()) else {
                continue;
            };
            if metadata.is_dir() {
                pending.push(entry.path());
            } else if metadata.is_file() {
                total = total.saturating_add(metadata.len());
            }
        }
    }
    total
}

/// Threads of this process: the `Threads:` line of /proc/self/status on Linux; elsewhere 1
/// (the calling thread), as no portable source exists.
fn threads_count() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| parse_threads(&status))
        .unwrap_or(1)
}

fn parse_threads(status: &str) -> Option<u32> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))
        .and_then(|value| value.trim().parse().ok())
}

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Formats a byte count with binary units, e.g. `1.50 GiB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.2} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_of_this_process_has_real_figures() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut info = SystemInfo::new(dir.path().to_path_buf());
        let snapshot = info.snapshot();
        assert_eq!(snapshot.process_id, std::process::id());
        assert!(snapshot.memory_usage > 0);
        assert!(snapshot.total_memory > 0);
        assert!(snapshot.total_memory >= snapshot.available_memory);
        assert!(snapshot.threads_count >= 1);
        assert!(snapshot.start_time_us > 0);
        assert!(snapshot.start_time_us <= now_us());
        assert!(snapshot.total_disk_space > 0);
        assert!(snapshot.total_disk_space >= snapshot.free_disk_space);
        assert_eq!(snapshot.data_size, 0);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn threads_count_reads_proc_status() {
        let before = threads_count();
        assert!(before >= 1);
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
        let handle = std::thread::spawn(move || {
            let _ = ready_tx.send(threads_count());
            let _ = stop_rx.recv();
        });
        let during = ready_rx.recv().expect("count from thread");
        assert!(during >= 2);
        drop(stop_tx);
        handle.join().expect("join");
    }

    #[test]
    fn parses_threads_line() {
        let status = "Name:\tx\nState:\tS\nThreads:\t17\nSigQ:\t0/1\n";
        assert_eq!(parse_threads(status), Some(17));
        assert_eq!(parse_threads("Name:\tx\n"), None);
        assert_eq!(parse_threads("Threads:\tlots\n"), None);
    }

    #[test]
    fn data_size_counts_files_recursively() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("a.log"), vec![0u8; 1000]).expect("write a");
        let nested = dir.path().join("streams").join("1");
        std::fs::create_dir_all(&nested).expect("mkdir");
        std::fs::write(nested.join("b.log"), vec![0u8; 234]).expect("write b");
        assert_eq!(directory_size(dir.path()), 1234);

        let mut info = SystemInfo::new(dir.path().to_path_buf());
        assert_eq!(info.snapshot().data_size, 1234);
    }

    #[test]
    fn missing_data_path_is_harmless() {
        let dir = tempfile::tempdir().expect("temp dir");
        let missing = dir.path().join("not").join("yet");
        assert_eq!(directory_size(&missing), 0);
        let mut info = SystemInfo::new(missing);
        let snapshot = info.snapshot();
        assert_eq!(snapshot.data_size, 0);
        assert!(snapshot.total_disk_space > 0);
    }

    #[test]
    fn picks_longest_mount_point_prefix() {
        let mounts = [
            Path::new("/"),
            Path::new("/data"),
            Path::new("/dat"),
            Path::new("/data/x"),
        ];
        assert_eq!(
            longest_mount_prefix(Path::new("/data/iggy"), mounts),
            Some(1)
        );
        assert_eq!(
            longest_mount_prefix(Path::new("/data/x/y"), mounts),
            Some(3)
        );
        assert_eq!(longest_mount_prefix(Path::new("/datafoo"), mounts), Some(0));
        assert_eq!(
            longest_mount_prefix(Path::new("/srv"), [Path::new("/data")]),
            None
        );
    }

    #[test]
    fn formats_human_sizes() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1536), "1.50 KiB");
        assert_eq!(human_size(5 * 1024 * 1024 * 1024), "5.00 GiB");
        assert_eq!(human_size(u64::MAX), "16384.00 PiB");
    }
}
