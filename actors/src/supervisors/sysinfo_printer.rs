//! Logs host and process figures (CPU, memory, threads, data size, disk) at the period of
//! `system.logging.sysinfo_print_interval` (0 disables the line), and answers
//! [`GetSystemSnapshot`] for the GetStats handler. It owns the single [`SystemInfo`], so the
//! CPU percentages are deltas since the previous reading, whoever asked for it.

use std::path::PathBuf;
use std::time::Duration;

use actix::{Actor, AsyncContext, Context, Handler, Message, MessageResult};
use log::info;

use crate::system_info::{human_size, SystemInfo, SystemSnapshot};

/// Asks for a fresh [`SystemSnapshot`]. Sent by the GetStats handler.
#[derive(Debug, Message)]
#[rtype(result = "SystemSnapshot")]
pub struct GetSystemSnapshot;

pub struct SysinfoPrinter {
    /// Kept for the life of the actor: CPU usage is measured between two readings.
    info: SystemInfo,
    /// Period of the log line; zero means no periodic line (snapshots are still served).
    interval: Duration,
}

impl SysinfoPrinter {
    pub fn new(data_path: PathBuf, interval: Duration) -> Self {
        SysinfoPrinter {
            info: SystemInfo::new(data_path),
            interval,
        }
    }

    fn print(&mut self) {
        info!("{}", describe(&self.info.snapshot()));
    }
}

/// The periodic log line for one snapshot.
pub fn describe(snapshot: &SystemSnapshot) -> String {
    format!(
        "CPU: {:.2}% process / {:.2}% total, memory: {} RSS / {} total / {} available, \
         threads: {}, data size: {}, disk: {} free / {} total",
        snapshot.cpu_usage,
        snapshot.total_cpu_usage,
        human_size(snapshot.memory_usage),
        human_size(snapshot.total_memory),
        human_size(snapshot.available_memory),
        snapshot.threads_count,
        human_size(snapshot.data_size),
        human_size(snapshot.free_disk_space),
        human_size(snapshot.total_disk_space),
    )
}

impl Actor for SysinfoPrinter {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        if self.interval.is_zero() {
            // The actor stays alive to answer GetSystemSnapshot; only the log line is off.
            info!("sysinfo printer disabled");
            return;
        }
        info!(
            "sysinfo printer started, printing system information every {:?}",
            self.interval
        );
        ctx.run_interval(self.interval, |printer, _ctx| printer.print());
    }
}

impl Handler<GetSystemSnapshot> for SysinfoPrinter {
    type Result = MessageResult<GetSystemSnapshot>;

    fn handle(&mut self, _msg: GetSystemSnapshot, _ctx: &mut Self::Context) -> Self::Result {
        MessageResult(self.info.snapshot())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_rt::test]
    async fn answers_snapshots_when_printing_is_disabled() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("segment.log"), vec![1u8; 4096]).expect("write");
        let printer = SysinfoPrinter::new(dir.path().to_path_buf(), Duration::ZERO).start();
        let snapshot = printer.send(GetSystemSnapshot).await.expect("mailbox");
        assert_eq!(snapshot.process_id, std::process::id());
        assert_eq!(snapshot.data_size, 4096);
        assert!(snapshot.memory_usage > 0);
    }

    #[actix_rt::test]
    async fn answers_snapshots_when_printing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let printer =
            SysinfoPrinter::new(dir.path().to_path_buf(), Duration::from_secs(3600)).start();
        let snapshot = printer.send(GetSystemSnapshot).await.expect("mailbox");
        assert!(snapshot.total_memory >= snapshot.available_memory);
    }

    #[test]
    fn describes_a_snapshot() {
        let snapshot = SystemSnapshot {
            cpu_usage: 12.5,
            total_cpu_usage: 40.0,
            memory_usage: 2048,
            total_memory: 8 * 1024 * 1024 * 1024,
            available_memory: 4 * 1024 * 1024 * 1024,
            threads_count: 9,
            data_size: 1536,
            free_disk_space: 1024 * 1024,
            total_disk_space: 2 * 1024 * 1024,
            ..SystemSnapshot::default()
        };
        assert_eq!(
            describe(&snapshot),
            "CPU: 12.50% process / 40.00% total, memory: 2.00 KiB RSS / 8.00 GiB total / \
             4.00 GiB available, threads: 9, data size: 1.50 KiB, disk: 1.00 MiB free / \
             2.00 MiB total"
        );
    }
}
