//! The generated bindings of world `wasi-tls-provider` and the export glue,
//! alone in their module: the only `unsafe` code of the crate, all written
//! by wit-bindgen.
#![allow(unsafe_code)]
#![allow(missing_docs)]

wit_bindgen::generate!({
    world: "wasi-tls-provider",
    path: "../../wit",
    // The imported wasi:io and wasi:cli (the host's) get bindings too.
    generate_all,
});

use crate::Provider;
export!(Provider with_types_in crate::bindings);
