//! Argon2 off the event loops: hashing and verifying run on tokio's blocking pool.

use iggy_actors::users;
use iggy_actors::IggyError;

/// The Argon2 PHC hash of `password`.
pub async fn hash(password: String) -> Result<String, IggyError> {
    tokio::task::spawn_blocking(move || users::hash_password(&password))
        .await
        .map_err(|_| IggyError::Error)?
}

/// True when `password` matches `hash`.
pub async fn verify(password: String, hash: String) -> Result<bool, IggyError> {
    tokio::task::spawn_blocking(move || users::verify_password(&password, &hash))
        .await
        .map_err(|_| IggyError::Error)
}
