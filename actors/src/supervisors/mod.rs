//! Background jobs, one supervisor actor per job, each in its own file and scheduled with
//! `run_interval`.

pub mod heartbeat_verifier;
pub mod message_cleaner;
pub mod message_saver;
pub mod pat_cleaner;
pub mod sysinfo_printer;
