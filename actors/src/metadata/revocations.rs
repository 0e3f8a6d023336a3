//! Revoked access tokens of the HTTP API (logout, refresh): their ids (`jti`) with their
//! expiry, kept in `{state}/revoked_tokens` so a revoked token stays revoked across a
//! restart, and forgotten once it has expired (it could not be used any more anyway).
//! The set is published with the routing table, so checking a token is a local read.

use super::MetadataActor;
use crate::error::IggyError;
use actix::prelude::*;
use log::{error, warn};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// The file: one `"{expiry seconds} {jti}\n"` line per revoked token.
pub(super) struct RevokedTokens {
    path: PathBuf,
    fsync: bool,
    /// jti → expiry (seconds since the epoch).
    tokens: Arc<HashMap<String, u64>>,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

impl RevokedTokens {
    /// Reads the file (a missing file is an empty set); damaged lines and expired tokens
    /// are dropped with a warning.
    pub(super) fn open(state_dir: &Path, fsync: bool) -> Self {
        let path = state_dir.join("revoked_tokens");
        let mut tokens = HashMap::new();
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let now = now_secs();
                for line in text.lines().filter(|l| !l.is_empty()) {
                    match line.split_once(' ').map(|(e, j)| (e.parse::<u64>(), j)) {
                        Some((Ok(expiry), jti)) if !jti.is_empty() => {
                            if expiry >= now {
                                tokens.insert(jti.to_string(), expiry);
                            }
                        }
                        _ => warn!("{}: damaged line skipped", path.display()),
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => warn!("cannot read {}: {e}; no token is revoked", path.display()),
        }
        RevokedTokens {
            path,
            fsync,
            tokens: Arc::new(tokens),
        }
    }

    pub(super) fn published(&self) -> Arc<HashMap<String, u64>> {
        self.tokens.clone()
    }

    /// Adds `jti`; false when it was revoked already. Expired entries are dropped and the
    /// file rewritten (temporary file, then rename) before the answer.
    fn revoke(&mut self, jti: String, expiry: u64) -> Result<bool, IggyError> {
        if self.tokens.contains_key(&jti) {
            return Ok(false);
        }
        let now = now_secs();
        let mut tokens: HashMap<String, u64> = self
            .tokens
            .iter()
            .filter(|(_, e)| **e >= now)
            .map(|(j, e)| (j.clone(), *e))
            .collect();
        tokens.insert(jti, expiry);
        self.write(&tokens).map_err(|e| {
            error!("cannot write {}: {e}", self.path.display());
            IggyError::IoError
        })?;
        self.tokens = Arc::new(tokens);
        Ok(true)
    }

    fn write(&self, tokens: &HashMap<String, u64>) -> std::io::Result<()> {
        let tmp = self.path.with_extension("tmp");
        let mut file = std::fs::File::create(&tmp)?;
        let mut text = String::new();
        for (jti, expiry) in tokens {
            text.push_str(&format!("{expiry} {jti}\n"));
        }
        file.write_all(text.as_bytes())?;
        if self.fsync {
            file.sync_all()?;
        }
        std::fs::rename(&tmp, &self.path)
    }
}

/// Revokes an access token (HTTP logout and refresh); answers false when it was revoked
/// already (a token can be refreshed once).
#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<bool, IggyError>")]
pub struct RevokeAccessToken {
    pub jti: String,
    /// `exp` of the token, seconds since the epoch.
    pub expiry: u64,
}

impl Handler<RevokeAccessToken> for MetadataActor {
    type Result = Result<bool, IggyError>;
    fn handle(&mut self, msg: RevokeAccessToken, _: &mut Self::Context) -> Self::Result {
        let added = self.revoked.revoke(msg.jti, msg.expiry)?;
        if added {
            self.publish_routes();
        }
        Ok(added)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revocations_survive_reopening_until_they_expire() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = RevokedTokens::open(dir.path(), false);
        let later = now_secs() + 3600;
        assert!(store.revoke("a".into(), later).unwrap());
        assert!(!store.revoke("a".into(), later).unwrap());
        assert!(store.revoke("old".into(), now_secs() - 10).unwrap());
        let reopened = RevokedTokens::open(dir.path(), false);
        assert!(reopened.published().contains_key("a"));
        assert!(
            !reopened.published().contains_key("old"),
            "expired: forgotten"
        );
        std::fs::write(dir.path().join("revoked_tokens"), "garbage\n12x y\n").unwrap();
        assert!(RevokedTokens::open(dir.path(), false)
            .published()
            .is_empty());
    }
}
