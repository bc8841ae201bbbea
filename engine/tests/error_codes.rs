//! Node's codes are listed once, in `tlsbox_engine::with_error_codes!`; the
//! WIT enum that carries them across the sandbox's boundary must list the
//! same cases in the same order (the guest and the host convert case by
//! case, by name).

use tlsbox_engine::ErrorCode;

/// The cases of `enum error-code` in `wit/types.wit`, in order.
fn wit_cases() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../wit/types.wit");
    let wit = std::fs::read_to_string(path).expect("wit/types.wit");
    let start = wit.find("enum error-code {").expect("an error-code enum");
    let body = &wit[start..];
    let body = &body[body.find('{').unwrap() + 1..body.find('}').expect("its end")];
    body.lines()
        .map(|line| line.split("//").next().unwrap().trim())
        .filter(|case| !case.is_empty())
        .map(|case| case.trim_end_matches(',').to_string())
        .collect()
}

#[test]
fn the_wit_enum_lists_the_engines_codes_in_order() {
    let engine: Vec<String> = ErrorCode::ALL
        .iter()
        .map(|code| code.as_node_str().to_ascii_lowercase().replace('_', "-"))
        .collect();
    assert_eq!(wit_cases(), engine);
}

#[test]
fn every_code_has_its_own_spelling() {
    let mut spellings: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_node_str()).collect();
    spellings.sort_unstable();
    spellings.dedup();
    assert_eq!(
        spellings.len(),
        ErrorCode::ALL.len(),
        "a spelling is used twice"
    );
}
