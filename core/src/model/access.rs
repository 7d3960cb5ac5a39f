//! Accessibility preferences: the interaction badge and reasonable adjustments.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::text_enum;
use crate::error::{Error, Result};
use crate::ids::{DeviceId, MemberId};
use crate::model::LanguageTag;

text_enum!(
    /// How much interaction a person wants, after the colour communication
    /// badges. We store the meaning, never a colour: events print the same
    /// levels in different colours and shapes.
    InteractionBadge, "badge" {
        /// The person has not chosen; apps treat it as "ask first".
        Unset => "unset",
        /// Please approach me; I want to interact but may find it hard to start.
        Green => "green",
        /// Only people I already know should start an interaction.
        Yellow => "yellow",
        /// Please do not start an interaction with me (replying is fine).
        Red => "red",
    }
);

impl InteractionBadge {
    /// How protective the level is. When devices set different levels
    /// concurrently the most protective one wins (see ADR 0003): red, then
    /// yellow, then unset ("ask first"), then green.
    pub fn protection(self) -> u8 {
        match self {
            Self::Green => 0,
            Self::Unset => 1,
            Self::Yellow => 2,
            Self::Red => 3,
        }
    }

    /// The most protective of several concurrently set levels.
    pub fn most_protective(levels: impl IntoIterator<Item = Self>) -> Self {
        levels
            .into_iter()
            .max_by_key(|level| level.protection())
            .unwrap_or(Self::Unset)
    }
}

text_enum!(
    /// A kind of reasonable adjustment.
    AdjustmentKind, "adjustment" {
        /// A sign-language interpreter; the detail is the sign language (BCP 47, e.g. `bfi`).
        SignLanguageInterpreter => "sign-language-interpreter",
        /// A spoken-language interpreter; the detail is the language (BCP 47).
        SpokenLanguageInterpreter => "spoken-language-interpreter",
        EasyRead => "easy-read",
        LargePrint => "large-print",
        HighContrast => "high-contrast",
        /// Captions or speech-to-text.
        Captions => "captions",
        HearingLoop => "hearing-loop",
        /// Augmentative and alternative communication.
        Aac => "aac",
        TimeToReadAhead => "time-to-read-ahead",
        Breaks => "breaks",
        QuietSpace => "quiet-space",
        SupportPerson => "support-person",
        /// Anything else, in the person's words; the detail is the text.
        Note => "note",
    }
);

/// One reasonable adjustment a person asks for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Adjustment {
    pub kind: AdjustmentKind,
    /// The language for an interpreter, the text of a note; `None` otherwise.
    pub detail: Option<String>,
}

impl Adjustment {
    /// An adjustment that needs no detail.
    pub fn simple(kind: AdjustmentKind) -> Self {
        Self { kind, detail: None }
    }

    /// Checks the detail fits the kind, normalising it.
    pub fn validated(kind: AdjustmentKind, detail: Option<&str>) -> Result<Self> {
        let detail = detail.map(str::trim).filter(|d| !d.is_empty());
        let detail = match kind {
            AdjustmentKind::SignLanguageInterpreter | AdjustmentKind::SpokenLanguageInterpreter => {
                let language = detail
                    .ok_or_else(|| Error::invalid("adjustment", format!("{kind} needs the language (a BCP 47 tag)")))?;
                Some(LanguageTag::parse(language)?.to_string())
            }
            AdjustmentKind::Note => {
                let text = detail.ok_or_else(|| Error::invalid("adjustment", "a note needs its text"))?;
                Some(crate::text::note("adjustment", text)?)
            }
            _ => {
                if detail.is_some() {
                    return Err(Error::invalid("adjustment", format!("{kind} takes no detail")));
                }
                None
            }
        };
        Ok(Self { kind, detail })
    }

    /// The key of this adjustment in the participant document's add-wins set:
    /// two devices adding the same adjustment add the same key.
    pub(crate) fn set_key(&self) -> String {
        match &self.detail {
            Some(detail) => format!("{}:{detail}", self.kind),
            None => self.kind.to_string(),
        }
    }
}

/// One change of a person's badge, for the history an app can show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BadgeChange {
    pub level: InteractionBadge,
    pub member_id: MemberId,
    pub device_id: DeviceId,
    pub at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn red_beats_yellow_beats_unset_beats_green() {
        use InteractionBadge::*;
        assert_eq!(InteractionBadge::most_protective([Green, Red, Yellow]), Red);
        assert_eq!(InteractionBadge::most_protective([Green, Yellow]), Yellow);
        assert_eq!(InteractionBadge::most_protective([Green, Unset]), Unset);
        assert_eq!(InteractionBadge::most_protective([]), Unset);
    }

    #[test]
    fn badges_parse_from_their_names_only() {
        assert_eq!(InteractionBadge::parse("red").unwrap(), InteractionBadge::Red);
        assert!(InteractionBadge::parse("blue").is_err());
        assert!(InteractionBadge::parse("#ff0000").is_err());
    }

    #[test]
    fn interpreters_need_a_valid_language() {
        let ok = Adjustment::validated(AdjustmentKind::SignLanguageInterpreter, Some("bfi")).unwrap();
        assert_eq!(ok.set_key(), "sign-language-interpreter:bfi");
        assert!(Adjustment::validated(AdjustmentKind::SignLanguageInterpreter, None).is_err());
        assert!(Adjustment::validated(AdjustmentKind::SpokenLanguageInterpreter, Some("not a tag!")).is_err());
        assert!(Adjustment::validated(AdjustmentKind::EasyRead, Some("why")).is_err());
    }
}
