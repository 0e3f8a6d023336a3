//! User and token records (binary-protocol.md §5.1.4, §5.1.5, §5.4): UserHeader,
//! UserDetails, the GetUsers list, the token list and the raw token.

use bytes::{BufMut, Bytes, BytesMut};
use iggy_actors::bytes_io::ByteWriter;
use iggy_actors::metadata::{TokenInfo, UserInfo};

/// Fixed part of a UserHeader; the username follows.
const USER_HEADER_FIXED: usize = 14;

fn put_user_header(out: &mut BytesMut, u: &UserInfo) {
    out.put_u32_le(u.id);
    out.put_u64_le(u.created_at);
    out.put_u8(u.status as u8);
    out.put_str8(&u.username);
}

/// UserDetails: the header, then `1, u32 length, blob`, or four zero bytes for "no
/// permissions" (a response uses four bytes where a request uses one; §9 trap 11).
pub fn user_details(u: &UserInfo) -> Bytes {
    let mut out = BytesMut::with_capacity(USER_HEADER_FIXED + u.username.len() + 64);
    put_user_header(&mut out, u);
    match &u.permissions {
        Some(p) => {
            let mut blob = BytesMut::new();
            p.encode(&mut blob);
            out.put_u8(1);
            out.put_u32_le(blob.len() as u32);
            out.put_slice(&blob);
        }
        None => out.put_u32_le(0),
    }
    out.freeze()
}

/// GetUsers: UserHeaders back to back, without permissions.
pub fn users(list: &[UserInfo]) -> Bytes {
    let mut out = BytesMut::with_capacity(list.len() * (USER_HEADER_FIXED + 16));
    for u in list {
        put_user_header(&mut out, u);
    }
    out.freeze()
}

/// GetPersonalAccessTokens: `name8` + `expiry_at` (µs, 0 = never) per token.
pub fn tokens(list: &[TokenInfo]) -> Bytes {
    let mut out = BytesMut::with_capacity(list.len() * 40);
    for t in list {
        out.put_str8(&t.name);
        out.put_u64_le(t.expiry_at.unwrap_or(0));
    }
    out.freeze()
}

/// CreatePersonalAccessToken: the raw token as `name8`.
pub fn raw_token(token: &str) -> Bytes {
    let mut out = BytesMut::with_capacity(1 + token.len());
    out.put_str8(token);
    out.freeze()
}

#[cfg(test)]
mod tests {
    use super::*;
    use iggy_actors::permissions::{Permissions, StreamPermissions};
    use iggy_actors::users::UserStatus;
    use iggy_binary_protocol::responses::personal_access_tokens::create_personal_access_token::RawPersonalAccessTokenResponse;
    use iggy_binary_protocol::responses::personal_access_tokens::get_personal_access_tokens::GetPersonalAccessTokensResponse;
    use iggy_binary_protocol::responses::users::get_user::UserDetailsResponse;
    use iggy_binary_protocol::responses::users::user_response::UserResponse;
    use iggy_binary_protocol::WireDecode;

    fn user(permissions: Option<Permissions>) -> UserInfo {
        UserInfo {
            id: 3,
            created_at: 1_700_000_000_000_000,
            status: UserStatus::Inactive,
            username: "alice".into(),
            permissions,
        }
    }

    #[test]
    fn user_details_decode_with_the_sdk() {
        let none = user_details(&user(None));
        assert_eq!(none.len(), 14 + 5 + 4);
        assert_eq!(&none[none.len() - 4..], &[0, 0, 0, 0]);
        let (decoded, used) = UserDetailsResponse::decode(&none).unwrap();
        assert_eq!(used, none.len());
        assert_eq!(decoded.user.id, 3);
        assert_eq!(decoded.user.status, 2);
        assert_eq!(decoded.user.username.as_str(), "alice");
        assert!(decoded.permissions.is_none());

        let mut p = Permissions::root();
        p.streams.insert(7, StreamPermissions::default());
        let some = user_details(&user(Some(p)));
        let (decoded, used) = UserDetailsResponse::decode(&some).unwrap();
        assert_eq!(used, some.len());
        let wire = decoded.permissions.unwrap();
        assert!(wire.global.manage_servers);
        assert_eq!(wire.streams.len(), 1);
        assert_eq!(wire.streams[0].stream_id, 7);
    }

    #[test]
    fn lists_and_raw_token_decode_with_the_sdk() {
        let list = users(&[
            user(None),
            UserInfo {
                id: 4,
                ..user(None)
            },
        ]);
        let (first, used) = UserResponse::decode(&list).unwrap();
        let (second, _) = UserResponse::decode(&list[used..]).unwrap();
        assert_eq!((first.id, second.id), (3, 4));

        let tokens = tokens(&[
            TokenInfo {
                name: "a-token".into(),
                expiry_at: None,
            },
            TokenInfo {
                name: "b-token".into(),
                expiry_at: Some(42),
            },
        ]);
        let (decoded, _) = GetPersonalAccessTokensResponse::decode(&tokens).unwrap();
        assert_eq!(decoded.tokens.len(), 2);
        assert_eq!(decoded.tokens[0].expiry_at, 0);
        assert_eq!(decoded.tokens[1].expiry_at, 42);

        let raw = raw_token("dG9rZW4=");
        let (decoded, _) = RawPersonalAccessTokenResponse::decode(&raw).unwrap();
        assert_eq!(decoded.token.as_str(), "dG9rZW4=");
    }
}
