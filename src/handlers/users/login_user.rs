//! LoginUser (38). The Argon2 check runs on a blocking thread so no event loop stalls.

use crate::context::{ServerContext, Session};
use iggy_actors::metadata::{FindLoginUser, SetClientUser};
use iggy_actors::users::{self, UserStatus};
use iggy_actors::IggyError;
use log::{info, warn};

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    username: String,
    password: String,
) -> Result<u32, IggyError> {
    users::validate_username(&username)?;
    users::validate_password(&password)?;
    if ctx.is_shutting_down() {
        return Err(IggyError::Disconnected);
    }
    let client_id = session.client_id;
    let candidate = match ctx
        .metadata
        .send(FindLoginUser {
            username: username.clone(),
        })
        .await?
    {
        Ok(candidate) => candidate,
        Err(e) => {
            warn!("client {client_id}: login as unknown user '{username}' refused");
            return Err(e);
        }
    };
    let hash = candidate.password_hash.clone();
    let valid = tokio::task::spawn_blocking(move || users::verify_password(&password, &hash))
        .await
        .map_err(|_| IggyError::Error)?;
    if !valid {
        warn!("client {client_id}: wrong password for user '{username}'");
        return Err(IggyError::InvalidCredentials);
    }
    if candidate.status != UserStatus::Active {
        warn!("client {client_id}: login of inactive user '{username}' refused");
        return Err(IggyError::UserInactive);
    }
    let user_id = candidate.user_id;
    ctx.metadata
        .send(SetClientUser {
            client_id,
            user_id: Some(user_id),
        })
        .await??;
    info!(
        "client {client_id} ({}) logged in as user {user_id} '{username}'",
        session.address
    );
    Ok(user_id)
}
