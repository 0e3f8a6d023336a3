pub mod create_consumer_group;
pub mod delete_consumer_group;
pub mod get_consumer_group;
pub mod get_consumer_groups;
pub mod join_consumer_group;
pub mod leave_consumer_group;
