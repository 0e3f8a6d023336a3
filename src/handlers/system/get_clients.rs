//! GetClients (22): every connected client, logged in or not.

use crate::context::{ServerContext, Session};
use crate::handlers::auth::require;
use crate::protocol::responses;
use bytes::Bytes;
use iggy_actors::access::Action;
use iggy_actors::metadata::GetClients;
use iggy_actors::IggyError;

pub async fn handle(ctx: &ServerContext, session: &Session) -> Result<Bytes, IggyError> {
    require(ctx, session, Action::ReadServers).await?;
    let clients = ctx.metadata.send(GetClients).await?;
    Ok(responses::clients(&clients))
}
