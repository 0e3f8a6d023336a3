//! Personal access tokens (41–44). Tokens belong to the logged-in user; no permission is
//! needed. The raw token exists only in the CreatePersonalAccessToken answer and in the
//! login request; the engine sees its BLAKE3 hash.

pub mod create_personal_access_token;
pub mod delete_personal_access_token;
pub mod get_personal_access_tokens;
pub mod login_with_personal_access_token;
