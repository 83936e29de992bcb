//! Power-cut tests through the fault-injecting `SimDisk`: for seeded random workloads, cut
//! the power at every I/O step (that write or sync fails, every later one too), with the
//! unsynced writes dropped, kept, or randomly kept and torn; then reopen and compare with a
//! model: every acknowledged commit is there, the one in flight is there entirely or not at
//! all, nothing else. Then write once more and reopen again (LOG-7). The loops live in
//! `common/campaign.rs`, shared with `examples/crash_campaign.rs`.

mod common;

use common::campaign::{cut_everywhere, open_sim, run, snapshot_of, workload, Action, Tally};
use common::dump::{dump, Dump};
use crdt_store::io::{CutMode, SimDisk};
use crdt_store::{Durability, EventStore, MemoryStore};

fn assert_clean(seeds: impl IntoIterator<Item = u64>) {
    let mut tally = Tally::default();
    for seed in seeds {
        cut_everywhere(seed, 60, &mut tally);
    }
    eprintln!("{}", tally.report());
    assert!(tally.clean(), "{}\n{:#?}", tally.report(), tally.failures);
    assert_eq!(tally.cuts == 0, tally.workloads == 0);
}

#[test]
fn power_cut_at_every_io_step_seed_1() {
    assert_clean([1]);
}

#[test]
fn power_cut_at_every_io_step_seed_2() {
    assert_clean([2]);
}

#[test]
fn power_cut_at_every_io_step_seed_3() {
    assert_clean([3]);
}

/// With durability `None` commits are not synced, so a cut may lose recent ones, but what
/// survives is a prefix of the commits: never a partial batch, never a gap.
#[test]
fn durability_none_loses_a_suffix_never_a_partial_batch() {
    let actions = workload(7, 60);
    for k in [5u64, 17, 33, 64, 90, 120] {
        let disk = SimDisk::new();
        let store = open_sim(&disk, Durability::None).unwrap();
        disk.fail_from(disk.ops() + k);
        let prefixes: Vec<Dump> = {
            let model = MemoryStore::new();
            let mut out = vec![snapshot_of(&model)];
            for a in &actions {
                if let Action::Commit(b) = a {
                    model.commit(b).unwrap();
                    out.push(snapshot_of(&model));
                }
            }
            out
        };
        let _ = run(&store, &actions);
        std::mem::forget(store);
        disk.power_cut(CutMode::Random, k);
        let reopened = open_sim(&disk, Durability::None).unwrap();
        let got = dump(&reopened, &common::campaign::ENTITIES).unwrap();
        assert!(
            prefixes.contains(&got),
            "cut at {k}: not a prefix of the commits"
        );
    }
}

/// More seeds on demand: `CRDT_CRASH_SEEDS=50 cargo test -p crdt-store --test crash`
/// (or `cargo run -p crdt-store --release --example crash_campaign -- --cut-seeds 50`).
#[test]
fn power_cut_at_every_io_step_extra_seeds() {
    let extra: u64 = std::env::var("CRDT_CRASH_SEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert_clean(100..100 + extra);
}
