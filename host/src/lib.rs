mod bindings;
mod error;
pub mod limits;
mod runtime;
mod sandbox;
