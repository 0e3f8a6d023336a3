//! LogoutUser (39): the connection stays open and becomes unauthenticated.

use crate::context::{ServerContext, Session};
use iggy_actors::metadata::SetClientUser;
use iggy_actors::IggyError;

pub async fn handle(ctx: &ServerContext, session: &Session) -> Result<(), IggyError> {
    let client_id = session.client_id;
    ctx.metadata
        .send(SetClientUser {
            client_id,
            user_id: None,
        })
        .await??;
    log::info!("client {client_id} logged out");
    Ok(())
}
