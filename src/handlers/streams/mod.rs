pub mod create_stream;
pub mod delete_stream;
pub mod get_stream;
pub mod get_streams;
pub mod purge_stream;
pub mod update_stream;
