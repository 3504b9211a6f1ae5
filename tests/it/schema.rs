//! The committed schema is the one the Rust types generate.

#[test]
fn committed_schema_matches_generated() {
    let committed: serde_json::Value =
        serde_json::from_str(include_str!("../../schema/report.v1.schema.json"))
            .expect("committed schema parses");
    let generated = caizheng::report::json_schema();
    assert_eq!(
        committed, generated,
        "schema/report.v1.schema.json is stale: regenerate it with `cargo run -- schema > schema/report.v1.schema.json`"
    );
    assert_eq!(
        generated["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    jsonschema::validator_for(&generated).expect("the schema compiles as JSON Schema 2020-12");
}
