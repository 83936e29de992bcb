//! The seed's benchmark table, shaped like the seed's own benches (same names, same inputs),
//! so that our medians can stand beside its figures in `shared/data/seed-bench.md`.

use crdt_kit::prelude::*;

/// One row of the seed's table: a workload on prepared inputs.
pub struct SeedRow {
    /// The seed's criterion name, e.g. `GCounter::increment x1000`.
    pub name: &'static str,
    /// The seed's median on this machine kind, in µs (`seed-bench.md`, column "here").
    pub seed_here_us: f64,
    /// Elements processed by one run (criterion throughput).
    pub elements: u64,
    /// One run; returns a value derived from the result so it cannot be optimised away.
    pub run: Box<dyn FnMut() -> usize>,
}

impl std::fmt::Debug for SeedRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeedRow")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

fn row(
    name: &'static str,
    seed_here_us: f64,
    elements: u64,
    run: impl FnMut() -> usize + 'static,
) -> SeedRow {
    SeedRow {
        name,
        seed_here_us,
        elements,
        run: Box::new(run),
    }
}

/// Folds the first element's clone with every other one, as the seed's merge benches do.
fn fold<T: Crdt + Clone>(items: &[T]) -> T {
    let mut merged = items[0].clone();
    for other in &items[1..] {
        merged.merge(other);
    }
    merged
}

fn gcounters(n: u64) -> Vec<GCounter> {
    (0..n)
        .map(|i| {
            let mut c = GCounter::new(format!("node-{i}"));
            c.increment_by(100);
            c
        })
        .collect()
}

fn rga_seq(actor: &str, n: u32, offset: u32) -> Rga<u32> {
    let mut r = Rga::new(actor);
    for i in 0..n {
        r.insert_at(i as usize, i + offset)
            .expect("index is the length");
    }
    r
}

fn text_of(actor: &str, ch: &str, n: usize) -> TextCrdt {
    let mut t = TextCrdt::new(actor);
    t.insert_str(0, &ch.repeat(n)).expect("empty document");
    t
}

/// Every row of the seed's table, in its order.
pub fn rows() -> Vec<SeedRow> {
    let g10 = gcounters(10);
    let g100 = gcounters(100);

    let (mut or1, mut or2) = (ORSet::new("a"), ORSet::new("b"));
    for i in 0..500u32 {
        or1.insert(i);
        or2.insert(i + 250); // 50% overlap
    }
    let (mut gs1, mut gs2) = (GSet::new("a"), GSet::new("b"));
    for i in 0..1000u32 {
        gs1.insert(i);
        gs2.insert(i + 500);
    }
    let regs: Vec<LWWRegister<String>> = (0..100u64)
        .map(|i| LWWRegister::with_timestamp(format!("node-{i}"), format!("value-{i}"), i))
        .collect();

    let rga1000 = rga_seq("bench", 1000, 0);
    let (rga_a, rga_b) = (rga_seq("a", 500, 0), rga_seq("b", 500, 1000));

    let (t_alice, t_bob) = (text_of("alice", "a", 500), text_of("bob", "b", 500));
    let t_base = text_of("alice", "a", 500);
    let mut t_fork = t_base.fork("bob");
    t_fork
        .insert_str(500, &"b".repeat(100))
        .expect("end of the document");
    let (t_base2, t_fork2) = (t_base.clone(), t_fork.clone());

    vec![
        row("GCounter::increment x1000", 29.9, 1000, || {
            let mut c = GCounter::new("bench");
            for _ in 0..1000 {
                c.increment();
            }
            c.value() as usize
        }),
        row("GCounter::merge 10 replicas", 1.28, 10, move || {
            fold(&g10).value() as usize
        }),
        row("GCounter::merge 100 replicas", 21.3, 100, move || {
            fold(&g100).value() as usize
        }),
        row("PNCounter::inc+dec x1000", 38.6, 1000, || {
            let mut c = PNCounter::new("bench");
            for _ in 0..500 {
                c.increment();
                c.decrement();
            }
            c.value() as usize
        }),
        row("ORSet::insert x1000", 227.0, 1000, || {
            let mut s = ORSet::new("bench");
            for i in 0..1000u32 {
                s.insert(i);
            }
            s.len()
        }),
        row("ORSet::merge 500+500 elements", 192.0, 1000, move || {
            let mut m = or1.clone();
            m.merge(&or2);
            m.len()
        }),
        row("GSet::merge 1000+1000 elements", 42.3, 2000, move || {
            let mut m = gs1.clone();
            m.merge(&gs2);
            m.len()
        }),
        row("LWWRegister::merge 100 replicas", 2.70, 100, move || {
            fold(&regs).value().len()
        }),
        row("Rga::insert_at x1000 sequential", 101.5, 1000, || {
            rga_seq("bench", 1000, 0).len()
        }),
        row("Rga::remove x500", 115.9, 500, move || {
            let mut r = rga1000.clone();
            for _ in 0..500 {
                let _ = r.remove(0);
            }
            r.len()
        }),
        row("Rga::merge 500+500 elements", 2140.0, 1000, move || {
            let mut m = rga_a.clone();
            m.merge(&rga_b);
            m.len()
        }),
        row("TextCrdt::insert_str 1000 chars", 113.0, 1000, || {
            text_of("bench", "a", 1000).len()
        }),
        row("TextCrdt::merge 500+500 chars", 1840.0, 1000, move || {
            let mut m = t_alice.clone();
            m.merge(&t_bob);
            m.len()
        }),
        row(
            "TextCrdt::merge 500+100 overlapping",
            375.0,
            600,
            move || {
                let mut m = t_base.clone();
                m.merge(&t_fork);
                m.len()
            },
        ),
        row("TextCrdt::delta+apply 500+100", 406.0, 100, move || {
            let delta = t_fork2.delta(&t_base2);
            let mut target = t_base2.clone();
            target.apply_delta(&delta);
            target.len()
        }),
    ]
}
