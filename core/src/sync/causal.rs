//! Incoming changes in causal order, and the ones that must wait: a change
//! can only be judged (is its author enrolled, is its signature good?) once
//! every change it depends on is here. Automerge's sync lets a peer leave
//! out a change it wrongly believes this device holds (a Bloom filter false
//! positive, about 1 in 100 changes); Automerge would queue the dependants
//! and ask for the gap, but here they wait outside the document, unjudged,
//! until the gap arrives in a later message of the session.

use std::collections::{HashMap, HashSet, VecDeque};

use automerge::{Change, ChangeHash};

use crate::keys::ChangeSignature;

/// Changes of one document that arrived before a change they depend on,
/// with their signatures; kept for the rest of the session.
#[derive(Debug, Default, Clone)]
pub(crate) struct Waiting {
    pub changes: Vec<Change>,
    pub signatures: Vec<ChangeSignature>,
}

impl Waiting {
    /// Keeps `changes` and the signatures of theirs among `signatures`.
    pub fn hold(&mut self, changes: Vec<Change>, signatures: &[ChangeSignature]) {
        // The usual case, every message: nothing waits, nothing to sift.
        if changes.is_empty() {
            *self = Self::default();
            return;
        }
        let hashes: HashSet<[u8; 32]> = changes.iter().map(|c| c.hash().0).collect();
        self.signatures = signatures
            .iter()
            .filter(|s| hashes.contains(&s.hash))
            .cloned()
            .collect();
        self.changes = changes;
    }

    /// The changes to ask the peer for: dependencies of waiting changes
    /// that are neither held here (`held`) nor waiting themselves.
    pub fn missing(&self, mut held: impl FnMut(&ChangeHash) -> bool) -> Vec<ChangeHash> {
        let waiting: HashSet<ChangeHash> = self.changes.iter().map(|c| c.hash()).collect();
        let mut missing: Vec<ChangeHash> = self
            .changes
            .iter()
            .flat_map(|c| c.deps().iter().copied())
            .filter(|d| !waiting.contains(d) && !held(d))
            .collect();
        missing.sort();
        missing.dedup();
        missing
    }
}

/// `changes` split into those whose dependencies are all here, in an order
/// where each comes after the ones it depends on, and those that wait for
/// a dependency that is neither held (`held`) nor among `changes`. A change
/// given twice counts once. Linear in the number of changes and deps, so a
/// peer sending a long chain in reverse costs no more than in order.
pub(crate) fn causal_order(changes: Vec<Change>, held: impl Fn(&ChangeHash) -> bool) -> (Vec<Change>, Vec<Change>) {
    let mut seen = HashSet::with_capacity(changes.len());
    let changes: Vec<Change> = changes.into_iter().filter(|c| seen.insert(c.hash())).collect();
    let index: HashMap<ChangeHash, usize> = changes.iter().enumerate().map(|(i, c)| (c.hash(), i)).collect();
    let mut unresolved = vec![0usize; changes.len()];
    let mut absent = vec![false; changes.len()];
    let mut dependants: Vec<Vec<usize>> = vec![Vec::new(); changes.len()];
    for (i, change) in changes.iter().enumerate() {
        for dep in change.deps() {
            match index.get(dep) {
                Some(&j) => {
                    unresolved[i] += 1;
                    dependants[j].push(i);
                }
                None if !held(dep) => absent[i] = true,
                None => {}
            }
        }
    }
    let mut queue: VecDeque<usize> = (0..changes.len())
        .filter(|&i| unresolved[i] == 0 && !absent[i])
        .collect();
    let mut ready_at = Vec::with_capacity(changes.len());
    while let Some(i) = queue.pop_front() {
        ready_at.push(i);
        for &k in &dependants[i] {
            unresolved[k] -= 1;
            if unresolved[k] == 0 && !absent[k] {
                queue.push_back(k);
            }
        }
    }
    let mut slots: Vec<Option<Change>> = changes.into_iter().map(Some).collect();
    let ready: Vec<Change> = ready_at.iter().filter_map(|&i| slots[i].take()).collect();
    let waiting: Vec<Change> = slots.into_iter().flatten().collect();
    (ready, waiting)
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ROOT};

    /// Three changes in a chain: a ← b ← c.
    fn chain() -> Vec<Change> {
        let mut doc = AutoCommit::new();
        for (i, key) in ["a", "b", "c"].into_iter().enumerate() {
            doc.put(ROOT, key, i as i64).unwrap();
            doc.commit();
        }
        doc.get_changes(&[])
    }

    fn hashes(changes: &[Change]) -> Vec<ChangeHash> {
        changes.iter().map(|c| c.hash()).collect()
    }

    #[test]
    fn a_chain_given_in_reverse_comes_out_in_causal_order() {
        let changes = chain();
        let mut reversed = changes.clone();
        reversed.reverse();
        let (ready, waiting) = causal_order(reversed, |_| false);
        assert_eq!(hashes(&ready), hashes(&changes));
        assert!(waiting.is_empty());
    }

    #[test]
    fn a_change_whose_dependency_is_missing_waits_with_its_dependants() {
        let changes = chain();
        let (ready, waiting) = causal_order(changes[1..].to_vec(), |_| false);
        assert!(ready.is_empty());
        assert_eq!(hashes(&waiting), hashes(&changes[1..]));

        let mut held = Waiting::default();
        held.hold(waiting, &[]);
        assert_eq!(held.missing(|_| false), vec![changes[0].hash()]);
    }

    #[test]
    fn a_dependency_held_here_counts_and_duplicates_count_once() {
        let changes = chain();
        let first = changes[0].hash();
        let twice = vec![changes[2].clone(), changes[1].clone(), changes[2].clone()];
        let (ready, waiting) = causal_order(twice, |h| *h == first);
        assert_eq!(hashes(&ready), hashes(&changes[1..]));
        assert!(waiting.is_empty());
    }
}
