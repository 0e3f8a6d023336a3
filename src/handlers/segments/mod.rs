pub mod delete_segments;
