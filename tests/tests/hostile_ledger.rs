//! A member gone bad forges consent records and erasure tombstones in the
//! project document (issue 15, findings 1–4, 9 and 11). Each forged input
//! is refused with `SyncRejected` or skipped and reported, the store still
//! opens, and honest sync between the other phones carries on.

use automerge::transaction::Transactable;
use chrono::{Duration, TimeZone, Utc};
use storyloom::sync::forge_ledger::{forge_ledger_record, forge_tombstone};
use storyloom::sync::test_support::{forge_bundle, forge_session_message};
use storyloom::{
    Attribution, ConsentGrant, ConsentMethod, ConsentRecord, ConsentRecordId, ConsentScope, ConsentWithdrawal, DocKind,
    Error, MemberRole, NewConsentGrant, NewConsentWithdrawal, ParticipantId, ProjectId, StoryId, StoryQuery, Uuid,
};
use storyloom_scenarios::{Phone, sync};

/// Asha founded the project; Ben and Cara are honest members; Mallory is a
/// member gone bad. Amira consented to sharing and told one story.
struct Group {
    asha: Phone,
    ben: Phone,
    cara: Phone,
    mallory: Phone,
    project: ProjectId,
    amira: ParticipantId,
    story: StoryId,
    /// Mallory's forged copy of the project so far: each forgery builds on
    /// the last, as one device's changes do.
    forged: std::cell::RefCell<Option<Vec<u8>>>,
}

fn group() -> Group {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.consenting_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "The bus stopped coming.");
    let ben = Phone::invited("Ben", &asha, project);
    let cara = Phone::invited("Cara", &asha, project);
    let mallory = Phone::invited("Mallory", &asha, project);
    sync(&asha, &ben, project);
    sync(&asha, &cara, project);
    Group {
        asha,
        ben,
        cara,
        mallory,
        project,
        amira,
        story,
        forged: Default::default(),
    }
}

fn uuid(bytes: &[u8; 16]) -> Uuid {
    Uuid::from_bytes(*bytes)
}

impl Group {
    /// Mallory's copy of the project document after `forge`, in a bundle.
    fn forged_bundle(&self, forge: impl FnOnce(&[u8]) -> storyloom::Result<Vec<u8>>) -> Vec<u8> {
        let base = match self.forged.borrow().clone() {
            Some(forged) => forged,
            None => self.mallory.store.export_project_document(self.project).unwrap(),
        };
        let doc = forge(&base).unwrap();
        *self.forged.borrow_mut() = Some(doc.clone());
        forge_bundle(
            &self.mallory.store,
            self.project,
            &[(uuid(self.project.as_bytes()), DocKind::Project, doc)],
        )
        .unwrap()
    }

    fn tombstone(&self, id: Uuid, kind: &str, withdrawal: ConsentRecordId) -> Vec<u8> {
        let (device, member) = (self.mallory.store.device_id(), self.mallory.member);
        self.forged_bundle(|doc| forge_tombstone(doc, device, member, id, kind, withdrawal))
    }

    fn record(&self, record: &ConsentRecord) -> Vec<u8> {
        let (device, member) = (self.mallory.store.device_id(), self.mallory.member);
        self.forged_bundle(|doc| forge_ledger_record(doc, device, member, record))
    }

    /// A grant as Mallory's device would record it honestly.
    fn grant(&self, storyteller: ParticipantId, scopes: Vec<ConsentScope>) -> ConsentGrant {
        ConsentGrant {
            id: ConsentRecordId::new(),
            storyteller,
            story: None,
            scopes,
            given_at: Utc::now(),
            recorded_by: self.mallory.member,
            device: self.mallory.store.device_id(),
            method: ConsentMethod::Spoken,
            information_version: "1".into(),
            information_language: "en".into(),
            evidence: None,
            expires_at: None,
            review_at: None,
            attribution: Attribution::Named,
            acknowledges: vec![],
        }
    }

    /// The story is still whole on Ben's phone: readable, listed, searchable.
    fn story_intact_on_ben(&self) {
        assert_eq!(
            self.ben.store.story(self.story).unwrap().transcript,
            "The bus stopped coming."
        );
        let listed = self.ben.store.list_stories(&StoryQuery::new(self.project)).unwrap();
        assert!(listed.stories.iter().any(|s| s.id == self.story));
        assert_eq!(self.ben.store.search("stopped", None, 10).unwrap().len(), 1);
        assert!(
            self.ben
                .store
                .effective_consent(self.amira, Some(self.story))
                .unwrap()
                .allows(ConsentScope::ShareInProject)
        );
    }

    /// Ben's phone reopens, and a new story of Asha's reaches Cara through Ben.
    fn honest_sync_carries_on(&mut self) {
        self.ben.reopen();
        let bilal = self.asha.consenting_storyteller(self.project, "Bilal");
        let fresh = self
            .asha
            .add_story(self.project, "Evenings", bilal, "Nothing after six.");
        sync(&self.asha, &self.ben, self.project);
        sync(&self.ben, &self.cara, self.project);
        assert_eq!(self.cara.store.story(fresh).unwrap().title, "Evenings");
    }
}

fn rejected(result: storyloom::Result<storyloom::BundleOutcome>) -> String {
    match result {
        Err(Error::SyncRejected(reason)) => reason,
        other => panic!("expected SyncRejected, got {other:?}"),
    }
}

#[test]
fn finding_1_a_tombstone_for_the_project_itself_never_stops_the_store_opening() {
    let mut g = group();
    let (other, _) = g
        .ben
        .store
        .create_project("Allotments", "Ben", MemberRole::Reporter)
        .unwrap();
    let bundle = g.tombstone(uuid(g.project.as_bytes()), "project", ConsentRecordId::new());
    assert!(bundle.len() < 4096, "a small bundle: {} bytes", bundle.len());
    g.ben.store.import_bundle(&bundle).unwrap();

    g.ben.reopen();
    g.ben.reopen();
    assert_eq!(g.ben.store.project(g.project).unwrap().name, "Bus routes");
    assert_eq!(g.ben.store.project(other).unwrap().name, "Allotments");
    g.story_intact_on_ben();
    // Skipped and reported.
    let unapplied = g.ben.store.unapplied_tombstones(g.project).unwrap();
    assert_eq!(unapplied.len(), 1);
    assert_eq!(unapplied[0].id, uuid(g.project.as_bytes()));
    g.honest_sync_carries_on();
}

#[test]
fn finding_2_a_tombstone_without_an_erasing_withdrawal_erases_nothing() {
    let mut g = group();
    // No withdrawal at all, and a real but non-erasing one.
    g.ben
        .store
        .import_bundle(&g.tombstone(uuid(g.story.as_bytes()), "story", ConsentRecordId::new()))
        .unwrap();
    g.story_intact_on_ben();
    g.ben
        .store
        .import_bundle(&g.tombstone(uuid(g.amira.as_bytes()), "participant", ConsentRecordId::new()))
        .unwrap();
    assert_eq!(g.ben.store.participant(g.amira).unwrap().display_name, "Amira");
    assert_eq!(g.ben.store.unapplied_tombstones(g.project).unwrap().len(), 2);
    g.honest_sync_carries_on();
    // The forged tombstones travelled to Cara too, and erased nothing there.
    assert_eq!(g.cara.store.story(g.story).unwrap().title, "The 42");
}

#[test]
fn finding_3_erasure_never_crosses_into_another_project() {
    let mut g = group();
    // Ben's own other project, with a story; its ids show in every header.
    let (other, _) = g
        .ben
        .store
        .create_project("Allotments", "Ben", MemberRole::Reporter)
        .unwrap();
    let dev = g.ben.consenting_storyteller(other, "Dev");
    let devs = g.ben.add_story(other, "Plot 9", dev, "Runner beans.");
    for (id, kind) in [
        (uuid(other.as_bytes()), "project"),
        (uuid(other.as_bytes()), "story"),
        (uuid(devs.as_bytes()), "story"),
        (uuid(dev.as_bytes()), "participant"),
    ] {
        g.ben
            .store
            .import_bundle(&g.tombstone(id, kind, ConsentRecordId::new()))
            .unwrap();
    }
    // Erasing withdrawals in this project for the other project's
    // storyteller and story: only devices holding the other project could
    // tell, so they are not refused (that would let one forged record split
    // honest devices); they erase nothing anywhere.
    let mut withdrawal = ConsentWithdrawal {
        id: ConsentRecordId::new(),
        storyteller: dev,
        story: None,
        scopes: vec![],
        withdrawn_at: Utc::now(),
        recorded_by: g.mallory.member,
        device: g.mallory.store.device_id(),
        erase: true,
    };
    g.ben
        .store
        .import_bundle(&g.record(&ConsentRecord::Withdrawal(withdrawal.clone())))
        .unwrap();
    withdrawal.id = ConsentRecordId::new();
    withdrawal.story = Some(devs);
    g.ben
        .store
        .import_bundle(&g.record(&ConsentRecord::Withdrawal(withdrawal)))
        .unwrap();
    // Nor does it count in the other project's consent.
    assert!(
        g.ben
            .store
            .effective_consent(dev, Some(devs))
            .unwrap()
            .allows(ConsentScope::ShareInProject)
    );

    g.ben.reopen();
    assert_eq!(g.ben.store.project(other).unwrap().name, "Allotments");
    assert_eq!(g.ben.store.story(devs).unwrap().transcript, "Runner beans.");
    assert_eq!(g.ben.store.participant(dev).unwrap().display_name, "Dev");
    g.story_intact_on_ben();
    g.honest_sync_carries_on();
}

#[test]
fn finding_4_a_wrong_kind_tombstone_neither_erases_nor_blocks_the_real_erasure() {
    let mut g = group();
    // Amira's story id marked as a participant.
    g.ben
        .store
        .import_bundle(&g.tombstone(uuid(g.story.as_bytes()), "participant", ConsentRecordId::new()))
        .unwrap();
    g.story_intact_on_ben();
    sync(&g.ben, &g.cara, g.project);

    // Amira then really asks Asha to erase it: it travels to everyone.
    g.asha
        .store
        .withdraw_consent(
            g.project,
            &NewConsentWithdrawal {
                storyteller: g.amira,
                story: Some(g.story),
                scopes: vec![],
                erase: true,
            },
        )
        .unwrap();
    sync(&g.asha, &g.ben, g.project);
    sync(&g.ben, &g.cara, g.project);
    sync(&g.cara, &g.asha, g.project);
    for phone in [&g.asha, &g.ben, &g.cara] {
        assert!(
            matches!(phone.store.story(g.story), Err(Error::Erased { .. })),
            "on {}",
            phone.name
        );
        assert!(
            phone.store.search("stopped", None, 10).unwrap().is_empty(),
            "on {}",
            phone.name
        );
    }
    g.honest_sync_carries_on();
}

#[test]
fn finding_9_a_story_without_consent_to_share_is_left_out_unless_the_grant_comes_with_it() {
    let mut g = group();
    // Mallory records Zed's story without any consent and pushes it whole.
    let zed = g.mallory.add_storyteller(g.project, "Zed");
    let zeds = g
        .mallory
        .add_story(g.project, "Unconsented", zed, "Never agreed to this.");
    let docs = vec![
        (
            uuid(zed.as_bytes()),
            DocKind::Participant,
            g.mallory.store.export_participant_document(zed).unwrap(),
        ),
        (
            uuid(zeds.as_bytes()),
            DocKind::Story,
            g.mallory.store.export_story_document(zeds).unwrap(),
        ),
    ];
    let message = forge_session_message(&g.mallory.store, g.project, &docs).unwrap();
    let mut session = g.ben.store.accept_sync(g.project).unwrap();
    g.ben.store.sync_receive(&mut session, &message).unwrap();
    assert!(matches!(g.ben.store.story(zeds), Err(Error::NotFound { .. })));
    assert_eq!(
        g.ben.store.participant(zed).unwrap().display_name,
        "Zed",
        "the rest of the batch is kept"
    );
    // In a bundle: left out and counted.
    let outcome = g
        .ben
        .store
        .import_bundle(&forge_bundle(&g.mallory.store, g.project, &docs).unwrap())
        .unwrap();
    assert_eq!(outcome.documents_skipped, 1);
    assert!(matches!(g.ben.store.story(zeds), Err(Error::NotFound { .. })));

    // With Zed's grant in the same batch, the story is taken.
    g.mallory
        .store
        .grant_consent(
            g.project,
            &NewConsentGrant::new(zed, vec![ConsentScope::ShareInProject], ConsentMethod::Spoken),
        )
        .unwrap();
    let mut with_grant = vec![(
        uuid(g.project.as_bytes()),
        DocKind::Project,
        g.mallory.store.export_project_document(g.project).unwrap(),
    )];
    with_grant.extend(docs);
    g.ben
        .store
        .import_bundle(&forge_bundle(&g.mallory.store, g.project, &with_grant).unwrap())
        .unwrap();
    assert_eq!(g.ben.store.story(zeds).unwrap().title, "Unconsented");
    g.honest_sync_carries_on();
}

#[test]
fn finding_11_ledger_records_breaking_the_invariants_are_refused_whole() {
    let mut g = group();
    // Amira's grant of `research` that expires in a month.
    g.asha
        .store
        .grant_consent(
            g.project,
            &NewConsentGrant {
                expires_at: Some(Utc::now() + Duration::days(30)),
                ..NewConsentGrant::new(g.amira, vec![ConsentScope::Research], ConsentMethod::Spoken)
            },
        )
        .unwrap();
    let withdrawal = g
        .asha
        .store
        .withdraw_consent(
            g.project,
            &NewConsentWithdrawal {
                storyteller: g.amira,
                story: None,
                scopes: vec![ConsentScope::PublishNamed],
                erase: false,
            },
        )
        .unwrap();
    sync(&g.asha, &g.ben, g.project);
    sync(&g.asha, &g.mallory, g.project);
    let ledger_before = g.ben.store.consent_records(g.project, None).unwrap();
    let bilal = g.asha.consenting_storyteller(g.project, "Bilal");
    let bilals = g.asha.add_story(g.project, "Bilal's", bilal, "Night bus.");
    sync(&g.asha, &g.ben, g.project);
    sync(&g.asha, &g.mallory, g.project);
    let ledger_before_forgery = g.ben.store.consent_records(g.project, None).unwrap();
    assert!(ledger_before_forgery.len() > ledger_before.len());

    let year_9000 = Utc.with_ymd_and_hms(9000, 1, 1, 0, 0, 0).unwrap();
    let mut cases: Vec<(&str, ConsentRecord)> = Vec::new();
    cases.push((
        "ahead",
        ConsentRecord::Grant(ConsentGrant {
            given_at: year_9000,
            ..g.grant(g.amira, vec![ConsentScope::Archive])
        }),
    ));
    let mut backwards = g.grant(g.amira, vec![ConsentScope::Archive]);
    backwards.expires_at = Some(backwards.given_at - Duration::days(1));
    cases.push(("expires before", ConsentRecord::Grant(backwards)));
    cases.push((
        "acknowledges",
        ConsentRecord::Grant(ConsentGrant {
            acknowledges: vec![ConsentRecordId::new()],
            ..g.grant(g.amira, vec![ConsentScope::PublishNamed])
        }),
    ));
    // Bringing `publish-named` back "as Asha": written by Mallory's device.
    cases.push((
        "member and device",
        ConsentRecord::Grant(ConsentGrant {
            acknowledges: vec![withdrawal],
            recorded_by: g.asha.member,
            device: g.asha.store.device_id(),
            ..g.grant(g.amira, vec![ConsentScope::PublishNamed])
        }),
    ));
    // Acknowledging a withdrawal of another storyteller.
    cases.push((
        "acknowledges",
        ConsentRecord::Grant(ConsentGrant {
            acknowledges: vec![withdrawal],
            ..g.grant(bilal, vec![ConsentScope::PublishNamed])
        }),
    ));
    for (why, record) in &cases {
        *g.forged.borrow_mut() = None;
        let reason = rejected(g.ben.store.import_bundle(&g.record(record)));
        assert!(reason.contains(why), "{why}: {reason}");
        // Through a session too.
        let doc = forge_ledger_record(
            &g.mallory.store.export_project_document(g.project).unwrap(),
            g.mallory.store.device_id(),
            g.mallory.member,
            record,
        )
        .unwrap();
        let message = forge_session_message(
            &g.mallory.store,
            g.project,
            &[(uuid(g.project.as_bytes()), DocKind::Project, doc)],
        )
        .unwrap();
        let mut session = g.ben.store.accept_sync(g.project).unwrap();
        assert!(matches!(
            g.ben.store.sync_receive(&mut session, &message),
            Err(Error::SyncRejected(_))
        ));
        assert_eq!(
            g.ben.store.consent_records(g.project, None).unwrap(),
            ledger_before_forgery,
            "{why}: nothing recorded"
        );
    }
    let amira = g.ben.store.effective_consent(g.amira, Some(g.story)).unwrap();
    assert!(amira.allows(ConsentScope::Research), "the expiring grant did not lapse");
    assert!(
        !amira.allows(ConsentScope::PublishNamed),
        "publish-named stays withdrawn"
    );
    assert_eq!(g.ben.store.story(bilals).unwrap().title, "Bilal's");

    // Erasing Bilal's story in Amira's name, from a peer: erases nothing.
    *g.forged.borrow_mut() = None;
    let misnamed = ConsentWithdrawal {
        id: ConsentRecordId::new(),
        storyteller: g.amira,
        story: Some(bilals),
        scopes: vec![],
        withdrawn_at: Utc::now(),
        recorded_by: g.mallory.member,
        device: g.mallory.store.device_id(),
        erase: true,
    };
    g.ben
        .store
        .import_bundle(&g.record(&ConsentRecord::Withdrawal(misnamed)))
        .unwrap();
    g.ben.reopen();
    assert_eq!(g.ben.store.story(bilals).unwrap().title, "Bilal's");
    assert!(
        g.ben
            .store
            .effective_consent(bilal, Some(bilals))
            .unwrap()
            .allows(ConsentScope::ShareInProject)
    );

    // An honest grant that acknowledges the withdrawal is fine.
    sync(&g.asha, &g.cara, g.project);
    g.cara
        .store
        .grant_consent(
            g.project,
            &NewConsentGrant::new(g.amira, vec![ConsentScope::PublishNamed], ConsentMethod::Spoken),
        )
        .unwrap();
    sync(&g.cara, &g.ben, g.project);
    assert!(
        g.ben
            .store
            .effective_consent(g.amira, Some(g.story))
            .unwrap()
            .allows(ConsentScope::PublishNamed)
    );
    g.honest_sync_carries_on();
}

#[test]
fn a_forged_tombstone_that_is_not_even_readable_is_skipped() {
    let mut g = group();
    let mut doc = automerge::AutoCommit::load(&g.mallory.store.export_project_document(g.project).unwrap()).unwrap();
    let map = match automerge::ReadDoc::get(&doc, automerge::ROOT, "tombstones").unwrap() {
        Some((automerge::Value::Object(_), id)) => id,
        _ => panic!("no tombstones map"),
    };
    doc.put(&map, "not-a-uuid", 42).unwrap();
    doc.put(&map, Uuid::new_v4().to_string(), "not a map").unwrap();
    let bundle = forge_bundle(
        &g.mallory.store,
        g.project,
        &[(uuid(g.project.as_bytes()), DocKind::Project, doc.save())],
    )
    .unwrap();
    g.ben.store.import_bundle(&bundle).unwrap();
    g.story_intact_on_ben();
    g.honest_sync_carries_on();
}
