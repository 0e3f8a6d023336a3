//! Metadata-log payloads of user administration and personal access tokens. The codes
//! are the binary protocol's codes of the commands that cause them. Only hashes are
//! written: the Argon2 PHC string of a password, the BLAKE3 hex digest of a token.

use super::entries::MetadataEntry;
use crate::bytes_io::{ByteReader, ByteWriter, ReadError};
use crate::permissions::Permissions;
use crate::users::UserStatus;
use bytes::{BufMut, BytesMut};

pub const DELETE_USER: u32 = 34;
pub const UPDATE_USER: u32 = 35;
pub const UPDATE_PERMISSIONS: u32 = 36;
pub const CHANGE_PASSWORD: u32 = 37;
pub const CREATE_PERSONAL_ACCESS_TOKEN: u32 = 42;
pub const DELETE_PERSONAL_ACCESS_TOKEN: u32 = 43;

/// True for the codes this module decodes.
pub fn handles(code: u32) -> bool {
    matches!(
        code,
        DELETE_USER
            | UPDATE_USER
            | UPDATE_PERMISSIONS
            | CHANGE_PASSWORD
            | CREATE_PERSONAL_ACCESS_TOKEN
            | DELETE_PERSONAL_ACCESS_TOKEN
    )
}

/// Writes the payload of one of this module's entries (other entries write nothing).
pub fn encode(entry: &MetadataEntry, out: &mut BytesMut) {
    match entry {
        MetadataEntry::DeleteUser { id } => out.put_u32_le(*id),
        MetadataEntry::UpdateUser {
            id,
            username,
            status,
        } => {
            out.put_u32_le(*id);
            match username {
                Some(name) => {
                    out.put_u8(1);
                    out.put_str8(name);
                }
                None => out.put_u8(0),
            }
            out.put_u8(status.map_or(0, |s| s as u8));
        }
        MetadataEntry::UpdatePermissions { id, permissions } => {
            out.put_u32_le(*id);
            match permissions {
                Some(p) => {
                    out.put_u8(1);
                    p.encode(out);
                }
                None => out.put_u8(0),
            }
        }
        MetadataEntry::ChangePassword { id, password_hash } => {
            out.put_u32_le(*id);
            out.put_str16(password_hash);
        }
        MetadataEntry::CreatePersonalAccessToken {
            user_id,
            name,
            token_hash,
            expiry_at,
        } => {
            out.put_u32_le(*user_id);
            out.put_str8(name);
            out.put_str8(token_hash);
            out.put_u64_le(expiry_at.unwrap_or(0));
        }
        MetadataEntry::DeletePersonalAccessToken { user_id, name } => {
            out.put_u32_le(*user_id);
            out.put_str8(name);
        }
        _ => {}
    }
}

/// Decodes one of this module's payloads; `None` for another code.
pub fn decode(code: u32, r: &mut ByteReader<'_>) -> Option<Result<MetadataEntry, ReadError>> {
    let decoded = match code {
        DELETE_USER => r.u32().map(|id| MetadataEntry::DeleteUser { id }),
        UPDATE_USER => (|| {
            let id = r.u32()?;
            let username = match r.u8()? {
                1 => Some(r.name8()?.to_string()),
                _ => None,
            };
            let offset = r.position();
            let status = match r.u8()? {
                0 => None,
                code => Some(UserStatus::from_code(code).ok_or(ReadError::Invalid {
                    offset,
                    what: "user status",
                })?),
            };
            Ok(MetadataEntry::UpdateUser {
                id,
                username,
                status,
            })
        })(),
        UPDATE_PERMISSIONS => (|| {
            let id = r.u32()?;
            let permissions = match r.u8()? {
                1 => Some(Permissions::decode(r)?),
                _ => None,
            };
            Ok(MetadataEntry::UpdatePermissions { id, permissions })
        })(),
        CHANGE_PASSWORD => (|| {
            Ok(MetadataEntry::ChangePassword {
                id: r.u32()?,
                password_hash: r.str16()?.to_string(),
            })
        })(),
        CREATE_PERSONAL_ACCESS_TOKEN => (|| {
            Ok(MetadataEntry::CreatePersonalAccessToken {
                user_id: r.u32()?,
                name: r.name8()?.to_string(),
                token_hash: r.name8()?.to_string(),
                expiry_at: Some(r.u64()?).filter(|at| *at != 0),
            })
        })(),
        DELETE_PERSONAL_ACCESS_TOKEN => (|| {
            Ok(MetadataEntry::DeletePersonalAccessToken {
                user_id: r.u32()?,
                name: r.name8()?.to_string(),
            })
        })(),
        _ => return None,
    };
    Some(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_truncation_is_an_error() {
        for entry in [
            MetadataEntry::DeleteUser { id: 4 },
            MetadataEntry::UpdateUser {
                id: 4,
                username: Some("bob".into()),
                status: Some(UserStatus::Inactive),
            },
            MetadataEntry::UpdateUser {
                id: 4,
                username: None,
                status: None,
            },
            MetadataEntry::UpdatePermissions {
                id: 4,
                permissions: Some(Permissions::root()),
            },
            MetadataEntry::UpdatePermissions {
                id: 4,
                permissions: None,
            },
            MetadataEntry::ChangePassword {
                id: 4,
                password_hash: "$argon2id$v=19$x".into(),
            },
            MetadataEntry::CreatePersonalAccessToken {
                user_id: 4,
                name: "ci".into(),
                token_hash: "ab12".into(),
                expiry_at: Some(99),
            },
            MetadataEntry::CreatePersonalAccessToken {
                user_id: 4,
                name: "ci".into(),
                token_hash: "ab12".into(),
                expiry_at: None,
            },
            MetadataEntry::DeletePersonalAccessToken {
                user_id: 4,
                name: "ci".into(),
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
