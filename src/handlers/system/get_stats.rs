//! GetStats (10): process, machine and data figures.

use crate::context::{ServerContext, Session};
use crate::handlers::auth::require;
use crate::protocol::responses::{self, Stats};
use bytes::Bytes;
use iggy_actors::access::Action;
use iggy_actors::metadata::GetMetadataStats;
use iggy_actors::supervisors::sysinfo_printer::GetSystemSnapshot;
use iggy_actors::IggyError;

pub const SERVER_VERSION: &str = "0.8.0";
pub const SERVER_SEMVER: u32 = 8000;

pub async fn handle(ctx: &ServerContext, session: &Session) -> Result<Bytes, IggyError> {
    Ok(responses::stats(&collect(ctx, session).await?))
}

/// The figures, for every transport (read-servers permission).
pub async fn collect(ctx: &ServerContext, session: &Session) -> Result<Stats, IggyError> {
    require(ctx, session, Action::ReadServers).await?;
    let counts = ctx.metadata.send(GetMetadataStats).await?;
    let sys = ctx.sysinfo.send(GetSystemSnapshot).await?;
    let stats = Stats {
        process_id: sys.process_id,
        cpu_usage: sys.cpu_usage,
        total_cpu_usage: sys.total_cpu_usage,
        memory_usage: sys.memory_usage,
        total_memory: sys.total_memory,
        available_memory: sys.available_memory,
        run_time: sys.run_time_us,
        start_time: sys.start_time_us,
        read_bytes: sys.read_bytes,
        written_bytes: sys.written_bytes,
        messages_size_bytes: counts.messages_size_bytes,
        streams_count: counts.streams_count,
        topics_count: counts.topics_count,
        partitions_count: counts.partitions_count,
        segments_count: counts.segments_count,
        messages_count: counts.messages_count,
        clients_count: counts.clients_count,
        consumer_groups_count: counts.consumer_groups_count,
        hostname: sys.hostname,
        os_name: sys.os_name,
        os_version: sys.os_version,
        kernel_version: sys.kernel_version,
        server_version: SERVER_VERSION.to_string(),
        server_semver: SERVER_SEMVER,
        threads_count: sys.threads_count,
        free_disk_space: sys.free_disk_space,
        total_disk_space: sys.total_disk_space,
    };
    Ok(stats)
}
