//! Property tests of the consent rule on real stores merging real Automerge
//! documents: whatever the order of grants, withdrawals and merges,
//! (1) a withdrawal a phone knows of is never undone by merging records made
//! without knowledge of it, and (2) once every phone has seen every record,
//! every phone computes the same effective consent.

use std::collections::BTreeSet;

use proptest::prelude::*;
use storyloom::{
    ConsentMethod, ConsentRecord, ConsentRecordId, ConsentScope, NewConsentGrant, NewConsentWithdrawal, ParticipantId,
    ProjectId, StoryId,
};
use storyloom_scenarios::{Phone, exchange_participant, exchange_project, exchange_story};

#[derive(Debug, Clone)]
enum Op {
    Grant {
        phone: usize,
        teller: usize,
        for_story: bool,
        scopes: Vec<ConsentScope>,
    },
    Withdraw {
        phone: usize,
        teller: usize,
        for_story: bool,
        scopes: Vec<ConsentScope>,
    },
    Sync {
        a: usize,
        b: usize,
    },
}

const PHONES: usize = 3;
const SCOPES: [ConsentScope; 3] = [ConsentScope::Research, ConsentScope::Archive, ConsentScope::UseQuotes];

fn op() -> impl Strategy<Value = Op> {
    let scopes = proptest::sample::subsequence(SCOPES.to_vec(), 0..=3);
    prop_oneof![
        (
            0..PHONES,
            0..2usize,
            any::<bool>(),
            scopes.clone().prop_filter("a grant needs a scope", |s| !s.is_empty())
        )
            .prop_map(|(phone, teller, for_story, scopes)| Op::Grant {
                phone,
                teller,
                for_story,
                scopes
            }),
        (0..PHONES, 0..2usize, any::<bool>(), scopes).prop_map(|(phone, teller, for_story, scopes)| Op::Withdraw {
            phone,
            teller,
            for_story,
            scopes
        }),
        (0..PHONES, 0..PHONES)
            .prop_filter("two phones", |(a, b)| a != b)
            .prop_map(|(a, b)| Op::Sync { a, b }),
    ]
}

struct World {
    phones: Vec<Phone>,
    project: ProjectId,
    tellers: Vec<ParticipantId>,
    stories: Vec<StoryId>,
}

impl World {
    fn new() -> Self {
        let (first, project) = Phone::founding("P0", "Property");
        let mut phones = vec![first];
        for name in ["P1", "P2"] {
            let phone = Phone::joining(name, &phones[0], project);
            phones.push(phone);
        }
        let tellers: Vec<_> = ["Amira", "Bilal"]
            .iter()
            .map(|n| phones[0].add_storyteller(project, n))
            .collect();
        let stories: Vec<_> = tellers
            .iter()
            .map(|t| phones[0].add_story(project, "S", *t, "text"))
            .collect();
        for phone in &phones[1..] {
            for (teller, story) in tellers.iter().zip(&stories) {
                exchange_participant(&phones[0], phone, *teller);
                exchange_story(&phones[0], phone, *story);
            }
        }
        Self {
            phones,
            project,
            tellers,
            stories,
        }
    }

    fn ledger(&self, phone: usize) -> Vec<ConsentRecord> {
        self.phones[phone].store.consent_records(self.project, None).unwrap()
    }

    /// (teller, story or all, scope) → in force, on one phone.
    fn in_force(&self, phone: usize) -> BTreeSet<(usize, bool, ConsentScope)> {
        let mut set = BTreeSet::new();
        for (t, teller) in self.tellers.iter().enumerate() {
            for for_story in [false, true] {
                let story = for_story.then_some(self.stories[t]);
                for scope in self.phones[phone]
                    .store
                    .effective_consent(*teller, story)
                    .unwrap()
                    .scopes
                {
                    set.insert((t, for_story, scope));
                }
            }
        }
        set
    }
}

/// Withdrawals known to a phone, by (teller, story or all, scope) they cover.
fn withdrawn(
    world: &World,
    ledger: &[ConsentRecord],
) -> Vec<(ConsentRecordId, usize, Option<StoryId>, Vec<ConsentScope>)> {
    ledger
        .iter()
        .filter_map(|r| match r {
            ConsentRecord::Withdrawal(w) => {
                let teller = world.tellers.iter().position(|t| *t == w.storyteller)?;
                let scopes = if w.scopes.is_empty() {
                    SCOPES.to_vec()
                } else {
                    w.scopes.clone()
                };
                Some((w.id, teller, w.story, scopes))
            }
            _ => None,
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, .. ProptestConfig::default() })]

    #[test]
    fn withdrawals_stick_and_every_phone_agrees(ops in proptest::collection::vec(op(), 1..25)) {
        let world = World::new();
        for op in &ops {
            match op {
                Op::Grant { phone, teller, for_story, scopes } => {
                    let grant = NewConsentGrant {
                        story: for_story.then_some(world.stories[*teller]),
                        ..NewConsentGrant::new(world.tellers[*teller], scopes.clone(), ConsentMethod::Spoken)
                    };
                    world.phones[*phone].store.grant_consent(world.project, &grant).unwrap();
                }
                Op::Withdraw { phone, teller, for_story, scopes } => {
                    let withdrawal = NewConsentWithdrawal {
                        storyteller: world.tellers[*teller],
                        story: for_story.then_some(world.stories[*teller]),
                        scopes: scopes.clone(),
                        erase: false,
                    };
                    world.phones[*phone].store.withdraw_consent(world.project, &withdrawal).unwrap();
                }
                Op::Sync { a, b } => {
                    let known_before = [withdrawn(&world, &world.ledger(*a)), withdrawn(&world, &world.ledger(*b))];
                    exchange_project(&world.phones[*a], &world.phones[*b], world.project);
                    // (1) Every scope in force after the merge rests on a grant
                    // that knew each withdrawal the phone held before it.
                    for (side, phone) in [*a, *b].into_iter().enumerate() {
                        let ledger = world.ledger(phone);
                        for (t, for_story, scope) in world.in_force(phone) {
                            let story = for_story.then_some(world.stories[t]);
                            for (w, wt, wstory, wscopes) in &known_before[side] {
                                let covers = *wt == t && (wstory.is_none() || *wstory == story) && wscopes.contains(&scope);
                                if !covers { continue; }
                                let supported = ledger.iter().any(|r| matches!(r, ConsentRecord::Grant(g)
                                    if g.storyteller == world.tellers[t]
                                        && (g.story.is_none() || g.story == story)
                                        && g.scopes.contains(&scope)
                                        && g.acknowledges.contains(w)));
                                prop_assert!(supported, "withdrawal {w} of {scope} undone on phone {phone} by a merge");
                            }
                        }
                    }
                }
            }
        }
        // (2) After everyone has met everyone, all agree.
        for _ in 0..2 {
            for a in 0..PHONES {
                for b in (a + 1)..PHONES {
                    exchange_project(&world.phones[a], &world.phones[b], world.project);
                }
            }
        }
        let ids = |phone| world.ledger(phone).iter().map(ConsentRecord::id).collect::<BTreeSet<_>>();
        let expected = world.in_force(0);
        for phone in 1..PHONES {
            prop_assert_eq!(ids(phone), ids(0));
            prop_assert_eq!(world.in_force(phone), expected.clone());
        }
    }
}
