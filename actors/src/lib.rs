pub fn placeholder() {}

pub mod supervisors;
pub mod system_info;
