//! The payloads of metadata-log entries, one variant per kind of change. Each entry's
//! command code is the binary protocol's code of the command that caused it.

use super::model::TopicSettings;
use super::user_entries;
use crate::bytes_io::{ByteReader, ByteWriter, ReadError};
use crate::permissions::Permissions;
use crate::users::{User, UserStatus};
use bytes::{BufMut, BytesMut};

pub const CREATE_USER: u32 = 33;
pub const CREATE_STREAM: u32 = 202;
pub const DELETE_STREAM: u32 = 203;
pub const UPDATE_STREAM: u32 = 204;
pub const CREATE_TOPIC: u32 = 302;
pub const DELETE_TOPIC: u32 = 303;
pub const UPDATE_TOPIC: u32 = 304;
pub const CREATE_PARTITIONS: u32 = 402;
pub const DELETE_PARTITIONS: u32 = 403;
pub const CREATE_CONSUMER_GROUP: u32 = 602;
pub const DELETE_CONSUMER_GROUP: u32 = 603;

/// A change recorded in the metadata log. Ids are assigned before the entry is written,
/// so replay reproduces them exactly.
#[derive(Debug, Clone, PartialEq)]
pub enum MetadataEntry {
    CreateUser(User),
    CreateStream {
        id: u32,
        name: String,
    },
    DeleteStream {
        id: u32,
    },
    UpdateStream {
        id: u32,
        name: String,
    },
    CreateTopic {
        stream_id: u32,
        topic_id: u32,
        partitions: u32,
        settings: TopicSettings,
        name: String,
    },
    DeleteTopic {
        stream_id: u32,
        topic_id: u32,
    },
    UpdateTopic {
        stream_id: u32,
        topic_id: u32,
        settings: TopicSettings,
        name: String,
    },
    CreatePartitions {
        stream_id: u32,
        topic_id: u32,
        count: u32,
    },
    DeletePartitions {
        stream_id: u32,
        topic_id: u32,
        count: u32,
    },
    CreateConsumerGroup {
        stream_id: u32,
        topic_id: u32,
        group_id: u32,
        name: String,
    },
    DeleteConsumerGroup {
        stream_id: u32,
        topic_id: u32,
        group_id: u32,
    },
    DeleteUser {
        id: u32,
    },
    UpdateUser {
        id: u32,
        username: Option<String>,
        status: Option<UserStatus>,
    },
    UpdatePermissions {
        id: u32,
        permissions: Option<Permissions>,
    },
    /// The new Argon2 hash, never the password.
    ChangePassword {
        id: u32,
        password_hash: String,
    },
    /// BLAKE3 hex of the raw token; `expiry_at` in µs since the epoch, `None` = never.
    CreatePersonalAccessToken {
        user_id: u32,
        name: String,
        token_hash: String,
        expiry_at: Option<u64>,
    },
    DeletePersonalAccessToken {
        user_id: u32,
        name: String,
    },
}

impl MetadataEntry {
    /// Whether applying this entry changes what the routing table holds (names, ids,
    /// partitions, users' status and permissions); passwords and tokens do not.
    pub fn changes_routes(&self) -> bool {
        !matches!(
            self,
            MetadataEntry::ChangePassword { .. }
                | MetadataEntry::CreatePersonalAccessToken { .. }
                | MetadataEntry::DeletePersonalAccessToken { .. }
        )
    }

    pub fn code(&self) -> u32 {
        match self {
            MetadataEntry::CreateUser(_) => CREATE_USER,
            MetadataEntry::CreateStream { .. } => CREATE_STREAM,
            MetadataEntry::DeleteStream { .. } => DELETE_STREAM,
            MetadataEntry::UpdateStream { .. } => UPDATE_STREAM,
            MetadataEntry::CreateTopic { .. } => CREATE_TOPIC,
            MetadataEntry::DeleteTopic { .. } => DELETE_TOPIC,
            MetadataEntry::UpdateTopic { .. } => UPDATE_TOPIC,
            MetadataEntry::CreatePartitions { .. } => CREATE_PARTITIONS,
            MetadataEntry::DeletePartitions { .. } => DELETE_PARTITIONS,
            MetadataEntry::CreateConsumerGroup { .. } => CREATE_CONSUMER_GROUP,
            MetadataEntry::DeleteConsumerGroup { .. } => DELETE_CONSUMER_GROUP,
            MetadataEntry::DeleteUser { .. } => user_entries::DELETE_USER,
            MetadataEntry::UpdateUser { .. } => user_entries::UPDATE_USER,
            MetadataEntry::UpdatePermissions { .. } => user_entries::UPDATE_PERMISSIONS,
            MetadataEntry::ChangePassword { .. } => user_entries::CHANGE_PASSWORD,
            MetadataEntry::CreatePersonalAccessToken { .. } => {
                user_entries::CREATE_PERSONAL_ACCESS_TOKEN
            }
            MetadataEntry::DeletePersonalAccessToken { .. } => {
                user_entries::DELETE_PERSONAL_ACCESS_TOKEN
            }
        }
    }

    pub fn encode(&self) -> BytesMut {
        let mut out = BytesMut::new();
        match self {
            MetadataEntry::CreateUser(user) => encode_user(user, &mut out),
            MetadataEntry::CreateStream { id, name } | MetadataEntry::UpdateStream { id, name } => {
                out.put_u32_le(*id);
                out.put_str8(name);
            }
            MetadataEntry::DeleteStream { id } => out.put_u32_le(*id),
            MetadataEntry::CreateTopic {
                stream_id,
                topic_id,
                partitions,
                settings,
                name,
            } => {
                out.put_u32_le(*stream_id);
                out.put_u32_le(*topic_id);
                out.put_u32_le(*partitions);
                put_settings(&mut out, settings);
                out.put_str8(name);
            }
            MetadataEntry::UpdateTopic {
                stream_id,
                topic_id,
                settings,
                name,
            } => {
                out.put_u32_le(*stream_id);
                out.put_u32_le(*topic_id);
                put_settings(&mut out, settings);
                out.put_str8(name);
            }
            MetadataEntry::DeleteTopic {
                stream_id,
                topic_id,
            } => {
                out.put_u32_le(*stream_id);
                out.put_u32_le(*topic_id);
            }
            MetadataEntry::CreatePartitions {
                stream_id,
                topic_id,
                count,
            }
            | MetadataEntry::DeletePartitions {
                stream_id,
                topic_id,
                count,
            } => {
                out.put_u32_le(*stream_id);
                out.put_u32_le(*topic_id);
                out.put_u32_le(*count);
            }
            MetadataEntry::CreateConsumerGroup {
                stream_id,
                topic_id,
                group_id,
                name,
            } => {
                out.put_u32_le(*stream_id);
                out.put_u32_le(*topic_id);
                out.put_u32_le(*group_id);
                out.put_str8(name);
            }
            MetadataEntry::DeleteConsumerGroup {
                stream_id,
                topic_id,
                group_id,
            } => {
                out.put_u32_le(*stream_id);
                out.put_u32_le(*topic_id);
                out.put_u32_le(*group_id);
            }
            MetadataEntry::DeleteUser { .. }
            | MetadataEntry::UpdateUser { .. }
            | MetadataEntry::UpdatePermissions { .. }
            | MetadataEntry::ChangePassword { .. }
            | MetadataEntry::CreatePersonalAccessToken { .. }
            | MetadataEntry::DeletePersonalAccessToken { .. } => {
                user_entries::encode(self, &mut out)
            }
        }
        out
    }

    /// Decodes a payload; `None` for a command code this version does not know.
    /// `created_at` comes from the entry's timestamp.
    pub fn decode(code: u32, payload: &[u8], created_at: u64) -> Option<Result<Self, ReadError>> {
        let mut r = ByteReader::new(payload);
        let r = &mut r;
        let decoded = match code {
            CREATE_USER => decode_user(r, created_at).map(MetadataEntry::CreateUser),
            CREATE_STREAM => (|| {
                Ok(MetadataEntry::CreateStream {
                    id: r.u32()?,
                    name: r.name8()?.into(),
                })
            })(),
            UPDATE_STREAM => (|| {
                Ok(MetadataEntry::UpdateStream {
                    id: r.u32()?,
                    name: r.name8()?.into(),
                })
            })(),
            DELETE_STREAM => r.u32().map(|id| MetadataEntry::DeleteStream { id }),
            CREATE_TOPIC => (|| {
                Ok(MetadataEntry::CreateTopic {
                    stream_id: r.u32()?,
                    topic_id: r.u32()?,
                    partitions: r.u32()?,
                    settings: read_settings(r)?,
                    name: r.name8()?.into(),
                })
            })(),
            UPDATE_TOPIC => (|| {
                Ok(MetadataEntry::UpdateTopic {
                    stream_id: r.u32()?,
                    topic_id: r.u32()?,
                    settings: read_settings(r)?,
                    name: r.name8()?.into(),
                })
            })(),
            DELETE_TOPIC => (|| {
                Ok(MetadataEntry::DeleteTopic {
                    stream_id: r.u32()?,
                    topic_id: r.u32()?,
                })
            })(),
            CREATE_PARTITIONS => (|| {
                Ok(MetadataEntry::CreatePartitions {
                    stream_id: r.u32()?,
                    topic_id: r.u32()?,
                    count: r.u32()?,
                })
            })(),
            DELETE_PARTITIONS => (|| {
                Ok(MetadataEntry::DeletePartitions {
                    stream_id: r.u32()?,
                    topic_id: r.u32()?,
                    count: r.u32()?,
                })
            })(),
            CREATE_CONSUMER_GROUP => (|| {
                Ok(MetadataEntry::CreateConsumerGroup {
                    stream_id: r.u32()?,
                    topic_id: r.u32()?,
                    group_id: r.u32()?,
                    name: r.name8()?.into(),
                })
            })(),
            DELETE_CONSUMER_GROUP => (|| {
                Ok(MetadataEntry::DeleteConsumerGroup {
                    stream_id: r.u32()?,
                    topic_id: r.u32()?,
                    group_id: r.u32()?,
                })
            })(),
            code if user_entries::handles(code) => return user_entries::decode(code, r),
            _ => return None,
        };
        Some(decoded)
    }
}

fn put_settings(out: &mut BytesMut, s: &TopicSettings) {
    out.put_u8(s.compression_algorithm);
    out.put_u64_le(s.message_expiry);
    out.put_u64_le(s.max_topic_size);
    out.put_u8(s.replication_factor);
}

fn read_settings(r: &mut ByteReader<'_>) -> Result<TopicSettings, ReadError> {
    Ok(TopicSettings {
        compression_algorithm: r.u8()?,
        message_expiry: r.u64()?,
        max_topic_size: r.u64()?,
        replication_factor: r.u8()?,
    })
}

fn encode_user(user: &User, out: &mut BytesMut) {
    out.put_u32_le(user.id);
    out.put_str8(&user.username);
    out.put_str16(&user.password_hash);
    out.put_u8(user.status as u8);
    match &user.permissions {
        Some(p) => {
            out.put_u8(1);
            p.encode(out);
        }
        None => out.put_u8(0),
    }
}

fn decode_user(r: &mut ByteReader<'_>, created_at: u64) -> Result<User, ReadError> {
    let id = r.u32()?;
    let username = r.name8()?.to_string();
    let password_hash = r.str16()?.to_string();
    let status_offset = r.position();
    let status = UserStatus::from_code(r.u8()?).ok_or(ReadError::Invalid {
        offset: status_offset,
        what: "user status",
    })?;
    let permissions = if r.u8()? == 1 {
        Some(Permissions::decode(r)?)
    } else {
        None
    };
    Ok(User {
        id,
        username,
        password_hash,
        status,
        permissions,
        created_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_round_trips() {
        let user = User {
            id: 7,
            username: "alice".into(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$abc$def".into(),
            status: UserStatus::Inactive,
            permissions: Some(Permissions::root()),
            created_at: 42,
        };
        let entry = MetadataEntry::CreateUser(user);
        let bytes = entry.encode();
        let Some(Ok(MetadataEntry::CreateUser(back))) =
            MetadataEntry::decode(entry.code(), &bytes, 42)
        else {
            panic!("decode failed");
        };
        assert_eq!(back.id, 7);
        assert_eq!(back.username, "alice");
        assert_eq!(back.status, UserStatus::Inactive);
        assert_eq!(back.permissions, Some(Permissions::root()));
        assert!(MetadataEntry::decode(CREATE_USER, &bytes[..6], 0)
            .unwrap()
            .is_err());
        assert!(MetadataEntry::decode(9999, &bytes, 0).is_none());
    }

    #[test]
    fn stream_topic_and_group_entries_round_trip() {
        let settings = TopicSettings {
            compression_algorithm: 2,
            message_expiry: 5,
            max_topic_size: u64::MAX,
            replication_factor: 1,
        };
        for entry in [
            MetadataEntry::CreateStream {
                id: 3,
                name: "orders".into(),
            },
            MetadataEntry::UpdateStream {
                id: 3,
                name: "o2".into(),
            },
            MetadataEntry::DeleteStream { id: 3 },
            MetadataEntry::CreateTopic {
                stream_id: 3,
                topic_id: 1,
                partitions: 7,
                settings,
                name: "t".into(),
            },
            MetadataEntry::UpdateTopic {
                stream_id: 3,
                topic_id: 1,
                settings,
                name: "u".into(),
            },
            MetadataEntry::DeleteTopic {
                stream_id: 3,
                topic_id: 1,
            },
            MetadataEntry::CreatePartitions {
                stream_id: 3,
                topic_id: 1,
                count: 2,
            },
            MetadataEntry::DeletePartitions {
                stream_id: 3,
                topic_id: 1,
                count: 1,
            },
            MetadataEntry::CreateConsumerGroup {
                stream_id: 3,
                topic_id: 1,
                group_id: 4,
                name: "readers".into(),
            },
            MetadataEntry::DeleteConsumerGroup {
                stream_id: 3,
                topic_id: 1,
                group_id: 4,
            },
        ] {
            let bytes = entry.encode();
            let back = MetadataEntry::decode(entry.code(), &bytes, 0)
                .unwrap()
                .unwrap();
            assert_eq!(back, entry);
            assert!(
                MetadataEntry::decode(entry.code(), &bytes[..bytes.len() - 1], 0)
                    .unwrap()
                    .is_err()
            );
        }
    }
}
