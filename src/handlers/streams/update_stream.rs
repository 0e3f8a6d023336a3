//! UpdateStream (204): renames a stream.

use crate::context::{ServerContext, Session};
use bytes::Bytes;
use iggy_actors::identifier::Identifier;
use iggy_actors::metadata::UpdateStream;
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    stream: Identifier,
    name: String,
) -> Result<Bytes, IggyError> {
    let user_id = session.user()?;
    let message = UpdateStream {
        user_id,
        stream: stream.clone(),
        name: name.clone(),
    };
    ctx.metadata.send(message).await??;
    log::debug!(
        "client {}: user {user_id} renamed stream {stream} to '{name}'",
        session.client_id
    );
    Ok(Bytes::new())
}
