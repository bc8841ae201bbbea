//! The exported `wasi:sockets` (TCP and name lookup): each resource wraps
//! the host's and every call is forwarded to it. Values cross between the
//! host's copy of a type and the exported one field by field, and the
//! streams and pollables a socket hands out are wrapped as this
//! component's, so that a consumer can hand a connection's streams to
//! `client-handshake`.

mod lookup;
mod network;
mod tcp;
