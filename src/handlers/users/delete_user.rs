//! DeleteUser (34): users-manage; the root user cannot be deleted. The deleted user's
//! sessions answer 40 from their next command on.

use crate::context::{ServerContext, Session};
use bytes::Bytes;
use iggy_actors::identifier::Identifier;
use iggy_actors::metadata::DeleteUser;
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    target: Identifier,
) -> Result<Bytes, IggyError> {
    let user_id = session.user()?;
    ctx.metadata.send(DeleteUser { user_id, target }).await??;
    Ok(Bytes::new())
}
