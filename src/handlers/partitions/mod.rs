pub mod create_partitions;
pub mod delete_partitions;
