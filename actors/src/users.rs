//! Users and their passwords. Passwords exist only as Argon2 hashes (PHC strings).

use crate::error::IggyError;
use crate::permissions::Permissions;
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, SaltString};
use argon2::{Argon2, PasswordVerifier};
use rand::distributions::Alphanumeric;
use rand::Rng;

/// The root user's fixed id.
pub const ROOT_USER_ID: u32 = 0;
pub const DEFAULT_ROOT_USERNAME: &str = "iggy";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    Active = 1,
    Inactive = 2,
}

impl UserStatus {
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(UserStatus::Active),
            2 => Some(UserStatus::Inactive),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: u32,
    pub username: String,
    /// Argon2 PHC string; never the password itself.
    pub password_hash: String,
    pub status: UserStatus,
    pub permissions: Option<Permissions>,
    /// Microseconds since the UNIX epoch.
    pub created_at: u64,
}

/// Usernames are 3..=50 bytes.
pub fn validate_username(name: &str) -> Result<(), IggyError> {
    if (3..=50).contains(&name.len()) {
        Ok(())
    } else {
        Err(IggyError::InvalidUsername)
    }
}

/// Passwords are 3..=100 bytes.
pub fn validate_password(password: &str) -> Result<(), IggyError> {
    if (3..=100).contains(&password.len()) {
        Ok(())
    } else {
        Err(IggyError::InvalidPassword)
    }
}

/// Hashes a password with Argon2id and a random salt. CPU-heavy: call it off the
/// event loops (a blocking task) except at start-up.
pub fn hash_password(password: &str) -> Result<String, IggyError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|_| IggyError::Error)
}

/// Checks a password against a stored hash. CPU-heavy, like `hash_password`.
pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A random root password: 20 to 39 alphanumeric characters.
pub fn random_password() -> String {
    let mut rng = rand::thread_rng();
    let len = rng.gen_range(20..40);
    (&mut rng)
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_verifies_only_the_right_password() {
        let hash = hash_password("secret").unwrap();
        assert!(!hash.contains("secret"));
        assert!(verify_password("secret", &hash));
        assert!(!verify_password("Secret", &hash));
        assert!(!verify_password("secret", "not a hash"));
    }

    #[test]
    fn name_and_password_lengths() {
        assert_eq!(validate_username("ab"), Err(IggyError::InvalidUsername));
        assert!(validate_username("abc").is_ok());
        assert_eq!(
            validate_username(&"a".repeat(51)),
            Err(IggyError::InvalidUsername)
        );
        assert_eq!(validate_password("12"), Err(IggyError::InvalidPassword));
        assert!(validate_password(&"p".repeat(100)).is_ok());
        assert_eq!(
            validate_password(&"p".repeat(101)),
            Err(IggyError::InvalidPassword)
        );
    }

    #[test]
    fn random_password_shape() {
        for _ in 0..20 {
            let p = random_password();
            assert!((20..40).contains(&p.len()));
            assert!(p.chars().all(|c| c.is_ascii_alphanumeric()));
        }
    }
}
