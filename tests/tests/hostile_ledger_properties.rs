//! A property test with one hostile member among 3–5 phones: whatever
//! tombstones and ledger records it forges and to whom it sends them, the
//! honest phones still converge, every honest erasure reaches every honest
//! phone, nothing else is erased, and every store still opens.

use std::cell::RefCell;

use chrono::{Duration, Utc};
use proptest::prelude::*;
use storyloom::sync::forge_ledger::{forge_ledger_record, forge_tombstone};
use storyloom::sync::test_support::forge_bundle;
use storyloom::{
    Attribution, ConsentGrant, ConsentMethod, ConsentRecord, ConsentRecordId, ConsentScope, ConsentWithdrawal, DocKind,
    Error, NewConsentWithdrawal, ParticipantId, ProjectId, StoryId, StoryQuery, Uuid,
};
use storyloom_scenarios::{Phone, sync};

#[derive(Debug, Clone)]
enum Op {
    /// An honest phone records a story with one of the storytellers.
    Story {
        phone: usize,
        teller: usize,
    },
    /// An honest phone edits a story it holds.
    Edit {
        phone: usize,
        story: usize,
    },
    /// An honest phone records a storyteller's erasure of one of their stories.
    Erase {
        phone: usize,
        story: usize,
    },
    Sync {
        a: usize,
        b: usize,
    },
    /// The hostile member forges a tombstone and sends it to an honest phone.
    Tombstone {
        to: usize,
        target: usize,
        kind: usize,
    },
    /// The hostile member forges a ledger record and sends it to an honest phone.
    Record {
        to: usize,
        variant: usize,
        teller: usize,
        story: usize,
    },
}

const KINDS: [&str; 4] = ["story", "participant", "project", "nonsense"];

fn op(honest: usize) -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..honest, 0..2usize).prop_map(|(phone, teller)| Op::Story { phone, teller }),
        (0..honest, 0..8usize).prop_map(|(phone, story)| Op::Edit { phone, story }),
        (0..honest, 0..8usize).prop_map(|(phone, story)| Op::Erase { phone, story }),
        (0..honest, 0..honest).prop_map(|(a, b)| Op::Sync { a, b }),
        (0..honest, 0..12usize, 0..KINDS.len()).prop_map(|(to, target, kind)| Op::Tombstone { to, target, kind }),
        (0..honest, 0..5usize, 0..2usize, 0..8usize).prop_map(|(to, variant, teller, story)| Op::Record {
            to,
            variant,
            teller,
            story
        }),
    ]
}

struct World {
    honest: Vec<Phone>,
    mallory: Phone,
    project: ProjectId,
    tellers: Vec<ParticipantId>,
    /// Every story an honest phone recorded, with its storyteller.
    stories: Vec<(StoryId, ParticipantId)>,
    /// Stories honestly erased.
    erased: Vec<StoryId>,
    forged: RefCell<Option<Vec<u8>>>,
}

impl World {
    fn new(honest: usize) -> Self {
        let (asha, project) = Phone::founding("Asha", "Bus routes");
        let tellers = vec![
            asha.consenting_storyteller(project, "Amira"),
            asha.consenting_storyteller(project, "Bilal"),
        ];
        let stories = tellers
            .iter()
            .map(|t| (asha.add_story(project, "Story", *t, "Words of the story."), *t))
            .collect();
        let names = ["Ben", "Cara", "Dev"];
        let mut phones = vec![asha];
        for name in names.iter().take(honest - 1) {
            let phone = Phone::invited(name, &phones[0], project);
            phones.push(phone);
        }
        let mallory = Phone::invited("Mallory", &phones[0], project);
        World {
            honest: phones,
            mallory,
            project,
            tellers,
            stories,
            erased: Vec::new(),
            forged: RefCell::new(None),
        }
    }

    fn mallory_sends(&self, to: usize, keep: bool, forge: impl FnOnce(&[u8]) -> storyloom::Result<Vec<u8>>) {
        let base = match self.forged.borrow().clone() {
            Some(doc) => doc,
            None => self.mallory.store.export_project_document(self.project).unwrap(),
        };
        let doc = forge(&base).unwrap();
        let bundle = forge_bundle(
            &self.mallory.store,
            self.project,
            &[(
                Uuid::from_bytes(*self.project.as_bytes()),
                DocKind::Project,
                doc.clone(),
            )],
        )
        .unwrap();
        match self.honest[to].store.import_bundle(&bundle) {
            Ok(_) if keep => *self.forged.borrow_mut() = Some(doc),
            Ok(outcome) => panic!("a forged ledger record was accepted: {outcome:?}"),
            Err(Error::SyncRejected(_)) if !keep => {}
            Err(err) => panic!("unexpected refusal of a forged tombstone or misnamed record: {err}"),
        }
    }

    fn target(&self, index: usize) -> Uuid {
        let mut ids: Vec<Uuid> = vec![Uuid::from_bytes(*self.project.as_bytes()), Uuid::new_v4()];
        ids.extend(self.tellers.iter().map(|t| Uuid::from_bytes(*t.as_bytes())));
        ids.extend(self.stories.iter().map(|(s, _)| Uuid::from_bytes(*s.as_bytes())));
        ids[index % ids.len()]
    }

    fn forged_record(&self, variant: usize, teller: usize, story: usize) -> ConsentRecord {
        let teller = self.tellers[teller];
        let (story, owner) = self.stories[story % self.stories.len()];
        let mallory = (self.mallory.member, self.mallory.store.device_id());
        let grant = |scopes| ConsentGrant {
            id: ConsentRecordId::new(),
            storyteller: teller,
            story: None,
            scopes,
            given_at: Utc::now(),
            recorded_by: mallory.0,
            device: mallory.1,
            method: ConsentMethod::Spoken,
            information_version: "1".into(),
            information_language: "en".into(),
            evidence: None,
            expires_at: None,
            review_at: None,
            attribution: Attribution::Named,
            acknowledges: vec![],
        };
        match variant {
            0 => ConsentRecord::Grant(ConsentGrant {
                given_at: Utc::now() + Duration::days(365 * 7000),
                ..grant(vec![ConsentScope::Archive])
            }),
            1 => ConsentRecord::Grant(ConsentGrant {
                recorded_by: self.honest[0].member,
                device: self.honest[0].store.device_id(),
                ..grant(vec![ConsentScope::PublishNamed])
            }),
            2 => ConsentRecord::Grant(ConsentGrant {
                acknowledges: vec![ConsentRecordId::new()],
                ..grant(vec![ConsentScope::PublishNamed])
            }),
            3 => {
                let mut g = grant(vec![ConsentScope::Research]);
                g.expires_at = Some(g.given_at - Duration::hours(1));
                ConsentRecord::Grant(g)
            }
            _ => {
                // Erasing a story in the name of a storyteller who did not tell it.
                let other = self.tellers.iter().copied().find(|t| *t != owner).unwrap_or(teller);
                ConsentRecord::Withdrawal(ConsentWithdrawal {
                    id: ConsentRecordId::new(),
                    storyteller: other,
                    story: Some(story),
                    scopes: vec![],
                    withdrawn_at: Utc::now(),
                    recorded_by: mallory.0,
                    device: mallory.1,
                    erase: true,
                })
            }
        }
    }

    fn stories_on(&self, phone: usize) -> Vec<(StoryId, String)> {
        let listed = self.honest[phone]
            .store
            .list_stories(&StoryQuery {
                limit: 500,
                ..StoryQuery::new(self.project)
            })
            .unwrap();
        let mut stories: Vec<_> = listed
            .stories
            .iter()
            .map(|s| (s.id, self.honest[phone].store.story(s.id).unwrap().transcript))
            .collect();
        stories.sort();
        stories
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, .. ProptestConfig::default() })]

    #[test]
    fn honest_phones_converge_and_erase_exactly_what_was_asked_despite_a_hostile_member(
        (honest, ops) in (2..=4usize).prop_flat_map(|honest| (Just(honest), proptest::collection::vec(op(honest), 4..14)))
    ) {
        let mut world = World::new(honest);
        for op in &ops {
            match *op {
                Op::Story { phone, teller } => {
                    let teller = world.tellers[teller];
                    let story = world.honest[phone].add_story(world.project, "More", teller, "More words.");
                    world.stories.push((story, teller));
                }
                Op::Edit { phone, story } => {
                    let (story, _) = world.stories[story % world.stories.len()];
                    match world.honest[phone].store.splice_transcript(story, 0, 0, "Edit. ") {
                        Ok(()) | Err(Error::Erased { .. }) | Err(Error::NotFound { .. }) => {}
                        Err(err) => panic!("edit: {err}"),
                    }
                }
                Op::Erase { phone, story } => {
                    let (story, teller) = world.stories[story % world.stories.len()];
                    let withdrawal = NewConsentWithdrawal { storyteller: teller, story: Some(story), scopes: vec![], erase: true };
                    match world.honest[phone].store.withdraw_consent(world.project, &withdrawal) {
                        Ok(_) => world.erased.push(story),
                        // Not (yet) on this phone.
                        Err(Error::InvalidInput { .. }) => {}
                        Err(err) => panic!("erase: {err}"),
                    }
                }
                Op::Sync { a, b } if a != b => { sync(&world.honest[a], &world.honest[b], world.project); }
                Op::Sync { .. } => {}
                Op::Tombstone { to, target, kind } => {
                    let id = world.target(target);
                    let (device, member) = (world.mallory.store.device_id(), world.mallory.member);
                    world.mallory_sends(to, true, |doc| forge_tombstone(doc, device, member, id, KINDS[kind], ConsentRecordId::new()));
                }
                Op::Record { to, variant, teller, story } => {
                    let record = world.forged_record(variant, teller, story);
                    let (device, member) = (world.mallory.store.device_id(), world.mallory.member);
                    // Variants 0–3 break a rule every device checks alike and are
                    // refused; 4 (a story not its storyteller's) is taken and
                    // has no effect.
                    world.mallory_sends(to, variant >= 4, |doc| forge_ledger_record(doc, device, member, &record));
                }
            }
        }
        // Everyone meets everyone, twice round.
        for _ in 0..2 {
            for a in 0..honest {
                sync(&world.honest[a], &world.honest[(a + 1) % honest], world.project);
            }
        }
        for phone in &mut world.honest {
            phone.reopen();
        }
        let first = world.stories_on(0);
        for phone in 1..honest {
            prop_assert_eq!(&world.stories_on(phone), &first, "phone {} differs", phone);
            prop_assert_eq!(
                world.honest[phone].store.consent_records(world.project, None).unwrap(),
                world.honest[0].store.consent_records(world.project, None).unwrap()
            );
        }
        for (story, _) in &world.stories {
            let erased = world.erased.contains(story);
            for phone in &world.honest {
                let found = phone.store.story(*story);
                if erased {
                    // A phone that never held it has nothing to erase (NotFound).
                    prop_assert!(
                        matches!(found, Err(Error::Erased { .. }) | Err(Error::NotFound { .. })),
                        "{} still has an erased story", phone.name
                    );
                } else {
                    prop_assert!(found.is_ok(), "{} lost a story nobody erased: {:?}", phone.name, found.err());
                }
            }
        }
    }
}
