//! Personal access tokens: the store kept by the metadata actor and the commands 41–44.
//!
//! A raw token (base64 of 50 random bytes) is shown once; only its BLAKE3 hex digest is
//! kept and logged. BLAKE3 and not Argon2 or SHA-256: the token already has 400 bits of
//! entropy, so a slow salted hash buys nothing and a fast digest lets a login find the
//! token by its hash; BLAKE3 hex is also what the original server stores.

use super::entries::MetadataEntry;
use super::state_log::now_micros;
use super::user_messages::{
    CreatePersonalAccessToken, DeleteExpiredTokens, DeletePersonalAccessToken,
    GetPersonalAccessTokens, LoginWithPersonalAccessToken, TokenInfo,
};
use super::MetadataActor;
use crate::error::IggyError;
use crate::users::UserStatus;
use actix::prelude::*;
use base64::Engine;
use log::{info, warn};
use rand::RngCore;
use std::collections::BTreeMap;

/// Random bytes in a raw token.
const TOKEN_BYTES: usize = 50;

/// A new raw token: standard base64 (with padding) of 50 random bytes, 68 characters.
pub fn generate_token() -> String {
    let mut bytes = [0u8; TOKEN_BYTES];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// What is stored for a raw token: its BLAKE3 digest in hex.
pub fn hash_token(raw: &str) -> String {
    blake3::hash(raw.as_bytes()).to_hex().to_string()
}

/// Names are 3..=30 bytes.
fn validate_name(name: &str) -> Result<(), IggyError> {
    if (3..=30).contains(&name.len()) {
        Ok(())
    } else {
        Err(IggyError::InvalidPersonalAccessTokenName)
    }
}

/// A lifetime in µs from the wire (0 and `u64::MAX` = never) → absolute expiry.
fn expiry_at(now: u64, expiry: u64) -> Option<u64> {
    match expiry {
        0 | u64::MAX => None,
        lifetime => Some(now.saturating_add(lifetime)),
    }
}

#[derive(Debug, Clone)]
struct StoredToken {
    hash: String,
    expiry_at: Option<u64>,
}

impl StoredToken {
    fn expired(&self, now: u64) -> bool {
        self.expiry_at.is_some_and(|at| at <= now)
    }
}

/// Every user's tokens, by owner and name.
pub(crate) struct TokenStore {
    /// `personal_access_token.max_tokens_per_user`.
    limit: u32,
    by_owner: BTreeMap<u32, BTreeMap<String, StoredToken>>,
}

impl TokenStore {
    pub fn new(limit: u32) -> Self {
        Self {
            limit,
            by_owner: BTreeMap::new(),
        }
    }

    pub fn insert(&mut self, user_id: u32, name: String, hash: String, expiry_at: Option<u64>) {
        let token = StoredToken { hash, expiry_at };
        self.by_owner
            .entry(user_id)
            .or_default()
            .insert(name, token);
    }

    pub fn remove(&mut self, user_id: u32, name: &str) -> bool {
        let Some(tokens) = self.by_owner.get_mut(&user_id) else {
            return false;
        };
        let removed = tokens.remove(name).is_some();
        if tokens.is_empty() {
            self.by_owner.remove(&user_id);
        }
        removed
    }

    pub fn remove_user(&mut self, user_id: u32) {
        self.by_owner.remove(&user_id);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.by_owner.values().map(BTreeMap::len).sum()
    }

    fn of(&self, user_id: u32) -> impl Iterator<Item = (&String, &StoredToken)> {
        self.by_owner.get(&user_id).into_iter().flatten()
    }

    fn find(&self, hash: &str) -> Option<(u32, &StoredToken)> {
        self.by_owner.iter().find_map(|(owner, tokens)| {
            tokens
                .values()
                .find(|t| t.hash == hash)
                .map(|t| (*owner, t))
        })
    }

    fn expired(&self, now: u64) -> Vec<(u32, String)> {
        self.by_owner
            .iter()
            .flat_map(|(owner, tokens)| {
                tokens
                    .iter()
                    .filter(|(_, t)| t.expired(now))
                    .map(|(name, _)| (*owner, name.clone()))
            })
            .collect()
    }
}

impl MetadataActor {
    /// Applies a token creation; a token already expired (replay) is skipped.
    pub(super) fn apply_token_created(
        &mut self,
        user_id: u32,
        name: String,
        hash: String,
        expiry_at: Option<u64>,
    ) {
        if expiry_at.is_some_and(|at| at <= now_micros()) {
            return;
        }
        self.tokens.insert(user_id, name, hash, expiry_at);
    }
}

impl Handler<GetPersonalAccessTokens> for MetadataActor {
    type Result = Result<Vec<TokenInfo>, IggyError>;

    fn handle(&mut self, msg: GetPersonalAccessTokens, _: &mut Self::Context) -> Self::Result {
        self.active_user(msg.user_id)?;
        Ok(self
            .tokens
            .of(msg.user_id)
            .map(|(name, t)| TokenInfo {
                name: name.clone(),
                expiry_at: t.expiry_at,
            })
            .collect())
    }
}

impl Handler<CreatePersonalAccessToken> for MetadataActor {
    type Result = Result<(), IggyError>;

    fn handle(&mut self, msg: CreatePersonalAccessToken, _: &mut Self::Context) -> Self::Result {
        self.active_user(msg.user_id)?;
        validate_name(&msg.name)?;
        if self
            .tokens
            .of(msg.user_id)
            .any(|(name, _)| *name == msg.name)
        {
            return Err(IggyError::PersonalAccessTokenAlreadyExists);
        }
        if self.tokens.of(msg.user_id).count() >= self.tokens.limit as usize {
            return Err(IggyError::PersonalAccessTokensLimitReached);
        }
        let change = MetadataEntry::CreatePersonalAccessToken {
            user_id: msg.user_id,
            name: msg.name.clone(),
            token_hash: msg.token_hash,
            expiry_at: expiry_at(now_micros(), msg.expiry),
        };
        self.commit(msg.user_id, change)?;
        info!(
            "user {} created personal access token '{}'",
            msg.user_id, msg.name
        );
        Ok(())
    }
}

impl Handler<DeletePersonalAccessToken> for MetadataActor {
    type Result = Result<(), IggyError>;

    fn handle(&mut self, msg: DeletePersonalAccessToken, _: &mut Self::Context) -> Self::Result {
        self.active_user(msg.user_id)?;
        if !self
            .tokens
            .of(msg.user_id)
            .any(|(name, _)| *name == msg.name)
        {
            return Err(IggyError::ResourceNotFound);
        }
        let change = MetadataEntry::DeletePersonalAccessToken {
            user_id: msg.user_id,
            name: msg.name.clone(),
        };
        self.commit(msg.user_id, change)?;
        info!(
            "user {} deleted personal access token '{}'",
            msg.user_id, msg.name
        );
        Ok(())
    }
}

impl Handler<LoginWithPersonalAccessToken> for MetadataActor {
    type Result = Result<u32, IggyError>;

    fn handle(&mut self, msg: LoginWithPersonalAccessToken, _: &mut Self::Context) -> Self::Result {
        let who = match msg.client_id {
            Some(client_id) => format!("client {client_id}"),
            None => "HTTP caller".to_string(),
        };
        let Some((owner, token)) = self.tokens.find(&msg.token_hash) else {
            warn!("{who}: login with an unknown personal access token refused");
            return Err(IggyError::ResourceNotFound);
        };
        if token.expired(now_micros()) {
            warn!("{who}: login with an expired token of user {owner} refused");
            return Err(IggyError::PersonalAccessTokenExpired);
        }
        let user = self.users.get(&owner).ok_or(IggyError::ResourceNotFound)?;
        if user.status != UserStatus::Active {
            warn!("{who}: token login of inactive user {owner} refused");
            return Err(IggyError::UserInactive);
        }
        if let Some(client_id) = msg.client_id {
            if !self.clients.set_user(client_id, Some(owner)) {
                return Err(IggyError::ClientNotFound);
            }
        }
        info!("{who} logged in with a personal access token as user {owner}");
        Ok(owner)
    }
}

impl Handler<DeleteExpiredTokens> for MetadataActor {
    type Result = usize;

    fn handle(&mut self, _: DeleteExpiredTokens, _: &mut Self::Context) -> usize {
        let expired = self.tokens.expired(now_micros());
        let mut deleted = 0;
        for (user_id, name) in expired {
            let change = MetadataEntry::DeletePersonalAccessToken {
                user_id,
                name: name.clone(),
            };
            match self.commit(user_id, change) {
                Ok(_) => {
                    info!("expired personal access token '{name}' of user {user_id} deleted");
                    deleted += 1;
                }
                Err(e) => warn!("cannot delete expired token '{name}' of user {user_id}: {e}"),
            }
        }
        deleted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_tokens_and_hashes() {
        let raw = generate_token();
        assert_eq!(raw.len(), 68);
        assert_ne!(raw, generate_token());
        let hash = hash_token(&raw);
        assert_eq!(hash.len(), 64);
        assert!(!hash.contains(&raw));
        assert_eq!(hash, hash_token(&raw));
    }

    #[test]
    fn expiry_encoding() {
        assert_eq!(expiry_at(10, 0), None);
        assert_eq!(expiry_at(10, u64::MAX), None);
        assert_eq!(expiry_at(10, 5), Some(15));
        assert_eq!(expiry_at(u64::MAX - 1, 5), Some(u64::MAX));
    }

    #[test]
    fn store_lists_finds_and_expires() {
        let mut store = TokenStore::new(2);
        store.insert(1, "a".into(), "h1".into(), None);
        store.insert(1, "b".into(), "h2".into(), Some(5));
        store.insert(2, "a".into(), "h3".into(), Some(50));
        assert_eq!(store.len(), 3);
        assert_eq!(store.find("h3").map(|(o, _)| o), Some(2));
        assert_eq!(store.expired(10), vec![(1, "b".to_string())]);
        assert!(store.remove(1, "b"));
        assert!(!store.remove(1, "b"));
        store.remove_user(2);
        assert_eq!(store.len(), 1);
        assert!(store.find("h3").is_none());
        assert!(validate_name("ab").is_err());
        assert!(validate_name(&"x".repeat(31)).is_err());
        assert!(validate_name("abc").is_ok());
    }
}
