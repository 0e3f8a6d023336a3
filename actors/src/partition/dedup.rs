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

    fn evict(&mut self, now: Instant) {
        while let Some(&(id, at)) = self.order.front() {
            let expired = !self.ttl.is_zero() && now.duration_since(at) >= self.ttl;
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

    /// True when `id` was seen within the window (the message is a duplicate); otherwise
    /// remembers it.
    pub fn is_duplicate(&mut self, id: u128, now: Instant) -> bool {
        self.evict(now);
        if self.seen.contains_key(&id) {
            return true;
        }
        self.seen.insert(id, now);
        self.order.push_back((id, now));
        self.evict(now);
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
        assert!(!d.is_duplicate(1, t0));
        assert!(d.is_duplicate(1, t0));
        assert!(!d.is_duplicate(2, t0));
        assert!(!d.is_duplicate(3, t0));
        // Capacity 2: id 1 was evicted.
        assert!(!d.is_duplicate(1, t0));
        d.forget(1);
        assert!(!d.is_duplicate(1, t0), "forgotten");
        let later = t0 + Duration::from_secs(61);
        assert!(!d.is_duplicate(3, later));
        d.forget_all();
        assert!(!d.is_duplicate(3, later), "forgotten");
    }
}
