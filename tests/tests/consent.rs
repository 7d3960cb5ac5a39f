//! Consent on real stores: grants, withdrawals, the rule across offline
//! phones, receipts, and bad input.

use chrono::{Duration, Utc};
use storyloom::{
    Attribution, ConsentMethod, ConsentRecord, ConsentScope, Error, NewConsentGrant, NewConsentWithdrawal,
    ParticipantId, RecordKind, StoryId,
};
use storyloom_scenarios::{Phone, exchange_project};

use ConsentScope::*;

fn grant(
    phone: &Phone,
    project: storyloom::ProjectId,
    who: ParticipantId,
    story: Option<StoryId>,
    scopes: &[ConsentScope],
) {
    phone
        .store
        .grant_consent(
            project,
            &NewConsentGrant {
                story,
                ..NewConsentGrant::new(who, scopes.to_vec(), ConsentMethod::Spoken)
            },
        )
        .unwrap();
}

fn withdraw(
    phone: &Phone,
    project: storyloom::ProjectId,
    who: ParticipantId,
    story: Option<StoryId>,
    scopes: &[ConsentScope],
    erase: bool,
) {
    phone
        .store
        .withdraw_consent(
            project,
            &NewConsentWithdrawal {
                storyteller: who,
                story,
                scopes: scopes.to_vec(),
                erase,
            },
        )
        .unwrap();
}

#[test]
fn consent_is_computed_from_grants_and_withdrawals() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.add_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "text");
    assert!(
        asha.store.story_consent(story).unwrap().is_empty(),
        "fail closed: nothing without a grant"
    );

    grant(
        &asha,
        project,
        amira,
        None,
        &[Record, Transcribe, ShareInProject, Research],
    );
    assert_eq!(
        asha.store.story_consent(story).unwrap(),
        vec![Record, Transcribe, ShareInProject, Research]
    );
    asha.store.require_consent(story, Research).unwrap();

    withdraw(&asha, project, amira, Some(story), &[Research], false);
    match asha.store.require_consent(story, Research) {
        Err(Error::ConsentRequired { scope, story: s }) => assert_eq!((scope, s), (Research, story)),
        other => panic!("expected ConsentRequired, got {other:?}"),
    }
    let err = asha.store.require_consent(story, Research).unwrap_err();
    assert!(
        err.to_string().contains("research"),
        "the message names the scope: {err}"
    );
    // Other stories of hers are unaffected.
    let other = asha.add_story(project, "Another", amira, "");
    asha.store.require_consent(other, Research).unwrap();

    let records = asha.store.consent_records(project, Some(amira)).unwrap();
    assert_eq!(records.len(), 2);
    assert!(matches!(records[0], ConsentRecord::Grant(_)));
    assert!(matches!(records[1], ConsentRecord::Withdrawal(_)));
}

#[test]
fn a_withdrawal_on_one_phone_beats_a_grant_made_offline_on_another() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let ben = Phone::joining("Ben", &asha, project);
    let amira = asha.add_storyteller(project, "Amira");
    storyloom_scenarios::exchange_participant(&asha, &ben, amira);
    grant(&asha, project, amira, None, &[Research, Archive]);
    exchange_project(&asha, &ben, project);

    // Apart: Amira withdraws research with Asha; later that day Ben, who has
    // not seen that, records a fresh grant of research with her.
    withdraw(&asha, project, amira, None, &[Research], false);
    std::thread::sleep(std::time::Duration::from_millis(5));
    grant(&ben, project, amira, None, &[Research]);
    exchange_project(&asha, &ben, project);

    for phone in [&asha, &ben] {
        let consent = phone.store.effective_consent(amira, None).unwrap();
        assert_eq!(consent.scopes, vec![Archive], "on {}", phone.name);
    }

    // Now that Ben has seen the withdrawal, a new grant restores research.
    grant(&ben, project, amira, None, &[Research]);
    exchange_project(&asha, &ben, project);
    assert_eq!(
        asha.store.effective_consent(amira, None).unwrap().scopes,
        vec![Research, Archive]
    );
}

#[test]
fn expired_consent_is_not_in_force() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.add_storyteller(project, "Amira");
    asha.store
        .grant_consent(
            project,
            &NewConsentGrant {
                expires_at: Some(Utc::now() + Duration::milliseconds(300)),
                review_at: Some(Utc::now() + Duration::milliseconds(100)),
                ..NewConsentGrant::new(amira, vec![Research], ConsentMethod::EasyRead)
            },
        )
        .unwrap();
    let now = asha.store.effective_consent(amira, None).unwrap();
    assert_eq!(now.scopes, vec![Research]);
    assert!(now.review_at.is_some());
    std::thread::sleep(std::time::Duration::from_millis(400));
    assert!(asha.store.effective_consent(amira, None).unwrap().scopes.is_empty());
}

#[test]
fn attribution_follows_the_grant() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.add_storyteller(project, "Amira");
    asha.store
        .grant_consent(
            project,
            &NewConsentGrant {
                attribution: Attribution::Named,
                ..NewConsentGrant::new(amira, vec![PublishNamed], ConsentMethod::Written)
            },
        )
        .unwrap();
    assert_eq!(
        asha.store.effective_consent(amira, None).unwrap().attribution,
        Attribution::Named
    );
}

#[test]
fn a_receipt_uses_kantara_field_names() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.add_storyteller(project, "Amira");
    grant(&asha, project, amira, None, &[Record, Research]);
    let receipt = asha.store.consent_receipt(project, amira).unwrap();
    assert_eq!(receipt["version"], "KI-CR-v1.1.0");
    assert_eq!(receipt["piiPrincipalId"], amira.to_string());
    assert_eq!(receipt["collectionMethod"], "spoken");
    assert_eq!(receipt["piiControllers"][0]["piiController"], "Bus routes");
    let purposes = receipt["services"][0]["purposes"].as_array().unwrap();
    assert_eq!(purposes.len(), ConsentScope::ALL.len());
    let research = purposes.iter().find(|p| p["storyloomScope"] == "research").unwrap();
    assert_eq!(research["granted"], true);
    assert_eq!(research["consentType"], "EXPLICIT");
    let contact = purposes.iter().find(|p| p["storyloomScope"] == "contact").unwrap();
    assert_eq!(contact["granted"], false);
    assert!(!receipt.to_string().contains("Amira"), "a receipt holds ids, not names");
}

#[test]
fn bad_consent_input_gets_clear_errors() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.add_storyteller(project, "Amira");
    let stranger = ParticipantId::new();

    let unknown = asha.store.grant_consent(
        project,
        &NewConsentGrant::new(stranger, vec![Research], ConsentMethod::Aac),
    );
    assert!(
        matches!(
            unknown,
            Err(Error::NotFound {
                kind: RecordKind::Participant,
                ..
            })
        ),
        "{unknown:?}"
    );

    let empty = asha
        .store
        .grant_consent(project, &NewConsentGrant::new(amira, vec![], ConsentMethod::Aac));
    assert!(
        matches!(empty, Err(Error::InvalidInput { ref field, .. }) if field == "scopes"),
        "{empty:?}"
    );

    let past = asha.store.grant_consent(
        project,
        &NewConsentGrant {
            expires_at: Some(Utc::now() - Duration::days(1)),
            ..NewConsentGrant::new(amira, vec![Research], ConsentMethod::Aac)
        },
    );
    assert!(
        matches!(past, Err(Error::InvalidInput { ref field, .. }) if field == "expires_at"),
        "{past:?}"
    );

    let evidence = asha.store.grant_consent(
        project,
        &NewConsentGrant {
            evidence: Some("a photo".into()),
            ..NewConsentGrant::new(amira, vec![Research], ConsentMethod::Written)
        },
    );
    assert!(matches!(evidence, Err(Error::InvalidInput { ref field, .. }) if field == "evidence"));

    // Withdrawing what was never granted is recorded and harmless.
    withdraw(&asha, project, amira, None, &[Contact], false);
    assert!(asha.store.effective_consent(amira, None).unwrap().scopes.is_empty());
    assert_eq!(asha.store.consent_records(project, Some(amira)).unwrap().len(), 1);

    let nobody = asha.store.withdraw_consent(
        project,
        &NewConsentWithdrawal {
            storyteller: stranger,
            story: None,
            scopes: vec![],
            erase: false,
        },
    );
    assert!(matches!(nobody, Err(Error::NotFound { .. })));
}
