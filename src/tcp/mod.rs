//! The TCP transport: a listener that places each accepted socket on a shard, and one
//! connection actor per client.

pub mod connection;
pub mod listener;
mod sendfile;
