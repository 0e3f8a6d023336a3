//! CreatePersonalAccessToken (42): generates the raw token, stores its hash, answers the
//! raw token (shown this once).

use crate::context::{ServerContext, Session};
use crate::protocol::responses::users;
use bytes::Bytes;
use iggy_actors::metadata::{generate_token, hash_token, CreatePersonalAccessToken};
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    name: String,
    expiry: u64,
) -> Result<Bytes, IggyError> {
    let token = create(ctx, session.user()?, name, expiry).await?;
    Ok(users::raw_token(&token))
}

/// The creation itself, for every transport: answers the raw token.
pub async fn create(
    ctx: &ServerContext,
    user_id: u32,
    name: String,
    expiry: u64,
) -> Result<String, IggyError> {
    let token = generate_token();
    let create = CreatePersonalAccessToken {
        user_id,
        name,
        token_hash: hash_token(&token),
        expiry,
    };
    ctx.metadata.send(create).await??;
    Ok(token)
}
