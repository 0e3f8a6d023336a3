//! Identifiers of streams, topics, users and consumer groups: a numeric id or a name.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Identifier {
    Numeric(u32),
    Name(String),
}

impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Identifier::Numeric(id) => write!(f, "#{id}"),
            Identifier::Name(name) => write!(f, "'{name}'"),
        }
    }
}
