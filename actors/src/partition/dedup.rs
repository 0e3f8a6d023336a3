//! Message deduplication: ids seen recently, bounded in count and age.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

pub struct Deduplicator {
    seen: HashMap<u128, Instant>,
    order: VecDeque<(u128, Instant)>,
    /// 0 = unbounded.
    max_entries: usize,
    /// Zero = no expiry.
    ttl: Duration,
}

impl Deduplicator {
    pub fn new(max_entries: usize, ttl: Duration) -> Self {
        Self {
            seen: HashMap::new(),
            order: VecDeque::new(),
            max_entries,
            ttl,
        }
    }

    fn expired(&self, at: Instant, now: Instant) -> bool {
        !self.ttl.is_zero() && now.duration_since(at) >= self.ttl
    }

    fn evict(&mut self, now: Instant) {
        while let Some(&(id, at)) = self.order.front() {
            let expired = self.expired(at, now);
            let over = self.max_entries > 0 && self.order.len() > self.max_entries;
            if !expired && !over {
                break;
            }
            self.order.pop_front();
            if self.seen.get(&id) == Some(&at) {
                self.seen.remove(&id);
            }
        }
    }

    /// Forgets every id (the partition was purged: nothing it held is stored any more).
    pub fn forget_all(&mut self) {
        self.seen.clear();
        self.order.clear();
    }

    /// Forgets one id (its message was not stored after all). Recent ids are found from
    /// the back.
    pub fn forget(&mut self, id: u128) {
        if self.seen.remove(&id).is_some() {
            if let Some(i) = self.order.iter().rposition(|(seen, _)| *seen == id) {
                self.order.remove(i);
            }
        }
    }

    /// Starts a batch: drops ids past their expiry and, down to `max_entries`, the
    /// oldest. A batch's own ids are only counted against `max_entries` when the next
    /// batch starts, so a batch taken back (its write failed) can forget them without
    /// having pushed older ids out.
    pub fn begin_batch(&mut self, now: Instant) {
        self.evict(now);
    }

    /// True when `id` was seen within the window (the message is a duplicate); otherwise
    /// remembers it.
    pub fn is_duplicate(&mut self, id: u128, now: Instant) -> bool {
        if self.seen.get(&id).is_some_and(|at| !self.expired(*at, now)) {
            return true;
        }
        self.seen.insert(id, now);
        self.order.push_back((id, now));
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_within_the_window_only() {
        let t0 = Instant::now();
        let mut d = Deduplicator::new(2, Duration::from_secs(60));
        d.begin_batch(t0);
        assert!(!d.is_duplicate(1, t0));
        assert!(d.is_duplicate(1, t0), "within one batch");
        assert!(!d.is_duplicate(2, t0));
        assert!(!d.is_duplicate(3, t0));
        // Capacity 2, counted when the next batch starts: id 1 is evicted then.
        d.begin_batch(t0);
        assert!(!d.is_duplicate(1, t0));
        d.forget(1);
        d.begin_batch(t0);
        assert!(!d.is_duplicate(1, t0), "forgotten");
        // Expiry holds within a batch too.
        let later = t0 + Duration::from_secs(61);
        assert!(!d.is_duplicate(3, later), "expired");
        d.forget_all();
        d.begin_batch(later);
        assert!(!d.is_duplicate(3, later), "forgotten");
    }

    #[test]
    fn a_forgotten_batch_has_not_pushed_older_ids_out() {
        let t0 = Instant::now();
        let mut d = Deduplicator::new(2, Duration::ZERO);
        d.begin_batch(t0);
        assert!(!d.is_duplicate(1, t0));
        assert!(!d.is_duplicate(2, t0));
        // A batch of two new ids whose write fails is taken back.
        d.begin_batch(t0);
        assert!(!d.is_duplicate(3, t0));
        assert!(!d.is_duplicate(4, t0));
        d.forget(3);
        d.forget(4);
        d.begin_batch(t0);
        assert!(d.is_duplicate(1, t0), "still in the window");
        assert!(d.is_duplicate(2, t0), "still in the window");
    }
}
