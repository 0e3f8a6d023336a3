//! Small enumerated option values: index caching, compression, telemetry transport.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `system.segment.cache_indexes`: which segments keep their indexes in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CacheIndexes {
    /// `"all"` or `true`: every segment.
    All,
    /// `"open_segment"`: only the segment being written.
    #[default]
    OpenSegment,
    /// `"none"` or `false`: indexes are always read from disk.
    None,
}

impl FromStr for CacheIndexes {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "all" | "true" => Ok(CacheIndexes::All),
            "open_segment" => Ok(CacheIndexes::OpenSegment),
            "none" | "false" => Ok(CacheIndexes::None),
            _ => Err(format!(
                "'{s}' is not an index caching mode (allowed: \"all\", \"open_segment\", \"none\", true, false)"
            )),
        }
    }
}

impl fmt::Display for CacheIndexes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CacheIndexes::All => "all",
            CacheIndexes::OpenSegment => "open_segment",
            CacheIndexes::None => "none",
        })
    }
}

impl Serialize for CacheIndexes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CacheIndexes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = CacheIndexes;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("\"all\", \"open_segment\", \"none\" or a boolean")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<CacheIndexes, E> {
                Ok(if v {
                    CacheIndexes::All
                } else {
                    CacheIndexes::None
                })
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<CacheIndexes, E> {
                v.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// Declares a string-valued enum with case-insensitive parsing and lower-case output.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub fn as_str(&self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s.trim().to_ascii_lowercase().as_str() {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!(
                        concat!("'{}' is not a valid ", $what, " (allowed: {})"),
                        s,
                        [$(concat!("\"", $text, "\"")),+].join(", ")
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(de::Error::custom)
            }
        }
    };
}

string_enum!(
    /// `system.compression.default_algorithm`.
    CompressionAlgorithm, "compression algorithm", { None => "none", Gzip => "gzip" }
);

string_enum!(
    /// `telemetry.{logs,traces}.transport`.
    TelemetryTransport, "telemetry transport", { Grpc => "grpc", Http => "http" }
);
