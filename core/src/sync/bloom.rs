//! Refusing Automerge sync messages whose Bloom filters would make the
//! receiver allocate without bound.
//!
//! Automerge trusts the probe count a peer writes into its `have` filter
//! and reserves memory for that many probes per change it checks: 2³²−1
//! probes is a 17 GB allocation, an abort that `catch_unwind` cannot stop
//! (issue 15, finding 7). Automerge's own filters always use 10 bits per
//! entry and 7 probes; anything else did not come from an honest peer.

use automerge::sync::Message;

use super::Budget;
use crate::error::{Error, Result};

/// Automerge's `BITS_PER_ENTRY` and `NUM_PROBES` (sync/bloom.rs).
const BITS_PER_ENTRY: u64 = 10;
const NUM_PROBES: u64 = 7;

/// Decodes a peer's Automerge sync message for document `id`, refusing it
/// if a Bloom filter is not Automerge's own or its changes do not fit the
/// budget.
pub(crate) fn decode_sync_message(bytes: &[u8], budget: &mut Budget, id: uuid::Uuid) -> Result<Message> {
    let message = Message::decode(bytes)
        .map_err(|_| Error::SyncRejected(format!("the sync message for document {id} is malformed")))?;
    check(&message)?;
    budget.charge_all(message.changes.iter())?;
    Ok(message)
}

/// Checks every `have` filter of a decoded sync message.
pub(crate) fn check(message: &Message) -> Result<()> {
    for have in &message.have {
        let bytes = have.bloom.to_bytes();
        if bytes.is_empty() {
            continue; // an empty filter: no entries, no probes
        }
        let mut input = &bytes[..];
        let entries = uleb(&mut input)?;
        let bits_per_entry = uleb(&mut input)?;
        let probes = uleb(&mut input)?;
        if entries == 0 || bits_per_entry != BITS_PER_ENTRY || probes != NUM_PROBES {
            return Err(Error::SyncRejected(format!(
                "a sync message's Bloom filter uses {bits_per_entry} bits per entry and {probes} probes; \
                 only Automerge's own {BITS_PER_ENTRY} and {NUM_PROBES} are accepted"
            )));
        }
    }
    Ok(())
}

fn uleb(input: &mut &[u8]) -> Result<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let Some((&byte, rest)) = input.split_first() else {
            break;
        };
        *input = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(Error::SyncRejected("a sync message's Bloom filter is malformed".into()))
}

#[cfg(test)]
mod tests {
    use automerge::AutoCommit;
    use automerge::sync::{State, SyncDoc};
    use automerge::transaction::Transactable;

    use super::*;

    /// A real `have` message from Automerge, its probe count rewritten.
    fn message_with_probes(probes: u8) -> Message {
        let mut doc = AutoCommit::new();
        doc.put(automerge::ROOT, "title", "The 42").unwrap();
        doc.commit();
        let mut state = State::new();
        let mut message = doc.sync().generate_sync_message(&mut state).unwrap();
        // A filter is only written once the sender has seen the peer.
        message.have = vec![automerge::sync::Have {
            last_sync: Vec::new(),
            bloom: automerge::sync::BloomFilter::from_hashes(doc.get_heads().into_iter()),
        }];
        let mut bytes = message.have[0].bloom.to_bytes();
        assert_eq!(&bytes[..3], &[1, 10, 7]);
        bytes[2] = probes;
        message.have[0].bloom = automerge::sync::BloomFilter::try_from(&bytes[..]).unwrap();
        message
    }

    #[test]
    fn automerge_s_own_filters_pass_and_inflated_ones_are_refused() {
        check(&message_with_probes(7)).unwrap();
        assert!(matches!(check(&message_with_probes(8)), Err(Error::SyncRejected(_))));
        assert!(matches!(check(&message_with_probes(0x7f)), Err(Error::SyncRejected(_))));
    }
}
