//! Where commands print: stdout, buffered, as text lines or JSON Lines.
//!
//! A write to a closed pipe becomes [`Failure::Quiet`]. Headings are bold only on a
//! terminal and only when `NO_COLOR` is unset (<https://no-color.org>).

use std::io::{IsTerminal, Write};

use serde::Serialize;

use crate::error::{Failure, Result};

/// Buffered stdout with the output mode of the command.
pub struct Out {
    w: Box<dyn Write>,
    /// `--json`: one JSON object per line.
    pub json: bool,
    color: bool,
}

impl Out {
    /// Stdout, in text or JSON Lines mode.
    pub fn stdout(json: bool) -> Self {
        let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Out {
            w: Box::new(std::io::BufWriter::new(std::io::stdout())),
            json,
            color,
        }
    }

    /// A writer into memory (tests).
    pub fn to_writer(w: Box<dyn Write>, json: bool) -> Self {
        Out {
            w,
            json,
            color: false,
        }
    }

    /// A text line.
    pub fn line(&mut self, s: impl AsRef<str>) -> Result<()> {
        writeln!(self.w, "{}", s.as_ref())?;
        Ok(())
    }

    /// A heading (bold on a colour terminal).
    pub fn heading(&mut self, s: impl AsRef<str>) -> Result<()> {
        if self.color {
            writeln!(self.w, "\x1b[1m{}\x1b[0m", s.as_ref())?;
        } else {
            writeln!(self.w, "{}", s.as_ref())?;
        }
        Ok(())
    }

    /// One JSON Lines record.
    pub fn record(&mut self, value: &impl Serialize) -> Result<()> {
        serde_json::to_writer(&mut self.w, value).map_err(|e| {
            if e.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe) {
                Failure::Quiet
            } else {
                Failure::msg(e)
            }
        })?;
        self.w.write_all(b"\n")?;
        Ok(())
    }

    /// Flush the buffer.
    pub fn flush(&mut self) -> Result<()> {
        self.w.flush()?;
        Ok(())
    }
}

pub use crdt_inspect::hex::{hex, unhex};

pub use crdt_inspect::human_bytes;
