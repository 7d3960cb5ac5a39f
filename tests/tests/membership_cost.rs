//! The cost of a rotation for a group of 30 devices (issue 12's closing
//! note): the coordinator's `remove_member`, the bytes it adds to the
//! project document, the session that carries it to one device, and that
//! device's first use of the new epoch. Figures are printed, not judged
//! (speed is for benchmarks); what is asserted is the shape: one sealed box
//! per remaining device, and every remaining device reaches the new epoch.
//!
//! `cargo test -p storyloom-scenarios --test membership_cost -- --nocapture`
//! (add `--release` for figures a phone would see).

use std::time::Instant;

use storyloom::sync::sync_stores;
use storyloom_scenarios::{Phone, sync};

#[test]
fn a_rotation_for_a_group_of_thirty_devices() {
    const DEVICES: usize = 30;
    let (coordinator, project) = Phone::founding("Coordinator", "Allotments");
    let mut phones = Vec::new();
    const NAMES: [&str; DEVICES - 1] = [
        "D01", "D02", "D03", "D04", "D05", "D06", "D07", "D08", "D09", "D10", "D11", "D12", "D13", "D14", "D15", "D16",
        "D17", "D18", "D19", "D20", "D21", "D22", "D23", "D24", "D25", "D26", "D27", "D28", "D29",
    ];
    for name in NAMES {
        phones.push(Phone::invited(name, &coordinator, project));
    }
    for phone in &phones {
        sync(phone, &coordinator, project);
    }
    assert_eq!(coordinator.store.enrolled_devices(project).unwrap().len(), DEVICES);
    let reader = &phones[1];
    sync(reader, &coordinator, project);
    let doc_before = coordinator.store.export_project_document(project).unwrap().len();

    let started = Instant::now();
    coordinator.store.remove_member(project, phones[0].member).unwrap();
    let remove_ms = started.elapsed().as_secs_f64() * 1e3;
    let doc_after = coordinator.store.export_project_document(project).unwrap().len();

    let started = Instant::now();
    let carried = sync(reader, &coordinator, project);
    let sync_ms = started.elapsed().as_secs_f64() * 1e3;
    // The reader's first session in the new epoch (it opens its box here).
    let started = Instant::now();
    let next = sync(reader, &coordinator, project);
    let next_ms = started.elapsed().as_secs_f64() * 1e3;
    assert!(sync_stores(&phones[0].store, &coordinator.store, project).is_err());

    println!(
        "rotation for {DEVICES} devices ({} remaining): remove_member {remove_ms:.1} ms; \
         project document +{} bytes ({} per remaining device); \
         session carrying it: {} + {} bytes, {sync_ms:.1} ms; \
         first session in the new epoch: {} + {} bytes, {next_ms:.1} ms",
        DEVICES - 1,
        doc_after - doc_before,
        (doc_after - doc_before) / (DEVICES - 1),
        carried.bytes_a_to_b,
        carried.bytes_b_to_a,
        next.bytes_a_to_b,
        next.bytes_b_to_a,
    );
    // One box (32-byte secret + 48 bytes of sealed-box overhead) per device.
    assert!(doc_after - doc_before >= (DEVICES - 1) * 80);
}
