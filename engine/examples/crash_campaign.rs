//! The reliability campaign: SIGKILL a writer process at random moments and cut the power
//! (through the fault-injecting `SimDisk`) at every I/O step of seeded workloads, for as
//! long as asked, then print what was checked. Exits non-zero if anything was lost, a
//! partial batch was seen, or a check panicked.
//!
//! ```text
//! cargo run -p crdt-store --release --example crash_campaign -- --kills 10000 --cut-seeds 40
//! ```
//!
//! Options: `--kills N` (SIGKILL rounds, default 200), `--cut-seeds N` (power-cut workloads,
//! each cut at every one of its ~200 I/O steps, default 5), `--max-delay-us N` (kills land
//! uniformly in 0..N µs after the child starts, default 40000), `--dir PATH` (where the
//! killed database lives, default a temporary folder). The loops are the ones of
//! `tests/crash.rs` and `tests/sigkill.rs` (`tests/common/campaign.rs`).

#[path = "../tests/common/campaign.rs"]
#[allow(dead_code)]
mod campaign;
#[path = "../tests/common/dump.rs"]
#[allow(dead_code)]
mod dump;

use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use campaign::{child_writer, cut_everywhere, kill_round, Rng, Tally};

struct Args {
    kills: u64,
    cut_seeds: u64,
    max_delay_us: u64,
    dir: Option<PathBuf>,
}

fn parse() -> Result<Args, String> {
    let mut a = Args {
        kills: 200,
        cut_seeds: 5,
        max_delay_us: 40_000,
        dir: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        let num = |v: String| v.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--kills" => a.kills = num(value()?)?,
            "--cut-seeds" => a.cut_seeds = num(value()?)?,
            "--max-delay-us" => a.max_delay_us = num(value()?)?.max(1),
            "--dir" => a.dir = Some(PathBuf::from(value()?)),
            "--child" => child_writer(&value()?),
            "-h" | "--help" => return Err(
                "usage: crash_campaign [--kills N] [--cut-seeds N] [--max-delay-us N] [--dir PATH]"
                    .into(),
            ),
            other => return Err(format!("unknown argument {other} (try --help)")),
        }
    }
    Ok(a)
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    let mut tally = Tally::default();
    // Power cuts: seeds 1000.. so they differ from the test suite's.
    for seed in 1000..1000 + args.cut_seeds {
        tally.guard(&format!("power-cut workload {seed}"), |t| {
            cut_everywhere(seed, 60, t)
        });
        eprintln!("power-cut workload {seed}: {} cuts so far", tally.cuts);
    }
    let cut_time = started.elapsed();
    // SIGKILL: this binary, re-run with --child, is the writer.
    let tmp = match &args.dir {
        Some(_) => None,
        None => match tempfile_dir() {
            Ok(d) => Some(d),
            Err(e) => {
                eprintln!("cannot create a temporary folder: {e}");
                return ExitCode::from(2);
            }
        },
    };
    let dir = args.dir.clone().or(tmp.clone()).unwrap_or_default();
    let path = dir.join("killed.crdt");
    let _ = std::fs::remove_file(&path);
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("cannot find this executable: {e}");
            return ExitCode::from(2);
        }
    };
    let mut rng = Rng(0x2545_f491_4f6c_dd1d ^ args.kills);
    let mut total = 0u64;
    for round in 0..args.kills {
        let mut child = Command::new(&exe);
        child.arg("--child").arg(&path);
        let delay = Duration::from_micros(rng.below(args.max_delay_us));
        tally.guard(&format!("kill round {round}"), |t| {
            total = kill_round(child, &path, delay, total, t);
        });
        if (round + 1) % 500 == 0 {
            eprintln!(
                "{} kills, {total} commits in the file, lost {}, partial {}, panics {} ({:.0} s)",
                round + 1,
                tally.lost,
                tally.partial,
                tally.panics,
                started.elapsed().as_secs_f64()
            );
        }
    }
    if let Some(t) = tmp {
        let _ = std::fs::remove_dir_all(t);
    }
    println!("{}", tally.report());
    println!(
        "commits in the killed database: {total}\npower cuts took {:.1} s, kills {:.1} s",
        cut_time.as_secs_f64(),
        (started.elapsed() - cut_time).as_secs_f64()
    );
    for f in &tally.failures {
        println!("FAILED: {f}");
    }
    if tally.clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// A fresh folder under the system's temporary folder.
fn tempfile_dir() -> std::io::Result<PathBuf> {
    let d = std::env::temp_dir().join(format!("crdt-crash-campaign-{}", std::process::id()));
    std::fs::create_dir_all(&d)?;
    Ok(d)
}
