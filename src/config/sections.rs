//! One struct per TOML section; field names are the TOML key names.

use serde::{Deserialize, Serialize};

use super::{
    ByteSize, CacheIndexes, CompressionAlgorithm, CpuAllocation, IggyDuration, IggyExpiry,
    MaxTopicSize, TelemetryTransport,
};

/// `[consumer_group]`: cooperative partition rebalancing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsumerGroupConfig {
    pub rebalancing_timeout: IggyDuration,
    pub rebalancing_check_interval: IggyDuration,
}

/// `[data_maintenance]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataMaintenanceConfig {
    pub messages: MessagesMaintenanceConfig,
}

/// `[data_maintenance.messages]`: the expired-message cleaner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessagesMaintenanceConfig {
    pub cleaner_enabled: bool,
    pub interval: IggyDuration,
}

/// `[http]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpConfig {
    pub enabled: bool,
    pub address: String,
    pub max_request_size: ByteSize,
    pub web_ui: bool,
    pub cors: HttpCorsConfig,
    pub jwt: HttpJwtConfig,
    pub metrics: HttpMetricsConfig,
    pub tls: HttpTlsConfig,
}

/// `[http.cors]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpCorsConfig {
    pub enabled: bool,
    pub allowed_methods: Vec<String>,
    pub allowed_origins: Vec<String>,
    pub allowed_headers: Vec<String>,
    pub exposed_headers: Vec<String>,
    pub allow_credentials: bool,
    pub allow_private_network: bool,
}

/// `[http.jwt]`. Empty secrets mean "random per start" (encoding) / "same as encoding".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpJwtConfig {
    pub algorithm: String,
    pub issuer: String,
    pub audience: String,
    pub valid_issuers: Vec<String>,
    pub valid_audiences: Vec<String>,
    pub access_token_expiry: IggyExpiry,
    pub clock_skew: IggyDuration,
    pub not_before: IggyDuration,
    pub encoding_secret: String,
    pub decoding_secret: String,
    pub use_base64_secret: bool,
}

/// `[http.metrics]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpMetricsConfig {
    pub enabled: bool,
    pub endpoint: String,
}

/// `[http.tls]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpTlsConfig {
    pub enabled: bool,
    pub cert_file: String,
    pub key_file: String,
}

/// `[tcp]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TcpConfig {
    pub enabled: bool,
    pub address: String,
    pub socket_migration: bool,
    pub ipv6: bool,
    pub tls: TlsConfig,
    pub socket: TcpSocketConfig,
}

/// `[tcp.tls]` and `[websocket.tls]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TlsConfig {
    pub enabled: bool,
    pub self_signed: bool,
    pub cert_file: String,
    pub key_file: String,
}

/// `[tcp.socket]`: applied to the listener only when `override_defaults` is true.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TcpSocketConfig {
    pub override_defaults: bool,
    pub recv_buffer_size: ByteSize,
    pub send_buffer_size: ByteSize,
    pub keepalive: bool,
    pub nodelay: bool,
    pub linger: IggyDuration,
}

/// `[quic]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuicConfig {
    pub enabled: bool,
    pub address: String,
    pub max_concurrent_bidi_streams: u64,
    pub datagram_send_buffer_size: ByteSize,
    pub initial_mtu: ByteSize,
    pub send_window: ByteSize,
    pub receive_window: ByteSize,
    pub keep_alive_interval: IggyDuration,
    pub max_idle_timeout: IggyDuration,
    pub certificate: QuicCertificateConfig,
    pub socket: QuicSocketConfig,
}

/// `[quic.certificate]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuicCertificateConfig {
    pub self_signed: bool,
    pub cert_file: String,
    pub key_file: String,
}

/// `[quic.socket]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuicSocketConfig {
    pub override_defaults: bool,
    pub recv_buffer_size: ByteSize,
    pub send_buffer_size: ByteSize,
    pub keepalive: bool,
}

/// `[websocket]`. The size keys are optional byte sizes, as in the original: an empty
/// string leaves the library's limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebSocketConfig {
    pub enabled: bool,
    pub address: String,
    pub read_buffer_size: String,
    pub write_buffer_size: String,
    pub max_write_buffer_size: String,
    pub max_message_size: String,
    pub max_frame_size: String,
    pub accept_unmasked_frames: bool,
    pub tls: TlsConfig,
}

impl WebSocketConfig {
    /// `max_message_size` and `max_frame_size` in bytes, the library defaults (64 MiB and
    /// 16 MiB, as tungstenite's) when unset; validated at start.
    pub fn limits(&self) -> (usize, usize) {
        let size = |text: &str, default: usize| {
            super::size::parse_byte_size(text).map_or(default, |b| b as usize)
        };
        (
            size(&self.max_message_size, 64 << 20),
            size(&self.max_frame_size, 16 << 20),
        )
    }
}

/// `[message_saver]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageSaverConfig {
    pub enabled: bool,
    pub enforce_fsync: bool,
    pub interval: IggyDuration,
}

/// `[personal_access_token]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonalAccessTokenConfig {
    pub max_tokens_per_user: u32,
    pub cleaner: PersonalAccessTokenCleanerConfig,
}

/// `[personal_access_token.cleaner]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonalAccessTokenCleanerConfig {
    pub enabled: bool,
    pub interval: IggyDuration,
}

/// `[heartbeat]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeartbeatConfig {
    pub enabled: bool,
    pub interval: IggyDuration,
}

/// `[telemetry]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TelemetryConfig {
    pub enabled: bool,
    pub service_name: String,
    pub logs: TelemetryExportConfig,
    pub traces: TelemetryExportConfig,
}

/// `[telemetry.logs]` and `[telemetry.traces]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TelemetryExportConfig {
    pub transport: TelemetryTransport,
    pub endpoint: String,
}

/// `[cluster]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterConfig {
    pub enabled: bool,
    pub name: String,
    pub node: ClusterNodesConfig,
}

/// `[cluster.node]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterNodesConfig {
    pub current: CurrentNodeConfig,
    pub others: Vec<ClusterNodeConfig>,
}

/// `[cluster.node.current]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrentNodeConfig {
    pub name: String,
    pub ip: String,
}

/// One `[[cluster.node.others]]` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterNodeConfig {
    pub name: String,
    pub ip: String,
    #[serde(default)]
    pub ports: ClusterNodePorts,
}

/// Ports of another node; a missing port defaults to this node's port.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClusterNodePorts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quic: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub websocket: Option<u16>,
}

/// `[system]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemConfig {
    pub path: String,
    pub backup: BackupConfig,
    pub state: StateConfig,
    pub runtime: PathConfig,
    pub logging: LoggingConfig,
    pub encryption: EncryptionConfig,
    pub compression: CompressionConfig,
    pub stream: PathConfig,
    pub topic: TopicConfig,
    pub partition: PartitionConfig,
    pub segment: SegmentConfig,
    pub message_deduplication: MessageDeduplicationConfig,
    pub recovery: RecoveryConfig,
    pub memory_pool: MemoryPoolConfig,
    pub sharding: ShardingConfig,
}

/// A section holding only a directory name (`[system.runtime]`, `[system.stream]`, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathConfig {
    pub path: String,
}

/// `[system.backup]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackupConfig {
    pub path: String,
    pub compatibility: PathConfig,
}

/// `[system.state]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateConfig {
    pub enforce_fsync: bool,
    pub max_file_operation_retries: u32,
    pub retry_delay: IggyDuration,
}

/// `[system.logging]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggingConfig {
    pub path: String,
    pub level: String,
    pub file_enabled: bool,
    pub max_file_size: ByteSize,
    pub max_total_size: ByteSize,
    pub rotation_check_interval: IggyDuration,
    pub retention: IggyDuration,
    pub sysinfo_print_interval: IggyDuration,
}

/// `[system.encryption]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncryptionConfig {
    pub enabled: bool,
    pub key: String,
}

/// `[system.compression]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompressionConfig {
    pub allow_override: bool,
    pub default_algorithm: CompressionAlgorithm,
}

/// `[system.topic]`: defaults for new topics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicConfig {
    pub path: String,
    pub max_size: MaxTopicSize,
    pub message_expiry: IggyExpiry,
}

/// `[system.partition]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartitionConfig {
    pub path: String,
    pub enforce_fsync: bool,
    pub validate_checksum: bool,
    pub messages_required_to_save: u32,
    pub size_of_messages_required_to_save: ByteSize,
}

/// `[system.segment]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentConfig {
    pub size: ByteSize,
    pub archive_expired: bool,
    pub cache_indexes: CacheIndexes,
}

/// `[system.message_deduplication]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageDeduplicationConfig {
    pub enabled: bool,
    pub max_entries: u64,
    pub expiry: IggyDuration,
}

/// `[system.recovery]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecoveryConfig {
    pub recreate_missing_state: bool,
}

/// `[system.memory_pool]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoryPoolConfig {
    pub enabled: bool,
    pub size: ByteSize,
    pub bucket_capacity: u32,
}

/// `[system.sharding]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardingConfig {
    pub cpu_allocation: CpuAllocation,
}
