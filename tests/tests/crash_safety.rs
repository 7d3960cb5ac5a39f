//! A write the API has returned from survives the process being killed.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use storyloom::{Store, StoryId};

#[test]
fn every_acknowledged_story_survives_a_kill_mid_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.storyloom");
    let mut acknowledged: Vec<StoryId> = Vec::new();

    // Kill the writer three times at different moments, reopening in between.
    for round in 0..3u64 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_crash-writer"))
            .arg(&path)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start crash-writer");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let started = Instant::now();
        let wanted = 20 + round * 17;
        let mut seen = 0;
        while seen < wanted && started.elapsed() < Duration::from_secs(60) {
            match lines.next() {
                Some(Ok(line)) => {
                    acknowledged.push(StoryId::parse(&line).unwrap());
                    seen += 1;
                }
                _ => break,
            }
        }
        child.kill().expect("kill");
        child.wait().unwrap();
        // Anything printed after we stopped reading was acknowledged too.
        for line in lines.map_while(Result::ok) {
            acknowledged.push(StoryId::parse(&line).unwrap());
        }
        assert!(seen > 0, "the writer made progress in round {round}");

        let store = Store::open(&path).expect("the store opens after a kill");
        for id in &acknowledged {
            let story = store
                .story(*id)
                .unwrap_or_else(|e| panic!("story {id} lost in round {round}: {e}"));
            assert!(
                story.transcript.starts_with("edited "),
                "the acknowledged edit of {id} survived"
            );
        }
        let project = store.projects().unwrap()[0].id;
        let listed = store
            .list_stories(&storyloom::StoryQuery {
                limit: 500,
                ..storyloom::StoryQuery::new(project)
            })
            .unwrap();
        assert!(
            listed.stories.len() >= acknowledged.len(),
            "the index agrees with the documents"
        );
        store.close().unwrap();
    }
}
