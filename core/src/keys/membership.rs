//! Who belongs to a project: the pure fold over signed membership records
//! (issue 12, ADR 0016). No SQLite and no Automerge here: the records come
//! already checked against their signers' enrolled keys
//! (`documents::membership`), so this is the rule alone, easy to
//! property-test.
//!
//! The rule:
//! - Records name their causal predecessors (`parents`), so "before" and
//!   "concurrent" are read from the records themselves.
//! - They are applied in one total order that depends only on the set:
//!   parents first; among records ready at the same time removals first,
//!   then by record id.
//! - A record counts only if, at its turn, its signer's member is a
//!   coordinator (the project's founder, or made one by a record) and
//!   neither that member nor the signing device has been removed.
//! - Removal wins: an add or role change for a removed member counts only
//!   if the removal is among its ancestors (a deliberate re-admission); a
//!   concurrent one is void.
//! - A removed coordinator's records that the removal did not know of
//!   (concurrent with it) are void, and the fold runs again without them
//!   until nothing more is voided. A record once void stays void.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::ids::{DeviceId, MemberId};
use crate::model::MemberRole;

/// A record's id: SHA-256 of its signed body.
pub(crate) type RecordId = [u8; 32];

/// What a membership record does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// Admits (or re-admits after a removal it knows of) a member with a role.
    Add(MemberId, MemberRole),
    /// Removes a member and every device of theirs.
    Remove(MemberId),
    SetRole(MemberId, MemberRole),
    /// Removes one device (a lost phone); its member stays.
    RemoveDevice(DeviceId),
}

impl Action {
    fn is_removal(&self) -> bool {
        matches!(self, Self::Remove(_) | Self::RemoveDevice(_))
    }
}

/// A membership record whose signature has been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    pub id: RecordId,
    pub signer_device: DeviceId,
    pub signer_member: MemberId,
    pub action: Action,
    pub parents: Vec<RecordId>,
    /// The public fingerprint of the group secret this record starts, for a
    /// removal that rotates it (see `keys::epochs`).
    pub rotation: Option<[u8; 8]>,
}

/// What the records say, identical on every device holding the same set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Membership {
    /// Roles set by records (members without a record keep the role they
    /// joined with, but not the authority of a coordinator).
    pub roles: BTreeMap<MemberId, MemberRole>,
    /// Removed members, each with the removal in effect.
    pub removed: BTreeMap<MemberId, RecordId>,
    pub removed_devices: BTreeMap<DeviceId, RecordId>,
    /// The records that count, in the order they were applied.
    pub applied: Vec<RecordId>,
    /// The records that rotated the group secret, in order: (record, key id).
    pub rotations: Vec<(RecordId, [u8; 8])>,
}

impl Membership {
    pub(crate) fn is_coordinator(&self, founder: Option<MemberId>, member: MemberId) -> bool {
        if self.removed.contains_key(&member) {
            return false;
        }
        match self.roles.get(&member) {
            Some(role) => *role == MemberRole::Coordinator,
            None => founder == Some(member),
        }
    }

    /// Whether a device of `member` may be trusted at all.
    pub(crate) fn admits(&self, member: MemberId, device: DeviceId) -> bool {
        !self.removed.contains_key(&member) && !self.removed_devices.contains_key(&device)
    }
}

/// The membership the records make. Records whose parents are missing are
/// left out (they cannot be placed).
pub(crate) fn fold(records: &[Record], founder: Option<MemberId>) -> Membership {
    let graph = Graph::new(records);
    let mut void = HashSet::new();
    loop {
        let state = apply(&graph, founder, &void);
        let newly: Vec<RecordId> = state
            .applied
            .iter()
            .filter(|id| {
                let record = graph.records[*id];
                [
                    state.removed.get(&record.signer_member),
                    state.removed_devices.get(&record.signer_device),
                ]
                .into_iter()
                .flatten()
                .any(|removal| *removal != record.id && !graph.is_ancestor(&record.id, removal))
            })
            .copied()
            .collect();
        if newly.is_empty() {
            return state;
        }
        void.extend(newly);
    }
}

/// Whether `record` was signed with authority, judged only by the records
/// it names as its past: the check made when a record arrives.
pub(crate) fn authorised(records: &[Record], founder: Option<MemberId>, record: &Record) -> bool {
    let graph = Graph::new(records);
    if !graph.records.contains_key(&record.id) {
        return false;
    }
    let past: Vec<Record> = records
        .iter()
        .filter(|r| graph.is_ancestor(&r.id, &record.id))
        .cloned()
        .collect();
    let state = fold(&past, founder);
    state.is_coordinator(founder, record.signer_member) && state.admits(record.signer_member, record.signer_device)
}

/// The records the next record should name as parents: those no other
/// record names (the heads of the record graph).
pub(crate) fn heads(records: &[Record]) -> Vec<RecordId> {
    let named: HashSet<&RecordId> = records.iter().flat_map(|r| r.parents.iter()).collect();
    let mut heads: Vec<RecordId> = records.iter().map(|r| r.id).filter(|id| !named.contains(id)).collect();
    heads.sort_unstable();
    heads.dedup();
    heads
}

struct Graph<'a> {
    records: HashMap<RecordId, &'a Record>,
    /// Every record's ancestors (transitively).
    ancestors: HashMap<RecordId, HashSet<RecordId>>,
    order: Vec<RecordId>,
}

impl<'a> Graph<'a> {
    fn new(all: &'a [Record]) -> Self {
        let mut records: HashMap<RecordId, &Record> = all.iter().map(|r| (r.id, r)).collect();
        // Drop records with a missing parent, and their descendants.
        loop {
            let missing: Vec<RecordId> = records
                .values()
                .filter(|r| r.parents.iter().any(|p| !records.contains_key(p)))
                .map(|r| r.id)
                .collect();
            if missing.is_empty() {
                break;
            }
            for id in missing {
                records.remove(&id);
            }
        }
        // Kahn's algorithm; among the ready, removals first, then by id.
        let mut waiting: HashMap<RecordId, usize> = records
            .values()
            .map(|r| (r.id, r.parents.iter().collect::<HashSet<_>>().len()))
            .collect();
        let mut children: HashMap<RecordId, Vec<RecordId>> = HashMap::new();
        for record in records.values() {
            for parent in record.parents.iter().collect::<HashSet<_>>() {
                children.entry(*parent).or_default().push(record.id);
            }
        }
        let key = |id: &RecordId| (!records[id].action.is_removal(), *id);
        let mut ready: BTreeSet<(bool, RecordId)> = waiting
            .iter()
            .filter(|(_, n)| **n == 0)
            .map(|(id, _)| key(id))
            .collect();
        let mut order = Vec::with_capacity(records.len());
        let mut ancestors: HashMap<RecordId, HashSet<RecordId>> = HashMap::new();
        while let Some(next) = ready.pop_first() {
            let id = next.1;
            let mut mine = HashSet::new();
            for parent in &records[&id].parents {
                mine.insert(*parent);
                mine.extend(ancestors[parent].iter().copied());
            }
            ancestors.insert(id, mine);
            order.push(id);
            for child in children.get(&id).into_iter().flatten() {
                if let Some(n) = waiting.get_mut(child) {
                    *n -= 1;
                    if *n == 0 {
                        ready.insert(key(child));
                    }
                }
            }
        }
        // A cycle (only forged records could make one) is never ready.
        records.retain(|id, _| ancestors.contains_key(id));
        Self {
            records,
            ancestors,
            order,
        }
    }

    fn is_ancestor(&self, ancestor: &RecordId, of: &RecordId) -> bool {
        self.ancestors.get(of).is_some_and(|a| a.contains(ancestor))
    }
}

fn apply(graph: &Graph<'_>, founder: Option<MemberId>, void: &HashSet<RecordId>) -> Membership {
    let mut state = Membership::default();
    for id in &graph.order {
        if void.contains(id) {
            continue;
        }
        let record = graph.records[id];
        if !state.is_coordinator(founder, record.signer_member)
            || !state.admits(record.signer_member, record.signer_device)
        {
            continue;
        }
        match &record.action {
            Action::Add(member, role) => {
                if let Some(removal) = state.removed.get(member) {
                    if !graph.is_ancestor(removal, id) {
                        continue; // removal wins over a concurrent re-admission
                    }
                    state.removed.remove(member);
                }
                state.roles.insert(*member, *role);
            }
            Action::SetRole(member, role) => {
                if state.removed.contains_key(member) {
                    continue;
                }
                state.roles.insert(*member, *role);
            }
            Action::Remove(member) => {
                state.removed.insert(*member, *id);
            }
            Action::RemoveDevice(device) => {
                state.removed_devices.insert(*device, *id);
            }
        }
        if let Some(key_id) = record.rotation {
            state.rotations.push((*id, key_id));
        }
        state.applied.push(*id);
    }
    state
}

#[cfg(test)]
#[path = "membership_tests.rs"]
mod tests;
