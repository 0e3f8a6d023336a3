//! GetClient (21): one client's details, or an empty payload when it is not connected.

use crate::context::{ServerContext, Session};
use crate::handlers::auth::require;
use crate::protocol::responses;
use bytes::Bytes;
use iggy_actors::access::Action;
use iggy_actors::metadata::GetClient;
use iggy_actors::IggyError;

pub async fn handle(
    ctx: &ServerContext,
    session: &Session,
    client_id: u32,
) -> Result<Bytes, IggyError> {
    if client_id == 0 {
        return Err(IggyError::InvalidClientId);
    }
    require(ctx, session, Action::ReadServers).await?;
    let client = ctx.metadata.send(GetClient { client_id }).await?;
    Ok(client
        .map(|c| responses::client_details(&c))
        .unwrap_or_default())
}
