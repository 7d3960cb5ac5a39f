//! What of a story may leave the device, for a given purpose: the fields
//! its effective consent allows, with each storyteller credited as their
//! grant says. Export, publication and sharing all go through here.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::rule::EffectiveConsent;
use super::{Attribution, ConsentScope};
use crate::ids::StoryId;
use crate::model::{Participant, Story, text_enum};

text_enum!(
    /// Why a story is leaving the device; each purpose needs its own scope.
    ExportPurpose, "purpose" {
        /// Analysis by the project's researchers: needs `research`.
        Research => "research",
        /// Publication: needs `publish-anonymised`, or `publish-named` to
        /// credit storytellers by name.
        Publication => "publication",
        /// Keeping in an archive after the project: needs `archive`.
        Archive => "archive",
    }
);

impl ExportPurpose {
    /// The scope a story's consent must include for this purpose.
    pub fn required_scope(self) -> ConsentScope {
        match self {
            Self::Research => ConsentScope::Research,
            Self::Publication => ConsentScope::PublishAnonymised,
            Self::Archive => ConsentScope::Archive,
        }
    }

    /// Whether `scopes` allow this purpose.
    pub(crate) fn allowed_by(self, scopes: &[ConsentScope]) -> bool {
        match self {
            Self::Publication => {
                scopes.contains(&ConsentScope::PublishAnonymised) || scopes.contains(&ConsentScope::PublishNamed)
            }
            other => scopes.contains(&other.required_scope()),
        }
    }
}

/// How a storyteller is credited in something that leaves the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Credit {
    pub attribution: Attribution,
    /// The name or pseudonym shown; "Anonymous storyteller" otherwise.
    pub shown_as: String,
}

/// A quote that may leave the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublishedQuote {
    pub quote: String,
    pub theme: Option<String>,
    pub note: String,
}

/// A story as it may leave the device: never contact details, access
/// needs, comments or member ids; the transcript only with `transcribe`,
/// quotes only with `use-quotes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublishedStory {
    pub id: StoryId,
    pub purpose: ExportPurpose,
    pub title: String,
    pub summary: String,
    pub transcript: Option<String>,
    pub language: Option<String>,
    /// The day it was recorded (no time of day).
    pub recorded_on: Option<String>,
    pub place: Option<String>,
    pub tags: Vec<String>,
    pub themes: Vec<String>,
    pub quotes: Vec<PublishedQuote>,
    pub storytellers: Vec<Credit>,
    /// Fields left out, and the scope that would have allowed them.
    pub fields_withheld: Vec<String>,
    pub consent: Vec<ConsentScope>,
    pub exported_at: DateTime<Utc>,
}

/// Builds the published form of a story. `consents` holds each
/// storyteller's effective consent for this story; `scopes` what all of them
/// allow. The caller has checked that the purpose is allowed.
pub(crate) fn publish(
    story: &Story,
    purpose: ExportPurpose,
    storytellers: &[(Option<Participant>, EffectiveConsent)],
    scopes: &[ConsentScope],
    now: DateTime<Utc>,
) -> PublishedStory {
    let mut fields_withheld = Vec::new();
    let transcript = if scopes.contains(&ConsentScope::Transcribe) {
        Some(story.transcript.clone())
    } else {
        fields_withheld.push("transcript (needs transcribe)".to_owned());
        None
    };
    let quotes = if scopes.contains(&ConsentScope::UseQuotes) {
        story
            .highlights
            .iter()
            .filter(|h| !h.quote.is_empty())
            .map(|h| PublishedQuote {
                quote: h.quote.clone(),
                theme: h.theme.clone(),
                note: h.note.clone(),
            })
            .collect()
    } else {
        if !story.highlights.is_empty() {
            fields_withheld.push("quotes (need use-quotes)".to_owned());
        }
        Vec::new()
    };
    let mut themes: Vec<String> = story.highlights.iter().filter_map(|h| h.theme.clone()).collect();
    themes.sort();
    themes.dedup();
    // Publishing with a credit (name or pseudonym) needs its own scope;
    // with only `publish-anonymised`, nobody is credited.
    let may_credit = purpose != ExportPurpose::Publication || scopes.contains(&ConsentScope::PublishNamed);
    let credits = storytellers
        .iter()
        .map(|(participant, consent)| credit(participant.as_ref(), consent.attribution, may_credit))
        .collect();
    PublishedStory {
        id: story.id,
        purpose,
        title: story.title.clone(),
        summary: story.summary.clone(),
        transcript,
        language: story.language.clone(),
        recorded_on: story.recorded_at.map(|t| t.date_naive().to_string()),
        place: story.place.clone(),
        tags: story.tags.clone(),
        themes,
        quotes,
        storytellers: credits,
        fields_withheld,
        consent: scopes.to_vec(),
        exported_at: now,
    }
}

fn credit(participant: Option<&Participant>, wish: Attribution, may_credit: bool) -> Credit {
    let anonymous = Credit {
        attribution: Attribution::Anonymous,
        shown_as: "Anonymous storyteller".to_owned(),
    };
    let Some(participant) = participant.filter(|_| may_credit) else {
        return anonymous;
    };
    match wish {
        Attribution::Named => Credit {
            attribution: Attribution::Named,
            shown_as: participant.display_name.clone(),
        },
        Attribution::Pseudonym => match &participant.pseudonym {
            Some(pseudonym) => Credit {
                attribution: Attribution::Pseudonym,
                shown_as: pseudonym.clone(),
            },
            None => anonymous,
        },
        Attribution::Anonymous => anonymous,
    }
}
