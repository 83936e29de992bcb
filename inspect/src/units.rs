//! Byte counts for people, the form the CLI and the dev UI print sizes in.

/// `1234567` as `1.2 MiB` (binary units; exact below 1 KiB).
///
/// ```
/// assert_eq!(crdt_inspect::human_bytes(512), "512 B");
/// assert_eq!(crdt_inspect::human_bytes(1_234_567), "1.2 MiB");
/// ```
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let (mut v, mut unit) = (n as f64, 0);
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    match UNITS.get(unit) {
        Some(u) if unit > 0 => format!("{v:.1} {u}"),
        _ => format!("{n} B"),
    }
}
