//! A kill -9 in the middle of attaching a recording leaves either no item
//! or a whole one: never a reference to bytes that are not all there.

use std::fs;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use storyloom::{MediaId, Store};
use storyloom_scenarios::Phone;

#[test]
fn a_kill_mid_attach_leaves_no_item_or_a_whole_one() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.recorded_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "The bus stopped coming.");
    let recording: Vec<u8> = (0..(3 << 20) + 12345u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let source = asha.folder().join("recording.ogg");
    fs::write(&source, &recording).unwrap();
    let path = asha.path();
    asha.store.close().unwrap();

    let mut acknowledged: Vec<MediaId> = Vec::new();
    for round in 0..4u64 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_media-attacher"))
            .arg(&path)
            .arg(story.to_string())
            .arg(&source)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start media-attacher");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let started = Instant::now();
        // Wait for one acknowledged attach, then kill at a different moment
        // of the next one each round.
        if let Some(Ok(line)) = lines.next() {
            acknowledged.push(MediaId::parse(&line).unwrap());
        }
        std::thread::sleep(Duration::from_millis(round * 97));
        child.kill().expect("kill");
        child.wait().unwrap();
        for line in lines.map_while(Result::ok) {
            acknowledged.push(MediaId::parse(&line).unwrap());
        }
        assert!(started.elapsed() < Duration::from_secs(120));

        let store = Store::open(&path).expect("the store opens after a kill");
        let listed = store.story_media(story).unwrap();
        for id in &acknowledged {
            assert!(
                listed.iter().any(|i| i.id == *id),
                "acknowledged item {id} lost in round {round}"
            );
        }
        for item in &listed {
            assert!(item.present, "a listed item has all its bytes");
            let out = asha.folder().join(format!("out-{round}-{}", item.id));
            store.export_media(item.id, &out, false).unwrap();
            assert!(fs::read(&out).unwrap() == recording, "item {} is whole", item.id);
            fs::remove_file(out).unwrap();
        }
        store.close().unwrap();
    }
    assert!(acknowledged.len() >= 4);
}
