//! GetStreams (201): every stream's header, ascending id.

use crate::context::{ServerContext, Session};
use crate::protocol::responses::streams;
use bytes::Bytes;
use iggy_actors::metadata::GetStreams;
use iggy_actors::IggyError;

pub async fn handle(ctx: &ServerContext, session: &Session) -> Result<Bytes, IggyError> {
    let user_id = session.user()?;
    let list = ctx.metadata.send(GetStreams { user_id }).await??;
    Ok(streams::streams(&list))
}
