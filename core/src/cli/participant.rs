//! `storyloom participant …`

use serde_json::json;
use storyloom::{Adjustment, AdjustmentKind, Error, InteractionBadge, NewParticipant, ParticipantId, ProjectId, Store};

use crate::args::ParticipantCommand;
use crate::output::{Output, json_error};

pub fn run(store: &Store, project: Result<ProjectId, Error>, command: &ParticipantCommand) -> Result<Output, Error> {
    match command {
        ParticipantCommand::Add(args) => {
            let new = NewParticipant {
                display_name: args.name.clone(),
                pseudonym: args.pseudonym.clone(),
                pronouns: args.pronouns.clone(),
                preferred_language: args.language.clone(),
                badge: args.badge.as_deref().map(InteractionBadge::parse).transpose()?,
                adjustments: args
                    .adjustments
                    .iter()
                    .map(|a| parse_adjustment(a))
                    .collect::<Result<_, _>>()?,
                ..Default::default()
            };
            let id = store.add_participant(project?, &new)?;
            Ok(Output::new(json!({"id": id}), id.to_string()))
        }
        ParticipantCommand::Show { id } => {
            let participant = store.participant(ParticipantId::parse(id)?)?;
            let mut text = format!(
                "{} ({})\nBadge: {}\n",
                participant.display_name, participant.id, participant.badge
            );
            for adjustment in &participant.adjustments {
                text.push_str(&format!("Adjustment: {}", adjustment.kind));
                if let Some(detail) = &adjustment.detail {
                    text.push_str(&format!(" ({detail})"));
                }
                text.push('\n');
            }
            for conflict in &participant.conflicts {
                text.push_str(&format!(
                    "Conflict on {}: showing {:?}, also {:?}\n",
                    conflict.field, conflict.winner, conflict.others
                ));
            }
            Ok(Output::new(
                serde_json::to_value(&participant).map_err(json_error)?,
                text,
            ))
        }
        ParticipantCommand::Badge { id, level } => {
            let id = ParticipantId::parse(id)?;
            let level = InteractionBadge::parse(level)?;
            store.set_badge(id, level)?;
            Ok(Output::new(
                json!({"id": id, "badge": level}),
                format!("Badge set to {level}."),
            ))
        }
        ParticipantCommand::Adjust { id, adjustment } => {
            let id = ParticipantId::parse(id)?;
            let adjustment = parse_adjustment(adjustment)?;
            store.add_adjustment(id, &adjustment)?;
            Ok(Output::new(
                json!({"id": id, "adjustment": adjustment}),
                "Adjustment added.",
            ))
        }
        ParticipantCommand::List => {
            let participants = store.participants(project?)?;
            let text = participants
                .iter()
                .map(|p| format!("{}  {}  [{}]", p.id, p.display_name, p.badge))
                .collect::<Vec<_>>()
                .join("\n");
            Ok(Output::new(json!({"participants": participants}), text))
        }
        ParticipantCommand::History { id } => {
            let history = store.participant_history(ParticipantId::parse(id)?)?;
            let text = crate::story::history_text(&history);
            Ok(Output::new(json!({"history": history}), text))
        }
    }
}

/// `KIND` or `KIND:DETAIL`, e.g. `sign-language-interpreter:bfi`.
fn parse_adjustment(text: &str) -> Result<Adjustment, Error> {
    let (kind, detail) = match text.split_once(':') {
        Some((kind, detail)) => (kind, Some(detail)),
        None => (text, None),
    };
    Adjustment::validated(AdjustmentKind::parse(kind)?, detail)
}
