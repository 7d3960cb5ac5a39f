//! Concurrent membership changes made offline, merged in random orders
//! across 3–5 phones (issue 12): once the phones that still belong have
//! synced, every one of them sees the same members, roles and removals.

use proptest::prelude::*;
use storyloom::sync::sync_stores;
use storyloom::{MemberRole, ProjectId};
use storyloom_scenarios::{Phone, sync};

#[derive(Debug, Clone)]
enum Op {
    Promote { by: usize, whom: usize },
    Remove { by: usize, whom: usize },
    RemoveDevice { by: usize, whom: usize },
    Story { by: usize },
    Sync { a: usize, b: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..5usize, 0..5usize).prop_map(|(by, whom)| Op::Promote { by, whom }),
        (0..5usize, 0..5usize).prop_map(|(by, whom)| Op::Remove { by, whom }),
        (0..5usize, 0..5usize).prop_map(|(by, whom)| Op::RemoveDevice { by, whom }),
        (0..5usize).prop_map(|by| Op::Story { by }),
        (0..5usize, 0..5usize).prop_map(|(a, b)| Op::Sync { a, b }),
        (0..5usize, 0..5usize).prop_map(|(a, b)| Op::Sync { a, b }),
    ]
}

fn group(n: usize) -> (Vec<Phone>, ProjectId) {
    let (founder, project) = Phone::founding("P0", "Allotments");
    const NAMES: [&str; 4] = ["P1", "P2", "P3", "P4"];
    let mut phones = vec![founder];
    for name in NAMES.iter().take(n - 1) {
        let phone = Phone::invited(name, &phones[0], project);
        phones.push(phone);
    }
    for phone in &phones[1..] {
        sync(phone, &phones[0], project);
    }
    (phones, project)
}

fn device_of(phone: &Phone, project: ProjectId) -> storyloom::DeviceId {
    phone
        .store
        .enrolled_devices(project)
        .unwrap()
        .into_iter()
        .find(|d| d.member == phone.member)
        .unwrap()
        .device
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, .. ProptestConfig::default() })]

    #[test]
    fn phones_that_still_belong_agree_on_membership(n in 3usize..=5, ops in proptest::collection::vec(op(), 1..14)) {
        let (phones, project) = group(n);
        let devices: Vec<_> = phones.iter().map(|p| device_of(p, project)).collect();
        let amira = phones[0].consenting_storyteller(project, "Amira");
        for op in ops {
            // Refusals (not a coordinator, already removed, a removed peer)
            // are part of the game: the rule must hold whatever happened.
            match op {
                Op::Promote { by, whom } => {
                    let _ = phones[by % n].store.set_member_role(project, phones[whom % n].member, MemberRole::Coordinator);
                }
                Op::Remove { by, whom } => {
                    let _ = phones[by % n].store.remove_member(project, phones[whom % n].member);
                }
                Op::RemoveDevice { by, whom } => {
                    let _ = phones[by % n].store.remove_device(project, devices[whom % n]);
                }
                Op::Story { by } => {
                    let _ = phones[by % n].store.create_story(project, &storyloom::NewStory {
                        title: "Plot".into(),
                        storytellers: vec![amira],
                        transcript: "Beans by the canal.".into(),
                        ..Default::default()
                    });
                }
                Op::Sync { a, b } if a % n != b % n => {
                    let _ = sync_stores(&phones[a % n].store, &phones[b % n].store, project);
                }
                Op::Sync { .. } => {}
            }
        }
        for _ in 0..4 {
            for a in 0..n {
                for b in 0..n {
                    if a != b {
                        let _ = sync_stores(&phones[a].store, &phones[b].store, project);
                    }
                }
            }
        }
        // Phones whose own view admits them and their device.
        let views: Vec<_> = phones.iter().map(|p| p.store.members(project).unwrap()).collect();
        let belongs = |i: usize, view: &Vec<storyloom::MemberStatus>| {
            view.iter().any(|m| m.id == phones[i].member && !m.removed && m.devices.contains(&devices[i]))
        };
        let Some(reference) = (0..n).find(|i| belongs(*i, &views[*i])) else {
            return Ok(());
        };
        for i in 0..n {
            if belongs(i, &views[reference]) {
                prop_assert_eq!(&views[i], &views[reference], "phone {} disagrees with phone {}", i, reference);
            }
        }
        // Removal wins: nobody the reference sees as removed is admitted anywhere in the group.
        for m in views[reference].iter().filter(|m| m.removed) {
            prop_assert!(m.devices.is_empty());
        }
    }
}
