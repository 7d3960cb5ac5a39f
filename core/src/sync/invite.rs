//! Invites: a string fit for a QR code or a text message that gives a new
//! device a project's id, name and group secret. Anyone holding an invite
//! can join the group, so it is shown, not stored (see ADR 0006).
//!
//! Invites are typed in by hand as often as scanned, so version 2 ends with
//! a checksum: a mistyped, cut or extended invite is refused as mistyped
//! instead of joining a project that does not exist, or the right project
//! with a wrong secret. Version 1 invites had no checksum, so a mistyped one
//! could not be told from a good one; they are refused with a request for a
//! new invite.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::secret::GroupSecret;
use crate::error::{Error, Result};
use crate::ids::ProjectId;

const PREFIX: &str = "storyloom:2:";
const OLD_PREFIX: &str = "storyloom:1:";
/// Long names are cut so the invite stays small enough for a QR code.
const MAX_NAME_CHARS: usize = 48;
/// Bytes of SHA-256 kept as the checksum: a mistyped invite passes by
/// chance once in four billion.
const CHECKSUM_LEN: usize = 4;
/// Longer text is not an invite; refused before it is decoded.
const MAX_INVITE_CHARS: usize = 1024;

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

fn checksum(payload: &[u8]) -> [u8; CHECKSUM_LEN] {
    let digest = Sha256::new()
        .chain_update(PREFIX.as_bytes())
        .chain_update(payload)
        .finalize();
    let mut sum = [0u8; CHECKSUM_LEN];
    sum.copy_from_slice(&digest[..CHECKSUM_LEN]);
    sum
}

fn mistyped() -> Error {
    Error::invalid(
        "invite",
        "is mistyped or incomplete (its checksum does not match): copy or scan it again",
    )
}

impl Invite {
    pub(crate) fn encode(&self) -> Result<String> {
        let payload = Payload {
            project: *self.project.as_bytes(),
            secret: *self.secret.as_bytes(),
            name: self.project_name.chars().take(MAX_NAME_CHARS).collect(),
        };
        let mut bytes =
            postcard::to_allocvec(&payload).map_err(|e| Error::Storage(format!("could not encode invite: {e}")))?;
        let sum = checksum(&bytes);
        bytes.extend_from_slice(&sum);
        Ok(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// Reads an invite; anything else is invalid input.
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        if text.len() > MAX_INVITE_CHARS {
            return Err(Error::invalid("invite", "is far too long to be a Storyloom invite"));
        }
        if text.starts_with(OLD_PREFIX) {
            return Err(Error::invalid(
                "invite",
                "was made by an older version of Storyloom (storyloom:1:); ask for a new invite",
            ));
        }
        let body = text.strip_prefix(PREFIX).ok_or_else(|| {
            Error::invalid(
                "invite",
                "is not a Storyloom invite (it should start with storyloom:2:)",
            )
        })?;
        let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| mistyped())?;
        let split = bytes.len().checked_sub(CHECKSUM_LEN).ok_or_else(mistyped)?;
        let (payload, sum) = bytes.split_at(split);
        if sum != checksum(payload) {
            return Err(mistyped());
        }
        let (payload, rest): (Payload, &[u8]) = postcard::take_from_bytes(payload).map_err(|_| mistyped())?;
        if !rest.is_empty() {
            return Err(mistyped());
        }
        // Well-formed but empty: only a forged or broken invite looks like this.
        if payload.project == [0; 16] {
            return Err(Error::invalid(
                "invite",
                "names no project (its project id is all zeros)",
            ));
        }
        if payload.secret == [0; 32] {
            return Err(Error::invalid("invite", "holds no group secret (it is all zeros)"));
        }
        Ok(Self {
            project: ProjectId::from_bytes(payload.project),
            project_name: payload.name,
            secret: GroupSecret::from_bytes(&payload.secret)?,
        })
    }
}

/// An invite for `project` with any secret, checksum included: for tests
/// that play a device holding the wrong secret.
#[cfg(feature = "test-support")]
pub(crate) fn encode_for_test(project: ProjectId, name: &str, secret: [u8; 32]) -> Result<String> {
    Invite {
        project,
        project_name: name.into(),
        secret: GroupSecret::from_bytes(&secret)?,
    }
    .encode()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn an_invite() -> (Invite, String) {
        let invite = Invite {
            project: ProjectId::new(),
            project_name: "Leeds bus routes — autumn listening".into(),
            secret: GroupSecret::generate().unwrap(),
        };
        let text = invite.encode().unwrap();
        (invite, text)
    }

    fn reason(err: Error) -> String {
        match err {
            Error::InvalidInput { field, reason } => {
                assert_eq!(field, "invite");
                reason
            }
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn invites_round_trip_and_fit_a_qr_code() {
        let (invite, text) = an_invite();
        assert!(text.len() < 200, "{} characters", text.len());
        assert_eq!(Invite::parse(&text).unwrap(), invite);
    }

    #[test]
    fn anything_else_is_invalid_input() {
        for bad in [
            "",
            "hello",
            "storyloom:2:",
            "storyloom:2:!!!",
            "storyloom:2:AAAA",
            "storyloom:3:AAAA",
            "storyloom:1:AAAA",
        ] {
            assert!(matches!(Invite::parse(bad), Err(Error::InvalidInput { .. })), "{bad:?}");
        }
    }

    #[test]
    fn every_single_character_typo_is_refused_as_mistyped() {
        let (_, text) = an_invite();
        let body_start = PREFIX.len();
        for at in body_start..text.len() {
            for replacement in ['A', 'b', '7', '-', '_'] {
                let mut typo: Vec<char> = text.chars().collect();
                if typo[at] == replacement {
                    continue;
                }
                typo[at] = replacement;
                let typo: String = typo.into_iter().collect();
                let err = Invite::parse(&typo).expect_err(&typo);
                assert!(reason(err).contains("mistyped"), "{typo}");
            }
        }
    }

    #[test]
    fn a_cut_or_extended_invite_is_refused_as_mistyped() {
        let (_, text) = an_invite();
        for cut in PREFIX.len() + 1..text.len() {
            assert!(reason(Invite::parse(&text[..cut]).unwrap_err()).contains("mistyped"));
        }
        for extra in ["A", "AA", "AAAA", "x7"] {
            let longer = format!("{text}{extra}");
            assert!(
                reason(Invite::parse(&longer).unwrap_err()).contains("mistyped"),
                "{longer}"
            );
        }
    }

    #[test]
    fn the_nil_project_and_an_all_zero_secret_are_refused() {
        let nil = Invite {
            project: ProjectId::from_bytes([0; 16]),
            project_name: "P".into(),
            secret: GroupSecret::generate().unwrap(),
        };
        assert!(reason(Invite::parse(&nil.encode().unwrap()).unwrap_err()).contains("no project"));
        let zero = Invite {
            project: ProjectId::new(),
            project_name: "P".into(),
            secret: GroupSecret::from_bytes(&[0; 32]).unwrap(),
        };
        assert!(reason(Invite::parse(&zero.encode().unwrap()).unwrap_err()).contains("no group secret"));
    }

    #[test]
    fn an_old_invite_asks_for_a_new_one() {
        assert!(
            reason(
                Invite::parse("storyloom:1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
                    .unwrap_err()
            )
            .contains("new invite")
        );
    }
}
