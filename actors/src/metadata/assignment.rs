//! Which member of a consumer group reads which partition: plain data with the two
//! rebalancing rules (`server-semantics.md` §11.2), free of actors so it can be checked
//! on its own.
//!
//! * A **join** is cooperative: partitions nobody owns go at once to the members below
//!   their fair share; a member above its share hands its excess (from the end of its
//!   list) over to members below theirs. A hand-over is a [`Revocation`]: the partition
//!   stays with its owner until the group has committed what the owner polled from it
//!   (the partition actor checks that), or until the rebalancing timeout forces it.
//! * A **leave** (or disconnect, or a change of the partition count) is a full
//!   reassignment: partition `i` goes to member `i mod M`, in member order, and every
//!   hand-over in flight is cancelled.
//!
//! Fair shares: with P partitions and M members every member gets P / M, and the
//! P mod M members that hold the most already (ties: the older member) one more, so the
//! fewest partitions move. The result is always even: once the hand-overs complete, no
//! two members differ by more than one partition.
//!
//! Every change is returned as a [`Change`] for the caller to send to the partition
//! actors, which are the ones that decide whom they serve.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A member: one client connection in the group.
#[derive(Debug)]
pub struct Member {
    /// Per-group member number: the highest existing one + 1, or 0.
    pub id: u32,
    pub client_id: u32,
    /// Owned partitions in the order they were given, including those being handed over.
    pub partitions: Vec<u32>,
    /// Polls without a partition id take the member's partitions in turn; shared with
    /// the routing tables, so the rotation survives table rebuilds.
    pub cursor: Arc<AtomicU64>,
}

/// A partition on its way from one member to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revocation {
    pub id: u64,
    pub partition: u32,
    /// Client ids of the giving and the receiving member.
    pub from: u32,
    pub to: u32,
    pub since: Instant,
}

/// What the partition actors are told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// From now on the partition is served to `owner` alone (`None`: to nobody); a
    /// hand-over in flight is cancelled.
    Assign { partition: u32, owner: Option<u32> },
    /// The partition goes to `to` once the group committed what its owner polled; it
    /// replaces a hand-over of the same partition in flight.
    Revoke {
        partition: u32,
        revocation: u64,
        to: u32,
    },
}

#[derive(Debug, Default)]
pub struct Assignment {
    /// Ascending member id.
    members: Vec<Member>,
    revocations: Vec<Revocation>,
    next_revocation: u64,
}

impl Assignment {
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    pub fn revocations(&self) -> &[Revocation] {
        &self.revocations
    }

    pub fn member(&self, client_id: u32) -> Option<&Member> {
        self.members.iter().find(|m| m.client_id == client_id)
    }

    /// Partitions `client_id` is handing over (owned, but out of its rotation).
    pub fn giving_up(&self, client_id: u32) -> impl Iterator<Item = u32> + '_ {
        self.revocations
            .iter()
            .filter(move |r| r.from == client_id)
            .map(|r| r.partition)
    }

    /// Adds `client_id` and rebalances cooperatively; `None` when it is a member already.
    pub fn join(&mut self, client_id: u32, partitions: u32, now: Instant) -> Option<Vec<Change>> {
        if self.member(client_id).is_some() {
            return None;
        }
        let id = self.members.last().map_or(0, |m| m.id.saturating_add(1));
        self.members.push(Member {
            id,
            client_id,
            partitions: Vec::new(),
            cursor: Arc::default(),
        });
        Some(self.cooperative(partitions, now))
    }

    /// Removes `client_id` and reassigns everything; `None` when it is not a member.
    pub fn leave(&mut self, client_id: u32, partitions: u32) -> Option<Vec<Change>> {
        let index = self.members.iter().position(|m| m.client_id == client_id)?;
        self.members.remove(index);
        Some(self.reassign(partitions))
    }

    /// Full reassignment: partition `i` to member `i mod M`; hand-overs are cancelled.
    pub fn reassign(&mut self, partitions: u32) -> Vec<Change> {
        self.revocations.clear();
        for member in &mut self.members {
            member.partitions.clear();
        }
        let count = self.members.len();
        (0..partitions)
            .map(|partition| {
                let owner = (count > 0).then(|| {
                    let member = &mut self.members[partition as usize % count];
                    member.partitions.push(partition);
                    member.client_id
                });
                Change::Assign { partition, owner }
            })
            .collect()
    }

    /// Completes a hand-over: the partition moves to its new owner. `false` when no such
    /// hand-over is in flight (already completed, or cancelled by a reassignment).
    pub fn complete(&mut self, revocation: u64) -> bool {
        let Some(index) = self.revocations.iter().position(|r| r.id == revocation) else {
            return false;
        };
        let r = self.revocations.remove(index);
        for member in &mut self.members {
            if member.client_id == r.from {
                member.partitions.retain(|p| *p != r.partition);
            }
        }
        match self.members.iter_mut().find(|m| m.client_id == r.to) {
            Some(member) => member.partitions.push(r.partition),
            None => debug_assert!(false, "hand-over to a member that left"),
        }
        true
    }

    /// Hand-overs in flight for longer than `timeout`.
    pub fn expired(&self, now: Instant, timeout: Duration) -> Vec<u64> {
        self.revocations
            .iter()
            .filter(|r| now.saturating_duration_since(r.since) >= timeout)
            .map(|r| r.id)
            .collect()
    }

    /// The owner of every partition `0..partitions` (`None`: nobody), as the partition
    /// actors serve them.
    pub fn owners(&self, partitions: u32) -> Vec<Option<u32>> {
        let mut owners = vec![None; partitions as usize];
        for member in &self.members {
            for p in &member.partitions {
                if let Some(slot) = owners.get_mut(*p as usize) {
                    *slot = Some(member.client_id);
                }
            }
        }
        owners
    }

    /// The cooperative rebalance of a join.
    fn cooperative(&mut self, partitions: u32, now: Instant) -> Vec<Change> {
        let count = self.members.len();
        // What each member will hold once the hand-overs in flight complete.
        let mut planned: Vec<usize> = self
            .members
            .iter()
            .map(|m| {
                let outgoing = self.giving_up(m.client_id).count();
                let incoming = self
                    .revocations
                    .iter()
                    .filter(|r| r.to == m.client_id)
                    .count();
                m.partitions.len() - outgoing + incoming
            })
            .collect();
        let quota = quotas(&planned, &self.members, partitions as usize);
        // The member below its share that holds the fewest (ties: the older one).
        let neediest = |planned: &[usize]| {
            (0..count)
                .filter(|&i| planned[i] < quota[i])
                .min_by_key(|&i| (planned[i], i))
        };
        let mut changes = Vec::new();
        let owners = self.owners(partitions);
        for partition in (0..partitions).filter(|p| owners[*p as usize].is_none()) {
            let Some(i) = neediest(&planned) else { break };
            self.members[i].partitions.push(partition);
            planned[i] += 1;
            let owner = Some(self.members[i].client_id);
            changes.push(Change::Assign { partition, owner });
        }
        for i in 0..count {
            while planned[i] > quota[i] {
                let Some(j) = neediest(&planned) else { break };
                let Some(partition) = self.excess_of(i) else {
                    break;
                };
                let (to, revocation) = (self.members[j].client_id, self.next_revocation);
                self.next_revocation += 1;
                // Re-targeting a hand-over towards this member replaces it.
                self.revocations.retain(|r| r.partition != partition);
                let from = self
                    .members
                    .iter()
                    .find(|m| m.partitions.contains(&partition))
                    .map_or(to, |m| m.client_id);
                planned[i] -= 1;
                planned[j] += 1;
                if from == to {
                    // Its owner needs it back: the hand-over is simply cancelled.
                    let owner = Some(from);
                    changes.push(Change::Assign { partition, owner });
                    continue;
                }
                self.revocations.push(Revocation {
                    id: revocation,
                    partition,
                    from,
                    to,
                    since: now,
                });
                changes.push(Change::Revoke {
                    partition,
                    revocation,
                    to,
                });
            }
        }
        changes
    }

    /// The partition member `i` gives up first: one coming to it that has not arrived
    /// yet (nothing moved), else the last of its own that is not already leaving.
    fn excess_of(&self, i: usize) -> Option<u32> {
        let client = self.members[i].client_id;
        if let Some(r) = self.revocations.iter().rev().find(|r| r.to == client) {
            return Some(r.partition);
        }
        let leaving: Vec<u32> = self.giving_up(client).collect();
        self.members[i]
            .partitions
            .iter()
            .rev()
            .find(|p| !leaving.contains(p))
            .copied()
    }
}

/// Fair shares: `partitions / M` each, one more for the `partitions mod M` members that
/// are planned to hold the most (ties: the older member).
fn quotas(planned: &[usize], members: &[Member], partitions: usize) -> Vec<usize> {
    let count = members.len();
    if count == 0 {
        return Vec::new();
    }
    let (base, extra) = (partitions / count, partitions % count);
    let mut order: Vec<usize> = (0..count).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(planned[i]), i));
    let mut quota = vec![base; count];
    for &i in order.iter().take(extra) {
        quota[i] += 1;
    }
    quota
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    fn owned(a: &Assignment) -> Vec<(u32, Vec<u32>)> {
        a.members()
            .iter()
            .map(|m| {
                let mut p = m.partitions.clone();
                p.sort_unstable();
                (m.client_id, p)
            })
            .collect()
    }

    fn complete_all(a: &mut Assignment) {
        let ids: Vec<u64> = a.revocations().iter().map(|r| r.id).collect();
        for id in ids {
            assert!(a.complete(id));
        }
    }

    #[test]
    fn first_member_takes_everything_at_once() {
        let mut a = Assignment::default();
        let changes = a.join(7, 3, Instant::now()).unwrap();
        assert_eq!(changes.len(), 3);
        assert!(changes
            .iter()
            .all(|c| matches!(c, Change::Assign { owner: Some(7), .. })));
        assert_eq!(owned(&a), vec![(7, vec![0, 1, 2])]);
        assert!(a.join(7, 3, Instant::now()).is_none(), "joining twice");
        assert_eq!(a.members()[0].id, 0);
    }

    #[test]
    fn a_join_hands_over_the_excess_from_the_end() {
        let now = Instant::now();
        let mut a = Assignment::default();
        a.join(1, 4, now);
        let changes = a.join(2, 4, now).unwrap();
        assert_eq!(
            changes,
            vec![
                Change::Revoke {
                    partition: 3,
                    revocation: 0,
                    to: 2
                },
                Change::Revoke {
                    partition: 2,
                    revocation: 1,
                    to: 2
                },
            ]
        );
        assert_eq!(a.giving_up(1).collect::<Vec<_>>(), vec![3, 2]);
        assert_eq!(
            owned(&a),
            vec![(1, vec![0, 1, 2, 3]), (2, vec![])],
            "nothing moves before the hand-over completes"
        );
        complete_all(&mut a);
        assert_eq!(owned(&a), vec![(1, vec![0, 1]), (2, vec![2, 3])]);
        assert_eq!(a.members()[1].id, 1);
    }

    #[test]
    fn a_join_retargets_hand_overs_in_flight() {
        let now = Instant::now();
        let mut a = Assignment::default();
        a.join(1, 4, now);
        a.join(2, 4, now);
        a.join(3, 4, now);
        // 4 partitions over 3: 2, 1, 1 once everything completes.
        assert_eq!(a.revocations().len(), 2);
        complete_all(&mut a);
        let counts: Vec<usize> = a.members().iter().map(|m| m.partitions.len()).collect();
        assert_eq!(counts, vec![2, 1, 1]);
    }

    #[test]
    fn a_leave_reassigns_round_robin_and_cancels_hand_overs() {
        let now = Instant::now();
        let mut a = Assignment::default();
        a.join(1, 5, now);
        a.join(2, 5, now);
        a.join(3, 5, now);
        let changes = a.leave(2, 5).unwrap();
        assert!(a.revocations().is_empty());
        assert_eq!(changes.len(), 5);
        assert_eq!(owned(&a), vec![(1, vec![0, 2, 4]), (3, vec![1, 3])]);
        assert!(a.leave(2, 5).is_none());
        let changes = a.leave(1, 5).unwrap();
        assert_eq!(owned(&a), vec![(3, vec![0, 1, 2, 3, 4])]);
        assert_eq!(changes.len(), 5);
        a.leave(3, 5);
        assert!(a
            .reassign(2)
            .iter()
            .all(|c| matches!(c, Change::Assign { owner: None, .. })));
    }

    #[test]
    fn expired_hand_overs_are_listed() {
        let start = Instant::now();
        let mut a = Assignment::default();
        a.join(1, 2, start);
        a.join(2, 2, start);
        assert!(a.expired(start, Duration::from_secs(5)).is_empty());
        let later = start + Duration::from_secs(5);
        assert_eq!(a.expired(later, Duration::from_secs(5)), vec![0]);
        assert!(a.complete(0));
        assert!(!a.complete(0), "completed once");
        assert_eq!(owned(&a), vec![(1, vec![0]), (2, vec![1])]);
    }

    /// Seeded random joins, leaves, completions and partition changes: every partition
    /// always has exactly one owner while the group has members, hand-overs only go
    /// between members, and once they complete the shares are even.
    #[test]
    fn random_rebalances_keep_one_owner_per_partition() {
        for seed in 0..200u64 {
            let mut rng = SmallRng::seed_from_u64(seed);
            let mut a = Assignment::default();
            let mut partitions = rng.gen_range(0..8u32);
            let now = Instant::now();
            for _ in 0..60 {
                match rng.gen_range(0..10) {
                    0..=3 => {
                        a.join(rng.gen_range(1..8), partitions, now);
                    }
                    4..=5 => {
                        a.leave(rng.gen_range(1..8), partitions);
                    }
                    6..=7 => {
                        if let Some(r) = a.revocations().first().map(|r| r.id) {
                            assert!(a.complete(r));
                        }
                    }
                    _ => {
                        partitions = rng.gen_range(0..8);
                        a.reassign(partitions);
                    }
                }
                check(&a, partitions, seed);
            }
            complete_all(&mut a);
            check(&a, partitions, seed);
            let counts: Vec<usize> = a.members().iter().map(|m| m.partitions.len()).collect();
            if let (Some(min), Some(max)) = (counts.iter().min(), counts.iter().max()) {
                assert!(max - min <= 1, "seed {seed}: uneven {counts:?}");
            }
        }
    }

    fn check(a: &Assignment, partitions: u32, seed: u64) {
        let mut seen = vec![0; partitions as usize];
        for m in a.members() {
            for p in &m.partitions {
                assert!(*p < partitions, "seed {seed}: partition {p} out of range");
                seen[*p as usize] += 1;
            }
        }
        let expected = if a.members().is_empty() { 0 } else { 1 };
        assert!(
            seen.iter().all(|n| *n == expected),
            "seed {seed}: owners per partition {seen:?}"
        );
        for r in a.revocations() {
            let from = a.member(r.from).expect("giver is a member");
            assert!(from.partitions.contains(&r.partition), "seed {seed}");
            assert!(a.member(r.to).is_some(), "seed {seed}: receiver left");
            assert_ne!(r.from, r.to, "seed {seed}");
        }
    }
}
