//! Schema migration on an over-the-air update: a sensor gateway stores readings at schema
//! v1, the firmware update brings v2 (humidity) and v3 (calibrated Kelvin), and the data
//! written by the old firmware upgrades lazily on read, then all at once.
//!
//! Run: `cargo run -p crdt-store --example iot_sensor`

use crdt_store::{crdt_schema, migration, CrdtDb, Result};
use serde::{Deserialize, Serialize};

mod firmware_v1 {
    use super::*;
    #[crdt_schema(version = 1, table = "readings")]
    #[derive(Serialize, Deserialize, Debug)]
    pub struct Reading {
        pub sensor: String,
        pub celsius: f32,
    }
}

mod firmware_v3 {
    use super::firmware_v1::Reading as ReadingV1;
    use super::*;

    #[crdt_schema(version = 2, table = "readings")]
    #[derive(Serialize, Deserialize, Debug)]
    pub struct ReadingV2 {
        pub sensor: String,
        pub celsius: f32,
        pub humidity: Option<f32>,
    }

    #[crdt_schema(version = 3, table = "readings")]
    #[derive(Serialize, Deserialize, Debug)]
    pub struct Reading {
        pub sensor: String,
        pub kelvin: f64,
        pub humidity: Option<f32>,
    }

    #[migration(from = 1, to = 2)]
    pub fn add_humidity(old: ReadingV1) -> ReadingV2 {
        ReadingV2 {
            sensor: old.sensor,
            celsius: old.celsius,
            humidity: None,
        }
    }

    #[migration(from = 2, to = 3)]
    pub fn to_kelvin(old: ReadingV2) -> Reading {
        Reading {
            sensor: old.sensor,
            kelvin: f64::from(old.celsius) + 273.15,
            humidity: old.humidity,
        }
    }
}

fn main() -> Result<()> {
    let dir = std::env::temp_dir().join(format!("crdt-iot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| crdt_store::Error::InvalidArgument(e.to_string()))?;
    let path = dir.join("gateway.crdt");

    // Old firmware: writes v1 readings.
    {
        let db = CrdtDb::open(&path)?;
        for (i, c) in [21.5f32, 19.0, 23.25].iter().enumerate() {
            db.save(
                &format!("sensor-{i}"),
                &firmware_v1::Reading {
                    sensor: format!("s{i}"),
                    celsius: *c,
                },
            )?;
        }
        println!("firmware v1 wrote 3 readings to {}", path.display());
    }

    // OTA update: the new firmware registers its migrations and reads the old data.
    let db = CrdtDb::open(&path)?.with_migrations([
        firmware_v3::add_humidity_migration(),
        firmware_v3::to_kelvin_migration(),
    ])?;
    let r0: firmware_v3::Reading = db.load("sensor-0")?.expect("written above");
    println!("lazy: sensor-0 read as v3 -> {r0:?} (and written back at v3)");

    // Eager: upgrade everything else now.
    let report = db.migrate_all()?;
    println!(
        "migrate_all: scanned {}, migrated {}",
        report.scanned, report.migrated
    );
    assert_eq!(report.migrated, 2);
    for i in 0..3 {
        let r: firmware_v3::Reading = db.load(&format!("sensor-{i}"))?.expect("present");
        println!("  sensor-{i}: {:.2} K", r.kelvin);
    }
    drop(db);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
