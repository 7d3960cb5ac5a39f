//! samod (the Rust automerge-repo) syncing the same documents, as the
//! multi-document baseline: two repos in one process over samod's own
//! in-memory channel, the receiver persisting to the file system as
//! automerge-repo apps do.

use std::sync::Arc;
use std::time::{Duration, Instant};

use automerge::Automerge;
use samod::transport::channel::ChannelDialer;
use samod::{BackoffConfig, Repo};

/// Time for a fresh receiver to fetch every document from a sender that
/// holds them, connection included. `None` if samod did not deliver them
/// all (reported, not hidden).
pub fn first_sync(documents: &[Vec<u8>]) -> Option<Duration> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    let dir = tempfile::tempdir().ok()?;
    runtime.block_on(async move {
        let alice = Repo::build_tokio()
            .with_storage(samod::storage::TokioFilesystemStorage::new(dir.path().join("alice")))
            .load()
            .await;
        let mut ids = Vec::with_capacity(documents.len());
        for bytes in documents {
            let doc = Automerge::load(bytes).ok()?;
            ids.push(alice.create(doc).await.ok()?.document_id().clone());
        }
        let bob = Repo::build_tokio()
            .with_storage(samod::storage::TokioFilesystemStorage::new(dir.path().join("bob")))
            .load()
            .await;
        let started = Instant::now();
        let url = url::Url::parse("samod-channel://bench").ok()?;
        let acceptor = alice.make_acceptor(url).ok()?;
        let dialer = bob
            .dial(BackoffConfig::default(), Arc::new(ChannelDialer::new(acceptor)))
            .ok()?;
        dialer.established().await.ok()?;
        let found = futures::future::join_all(ids.into_iter().map(|id| bob.find(id))).await;
        let elapsed = started.elapsed();
        let complete = found.iter().all(|f| matches!(f, Ok(Some(_))));
        bob.stop().await;
        alice.stop().await;
        complete.then_some(elapsed)
    })
}
