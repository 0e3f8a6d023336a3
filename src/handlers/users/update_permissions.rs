//! UpdatePermissions (36): users-manage; not for the root user. Takes effect at the
//! target's next command.

use crate::context::{ServerContext, Session};
use bytes::Bytes;
use iggy_actors::identifier::Identifier;
use iggy_actors::metadata::UpdatePermissions;
use iggy_actors::permissions::Permissions;
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    target: Identifier,
    permissions: Option<Permissions>,
) -> Result<Bytes, IggyError> {
    let user_id = session.user()?;
    let update = UpdatePermissions {
        user_id,
        target,
        permissions,
    };
    ctx.metadata.send(update).await??;
    Ok(Bytes::new())
}
