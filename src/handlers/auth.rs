//! The one place where a session's right to run a command is checked. The user's current
//! status and permissions are read from the metadata actor on every check, so changes
//! take effect at the next command.

use crate::context::{ServerContext, Session};
use iggy_actors::access::{self, Action};
use iggy_actors::metadata::GetUserAccess;
use iggy_actors::permissions::Permissions;
use iggy_actors::users::UserStatus;
use iggy_actors::IggyError;

/// What a command needs.
#[derive(Debug, Clone, Copy)]
pub enum Access {
    /// Global manage_servers or read_servers.
    ReadServers,
    /// Any action of the permission model (`iggy_actors::access`).
    Action(Action),
}

fn allows(permissions: &Permissions, access: Access) -> bool {
    match access {
        Access::ReadServers => access::allows(permissions, Action::ReadServers),
        Access::Action(action) => access::allows(permissions, action),
    }
}

/// Ok when the session's user may do `access`; `Unauthenticated` when the session has no
/// (longer a valid) user, `Unauthorized` when the permission is missing.
pub async fn require(
    ctx: &ServerContext,
    session: &Session,
    access: Access,
) -> Result<u32, IggyError> {
    let user_id = session.user_id.ok_or(IggyError::Unauthenticated)?;
    let user = ctx
        .metadata
        .send(GetUserAccess { user_id })
        .await?
        .ok_or(IggyError::Unauthenticated)?;
    if user.status != UserStatus::Active {
        return Err(IggyError::Unauthenticated);
    }
    match &user.permissions {
        Some(p) if allows(p, access) => Ok(user_id),
        _ => Err(IggyError::Unauthorized),
    }
}
