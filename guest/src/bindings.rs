//! The generated WIT bindings and the export glue, alone in their module:
//! they hold the only `unsafe` code of the guest, all written by wit-bindgen.
#![allow(unsafe_code)]
#![allow(missing_docs)]

#[cfg(not(feature = "host-crypto"))]
wit_bindgen::generate!({
    world: "engine",
    path: "../wit",
});

#[cfg(feature = "host-crypto")]
wit_bindgen::generate!({
    world: "engine-host-crypto",
    path: "../wit",
});

use crate::Component;
export!(Component with_types_in crate::bindings);
