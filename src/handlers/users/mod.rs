pub mod login_user;
pub mod logout_user;
