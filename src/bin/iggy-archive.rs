//! `iggy-archive`: checks and restores the segment archives the message cleaner writes to
//! `system.backup.path` when `system.segment.archive_expired = true`.
//!
//! ```sh
//! iggy-archive verify  <archive dir>
//! iggy-archive restore <archive dir> <partition dir>   # with the server stopped
//! ```
//!
//! An archive directory is `{backup path}/{stream}/{topic}/{partition}/{start}-{first ts}/`;
//! a partition directory is `{system.path}/streams/{stream}/topics/{topic}/partitions/{id}`.
//! A restored segment is loaded, and its messages are readable, at the server's next start.

use argh::FromArgs;
use std::path::PathBuf;
use std::process::ExitCode;

/// Checks and restores archived segments.
#[derive(FromArgs)]
struct Args {
    #[argh(subcommand)]
    command: Command,
}

#[derive(FromArgs)]
#[argh(subcommand)]
enum Command {
    Verify(Verify),
    Restore(Restore),
}

/// Checks an archive's files against its manifest and prints the manifest.
#[derive(FromArgs)]
#[argh(subcommand, name = "verify")]
struct Verify {
    /// the archive directory (holding manifest.json)
    #[argh(positional)]
    archive: PathBuf,
}

/// Puts an archived segment back into a partition directory of a stopped server.
#[derive(FromArgs)]
#[argh(subcommand, name = "restore")]
struct Restore {
    /// the archive directory (holding manifest.json)
    #[argh(positional)]
    archive: PathBuf,
    /// the partition directory to restore into
    #[argh(positional)]
    partition: PathBuf,
}

fn main() -> ExitCode {
    let args: Args = argh::from_env();
    let outcome = match args.command {
        Command::Verify(v) => iggy_actors::archive::verify(&v.archive).map(|m| {
            format!(
                "{}: stream {} '{}', topic {} '{}', partition {}, offsets {}..={} ({} messages): checksums match",
                v.archive.display(),
                m.stream_id,
                m.stream_name,
                m.topic_id,
                m.topic_name,
                m.partition_id,
                m.start_offset,
                m.end_offset,
                m.messages
            )
        }),
        Command::Restore(r) => iggy_actors::archive::restore(&r.archive, &r.partition)
            .map(|log| format!("restored {}: loaded at the server's next start", log.display())),
    };
    match outcome {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("iggy-archive: {e}");
            ExitCode::FAILURE
        }
    }
}
