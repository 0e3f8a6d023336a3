pub mod flush_unsaved_buffer;
pub mod poll_messages;
pub mod send_messages;
