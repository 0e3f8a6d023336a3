//! The TCP transport, plain or TLS: a listener that places each accepted socket on a
//! shard, where a `Connection` actor serves it; poll answers leave plain sockets through
//! `sendfile`.

pub mod listener;
mod sendfile;
