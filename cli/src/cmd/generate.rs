//! `crdt generate --schema FILE [--output DIR] [--dry-run]`: runs crdt-codegen.

use std::path::PathBuf;

use crate::error::{Failure, Result};
use crate::output::Out;

/// Arguments of `crdt generate`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  crdt generate --schema crdt-schema.toml\n  crdt generate --schema crdt-schema.toml --output src/model --dry-run"
)]
pub struct Args {
    /// The schema file.
    #[arg(long, default_value = "crdt-schema.toml")]
    pub schema: PathBuf,
    /// Output directory (default: `[config] output`, relative to the schema file).
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Validate and list the files without writing them.
    #[arg(long)]
    pub dry_run: bool,
}

/// Runs `crdt generate`.
pub fn exec(args: &Args) -> Result<u8> {
    let schema = crdt_codegen::read_schema(&args.schema)
        .map_err(|e| Failure::msg(format!("{}: {e}", args.schema.display())))?;
    let files = crdt_codegen::generate(&schema)
        .map_err(|e| Failure::msg(format!("{}: {e}", args.schema.display())))?;
    let dir = crdt_codegen::output_dir(&args.schema, &schema, args.output.as_deref());
    let mut out = Out::stdout(false);
    if args.dry_run {
        for f in &files {
            out.line(format!("  Would generate: {}", dir.join(&f.name).display()))?;
        }
        out.line(format!(
            "\n{} files, nothing written (--dry-run)",
            files.len()
        ))?;
    } else {
        let written = crdt_codegen::write_files(&dir, &files).map_err(Failure::msg)?;
        for p in &written {
            out.line(format!("  Generated: {}", p.display()))?;
        }
        out.line(format!(
            "\nGenerated {} files in {}/",
            written.len(),
            dir.display()
        ))?;
    }
    out.flush()?;
    Ok(0)
}
