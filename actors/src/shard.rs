//! Shards: one actix `Arbiter` (an OS thread with its own event loop) per configured core,
//! pinned to that core when the OS allows it. Connections and, in later work, partition
//! actors live on shards.

use actix::prelude::*;
use log::{info, warn};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

/// One shard: its index, the core it is pinned to (if pinning worked) and its arbiter.
pub struct Shard {
    pub id: usize,
    pub core: Option<usize>,
    pub arbiter: ArbiterHandle,
}

pub struct Shards {
    shards: Vec<Shard>,
    /// Kept to join the threads at shutdown.
    arbiters: Vec<Arbiter>,
    /// Round-robin cursor for placing new connections.
    next: AtomicUsize,
}

/// The cores this process may run on, as the OS reports them.
pub fn allowed_cores() -> Vec<usize> {
    let cores = affinity::get_thread_affinity().unwrap_or_default();
    if cores.is_empty() {
        (0..affinity::get_core_num().max(1)).collect()
    } else {
        cores
    }
}

impl Shards {
    /// Starts one arbiter per entry of `cores` (shard i on `cores[i]`) and pins each to its
    /// core. Must run inside an actix `System`. Falls back to unpinned with a warning.
    pub fn start(cores: &[usize]) -> Shards {
        let (tx, rx) = mpsc::channel();
        let mut arbiters = Vec::with_capacity(cores.len());
        for (id, &core) in cores.iter().enumerate() {
            let arbiter = Arbiter::new();
            let tx = tx.clone();
            arbiter.spawn_fn(move || {
                let pinned = affinity::set_thread_affinity([core]).map_err(|e| e.to_string());
                let thread = std::thread::current().name().unwrap_or("?").to_string();
                let _ = tx.send((id, pinned, thread));
            });
            arbiters.push(arbiter);
        }
        drop(tx);
        let mut pinned = vec![None; cores.len()];
        let mut threads = vec![String::from("?"); cores.len()];
        for _ in 0..cores.len() {
            match rx.recv_timeout(Duration::from_secs(5)) {
                Ok((id, Ok(()), thread)) => {
                    pinned[id] = Some(cores[id]);
                    threads[id] = thread;
                }
                Ok((id, Err(e), thread)) => {
                    threads[id] = thread;
                    warn!(
                        "shard {id}: cannot pin to core {}: {e}; running unpinned",
                        cores[id]
                    )
                }
                Err(_) => warn!("a shard did not report its pinning in time"),
            }
        }
        let shards: Vec<Shard> = arbiters
            .iter()
            .enumerate()
            .map(|(id, a)| Shard {
                id,
                core: pinned[id],
                arbiter: a.handle(),
            })
            .collect();
        let map: Vec<String> = shards
            .iter()
            .map(|s| match s.core {
                Some(core) => format!("shard {} -> core {core} [{}]", s.id, threads[s.id]),
                None => format!("shard {} -> unpinned [{}]", s.id, threads[s.id]),
            })
            .collect();
        info!("started {} shard(s): {}", shards.len(), map.join(", "));
        Shards {
            shards,
            arbiters,
            next: AtomicUsize::new(0),
        }
    }

    pub fn len(&self) -> usize {
        self.shards.len()
    }

    pub fn is_empty(&self) -> bool {
        self.shards.is_empty()
    }

    pub fn get(&self, id: usize) -> Option<&Shard> {
        self.shards.get(id)
    }

    /// Every shard's event loop, in shard order.
    pub fn handles(&self) -> Vec<ArbiterHandle> {
        self.shards.iter().map(|s| s.arbiter.clone()).collect()
    }

    /// The shard for the next new connection.
    pub fn next_for_connection(&self) -> &Shard {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.shards.len().max(1);
        &self.shards[i]
    }

    /// Stops every shard's event loop and waits for the threads to end.
    pub fn stop(self) {
        for arbiter in &self.arbiters {
            arbiter.stop();
        }
        for arbiter in self.arbiters {
            let _ = arbiter.join();
        }
    }
}
