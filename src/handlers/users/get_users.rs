//! GetUsers (32): UserHeaders of every user (users-read).

use crate::context::{ServerContext, Session};
use crate::protocol::responses::users;
use bytes::Bytes;
use iggy_actors::metadata::GetUsers;
use iggy_actors::IggyError;

pub async fn handle(ctx: &ServerContext, session: &Session) -> Result<Bytes, IggyError> {
    let user_id = session.user()?;
    let list = ctx.metadata.send(GetUsers { user_id }).await??;
    Ok(users::users(&list))
}
