//! `storyloom consent …` and `storyloom export`.

use chrono::{DateTime, Utc};
use serde_json::json;
use storyloom::{
    Attribution, ConsentMethod, ConsentScope, Error, ExportFormat, ExportPurpose, NewConsentGrant,
    NewConsentWithdrawal, ParticipantId, ProjectId, Store, StoryId,
};

use crate::args::{ConsentCommand, ExportArgs};
use crate::output::Output;

pub fn run(store: &Store, project: Result<ProjectId, Error>, command: &ConsentCommand) -> Result<Output, Error> {
    match command {
        ConsentCommand::Grant(args) => {
            let grant = NewConsentGrant {
                story: args.story.as_deref().map(StoryId::parse).transpose()?,
                expires_at: args.expires.as_deref().map(|t| time("expires", t)).transpose()?,
                review_at: args.review.as_deref().map(|t| time("review", t)).transpose()?,
                attribution: Attribution::parse(&args.attribution)?,
                information_version: args.information_version.clone(),
                information_language: args.information_language.clone(),
                evidence: args.evidence.clone(),
                ..NewConsentGrant::new(
                    ParticipantId::parse(&args.storyteller)?,
                    scopes(&args.scopes)?,
                    ConsentMethod::parse(&args.method)?,
                )
            };
            let id = store.grant_consent(project?, &grant)?;
            Ok(Output::new(json!({"id": id}), id.to_string()))
        }
        ConsentCommand::Withdraw(args) => {
            let withdrawal = NewConsentWithdrawal {
                storyteller: ParticipantId::parse(&args.storyteller)?,
                story: args.story.as_deref().map(StoryId::parse).transpose()?,
                scopes: scopes(&args.scopes)?,
                erase: args.erase,
            };
            let id = store.withdraw_consent(project?, &withdrawal)?;
            Ok(Output::new(json!({"id": id}), id.to_string()))
        }
        ConsentCommand::Show { storyteller, story } => {
            let storyteller = ParticipantId::parse(storyteller)?;
            let story = story.as_deref().map(StoryId::parse).transpose()?;
            let effective = store.effective_consent(storyteller, story)?;
            let records = store.consent_records(project?, Some(storyteller))?;
            let text = format!(
                "In force: {}\nAttribution: {}\n{} record(s) in the ledger",
                if effective.scopes.is_empty() {
                    "nothing".to_owned()
                } else {
                    effective
                        .scopes
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                },
                effective.attribution,
                records.len()
            );
            Ok(Output::new(
                json!({"effective": effective.scopes, "attribution": effective.attribution,
                       "erased": effective.erased, "records": records}),
                text,
            ))
        }
        ConsentCommand::Receipt { storyteller } => {
            let receipt = store.consent_receipt(project?, ParticipantId::parse(storyteller)?)?;
            let text = serde_json::to_string_pretty(&receipt).unwrap_or_default();
            Ok(Output::new(receipt, text))
        }
    }
}

pub fn export(store: &Store, project: Result<ProjectId, Error>, args: &ExportArgs) -> Result<Output, Error> {
    let report = store.export_project(
        project?,
        &args.out,
        ExportFormat::parse(&args.format)?,
        ExportPurpose::parse(&args.purpose)?,
    )?;
    let text = format!(
        "Exported {} stor{} to {}; withheld {}.",
        report.exported.len(),
        if report.exported.len() == 1 { "y" } else { "ies" },
        args.out.display(),
        report.withheld.len()
    );
    Ok(Output::new(
        json!({"exported": report.exported.len(), "withheld": report.withheld, "files": report.files}),
        text,
    ))
}

fn scopes(names: &[String]) -> Result<Vec<ConsentScope>, Error> {
    names.iter().map(|s| ConsentScope::parse(s)).collect()
}

fn time(field: &str, text: &str) -> Result<DateTime<Utc>, Error> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.to_utc())
        .map_err(|err| Error::InvalidInput {
            field: field.into(),
            reason: format!("not an RFC 3339 time: {err}"),
        })
}
