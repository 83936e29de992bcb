//! The attributes refuse bad input with a clear message (trybuild golden files in ui/).

#[test]
fn bad_attributes_do_not_compile() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
