//! The host side of the WIT contract, generated. Nothing else lives here.
//!
//! One set of bindings serves both components: the world with the crypto
//! import is a superset of the self-contained one, and a component that
//! does not import `crypto` simply leaves it unused in the linker.
#![allow(missing_docs)]

wasmtime::component::bindgen!({
    world: "engine-host-crypto",
    path: "../wit",
    imports: { default: trappable },
    with: {
        "tlsbox:tls/crypto.aead-key": crate::crypto::AeadKey,
        "tlsbox:tls/crypto.hash-context": crate::crypto::HashContext,
        "tlsbox:tls/crypto.signing-key": crate::crypto::HostSigningKey,
        "tlsbox:tls/crypto.key-exchange": crate::crypto::KeyExchange,
    },
});
