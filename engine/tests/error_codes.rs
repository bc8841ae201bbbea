//! Node's codes are listed once, in the engine's `error_codes!`, and
//! cross the sandbox's boundary as Node spells them (`error.code` in
//! `wit/types.wit` is a string).

use tlsbox_engine::ErrorCode;

/// Codes cross the sandbox's boundary in Node's spelling: the host must
/// read back every code the guest writes, and nothing else.
#[test]
fn every_code_reads_back_from_its_node_spelling() {
    for &code in ErrorCode::ALL {
        assert_eq!(ErrorCode::from_node_str(code.as_node_str()), Some(code));
    }
    for unknown in [
        "",
        "err-ssl-wrong-version-number",
        "ERR_SSL_NO_SUCH_THING",
        "ECONNRESET",
    ] {
        assert_eq!(ErrorCode::from_node_str(unknown), None, "{unknown}");
    }
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
