//! CreateStream (202): answers the new stream's header.

use crate::context::{ServerContext, Session};
use crate::protocol::responses::streams;
use bytes::Bytes;
use iggy_actors::metadata::CreateStream;
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    name: String,
) -> Result<Bytes, IggyError> {
    let user_id = session.user()?;
    let stream = ctx.metadata.send(CreateStream { user_id, name }).await??;
    log::debug!(
        "client {}: user {user_id} created stream {} '{}'",
        session.client_id,
        stream.id,
        stream.name
    );
    Ok(streams::stream_header(&stream))
}
