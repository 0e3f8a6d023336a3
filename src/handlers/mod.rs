//! Command handlers: one small file per command, grouped by domain, and one dispatch
//! table. Each handler checks authorization, sends typed messages to the engine and
//! encodes the answer. Every transport calls `handle`.

pub(crate) mod auth;
mod consumer_groups;
pub(crate) mod consumer_offsets;
pub(crate) mod messages;
mod partitions;
pub(crate) mod personal_access_tokens;
mod routing;
mod segments;
mod streams;
pub(crate) mod system;
mod topics;
pub(crate) mod users;

use crate::context::{ServerContext, Session};
use crate::protocol::frame::Response;
use crate::protocol::requests::{self, Command};
use bytes::{Bytes, BytesMut};
use iggy_actors::partition::messages::Chunk;
use iggy_actors::IggyError;

/// What the connection does after a command.
#[derive(Debug)]
pub struct Reply {
    pub response: Response,
    /// `Some(user)` when the command changed the session's user (login, logout).
    pub new_user: Option<Option<u32>>,
}

impl Reply {
    fn of(result: Result<Bytes, IggyError>) -> Self {
        let response = match result {
            Ok(payload) => Response::Ok(payload),
            Err(e) => Response::Error(e),
        };
        Reply {
            response,
            new_user: None,
        }
    }

    /// A success answered as chunks written back to back (the poll answer).
    fn chunks(result: Result<Vec<Chunk>, IggyError>) -> Self {
        let response = match result {
            Ok(chunks) => Response::Chunks(chunks),
            Err(e) => Response::Error(e),
        };
        Reply {
            response,
            new_user: None,
        }
    }
}

impl crate::telemetry::Outcome for Reply {
    fn error(&self) -> Option<IggyError> {
        match self.response {
            Response::Error(e) => Some(e),
            _ => None,
        }
    }

    fn new_user(&self) -> Option<Option<u32>> {
        self.new_user
    }
}

/// Decodes and serves one request; the payload is the frame's own buffer.
pub async fn handle(ctx: &ServerContext, session: &Session, code: u32, payload: BytesMut) -> Reply {
    let command = match requests::decode_frame(code, payload) {
        Ok(command) => command,
        Err(e) => {
            log::debug!("client {}: command {code} rejected: {e}", session.client_id);
            return Reply::of(Err(e));
        }
    };
    if session.user_id.is_none() && !command.allowed_before_login() {
        return Reply::of(Err(IggyError::Unauthenticated));
    }
    match command {
        Command::Ping => {
            let client_id = session.client_id;
            ctx.metadata
                .do_send(iggy_actors::metadata::Heartbeat { client_id });
            Reply::of(Ok(Bytes::new()))
        }
        Command::GetStats => Reply::of(system::get_stats::handle(ctx, session).await),
        Command::GetClusterMetadata => Reply::of(system::get_cluster_metadata::handle(ctx)),
        Command::GetMe => Reply::of(system::get_me::handle(ctx, session).await),
        Command::GetClient { client_id } => {
            Reply::of(system::get_client::handle(ctx, session, client_id).await)
        }
        Command::GetClients => Reply::of(system::get_clients::handle(ctx, session).await),
        Command::GetSnapshot { deflate, types } => {
            Reply::of(system::get_snapshot::handle(ctx, deflate, types).await)
        }
        Command::LoginUser { username, password } => {
            match users::login_user::handle(ctx, session, username, password).await {
                Ok(user_id) => Reply {
                    response: Response::Ok(crate::protocol::responses::user_id(user_id)),
                    new_user: Some(Some(user_id)),
                },
                Err(e) => Reply::of(Err(e)),
            }
        }
        Command::LogoutUser => match users::logout_user::handle(ctx, session).await {
            Ok(()) => Reply {
                response: Response::empty(),
                new_user: Some(None),
            },
            Err(e) => Reply::of(Err(e)),
        },
        Command::GetUser { user } => Reply::of(users::get_user::handle(ctx, session, user).await),
        Command::GetUsers => Reply::of(users::get_users::handle(ctx, session).await),
        Command::CreateUser {
            username,
            password,
            status,
            permissions,
        } => Reply::of(
            users::create_user::handle(ctx, session, username, password, status, permissions).await,
        ),
        Command::DeleteUser { user } => {
            Reply::of(users::delete_user::handle(ctx, session, user).await)
        }
        Command::UpdateUser {
            user,
            username,
            status,
        } => Reply::of(users::update_user::handle(ctx, session, user, username, status).await),
        Command::UpdatePermissions { user, permissions } => {
            Reply::of(users::update_permissions::handle(ctx, session, user, permissions).await)
        }
        Command::ChangePassword {
            user,
            current_password,
            new_password,
        } => Reply::of(
            users::change_password::handle(ctx, session, user, current_password, new_password)
                .await,
        ),
        Command::GetPersonalAccessTokens => Reply::of(
            personal_access_tokens::get_personal_access_tokens::handle(ctx, session).await,
        ),
        Command::CreatePersonalAccessToken { name, expiry } => Reply::of(
            personal_access_tokens::create_personal_access_token::handle(
                ctx, session, name, expiry,
            )
            .await,
        ),
        Command::DeletePersonalAccessToken { name } => Reply::of(
            personal_access_tokens::delete_personal_access_token::handle(ctx, session, name).await,
        ),
        Command::LoginWithPersonalAccessToken { token } => {
            let login = personal_access_tokens::login_with_personal_access_token::handle;
            match login(ctx, session, token).await {
                Ok(user_id) => Reply {
                    response: Response::Ok(crate::protocol::responses::user_id(user_id)),
                    new_user: Some(Some(user_id)),
                },
                Err(e) => Reply::of(Err(e)),
            }
        }
        Command::GetStream { stream } => {
            Reply::of(streams::get_stream::handle(ctx, session, stream).await)
        }
        Command::GetStreams => Reply::of(streams::get_streams::handle(ctx, session).await),
        Command::CreateStream { name } => {
            Reply::of(streams::create_stream::handle(ctx, session, name).await)
        }
        Command::DeleteStream { stream } => {
            Reply::of(streams::delete_stream::handle(ctx, session, stream).await)
        }
        Command::UpdateStream { stream, name } => {
            Reply::of(streams::update_stream::handle(ctx, session, stream, name).await)
        }
        Command::PurgeStream { stream } => {
            Reply::of(streams::purge_stream::handle(ctx, session, stream).await)
        }
        Command::GetTopic { stream, topic } => {
            Reply::of(topics::get_topic::handle(ctx, session, stream, topic).await)
        }
        Command::GetTopics { stream } => {
            Reply::of(topics::get_topics::handle(ctx, session, stream).await)
        }
        Command::CreateTopic {
            stream,
            name,
            partitions_count,
            settings,
        } => Reply::of(
            topics::create_topic::handle(ctx, session, stream, name, partitions_count, settings)
                .await,
        ),
        Command::DeleteTopic { stream, topic } => {
            Reply::of(topics::delete_topic::handle(ctx, session, stream, topic).await)
        }
        Command::UpdateTopic {
            stream,
            topic,
            name,
            settings,
        } => Reply::of(
            topics::update_topic::handle(ctx, session, stream, topic, name, settings).await,
        ),
        Command::PurgeTopic { stream, topic } => {
            Reply::of(topics::purge_topic::handle(ctx, session, stream, topic).await)
        }
        Command::CreatePartitions {
            stream,
            topic,
            count,
        } => Reply::of(
            partitions::create_partitions::handle(ctx, session, stream, topic, count).await,
        ),
        Command::DeletePartitions {
            stream,
            topic,
            count,
        } => Reply::of(
            partitions::delete_partitions::handle(ctx, session, stream, topic, count).await,
        ),
        Command::DeleteSegments {
            stream,
            topic,
            partition_id,
            count,
        } => Reply::of(
            segments::delete_segments::handle(ctx, session, stream, topic, partition_id, count)
                .await,
        ),
        Command::PollMessages(request) => {
            Reply::chunks(messages::poll_messages::handle(ctx, session, request).await)
        }
        Command::SendMessages(request) => {
            Reply::of(messages::send_messages::handle(ctx, session, request).await)
        }
        Command::FlushUnsavedBuffer {
            stream,
            topic,
            partition_id,
            fsync,
        } => Reply::of(
            messages::flush_unsaved_buffer::handle(
                ctx,
                session,
                stream,
                topic,
                partition_id,
                fsync,
            )
            .await,
        ),
        Command::GetConsumerOffset(target) => {
            Reply::of(consumer_offsets::get_consumer_offset::handle(ctx, session, target).await)
        }
        Command::StoreConsumerOffset { target, offset } => Reply::of(
            consumer_offsets::store_consumer_offset::handle(ctx, session, target, offset).await,
        ),
        Command::DeleteConsumerOffset(target) => {
            Reply::of(consumer_offsets::delete_consumer_offset::handle(ctx, session, target).await)
        }
        Command::GetConsumerGroup(target) => {
            Reply::of(consumer_groups::get_consumer_group::handle(ctx, session, target).await)
        }
        Command::GetConsumerGroups { stream, topic } => Reply::of(
            consumer_groups::get_consumer_groups::handle(ctx, session, stream, topic).await,
        ),
        Command::CreateConsumerGroup {
            stream,
            topic,
            name,
        } => Reply::of(
            consumer_groups::create_consumer_group::handle(ctx, session, stream, topic, name).await,
        ),
        Command::DeleteConsumerGroup(target) => {
            Reply::of(consumer_groups::delete_consumer_group::handle(ctx, session, target).await)
        }
        Command::JoinConsumerGroup(target) => {
            Reply::of(consumer_groups::join_consumer_group::handle(ctx, session, target).await)
        }
        Command::LeaveConsumerGroup(target) => {
            Reply::of(consumer_groups::leave_consumer_group::handle(ctx, session, target).await)
        }
        Command::Unsupported { code } => {
            log::debug!(
                "client {}: command {code} ({}) is not served by this server yet",
                session.client_id,
                crate::protocol::codes::name(code).unwrap_or("?")
            );
            Reply::of(Err(IggyError::FeatureUnavailable))
        }
    }
}
