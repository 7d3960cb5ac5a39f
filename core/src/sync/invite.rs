//! Invites: a string fit for a QR code or a text message that gives a new
//! device a project's id, name and group secret. Anyone holding an invite
//! can join the group, so it is shown, not stored (see ADR 0006).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::secret::GroupSecret;
use crate::error::{Error, Result};
use crate::ids::ProjectId;

const PREFIX: &str = "storyloom:1:";
/// Long names are cut so the invite stays small enough for a QR code.
const MAX_NAME_CHARS: usize = 48;

#[derive(Serialize, Deserialize)]
struct Payload {
    project: [u8; 16],
    secret: [u8; 32],
    name: String,
}

/// What an invite carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    pub project: ProjectId,
    pub project_name: String,
    pub(crate) secret: GroupSecret,
}

impl Invite {
    pub(crate) fn encode(&self) -> Result<String> {
        let payload = Payload {
            project: *self.project.as_bytes(),
            secret: *self.secret.as_bytes(),
            name: self.project_name.chars().take(MAX_NAME_CHARS).collect(),
        };
        let bytes =
            postcard::to_allocvec(&payload).map_err(|e| Error::Storage(format!("could not encode invite: {e}")))?;
        Ok(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// Reads an invite; anything else is invalid input.
    pub fn parse(text: &str) -> Result<Self> {
        let invalid = || {
            Error::invalid(
                "invite",
                "is not a Storyloom invite (it should start with storyloom:1:)",
            )
        };
        let body = text.trim().strip_prefix(PREFIX).ok_or_else(invalid)?;
        let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| invalid())?;
        let payload: Payload = postcard::from_bytes(&bytes).map_err(|_| invalid())?;
        Ok(Self {
            project: ProjectId::from_bytes(payload.project),
            project_name: payload.name,
            secret: GroupSecret::from_bytes(&payload.secret)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invites_round_trip_and_fit_a_qr_code() {
        let invite = Invite {
            project: ProjectId::new(),
            project_name: "Leeds bus routes — autumn listening".into(),
            secret: GroupSecret::generate().unwrap(),
        };
        let text = invite.encode().unwrap();
        assert!(text.len() < 200, "{} characters", text.len());
        assert_eq!(Invite::parse(&text).unwrap(), invite);
    }

    #[test]
    fn anything_else_is_invalid_input() {
        for bad in [
            "",
            "hello",
            "storyloom:1:",
            "storyloom:1:!!!",
            "storyloom:1:AAAA",
            "storyloom:2:AAAA",
        ] {
            assert!(matches!(Invite::parse(bad), Err(Error::InvalidInput { .. })), "{bad:?}");
        }
    }
}
