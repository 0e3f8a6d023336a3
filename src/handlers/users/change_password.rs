//! ChangePassword (37): one's own needs no permission, another user's needs
//! users-manage. The current password is verified and the new one hashed on blocking
//! threads; the actor only ever sees hashes. The caller's session stays valid.

use super::hashing;
use crate::context::{ServerContext, Session};
use bytes::Bytes;
use iggy_actors::identifier::Identifier;
use iggy_actors::metadata::{ChangePassword, GetPasswordTarget};
use iggy_actors::users;
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    target: Identifier,
    current_password: String,
    new_password: String,
) -> Result<Bytes, IggyError> {
    let who = format!("client {}", session.client_id);
    change(
        ctx,
        &who,
        session.user()?,
        target,
        current_password,
        new_password,
    )
    .await?;
    Ok(Bytes::new())
}

/// The change itself, for every transport: `user_id` acts, `who` names the caller in the
/// log.
pub async fn change(
    ctx: &ServerContext,
    who: &str,
    user_id: u32,
    target: Identifier,
    current_password: String,
    new_password: String,
) -> Result<(), IggyError> {
    users::validate_password(&current_password)?;
    users::validate_password(&new_password)?;
    let target = ctx
        .metadata
        .send(GetPasswordTarget { user_id, target })
        .await??;
    if !hashing::verify(current_password, target.password_hash).await? {
        log::warn!("{who}: wrong current password for user {}", target.id);
        return Err(IggyError::InvalidCredentials);
    }
    let password_hash = hashing::hash(new_password).await?;
    let change = ChangePassword {
        user_id,
        target_id: target.id,
        password_hash,
    };
    ctx.metadata.send(change).await?
}
