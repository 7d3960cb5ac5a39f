//! A kill -9 in the middle of a sync that carries a recording: the
//! receiving phone shows the recording either not present or whole, never
//! half, and the next sync completes it.

use std::fs;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use storyloom::Store;
use storyloom_scenarios::{Phone, sync};

#[test]
fn a_kill_mid_sync_leaves_nothing_half_visible_and_the_next_sync_completes() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let ben = Phone::invited("Ben", &asha, project);
    let amira = asha.recorded_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "The bus stopped coming.");
    let recording: Vec<u8> = (0..(6 << 20) + 4321u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    let item = asha
        .store
        .attach_media_bytes(
            story,
            &recording,
            &storyloom::NewMedia::new(storyloom::MediaKind::Audio),
        )
        .unwrap();
    let (a_path, b_path) = (asha.path(), ben.path());
    asha.store.close().unwrap();
    ben.store.close().unwrap();

    let mut last = 0u64;
    for round in 1..=3u64 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_media-syncer"))
            .args([a_path.as_os_str(), b_path.as_os_str()])
            .arg(project.to_string())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start media-syncer");
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        // Kill once Ben has received about `round` more chunks.
        for line in lines.map_while(Result::ok) {
            if line == "done" {
                break;
            }
            let got: u64 = line.parse().unwrap();
            if got >= round << 20 {
                last = last.max(got);
                break;
            }
        }
        child.kill().expect("kill");
        child.wait().unwrap();

        let b = Store::open(&b_path).expect("Ben's store opens after a kill");
        let listed = b.story_media(story).unwrap();
        if let Some(found) = listed.iter().find(|i| i.id == item.id)
            && found.present
        {
            let out = ben.folder().join(format!("round-{round}"));
            b.export_media(item.id, &out, false).unwrap();
            assert!(fs::read(&out).unwrap() == recording, "a present item is whole");
        } else {
            assert!(matches!(
                b.read_media(item.id, 0, 1),
                Err(storyloom::Error::MediaNotPresent { .. } | storyloom::Error::NotFound { .. })
            ));
        }
        b.close().unwrap();
    }
    assert!(last > 0, "the child was killed while media was moving");

    let mut asha = asha;
    let mut ben = ben;
    asha.reopen();
    ben.reopen();
    sync(&asha, &ben, project);
    let out = ben.folder().join("after.ogg");
    ben.store.export_media(item.id, &out, false).unwrap();
    assert!(
        fs::read(&out).unwrap() == recording,
        "the next sync completes the recording"
    );
}
