//! Writes to a store as fast as it can and prints the id of every story
//! whose write has returned, so a test can kill it at a random moment and
//! check that every acknowledged story survived.
//!
//! Usage: crash-writer STORE_PATH

use std::io::Write;

use storyloom::{MemberRole, NewStory, Store};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: crash-writer STORE_PATH");
        std::process::exit(2);
    };
    let store = Store::open(&path).expect("open store");
    let project = match store.projects().expect("projects").first() {
        Some(project) => project.id,
        None => {
            store
                .create_project("Crash test", "Writer", MemberRole::Reporter)
                .expect("project")
                .0
        }
    };
    let stdout = std::io::stdout();
    for n in 0u64.. {
        let story = store
            .create_story(
                project,
                &NewStory {
                    title: format!("Story {n}"),
                    transcript: "words ".repeat(200),
                    ..Default::default()
                },
            )
            .expect("create story");
        store.splice_transcript(story, 0, 0, "edited ").expect("edit");
        let mut out = stdout.lock();
        writeln!(out, "{story}").expect("stdout");
        out.flush().expect("flush");
    }
}
