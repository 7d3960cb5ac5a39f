//! A keystroke in a transcript without reading the transcript: the writer
//! keeps the text of the transcript it last edited, keyed by the story
//! document's heads (exactly the state it is the text of), applies each
//! splice to it beside the document, and hands the new text to the index.
//! Any other state of the document (a merge, another process's write, a
//! reload) reads the text again.

use automerge::ChangeHash;
use uuid::Uuid;

use super::Writer;
use crate::documents::DocKind;
use crate::documents::story_doc::{self, StoryText};
use crate::error::Result;
use crate::model::ChangeKind;

/// The transcript last edited: the story, the heads it is the text at, and
/// the text.
pub(crate) type LastTranscript = Option<(Uuid, Vec<ChangeHash>, String)>;

impl Writer {
    pub(crate) fn splice_transcript(&mut self, id: Uuid, start: usize, delete: usize, insert: &str) -> Result<()> {
        self.locate(id, DocKind::Story)?;
        let cached = self.last_transcript.take();
        let doc = self.document(id, None)?;
        let heads = doc.get_heads();
        let current = match cached {
            Some((story, at, text)) if story == id && at == heads => text,
            _ => story_doc::transcript(doc)?,
        };
        let text = story_doc::spliced(&current, StoryText::Transcript, start, delete, insert)?;
        drop(current);
        self.transcript_for_index = Some((id, text));
        let edited = self.edit(id, DocKind::Story, ChangeKind::TranscriptEdited, |doc, _| {
            story_doc::splice_checked(doc, StoryText::Transcript, start, delete, insert)
        });
        // Left here by the index if it used the text (see `save_and_index`).
        let used = self.transcript_for_index.take();
        edited?;
        if let Some((story, text)) = used
            && let Some(doc) = self.docs.get_mut(&story)
        {
            self.last_transcript = Some((story, doc.get_heads(), text));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    //! Keystrokes applied to the kept text give exactly the document's
    //! text, and the index follows, whatever mix of splices (emoji,
    //! combining marks, ranges that are refused), whole-text updates and
    //! documents dropped from memory comes.

    use proptest::prelude::*;

    use crate::documents::story_doc;
    use crate::model::{MemberRole, NewParticipant, NewStory};
    use crate::store::{Store, story_uuid};

    #[derive(Debug, Clone)]
    enum Op {
        Splice { at: usize, delete: usize, insert: String },
        Replace(String),
        Evict,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            8 => (0usize..80, 0usize..6, "[a-z é😀\u{301}]{0,6}")
                .prop_map(|(at, delete, insert)| Op::Splice { at, delete, insert }),
            1 => "[a-z 😀]{0,40}".prop_map(Op::Replace),
            1 => Just(Op::Evict),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

        #[test]
        fn keystrokes_on_the_kept_text_are_the_documents_text(ops in proptest::collection::vec(op(), 1..30)) {
            let dir = tempfile::tempdir().unwrap();
            let store = Store::open(dir.path().join("s.storyloom")).unwrap();
            let (project, _) = store.create_project("P", "Asha", MemberRole::Reporter).unwrap();
            let teller = store
                .add_participant(project, &NewParticipant { display_name: "T".into(), ..Default::default() })
                .unwrap();
            let mut model = "the bus 😀 stopped e\u{301}very day".to_string();
            let story = store
                .create_story(project, &NewStory {
                    title: "S".into(),
                    storytellers: vec![teller],
                    transcript: model.clone(),
                    ..Default::default()
                })
                .unwrap();
            for op in ops {
                match op {
                    Op::Splice { at, delete, insert } => {
                        let expected = story_doc::spliced(&model, story_doc::StoryText::Transcript, at, delete, &insert);
                        let result = store.splice_transcript(story, at as u64, delete as u64, &insert);
                        prop_assert_eq!(result.is_ok(), expected.is_ok());
                        if let Ok(text) = expected {
                            model = text;
                        }
                    }
                    Op::Replace(text) => {
                        store.set_transcript(story, &text).unwrap();
                        model = text;
                    }
                    Op::Evict => {
                        store.write(|w| { w.docs.evict(&story_uuid(story)); Ok(()) }).unwrap();
                    }
                }
                prop_assert_eq!(&store.story(story).unwrap().transcript, &model);
            }
            // The index holds the final text: every word of it is found.
            for word in model.split_whitespace().filter(|w| w.chars().all(char::is_alphabetic)) {
                prop_assert_eq!(store.search(word, None, 5).unwrap().len(), 1, "word {}", word);
            }
        }
    }
}
