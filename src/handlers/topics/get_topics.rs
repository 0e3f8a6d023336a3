//! GetTopics (301): the stream's topic headers, ascending id; empty payload when the stream
//! does not exist.

use crate::context::{ServerContext, Session};
use crate::protocol::responses::topics;
use bytes::Bytes;
use iggy_actors::identifier::Identifier;
use iggy_actors::metadata::GetTopics;
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    stream: Identifier,
) -> Result<Bytes, IggyError> {
    let user_id = session.user()?;
    let list = ctx.metadata.send(GetTopics { user_id, stream }).await??;
    Ok(list.map(|l| topics::topics(&l)).unwrap_or_default())
}
