//! JSON web tokens of the HTTP API (`http-api.md` §2, `[http.jwt]`): issued at login,
//! verified on every request with the configured algorithm, issuers, audiences and clock
//! skew. HS256/384/512 sign with the secrets (raw bytes, or base64 with
//! `use_base64_secret`); RS256/384/512 with a PEM private key in `encoding_secret` and the
//! PEM public key in `decoding_secret`. Revocation is the engine's (`RevokeAccessToken`),
//! read from the routing table.

use crate::config::{HttpJwtConfig, IggyExpiry};
use base64::Engine;
use iggy_actors::IggyError;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::time::{SystemTime, UNIX_EPOCH};

/// What `access_token_expiry = "none"` means: about 31 years, as the original.
const NEVER_EXPIRE_SECS: u64 = 1_000_000_000;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    jti: String,
    sub: String,
    iss: String,
    aud: String,
    iat: u64,
    exp: u64,
    nbf: u64,
}

/// A token that passed verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub user_id: u32,
    pub jti: String,
    /// `exp`, seconds since the epoch.
    pub expiry: u64,
}

pub struct JwtManager {
    algorithm: Algorithm,
    encoding: EncodingKey,
    decoding: DecodingKey,
    issuer: String,
    audience: String,
    validation: Validation,
    lifetime_secs: u64,
    not_before_secs: u64,
}

pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

impl JwtManager {
    /// Builds the keys from `[http.jwt]`; a key that cannot be used stops the start,
    /// naming it.
    pub fn from_config(c: &HttpJwtConfig) -> Result<Self, String> {
        let algorithm: Algorithm = c
            .algorithm
            .parse()
            .map_err(|_| format!("http.jwt.algorithm {:?} is not supported", c.algorithm))?;
        let (encoding, decoding) = match algorithm {
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => hmac_keys(c)?,
            Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512 => rsa_keys(c)?,
            other => return Err(format!("http.jwt.algorithm {other:?} is not supported")),
        };
        let mut validation = Validation::new(algorithm);
        validation.set_issuer(&c.valid_issuers);
        validation.set_audience(&c.valid_audiences);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = c.clock_skew.as_duration().as_secs();
        validation.validate_nbf = false;
        let lifetime_secs = match c.access_token_expiry {
            IggyExpiry::ExpireDuration(d) => d.as_duration().as_secs(),
            IggyExpiry::NeverExpire | IggyExpiry::ServerDefault => NEVER_EXPIRE_SECS,
        };
        Ok(JwtManager {
            algorithm,
            encoding,
            decoding,
            issuer: c.issuer.clone(),
            audience: c.audience.clone(),
            validation,
            lifetime_secs,
            not_before_secs: c.not_before.as_duration().as_secs(),
        })
    }

    /// A new token for `user_id`; answers it and its expiry (seconds since the epoch).
    pub fn issue(&self, user_id: u32) -> Result<(String, u64), IggyError> {
        let iat = now_secs();
        let claims = Claims {
            jti: uuid::Uuid::now_v7().to_string(),
            sub: user_id.to_string(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat,
            exp: iat.saturating_add(self.lifetime_secs),
            nbf: iat.saturating_add(self.not_before_secs),
        };
        let token = jsonwebtoken::encode(&Header::new(self.algorithm), &claims, &self.encoding)
            .map_err(|e| {
                log::error!("cannot sign a JSON web token: {e}");
                IggyError::CannotGenerateJwt
            })?;
        Ok((token, claims.exp))
    }

    /// Checks the signature, the algorithm, `exp` (with the clock skew), `iss`, `aud` and
    /// that `sub` is a user id: `InvalidAccessToken` when it is not a JWT at all,
    /// `Unauthenticated` otherwise, as the original's refresh answers. Revocation is
    /// checked by the caller.
    pub fn verify(&self, token: &str) -> Result<Verified, IggyError> {
        jsonwebtoken::decode_header(token).map_err(|_| IggyError::InvalidAccessToken)?;
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| IggyError::Unauthenticated)?;
        let user_id = data
            .claims
            .sub
            .parse()
            .map_err(|_| IggyError::Unauthenticated)?;
        Ok(Verified {
            user_id,
            jti: data.claims.jti,
            expiry: data.claims.exp,
        })
    }
}

/// The secret bytes of `key`, base64-decoded when configured so.
fn secret(c: &HttpJwtConfig, key: &str, value: &str) -> Result<Vec<u8>, String> {
    if c.use_base64_secret {
        base64::engine::general_purpose::STANDARD
            .decode(value)
            .map_err(|e| format!("{key} is not standard base64 (use_base64_secret = true): {e}"))
    } else {
        Ok(value.as_bytes().to_vec())
    }
}

/// Both secrets empty: a random one per start (tokens do not survive a restart); one
/// empty: the other is used for both.
fn hmac_keys(c: &HttpJwtConfig) -> Result<(EncodingKey, DecodingKey), String> {
    let (enc, dec) = match (c.encoding_secret.is_empty(), c.decoding_secret.is_empty()) {
        (true, true) => {
            log::info!(
                "http.jwt: no secret configured: a random one is used until the server stops"
            );
            let random = iggy_actors::metadata::generate_token().into_bytes();
            (random.clone(), random)
        }
        (false, true) => {
            let s = secret(c, "http.jwt.encoding_secret", &c.encoding_secret)?;
            (s.clone(), s)
        }
        (true, false) => {
            let s = secret(c, "http.jwt.decoding_secret", &c.decoding_secret)?;
            (s.clone(), s)
        }
        (false, false) => (
            secret(c, "http.jwt.encoding_secret", &c.encoding_secret)?,
            secret(c, "http.jwt.decoding_secret", &c.decoding_secret)?,
        ),
    };
    Ok((
        EncodingKey::from_secret(&enc),
        DecodingKey::from_secret(&dec),
    ))
}

/// RS*: the PEM private key signs, the PEM public key verifies.
fn rsa_keys(c: &HttpJwtConfig) -> Result<(EncodingKey, DecodingKey), String> {
    let private = secret(c, "http.jwt.encoding_secret", &c.encoding_secret)?;
    let public = secret(c, "http.jwt.decoding_secret", &c.decoding_secret)?;
    let encoding = EncodingKey::from_rsa_pem(&private).map_err(|e| {
        format!(
            "http.jwt.encoding_secret: {} needs a PEM RSA private key: {e}",
            c.algorithm
        )
    })?;
    let decoding = DecodingKey::from_rsa_pem(&public).map_err(|e| {
        format!(
            "http.jwt.decoding_secret: {} needs a PEM RSA public key: {e}",
            c.algorithm
        )
    })?;
    Ok((encoding, decoding))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ServerConfig;

    fn config() -> HttpJwtConfig {
        ServerConfig::embedded_defaults().unwrap().http.jwt
    }

    #[test]
    fn issued_tokens_verify_and_foreign_ones_do_not() {
        let jwt = JwtManager::from_config(&config()).unwrap();
        let (token, expiry) = jwt.issue(7).unwrap();
        let verified = jwt.verify(&token).unwrap();
        assert_eq!(verified.user_id, 7);
        assert_eq!(verified.expiry, expiry);
        assert!(expiry >= now_secs() + 3599);
        let other = JwtManager::from_config(&config()).unwrap();
        assert_eq!(other.verify(&token), Err(IggyError::Unauthenticated));
        assert_eq!(
            jwt.verify("not.a.token"),
            Err(IggyError::InvalidAccessToken)
        );
    }

    #[test]
    fn issuers_audiences_and_base64_secrets_apply() {
        let mut c = config();
        c.encoding_secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQ=".into();
        c.use_base64_secret = true;
        let jwt = JwtManager::from_config(&c).unwrap();
        let (token, _) = jwt.issue(1).unwrap();
        let mut raw = c.clone();
        raw.use_base64_secret = false;
        raw.encoding_secret = "secret-secret-secret".into();
        assert!(JwtManager::from_config(&raw)
            .unwrap()
            .verify(&token)
            .is_ok());
        let mut strict = c.clone();
        strict.valid_issuers = vec!["someone.else".into()];
        assert!(JwtManager::from_config(&strict)
            .unwrap()
            .verify(&token)
            .is_err());
        let mut strict = c;
        strict.valid_audiences = vec!["someone.else".into()];
        assert!(JwtManager::from_config(&strict)
            .unwrap()
            .verify(&token)
            .is_err());
    }

    #[test]
    fn rsa_without_pem_keys_is_refused_naming_the_key() {
        let mut c = config();
        c.algorithm = "RS256".into();
        c.encoding_secret = "not a key".into();
        let refused = JwtManager::from_config(&c).err().unwrap();
        assert!(refused.contains("http.jwt.encoding_secret"), "{refused}");
    }
}
