//! `storyloom relay sync --url URL`: one relay sync, with the relay's
//! credentials taken from the environment (never from the command line,
//! where other users of the machine could read them).

use serde_json::json;
use storyloom::sync::CancelHandle;
use storyloom::{Error, RelayConfig, Store};

use crate::args::RelayCommand;
use crate::output::Output;

pub fn relay(store: &Store, command: &RelayCommand) -> Result<Output, Error> {
    match command {
        RelayCommand::Sync { url } => {
            let config = config(url);
            let summary = store.relay_sync(&config, &mut |_| {}, &CancelHandle::new())?;
            for rejected in &summary.rejected {
                eprintln!(
                    "storyloom: refused relay object {}: {}",
                    rejected.object, rejected.reason
                );
            }
            Ok(Output::new(
                json!({
                    "pushed": summary.pushed,
                    "pulled": summary.pulled,
                    "bytes_up": summary.bytes_up,
                    "bytes_down": summary.bytes_down,
                    "deleted": summary.deleted,
                }),
                format!(
                    "Pushed {} and pulled {} document(s); {} bytes up, {} down; {} object(s) deleted from the relay; {} refused.",
                    summary.pushed,
                    summary.pulled,
                    summary.bytes_up,
                    summary.bytes_down,
                    summary.deleted,
                    summary.rejected.len()
                ),
            ))
        }
    }
}

fn config(url: &str) -> RelayConfig {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let (user, password) = if url.starts_with("s3://") {
        (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"))
    } else {
        (env("STORYLOOM_RELAY_USER"), env("STORYLOOM_RELAY_PASSWORD"))
    };
    RelayConfig {
        url: url.to_string(),
        username: user,
        password,
    }
}
