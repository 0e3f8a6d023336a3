//! Personal access tokens over the SDK (TCP): 41–44, their error codes, expiry and the
//! PatCleaner.

mod common;
mod user_support;

use common::{sdk_client, within, TestServer};
use iggy::prelude::{
    IggyDuration, IggyExpiry, PersonalAccessTokenClient, SystemClient, UserClient, UserStatus,
};
use std::str::FromStr;
use std::time::{Duration, Instant};
use user_support::{code, create_user, id, login};

/// How long an expiring-token test waits for the expiry or the cleaner.
const EXPIRY_DEADLINE: Duration = Duration::from_secs(15);

async fn token_login_code(server: &TestServer, token: &str) -> u32 {
    let client = sdk_client(server.endpoint()).await;
    code(
        "token login",
        within(client.login_with_personal_access_token(token)).await,
    )
}

fn lifetime(text: &str) -> IggyExpiry {
    IggyExpiry::ExpireDuration(IggyDuration::from_str(text).expect("duration"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_login_list_and_delete() {
    let server = TestServer::builder()
        .env("IGGY_PERSONAL_ACCESS_TOKEN_MAX_TOKENS_PER_USER", "2")
        .start();
    let root = login(&server, "iggy", "iggy").await;
    let raw = within(root.create_personal_access_token("ci-token", IggyExpiry::NeverExpire))
        .await
        .expect("create token");
    assert_eq!(raw.token.len(), 68, "base64 of 50 bytes");
    let listed = within(root.get_personal_access_tokens()).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name, "ci-token");
    assert!(listed[0].expiry_at.is_none());

    // Errors of create and delete.
    let dup = root.create_personal_access_token("ci-token", IggyExpiry::NeverExpire);
    assert_eq!(code("duplicate", within(dup).await), 51);
    let short = root.create_personal_access_token("ab", IggyExpiry::NeverExpire);
    assert_eq!(code("short name", within(short).await), 50);
    let long = "x".repeat(31);
    let long = root.create_personal_access_token(&long, IggyExpiry::NeverExpire);
    assert_eq!(code("long name", within(long).await), 50);
    within(root.create_personal_access_token("second", lifetime("1h")))
        .await
        .unwrap();
    let third = root.create_personal_access_token("third", IggyExpiry::NeverExpire);
    assert_eq!(code("limit", within(third).await), 52);
    let unknown = root.delete_personal_access_token("nope-token");
    assert_eq!(code("unknown name", within(unknown).await), 20);
    let listed = within(root.get_personal_access_tokens()).await.unwrap();
    let second = listed.iter().find(|t| t.name == "second").expect("second");
    assert!(second.expiry_at.is_some());

    // A fresh connection logs in with the token.
    let client = sdk_client(server.endpoint()).await;
    let identity = within(client.login_with_personal_access_token(&raw.token))
        .await
        .expect("token login");
    assert_eq!(identity.user_id, 0);
    let me = within(client.get_me()).await.unwrap();
    assert_eq!(me.user_id, Some(0));

    // Deleted tokens and unknown tokens are refused with 20.
    within(root.delete_personal_access_token("ci-token"))
        .await
        .unwrap();
    assert_eq!(token_login_code(&server, &raw.token).await, 20);
    assert_eq!(token_login_code(&server, "not-a-token").await, 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_belong_to_their_user() {
    let server = TestServer::start();
    let root = login(&server, "iggy", "iggy").await;
    let bob = create_user(&root, "bob", "secret1", None).await;
    let client = login(&server, "bob", "secret1").await;
    // No permission is needed for one's own tokens.
    let raw = within(client.create_personal_access_token("bob-token", IggyExpiry::NeverExpire))
        .await
        .expect("own token");
    let roots = within(root.get_personal_access_tokens()).await.unwrap();
    assert!(roots.is_empty(), "{roots:?}");
    let other = root.delete_personal_access_token("bob-token");
    assert_eq!(code("someone else's token", within(other).await), 20);
    let fresh = sdk_client(server.endpoint()).await;
    let identity = within(fresh.login_with_personal_access_token(&raw.token))
        .await
        .unwrap();
    assert_eq!(identity.user_id, bob);
    // An inactive owner cannot log in with a token.
    within(root.update_user(&id(bob), None, Some(UserStatus::Inactive)))
        .await
        .unwrap();
    assert_eq!(token_login_code(&server, &raw.token).await, 47);
    // Deleting the user deletes its tokens.
    within(root.delete_user(&id(bob))).await.unwrap();
    assert_eq!(token_login_code(&server, &raw.token).await, 20);
}

/// With the cleaner off, an expired token is still listed but its login answers 54.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_token_is_refused_before_the_cleaner_runs() {
    let server = TestServer::builder()
        .env("IGGY_PERSONAL_ACCESS_TOKEN_CLEANER_ENABLED", "false")
        .start();
    let root = login(&server, "iggy", "iggy").await;
    let raw = within(root.create_personal_access_token("short-lived", lifetime("1s")))
        .await
        .unwrap();
    let client = sdk_client(server.endpoint()).await;
    within(client.login_with_personal_access_token(&raw.token))
        .await
        .expect("login before expiry");
    let deadline = Instant::now() + EXPIRY_DEADLINE;
    loop {
        let status = token_login_code_or_ok(&server, &raw.token).await;
        if status == 54 {
            break;
        }
        assert_eq!(status, 0, "unexpected token login status");
        assert!(Instant::now() < deadline, "token never expired");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let listed = within(root.get_personal_access_tokens()).await.unwrap();
    assert_eq!(listed.len(), 1, "not cleaned while the cleaner is off");
}

async fn token_login_code_or_ok(server: &TestServer, token: &str) -> u32 {
    let client = sdk_client(server.endpoint()).await;
    match within(client.login_with_personal_access_token(token)).await {
        Ok(_) => 0,
        Err(e) => e.as_code(),
    }
}

/// The cleaner (every second here) deletes expired tokens; unexpired ones stay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cleaner_removes_expired_tokens() {
    let server = TestServer::builder()
        .env("IGGY_PERSONAL_ACCESS_TOKEN_CLEANER_INTERVAL", "1s")
        .start();
    let root = login(&server, "iggy", "iggy").await;
    within(root.create_personal_access_token("short-lived", lifetime("1s")))
        .await
        .unwrap();
    within(root.create_personal_access_token("long-lived", lifetime("1h")))
        .await
        .unwrap();
    let deadline = Instant::now() + EXPIRY_DEADLINE;
    loop {
        let listed = within(root.get_personal_access_tokens()).await.unwrap();
        let names: Vec<_> = listed.iter().map(|t| t.name.as_str()).collect();
        if names == ["long-lived"] {
            break;
        }
        assert!(Instant::now() < deadline, "not cleaned: {names:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
