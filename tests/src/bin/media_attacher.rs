//! Attaches the same recording to a story again and again and prints the
//! id of every media item whose attach has returned, so a test can kill it
//! mid-attach and check that each item is whole or absent.
//!
//! Usage: media-attacher STORE_PATH STORY_ID FILE

use std::io::Write;

use storyloom::{MediaKind, NewMedia, Store, StoryId};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, store, story, file] = args.as_slice() else {
        eprintln!("usage: media-attacher STORE_PATH STORY_ID FILE");
        std::process::exit(2);
    };
    let store = Store::open(store).expect("open store");
    let story = StoryId::parse(story).expect("story id");
    let stdout = std::io::stdout();
    loop {
        let item = store
            .attach_media_file(story, std::path::Path::new(file), &NewMedia::new(MediaKind::Audio))
            .expect("attach");
        let mut out = stdout.lock();
        writeln!(out, "{}", item.id).expect("stdout");
        out.flush().expect("flush");
    }
}
