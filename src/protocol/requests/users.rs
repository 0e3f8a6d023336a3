//! User requests (binary-protocol.md §5.3): 31–37. Presence flags count only the value 1
//! (§9 trap 12); a bad status byte is `InvalidCommand`, a permissions blob whose size
//! differs from its length prefix is `InvalidFormat`.

use super::{read_error, Command};
use crate::protocol::identifier::read_identifier;
use iggy_actors::bytes_io::ByteReader;
use iggy_actors::permissions::Permissions;
use iggy_actors::users::UserStatus;
use iggy_actors::IggyError;

fn read_status(r: &mut ByteReader<'_>) -> Result<UserStatus, IggyError> {
    UserStatus::from_code(r.u8().map_err(read_error)?).ok_or(IggyError::InvalidCommand)
}

/// `has_permissions` (1 = present), then `u32` length and the blob (§3.9).
fn read_permissions(r: &mut ByteReader<'_>) -> Result<Option<Permissions>, IggyError> {
    if r.u8().map_err(read_error)? != 1 {
        return Ok(None);
    }
    let length = r.u32().map_err(read_error)? as usize;
    let start = r.position();
    let permissions = Permissions::decode(r).map_err(read_error)?;
    if r.position() - start != length {
        return Err(IggyError::InvalidFormat);
    }
    Ok(Some(permissions))
}

/// GetUser (31): Identifier.
pub fn get_user(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    Ok(Command::GetUser {
        user: read_identifier(r)?,
    })
}

/// CreateUser (33): name8 username, str8 password, status, permissions.
pub fn create_user(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    let username = r.name8().map_err(read_error)?.to_string();
    let password = r.str8().map_err(read_error)?.to_string();
    let status = read_status(r)?;
    let permissions = read_permissions(r)?;
    Ok(Command::CreateUser {
        username,
        password,
        status,
        permissions,
    })
}

/// DeleteUser (34): Identifier.
pub fn delete_user(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    Ok(Command::DeleteUser {
        user: read_identifier(r)?,
    })
}

/// UpdateUser (35): Identifier, optional name8 username, optional status.
pub fn update_user(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    let user = read_identifier(r)?;
    let username = match r.u8().map_err(read_error)? {
        1 => Some(r.name8().map_err(read_error)?.to_string()),
        _ => None,
    };
    let status = match r.u8().map_err(read_error)? {
        1 => Some(read_status(r)?),
        _ => None,
    };
    Ok(Command::UpdateUser {
        user,
        username,
        status,
    })
}

/// UpdatePermissions (36): Identifier, permissions (absent = cleared).
pub fn update_permissions(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    let user = read_identifier(r)?;
    let permissions = read_permissions(r)?;
    Ok(Command::UpdatePermissions { user, permissions })
}

/// ChangePassword (37): Identifier, str8 current password, str8 new password.
pub fn change_password(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    let user = read_identifier(r)?;
    let current_password = r.str8().map_err(read_error)?.to_string();
    let new_password = r.str8().map_err(read_error)?.to_string();
    Ok(Command::ChangePassword {
        user,
        current_password,
        new_password,
    })
}

#[cfg(test)]
#[path = "users_tests.rs"]
mod tests;
