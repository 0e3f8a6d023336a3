//! DeleteStream (203): removes the stream with everything under it.

use crate::context::{ServerContext, Session};
use bytes::Bytes;
use iggy_actors::identifier::Identifier;
use iggy_actors::metadata::DeleteStream;
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    stream: Identifier,
) -> Result<Bytes, IggyError> {
    let user_id = session.user()?;
    let message = DeleteStream {
        user_id,
        stream: stream.clone(),
    };
    ctx.metadata.send(message).await??;
    log::debug!(
        "client {}: user {user_id} deleted stream {stream}",
        session.client_id
    );
    Ok(Bytes::new())
}
