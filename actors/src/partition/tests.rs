//! Storage tests of the partition, run against real files in a temporary directory.

use super::frame::{self, HEADER_SIZE};
use super::messages::{MessageBatch, PollingStrategy};
use super::*;
use crate::error::IggyError;
use bytes::BytesMut;
use rand::rngs::SmallRng;
use rand::{RngCore, SeedableRng};

fn key() -> PartitionKey {
    PartitionKey {
        stream_id: 1,
        topic_id: 2,
        partition_id: 3,
    }
}

fn batch(payloads: &[&[u8]]) -> MessageBatch {
    let mut frames = BytesMut::new();
    for p in payloads {
        let mut header = [0u8; HEADER_SIZE];
        header[52..56].copy_from_slice(&(p.len() as u32).to_le_bytes());
        frames.extend_from_slice(&header);
        frames.extend_from_slice(p);
    }
    MessageBatch {
        count: payloads.len() as u32,
        frames,
        ends: Vec::new(),
    }
}

fn config(f: impl FnOnce(&mut StorageConfig)) -> Arc<StorageConfig> {
    let mut c = StorageConfig {
        messages_required_to_save: 1,
        ..Default::default()
    };
    f(&mut c);
    Arc::new(c)
}

/// Payloads of the frames in `chunks`, in order.
fn payloads(chunks: &[messages::Chunk]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for c in chunks {
        let c = c.to_bytes().unwrap();
        let mut pos = 0;
        while pos < c.len() {
            let len = frame::frame_len(&c[pos..]).unwrap();
            assert!(frame::checksum_ok(&c[pos..pos + len]));
            out.push(c[pos + HEADER_SIZE..pos + len].to_vec());
            pos += len;
        }
    }
    out
}

fn read_all(p: &PartitionActor) -> Vec<Vec<u8>> {
    let (chunks, _, _) = p.read(0, u32::MAX).unwrap();
    payloads(&chunks)
}

#[test]
fn append_read_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p");
    let cfg = config(|c| c.messages_required_to_save = 3);
    let mut p = PartitionActor::open(key(), path.clone(), true, cfg.clone()).unwrap();
    assert_eq!(p.accept(batch(&[b"a", b"bb"])).unwrap(), 2);
    assert!(!p.should_persist());
    // Unsaved messages are readable.
    assert_eq!(read_all(&p), vec![b"a".to_vec(), b"bb".to_vec()]);
    p.accept(batch(&[b"ccc"])).unwrap();
    assert!(p.should_persist());
    p.persist(false).unwrap();
    p.accept(batch(&[b"dddd"])).unwrap();
    p.persist(false).unwrap();
    let (chunks, n, last) = p.read(1, 2).unwrap();
    assert_eq!((n, last), (2, 2));
    assert_eq!(payloads(&chunks), vec![b"bb".to_vec(), b"ccc".to_vec()]);
    drop(p);
    let p = PartitionActor::open(key(), path, false, cfg).unwrap();
    assert_eq!(p.next_offset, 4);
    assert_eq!(read_all(&p).len(), 4);
    assert_eq!(p.stats.snapshot().messages_count, 4);
}

#[test]
fn strategies_find_their_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = PartitionActor::open(key(), dir.path().join("p"), true, config(|_| {})).unwrap();
    assert_eq!(
        p.start_offset(PollingStrategy::First, 1, None).unwrap(),
        None
    );
    for i in 0..10u8 {
        p.accept(batch(&[&[i]])).unwrap();
        p.persist(false).unwrap();
    }
    assert_eq!(
        p.start_offset(PollingStrategy::First, 1, None).unwrap(),
        Some(0)
    );
    assert_eq!(
        p.start_offset(PollingStrategy::Last, 3, None).unwrap(),
        Some(7)
    );
    assert_eq!(
        p.start_offset(PollingStrategy::Next, 3, Some(4)).unwrap(),
        Some(5)
    );
    assert_eq!(
        p.start_offset(PollingStrategy::Next, 3, Some(9)).unwrap(),
        None
    );
    assert_eq!(
        p.start_offset(PollingStrategy::Offset(11), 3, None)
            .unwrap(),
        None
    );
    let ts = p.active().last_timestamp;
    let at = p
        .start_offset(PollingStrategy::Timestamp(ts), 1, None)
        .unwrap()
        .unwrap();
    assert!(at <= 9);
    assert_eq!(
        p.start_offset(PollingStrategy::Timestamp(ts + 1), 1, None)
            .unwrap(),
        None
    );
}

#[test]
fn rotation_and_every_index_mode_read_the_same() {
    for mode in [
        IndexCaching::All,
        IndexCaching::OpenSegment,
        IndexCaching::None,
    ] {
        let dir = tempfile::tempdir().unwrap();
        let cfg = config(|c| {
            c.segment_size = 1024;
            c.cache_indexes = mode;
        });
        let path = dir.path().join("p");
        let mut p = PartitionActor::open(key(), path.clone(), true, cfg.clone()).unwrap();
        let payload = [7u8; 200];
        for _ in 0..20 {
            p.accept(batch(&[&payload, &payload])).unwrap();
            p.persist(false).unwrap();
        }
        assert!(
            p.segments.len() > 5,
            "{mode:?}: {} segments",
            p.segments.len()
        );
        let (chunks, n, last) = p.read(3, 30).unwrap();
        assert_eq!((n, last), (30, 32));
        assert_eq!(payloads(&chunks).len(), 30);
        drop(p);
        let p = PartitionActor::open(key(), path, false, cfg).unwrap();
        assert_eq!(read_all(&p).len(), 40);
        assert_eq!(
            p.start_offset(PollingStrategy::Last, 1, None).unwrap(),
            Some(39)
        );
    }
}

/// A byte budget that cuts a segment short ends the read there: consecutive reads return
/// every message once, in order, whatever the budget.
#[test]
fn a_byte_budget_never_skips_messages() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(|c| c.segment_size = 2048);
    let mut p = PartitionActor::open(key(), dir.path().join("p"), true, cfg).unwrap();
    for i in 0..40u8 {
        p.accept(batch(&[&[i; 100]])).unwrap();
        p.persist(false).unwrap();
    }
    p.accept(batch(&[&[40; 100], &[41; 100]])).unwrap();
    assert!(p.segments.len() > 2);
    let frame = (HEADER_SIZE + 100) as u64;
    for budget in [frame, 3 * frame, 3 * frame + 10, 7 * frame, 1 << 20] {
        let (mut next, mut seen) = (0u64, Vec::new());
        while next < 42 {
            let (chunks, n, last) = p.read_within(next, 1000, budget).unwrap();
            assert!(n >= 1, "budget {budget}: nothing from {next}");
            assert_eq!(last, next + u64::from(n) - 1);
            let bytes: u64 = chunks.iter().map(|c| c.len() as u64).sum();
            assert!(n == 1 || bytes <= budget, "budget {budget}: {bytes} bytes");
            seen.extend(payloads(&chunks).into_iter().map(|p| p[0]));
            next = last + 1;
        }
        assert_eq!(seen, (0..42).collect::<Vec<u8>>(), "budget {budget}");
    }
}

/// Writing the unsaved buffer in groups splits segments where writing it batch by batch
/// does, and everything reads back, also after a reopen.
#[test]
fn grouped_writes_rotate_where_single_writes_do() {
    let starts = |group: bool| {
        let dir = tempfile::tempdir().unwrap();
        let cfg = config(|c| {
            c.segment_size = 4096;
            c.messages_required_to_save = if group { 1_000 } else { 1 };
        });
        let path = dir.path().join("p");
        let mut p = PartitionActor::open(key(), path.clone(), true, cfg.clone()).unwrap();
        for i in 0..60u32 {
            let payload = vec![i as u8; 100 + (i as usize * 37) % 300];
            p.accept(batch(&[&payload, &payload[..50]])).unwrap();
            if !group {
                p.persist(false).unwrap();
            }
        }
        p.persist(false).unwrap();
        let starts: Vec<u64> = p.segments.iter().map(|s| s.start_offset).collect();
        let sealed_full = p.segments[..p.segments.len() - 1]
            .iter()
            .all(|s| s.size >= 4096);
        assert!(sealed_full, "group {group}: a sealed segment is short");
        assert_eq!(read_all(&p).len(), 120);
        drop(p);
        let p = PartitionActor::open(key(), path, true, cfg).unwrap();
        let read = read_all(&p);
        assert_eq!(read.len(), 120);
        assert_eq!(read[119].len(), 50);
        starts
    };
    let single = starts(false);
    assert!(single.len() > 5, "{single:?}");
    assert_eq!(starts(true), single);
}

#[test]
fn a_torn_tail_is_cut_to_the_last_good_message() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p");
    let cfg = config(|_| {});
    let mut p = PartitionActor::open(key(), path.clone(), true, cfg.clone()).unwrap();
    p.accept(batch(&[b"one", b"two", b"three"])).unwrap();
    p.persist(false).unwrap();
    let log = p.active().log_path.clone();
    drop(p);
    let len = std::fs::metadata(&log).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&log)
        .unwrap()
        .set_len(len - 2)
        .unwrap();
    let mut p = PartitionActor::open(key(), path.clone(), false, cfg.clone()).unwrap();
    assert_eq!(read_all(&p), vec![b"one".to_vec(), b"two".to_vec()]);
    // The next message continues without a gap.
    p.accept(batch(&[b"four"])).unwrap();
    p.persist(false).unwrap();
    drop(p);
    let p = PartitionActor::open(key(), path, false, cfg).unwrap();
    assert_eq!(p.next_offset, 3);
    assert_eq!(read_all(&p)[2], b"four".to_vec());
}

#[test]
fn a_corrupted_message_is_cut_with_validate_checksum() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p");
    let mut p = PartitionActor::open(key(), path.clone(), true, config(|_| {})).unwrap();
    p.accept(batch(&[b"aaaa", b"bbbb", b"cccc"])).unwrap();
    p.persist(false).unwrap();
    let log = p.active().log_path.clone();
    drop(p);
    let mut raw = std::fs::read(&log).unwrap();
    let second_payload = 2 * HEADER_SIZE + 4 + 1;
    raw[second_payload] ^= 0xff;
    std::fs::write(&log, raw).unwrap();
    let p =
        PartitionActor::open(key(), path, false, config(|c| c.validate_checksum = true)).unwrap();
    assert_eq!(read_all(&p), vec![b"aaaa".to_vec()]);
    assert_eq!(p.next_offset, 1);
}

#[test]
fn deduplication_drops_repeated_ids() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(|c| c.deduplication = Some((100, Duration::from_secs(60))));
    let mut p = PartitionActor::open(key(), dir.path().join("p"), true, cfg).unwrap();
    let mut b = batch(&[b"x", b"y"]);
    b.frames[8] = 5; // id 5 for the first message
    assert_eq!(p.accept(b).unwrap(), 2);
    let mut again = batch(&[b"x2", b"z"]);
    again.frames[8] = 5;
    assert_eq!(p.accept(again).unwrap(), 1);
    assert_eq!(
        read_all(&p),
        vec![b"x".to_vec(), b"y".to_vec(), b"z".to_vec()]
    );
}

#[test]
fn a_failed_write_takes_back_the_batch_it_was_answering() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p");
    let cfg = config(|c| {
        c.messages_required_to_save = 3;
        c.deduplication = Some((100, Duration::from_secs(60)));
    });
    let mut p = PartitionActor::open(key(), path.clone(), true, cfg.clone()).unwrap();
    // Below the threshold: acknowledged from the unsaved buffer.
    assert!(p.append(batch(&[b"a", b"b"]), false).unwrap().is_empty());
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let index = p.segments[0].replace_index_file(full);
    let with_id = || {
        let mut b = batch(&[b"c"]);
        b.frames[8] = 7;
        b
    };
    assert!(matches!(
        p.append(with_id(), false),
        Err(IggyError::IoError)
    ));
    // The acknowledged messages stay; the failed one is gone and its offset is free.
    assert_eq!(p.next_offset, 2);
    assert_eq!(read_all(&p), vec![b"a".to_vec(), b"b".to_vec()]);
    assert_eq!(
        p.stats.snapshot().messages_count,
        0,
        "stats not yet published"
    );
    // The retry is stored once, not dropped as a duplicate of the failed attempt.
    p.segments[0].replace_index_file(index);
    p.append(with_id(), false).unwrap();
    assert_eq!(p.next_offset, 3);
    let stored = vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()];
    assert_eq!(read_all(&p), stored);
    drop(p);
    let p = PartitionActor::open(key(), path, false, cfg).unwrap();
    assert_eq!(read_all(&p), stored);
}

#[test]
fn codec_ends_are_used_only_when_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = PartitionActor::open(key(), dir.path().join("p"), true, config(|_| {})).unwrap();
    let mut good = batch(&[b"ab", b"cde"]);
    good.ends = vec![66, 133];
    assert_eq!(p.accept(good).unwrap(), 2);
    // Ends that do not fit the buffer are ignored: the frames are walked instead.
    let mut wrong = batch(&[b"fg", b"h"]);
    wrong.ends = vec![10, 20];
    assert_eq!(p.accept(wrong).unwrap(), 2);
    assert_eq!(
        read_all(&p),
        vec![
            b"ab".to_vec(),
            b"cde".to_vec(),
            b"fg".to_vec(),
            b"h".to_vec()
        ]
    );
}

#[test]
fn purge_starts_over_and_a_failed_deletion_leaves_a_consistent_partition() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p");
    // Every message is written out at once, 2 messages of 65 bytes a segment.
    let cfg = config(|c| c.segment_size = 130);
    let mut p = PartitionActor::open(key(), path.clone(), true, cfg.clone()).unwrap();
    for m in [b"a", b"b", b"c", b"d", b"e"] {
        p.append(batch(&[m]), false).unwrap();
    }
    assert_eq!(p.segments.len(), 3);
    // The second segment cannot be deleted (a non-empty directory took its log's name).
    std::fs::remove_file(&p.segments[1].log_path).unwrap();
    std::fs::create_dir_all(p.segments[1].log_path.join("x")).unwrap();
    assert!(matches!(p.purge(), Err(IggyError::IoError)));
    // The first segment went; what is left is whole and still readable from offset 2.
    assert_eq!(p.segments.len(), 2);
    assert_eq!(p.segments[0].start_offset, 2);
    assert_eq!(p.next_offset, 5);
    let (chunks, n, _) = p.read(4, 10).unwrap();
    assert_eq!((n, payloads(&chunks)), (1, vec![b"e".to_vec()]));
    std::fs::remove_dir_all(&p.segments[0].log_path).unwrap();
    p.purge().unwrap();
    assert_eq!((p.segments.len(), p.next_offset), (1, 0));
    assert!(read_all(&p).is_empty());
    p.append(batch(&[b"new"]), false).unwrap();
    let mut names: Vec<_> = std::fs::read_dir(&path)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "00000000000000000000.index",
            "00000000000000000000.log",
            "offsets"
        ]
    );
    drop(p);
    let p = PartitionActor::open(key(), path, false, cfg).unwrap();
    assert_eq!(read_all(&p), vec![b"new".to_vec()]);
}

#[test]
fn random_damage_to_the_files_never_panics_and_a_checked_load_keeps_only_good_messages() {
    let mut rng = SmallRng::seed_from_u64(0x5eed);
    for round in 0..120 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p");
        let validate = round % 2 == 0;
        let cfg = config(|c| {
            c.segment_size = 300;
            c.validate_checksum = validate;
        });
        let mut p = PartitionActor::open(key(), path.clone(), true, cfg.clone()).unwrap();
        for i in 0..12u64 {
            let len = (rng.next_u64() % 40) as usize;
            p.append(batch(&[&vec![i as u8; len]]), false).unwrap();
        }
        drop(p);
        let mut files: Vec<_> = std::fs::read_dir(&path)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|f| f.is_file())
            .collect();
        files.sort();
        let victim = &files[(rng.next_u64() % files.len() as u64) as usize];
        let mut bytes = std::fs::read(victim).unwrap();
        match rng.next_u64() % 3 {
            0 if !bytes.is_empty() => {
                for _ in 0..1 + rng.next_u64() % 4 {
                    let at = (rng.next_u64() % bytes.len() as u64) as usize;
                    bytes[at] ^= 1 << (rng.next_u64() % 8);
                }
            }
            1 => bytes.truncate((rng.next_u64() % (bytes.len() as u64 + 1)) as usize),
            _ => bytes.extend((0..1 + rng.next_u64() % 100).map(|_| rng.next_u64() as u8)),
        }
        std::fs::write(victim, &bytes).unwrap();

        let what = format!("round {round}, {} damaged", victim.display());
        let mut p = PartitionActor::open(key(), path, false, cfg).expect(&what);
        if validate {
            // Only whole, checksummed messages remain, each at its own offset.
            let (chunks, n, _) = p.read(0, u32::MAX).expect(&what);
            let mut seen = 0;
            let mut previous = None;
            for c in &chunks {
                let c = c.to_bytes().unwrap();
                let mut pos = 0;
                while pos < c.len() {
                    let len = frame::frame_len(&c[pos..]).expect(&what);
                    let f = &c[pos..pos + len];
                    assert!(frame::checksum_ok(f), "{what}");
                    let offset = frame::offset(f).unwrap();
                    assert!(previous.is_none_or(|p| offset > p), "{what}");
                    previous = Some(offset);
                    seen += 1;
                    pos += len;
                }
            }
            assert_eq!(seen, n, "{what}");
        } else {
            // Unchecked, the damage may be served; reading must still answer, not panic.
            let _ = p.read(0, u32::MAX);
        }
        // The partition takes new messages after whatever it kept.
        let next_offset = p.next_offset;
        p.append(batch(&[b"after"]), false).expect(&what);
        let (chunks, n, _) = p.read(next_offset, 1).expect(&what);
        assert_eq!(
            (n, payloads(&chunks)),
            (1, vec![b"after".to_vec()]),
            "{what}"
        );
    }
}

#[test]
fn a_segment_that_cannot_be_made_keeps_writes_in_the_full_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p");
    let cfg = config(|c| c.segment_size = 130);
    let mut p = PartitionActor::open(key(), path.clone(), true, cfg.clone()).unwrap();
    // The log names a new segment would take (at offsets 2 and 3) are directories: no
    // new segment can be created.
    let blocked = [2, 3].map(|o| segments::files(&path, o).log);
    for b in &blocked {
        std::fs::create_dir_all(b.join("x")).unwrap();
    }
    for m in [b"a", b"b", b"c"] {
        p.append(batch(&[m]), false)
            .expect("stored although no new segment");
    }
    assert_eq!((p.segments.len(), p.segments[0].count), (1, 3));
    for b in &blocked {
        std::fs::remove_dir_all(b).unwrap();
    }
    p.append(batch(&[b"d"]), false).unwrap();
    p.append(batch(&[b"e"]), false).unwrap();
    assert_eq!(p.segments.len(), 2);
    assert_eq!(p.segments[1].start_offset, 4);
    let all: Vec<Vec<u8>> = [b"a", b"b", b"c", b"d", b"e"].map(|m| m.to_vec()).into();
    assert_eq!(read_all(&p), all);
    drop(p);
    let p = PartitionActor::open(key(), path, false, cfg).unwrap();
    assert_eq!(read_all(&p), all);
    assert_eq!(p.next_offset, 5);
}

/// Six one-byte messages written one by one, two a segment: three sealed segments (0-1,
/// 2-3, 4-5) and an empty active one at 6, since the last write filled its segment.
fn three_full_segments(path: &std::path::Path) -> PartitionActor {
    let cfg = config(|c| c.segment_size = 130);
    let mut p = PartitionActor::open(key(), path.to_path_buf(), true, cfg).unwrap();
    for m in [b"a", b"b", b"c", b"d", b"e", b"f"] {
        p.append(batch(&[m]), false).unwrap();
    }
    assert_eq!(p.segments.len(), 4);
    assert_eq!(p.active().count, 0);
    p
}

#[test]
fn retention_keeps_the_active_segment_the_newest_message_and_unread_segments() {
    use super::messages::ConsumerKey;
    let dir = tempfile::tempdir().unwrap();
    let mut p = three_full_segments(&dir.path().join("p"));
    assert_eq!(p.deletable(10, true), (2, None), "the newest message stays");
    assert_eq!(
        p.deletable(10, false),
        (3, None),
        "the active segment stays"
    );
    assert_eq!(p.deletable(1, false), (1, None));
    // A consumer that read up to offset 2 keeps the segment holding 3.
    p.offsets.store(ConsumerKey::Consumer(7), 2).unwrap();
    let (n, held) = p.deletable(10, false);
    let held = held.expect("held back");
    assert_eq!(n, 1);
    assert_eq!(
        (held.consumer, held.stored_offset, held.segment_start),
        (ConsumerKey::Consumer(7), 2, 2)
    );
    assert!(held.to_string().contains("consumer 7"), "{held}");
    // A group offset holds back the same way, and the lowest offset wins.
    p.offsets.store(ConsumerKey::Group(3), 0).unwrap();
    let (n, held) = p.deletable(10, false);
    assert_eq!(n, 0);
    assert!(held.unwrap().to_string().contains("consumer group 3"));
    // Deleting the offsets releases the segments.
    p.offsets.delete(ConsumerKey::Group(3)).unwrap();
    p.offsets.store(ConsumerKey::Consumer(7), 5).unwrap();
    assert_eq!(p.deletable(10, false), (3, None));
    // Unsaved messages are the newest: every sealed segment may then go.
    p.accept(batch(&[b"g"])).unwrap();
    assert_eq!(p.deletable(10, true), (3, None));
}

#[actix_rt::test]
async fn deleting_segments_keeps_offsets_the_newest_message_and_consistent_files() {
    use super::retention::{DeleteOldestSegments, DeleteSegment, OldestDeletable};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p");
    let p = three_full_segments(&path);
    let stats = p.stats();
    let addr = p.start();
    let deleted = addr.send(DeleteOldestSegments { count: 10 }).await;
    assert_eq!(deleted.unwrap().unwrap(), 2);
    let figures = stats.snapshot();
    assert_eq!((figures.segments_count, figures.messages_count), (2, 2));
    assert_eq!(figures.current_offset, 5);
    let polled = addr
        .send(messages::PollMessages {
            consumer: messages::ConsumerKey::Consumer(1),
            claim: None,
            strategy: PollingStrategy::Last,
            count: 1,
            auto_commit: false,
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(payloads(&polled.chunks), vec![b"f".to_vec()], "poll last");
    // The cleaner may take the segment with the newest message (it expired).
    let candidate = addr.send(OldestDeletable).await.unwrap().unwrap();
    let segment = candidate.segment.expect("a candidate");
    assert_eq!((segment.start_offset, segment.last_offset), (4, 5));
    assert_eq!(segment.messages, 2);
    let gone = DeleteSegment { start_offset: 4 };
    assert!(addr.send(gone).await.unwrap().unwrap());
    assert!(!addr.send(gone).await.unwrap().unwrap(), "already gone");
    assert!(addr
        .send(OldestDeletable)
        .await
        .unwrap()
        .unwrap()
        .segment
        .is_none());
    let names: Vec<_> = segments::list(&path).unwrap();
    assert_eq!(names.len(), 1);
    assert_eq!(names[0].start_offset, 6);
    assert!(!segments::files(&path, 4).index.exists());
    assert_eq!(stats.snapshot().messages_count, 0);
    // Offsets go on from where they were, also after a restart.
    addr.send(StopPartition).await.unwrap();
    let cfg = config(|c| c.segment_size = 130);
    let mut p = PartitionActor::open(key(), path, false, cfg).unwrap();
    assert_eq!(p.next_offset, 6);
    p.append(batch(&[b"g"]), false).unwrap();
    let (chunks, n, last) = p.read(0, 10).unwrap();
    assert_eq!((n, last, payloads(&chunks)), (1, 6, vec![b"g".to_vec()]));
}

#[test]
fn encrypted_messages_are_stored_sealed_and_read_in_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p");
    let enc = Arc::new(crate::crypto::Encryptor::new(&[5u8; 32]).unwrap());
    let cfg = config(|c| c.encryptor = Some(enc.clone()));
    let mut p = PartitionActor::open(key(), path.clone(), true, cfg.clone()).unwrap();
    p.append(batch(&[b"first secret", b"second secret"]), false)
        .unwrap();
    assert_eq!(
        read_all(&p),
        vec![b"first secret".to_vec(), b"second secret".to_vec()]
    );
    let log = std::fs::read(&p.segments[0].log_path).unwrap();
    assert!(!log.windows(6).any(|w| w == b"secret"));
    // A message whose stored bytes were changed is left out; the others come back.
    let mut damaged = log.clone();
    damaged[HEADER_SIZE + 20] ^= 1;
    std::fs::write(&p.segments[0].log_path, &damaged).unwrap();
    let (chunks, n, last) = p.read(0, 10).unwrap();
    assert_eq!((n, last), (1, 1));
    assert_eq!(payloads(&chunks), vec![b"second secret".to_vec()]);
    drop(p);
    std::fs::write(path.join("00000000000000000000.log"), &log).unwrap();
    let p = PartitionActor::open(key(), path, false, cfg).unwrap();
    assert_eq!(read_all(&p).len(), 2);
}

#[actix_rt::test]
async fn a_timed_message_is_answered_with_the_time_the_actor_worked_on_it() {
    use crate::timed::Timed;
    let dir = tempfile::tempdir().unwrap();
    let p = PartitionActor::open(key(), dir.path().join("p"), true, config(|_| {})).unwrap();
    let addr = p.start();
    let before = std::time::SystemTime::now();
    let appended = addr
        .send(Timed(messages::AppendMessages {
            batch: batch(&[b"a", b"b"]),
        }))
        .await
        .unwrap()
        .expect("answered");
    assert!(appended.result.is_ok());
    let work = appended.work;
    assert!(before <= work.started && work.started <= work.finished);
    assert!(work.finished <= std::time::SystemTime::now());
    assert!(work.logged.is_empty(), "a partition logs no metadata");
    // The wrapped message's own answer comes back unchanged.
    let polled = addr
        .send(Timed(messages::PollMessages {
            consumer: messages::ConsumerKey::Consumer(1),
            claim: None,
            strategy: PollingStrategy::First,
            count: 10,
            auto_commit: false,
        }))
        .await
        .unwrap()
        .expect("answered");
    let polled = polled.result.unwrap();
    assert_eq!(payloads(&polled.chunks), vec![b"a".to_vec(), b"b".to_vec()]);
}
