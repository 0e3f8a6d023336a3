//! CreateUser (33): answers the new user's UserDetails (the SDK requires them). The
//! permission is checked before the name and password rules, and before the password is
//! hashed (on a blocking thread), so a refused caller costs no Argon2 run.

use super::hashing;
use crate::context::{ServerContext, Session};
use crate::handlers::auth;
use crate::protocol::responses::users as encode;
use bytes::Bytes;
use iggy_actors::access::Action;
use iggy_actors::metadata::{CreateUser, UserInfo};
use iggy_actors::permissions::Permissions;
use iggy_actors::users::{self, UserStatus};
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    username: String,
    password: String,
    status: UserStatus,
    permissions: Option<Permissions>,
) -> Result<Bytes, IggyError> {
    let created = create(ctx, session, username, password, status, permissions).await?;
    Ok(encode::user_details(&created))
}

/// The creation itself, for every transport: answers the new user.
pub async fn create(
    ctx: &ServerContext,
    session: &Session,
    username: String,
    password: String,
    status: UserStatus,
    permissions: Option<Permissions>,
) -> Result<UserInfo, IggyError> {
    let user_id = auth::require(ctx, session, Action::ManageUsers).await?;
    users::validate_username(&username)?;
    users::validate_password(&password)?;
    let password_hash = hashing::hash(password).await?;
    let created = ctx
        .metadata
        .send(CreateUser {
            user_id,
            username,
            password_hash,
            status,
            permissions,
        })
        .await??;
    log::debug!(
        "client {}: user {user_id} created user {} '{}'",
        session.client_id,
        created.id,
        created.username
    );
    Ok(created)
}
