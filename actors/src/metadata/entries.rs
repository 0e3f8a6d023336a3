//! The payloads of metadata-log entries, one variant per kind of change. Each entry's
//! command code is the binary protocol's code of the command that caused it.

use crate::bytes_io::{ByteReader, ByteWriter, ReadError};
use crate::permissions::Permissions;
use crate::users::{User, UserStatus};
use bytes::{BufMut, BytesMut};

pub const CREATE_USER: u32 = 33;

/// A change recorded in the metadata log.
#[derive(Debug, Clone)]
pub enum MetadataEntry {
    CreateUser(User),
}

impl MetadataEntry {
    pub fn code(&self) -> u32 {
        match self {
            MetadataEntry::CreateUser(_) => CREATE_USER,
        }
    }

    pub fn encode(&self) -> BytesMut {
        let mut out = BytesMut::new();
        match self {
            MetadataEntry::CreateUser(user) => encode_user(user, &mut out),
        }
        out
    }

    /// Decodes a payload; `None` for a command code this version does not know.
    /// `created_at` comes from the entry's timestamp.
    pub fn decode(code: u32, payload: &[u8], created_at: u64) -> Option<Result<Self, ReadError>> {
        let mut r = ByteReader::new(payload);
        match code {
            CREATE_USER => Some(decode_user(&mut r, created_at).map(MetadataEntry::CreateUser)),
            _ => None,
        }
    }
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
}
