//! Byte sizes (`"2 MB"`, `"1 GiB"`, `512`) and the topic size limit.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A number of bytes, written in the config as `"100 KB"`, `"1 GiB"`, `"512B"` or a
/// bare integer. KB/MB/GB/TB/PB are powers of 1000, KiB/MiB/GiB/TiB/PiB powers of 1024.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ByteSize(pub u64);

const KIB: u64 = 1024;
const MIB: u64 = KIB * 1024;
const GIB: u64 = MIB * 1024;

/// Units used when printing, largest first; the first one dividing the value exactly wins.
const DISPLAY_UNITS: [(&str, u64); 10] = [
    ("PiB", GIB * MIB),
    ("PB", 1_000_000_000_000_000),
    ("TiB", GIB * KIB),
    ("TB", 1_000_000_000_000),
    ("GiB", GIB),
    ("GB", 1_000_000_000),
    ("MiB", MIB),
    ("MB", 1_000_000),
    ("KiB", KIB),
    ("KB", 1_000),
];

impl ByteSize {
    pub const fn as_bytes(&self) -> u64 {
        self.0
    }
}

fn unit_multiplier(unit: &str) -> Option<u64> {
    let m = match unit.to_ascii_lowercase().as_str() {
        "" | "b" | "byte" | "bytes" => 1,
        "k" | "kb" => 1_000,
        "m" | "mb" => 1_000_000,
        "g" | "gb" => 1_000_000_000,
        "t" | "tb" => 1_000_000_000_000,
        "p" | "pb" => 1_000_000_000_000_000,
        "ki" | "kib" => KIB,
        "mi" | "mib" => MIB,
        "gi" | "gib" => GIB,
        "ti" | "tib" => GIB * KIB,
        "pi" | "pib" => GIB * MIB,
        _ => return None,
    };
    Some(m)
}

/// Parses `"<number>[ ]<unit>"`; the number may have a decimal part.
pub(crate) fn parse_byte_size(text: &str) -> Result<u64, String> {
    let s = text.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let number = number.replace('_', "");
    let unit = unit.trim();
    if number.is_empty() {
        return Err(format!(
            "'{text}' is not a size (expected e.g. \"100 KB\" or \"1 GiB\")"
        ));
    }
    let multiplier = unit_multiplier(unit).ok_or_else(|| {
        format!("'{text}' has an unknown size unit '{unit}' (use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB)")
    })?;
    if let Ok(whole) = number.parse::<u64>() {
        return whole
            .checked_mul(multiplier)
            .ok_or_else(|| format!("'{text}' is too large"));
    }
    let value: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a size (bad number '{number}')"))?;
    let bytes = (value * multiplier as f64).round();
    if !bytes.is_finite() || bytes < 0.0 || bytes >= u64::MAX as f64 {
        return Err(format!("'{text}' is out of range"));
    }
    Ok(bytes as u64)
}

impl FromStr for ByteSize {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_byte_size(s).map(ByteSize)
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 != 0 {
            for (unit, size) in DISPLAY_UNITS {
                if self.0.is_multiple_of(size) {
                    return write!(f, "{} {unit}", self.0 / size);
                }
            }
        }
        write!(f, "{} B", self.0)
    }
}

impl Serialize for ByteSize {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

struct ByteSizeVisitor;

impl Visitor<'_> for ByteSizeVisitor {
    type Value = ByteSize;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a size such as \"100 KB\", \"1 GiB\" or an integer number of bytes")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<ByteSize, E> {
        v.parse().map_err(E::custom)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<ByteSize, E> {
        Ok(ByteSize(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<ByteSize, E> {
        u64::try_from(v)
            .map(ByteSize)
            .map_err(|_| E::custom(format!("a size cannot be negative ({v})")))
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ByteSizeVisitor)
    }
}

/// Default maximum size of a topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxTopicSize {
    /// `"0"` or `"server_default"`: take the server's default (not allowed in the config itself).
    ServerDefault,
    /// `"unlimited"`: never delete segments because of size.
    Unlimited,
    /// A byte limit.
    Custom(u64),
}

impl MaxTopicSize {
    fn from_bytes(bytes: u64) -> Self {
        match bytes {
            0 => MaxTopicSize::ServerDefault,
            u64::MAX => MaxTopicSize::Unlimited,
            n => MaxTopicSize::Custom(n),
        }
    }
}

impl FromStr for MaxTopicSize {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "unlimited" => Ok(MaxTopicSize::Unlimited),
            "server_default" | "default" => Ok(MaxTopicSize::ServerDefault),
            _ => parse_byte_size(s)
                .map(Self::from_bytes)
                .map_err(|e| format!("{e}; or use \"unlimited\" or \"server_default\"")),
        }
    }
}

impl fmt::Display for MaxTopicSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MaxTopicSize::ServerDefault => f.write_str("server_default"),
            MaxTopicSize::Unlimited => f.write_str("unlimited"),
            MaxTopicSize::Custom(n) => ByteSize(*n).fmt(f),
        }
    }
}

impl Serialize for MaxTopicSize {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MaxTopicSize {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = MaxTopicSize;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("\"unlimited\", \"server_default\" or a size such as \"10 GiB\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<MaxTopicSize, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<MaxTopicSize, E> {
                Ok(MaxTopicSize::from_bytes(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<MaxTopicSize, E> {
                u64::try_from(v)
                    .map(MaxTopicSize::from_bytes)
                    .map_err(|_| E::custom(format!("a size cannot be negative ({v})")))
            }
        }
        deserializer.deserialize_any(V)
    }
}
