//! A consent receipt a storyteller can keep: JSON using the field names of
//! the Kantara Initiative Consent Receipt v1.1 (and ISO/IEC TS 27560, which
//! grew from it) where they fit. The mapping is documented in
//! `docs/consent.md`; what has no Kantara field sits under `"storyloom"`.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::rule::EffectiveConsent;
use super::{ConsentRecord, ConsentScope};
use crate::ids::ParticipantId;
use crate::model::Project;

/// Kantara purpose category for each scope (Consent Receipt v1.1, Appendix).
fn purpose_category(scope: ConsentScope) -> &'static str {
    match scope {
        ConsentScope::Record | ConsentScope::Transcribe | ConsentScope::KeepMedia => "Core Function",
        ConsentScope::ShareInProject => "Contracting",
        ConsentScope::PublishAnonymised | ConsentScope::PublishNamed | ConsentScope::UseQuotes => "Marketing",
        ConsentScope::Research => "Research",
        ConsentScope::Archive => "Legal Requirement",
        ConsentScope::Contact => "Contact Me",
    }
}

fn describe(scope: ConsentScope) -> &'static str {
    match scope {
        ConsentScope::Record => "Record the conversation",
        ConsentScope::Transcribe => "Transcribe it into text",
        ConsentScope::KeepMedia => "Keep the audio, photos or video",
        ConsentScope::ShareInProject => "Share the story within the project group",
        ConsentScope::PublishAnonymised => "Publish the story with no name attached",
        ConsentScope::PublishNamed => "Publish the story with your name or pseudonym",
        ConsentScope::UseQuotes => "Quote from the story",
        ConsentScope::Research => "Use the story in research and analysis",
        ConsentScope::Archive => "Keep the story in an archive after the project",
        ConsentScope::Contact => "Contact you again to follow up",
    }
}

/// Builds the receipt for one storyteller from their records.
pub(crate) fn build(
    project: &Project,
    storyteller: ParticipantId,
    records: &[ConsentRecord],
    effective: &EffectiveConsent,
    now: DateTime<Utc>,
) -> Value {
    let latest_grant = records.iter().rev().find_map(|r| match r {
        ConsentRecord::Grant(g) => Some(g),
        ConsentRecord::Withdrawal(_) => None,
    });
    let method = latest_grant.map(|g| g.method.as_str()).unwrap_or("none");
    let language = latest_grant.map(|g| g.information_language.as_str()).unwrap_or("en");

    let consent_time = records.iter().map(ConsentRecord::at).max().unwrap_or(now);
    let purposes: Vec<Value> = ConsentScope::ALL
        .iter()
        .map(|scope| {
            let granted = effective.allows(*scope);
            json!({
                "purpose": describe(*scope),
                "purposeCategory": [purpose_category(*scope)],
                "consentType": "EXPLICIT",
                "piiCategory": ["Story content", "Voice and image recordings"],
                "primaryPurpose": matches!(scope, ConsentScope::Record | ConsentScope::ShareInProject),
                "termination": "On withdrawal by the storyteller, or at the expiry date of the consent grant",
                "thirdPartyDisclosure": matches!(scope, ConsentScope::PublishAnonymised | ConsentScope::PublishNamed),
                "storyloomScope": scope.as_str(),
                "granted": granted,
            })
        })
        .collect();
    json!({
        "version": "KI-CR-v1.1.0",
        "jurisdiction": "",
        "consentTimestamp": consent_time.timestamp(),
        "collectionMethod": method,
        "consentReceiptID": format!("{}:{}", storyteller, consent_time.timestamp_millis()),
        "language": language,
        "piiPrincipalId": storyteller.to_string(),
        "piiControllers": [{
            "piiController": project.name,
            "onBehalf": false,
            "contact": project.members.first().map(|m| m.display_name.clone()).unwrap_or_default(),
        }],
        "policyUrl": "",
        "services": [{
            "service": format!("Community reporting project \"{}\"", project.name),
            "purposes": purposes,
        }],
        "sensitive": true,
        "spiCat": ["Personal stories may reveal health, beliefs or other special categories"],
        "storyloom": {
            "issuedAt": now.to_rfc3339(),
            "projectId": project.id.to_string(),
            "effectiveScopes": effective.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            "attribution": effective.attribution.as_str(),
            "reviewAt": effective.review_at.map(|t| t.to_rfc3339()),
            "records": records,
        },
    })
}
