//! Property test: three honest phones and one member gone bad. Between
//! random honest edits, sessions and erasures, the bad member writes
//! changes under honest members' actor ids and spreads them, and replays
//! recorded honest traffic to random phones. Every honest session still
//! succeeds, every replay after a hello is refused, and after a final
//! round the honest phones agree: every erasure applied everywhere, every
//! other story on every phone with the same transcript — except stories
//! with a forged change, which each phone keeps as it first saw them
//! (ADR 0006: telling them apart needs device signing keys).

use std::collections::BTreeSet;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ReadDoc};
use proptest::prelude::*;
use storyloom::{Error, NewConsentWithdrawal, ParticipantId, ProjectId, StoryId};
use storyloom_scenarios::{Phone, sync};

#[derive(Debug, Clone)]
enum Op {
    Edit { phone: usize, story: usize },
    Session { a: usize, b: usize },
    Forge { victim: usize, story: usize },
    MalloryMeets { phone: usize },
    Replay { phone: usize, message: usize },
    Erase { story: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..3usize, 0..3usize).prop_map(|(phone, story)| Op::Edit { phone, story }),
        (0..3usize, 0..3usize)
            .prop_filter("two phones", |(a, b)| a != b)
            .prop_map(|(a, b)| Op::Session { a, b }),
        (0..3usize, 0..3usize).prop_map(|(victim, story)| Op::Forge { victim, story }),
        (0..3usize).prop_map(|phone| Op::MalloryMeets { phone }),
        (0..3usize, 1..6usize).prop_map(|(phone, message)| Op::Replay { phone, message }),
        (0..3usize).prop_map(|story| Op::Erase { story }),
    ]
}

struct World {
    honest: Vec<Phone>,
    mallory: Phone,
    project: ProjectId,
    amira: ParticipantId,
    stories: Vec<StoryId>,
    forged: BTreeSet<usize>,
    /// The messages of the last honest session, as an eavesdropper keeps them.
    recorded: Vec<Vec<u8>>,
}

fn world() -> World {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.consenting_storyteller(project, "Amira");
    let stories = (0..3)
        .map(|i| asha.add_story(project, &format!("Route {i}"), amira, "The bus stopped coming."))
        .collect();
    let ben = Phone::invited("Ben", &asha, project);
    let cara = Phone::invited("Cara", &asha, project);
    let mallory = Phone::invited("Mallory", &asha, project);
    World {
        honest: vec![asha, ben, cara],
        mallory,
        project,
        amira,
        stories,
        forged: BTreeSet::new(),
        recorded: Vec::new(),
    }
}

/// An honest session, driven by hand so every message is recorded.
fn recorded_session(a: &Phone, b: &Phone, project: ProjectId) -> Vec<Vec<u8>> {
    let (mut a_side, hello) = a.store.start_sync(project).unwrap();
    let mut b_side = b.store.accept_sync(project).unwrap();
    let mut recorded = vec![hello.clone()];
    let mut next = Some(hello);
    let mut to_b = true;
    while let Some(message) = next {
        next = if to_b {
            b.store.sync_receive(&mut b_side, &message)
        } else {
            a.store.sync_receive(&mut a_side, &message)
        }
        .unwrap_or_else(|e| panic!("honest session {} → {}: {e}", a.name, b.name));
        recorded.extend(next.clone());
        to_b = !to_b;
    }
    recorded
}

impl World {
    fn apply(&mut self, op: &Op) {
        match *op {
            Op::Edit { phone, story } => {
                let _ = self.honest[phone]
                    .store
                    .splice_transcript(self.stories[story], 0, 0, "Later: ");
            }
            Op::Session { a, b } => {
                self.recorded = recorded_session(&self.honest[a], &self.honest[b], self.project);
            }
            Op::Forge { victim, story } => self.forge(victim, self.stories[story], story),
            Op::MalloryMeets { phone } => {
                sync(&self.mallory, &self.honest[phone], self.project);
            }
            Op::Replay { phone, message } => {
                if message >= self.recorded.len() {
                    return;
                }
                let target = &self.honest[phone].store;
                let mut session = target.accept_sync(self.project).unwrap();
                let _ = target.sync_receive(&mut session, &self.recorded[0]);
                assert!(
                    target.sync_receive(&mut session, &self.recorded[message]).is_err(),
                    "a replayed message was accepted by {}",
                    self.honest[phone].name
                );
            }
            Op::Erase { story } => {
                let _ = self.honest[0].store.withdraw_consent(
                    self.project,
                    &NewConsentWithdrawal {
                        storyteller: self.amira,
                        story: Some(self.stories[story]),
                        scopes: vec![],
                        erase: true,
                    },
                );
            }
        }
    }

    /// The victim edits the story; Mallory writes a change of her own
    /// under the victim's actor id and keeps it in her store.
    fn forge(&mut self, victim: usize, story: StoryId, index: usize) {
        let victim = &self.honest[victim];
        if victim.store.splice_transcript(story, 0, 0, "Real: ").is_err() {
            return; // erased there
        }
        let Ok(theirs) = victim.store.export_story_document(story) else {
            return;
        };
        let Ok(ours) = self.mallory.store.export_story_document(story) else {
            return;
        };
        let mut theirs = AutoCommit::load(&theirs).unwrap();
        let heads = theirs.get_heads();
        let real = theirs
            .get_changes(&[])
            .into_iter()
            .find(|c| heads.contains(&c.hash()))
            .unwrap();
        let mut forged = AutoCommit::load(&ours).unwrap();
        forged.set_actor(real.actor_id().clone());
        let (_, transcript) = forged.get(automerge::ROOT, "transcript").unwrap().unwrap();
        forged.splice_text(&transcript, 0, 0, "Forged: ").unwrap();
        if self.mallory.store.import_document(&forged.save()).is_ok() {
            self.forged.insert(index);
        }
    }

    fn final_round(&self) {
        for _ in 0..2 {
            for (a, b) in [(0, 1), (1, 2), (2, 0)] {
                sync(&self.honest[a], &self.honest[b], self.project);
            }
        }
    }

    fn check(&self) {
        for (index, story) in self.stories.iter().enumerate() {
            let seen: Vec<_> = self.honest.iter().map(|p| p.store.story(*story)).collect();
            let erased = seen.iter().filter(|s| matches!(s, Err(Error::Erased { .. }))).count();
            assert!(
                erased == 0 || erased == 3,
                "story {index} erased on {erased} of 3 phones"
            );
            if erased == 3 || self.forged.contains(&index) {
                continue;
            }
            let transcripts: BTreeSet<_> = seen.into_iter().map(|s| s.unwrap().transcript).collect();
            assert_eq!(transcripts.len(), 1, "story {index} differs: {transcripts:?}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, .. ProptestConfig::default() })]

    #[test]
    fn honest_phones_converge_around_a_member_gone_bad(ops in prop::collection::vec(op(), 1..14)) {
        let mut world = world();
        for op in &ops {
            world.apply(op);
        }
        world.final_round();
        world.check();
    }
}
