//! Ids cross the FFI as strings, checked on the way in: a malformed id is an
//! `InvalidInput` error naming the field, not a crash.

use storyloom::{
    CommentId, ConsentRecordId, DeviceId, HighlightId, MediaId, MemberId, ParticipantId, ProjectId, SegmentId, StoryId,
};

use crate::error::StoreError;

macro_rules! string_id {
    ($($id:ident),+) => {$(
        uniffi::custom_type!($id, String, {
            remote,
            lower: |id| id.to_string(),
            try_lift: |text| $id::parse(&text).map_err(|err| StoreError::from(err).into()),
        });
    )+};
}

string_id!(
    ProjectId,
    MemberId,
    DeviceId,
    StoryId,
    ParticipantId,
    HighlightId,
    CommentId,
    ConsentRecordId,
    MediaId,
    SegmentId
);
