//! Checks a [`Schema`] before anything is generated, so that generated code always
//! compiles and never needs a hand-written `todo!()`. Every error names the entity,
//! version and field, and says what to write instead.
//!
//! Rules: at least one entity; entity names are UpperCamelCase identifiers, unique, with
//! unique tables and file names; versions run 1, 2, 3, ... (at most 255); field names are
//! snake_case identifiers, unique within a version; types are plain Rust type paths; a
//! `crdt` is one of [`CRDT_TYPES`]; a `relation` names an entity of the schema; between two
//! versions a field keeps its type, is never removed, and a new field has a `default`
//! unless it is an `Option` (None) or a CRDT (starts empty).

use std::collections::BTreeSet;

use crate::schema::{Entity, Field, Schema, CRDT_TYPES};
use crate::Error;

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "gen", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Highest schema version an envelope can record.
pub const MAX_VERSION: u32 = 255;

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && s != "_"
        && !KEYWORDS.contains(&s)
}

fn balanced(s: &str) -> bool {
    let mut stack = Vec::new();
    for c in s.chars() {
        match c {
            '<' | '(' | '[' | '{' => stack.push(c),
            '>' | ')' | ']' | '}' => {
                let open = match c {
                    '>' => '<',
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                if stack.pop() != Some(open) {
                    return false;
                }
            }
            _ => {}
        }
    }
    stack.is_empty()
}

/// `TaskList` -> `task_list`.
pub fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Checks the whole schema.
pub fn validate(schema: &Schema) -> Result<(), Error> {
    if schema.entity.is_empty() {
        return Err(Error::invalid(
            None,
            None,
            None,
            "the schema has no [[entity]]: add at least one",
        ));
    }
    let names: BTreeSet<&str> = schema.entity.iter().map(|e| e.name.as_str()).collect();
    let mut seen_names = BTreeSet::new();
    let mut seen_tables = BTreeSet::new();
    let mut files: BTreeSet<String> = ["mod".to_string(), "helpers".to_string()].into();
    for e in &schema.entity {
        let en = Some(e.name.as_str());
        if !is_ident(&e.name) || !e.name.starts_with(|c: char| c.is_ascii_uppercase()) {
            return Err(Error::invalid(
                en,
                None,
                None,
                "the name must be an UpperCamelCase Rust identifier, e.g. \"Task\"",
            ));
        }
        if !seen_names.insert(e.name.as_str()) {
            return Err(Error::invalid(
                en,
                None,
                None,
                "two entities have this name",
            ));
        }
        if e.table.is_empty()
            || !e
                .table
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
        {
            return Err(Error::invalid(
                en,
                None,
                None,
                format!(
                    "table {:?} must be non-empty and use only letters, digits, '_', '-' and '.'",
                    e.table
                ),
            ));
        }
        if !seen_tables.insert(e.table.as_str()) {
            return Err(Error::invalid(
                en,
                None,
                None,
                format!(
                    "table {:?} is used by another entity; each entity needs its own table (its migration chain)",
                    e.table
                ),
            ));
        }
        let snake = snake_case(&e.name);
        for file in [snake.clone(), format!("{snake}_migrations")] {
            if !files.insert(file.clone()) {
                return Err(Error::invalid(
                    en,
                    None,
                    None,
                    format!("the generated file {file}.rs would collide with another; rename the entity"),
                ));
            }
        }
        validate_entity(e, &names)?;
    }
    Ok(())
}

fn validate_entity(e: &Entity, names: &BTreeSet<&str>) -> Result<(), Error> {
    let en = Some(e.name.as_str());
    if e.versions.is_empty() {
        return Err(Error::invalid(
            en,
            None,
            None,
            "no [[entity.versions]]: add `version = 1` with its fields",
        ));
    }
    for (i, v) in e.versions.iter().enumerate() {
        let expected = i as u32 + 1;
        if v.version != expected {
            return Err(Error::invalid(
                en,
                Some(v.version),
                None,
                format!(
                    "versions must be contiguous and in order from 1: expected version {expected} here"
                ),
            ));
        }
        if v.version > MAX_VERSION {
            return Err(Error::invalid(
                en,
                Some(v.version),
                None,
                format!("schema versions go up to {MAX_VERSION}"),
            ));
        }
        let mut seen = BTreeSet::new();
        for f in &v.fields {
            validate_field(e, v.version, f, names)?;
            if !seen.insert(f.name.as_str()) {
                return Err(Error::invalid(
                    en,
                    Some(v.version),
                    Some(&f.name),
                    "two fields have this name",
                ));
            }
        }
    }
    for pair in e.versions.windows(2) {
        let [old, new] = pair else { continue };
        for f in &old.fields {
            if !new.fields.iter().any(|n| n.name == f.name) {
                return Err(Error::invalid(
                    en,
                    Some(new.version),
                    Some(&f.name),
                    format!(
                        "removed in version {}: dropping data is not generated automatically; keep the field, \
                         or generate up to version {} and write the {} -> {} #[migration] by hand",
                        new.version, old.version, old.version, new.version
                    ),
                ));
            }
        }
        for f in &new.fields {
            match old.fields.iter().find(|o| o.name == f.name) {
                Some(o) if o.rust_type() != f.rust_type() => {
                    return Err(Error::invalid(
                        en,
                        Some(new.version),
                        Some(&f.name),
                        format!(
                            "changes type from {} to {}: no automatic migration can convert it; keep the type \
                             and add a new field, or write the {} -> {} #[migration] by hand",
                            o.rust_type(),
                            f.rust_type(),
                            old.version,
                            new.version
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    let auto = f.crdt.is_some() || f.ty.starts_with("Option<");
                    if f.default.is_none() && !auto {
                        return Err(Error::invalid(
                            en,
                            Some(new.version),
                            Some(&f.name),
                            format!(
                                "added in version {} without a default: add `default = \"...\"` (a Rust expression of type {})",
                                new.version, f.ty
                            ),
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

fn validate_field(
    e: &Entity,
    version: u32,
    f: &Field,
    names: &BTreeSet<&str>,
) -> Result<(), Error> {
    let place =
        |reason: String| Error::invalid(Some(&e.name), Some(version), Some(&f.name), reason);
    if !is_ident(&f.name) || f.name.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(place(
            "the name must be a snake_case Rust identifier (not a keyword)".into(),
        ));
    }
    if f.ty.trim().is_empty()
        || !balanced(&f.ty)
        || !f
            .ty
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_<>,: []();".contains(c))
    {
        return Err(place(format!(
            "type {:?} is not a Rust type this generator accepts (owned types such as String, u64, Option<u8>, Vec<String>)",
            f.ty
        )));
    }
    if let Some(c) = &f.crdt {
        if !CRDT_TYPES.iter().any(|(n, _)| n == c) {
            let known: Vec<&str> = CRDT_TYPES.iter().map(|(n, _)| *n).collect();
            return Err(place(format!(
                "unknown CRDT type {c:?}; use one of {}",
                known.join(", ")
            )));
        }
        if f.default.is_some() && c != "LWWRegister" {
            return Err(place(format!(
                "a {c} field starts empty when a migration adds it; remove `default` (only LWWRegister takes an initial value)"
            )));
        }
    }
    if let Some(d) = &f.default {
        if d.trim().is_empty()
            || !balanced(d)
            || d.contains("todo!")
            || d.contains("unimplemented!")
        {
            return Err(place(format!(
                "default {d:?} must be a complete Rust expression, e.g. \"None\" or \"Vec::new()\""
            )));
        }
    }
    if let Some(r) = &f.relation {
        if !names.contains(r.as_str()) {
            return Err(place(format!(
                "relation to {r:?}, which is not an entity of this schema"
            )));
        }
    }
    Ok(())
}
