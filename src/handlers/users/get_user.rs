//! GetUser (31): UserDetails, or an empty payload when the user does not exist. Reading
//! one's own record needs no permission, any other needs users-read.

use crate::context::{ServerContext, Session};
use crate::protocol::responses::users;
use bytes::Bytes;
use iggy_actors::identifier::Identifier;
use iggy_actors::metadata::GetUser;
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    target: Identifier,
) -> Result<Bytes, IggyError> {
    let user_id = session.user()?;
    let user = ctx.metadata.send(GetUser { user_id, target }).await??;
    Ok(user.map(|u| users::user_details(&u)).unwrap_or_default())
}
