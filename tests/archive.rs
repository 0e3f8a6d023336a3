//! Archiving (`system.segment.archive_expired`): the cleaner copies a segment with its
//! manifest into `system.backup.path` before deleting it, `iggy-archive restore` puts it
//! back, an unwritable backup path keeps the segments, and a kill -9 during a copy leaves
//! no half archive and loses nothing.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::segments::*;
use common::{partition_dir, root_client, TestDirs, TestServerBuilder};
use iggy::prelude::{MaxTopicSize, PollingStrategy};

fn archiving(dirs: &Arc<TestDirs>) -> TestServerBuilder {
    builder(dirs, true).env("IGGY_SYSTEM_SEGMENT_ARCHIVE_EXPIRED", "true")
}

/// The archive directories of partition 0 of topic 0 under `backup`, sorted.
fn archives(backup: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(backup.join("0/0/0")) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    found.sort();
    found
}

fn manifest(dir: &Path) -> serde_json::Value {
    let raw = std::fs::read(dir.join("manifest.json")).expect("manifest");
    serde_json::from_slice(&raw).expect("manifest is JSON")
}

fn tool(args: &[&Path]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_iggy-archive"))
        .args(args)
        .output()
        .expect("run iggy-archive");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Files under `dir` whose name holds a `#` (the store's staging files).
fn staging_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if entry.file_name().to_string_lossy().contains('#') {
                found.push(path);
            }
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_segments_are_archived_with_a_manifest_and_restore_brings_them_back() {
    let dirs = TestDirs::new();
    let server = archiving(&dirs).start();
    let client = root_client(&server).await;
    setup(&client, 1, expiry("1s"), MaxTopicSize::Unlimited).await;
    send_one_by_one(&client, 0, 0..21).await;
    eventually("expired segments archived and deleted", || async {
        figures(&client, 0).await.1 == 0
    })
    .await;
    drop(client);
    server.stop();

    let backup = dirs.system_path().join("backup");
    let found = archives(&backup);
    assert_eq!(found.len(), 3, "{found:?}");
    for (i, dir) in found.iter().enumerate() {
        let start = i as u64 * PER_SEGMENT;
        let m = manifest(dir);
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        assert!(name.starts_with(&format!("{start:020}-")), "{name}");
        assert_eq!(m["stream_id"], 0);
        assert_eq!(m["stream_name"], "s");
        assert_eq!(
            (m["topic_id"].as_u64(), m["topic_name"].as_str()),
            (Some(0), Some("t"))
        );
        assert_eq!(m["partition_id"], 0);
        assert_eq!(m["start_offset"], start);
        assert_eq!(m["end_offset"], start + PER_SEGMENT - 1);
        assert_eq!(m["messages"], PER_SEGMENT);
        let (first, last) = (m["first_timestamp"].as_u64(), m["last_timestamp"].as_u64());
        assert!(first.unwrap() > 0 && first <= last, "{m}");
        assert_eq!(m["encrypted"], false);
        let log = std::fs::read(dir.join("segment.log")).expect("log");
        let index = std::fs::read(dir.join("segment.index")).expect("index");
        assert_eq!(log.len() as u64, PER_SEGMENT * MESSAGE_SIZE);
        assert_eq!(m["log_bytes"], log.len());
        assert_eq!(index.len() as u64, PER_SEGMENT * 16);
        assert_eq!(m["log_blake3"], blake3::hash(&log).to_hex().as_str());
        assert_eq!(m["index_blake3"], blake3::hash(&index).to_hex().as_str());
        let (ok, text) = tool(&[Path::new("verify"), dir]);
        assert!(ok, "{text}");
    }
    assert!(staging_files(&backup).is_empty());

    // A damaged archive is refused; the first one is restored, once.
    let partition = partition_dir(&dirs, 0, 0, 0);
    let damaged = dirs.root().join("damaged");
    std::fs::create_dir_all(&damaged).unwrap();
    for f in ["manifest.json", "segment.index", "segment.log"] {
        std::fs::copy(found[1].join(f), damaged.join(f)).unwrap();
    }
    let mut log = std::fs::read(damaged.join("segment.log")).unwrap();
    log[100] ^= 1;
    std::fs::write(damaged.join("segment.log"), log).unwrap();
    let (ok, text) = tool(&[Path::new("restore"), &damaged, &partition]);
    assert!(
        !ok && text.contains("does not match its manifest"),
        "{text}"
    );
    let (ok, text) = tool(&[Path::new("restore"), &found[0], &partition]);
    assert!(ok, "{text}");
    let (ok, text) = tool(&[Path::new("restore"), &found[0], &partition]);
    assert!(!ok && text.contains("overlap"), "{text}");

    let server = start(&dirs, false);
    let client = root_client(&server).await;
    assert_eq!(poll(&client, 0, PollingStrategy::first(), 1).await, [0]);
    assert_eq!(read_from(&client, 0, 0, 0).await, PER_SEGMENT);
    assert_eq!(figures(&client, 0).await.1, PER_SEGMENT);
}

/// As root (tests run so) mode bits do not stop writes: the backup path is made unwritable
/// by a file standing where its directory would be.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unwritable_backup_path_keeps_the_segments_and_is_tried_again() {
    let dirs = TestDirs::new();
    let backup = dirs.root().join("backup");
    std::fs::write(&backup, b"not a directory").unwrap();
    let server = archiving(&dirs)
        .env("IGGY_SYSTEM_BACKUP_PATH", backup.to_str().unwrap())
        .start();
    let client = root_client(&server).await;
    setup(&client, 1, expiry("1s"), MaxTopicSize::Unlimited).await;
    send_one_by_one(&client, 0, 0..14).await;
    eventually("two rounds fail to archive", || async {
        server.stdout().matches("kept: cannot archive it").count() >= 2
    })
    .await;
    let partition = partition_dir(&dirs, 0, 0, 0);
    assert_eq!(segment_files(&partition), [0, 7, 14]);
    assert_eq!(read_from(&client, 0, 0, 0).await, 14);

    std::fs::remove_file(&backup).unwrap();
    eventually("archived and deleted once the path works", || async {
        figures(&client, 0).await.1 == 0
    })
    .await;
    assert_eq!(archives(&backup).len(), 2);
    assert_eq!(segment_files(&partition), [14]);
}

/// A kill -9 while a segment is being copied: after the restart the segment is still
/// there (nothing deleted before its archive was complete), the next round archives it
/// once (no second archive, no staging file left) and deletes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_an_archive_copy_loses_nothing_and_archives_once() {
    let dirs = TestDirs::new();
    // 8 MiB segments of 1,000-message requests: each copy takes a while.
    let big = |b: TestServerBuilder| {
        b.env("IGGY_SYSTEM_SEGMENT_SIZE", "8 MiB")
            .env("IGGY_SYSTEM_PARTITION_MESSAGES_REQUIRED_TO_SAVE", "1000")
    };
    let total = 200_000;
    let server = big(builder(&dirs, false)).start();
    let client = root_client(&server).await;
    setup(&client, 1, expiry("1s"), MaxTopicSize::Unlimited).await;
    send(&client, 0, 0, 0..total, 1000).await;
    drop(client);
    server.stop();
    tokio::time::sleep(Duration::from_secs(1)).await;

    // Archiving starts with the first round: kill as soon as a copy is under way.
    let mut server = big(archiving(&dirs)).start();
    let backup = dirs.system_path().join("backup");
    let deadline = Instant::now() + CLEANER_DEADLINE;
    while staging_files(&backup).is_empty() {
        assert!(Instant::now() < deadline, "no copy started");
        std::thread::sleep(Duration::from_millis(1));
    }
    server.kill();

    let server = big(builder(&dirs, false)).start();
    let client = root_client(&server).await;
    let first = poll(&client, 0, PollingStrategy::first(), 1).await[0];
    assert_eq!(read_from(&client, 0, 0, first).await, total - first);
    for dir in archives(&backup) {
        if !dir.join("manifest.json").exists() {
            // An incomplete archive: its segment is still in the partition.
            let name = dir.file_name().unwrap().to_string_lossy().to_string();
            let start: u64 = name[..20].parse().unwrap();
            assert!(
                start >= first,
                "{name} was deleted before its archive was complete"
            );
        }
    }
    drop(client);
    server.stop();

    let server = big(archiving(&dirs)).start();
    let client = root_client(&server).await;
    let partition = partition_dir(&dirs, 0, 0, 0);
    eventually("every sealed segment archived and deleted", || async {
        segment_files(&partition).len() == 1
    })
    .await;
    let active = segment_files(&partition)[0];
    assert_eq!(read_from(&client, 0, 0, active).await, total - active);
    assert!(staging_files(&backup).is_empty(), "staging files left");
    let found = archives(&backup);
    let mut covered = 0;
    for dir in &found {
        let m = manifest(dir);
        assert_eq!(
            m["start_offset"], covered,
            "one archive per segment, in order"
        );
        covered = m["end_offset"].as_u64().unwrap() + 1;
        let (ok, text) = tool(&[Path::new("verify"), dir]);
        assert!(ok, "{text}");
    }
    assert_eq!(
        covered, active,
        "the archives cover every deleted message once"
    );
}
