//! DeletePersonalAccessToken (43): unknown name → 20.

use crate::context::{ServerContext, Session};
use bytes::Bytes;
use iggy_actors::metadata::DeletePersonalAccessToken;
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    name: String,
) -> Result<Bytes, IggyError> {
    let user_id = session.user()?;
    ctx.metadata
        .send(DeletePersonalAccessToken { user_id, name })
        .await??;
    Ok(Bytes::new())
}
