//! Migration chains: order, isolation between tables, failures that change nothing.

use crdt_migrate::{crdt_schema, envelope, migration, Error, Migrator, PlainValues};
use serde::{Deserialize, Serialize};

#[crdt_schema(version = 1, table = "sensors")]
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct SensorV1 {
    id: String,
    celsius: f32,
}

#[crdt_schema(version = 2, table = "sensors")]
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct SensorV2 {
    id: String,
    celsius: f32,
    humidity: Option<f32>,
}

#[crdt_schema(version = 3, table = "sensors")]
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct SensorV3 {
    id: String,
    kelvin: f64,
    humidity: Option<f32>,
}

#[migration(from = 1, to = 2)]
fn add_humidity(old: SensorV1) -> SensorV2 {
    SensorV2 {
        id: old.id,
        celsius: old.celsius,
        humidity: None,
    }
}

#[migration(from = 2, to = 3)]
fn to_kelvin(old: SensorV2) -> Result<SensorV3, String> {
    if old.celsius < -273.15 {
        return Err(format!("{} °C is below absolute zero", old.celsius));
    }
    Ok(SensorV3 {
        id: old.id,
        kelvin: f64::from(old.celsius) + 273.15,
        humidity: old.humidity,
    })
}

// A second table with its own chain, whose version numbers overlap the first's.
#[crdt_schema(version = 1, table = "users")]
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct UserV1 {
    name: String,
}

#[crdt_schema(version = 2, table = "users")]
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct UserV2 {
    name: String,
    admin: bool,
}

#[migration(from = 1, to = 2)]
fn add_admin(old: UserV1) -> UserV2 {
    UserV2 {
        admin: old.name == "root",
        name: old.name,
    }
}

#[crdt_schema(version = 2, table = "panics")]
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct PanicV2 {
    n: u32,
}

#[crdt_schema(version = 1, table = "panics")]
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct PanicV1 {
    n: u32,
}

#[migration(from = 1, to = 2)]
fn explode(old: PanicV1) -> PanicV2 {
    if old.n == 13 {
        panic!("unlucky number");
    }
    PanicV2 { n: old.n }
}

fn migrator() -> Migrator {
    Migrator::new()
        .with(add_humidity_migration())
        .and_then(|m| m.with(to_kelvin_migration()))
        .and_then(|m| m.with(add_admin_migration()))
        .and_then(|m| m.with(explode_migration()))
        .expect("a valid chain")
}

#[test]
fn v1_reads_as_v3_through_every_step_and_write_back_is_current() {
    let m = migrator();
    let stored = crdt_migrate::write(&SensorV1 {
        id: "s1".into(),
        celsius: 20.0,
    })
    .unwrap();
    let (v3, up) = m.read::<SensorV3>(&stored).unwrap();
    assert_eq!(
        v3,
        SensorV3 {
            id: "s1".into(),
            kelvin: 293.15,
            humidity: None
        }
    );
    assert_eq!(up.stored_version, 1);
    let back = up.write_back.expect("migrated values are written back");
    // Reading the written-back bytes migrates nothing.
    let (again, up2) = m.read::<SensorV3>(&back).unwrap();
    assert_eq!(again, v3);
    assert_eq!((up2.stored_version, up2.write_back), (3, None));
    // Deterministic: the same input gives the same bytes.
    assert_eq!(
        m.read::<SensorV3>(&stored).unwrap().1.write_back.unwrap(),
        back
    );
}

#[test]
fn tables_never_run_each_others_steps() {
    let m = migrator();
    let stored = crdt_migrate::write(&UserV1 {
        name: "root".into(),
    })
    .unwrap();
    let (user, _) = m.read::<UserV2>(&stored).unwrap();
    assert_eq!(
        user,
        UserV2 {
            name: "root".into(),
            admin: true
        }
    );
    let names: Vec<_> = m.steps("users").map(|s| s.name()).collect();
    assert_eq!(names, ["add_admin"]);
    let names: Vec<_> = m.steps("sensors").map(|s| s.name()).collect();
    assert_eq!(names, ["add_humidity", "to_kelvin"]);
    // A migrator that knows only the users' chain cannot upgrade sensors.
    let users_only = Migrator::new().with(add_admin_migration()).unwrap();
    let s = crdt_migrate::write(&SensorV1 {
        id: "s".into(),
        celsius: 1.0,
    })
    .unwrap();
    assert!(matches!(
        users_only.read::<SensorV2>(&s),
        Err(Error::MissingStep { ref table, from: 1, target: 2 }) if table == "sensors"
    ));
}

#[test]
fn future_version_is_an_error_not_a_downgrade() {
    let m = migrator();
    let stored = crdt_migrate::write(&SensorV3 {
        id: "x".into(),
        kelvin: 1.0,
        humidity: None,
    })
    .unwrap();
    let err = m.read::<SensorV2>(&stored).unwrap_err();
    assert_eq!(
        err,
        Error::FutureVersion {
            table: "sensors".into(),
            stored: 3,
            supported: 2
        }
    );
    assert!(err.to_string().contains("upgrade the app"));
}

#[test]
fn failing_and_panicking_steps_report_and_produce_nothing() {
    let m = migrator();
    let cold = crdt_migrate::write(&SensorV1 {
        id: "c".into(),
        celsius: -300.0,
    })
    .unwrap();
    match m.read::<SensorV3>(&cold) {
        Err(Error::StepFailed {
            step: "to_kelvin",
            from: 2,
            to: 3,
            reason,
            ..
        }) => {
            assert!(reason.contains("absolute zero"))
        }
        other => panic!("{other:?}"),
    }
    let unlucky = crdt_migrate::write(&PanicV1 { n: 13 }).unwrap();
    match m.read::<PanicV2>(&unlucky) {
        Err(Error::StepPanicked {
            step: "explode",
            message,
            ..
        }) => assert_eq!(message, "unlucky number"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn chains_that_contradict_themselves_are_refused() {
    let mut m = migrator();
    // Registering the same step twice is fine.
    m.register(add_humidity_migration()).unwrap();
    let other = crdt_migrate::Migration::new("sensors", 1, 3, "shortcut", |b| Ok(b.to_vec()));
    assert!(matches!(m.register(other), Err(Error::InvalidChain { .. })));
    let down = crdt_migrate::Migration::new("sensors", 3, 2, "down", |b| Ok(b.to_vec()));
    assert!(matches!(m.register(down), Err(Error::InvalidChain { .. })));
}

#[test]
fn plain_values_follow_the_policy() {
    let plain = postcard::to_allocvec(&SensorV1 {
        id: "p".into(),
        celsius: 5.0,
    })
    .unwrap();
    assert!(matches!(
        migrator().read::<SensorV2>(&plain),
        Err(Error::NotEnveloped { .. })
    ));
    let lenient = migrator().plain_values(PlainValues::AssumeVersion(1));
    let (v2, up) = lenient.read::<SensorV2>(&plain).unwrap();
    assert_eq!(v2.humidity, None);
    assert!(matches!(
        envelope::detect(&up.write_back.unwrap()),
        Ok(envelope::Detected::Envelope(_))
    ));
}

#[test]
fn type_tags_and_garbage_payloads_are_errors() {
    let m = migrator();
    let tagged = envelope::encode(2, 7, &[0]).unwrap();
    assert_eq!(
        m.read::<SensorV2>(&tagged).unwrap_err(),
        Error::TypeMismatch {
            expected: 0,
            found: 7
        }
    );
    let garbage = envelope::encode(2, 0, &[0xFF; 9]).unwrap();
    assert!(matches!(
        m.read::<SensorV2>(&garbage),
        Err(Error::Payload { version: 2, .. })
    ));
    let garbage_v1 = envelope::encode(1, 0, &[0xFF; 9]).unwrap();
    assert!(matches!(
        m.read::<SensorV2>(&garbage_v1),
        Err(Error::StepFailed {
            step: "add_humidity",
            ..
        })
    ));
}

#[test]
fn crdt_kit_types_carry_their_type_tags() {
    use crdt_kit::prelude::*;
    use crdt_migrate::{type_tag, CrdtVersioned};
    let mut doc = TextCrdt::new("a");
    doc.insert_str(0, "hello").unwrap();
    let stored = crdt_migrate::write(&doc).unwrap();
    let envelope::Detected::Envelope(e) = envelope::detect(&stored).unwrap() else {
        panic!("plain")
    };
    assert_eq!((e.schema_version, e.type_tag), (1, type_tag::TEXT));
    let (back, _) = Migrator::new().read::<TextCrdt>(&stored).unwrap();
    assert_eq!(back.to_string(), "hello");
    assert_eq!(
        type_tag::name(<ORSet<String> as CrdtVersioned>::TYPE_TAG),
        Some("ORSet")
    );
    // A counter is not a text.
    assert!(matches!(
        Migrator::new().read::<GCounter>(&stored),
        Err(crdt_migrate::Error::TypeMismatch {
            expected: 1,
            found: 9
        })
    ));
}

#[test]
fn eager_upgrade_goes_to_the_top_of_the_chain() {
    let m = migrator();
    assert_eq!(m.latest_version("sensors"), Some(3));
    assert_eq!(m.latest_version("nothing"), None);
    let v1 = crdt_migrate::write(&SensorV1 {
        id: "e".into(),
        celsius: 0.0,
    })
    .unwrap();
    let up = m
        .upgrade_latest("sensors", &v1)
        .unwrap()
        .expect("v1 is old");
    let (v3, again) = m.read::<SensorV3>(&up).unwrap();
    assert_eq!((v3.kelvin, again.write_back), (273.15, None));
    assert_eq!(m.upgrade_latest("sensors", &up).unwrap(), None);
    assert_eq!(m.upgrade_latest("sensors", b"plain").unwrap(), None);
    assert_eq!(m.upgrade_latest("nothing", &v1).unwrap(), None);
}
