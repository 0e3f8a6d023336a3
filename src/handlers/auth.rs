//! Authorization of commands that touch no stream or topic (stats, clients, users): the
//! same check the data plane makes, `RoutingTable::authorize`, against the shard's copy of
//! the users' status and permissions (refreshed once from the metadata actor when it
//! refuses, so a change just made applies at the next command).

use crate::context::{ServerContext, Session};
use crate::handlers::routing::with_table;
use iggy_actors::access::Action;
use iggy_actors::IggyError;

/// Ok (the user id) when the session's user may do `action`; `Unauthenticated` when the
/// session has no (longer a valid) user, `Unauthorized` when the permission is missing.
pub async fn require(
    ctx: &ServerContext,
    session: &Session,
    action: Action,
) -> Result<u32, IggyError> {
    let user_id = session.user()?;
    with_table(ctx, |table| table.authorize(user_id, action)).await?;
    Ok(user_id)
}
