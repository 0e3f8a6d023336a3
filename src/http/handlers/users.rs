//! `/users…` and `/personal-access-tokens…`: logins issue JWTs; logout and refresh revoke
//! them through the engine (`RevokeAccessToken`).

use super::{no_content, Answer};
use crate::handlers::personal_access_tokens::create_personal_access_token;
use crate::handlers::users::{change_password, create_user, login_user};
use crate::http::auth::Caller;
use crate::http::error::HttpError;
use crate::http::json::{AccessToken, IdentityInfo, RawToken, Token, User, UserWithPermissions};
use crate::http::requests::{self, identifier};
use crate::http::HttpState;
use actix_web::{web, HttpRequest, HttpResponse};
use iggy_actors::metadata::{
    hash_token, DeletePersonalAccessToken, DeleteUser, GetPersonalAccessTokens, GetUser, GetUsers,
    LoginWithPersonalAccessToken, RevokeAccessToken, UpdatePermissions, UpdateUser,
};
use iggy_actors::IggyError;

fn identity(state: &HttpState, user_id: u32) -> Answer {
    crate::telemetry::record_user(user_id);
    let (token, expiry) = state.jwt.issue(user_id)?;
    Ok(HttpResponse::Ok().json(IdentityInfo {
        user_id,
        access_token: AccessToken { token, expiry },
    }))
}

pub async fn login(
    state: web::Data<HttpState>,
    req: HttpRequest,
    body: web::Json<requests::Login>,
) -> Answer {
    let body = body.into_inner();
    let who = format!("HTTP caller {}", peer(&req));
    let user_id = login_user::authenticate(&state.ctx, &who, body.username, body.password).await?;
    log::info!("{who} logged in as user {user_id}");
    identity(&state, user_id)
}

fn peer(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.to_string())
        .unwrap_or_else(|| "?".into())
}

pub async fn login_with_token(
    state: web::Data<HttpState>,
    body: web::Json<requests::Token>,
) -> Answer {
    if state.ctx.is_shutting_down() {
        return Err(IggyError::Disconnected.into());
    }
    let login = LoginWithPersonalAccessToken {
        client_id: None,
        token_hash: hash_token(&body.token),
    };
    let user_id = state.ctx.metadata.send(login).await??;
    identity(&state, user_id)
}

/// A token is refreshed once: its id is revoked and a new token issued.
pub async fn refresh(state: web::Data<HttpState>, body: web::Json<requests::Token>) -> Answer {
    let verified = state.jwt.verify(&body.token)?;
    let revoke = RevokeAccessToken {
        jti: verified.jti,
        expiry: verified.expiry,
    };
    if !state.ctx.metadata.send(revoke).await?? {
        return Err(IggyError::InvalidAccessToken.into());
    }
    identity(&state, verified.user_id)
}

pub async fn logout(state: web::Data<HttpState>, caller: Caller) -> Answer {
    let revoke = RevokeAccessToken {
        jti: caller.jti,
        expiry: caller.expiry,
    };
    state.ctx.metadata.send(revoke).await??;
    log::info!(
        "HTTP caller {} (user {}) logged out",
        caller.peer,
        caller.user_id
    );
    no_content()
}

pub async fn get_users(state: web::Data<HttpState>, caller: Caller) -> Answer {
    let user_id = caller.user_id;
    let users = state.ctx.metadata.send(GetUsers { user_id }).await??;
    let list: Vec<User> = users.iter().map(User::from).collect();
    Ok(HttpResponse::Ok().json(list))
}

pub async fn get_user(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<String>,
) -> Answer {
    let get = GetUser {
        user_id: caller.user_id,
        target: identifier(&path)?,
    };
    let user = state.ctx.metadata.send(get).await??;
    let user = user.ok_or(HttpError::NotFound)?;
    Ok(HttpResponse::Ok().json(UserWithPermissions::from(&user)))
}

pub async fn create_user(
    state: web::Data<HttpState>,
    caller: Caller,
    body: web::Json<requests::CreateUser>,
) -> Answer {
    let body = body.into_inner();
    let created = create_user::create(
        &state.ctx,
        &caller.session(),
        body.username,
        body.password,
        body.status,
        body.permissions.map(Into::into),
    )
    .await?;
    Ok(HttpResponse::Ok().json(UserWithPermissions::from(&created)))
}

pub async fn update_user(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<requests::UpdateUser>,
) -> Answer {
    let body = body.into_inner();
    let update = UpdateUser {
        user_id: caller.user_id,
        target: identifier(&path)?,
        username: body.username,
        status: body.status,
    };
    state.ctx.metadata.send(update).await??;
    no_content()
}

pub async fn delete_user(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<String>,
) -> Answer {
    let delete = DeleteUser {
        user_id: caller.user_id,
        target: identifier(&path)?,
    };
    state.ctx.metadata.send(delete).await??;
    no_content()
}

pub async fn update_permissions(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<requests::UpdatePermissions>,
) -> Answer {
    let update = UpdatePermissions {
        user_id: caller.user_id,
        target: identifier(&path)?,
        permissions: body.into_inner().permissions.map(Into::into),
    };
    state.ctx.metadata.send(update).await??;
    no_content()
}

pub async fn change_password(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<requests::ChangePassword>,
) -> Answer {
    let body = body.into_inner();
    let who = format!("HTTP caller {}", caller.peer);
    change_password::change(
        &state.ctx,
        &who,
        caller.user_id,
        identifier(&path)?,
        body.current_password,
        body.new_password,
    )
    .await?;
    no_content()
}

pub async fn get_tokens(state: web::Data<HttpState>, caller: Caller) -> Answer {
    let get = GetPersonalAccessTokens {
        user_id: caller.user_id,
    };
    let tokens = state.ctx.metadata.send(get).await??;
    let list: Vec<Token> = tokens.iter().map(Token::from).collect();
    Ok(HttpResponse::Ok().json(list))
}

pub async fn create_token(
    state: web::Data<HttpState>,
    caller: Caller,
    body: web::Json<requests::CreateToken>,
) -> Answer {
    let body = body.into_inner();
    let token =
        create_personal_access_token::create(&state.ctx, caller.user_id, body.name, body.expiry)
            .await?;
    Ok(HttpResponse::Ok().json(RawToken { token }))
}

pub async fn delete_token(
    state: web::Data<HttpState>,
    caller: Caller,
    path: web::Path<String>,
) -> Answer {
    let delete = DeletePersonalAccessToken {
        user_id: caller.user_id,
        name: path.into_inner(),
    };
    state.ctx.metadata.send(delete).await??;
    no_content()
}
