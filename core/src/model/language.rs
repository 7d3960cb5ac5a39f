//! BCP 47 language tags, validated and kept in their canonical case.

use std::fmt;

use serde::Serialize;

use crate::error::{Error, Result};

/// A valid BCP 47 language tag such as `en-GB`, `cy` or `bfi` (British Sign Language).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct LanguageTag(String);

impl LanguageTag {
    /// Parses and validates a tag given by a caller.
    pub fn parse(text: &str) -> Result<Self> {
        let trimmed = text.trim();
        let tag = oxilangtag::LanguageTag::parse_and_normalize(trimmed).map_err(|err| {
            Error::invalid(
                "language",
                format!(
                    "{:?} is not a BCP 47 language tag ({err})",
                    trimmed.chars().take(40).collect::<String>()
                ),
            )
        })?;
        Ok(Self(tag.into_inner()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LanguageTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_tags_are_normalised() {
        assert_eq!(LanguageTag::parse("en-gb").unwrap().as_str(), "en-GB");
        assert_eq!(LanguageTag::parse("cy").unwrap().as_str(), "cy");
        assert_eq!(LanguageTag::parse("zh-Hant-TW").unwrap().as_str(), "zh-Hant-TW");
    }

    #[test]
    fn invalid_tags_are_refused() {
        for bad in ["", "en_GB!", "12", "e", "en--gb"] {
            assert!(LanguageTag::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
