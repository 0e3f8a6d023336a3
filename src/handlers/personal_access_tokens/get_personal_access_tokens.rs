//! GetPersonalAccessTokens (41): the caller's tokens (name and expiry, never the token).

use crate::context::{ServerContext, Session};
use crate::protocol::responses::users;
use bytes::Bytes;
use iggy_actors::metadata::GetPersonalAccessTokens;
use iggy_actors::IggyError;

pub async fn handle(ctx: &ServerContext, session: &Session) -> Result<Bytes, IggyError> {
    let user_id = session.user()?;
    let list = ctx
        .metadata
        .send(GetPersonalAccessTokens { user_id })
        .await??;
    Ok(users::tokens(&list))
}
