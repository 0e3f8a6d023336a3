//! Messages of the metadata actor for users (31–37) and personal access tokens (41–44),
//! and the read models they answer with. Each carries the acting user; the actor checks
//! the permission with `access::allows`. Passwords never reach the actor: the edges hash
//! (and verify) them on a blocking thread and send the Argon2 hash; tokens arrive as
//! their BLAKE3 hash.

use crate::error::IggyError;
use crate::identifier::Identifier;
use crate::permissions::Permissions;
use crate::users::UserStatus;
use actix::Message;

/// A user as GetUser/GetUsers/CreateUser report it (no password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    pub id: u32,
    pub created_at: u64,
    pub status: UserStatus,
    pub username: String,
    pub permissions: Option<Permissions>,
}

/// A token as GetPersonalAccessTokens reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub name: String,
    /// µs since the epoch; `None` = never expires.
    pub expiry_at: Option<u64>,
}

/// GetUser (31): `None` when the user does not exist. Own record: no permission needed.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<Option<UserInfo>, IggyError>")]
pub struct GetUser {
    pub user_id: u32,
    pub target: Identifier,
}

/// GetUsers (32), ascending id.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<Vec<UserInfo>, IggyError>")]
pub struct GetUsers {
    pub user_id: u32,
}

/// CreateUser (33): the password arrives hashed. Answers the new user.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<UserInfo, IggyError>")]
pub struct CreateUser {
    pub user_id: u32,
    pub username: String,
    pub password_hash: String,
    pub status: UserStatus,
    pub permissions: Option<Permissions>,
}

/// DeleteUser (34).
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<(), IggyError>")]
pub struct DeleteUser {
    pub user_id: u32,
    pub target: Identifier,
}

/// UpdateUser (35): new username and/or status.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<(), IggyError>")]
pub struct UpdateUser {
    pub user_id: u32,
    pub target: Identifier,
    pub username: Option<String>,
    pub status: Option<UserStatus>,
}

/// UpdatePermissions (36): `None` clears them.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<(), IggyError>")]
pub struct UpdatePermissions {
    pub user_id: u32,
    pub target: Identifier,
    pub permissions: Option<Permissions>,
}

/// The password-change target and its current hash: step one of ChangePassword (37),
/// so the edge can verify the current password off the actor's thread.
#[derive(Debug, Clone)]
pub struct PasswordTarget {
    pub id: u32,
    pub password_hash: String,
}

#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<PasswordTarget, IggyError>")]
pub struct GetPasswordTarget {
    pub user_id: u32,
    pub target: Identifier,
}

/// ChangePassword (37), step two: stores the new hash.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<(), IggyError>")]
pub struct ChangePassword {
    pub user_id: u32,
    pub target_id: u32,
    pub password_hash: String,
}

/// GetPersonalAccessTokens (41): the acting user's tokens, by name.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<Vec<TokenInfo>, IggyError>")]
pub struct GetPersonalAccessTokens {
    pub user_id: u32,
}

/// CreatePersonalAccessToken (42): `expiry` is the wire lifetime in µs (0 or `u64::MAX`
/// = never); the token arrives hashed.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<(), IggyError>")]
pub struct CreatePersonalAccessToken {
    pub user_id: u32,
    pub name: String,
    pub token_hash: String,
    pub expiry: u64,
}

/// DeletePersonalAccessToken (43).
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<(), IggyError>")]
pub struct DeletePersonalAccessToken {
    pub user_id: u32,
    pub name: String,
}

/// LoginWithPersonalAccessToken (44): binds the client to the token's owner; answers the
/// owner's id. Without a client (HTTP, stateless) nothing is bound.
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<u32, IggyError>")]
pub struct LoginWithPersonalAccessToken {
    pub client_id: Option<u32>,
    pub token_hash: String,
}

/// PatCleaner: deletes (and logs the deletion of) every expired token; answers how many.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "usize")]
pub struct DeleteExpiredTokens;
