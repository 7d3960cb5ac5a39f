//! The consent rule: which scopes are in force for a storyteller and story,
//! computed from the ledger alone. Written down with examples in
//! `docs/consent.md`.
//!
//! A scope S is in force for storyteller P and story T at time `now` when
//!
//! 1. some grant G by P covers T (G is for T, or for all of P's stories)
//!    and lists S;
//! 2. G has not expired: `now < G.expires_at`, where `now` is the later of
//!    the device clock and the latest time any ledger record carries (so a
//!    phone whose clock runs slow cannot keep expired consent alive);
//! 3. every withdrawal W by P that covers T and S (W is for T or for all of
//!    P's stories; W lists S, lists no scope, or asks for erasure) is among
//!    the withdrawals G acknowledges — the ones the recording device knew of
//!    when G was recorded.
//!
//! Rule 3 is what makes a withdrawal stick: a grant recorded on a phone that
//! had not seen the withdrawal cannot override it, however late its clock
//! says it was made; only a grant recorded after the withdrawal was known
//! restores the scope. The result depends only on the set of records (and
//! `now`), never on the order they arrived in.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Attribution, ConsentGrant, ConsentRecord, ConsentScope, ConsentWithdrawal};
use crate::ids::{ParticipantId, StoryId};

/// The consent in force for one storyteller, for one story or for all of
/// their stories.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EffectiveConsent {
    pub storyteller: ParticipantId,
    pub story: Option<StoryId>,
    /// The scopes in force, in declaration order.
    pub scopes: Vec<ConsentScope>,
    /// How the storyteller is credited: the most protective attribution of
    /// the grants in force; anonymous when none is.
    pub attribution: Attribution,
    /// An erasure covers this story (or all the storyteller's stories).
    pub erased: bool,
    /// The earliest review date among the grants in force.
    pub review_at: Option<DateTime<Utc>>,
}

impl EffectiveConsent {
    pub fn allows(&self, scope: ConsentScope) -> bool {
        self.scopes.contains(&scope)
    }
}

/// Whether a record about `record_story` applies to `story` (a record for
/// all stories applies to every story; asking about all stories, only a
/// record for all stories applies).
fn covers(record_story: Option<StoryId>, story: Option<StoryId>) -> bool {
    record_story.is_none() || record_story == story
}

fn withdraws(withdrawal: &ConsentWithdrawal, scope: ConsentScope) -> bool {
    withdrawal.erase || withdrawal.scopes.is_empty() || withdrawal.scopes.contains(&scope)
}

/// How far ahead of the device clock a record's time may move the expiry
/// clock. A record dated further ahead (a badly wrong clock, or a forgery)
/// does not move it at all, so it cannot lapse every expiring grant.
pub(crate) const MAX_CLOCK_SKEW: chrono::Duration = chrono::Duration::hours(24);

/// The clock consent expiry is judged by: never earlier than any record in
/// the ledger dated at most [`MAX_CLOCK_SKEW`] ahead of `now`.
pub(crate) fn judging_time(records: &[ConsentRecord], now: DateTime<Utc>) -> DateTime<Utc> {
    records
        .iter()
        .map(ConsentRecord::at)
        .filter(|at| *at <= now + MAX_CLOCK_SKEW)
        .fold(now, DateTime::max)
}

/// The consent in force for `storyteller` and `story` (`None`: all their
/// stories) according to `records`.
pub fn effective(
    records: &[ConsentRecord],
    storyteller: ParticipantId,
    story: Option<StoryId>,
    now: DateTime<Utc>,
) -> EffectiveConsent {
    let now = judging_time(records, now);
    let mut grants: Vec<&ConsentGrant> = Vec::new();
    let mut withdrawals: Vec<&ConsentWithdrawal> = Vec::new();
    for record in records {
        match record {
            ConsentRecord::Grant(g) if g.storyteller == storyteller && covers(g.story, story) => grants.push(g),
            ConsentRecord::Withdrawal(w) if w.storyteller == storyteller && covers(w.story, story) => {
                withdrawals.push(w)
            }
            _ => {}
        }
    }
    let mut scopes = BTreeSet::new();
    let mut in_force: Vec<&ConsentGrant> = Vec::new();
    for grant in grants {
        if grant.expires_at.is_some_and(|expiry| now >= expiry) {
            continue;
        }
        let mut contributes = false;
        for scope in &grant.scopes {
            let overridden = withdrawals
                .iter()
                .any(|w| withdraws(w, *scope) && !grant.acknowledges.contains(&w.id));
            if !overridden {
                scopes.insert(*scope);
                contributes = true;
            }
        }
        if contributes {
            in_force.push(grant);
        }
    }
    let attribution = in_force
        .iter()
        .map(|g| g.attribution)
        .max_by_key(|a| a.protection())
        .unwrap_or(Attribution::Anonymous);
    EffectiveConsent {
        storyteller,
        story,
        scopes: scopes.into_iter().collect(),
        attribution,
        erased: withdrawals.iter().any(|w| w.erase),
        review_at: in_force.iter().filter_map(|g| g.review_at).min(),
    }
}

/// The scopes in force for a story with several storytellers: only what
/// every one of them allows. A story with no storyteller has none.
pub(crate) fn story_scopes(
    records: &[ConsentRecord],
    storytellers: &[ParticipantId],
    story: StoryId,
    now: DateTime<Utc>,
) -> Vec<ConsentScope> {
    let mut common: Option<BTreeSet<ConsentScope>> = None;
    for storyteller in storytellers {
        let theirs: BTreeSet<_> = effective(records, *storyteller, Some(story), now)
            .scopes
            .into_iter()
            .collect();
        common = Some(match common {
            None => theirs,
            Some(so_far) => so_far.intersection(&theirs).copied().collect(),
        });
    }
    common.map(|s| s.into_iter().collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::ConsentMethod;
    use crate::ids::{ConsentRecordId, DeviceId, MemberId};
    use chrono::Duration;
    use proptest::prelude::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::minutes(minutes)
    }

    fn grant(p: ParticipantId, story: Option<StoryId>, scopes: &[ConsentScope], when: i64) -> ConsentGrant {
        ConsentGrant {
            id: ConsentRecordId::new(),
            storyteller: p,
            story,
            scopes: scopes.to_vec(),
            given_at: at(when),
            recorded_by: MemberId::new(),
            device: DeviceId::new(),
            method: ConsentMethod::Spoken,
            information_version: "1".into(),
            information_language: "en".into(),
            evidence: None,
            expires_at: None,
            review_at: None,
            attribution: Attribution::Named,
            acknowledges: Vec::new(),
        }
    }

    fn withdrawal(p: ParticipantId, story: Option<StoryId>, scopes: &[ConsentScope], when: i64) -> ConsentWithdrawal {
        ConsentWithdrawal {
            id: ConsentRecordId::new(),
            storyteller: p,
            story,
            scopes: scopes.to_vec(),
            withdrawn_at: at(when),
            recorded_by: MemberId::new(),
            device: DeviceId::new(),
            erase: false,
        }
    }

    use ConsentScope::*;

    #[test]
    fn nothing_is_granted_without_a_grant() {
        let p = ParticipantId::new();
        assert!(effective(&[], p, None, at(0)).scopes.is_empty());
    }

    #[test]
    fn a_record_dated_far_ahead_does_not_lapse_expiring_grants() {
        let p = ParticipantId::new();
        let mut expiring = grant(p, None, &[Research], 0);
        expiring.expires_at = Some(at(60 * 24 * 30));
        let year_9000 = ConsentGrant {
            given_at: DateTime::parse_from_rfc3339("9000-01-01T00:00:00Z").unwrap().to_utc(),
            ..grant(p, None, &[Archive], 0)
        };
        let an_hour_ahead = grant(p, None, &[Archive], 60);
        let records = [ConsentRecord::Grant(expiring), ConsentRecord::Grant(year_9000)];
        assert!(effective(&records, p, None, at(0)).allows(Research));
        // A record within the skew still moves the clock, as before.
        assert_eq!(judging_time(&[ConsentRecord::Grant(an_hour_ahead)], at(0)), at(60));
    }

    #[test]
    fn a_grant_for_all_stories_covers_each_story_but_not_the_reverse() {
        let (p, s) = (ParticipantId::new(), StoryId::new());
        let all = [ConsentRecord::Grant(grant(p, None, &[Research], 0))];
        assert_eq!(effective(&all, p, Some(s), at(1)).scopes, vec![Research]);
        let one = [ConsentRecord::Grant(grant(p, Some(s), &[Research], 0))];
        assert!(effective(&one, p, None, at(1)).scopes.is_empty());
        assert!(effective(&one, p, Some(StoryId::new()), at(1)).scopes.is_empty());
    }

    #[test]
    fn a_withdrawal_not_known_to_the_grant_wins_even_if_the_grant_is_later() {
        let (p, s) = (ParticipantId::new(), StoryId::new());
        let w = withdrawal(p, None, &[Research], 10);
        // Recorded offline with a clock that says later, never having seen w.
        let late = grant(p, Some(s), &[Research, Archive], 60);
        let records = [ConsentRecord::Withdrawal(w.clone()), ConsentRecord::Grant(late)];
        assert_eq!(effective(&records, p, Some(s), at(61)).scopes, vec![Archive]);
    }

    #[test]
    fn re_consent_after_the_withdrawal_was_known_restores_the_scope() {
        let (p, s) = (ParticipantId::new(), StoryId::new());
        let w = withdrawal(p, None, &[], 10);
        let mut again = grant(p, None, &[Research], 5); // even with a clock that says earlier
        again.acknowledges = vec![w.id];
        let records = [ConsentRecord::Withdrawal(w), ConsentRecord::Grant(again)];
        assert_eq!(effective(&records, p, Some(s), at(20)).scopes, vec![Research]);
    }

    #[test]
    fn expired_grants_are_not_in_force_and_a_slow_clock_cannot_revive_them() {
        let p = ParticipantId::new();
        let mut g = grant(p, None, &[Research], 0);
        g.expires_at = Some(at(30));
        let newer = withdrawal(p, Some(StoryId::new()), &[Contact], 40);
        let records = [ConsentRecord::Grant(g.clone())];
        assert_eq!(effective(&records, p, None, at(29)).scopes, vec![Research]);
        assert!(effective(&records, p, None, at(30)).scopes.is_empty());
        // This phone's clock says minute 20, but the ledger holds a record
        // from minute 40: expiry is judged at minute 40.
        let records = [ConsentRecord::Grant(g), ConsentRecord::Withdrawal(newer)];
        assert!(effective(&records, p, None, at(20)).scopes.is_empty());
    }

    #[test]
    fn erasure_withdraws_every_scope() {
        let (p, s) = (ParticipantId::new(), StoryId::new());
        let mut w = withdrawal(p, Some(s), &[Research], 10);
        w.erase = true;
        let records = [
            ConsentRecord::Grant(grant(p, None, &[Research, Archive], 0)),
            ConsentRecord::Withdrawal(w),
        ];
        let story = effective(&records, p, Some(s), at(11));
        assert!(story.scopes.is_empty());
        assert!(story.erased);
        assert_eq!(
            effective(&records, p, Some(StoryId::new()), at(11)).scopes,
            vec![Research, Archive]
        );
    }

    #[test]
    fn attribution_is_the_most_protective_of_the_grants_in_force() {
        let p = ParticipantId::new();
        let mut named = grant(p, None, &[Research], 0);
        named.attribution = Attribution::Named;
        let mut anonymous = grant(p, None, &[Archive], 0);
        anonymous.attribution = Attribution::Anonymous;
        let records = [ConsentRecord::Grant(named), ConsentRecord::Grant(anonymous)];
        assert_eq!(effective(&records, p, None, at(1)).attribution, Attribution::Anonymous);
    }

    #[test]
    fn a_story_with_several_storytellers_has_only_what_all_allow() {
        let (a, b, s) = (ParticipantId::new(), ParticipantId::new(), StoryId::new());
        let records = [
            ConsentRecord::Grant(grant(a, None, &[Research, Archive], 0)),
            ConsentRecord::Grant(grant(b, Some(s), &[Research], 0)),
        ];
        assert_eq!(story_scopes(&records, &[a, b], s, at(1)), vec![Research]);
        assert!(story_scopes(&records, &[], s, at(1)).is_empty());
    }

    fn arbitrary_scopes() -> impl Strategy<Value = Vec<ConsentScope>> {
        proptest::sample::subsequence(ConsentScope::ALL.to_vec(), 0..4)
    }

    proptest! {
        /// The same records in any order, with any duplicates, give the same
        /// effective consent.
        #[test]
        fn effective_consent_does_not_depend_on_record_order(
            specs in proptest::collection::vec((any::<bool>(), any::<bool>(), arbitrary_scopes(), 0i64..100, any::<bool>(), any::<u8>()), 1..12),
            order in any::<u64>(),
        ) {
            let p = ParticipantId::new();
            let s = StoryId::new();
            let mut records: Vec<ConsentRecord> = Vec::new();
            for (is_grant, for_story, scopes, when, erase, ack) in specs {
                let story = for_story.then_some(s);
                if is_grant {
                    let mut g = grant(p, story, &scopes, when);
                    // Acknowledge some of the withdrawals recorded so far.
                    g.acknowledges = records.iter().enumerate()
                        .filter(|(i, r)| matches!(r, ConsentRecord::Withdrawal(_)) && (ack >> (i % 8)) & 1 == 1)
                        .map(|(_, r)| r.id()).collect();
                    if when % 3 == 0 { g.expires_at = Some(at(when + 20)); }
                    records.push(ConsentRecord::Grant(g));
                } else {
                    let mut w = withdrawal(p, story, &scopes, when);
                    w.erase = erase && when % 5 == 0;
                    records.push(ConsentRecord::Withdrawal(w));
                }
            }
            let expected = effective(&records, p, Some(s), at(50));
            let mut shuffled = records.clone();
            let mut seed = order;
            for i in (1..shuffled.len()).rev() {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                shuffled.swap(i, (seed >> 33) as usize % (i + 1));
            }
            shuffled.extend(records.iter().take(2).cloned());
            prop_assert_eq!(effective(&shuffled, p, Some(s), at(50)), expected);
        }
    }
}
