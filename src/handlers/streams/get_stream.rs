//! GetStream (200): StreamDetails, or an empty payload when the stream does not exist.

use crate::context::{ServerContext, Session};
use crate::protocol::responses::streams;
use bytes::Bytes;
use iggy_actors::identifier::Identifier;
use iggy_actors::metadata::GetStream;
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    stream: Identifier,
) -> Result<Bytes, IggyError> {
    let user_id = session.user()?;
    let details = ctx.metadata.send(GetStream { user_id, stream }).await??;
    Ok(details
        .map(|d| streams::stream_details(&d))
        .unwrap_or_default())
}
