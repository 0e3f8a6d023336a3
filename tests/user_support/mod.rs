//! Helpers of the user, permission and token suites: logins, user creation, error codes.
#![allow(dead_code)]

use crate::common::{sdk_client, within, TestServer};
use iggy::prelude::{
    GlobalPermissions, Identifier, IggyClient, IggyError, Permissions, UserClient, UserStatus,
};

/// The wire code of an SDK error; panics (naming `what`) on success.
pub fn code<T: std::fmt::Debug>(what: &str, result: Result<T, IggyError>) -> u32 {
    match result {
        Ok(value) => panic!("{what}: expected an error, got {value:?}"),
        Err(e) => e.as_code(),
    }
}

/// A fresh SDK client logged in as `username`.
pub async fn login(server: &TestServer, username: &str, password: &str) -> IggyClient {
    let client = sdk_client(server.endpoint()).await;
    within(client.login_user(username, password))
        .await
        .unwrap_or_else(|e| panic!("login as {username}: {e}"));
    client
}

/// Creates an active user; answers its id.
pub async fn create_user(
    root: &IggyClient,
    username: &str,
    password: &str,
    permissions: Option<Permissions>,
) -> u32 {
    within(root.create_user(username, password, UserStatus::Active, permissions))
        .await
        .unwrap_or_else(|e| panic!("create user {username}: {e}"))
        .id
}

/// Global permissions with nothing set.
pub fn no_global() -> GlobalPermissions {
    GlobalPermissions::default()
}

pub fn id(n: u32) -> Identifier {
    Identifier::numeric(n).expect("numeric identifier")
}

pub fn name(s: &str) -> Identifier {
    Identifier::named(s).expect("named identifier")
}
