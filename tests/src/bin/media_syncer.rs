//! Syncs a project between two stores, one small message at a time, and
//! prints how many media bytes the second has received after each message,
//! so a test can kill it in the middle of a media-carrying session.
//!
//! Usage: media-syncer STORE_A STORE_B PROJECT_ID

use std::io::Write;

use storyloom::sync::SyncLimits;
use storyloom::{ProjectId, Store};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, a, b, project] = args.as_slice() else {
        eprintln!("usage: media-syncer STORE_A STORE_B PROJECT_ID");
        std::process::exit(2);
    };
    let a = Store::open(a).expect("open store a");
    let b = Store::open(b).expect("open store b");
    let project = ProjectId::parse(project).expect("project id");
    // One chunk a message: many moments to be killed at.
    let limits = SyncLimits {
        target_message_bytes: 1 << 20,
        ..SyncLimits::default()
    };
    let (mut a_session, mut message) = a.start_sync_with(project, limits).expect("start");
    let mut b_session = b.accept_sync_with(project, limits).expect("accept");
    let stdout = std::io::stdout();
    while let Some(reply) = b.sync_receive(&mut b_session, &message).expect("b receives") {
        {
            let mut out = stdout.lock();
            writeln!(out, "{}", b_session.progress().media_bytes_received).expect("stdout");
            out.flush().expect("flush");
        }
        let Some(next) = a.sync_receive(&mut a_session, &reply).expect("a receives") else {
            break;
        };
        message = next;
    }
    writeln!(stdout.lock(), "done").expect("stdout");
}
