//! The component itself: what it can reach, and that it is a real component.

#[test]
fn the_self_contained_component_imports_only_clocks_randomness_and_std_plumbing() {
    let imports =
        tlsbox::runtime::component_imports(tlsbox::Crypto::Guest).expect("the engine starts");
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
fn the_host_crypto_component_adds_only_the_crypto_and_output_imports() {
    let guest = tlsbox::runtime::component_imports(tlsbox::Crypto::Guest).unwrap();
    let host = tlsbox::runtime::component_imports(tlsbox::Crypto::Host).unwrap();
    let mut added: Vec<_> = host.iter().filter(|name| !guest.contains(name)).collect();
    added.sort();
    assert_eq!(added.len(), 2, "{added:?}");
    assert!(added[0].starts_with("tlsbox:tls/crypto@"), "{added:?}");
    assert!(added[1].starts_with("tlsbox:tls/output@"), "{added:?}");
    assert!(
        !guest
            .iter()
            .any(|name| name.starts_with("tlsbox:tls/crypto")
                || name.starts_with("tlsbox:tls/output"))
    );
}

#[test]
fn both_components_are_wasm_component_binaries() {
    for crypto in [tlsbox::Crypto::Guest, tlsbox::Crypto::Host] {
        let wasm = tlsbox::runtime::component_wasm(crypto).expect("the suite builds both");
        assert_eq!(&wasm[..4], b"\0asm");
        // Components carry layer 1 in the version field; core modules carry 0.
        assert_eq!(&wasm[6..8], &[1, 0]);
    }
}
