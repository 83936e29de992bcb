//! Writes the seed corpora: `crdt-fuzz-seeds DIR` creates `DIR/<target>/seed-N` for every
//! target (the corpus layout of cargo-fuzz).

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "fuzz/corpus".into()),
    );
    for (name, _) in crdt_fuzz::TARGETS {
        let d = dir.join(name);
        std::fs::create_dir_all(&d)?;
        let seeds = crdt_fuzz::seeds::seeds(name);
        for (i, s) in seeds.iter().enumerate() {
            std::fs::write(d.join(format!("seed-{i}")), s)?;
        }
        println!("{name}: {} seeds in {}", seeds.len(), d.display());
    }
    Ok(())
}
