//! LoginWithPersonalAccessToken (44), served before login: unknown token → 20, expired →
//! 54 (even before the cleaner ran), inactive owner → 47. Answers the owner's id.

use crate::context::{ServerContext, Session};
use iggy_actors::metadata::{hash_token, LoginWithPersonalAccessToken};
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    token: String,
) -> Result<u32, IggyError> {
    if ctx.is_shutting_down() {
        return Err(IggyError::Disconnected);
    }
    let login = LoginWithPersonalAccessToken {
        client_id: Some(session.client_id),
        token_hash: hash_token(&token),
    };
    ctx.metadata.send(login).await?
}
