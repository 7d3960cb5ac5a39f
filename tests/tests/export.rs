//! Nothing leaves the device without the matching consent, and storytellers
//! are credited as their grants say.

use storyloom::{
    Attribution, ConsentMethod, ConsentScope, Error, ExportFormat, ExportPurpose, NewConsentGrant, NewParticipant,
};
use storyloom_scenarios::Phone;

use ConsentScope::*;

#[test]
fn publishing_needs_the_matching_scope_and_credits_follow_the_grant() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha
        .store
        .add_participant(
            project,
            &NewParticipant {
                display_name: "Amira Khan".into(),
                pseudonym: Some("Star".into()),
                contact: Some("amira@example.org".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let story = asha.add_story(project, "The 42", amira, "We waited. The bus never came.");
    asha.store
        .add_highlight(story, 11, 30, Some("reliability"), "key")
        .unwrap();
    asha.store.add_comment(story, "internal discussion", None).unwrap();

    let refused = asha.store.publish_story(story, ExportPurpose::Publication);
    assert!(
        matches!(
            refused,
            Err(Error::ConsentRequired {
                scope: PublishAnonymised,
                ..
            })
        ),
        "{refused:?}"
    );

    asha.store
        .grant_consent(
            project,
            &NewConsentGrant {
                attribution: Attribution::Named,
                ..NewConsentGrant::new(amira, vec![Research, PublishAnonymised], ConsentMethod::Written)
            },
        )
        .unwrap();
    let published = asha.store.publish_story(story, ExportPurpose::Publication).unwrap();
    assert_eq!(
        published.storytellers[0].shown_as, "Anonymous storyteller",
        "no name without publish-named"
    );
    assert_eq!(published.transcript, None, "no transcript without transcribe");
    assert!(published.quotes.is_empty(), "no quotes without use-quotes");
    assert_eq!(published.themes, vec!["reliability"]);

    let research = asha.store.publish_story(story, ExportPurpose::Research).unwrap();
    assert_eq!(
        research.storytellers[0].shown_as, "Amira Khan",
        "named, as the grant asks"
    );
    let json = serde_json::to_string(&research).unwrap();
    assert!(!json.contains("amira@example.org"), "contact details never leave");
    assert!(!json.contains("internal discussion"), "comments never leave");

    asha.store
        .grant_consent(
            project,
            &NewConsentGrant {
                attribution: Attribution::Pseudonym,
                ..NewConsentGrant::new(amira, vec![Transcribe, UseQuotes, PublishNamed], ConsentMethod::Written)
            },
        )
        .unwrap();
    let published = asha.store.publish_story(story, ExportPurpose::Publication).unwrap();
    assert_eq!(
        published.storytellers[0].shown_as, "Star",
        "the most protective wish (pseudonym) wins"
    );
    assert_eq!(published.transcript.as_deref(), Some("We waited. The bus never came."));
    assert_eq!(published.quotes[0].quote, "The bus never came.");
}

#[test]
fn an_export_holds_only_what_consent_allows_and_says_what_was_withheld() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.add_storyteller(project, "Amira");
    let bilal = asha.add_storyteller(project, "Bilal");
    let both = asha
        .store
        .create_story(
            project,
            &storyloom::NewStory {
                title: "Together".into(),
                storytellers: vec![amira, bilal],
                transcript: "shared".into(),
                ..Default::default()
            },
        )
        .unwrap();
    let hers = asha.add_story(project, "Hers", amira, "mine, \"quoted\", with, commas");
    asha.store
        .grant_consent(
            project,
            &NewConsentGrant::new(amira, vec![Research, Transcribe], ConsentMethod::Spoken),
        )
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let report = asha
        .store
        .export_project(project, dir.path(), ExportFormat::Json, ExportPurpose::Research)
        .unwrap();
    assert_eq!(report.exported, vec![hers]);
    assert_eq!(report.withheld.len(), 1);
    assert_eq!(
        report.withheld[0].id, both,
        "Bilal has not consented, so the shared story stays"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["withheld"][0]["id"], both.to_string());
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("index.json")).unwrap()).unwrap();
    assert_eq!(index.as_array().unwrap().len(), 1);

    let csv_dir = tempfile::tempdir().unwrap();
    asha.store
        .export_project(project, csv_dir.path(), ExportFormat::Csv, ExportPurpose::Research)
        .unwrap();
    let csv = std::fs::read_to_string(csv_dir.path().join("stories.csv")).unwrap();
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().starts_with("id,title,summary,transcript"));
    assert!(
        csv.contains("\"mine, \"\"quoted\"\", with, commas\""),
        "CSV quoting is right: {csv}"
    );
    assert!(!csv.contains("Together"));

    let archive = asha
        .store
        .export_project(project, dir.path(), ExportFormat::Json, ExportPurpose::Archive)
        .unwrap();
    assert!(archive.exported.is_empty(), "archive needs its own scope");
}

#[test]
fn story_lists_carry_a_consent_summary() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.add_storyteller(project, "Amira");
    let story = asha.add_story(project, "T", amira, "");
    asha.store
        .grant_consent(
            project,
            &NewConsentGrant::new(amira, vec![Record, Research], ConsentMethod::Aac),
        )
        .unwrap();
    let page = asha.store.list_stories(&storyloom::StoryQuery::new(project)).unwrap();
    assert_eq!(page.stories[0].id, story);
    assert_eq!(page.stories[0].consent, vec![Record, Research]);
}
