//! Archives of the segments the message cleaner deletes (`system.segment.archive_expired`),
//! under `system.backup.path`, written through `object_store` (its local file system store
//! today; another store is a change of [`Archiver::store`], not of the format).
//!
//! One segment's archive is `{stream}/{topic}/{partition}/{start offset, 20 digits}-{first
//! timestamp}/` holding `segment.log` and `segment.index` (the stored bytes, encrypted when
//! the data is) and, written last, `manifest.json` ([`Manifest`]): an archive without its
//! manifest is incomplete and is written again by the next round. The name is the same for
//! the same segment, so an archive written again (the segment was not deleted yet when the
//! server stopped) replaces the earlier one instead of adding a second. Parts are 8 MiB (the
//! least S3 accepts for every part but the last); the store fsyncs what it writes.
//!
//! [`restore`] (the `iggy-archive restore` tool) puts an archived segment back into a
//! partition directory of a stopped server.

use crate::partition::retention::SegmentSummary;
use crate::partition::segments;
use crate::partition::PartitionKey;
use bytes::Bytes;
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::{ObjectStoreExt, PutPayload};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const PART_SIZE: u64 = 8 * 1024 * 1024;
const LOG_NAME: &str = "segment.log";
const INDEX_NAME: &str = "segment.index";
pub const MANIFEST_NAME: &str = "manifest.json";
const FORMAT: u32 = 1;

/// What an archive holds: where the segment came from, its offsets and timestamps, and a
/// BLAKE3 checksum of each file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub stream_id: u32,
    pub stream_name: String,
    pub topic_id: u32,
    pub topic_name: String,
    pub partition_id: u32,
    pub start_offset: u64,
    pub end_offset: u64,
    pub messages: u32,
    /// µs since the epoch, append times of the first and the last message.
    pub first_timestamp: u64,
    pub last_timestamp: u64,
    pub log_bytes: u64,
    pub index_bytes: u64,
    /// Hex BLAKE3 of `segment.log` and of `segment.index`.
    pub log_blake3: String,
    pub index_blake3: String,
    /// Payloads and headers are encrypted (`system.encryption`): readable only by a server
    /// with the same key.
    pub encrypted: bool,
    /// µs since the epoch.
    pub archived_at: u64,
    /// Why the cleaner deleted the segment.
    pub reason: String,
}

/// The names a segment is archived under.
#[derive(Debug, Clone)]
pub struct SegmentLabel {
    pub key: PartitionKey,
    pub stream_name: String,
    pub topic_name: String,
}

/// Copies segments into `system.backup.path`.
#[derive(Debug)]
pub struct Archiver {
    root: PathBuf,
    /// The segments hold encrypted messages (said in the manifest).
    encrypted: bool,
}

impl Archiver {
    pub fn new(root: PathBuf, encrypted: bool) -> Archiver {
        Archiver { root, encrypted }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The store, made when needed: a backup path that was missing or unwritable works
    /// again at the next archive once it is fixed.
    fn store(&self) -> Result<LocalFileSystem, String> {
        std::fs::create_dir_all(&self.root)
            .map_err(|e| format!("cannot create {}: {e}", self.root.display()))?;
        LocalFileSystem::new_with_prefix(&self.root)
            .map(|s| s.with_fsync(true))
            .map_err(|e| e.to_string())
    }

    /// The archive's directory, relative to the backup path.
    pub fn archive_dir(key: PartitionKey, segment: &SegmentSummary) -> String {
        format!(
            "{}/{}/{}/{}-{}",
            key.stream_id,
            key.topic_id,
            key.partition_id,
            segments::file_stem(segment.start_offset),
            segment.first_timestamp
        )
    }

    /// Copies the segment (log, index, then the manifest) into the store. On an error
    /// nothing is deleted by the caller: the next round tries again.
    pub async fn archive(
        &self,
        label: &SegmentLabel,
        segment: &SegmentSummary,
        reason: &str,
    ) -> Result<String, String> {
        let store = self.store()?;
        let dir = Self::archive_dir(label.key, segment);
        remove_staging_leftovers(&self.root.join(&dir));
        let index_bytes = u64::from(segment.messages) * 16;
        let log_blake3 = upload(&store, &dir, LOG_NAME, &segment.log, segment.size_bytes).await?;
        let index_blake3 = upload(&store, &dir, INDEX_NAME, &segment.index, index_bytes).await?;
        let manifest = Manifest {
            format: FORMAT,
            stream_id: label.key.stream_id,
            stream_name: label.stream_name.clone(),
            topic_id: label.key.topic_id,
            topic_name: label.topic_name.clone(),
            partition_id: label.key.partition_id,
            start_offset: segment.start_offset,
            end_offset: segment.last_offset,
            messages: segment.messages,
            first_timestamp: segment.first_timestamp,
            last_timestamp: segment.last_timestamp,
            log_bytes: segment.size_bytes,
            index_bytes,
            log_blake3,
            index_blake3,
            encrypted: self.encrypted,
            archived_at: crate::metadata::state_log::now_micros(),
            reason: reason.to_string(),
        };
        let json = serde_json::to_vec_pretty(&manifest).map_err(|e| e.to_string())?;
        let path = StorePath::from(format!("{dir}/{MANIFEST_NAME}"));
        store
            .put(&path, PutPayload::from(json))
            .await
            .map_err(|e| e.to_string())?;
        Ok(dir)
    }
}

/// A crash in the middle of a copy leaves the store's staging file (`name#id`) behind; the
/// next copy of the same segment removes it.
fn remove_staging_leftovers(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().contains('#') {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Copies `len` bytes of `file` to `{dir}/{name}` in parts. Answers the hex BLAKE3.
async fn upload(
    store: &LocalFileSystem,
    dir: &str,
    name: &str,
    file: &Arc<File>,
    len: u64,
) -> Result<String, String> {
    let path = StorePath::from(format!("{dir}/{name}"));
    let mut upload = store
        .put_multipart(&path)
        .await
        .map_err(|e| e.to_string())?;
    let mut hasher = blake3::Hasher::new();
    let mut offset = 0;
    let copied: Result<(), String> = async {
        while offset < len {
            let n = PART_SIZE.min(len - offset);
            let (file, at) = (file.clone(), offset);
            let read = tokio::task::spawn_blocking(move || {
                let mut buf = vec![0u8; n as usize];
                file.read_exact_at(&mut buf, at).map(|_| buf)
            });
            let part = read
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| format!("cannot read the segment: {e}"))?;
            hasher.update(&part);
            upload
                .put_part(PutPayload::from(Bytes::from(part)))
                .await
                .map_err(|e| e.to_string())?;
            offset += n;
        }
        upload
            .complete()
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
    .await;
    if let Err(e) = copied {
        let _ = upload.abort().await;
        return Err(e);
    }
    Ok(hasher.finalize().to_hex().to_string())
}

/// Reads an archive's manifest and checks both files against it. Answers the manifest.
pub fn verify(archive_dir: &Path) -> Result<Manifest, String> {
    let path = archive_dir.join(MANIFEST_NAME);
    let raw = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let manifest: Manifest =
        serde_json::from_slice(&raw).map_err(|e| format!("{}: {e}", path.display()))?;
    if manifest.format != FORMAT {
        return Err(format!(
            "{}: unknown format {}",
            path.display(),
            manifest.format
        ));
    }
    for (name, len, sum) in [
        (LOG_NAME, manifest.log_bytes, &manifest.log_blake3),
        (INDEX_NAME, manifest.index_bytes, &manifest.index_blake3),
    ] {
        let path = archive_dir.join(name);
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        if bytes.len() as u64 != len || blake3::hash(&bytes).to_hex().as_str() != sum {
            return Err(format!(
                "{} does not match its manifest (size or checksum): the archive is damaged",
                path.display()
            ));
        }
    }
    Ok(manifest)
}

/// Puts an archived segment back into `partition_dir` (the partition's directory of a
/// stopped server; the segment is loaded at the next start). Refused when the archive
/// does not match its manifest or when its offsets overlap a segment already there.
/// Answers the restored log file.
pub fn restore(archive_dir: &Path, partition_dir: &Path) -> Result<PathBuf, String> {
    let m = verify(archive_dir)?;
    if !partition_dir.is_dir() {
        return Err(format!("{} is not a directory", partition_dir.display()));
    }
    let existing = segments::list(partition_dir).map_err(|e| e.to_string())?;
    // A segment present spans up to the start of the next one (the last one, without end).
    for (i, s) in existing.iter().enumerate() {
        let end = existing
            .get(i + 1)
            .map_or(u64::MAX, |n| n.start_offset.saturating_sub(1));
        if m.start_offset <= end && m.end_offset >= s.start_offset {
            return Err(format!(
                "offsets {}..={} overlap the segment at {} in {}",
                m.start_offset,
                m.end_offset,
                s.start_offset,
                partition_dir.display()
            ));
        }
    }
    let target = segments::files(partition_dir, m.start_offset);
    // Written under temporary names, then the index and then the log take their names: a
    // crash in between leaves an index without its log, deleted when the partition loads.
    for (name, dest) in [(INDEX_NAME, &target.index), (LOG_NAME, &target.log)] {
        let tmp = PathBuf::from(format!("{}.restoring", dest.display()));
        let bytes = std::fs::read(archive_dir.join(name)).map_err(|e| e.to_string())?;
        let mut file = File::create(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
        file.write_all(&bytes)
            .and_then(|_| file.sync_all())
            .and_then(|_| std::fs::rename(&tmp, dest))
            .map_err(|e| format!("{}: {e}", dest.display()))?;
    }
    File::open(partition_dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| format!("{}: {e}", partition_dir.display()))?;
    Ok(target.log)
}
