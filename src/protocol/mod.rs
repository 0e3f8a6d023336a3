//! The binary protocol as a pure module: framing, command codes, request decoding and
//! response encoding. No actix, no I/O; every read is bounds-checked.

pub mod codes;
pub mod frame;
pub mod identifier;
pub mod requests;
pub mod responses;

#[cfg(test)]
mod random_input_tests;
