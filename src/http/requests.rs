//! The JSON bodies and query strings the HTTP API accepts (`http-api.md` §4–§7). Unknown
//! fields are ignored, as the original does (SendMessages, strict, is in `messages`).

use crate::protocol::requests::primitives::consumer_key;
use iggy_actors::identifier::Identifier;
use iggy_actors::users::UserStatus;
use iggy_actors::IggyError;
use serde::{Deserialize, Deserializer};

use super::json::PermissionsJson;

/// An identifier in a path or a query (§1.2): a `u32` when the whole text parses as one,
/// else a name of 1..=255 bytes (`InvalidIdentifier` otherwise).
pub fn identifier(text: &str) -> Result<Identifier, IggyError> {
    if let Ok(id) = text.parse::<u32>() {
        return Ok(Identifier::Numeric(id));
    }
    if text.is_empty() || text.len() > 255 {
        return Err(IggyError::InvalidIdentifier);
    }
    Ok(Identifier::Name(text.to_string()))
}

/// A consumer id (number or name) as the key its offsets are stored under.
pub fn consumer(text: &str) -> Result<u32, IggyError> {
    Ok(consumer_key(&identifier(text)?))
}

/// A number or a string, as a string (ids the SDK writes either way).
fn number_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Number(u64),
        Text(String),
    }
    Ok(match Either::deserialize(d)? {
        Either::Number(n) => n.to_string(),
        Either::Text(t) => t,
    })
}

fn default_consumer() -> String {
    "1".into()
}

fn default_count() -> u32 {
    10
}

pub fn user_status(text: &str) -> Result<UserStatus, String> {
    match text.to_ascii_lowercase().as_str() {
        "active" => Ok(UserStatus::Active),
        "inactive" => Ok(UserStatus::Inactive),
        other => Err(format!("unknown user status {other:?}")),
    }
}

fn status<'de, D: Deserializer<'de>>(d: D) -> Result<UserStatus, D::Error> {
    user_status(&String::deserialize(d)?).map_err(serde::de::Error::custom)
}

fn optional_status<'de, D: Deserializer<'de>>(d: D) -> Result<Option<UserStatus>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(|s| user_status(&s).map_err(serde::de::Error::custom))
        .transpose()
}

/// `"none"` → 1, `"gzip"` → 2, any case.
fn compression<'de, D: Deserializer<'de>>(d: D) -> Result<u8, D::Error> {
    match String::deserialize(d)?.to_ascii_lowercase().as_str() {
        "none" => Ok(1),
        "gzip" => Ok(2),
        other => Err(serde::de::Error::custom(format!(
            "unknown compression algorithm {other:?}"
        ))),
    }
}

#[derive(Deserialize)]
pub struct Name {
    pub name: String,
}

/// What CreateTopic and UpdateTopic both carry besides the name.
#[derive(Deserialize)]
pub struct TopicSettingsJson {
    #[serde(deserialize_with = "compression")]
    pub compression_algorithm: u8,
    pub message_expiry: u64,
    pub max_topic_size: u64,
    #[serde(default)]
    pub replication_factor: Option<u8>,
}

#[derive(Deserialize)]
pub struct CreateTopic {
    pub name: String,
    pub partitions_count: u32,
    #[serde(flatten)]
    pub settings: TopicSettingsJson,
}

#[derive(Deserialize)]
pub struct UpdateTopic {
    pub name: String,
    #[serde(flatten)]
    pub settings: TopicSettingsJson,
}

#[derive(Deserialize)]
pub struct PartitionsCount {
    pub partitions_count: u32,
}

#[derive(Deserialize)]
pub struct SegmentsCount {
    pub segments_count: u32,
}

#[derive(Deserialize)]
pub struct CreateUser {
    pub username: String,
    pub password: String,
    #[serde(deserialize_with = "status")]
    pub status: UserStatus,
    #[serde(default)]
    pub permissions: Option<PermissionsJson>,
}

#[derive(Deserialize)]
pub struct UpdateUser {
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default, deserialize_with = "optional_status")]
    pub status: Option<UserStatus>,
}

#[derive(Deserialize)]
pub struct UpdatePermissions {
    #[serde(default)]
    pub permissions: Option<PermissionsJson>,
}

#[derive(Deserialize)]
pub struct ChangePassword {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Deserialize)]
pub struct Login {
    pub username: String,
    pub password: String,
}

#[derive(Deserialize)]
pub struct Token {
    pub token: String,
}

#[derive(Deserialize)]
pub struct CreateToken {
    pub name: String,
    pub expiry: u64,
}

#[derive(Deserialize)]
pub struct OffsetQuery {
    #[serde(default = "default_consumer", deserialize_with = "number_or_string")]
    pub consumer_id: String,
    #[serde(default)]
    pub partition_id: Option<u32>,
}

#[derive(Deserialize)]
pub struct StoreOffset {
    #[serde(default = "default_consumer", deserialize_with = "number_or_string")]
    pub consumer_id: String,
    #[serde(default)]
    pub partition_id: Option<u32>,
    pub offset: u64,
}

#[derive(Deserialize)]
pub struct PartitionQuery {
    #[serde(default)]
    pub partition_id: Option<u32>,
}

#[derive(Deserialize)]
pub struct PollQuery {
    #[serde(default = "default_consumer")]
    pub consumer_id: String,
    #[serde(default)]
    pub partition_id: Option<u32>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub value: u64,
    #[serde(default = "default_count")]
    pub count: u32,
    #[serde(default)]
    pub auto_commit: bool,
}

#[derive(Deserialize)]
pub struct Snapshot {
    pub compression: String,
    pub snapshot_types: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_numbers_when_they_parse() {
        assert_eq!(identifier("7"), Ok(Identifier::Numeric(7)));
        assert_eq!(identifier("a7"), Ok(Identifier::Name("a7".into())));
        assert_eq!(identifier(""), Err(IggyError::InvalidIdentifier));
        assert_eq!(
            identifier(&"x".repeat(256)),
            Err(IggyError::InvalidIdentifier)
        );
        assert_eq!(consumer("5"), Ok(5));
        let offset: StoreOffset =
            serde_json::from_str(r#"{"consumer_id":"c","partition_id":null,"offset":3}"#).unwrap();
        assert_eq!(offset.consumer_id, "c");
        let offset: StoreOffset = serde_json::from_str(r#"{"consumer_id":4,"offset":3}"#).unwrap();
        assert_eq!(offset.consumer_id, "4");
    }
}
