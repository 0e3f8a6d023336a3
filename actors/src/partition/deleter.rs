//! The thread that deletes segment files. Unlinking a segment is kernel work (freeing its
//! blocks, dropping its cached pages) that would otherwise compete for the core with the
//! shards: the thread runs under `SCHED_IDLE`, so it only gets a core that nothing else
//! wants, and a deletion never delays a producer of another partition.

use super::segments::{self, SegmentFiles};
use std::io;
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};
use tokio::sync::oneshot;

/// Files to delete, oldest segment first, and where to answer (how many went, and the
/// error that stopped the rest).
type Job = (
    Vec<SegmentFiles>,
    oneshot::Sender<(usize, Option<io::Error>)>,
);

static JOBS: OnceLock<Mutex<mpsc::Sender<Job>>> = OnceLock::new();

fn start() -> Mutex<mpsc::Sender<Job>> {
    let (tx, rx) = mpsc::channel::<Job>();
    let spawned = std::thread::Builder::new()
        .name("segment-deleter".into())
        .spawn(move || {
            lower_priority();
            for (files, answer) in rx {
                let _ = answer.send(delete_all(&files));
            }
        });
    if let Err(e) = spawned {
        log::error!("cannot start the segment deleter thread: {e}");
    }
    Mutex::new(tx)
}

/// `SCHED_IDLE` for this thread; when the system refuses, it stays as it is.
fn lower_priority() {
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: changes the policy of the calling thread only; `param` outlives the call.
    let r = unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) };
    if r != 0 {
        log::warn!(
            "segment deleter: SCHED_IDLE refused ({}): deletions run at normal priority",
            io::Error::last_os_error()
        );
    }
}

fn delete_all(files: &[SegmentFiles]) -> (usize, Option<io::Error>) {
    for (deleted, f) in files.iter().enumerate() {
        if let Err(e) = segments::delete(f) {
            return (deleted, Some(e));
        }
    }
    (files.len(), None)
}

/// Deletes the segments' files in order on the deleter thread. Answers how many went and
/// the error that stopped the rest.
pub async fn delete(files: Vec<SegmentFiles>) -> (usize, Option<io::Error>) {
    let (tx, rx) = oneshot::channel();
    let sent = JOBS
        .get_or_init(start)
        .lock()
        .map_err(|_| ())
        .and_then(|jobs| jobs.send((files, tx)).map_err(|_| ()));
    let gone = || {
        (
            0,
            Some(io::Error::other("the segment deleter thread is gone")),
        )
    };
    if sent.is_err() {
        return gone();
    }
    rx.await.unwrap_or_else(|_| gone())
}
