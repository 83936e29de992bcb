//! Offline chat: a shared message log ordered by replica-independent hybrid timestamps,
//! a collaboratively edited channel topic (text CRDT), and a channel name kept in a
//! multi-value register so concurrent renames show up as a conflict.
//!
//! Run: `cargo run -p crdt-kit --example chat`

use crdt_kit::prelude::*;

fn main() -> Result<(), Error> {
    // Each device has a hybrid logical clock; a fixed time source keeps the demo reproducible.
    let mut ana_clock = HybridClock::with_time_source("ana", || 1_700_000_000_000);
    let mut ben_clock = HybridClock::with_time_source("ben", || 1_700_000_000_000);

    // Messages: a grow-only set of (timestamp, author, text); timestamps order them.
    let mut ana_log: GSet<(HybridTimestamp, String, String)> = GSet::new("ana");
    let mut ben_log: GSet<(HybridTimestamp, String, String)> = GSet::new("ben");

    let t = ana_clock.now()?;
    ana_log.insert((t.clone(), "ana".into(), "hi! offline on the train".into()));
    let t = ben_clock.now()?;
    ben_log.insert((t.clone(), "ben".into(), "hello from the cabin".into()));
    // Ben receives Ana's timestamp first, so his reply sorts after her message.
    for (ts, _, _) in ana_log.iter() {
        ben_clock.receive(ts)?;
    }
    let t = ben_clock.now()?;
    ben_log.insert((t, "ben".into(), "(ben saw ana's message)".into()));

    // The topic, edited concurrently.
    let mut ana_topic = TextCrdt::new("ana");
    ana_topic.insert_str(0, "Trip planning")?;
    let mut ben_topic = ana_topic.fork("ben");
    let end = ana_topic.len();
    ana_topic.insert_str(end, " - June")?;
    ben_topic.insert_str(0, "[pinned] ")?;

    // The channel name, renamed on both sides.
    let mut ana_name = MVRegister::new("ana");
    ana_name.set("trip".to_string());
    let mut ben_name = ana_name.fork("ben");
    ana_name.set("summer-trip".to_string());
    ben_name.set("cabin-trip".to_string());

    // Sync by deltas, both directions.
    ana_log.apply_delta(&ben_log.delta_since(&ana_log.summary()));
    ben_log.apply_delta(&ana_log.delta_since(&ben_log.summary()));
    ana_topic.apply_delta(&ben_topic.delta_since(&ana_topic.summary()));
    ben_topic.apply_delta(&ana_topic.delta_since(&ben_topic.summary()));
    ana_name.merge(&ben_name);
    ben_name.merge(&ana_name);

    println!(
        "#{:?} (conflict: {})",
        ana_name.values(),
        ana_name.is_conflicted()
    );
    println!("topic: {ana_topic}");
    for (ts, who, text) in ana_log.iter() {
        println!("  {ts} <{who}> {text}");
    }
    assert_eq!(ana_topic.to_string(), ben_topic.to_string());
    assert_eq!(ana_topic.to_string(), "[pinned] Trip planning - June");
    assert!(ana_name.is_conflicted());
    assert_eq!(ana_log, ben_log);

    // Someone resolves the conflict; the new value supersedes both.
    ana_name.set("summer-cabin-trip".to_string());
    ben_name.merge(&ana_name);
    assert!(!ben_name.is_conflicted());
    println!("resolved: #{:?}", ben_name.values());
    Ok(())
}
