//! Personal access token requests (binary-protocol.md §5.4): 41–44.

use super::{read_error, Command};
use iggy_actors::bytes_io::ByteReader;
use iggy_actors::IggyError;

/// CreatePersonalAccessToken (42): name8 name, u64 expiry (µs; 0 or `u64::MAX` = never).
pub fn create(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    let name = r.name8().map_err(read_error)?.to_string();
    let expiry = r.u64().map_err(read_error)?;
    Ok(Command::CreatePersonalAccessToken { name, expiry })
}

/// DeletePersonalAccessToken (43): name8 name.
pub fn delete(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    let name = r.name8().map_err(read_error)?.to_string();
    Ok(Command::DeletePersonalAccessToken { name })
}

/// LoginWithPersonalAccessToken (44): name8 raw token.
pub fn login(r: &mut ByteReader<'_>) -> Result<Command, IggyError> {
    let token = r.name8().map_err(read_error)?.to_string();
    Ok(Command::LoginWithPersonalAccessToken { token })
}
