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
    let client_id = session.client_id;
    let user_id = authenticate(
        ctx,
        &format!("client {client_id}"),
        username.clone(),
        password,
    )
    .await?;
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

/// Checks a user name and password (every transport's login): the lengths, the user, the
/// Argon2 hash (on a blocking thread) and the status. `who` names the caller in the log.
pub async fn authenticate(
    ctx: &ServerContext,
    who: &str,
    username: String,
    password: String,
) -> Result<u32, IggyError> {
    users::validate_username(&username)?;
    users::validate_password(&password)?;
    if ctx.is_shutting_down() {
        return Err(IggyError::Disconnected);
    }
    let candidate = match ctx
        .metadata
        .send(FindLoginUser {
            username: username.clone(),
        })
        .await?
    {
        Ok(candidate) => candidate,
        Err(e) => {
            warn!("{who}: login as unknown user '{username}' refused");
            return Err(e);
        }
    };
    let hash = candidate.password_hash.clone();
    let valid = tokio::task::spawn_blocking(move || users::verify_password(&password, &hash))
        .await
        .map_err(|_| IggyError::Error)?;
    if !valid {
        warn!("{who}: wrong password for user '{username}'");
        return Err(IggyError::InvalidCredentials);
    }
    if candidate.status != UserStatus::Active {
        warn!("{who}: login of inactive user '{username}' refused");
        return Err(IggyError::UserInactive);
    }
    Ok(candidate.user_id)
}
