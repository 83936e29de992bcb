//! `crdt-compare`: one table per trace (apply time, retained bytes, encoded size, load time)
//! for crdt-kit and each peer with ratios, the seed's table beside our medians, and
//! `Rga<u32>` random edits at growing sizes. Every result is checked against `endContent`;
//! the exit code is non-zero if any differs.
//!
//! `cargo run -p crdt-benches --release --bin crdt-compare -- [--runs N] [--quick] [--out PATH]`

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crdt_benches::crdt::kit::{self, Kit};
use crdt_benches::crdt::peers::{self, Automerge, DiamondTypes, Loro, YrsOneTxn, YrsPerEdit};
use crdt_benches::crdt::{apply_checked, check, seed, TextEngine};
use crdt_benches::mem;
use crdt_benches::traces::{self, SeqTrace};

#[global_allocator]
static ALLOC: mem::Counting = mem::Counting;

struct Opts {
    runs: usize,
    quick: bool,
    out: String,
    /// Time budget per engine and measurement: stop repeating once spent.
    budget: Duration,
}

fn parse_args() -> Result<Opts, String> {
    let mut opts = Opts {
        runs: 5,
        quick: false,
        out: "target/crdt-compare.md".into(),
        budget: Duration::from_secs(8),
    };
    let mut runs_given = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => {
                let v = args.next().ok_or("--runs needs a number")?;
                opts.runs = v
                    .parse()
                    .map_err(|_| format!("--runs: not a number: {v}"))?;
                opts.runs = opts.runs.max(1);
                runs_given = true;
            }
            "--quick" => opts.quick = true,
            "--out" => opts.out = args.next().ok_or("--out needs a path")?,
            "-h" | "--help" => {
                println!("crdt-compare [--runs N] [--quick] [--out PATH]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if opts.quick {
        if !runs_given {
            opts.runs = 3;
        }
        opts.budget = Duration::from_secs(2);
    }
    Ok(opts)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

fn min(xs: &[f64]) -> f64 {
    xs.iter().copied().fold(f64::INFINITY, f64::min)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// One library on one trace.
struct Measure {
    name: &'static str,
    runs: usize,
    apply_ms: f64,
    apply_min_ms: f64,
    retained: Option<usize>,
    encoded: usize,
    load_ms: f64,
}

/// Times `f` up to `runs` times or until the budget is spent (at least once); returns the
/// durations in ms. The result of `f` is dropped outside the timed section.
fn repeat<T>(
    runs: usize,
    budget: Duration,
    mut f: impl FnMut() -> Result<T, String>,
) -> Result<Vec<f64>, String> {
    let start = Instant::now();
    let mut out = Vec::new();
    while out.len() < runs && (out.is_empty() || start.elapsed() < budget) {
        let t = Instant::now();
        let value = f()?;
        out.push(ms(t.elapsed()));
        drop(std::hint::black_box(value));
    }
    Ok(out)
}

fn measure<E: TextEngine>(trace: &SeqTrace, opts: &Opts) -> Result<Measure, String> {
    // Retained bytes first (counting on): this run also tells whether the engine is slow.
    let t0 = Instant::now();
    let (doc, retained) = mem::retained(|| apply_checked::<E>(trace));
    let first = t0.elapsed();
    let mut doc = doc?;
    let mut times = Vec::new();
    if first * 2 > opts.budget {
        times.push(ms(first)); // too slow to repeat: the counted run is the sample
    } else {
        times = repeat(opts.runs, opts.budget, || E::apply(trace))?;
    }
    let bytes = E::encode(&mut doc)?;
    drop(doc);
    let loaded = E::decode(&bytes)?;
    check(
        E::NAME,
        &format!("{} (decoded)", trace.name),
        &E::content(&loaded),
        &trace.end_content,
    )?;
    drop(loaded);
    // Load = decode and read the text, so that lazy loaders (loro) are not timed at zero.
    let loads = repeat(opts.runs, opts.budget, || {
        E::decode(&bytes).map(|d| E::content(&d))
    })?;
    Ok(Measure {
        name: E::NAME,
        runs: times.len(),
        apply_min_ms: min(&times),
        apply_ms: median(times),
        retained,
        encoded: bytes.len(),
        load_ms: median(loads),
    })
}

fn ratio(peer: f64, ours: f64) -> String {
    if ours > 0.0 && peer.is_finite() {
        format!("{:.2}x", peer / ours)
    } else {
        "-".into()
    }
}

fn trace_table(trace: &SeqTrace, rows: &[Measure], skipped: &[(&str, &str)]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "### {} ({} patches, {} chars at the end)\n",
        trace.name,
        trace.patches.len(),
        trace.end_content.chars().count()
    );
    let _ = writeln!(s, "| library | runs | apply ms (median) | min | peer/ours | retained bytes | peer/ours | encoded bytes | peer/ours | load ms (median) | peer/ours |");
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let ours = &rows[0];
    for m in rows {
        let ret = m.retained.map_or("-".into(), |b| b.to_string());
        let ret_ratio = match (m.retained, ours.retained) {
            (Some(p), Some(o)) => ratio(p as f64, o as f64),
            _ => "-".into(),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {:.2} | {:.2} | {} | {} | {} | {} | {} | {:.2} | {} |",
            m.name,
            m.runs,
            m.apply_ms,
            m.apply_min_ms,
            ratio(m.apply_ms, ours.apply_ms),
            ret,
            ret_ratio,
            m.encoded,
            ratio(m.encoded as f64, ours.encoded as f64),
            m.load_ms,
            ratio(m.load_ms, ours.load_ms),
        );
    }
    for (name, why) in skipped {
        let _ = writeln!(s, "| {name} | skipped: {why} | | | | | | | | | |");
    }
    s
}

/// Runs every engine that fits the mode on one trace. Skipped: automerge and yrs with a
/// transaction per edit in `--quick` mode (seconds per run); yrs with one transaction on
/// traces over 50k patches (its single big transaction is superlinear: over 8 minutes on
/// automerge-paper here) and in `--quick` mode.
fn run_trace(trace: &SeqTrace, opts: &Opts) -> Result<String, String> {
    let mut rows = vec![
        measure::<Kit>(trace, opts)?,
        measure::<DiamondTypes>(trace, opts)?,
        measure::<Loro>(trace, opts)?,
    ];
    let mut skipped = Vec::new();
    if opts.quick {
        skipped.extend([
            (YrsPerEdit::NAME, "--quick"),
            (YrsOneTxn::NAME, "--quick"),
            (Automerge::NAME, "--quick"),
        ]);
    } else {
        rows.push(measure::<YrsPerEdit>(trace, opts)?);
        if trace.patches.len() <= 50_000 {
            rows.push(measure::<YrsOneTxn>(trace, opts)?);
        } else {
            skipped.push((
                YrsOneTxn::NAME,
                "one transaction over 50k patches takes minutes",
            ));
        }
        rows.push(measure::<Automerge>(trace, opts)?);
    }
    Ok(trace_table(trace, &rows, &skipped))
}

fn run_concurrent(name: &str, opts: &Opts) -> Result<String, String> {
    let trace = traces::load_conc(name).map_err(|e| format!("{name}: {e}"))?;
    let (replicas, retained) = mem::retained(|| kit::replay_checked(&trace));
    let replicas = replicas?;
    let encoded = replicas[0].encode().len();
    drop(replicas);
    let ours = median(repeat(opts.runs, opts.budget, || {
        kit::replay_checked(&trace)
    })?);
    let (oplog, dt_retained) = mem::retained(|| peers::diamond_concurrent(&trace));
    let dt_encoded = oplog?
        .encode(diamond_types::list::encoding::EncodeOptions::default())
        .len();
    let dt = median(repeat(opts.runs, opts.budget, || {
        peers::diamond_concurrent(&trace)
    })?);
    let fmt = |b: Option<usize>| b.map_or("-".into(), |b| b.to_string());
    let mut s = String::new();
    let _ = writeln!(
        s,
        "### {name} (concurrent: {} agents, {} transactions, {} chars at the end)\n",
        trace.num_agents,
        trace.txns.len(),
        trace.end_content.chars().count()
    );
    let _ = writeln!(s, "crdt-kit: one replica per agent, each transaction made on its agent's replica after it received the parents' transactions as deltas (`delta_since`/`apply_delta`), then a full sync and pairwise `merge`; every replica checked equal (state and text) to `endContent`. Retained bytes: all {} replicas. diamond-types: one `OpLog`, each patch added at its parents (`add_insert_at`/`add_delete_at`), tip checked out.\n", trace.num_agents);
    let _ = writeln!(s, "| library | replay ms (median) | peer/ours | retained bytes | encoded bytes (one replica) |");
    let _ = writeln!(s, "|---|---:|---:|---:|---:|");
    let _ = writeln!(
        s,
        "| crdt-kit | {ours:.2} | 1.00x | {} | {encoded} |",
        fmt(retained)
    );
    let _ = writeln!(
        s,
        "| diamond-types | {dt:.2} | {} | {} | {dt_encoded} |",
        ratio(dt, ours),
        fmt(dt_retained)
    );
    Ok(s)
}

/// (median, min) µs per run of a seed row over samples of enough runs to last ~`sample`.
fn time_row(row: &mut seed::SeedRow, samples: usize, sample: Duration) -> (f64, f64) {
    let t = Instant::now();
    std::hint::black_box((row.run)());
    let once = t.elapsed().max(Duration::from_nanos(50));
    let iters = (sample.as_secs_f64() / once.as_secs_f64()).ceil().max(1.0) as usize;
    let mut per = Vec::with_capacity(samples);
    for _ in 0..samples {
        let t = Instant::now();
        for _ in 0..iters {
            std::hint::black_box((row.run)());
        }
        per.push(t.elapsed().as_secs_f64() * 1e6 / iters as f64);
    }
    (median(per.clone()), min(&per))
}

fn seed_table(opts: &Opts) -> (String, usize) {
    let (samples, sample) = if opts.quick {
        (7, Duration::from_millis(5))
    } else {
        (21, Duration::from_millis(15))
    };
    let mut s = String::new();
    let _ = writeln!(s, "| bench (seed's name) | seed, here (µs) | crdt-kit (µs, median) | min | seed/ours (median) | target >= 2x |");
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---|");
    let mut misses = 0;
    for mut row in seed::rows() {
        let (ours, ours_min) = time_row(&mut row, samples, sample);
        let speedup = row.seed_here_us / ours;
        let met = speedup >= 2.0;
        misses += usize::from(!met);
        let _ = writeln!(
            s,
            "| {} | {} | {:.3} | {:.3} | {:.1}x | {} |",
            row.name,
            row.seed_here_us,
            ours,
            ours_min,
            speedup,
            if met { "met" } else { "MISS" }
        );
    }
    (s, misses)
}

fn rga_table(opts: &Opts) -> Result<String, String> {
    let mut s = String::new();
    let _ = writeln!(s, "| n (edits: 70% insert, 30% remove, random index) | ms (median) | ns per edit | ns per edit / log2(n) |");
    let _ = writeln!(s, "|---:|---:|---:|---:|");
    for n in [1_000usize, 10_000, 100_000] {
        let t = median(repeat(opts.runs.max(3), opts.budget, || {
            kit::rga_random(n, 42)
        })?);
        let per = t * 1e6 / n as f64;
        let _ = writeln!(
            s,
            "| {n} | {t:.3} | {per:.1} | {:.2} |",
            per / (n as f64).log2()
        );
    }
    Ok(s)
}

fn run(opts: &Opts) -> Result<String, String> {
    let (seq, conc) = traces::list().map_err(|e| e.to_string())?;
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# crdt-compare ({} mode, up to {} runs per figure)\n",
        if opts.quick { "quick" } else { "full" },
        opts.runs
    );
    let _ = writeln!(md, "Traces: Joseph Gentle's editing-traces, CC BY 4.0. Ratios are peer / crdt-kit (above 1: crdt-kit is faster or smaller).\n");
    let _ = writeln!(md, "## Sequential traces\n");
    for name in &seq {
        eprintln!("trace {name} ...");
        let trace = traces::load_seq(name).map_err(|e| format!("{name}: {e}"))?;
        md.push_str(&run_trace(&trace, opts)?);
        md.push('\n');
    }
    let _ = writeln!(md, "## Concurrent traces\n");
    for name in &conc {
        eprintln!("trace {name} ...");
        md.push_str(&run_concurrent(name, opts)?);
        md.push('\n');
    }
    eprintln!("seed table ...");
    let (seed_md, misses) = seed_table(opts);
    let _ = writeln!(md, "## The seed's table (seed-bench.md, column \"here\") beside crdt-kit\n\n{seed_md}\n{misses} row(s) below the 2x target.\n");
    eprintln!("Rga<u32> random ...");
    let _ = writeln!(
        md,
        "## `Rga<u32>` random edits (seed 42)\n\n{}",
        rga_table(opts)?
    );
    Ok(md)
}

fn main() -> ExitCode {
    let opts = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("crdt-compare: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&opts) {
        Ok(md) => {
            println!("{md}");
            if let Some(dir) = std::path::Path::new(&opts.out).parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            if let Err(e) = std::fs::write(&opts.out, &md) {
                eprintln!("crdt-compare: writing {}: {e}", opts.out);
                return ExitCode::FAILURE;
            }
            eprintln!("wrote {}", opts.out);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("crdt-compare: FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}
