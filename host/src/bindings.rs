//! The host side of the WIT contract, generated. Nothing else lives here.
#![allow(missing_docs)]

wasmtime::component::bindgen!({
    world: "engine",
    path: "../wit",
});
