//! UpdateUser (35): new username and/or status (users-manage). A deactivated user's
//! sessions answer 40 from their next command on.

use crate::context::{ServerContext, Session};
use bytes::Bytes;
use iggy_actors::identifier::Identifier;
use iggy_actors::metadata::UpdateUser;
use iggy_actors::users::UserStatus;
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    target: Identifier,
    username: Option<String>,
    status: Option<UserStatus>,
) -> Result<Bytes, IggyError> {
    let user_id = session.user()?;
    let update = UpdateUser {
        user_id,
        target,
        username,
        status,
    };
    ctx.metadata.send(update).await??;
    Ok(Bytes::new())
}
