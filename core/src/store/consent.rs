//! Recording consent grants and withdrawals, reading the ledger and the
//! effective consent, and checking it before anything leaves the device.

use rusqlite::{Connection, OptionalExtension};

use super::erasure::is_tombstoned;
use super::{Store, Writer, now, project_uuid, story_uuid};
use crate::consent::rule::{self, EffectiveConsent};
use crate::consent::{
    ConsentGrant, ConsentRecord, ConsentScope, ConsentWithdrawal, NewConsentGrant, NewConsentWithdrawal, receipt,
};
use crate::documents::{DocKind, ledger_doc};
use crate::error::{Error, RecordKind, Result};
use crate::ids::{ConsentRecordId, ParticipantId, ProjectId, StoryId};
use crate::model::LanguageTag;
use crate::text;

impl Store {
    /// Records a consent grant. It supersedes every withdrawal this device
    /// knows of for the storyteller, and no other (see `docs/consent.md`).
    pub fn grant_consent(&self, project: ProjectId, grant: &NewConsentGrant) -> Result<ConsentRecordId> {
        let mut scopes = grant.scopes.clone();
        scopes.sort();
        scopes.dedup();
        if scopes.is_empty() {
            return Err(Error::invalid("scopes", "a consent grant needs at least one scope"));
        }
        let information_version = text::required_line("information_version", &grant.information_version)?;
        let information_language = LanguageTag::parse(&grant.information_language)
            .map_err(|_| Error::invalid("information_language", "is not a BCP 47 language tag"))?
            .to_string();
        let evidence = grant.evidence.as_deref().map(check_evidence).transpose()?;
        let given_at = now();
        if let Some(expiry) = grant.expires_at
            && expiry <= given_at
        {
            return Err(Error::invalid(
                "expires_at",
                "is not after the time the consent is given",
            ));
        }
        if let Some(review) = grant.review_at
            && review <= given_at
        {
            return Err(Error::invalid(
                "review_at",
                "is not after the time the consent is given",
            ));
        }
        self.write(|w| {
            check_storyteller(&w.conn, project, grant.storyteller)?;
            if let Some(story) = grant.story {
                check_story(w, project, story, grant.storyteller)?;
            }
            let author = w.author(project)?;
            let acknowledges = ledger_of(&w.conn, grant.storyteller)?
                .into_iter()
                .filter(|r| matches!(r, ConsentRecord::Withdrawal(_)))
                .map(|r| r.id())
                .collect();
            let id = ConsentRecordId::new();
            let record = ConsentRecord::Grant(ConsentGrant {
                id,
                storyteller: grant.storyteller,
                story: grant.story,
                scopes,
                given_at,
                recorded_by: author.member,
                device: author.device,
                method: grant.method,
                information_version,
                information_language,
                evidence,
                expires_at: grant.expires_at,
                review_at: grant.review_at,
                attribution: grant.attribution,
                acknowledges,
            });
            w.apply_erasures(project, Some(record), vec![])?;
            Ok(id)
        })
    }

    /// Records a withdrawal. With `erase`, the stories it covers — and, for
    /// all of the storyteller's stories, their personal details — are erased
    /// here at once and on every device that syncs. Withdrawing something
    /// never granted is recorded and harmless; asking again to erase what is
    /// already erased changes nothing and returns the withdrawal that erased it.
    pub fn withdraw_consent(&self, project: ProjectId, withdrawal: &NewConsentWithdrawal) -> Result<ConsentRecordId> {
        let withdrawn = self.withdraw_consent_unlogged(project, withdrawal);
        crate::logging::outcome(crate::logging::CONSENT, "withdraw_consent", &withdrawn, |record| {
            crate::logging::consent_withdrawn(
                project,
                *record,
                withdrawal.storyteller,
                withdrawal.story,
                withdrawal.erase,
            )
        });
        withdrawn
    }

    fn withdraw_consent_unlogged(
        &self,
        project: ProjectId,
        withdrawal: &NewConsentWithdrawal,
    ) -> Result<ConsentRecordId> {
        let mut scopes = withdrawal.scopes.clone();
        scopes.sort();
        scopes.dedup();
        self.write(|w| {
            let known = ledger_of(&w.conn, withdrawal.storyteller)?;
            let previous = withdrawal
                .erase
                .then(|| already_erased(&known, withdrawal.story))
                .flatten();
            // What it names must be the storyteller's, in this project;
            // asking again to erase what is erased is the one exception.
            let teller = check_storyteller(&w.conn, project, withdrawal.storyteller);
            let story = match withdrawal.story {
                Some(story) => check_story(w, project, story, withdrawal.storyteller),
                None => Ok(()),
            };
            let erased_or_ok = |r: &Result<()>| matches!(r, Ok(()) | Err(Error::Erased { .. }));
            if let Some(previous) = previous
                && erased_or_ok(&teller)
                && erased_or_ok(&story)
            {
                return Ok(previous);
            }
            story?;
            teller?;
            let author = w.author(project)?;
            let id = ConsentRecordId::new();
            let record = ConsentRecord::Withdrawal(ConsentWithdrawal {
                id,
                storyteller: withdrawal.storyteller,
                story: withdrawal.story,
                scopes,
                withdrawn_at: now(),
                recorded_by: author.member,
                device: author.device,
                erase: withdrawal.erase,
            });
            w.apply_erasures(project, Some(record), vec![])?;
            Ok(id)
        })
    }

    /// The project's ledger (or one storyteller's part of it), oldest first.
    pub fn consent_records(
        &self,
        project: ProjectId,
        storyteller: Option<ParticipantId>,
    ) -> Result<Vec<ConsentRecord>> {
        self.view(project_uuid(project), DocKind::Project, |doc| {
            let mut records = ledger_doc::read(doc)?;
            if let Some(storyteller) = storyteller {
                records.retain(|r| r.storyteller() == storyteller);
            }
            Ok(records)
        })
    }

    /// The consent in force for a storyteller, for one story or (`None`)
    /// for all of their stories.
    pub fn effective_consent(&self, storyteller: ParticipantId, story: Option<StoryId>) -> Result<EffectiveConsent> {
        self.read(|conn| {
            Ok(rule::effective(
                &ledger_of(conn, storyteller)?,
                storyteller,
                story,
                now(),
            ))
        })
    }

    /// The scopes in force for a story: what every one of its storytellers allows.
    pub fn story_consent(&self, story: StoryId) -> Result<Vec<ConsentScope>> {
        self.read(|conn| story_scopes(conn, story))
    }

    /// Succeeds if the story's effective consent includes `scope`; otherwise
    /// `ConsentRequired` naming the scope. Call it before any path of your
    /// own that lets a story leave the device.
    pub fn require_consent(&self, story: StoryId, scope: ConsentScope) -> Result<()> {
        if self.story_consent(story)?.contains(&scope) {
            Ok(())
        } else {
            Err(Error::ConsentRequired { scope, story })
        }
    }

    /// A consent receipt for a storyteller (Kantara Consent Receipt v1.1 /
    /// ISO/IEC TS 27560 field names where they fit; see `docs/consent.md`).
    pub fn consent_receipt(&self, project: ProjectId, storyteller: ParticipantId) -> Result<serde_json::Value> {
        let project_record = self.project(project)?;
        let records = self.consent_records(project, Some(storyteller))?;
        if records.is_empty() {
            return Err(Error::not_found(
                RecordKind::ConsentRecord,
                format!("for storyteller {storyteller}"),
            ));
        }
        let effective = self.effective_consent(storyteller, None)?;
        Ok(receipt::build(
            &project_record,
            storyteller,
            &records,
            &effective,
            now(),
        ))
    }
}

/// A storyteller's records, from the ledger index: only those in the
/// storyteller's own project (a record elsewhere naming them counts for
/// nothing here).
pub(crate) fn ledger_of(conn: &Connection, storyteller: ParticipantId) -> Result<Vec<ConsentRecord>> {
    let mut stmt = conn.prepare_cached(
        "SELECT record FROM consent_ledger WHERE participant_id = ?1
           AND project_id = COALESCE((SELECT project_id FROM participants WHERE participant_id = ?1), project_id)
         ORDER BY at",
    )?;
    let rows = stmt.query_map([storyteller.to_string()], |row| row.get::<_, String>(0))?;
    rows.map(|json| serde_json::from_str(&json?).map_err(|e| Error::corrupt(format!("consent ledger index: {e}"))))
        .collect()
}

/// The scopes in force for a story, from the index.
pub(crate) fn story_scopes(conn: &Connection, story: StoryId) -> Result<Vec<ConsentScope>> {
    let storytellers: Vec<ParticipantId> = {
        let mut stmt = conn.prepare_cached(
            "SELECT p.participant_id FROM story_storytellers p JOIN stories s ON s.story_key = p.story_key
             WHERE s.story_id = ?1",
        )?;
        let rows = stmt.query_map([story.to_string()], |row| row.get::<_, String>(0))?;
        rows.map(|id| ParticipantId::from_stored(&id?)).collect::<Result<_>>()?
    };
    let exists: Option<i64> = conn
        .query_row(
            "SELECT story_key FROM stories WHERE story_id = ?1",
            [story.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    if exists.is_none() {
        return Err(if is_tombstoned(conn, story_uuid(story))? {
            Error::Erased {
                kind: RecordKind::Story,
                id: story.to_string(),
            }
        } else {
            Error::not_found(RecordKind::Story, story)
        });
    }
    let mut records = Vec::new();
    for storyteller in &storytellers {
        records.extend(ledger_of(conn, *storyteller)?);
    }
    Ok(rule::story_scopes(&records, &storytellers, story, now()))
}

fn already_erased(records: &[ConsentRecord], story: Option<StoryId>) -> Option<ConsentRecordId> {
    records.iter().find_map(|record| match record {
        ConsentRecord::Withdrawal(w) if w.erase && (w.story.is_none() || w.story == story) => Some(w.id),
        _ => None,
    })
}

/// The storyteller must be a participant of the project (or one whose
/// details were erased, which says so).
fn check_storyteller(conn: &Connection, project: ProjectId, storyteller: ParticipantId) -> Result<()> {
    let found: Option<String> = conn
        .query_row(
            "SELECT project_id FROM participants WHERE participant_id = ?1",
            [storyteller.to_string()],
            |row| row.get(0),
        )
        .optional()?;
    match found {
        Some(p) if p == project.to_string() => Ok(()),
        Some(_) => Err(Error::invalid("storyteller", "belongs to another project")),
        None if is_tombstoned(conn, uuid::Uuid::from_bytes(*storyteller.as_bytes()))? => Err(Error::Erased {
            kind: RecordKind::Participant,
            id: storyteller.to_string(),
        }),
        None => Err(Error::not_found(RecordKind::Participant, storyteller)),
    }
}

/// A grant or withdrawal for one story must name a story of the project
/// that the storyteller is in. An erased story says so.
fn check_story(w: &mut Writer, project: ProjectId, story: StoryId, storyteller: ParticipantId) -> Result<()> {
    let row = match w.locate(story_uuid(story), DocKind::Story) {
        Ok(row) => row,
        Err(Error::NotFound { .. }) => {
            return Err(Error::invalid("story", format!("story {story} is not in this store")));
        }
        Err(err) => return Err(err),
    };
    if row.project_id != project {
        return Err(Error::invalid("story", "belongs to another project"));
    }
    let tellers: Option<i64> = w
        .conn
        .query_row(
            "SELECT 1 FROM story_storytellers p JOIN stories s ON s.story_key = p.story_key
             WHERE s.story_id = ?1 AND p.participant_id = ?2",
            [story.to_string(), storyteller.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    if tellers.is_none() {
        return Err(Error::invalid(
            "story",
            format!("story {story} is not a story of storyteller {storyteller}"),
        ));
    }
    Ok(())
}

/// Evidence is a media content hash: `sha256:` and 64 hex digits.
fn check_evidence(evidence: &str) -> Result<String> {
    let evidence = evidence.trim().to_ascii_lowercase();
    let valid = evidence
        .strip_prefix("sha256:")
        .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()));
    if valid {
        Ok(evidence)
    } else {
        Err(Error::invalid(
            "evidence",
            "must be a media content hash: sha256: and 64 hex digits",
        ))
    }
}
