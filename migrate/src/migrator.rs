//! Migration chains: per table, an ordered set of steps `from -> to`, run lazily on read.
//!
//! Invariants, checked by [`Migrator::register`]: within a table each version has at most
//! one outgoing step and every step goes up (`from < to`). Tables never share steps: a
//! value of table `a` only ever runs steps registered for `a`.
//!
//! Steps are plain functions from the old payload to the new one, so the same stored bytes
//! upgrade to the same new bytes on every device. A step that fails or panics aborts the
//! upgrade before anything is written.

use crate::envelope::{self, Detected};
use crate::{CrdtVersioned, Error};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A step's body: the previous version's postcard payload in, the next version's out.
pub type StepFn = fn(&[u8]) -> Result<Vec<u8>, Error>;

/// One registered step of a table's chain. Made by `#[migration(from = N, to = M)]`, which
/// generates a function `<name>_migration() -> Migration`, or by [`Migration::new`].
#[derive(Clone, Copy, Debug)]
pub struct Migration {
    table: &'static str,
    from: u8,
    to: u8,
    name: &'static str,
    step: StepFn,
}

impl Migration {
    /// A step of `table` from version `from` to `to`.
    pub const fn new(
        table: &'static str,
        from: u8,
        to: u8,
        name: &'static str,
        step: StepFn,
    ) -> Self {
        Migration {
            table,
            from,
            to,
            name,
            step,
        }
    }
    /// The table whose chain the step belongs to.
    pub fn table(&self) -> &'static str {
        self.table
    }
    /// The source version.
    pub fn from(&self) -> u8 {
        self.from
    }
    /// The target version.
    pub fn to(&self) -> u8 {
        self.to
    }
    /// The step's name (its function's name).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Runs the step, turning a panic into [`Error::StepPanicked`].
    pub fn run(&self, payload: &[u8]) -> Result<Vec<u8>, Error> {
        match catch_unwind(AssertUnwindSafe(|| (self.step)(payload))) {
            Ok(Ok(bytes)) => Ok(bytes),
            Ok(Err(Error::Payload {
                type_name,
                version,
                detail,
            })) => Err(Error::StepFailed {
                table: self.table.to_string(),
                step: self.name,
                from: self.from,
                to: self.to,
                reason: format!(
                    "payload is not a valid {type_name} at version {version}: {detail}"
                ),
            }),
            Ok(Err(e)) => Err(Error::StepFailed {
                table: self.table.to_string(),
                step: self.name,
                from: self.from,
                to: self.to,
                reason: match e {
                    Error::StepFailed { reason, .. } => reason,
                    other => other.to_string(),
                },
            }),
            Err(panic) => {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "non-string panic payload".to_string());
                Err(Error::StepPanicked {
                    table: self.table.to_string(),
                    step: self.name,
                    message,
                })
            }
        }
    }
}

/// How values stored without an envelope are read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PlainValues {
    /// They are an error ([`Error::NotEnveloped`]). The default.
    #[default]
    Reject,
    /// They are payloads at this schema version (data written before envelopes were used).
    AssumeVersion(u8),
}

/// The result of reading stored bytes for a type at a given version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upgraded {
    /// The payload at the target version.
    pub payload: Vec<u8>,
    /// The version that was stored.
    pub stored_version: u8,
    /// When a migration ran (or the value was plain): the new envelope to write back.
    pub write_back: Option<Vec<u8>>,
}

/// All registered chains, keyed by table.
#[derive(Clone, Debug, Default)]
pub struct Migrator {
    chains: BTreeMap<&'static str, BTreeMap<u8, Migration>>,
    plain: PlainValues,
}

impl Migrator {
    /// No steps registered.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets how values without an envelope are read.
    pub fn plain_values(mut self, policy: PlainValues) -> Self {
        self.plain = policy;
        self
    }

    /// Registers a step (builder style). See [`Migrator::register`] for the checks.
    pub fn with(mut self, migration: Migration) -> Result<Self, Error> {
        self.register(migration)?;
        Ok(self)
    }

    /// Registers a step. Refuses a step that goes down or nowhere, and a second step out
    /// of the same version of the same table (the chain would be ambiguous). Registering
    /// the identical step twice is harmless.
    pub fn register(&mut self, migration: Migration) -> Result<&mut Self, Error> {
        let invalid = |detail: String| Error::InvalidChain {
            table: migration.table.to_string(),
            detail,
        };
        if migration.from == 0 || migration.from >= migration.to {
            return Err(invalid(format!(
                "step {} goes from {} to {}; steps must go from a version >= 1 to a higher one",
                migration.name, migration.from, migration.to
            )));
        }
        let chain = self.chains.entry(migration.table).or_default();
        if let Some(existing) = chain.get(&migration.from) {
            if existing.name == migration.name && existing.to == migration.to {
                return Ok(self);
            }
            return Err(invalid(format!(
                "two steps leave version {}: {} (to {}) and {} (to {})",
                migration.from, existing.name, existing.to, migration.name, migration.to
            )));
        }
        chain.insert(migration.from, migration);
        Ok(self)
    }

    /// The steps registered for a table, in version order.
    pub fn steps(&self, table: &str) -> impl Iterator<Item = &Migration> + '_ {
        self.chains.get(table).into_iter().flat_map(|c| c.values())
    }

    /// The tables that have steps.
    pub fn tables(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.chains.keys().copied()
    }

    /// Brings stored bytes of `table` to `target` version: decodes the envelope, runs the
    /// steps `stored -> ... -> target`, and says what to write back. Never changes anything
    /// itself; on any error the caller writes nothing.
    pub fn upgrade(
        &self,
        table: &str,
        type_tag: u8,
        stored: &[u8],
        target: u8,
    ) -> Result<Upgraded, Error> {
        let (version, payload, was_plain) = match envelope::detect(stored)? {
            Detected::Envelope(e) => {
                if e.type_tag != type_tag {
                    return Err(Error::TypeMismatch {
                        expected: type_tag,
                        found: e.type_tag,
                    });
                }
                (e.schema_version, e.payload, false)
            }
            Detected::Plain(p) => match self.plain {
                PlainValues::Reject => return Err(Error::NotEnveloped { len: p.len() }),
                PlainValues::AssumeVersion(v) => (v, p, true),
            },
        };
        if version > target {
            return Err(Error::FutureVersion {
                table: table.to_string(),
                stored: version,
                supported: target,
            });
        }
        if version == target {
            let write_back = if was_plain {
                Some(envelope::encode(target, type_tag, payload)?)
            } else {
                None
            };
            return Ok(Upgraded {
                payload: payload.to_vec(),
                stored_version: version,
                write_back,
            });
        }
        let chain = self.chains.get(table);
        let mut current = payload.to_vec();
        let mut at = version;
        while at < target {
            let step = chain
                .and_then(|c| c.get(&at))
                .ok_or_else(|| Error::MissingStep {
                    table: table.to_string(),
                    from: at,
                    target,
                })?;
            if step.to > target {
                return Err(Error::InvalidChain {
                    table: table.to_string(),
                    detail: format!(
                        "step {} goes from {} to {}, past the app's version {target}",
                        step.name, at, step.to
                    ),
                });
            }
            current = step.run(&current)?;
            at = step.to;
        }
        let write_back = Some(envelope::encode(target, type_tag, &current)?);
        Ok(Upgraded {
            payload: current,
            stored_version: version,
            write_back,
        })
    }

    /// The newest version a table's chain reaches (the `to` of its last step), if it has steps.
    pub fn latest_version(&self, table: &str) -> Option<u8> {
        self.chains
            .get(table)
            .and_then(|c| c.values().map(|m| m.to).max())
    }

    /// Eager migration of one stored value of `table` to the newest version its chain
    /// reaches, keeping the envelope's own type tag: `Some(new bytes)` when it changed,
    /// `None` when it is already current, plain (left alone), or the table has no steps.
    /// Used by `migrate_all` and by compaction.
    pub fn upgrade_latest(&self, table: &str, stored: &[u8]) -> Result<Option<Vec<u8>>, Error> {
        let Some(latest) = self.latest_version(table) else {
            return Ok(None);
        };
        let Detected::Envelope(e) = envelope::detect(stored)? else {
            return Ok(None);
        };
        if e.schema_version >= latest {
            return Ok(None);
        }
        Ok(self.upgrade(table, e.type_tag, stored, latest)?.write_back)
    }

    /// Reads a value of `T`: upgrade (see [`Migrator::upgrade`]) and decode.
    pub fn read<T: CrdtVersioned + DeserializeOwned>(
        &self,
        stored: &[u8],
    ) -> Result<(T, Upgraded), Error> {
        let up = self.upgrade(T::TABLE, T::TYPE_TAG, stored, T::SCHEMA_VERSION)?;
        let value = decode_payload::<T>(&up.payload, T::SCHEMA_VERSION)?;
        Ok((value, up))
    }
}

/// Wraps a value of `T` in an envelope at its current schema version.
pub fn write<T: CrdtVersioned + Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    let payload = encode_payload(value)?;
    envelope::encode(T::SCHEMA_VERSION, T::TYPE_TAG, &payload)
}

/// Encodes a payload with postcard.
pub fn encode_payload<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    postcard::to_allocvec(value).map_err(|e| Error::Payload {
        type_name: std::any::type_name::<T>(),
        version: 0,
        detail: e.to_string(),
    })
}

/// Decodes a payload with postcard; trailing bytes are an error.
pub fn decode_payload<T: DeserializeOwned>(bytes: &[u8], version: u8) -> Result<T, Error> {
    let err = |detail: String| Error::Payload {
        type_name: std::any::type_name::<T>(),
        version,
        detail,
    };
    let (value, rest) = postcard::take_from_bytes::<T>(bytes).map_err(|e| err(e.to_string()))?;
    if !rest.is_empty() {
        return Err(err(format!("{} unexpected trailing bytes", rest.len())));
    }
    Ok(value)
}
