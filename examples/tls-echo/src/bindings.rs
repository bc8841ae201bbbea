//! The `tlsbox:tls/tls` import, generated from `wit/` (world `engine-user`).
//! The only `unsafe` code of the example lives here, written by wit-bindgen.
#![allow(unsafe_code)]
#![allow(missing_docs)]

wit_bindgen::generate!({
    world: "engine-user",
    path: "../../wit",
});
