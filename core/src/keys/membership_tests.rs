use proptest::prelude::*;

use super::*;

#[derive(Debug, Clone)]
struct Group {
    founder: MemberId,
    records: Vec<Record>,
    counter: u8,
}

impl Group {
    fn new() -> Self {
        Self {
            founder: MemberId::new(),
            records: Vec::new(),
            counter: 0,
        }
    }

    /// A record by `signer` that knows of `parents`.
    fn record(&mut self, signer: MemberId, action: Action, parents: &[RecordId]) -> RecordId {
        self.counter += 1;
        let mut id = [0u8; 32];
        id[0] = self.counter;
        id[1..17].copy_from_slice(signer.as_bytes());
        self.records.push(Record {
            id,
            signer_device: device_of(signer),
            signer_member: signer,
            action,
            parents: parents.to_vec(),
            rotation: None,
        });
        id
    }

    fn fold(&self) -> Membership {
        fold(&self.records, Some(self.founder))
    }
}

/// One device per member in these tests, derived from the member id.
fn device_of(member: MemberId) -> DeviceId {
    DeviceId::from_bytes(*member.as_bytes())
}

#[test]
fn removal_wins_over_a_concurrent_role_change_and_re_admission() {
    let mut g = Group::new();
    let (b, c) = (MemberId::new(), MemberId::new());
    let founder = g.founder;
    let make_b = g.record(founder, Action::Add(b, MemberRole::Coordinator), &[]);
    let remove_c = g.record(founder, Action::Remove(c), &[make_b]);
    g.record(b, Action::SetRole(c, MemberRole::Coordinator), &[make_b]);
    g.record(b, Action::Add(c, MemberRole::Reporter), &[make_b]);
    let state = g.fold();
    assert_eq!(state.removed.get(&c), Some(&remove_c));
    assert!(!state.is_coordinator(Some(founder), c));

    // Re-admitting someone after seeing their removal does count.
    g.record(b, Action::Add(c, MemberRole::Reporter), &[remove_c]);
    let state = g.fold();
    assert!(!state.removed.contains_key(&c));
    assert_eq!(state.roles.get(&c), Some(&MemberRole::Reporter));
}

#[test]
fn a_removed_coordinators_concurrent_records_are_void_but_earlier_ones_stand() {
    let mut g = Group::new();
    let founder = g.founder;
    let (b, d, e) = (MemberId::new(), MemberId::new(), MemberId::new());
    let make_b = g.record(founder, Action::Add(b, MemberRole::Coordinator), &[]);
    let b_before = g.record(b, Action::SetRole(d, MemberRole::Researcher), &[make_b]);
    let remove_b = g.record(founder, Action::Remove(b), &[b_before]);
    // Offline, b removes e and promotes d without knowing of its removal.
    let b_concurrent = g.record(b, Action::Remove(e), &[b_before]);
    g.record(b, Action::SetRole(d, MemberRole::Coordinator), &[b_concurrent]);
    let state = g.fold();
    assert_eq!(state.removed.get(&b), Some(&remove_b));
    assert!(!state.removed.contains_key(&e), "b's concurrent removal is void");
    assert_eq!(
        state.roles.get(&d),
        Some(&MemberRole::Researcher),
        "b's earlier record stands"
    );
}

#[test]
fn only_coordinators_records_count_and_arrive() {
    let mut g = Group::new();
    let founder = g.founder;
    let (reporter, victim) = (MemberId::new(), MemberId::new());
    let add = g.record(founder, Action::Add(reporter, MemberRole::Reporter), &[]);
    g.record(reporter, Action::Remove(victim), &[add]);
    let state = g.fold();
    assert!(state.removed.is_empty());
    let forged = g.records.last().unwrap().clone();
    assert!(!authorised(&g.records, Some(founder), &forged));
    assert!(authorised(&g.records, Some(founder), &g.records[0]));
    // Without a founder nobody has authority.
    assert!(fold(&g.records, None).applied.is_empty());
}

#[test]
fn a_removed_device_loses_authority_but_its_member_keeps_it() {
    let mut g = Group::new();
    let founder = g.founder;
    let lost = device_of(founder);
    let remove = g.record(founder, Action::RemoveDevice(lost), &[]);
    let victim = MemberId::new();
    g.record(founder, Action::Remove(victim), &[remove]);
    let state = g.fold();
    assert!(state.removed_devices.contains_key(&lost));
    assert!(!state.admits(founder, lost));
    assert!(state.is_coordinator(Some(founder), founder));
    assert!(state.removed.is_empty(), "signed by the removed device");
}

#[test]
fn records_with_a_missing_parent_are_left_out() {
    let mut g = Group::new();
    let founder = g.founder;
    g.record(founder, Action::Remove(MemberId::new()), &[[9; 32]]);
    assert!(g.fold().applied.is_empty());
}

/// Random concurrent histories: a few coordinators and members, each record
/// knowing a random subset of the earlier ones.
fn history() -> impl Strategy<Value = (Group, Vec<usize>)> {
    let step = (
        0usize..4,
        0usize..4,
        0u8..5,
        proptest::collection::vec(any::<bool>(), 12),
    );
    proptest::collection::vec(step, 1..12).prop_flat_map(|steps| {
        let n = steps.len();
        let mut g = Group::new();
        let members: Vec<MemberId> = std::iter::once(g.founder)
            .chain((0..3).map(|_| MemberId::new()))
            .collect();
        for (signer, target, action, knows) in steps {
            let parents: Vec<RecordId> = g
                .records
                .iter()
                .zip(&knows)
                .filter(|(_, k)| **k)
                .map(|(r, _)| r.id)
                .collect();
            let target_member = members[target];
            let action = match action {
                0 => Action::Add(target_member, MemberRole::Coordinator),
                1 => Action::Add(target_member, MemberRole::Reporter),
                2 => Action::Remove(target_member),
                3 => Action::SetRole(target_member, MemberRole::Coordinator),
                _ => Action::RemoveDevice(device_of(target_member)),
            };
            g.record(members[signer], action, &parents);
        }
        (Just(g), Just((0..n).collect::<Vec<_>>()).prop_shuffle())
    })
}

proptest! {
    #[test]
    fn every_order_of_the_same_records_gives_the_same_membership((g, order) in history()) {
        let shuffled: Vec<Record> = order.iter().map(|i| g.records[*i].clone()).collect();
        let expected = g.fold();
        prop_assert_eq!(fold(&shuffled, Some(g.founder)), expected.clone());
        // Removal wins: a member removed by a record that counts stays
        // removed unless a later record that knew of that removal re-admitted them.
        for (member, removal) in &expected.removed {
            prop_assert!(expected.applied.contains(removal));
            prop_assert!(!expected.roles.get(member).is_some_and(|_| expected.is_coordinator(Some(g.founder), *member)));
        }
    }
}
