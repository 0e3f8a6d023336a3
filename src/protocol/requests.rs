//! Decoding of request payloads into typed commands. Every read is bounds-checked; a
//! malformed payload becomes `InvalidCommand` (truncated, bad UTF-8, unknown kind) or
//! `InvalidFormat` (a value outside its domain), never a panic.

mod groups;
mod messages;
mod offsets;
mod partitions;
mod personal_access_tokens;
pub mod primitives;
pub mod send_messages;
mod streams;
mod topics;
mod users;

use super::codes;
use bytes::BytesMut;
pub use groups::GroupTarget;
use iggy_actors::bytes_io::{ByteReader, ReadError};
use iggy_actors::identifier::Identifier;
use iggy_actors::metadata::TopicSettings;
use iggy_actors::permissions::Permissions;
use iggy_actors::users::UserStatus;
use iggy_actors::IggyError;
pub use messages::PollRequest;
pub use offsets::OffsetTarget;
use send_messages::SendMessages;

/// A decoded request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Ping,
    GetStats,
    GetClusterMetadata,
    GetMe,
    GetClient {
        client_id: u32,
    },
    GetClients,
    LoginUser {
        username: String,
        password: String,
    },
    LogoutUser,
    GetStream {
        stream: Identifier,
    },
    GetStreams,
    CreateStream {
        name: String,
    },
    DeleteStream {
        stream: Identifier,
    },
    UpdateStream {
        stream: Identifier,
        name: String,
    },
    PurgeStream {
        stream: Identifier,
    },
    GetTopic {
        stream: Identifier,
        topic: Identifier,
    },
    GetTopics {
        stream: Identifier,
    },
    CreateTopic {
        stream: Identifier,
        name: String,
        partitions_count: u32,
        settings: TopicSettings,
    },
    DeleteTopic {
        stream: Identifier,
        topic: Identifier,
    },
    UpdateTopic {
        stream: Identifier,
        topic: Identifier,
        name: String,
        settings: TopicSettings,
    },
    PurgeTopic {
        stream: Identifier,
        topic: Identifier,
    },
    CreatePartitions {
        stream: Identifier,
        topic: Identifier,
        count: u32,
    },
    DeletePartitions {
        stream: Identifier,
        topic: Identifier,
        count: u32,
    },
    DeleteSegments {
        stream: Identifier,
        topic: Identifier,
        partition_id: u32,
        count: u32,
    },
    PollMessages(PollRequest),
    SendMessages(SendMessages),
    /// GetSnapshot (11): what to archive, validated against the engine's codes.
    GetSnapshot {
        deflate: bool,
        types: Vec<iggy_actors::snapshot::SnapshotType>,
    },
    FlushUnsavedBuffer {
        stream: Identifier,
        topic: Identifier,
        partition_id: u32,
        fsync: bool,
    },
    GetConsumerOffset(OffsetTarget),
    StoreConsumerOffset {
        target: OffsetTarget,
        offset: u64,
    },
    DeleteConsumerOffset(OffsetTarget),
    GetConsumerGroup(GroupTarget),
    GetConsumerGroups {
        stream: Identifier,
        topic: Identifier,
    },
    CreateConsumerGroup {
        stream: Identifier,
        topic: Identifier,
        name: String,
    },
    DeleteConsumerGroup(GroupTarget),
    JoinConsumerGroup(GroupTarget),
    LeaveConsumerGroup(GroupTarget),
    GetUser {
        user: Identifier,
    },
    GetUsers,
    CreateUser {
        username: String,
        password: String,
        status: UserStatus,
        permissions: Option<Permissions>,
    },
    DeleteUser {
        user: Identifier,
    },
    UpdateUser {
        user: Identifier,
        username: Option<String>,
        status: Option<UserStatus>,
    },
    UpdatePermissions {
        user: Identifier,
        permissions: Option<Permissions>,
    },
    ChangePassword {
        user: Identifier,
        current_password: String,
        new_password: String,
    },
    GetPersonalAccessTokens,
    CreatePersonalAccessToken {
        name: String,
        expiry: u64,
    },
    DeletePersonalAccessToken {
        name: String,
    },
    LoginWithPersonalAccessToken {
        token: String,
    },
    /// A command of the protocol this server does not serve yet.
    Unsupported {
        code: u32,
    },
}

impl Command {
    /// Commands a session may send before it logs in.
    pub fn allowed_before_login(&self) -> bool {
        matches!(
            self,
            Command::Ping
                | Command::LoginUser { .. }
                | Command::LoginWithPersonalAccessToken { .. }
        )
    }
}

/// GetSnapshot (11): compression code, type count, type codes (§5.2.3).
fn get_snapshot(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    use iggy_actors::snapshot::{compression_from_code, expand, Requested};
    let deflate = compression_from_code(r.u8().map_err(read_error)?)?;
    let count = r.u8().map_err(read_error)?;
    let requested = (0..count)
        .map(|_| Requested::from_code(r.u8().map_err(read_error)?))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Command::GetSnapshot {
        deflate,
        types: expand(&requested)?,
    })
}

pub fn read_error(e: ReadError) -> IggyError {
    match e {
        ReadError::Truncated { .. } | ReadError::InvalidUtf8 { .. } => IggyError::InvalidCommand,
        ReadError::Invalid { .. } => IggyError::InvalidFormat,
    }
}

/// Decodes one request from the frame's own buffer: SendMessages keeps its message area
/// without a copy, every other command is decoded from the bytes.
pub fn decode_frame(code: u32, payload: BytesMut) -> Result<Command, IggyError> {
    if code == codes::SEND_MESSAGES {
        return send_messages::decode(payload).map(Command::SendMessages);
    }
    decode(code, &payload)
}

/// Decodes one request. Trailing bytes after a complete payload are tolerated.
/// SendMessages is copied here; transports use `decode_frame` to avoid that.
pub fn decode(code: u32, payload: &[u8]) -> Result<Command, IggyError> {
    let mut r = ByteReader::new(payload);
    let command = match code {
        codes::POLL_MESSAGES => messages::poll_messages(&mut r)?,
        codes::SEND_MESSAGES => {
            return send_messages::decode(BytesMut::from(payload)).map(Command::SendMessages)
        }
        codes::FLUSH_UNSAVED_BUFFER => messages::flush_unsaved_buffer(&mut r)?,
        codes::GET_CONSUMER_OFFSET => offsets::get_consumer_offset(&mut r)?,
        codes::STORE_CONSUMER_OFFSET => offsets::store_consumer_offset(&mut r)?,
        codes::DELETE_CONSUMER_OFFSET => offsets::delete_consumer_offset(&mut r)?,
        codes::PING => Command::Ping,
        codes::GET_STATS => Command::GetStats,
        codes::GET_CLUSTER_METADATA => Command::GetClusterMetadata,
        codes::GET_ME => Command::GetMe,
        codes::GET_CLIENT => Command::GetClient {
            client_id: r.u32().map_err(read_error)?,
        },
        codes::GET_CLIENTS => Command::GetClients,
        codes::GET_SNAPSHOT => get_snapshot(&mut r)?,
        codes::LOGIN_USER => decode_login(&mut r).map_err(read_error)?,
        codes::LOGOUT_USER => Command::LogoutUser,
        codes::GET_STREAM => streams::get_stream(&mut r)?,
        codes::GET_STREAMS => Command::GetStreams,
        codes::CREATE_STREAM => streams::create_stream(&mut r)?,
        codes::DELETE_STREAM => streams::delete_stream(&mut r)?,
        codes::UPDATE_STREAM => streams::update_stream(&mut r)?,
        codes::PURGE_STREAM => streams::purge_stream(&mut r)?,
        codes::GET_TOPIC => topics::get_topic(&mut r)?,
        codes::GET_TOPICS => topics::get_topics(&mut r)?,
        codes::CREATE_TOPIC => topics::create_topic(&mut r)?,
        codes::DELETE_TOPIC => topics::delete_topic(&mut r)?,
        codes::UPDATE_TOPIC => topics::update_topic(&mut r)?,
        codes::PURGE_TOPIC => topics::purge_topic(&mut r)?,
        codes::CREATE_PARTITIONS => partitions::create_partitions(&mut r)?,
        codes::DELETE_PARTITIONS => partitions::delete_partitions(&mut r)?,
        codes::DELETE_SEGMENTS => partitions::delete_segments(&mut r)?,
        codes::GET_CONSUMER_GROUP => groups::get(&mut r)?,
        codes::GET_CONSUMER_GROUPS => groups::list(&mut r)?,
        codes::CREATE_CONSUMER_GROUP => groups::create(&mut r)?,
        codes::DELETE_CONSUMER_GROUP => groups::delete(&mut r)?,
        codes::JOIN_CONSUMER_GROUP => groups::join(&mut r)?,
        codes::LEAVE_CONSUMER_GROUP => groups::leave(&mut r)?,
        codes::GET_USER => users::get_user(&mut r)?,
        codes::GET_USERS => Command::GetUsers,
        codes::CREATE_USER => users::create_user(&mut r)?,
        codes::DELETE_USER => users::delete_user(&mut r)?,
        codes::UPDATE_USER => users::update_user(&mut r)?,
        codes::UPDATE_PERMISSIONS => users::update_permissions(&mut r)?,
        codes::CHANGE_PASSWORD => users::change_password(&mut r)?,
        codes::GET_PERSONAL_ACCESS_TOKENS => Command::GetPersonalAccessTokens,
        codes::CREATE_PERSONAL_ACCESS_TOKEN => personal_access_tokens::create(&mut r)?,
        codes::DELETE_PERSONAL_ACCESS_TOKEN => personal_access_tokens::delete(&mut r)?,
        codes::LOGIN_WITH_PERSONAL_ACCESS_TOKEN => personal_access_tokens::login(&mut r)?,
        other if codes::name(other).is_some() => Command::Unsupported { code: other },
        _ => return Err(IggyError::InvalidCommand),
    };
    if r.remaining() > 0 {
        log::debug!(
            "{} trailing byte(s) after command {code} ignored",
            r.remaining()
        );
    }
    Ok(command)
}

fn decode_login(r: &mut ByteReader<'_>) -> Result<Command, ReadError> {
    let username = r.name8()?.to_string();
    let password = r.str8()?.to_string();
    // Version and context: both length fields must be present; their text is ignored.
    r.bytes32()?;
    r.bytes32()?;
    Ok(Command::LoginUser { username, password })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_example_of_the_spec() {
        let payload = [
            0x04, 0x69, 0x67, 0x67, 0x79, 0x04, 0x69, 0x67, 0x67, 0x79, 0x06, 0x00, 0x00, 0x00,
            0x30, 0x2E, 0x31, 0x30, 0x2E, 0x30, 0x00, 0x00, 0x00, 0x00,
        ];
        assert_eq!(
            decode(codes::LOGIN_USER, &payload),
            Ok(Command::LoginUser {
                username: "iggy".into(),
                password: "iggy".into()
            })
        );
        // Stopping after the password is a decode error.
        assert_eq!(
            decode(codes::LOGIN_USER, &payload[..10]),
            Err(IggyError::InvalidCommand)
        );
        // An empty username is a format error.
        assert_eq!(
            decode(codes::LOGIN_USER, &[0, 1, b'x', 0, 0, 0, 0, 0, 0, 0, 0]),
            Err(IggyError::InvalidFormat)
        );
    }

    #[test]
    fn unknown_and_unsupported_codes() {
        assert_eq!(decode(9999, &[]), Err(IggyError::InvalidCommand));
        assert_eq!(
            decode(codes::GET_SNAPSHOT, &[2, 1, 100]),
            Ok(Command::GetSnapshot {
                deflate: true,
                types: iggy_actors::snapshot::expand(&[iggy_actors::snapshot::Requested::All])
                    .unwrap()
            })
        );
        assert_eq!(
            decode(codes::GET_SNAPSHOT, &[2, 2, 100, 1]),
            Err(IggyError::InvalidCommand)
        );
        assert_eq!(
            decode(codes::GET_SNAPSHOT, &[9, 1, 1]),
            Err(IggyError::InvalidCommand)
        );
        assert_eq!(
            decode(codes::GET_CLIENT, &[1, 2]),
            Err(IggyError::InvalidCommand)
        );
        assert_eq!(
            decode(codes::GET_CLIENT, &[1, 0, 0, 0]),
            Ok(Command::GetClient { client_id: 1 })
        );
    }
}
