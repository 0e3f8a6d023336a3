//! GetMe (20): the calling session's own ClientDetails.

use crate::context::{ServerContext, Session};
use crate::protocol::responses;
use bytes::Bytes;
use iggy_actors::metadata::GetClient;
use iggy_actors::IggyError;

pub async fn handle(ctx: &ServerContext, session: &Session) -> Result<Bytes, IggyError> {
    let client_id = session.client_id;
    let me = ctx.metadata.send(GetClient { client_id }).await?;
    me.map(|c| responses::client_details(&c))
        .ok_or(IggyError::ClientNotFound)
}
