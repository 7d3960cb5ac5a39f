//! The command line refuses a withdrawal that names another storyteller's
//! story, as a reporter typing the wrong id would (issue 8 §2).

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn run(store: &PathBuf, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_storyloom"))
        .arg("--store")
        .arg(store)
        .arg("--json")
        .args(args)
        .output()
        .expect("run storyloom")
}

fn ok(store: &PathBuf, args: &[&str]) -> Value {
    let out = run(store, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn consent_withdraw_with_another_storytellers_story_is_refused_and_erases_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("phone.storyloom");
    ok(&store, &["init", "--project", "Leeds listening", "--member", "Asha"]);
    let amira = ok(&store, &["participant", "add", "--name", "Amira"])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let bilal = ok(&store, &["participant", "add", "--name", "Bilal"])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let bilals = ok(&store, &["story", "add", "--title", "Bilal's", "--storyteller", &bilal])["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let out = run(
        &store,
        &[
            "consent",
            "withdraw",
            "--storyteller",
            &amira,
            "--story",
            &bilals,
            "--erase",
        ],
    );
    assert!(!out.status.success());
    let error: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(error["error"]["kind"], "invalid_input", "{error}");
    assert!(error.to_string().contains("story"), "{error}");

    assert_eq!(ok(&store, &["story", "show", &bilals])["title"], "Bilal's");
    let shown = ok(&store, &["consent", "show", "--storyteller", &amira]);
    assert_eq!(shown["records"].as_array().unwrap().len(), 0, "nothing recorded");
}
