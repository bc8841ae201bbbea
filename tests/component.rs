//! The component itself: what it can reach, and that it is a real component.

#[test]
fn the_component_imports_only_clocks_randomness_and_std_plumbing() {
    let imports = tlsbox::runtime::component_imports().expect("the engine starts");
    assert!(!imports.is_empty());
    for name in &imports {
        // `tlsbox:tls/types` holds only type definitions: nothing to call.
        let allowed = [
            "wasi:clocks/",
            "wasi:random/",
            "wasi:io/",
            "wasi:cli/",
            "tlsbox:tls/types@",
        ]
        .iter()
        .any(|prefix| name.starts_with(prefix));
        assert!(
            allowed,
            "unexpected import {name}: the guest must not reach files or sockets"
        );
    }
    assert!(
        imports
            .iter()
            .any(|n| n.starts_with("wasi:clocks/wall-clock")),
        "{imports:?}"
    );
    assert!(
        imports.iter().any(|n| n.starts_with("wasi:random/random")),
        "{imports:?}"
    );
    assert!(
        !imports
            .iter()
            .any(|n| n.contains("sockets") || n.contains("filesystem"))
    );
}

#[test]
fn the_component_is_a_wasm_component_binary() {
    let wasm = tlsbox::runtime::component_wasm();
    assert_eq!(&wasm[..4], b"\0asm");
    // Components carry layer 1 in the version field; core modules carry 0.
    assert_eq!(&wasm[6..8], &[1, 0]);
}
