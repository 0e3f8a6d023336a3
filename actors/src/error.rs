//! The one error type of the server. Every variant carries the numeric code of the Iggy
//! protocol (its discriminant), so every transport reports errors the same way.

use thiserror::Error;

/// An error a client can see. The discriminant is the wire status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[repr(u32)]
pub enum IggyError {
    #[error("error")]
    Error = 1,
    #[error("invalid command")]
    InvalidCommand = 3,
    #[error("invalid format")]
    InvalidFormat = 4,
    #[error("feature unavailable")]
    FeatureUnavailable = 5,
    #[error("invalid identifier")]
    InvalidIdentifier = 6,
    #[error("disconnected: the server is shutting down")]
    Disconnected = 8,
    #[error("state file corrupted")]
    StateFileCorrupted = 15,
    #[error("invalid state entry checksum")]
    InvalidStateEntryChecksum = 16,
    #[error("resource not found")]
    ResourceNotFound = 20,
    #[error("stale client")]
    StaleClient = 30,
    #[error("unauthenticated")]
    Unauthenticated = 40,
    #[error("unauthorized")]
    Unauthorized = 41,
    #[error("invalid credentials")]
    InvalidCredentials = 42,
    #[error("invalid username")]
    InvalidUsername = 43,
    #[error("invalid password")]
    InvalidPassword = 44,
    #[error("invalid user status")]
    InvalidUserStatus = 45,
    #[error("user already exists")]
    UserAlreadyExists = 46,
    #[error("user inactive")]
    UserInactive = 47,
    #[error("cannot delete user")]
    CannotDeleteUser = 48,
    #[error("cannot change permissions")]
    CannotChangePermissions = 49,
    #[error("invalid personal access token name")]
    InvalidPersonalAccessTokenName = 50,
    #[error("personal access token already exists")]
    PersonalAccessTokenAlreadyExists = 51,
    #[error("personal access tokens limit reached")]
    PersonalAccessTokensLimitReached = 52,
    #[error("personal access token expired")]
    PersonalAccessTokenExpired = 54,
    #[error("users limit reached")]
    UsersLimitReached = 55,
    #[error("cannot generate a JSON web token")]
    CannotGenerateJwt = 76,
    #[error("access token missing")]
    AccessTokenMissing = 77,
    #[error("invalid access token")]
    InvalidAccessToken = 78,
    #[error("invalid size bytes")]
    InvalidSizeBytes = 80,
    #[error("client not found")]
    ClientNotFound = 100,
    #[error("invalid client id")]
    InvalidClientId = 101,
    #[error("stream not found")]
    StreamIdNotFound = 1009,
    #[error("stream name already exists")]
    StreamNameAlreadyExists = 1012,
    #[error("invalid stream name")]
    InvalidStreamName = 1013,
    #[error("invalid topic size: a custom max size must be at least the segment size")]
    InvalidTopicSize = 1019,
    #[error("topic not found")]
    TopicIdNotFound = 2010,
    #[error("topic name already exists")]
    TopicNameAlreadyExists = 2013,
    #[error("invalid topic name")]
    InvalidTopicName = 2014,
    #[error("too many partitions")]
    TooManyPartitions = 2015,
    #[error("invalid replication factor")]
    InvalidReplicationFactor = 2018,
    #[error("invalid partitions count")]
    InvalidPartitionsCount = 2019,
    #[error("partition not found")]
    PartitionNotFound = 3007,
    #[error("consumer offset not found")]
    ConsumerOffsetNotFound = 3021,
    #[error("the consumer group member does not own this partition")]
    NotResolvedConsumer = 3022,
    #[error("invalid messages count")]
    InvalidMessagesCount = 4009,
    #[error("too big user headers")]
    TooBigUserHeaders = 4017,
    #[error("too big message payload")]
    TooBigMessagePayload = 4022,
    #[error("invalid message checksum")]
    InvalidMessageChecksum = 4027,
    #[error("invalid key value length")]
    InvalidKeyValueLength = 4028,
    #[error("non-zero offset in the index")]
    NonZeroOffset = 4031,
    #[error("non-zero timestamp in the index")]
    NonZeroTimestamp = 4032,
    #[error("missing index")]
    MissingIndex = 4033,
    #[error("invalid indexes byte size")]
    InvalidIndexesByteSize = 4034,
    #[error("invalid indexes count")]
    InvalidIndexesCount = 4035,
    #[error("invalid messages size")]
    InvalidMessagesSize = 4036,
    #[error("too small message")]
    TooSmallMessage = 4037,
    #[error("invalid offset")]
    InvalidOffset = 4100,
    #[error("consumer group not found")]
    ConsumerGroupIdNotFound = 5000,
    #[error("consumer group name already exists")]
    ConsumerGroupNameAlreadyExists = 5004,
    #[error("consumer group member not found")]
    ConsumerGroupMemberNotFound = 5006,
    #[error("invalid segments count")]
    InvalidSegmentsCount = 4030,
    #[error("cannot bind to socket")]
    CannotBindToSocket = 12000,
    #[error("task timeout")]
    TaskTimeout = 12001,
    #[error("i/o error")]
    IoError = 13000,
}

impl IggyError {
    /// The wire status code.
    pub fn code(self) -> u32 {
        self as u32
    }

    /// Errors after which the server closes the connection (binary protocol §2.3).
    pub fn closes_connection(self) -> bool {
        matches!(self, IggyError::ClientNotFound | IggyError::StaleClient)
    }
}

impl From<actix::MailboxError> for IggyError {
    fn from(_: actix::MailboxError) -> Self {
        IggyError::Disconnected
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_protocol_codes() {
        assert_eq!(IggyError::InvalidCommand.code(), 3);
        assert_eq!(IggyError::Unauthenticated.code(), 40);
        assert_eq!(IggyError::InvalidCredentials.code(), 42);
        assert_eq!(IggyError::ClientNotFound.code(), 100);
        assert!(IggyError::StaleClient.closes_connection());
        assert!(!IggyError::Unauthorized.closes_connection());
    }
}
