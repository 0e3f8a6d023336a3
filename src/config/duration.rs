//! Durations (`"30s"`, `"1 m"`, `"2 days 4 hours"`) and expiries (`"none"`, `"1 h"`).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A duration in humantime syntax. `"0"`, `"none"`, `"unlimited"` and `"disabled"` mean zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct IggyDuration(pub Duration);

impl IggyDuration {
    #[allow(dead_code)]
    pub const ZERO: IggyDuration = IggyDuration(Duration::ZERO);

    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }

    pub fn as_duration(&self) -> Duration {
        self.0
    }
}

/// Length of one unit in nanoseconds (humantime's definitions; a month is 30.44 days).
fn unit_nanos(unit: &str) -> Option<u128> {
    const S: u128 = 1_000_000_000;
    if unit == "M" {
        return Some(2_630_016 * S);
    }
    let n = match unit.to_ascii_lowercase().as_str() {
        "ns" | "nsec" | "nanos" | "nanosecond" | "nanoseconds" => 1,
        "us" | "µs" | "usec" | "micros" | "microsecond" | "microseconds" => 1_000,
        "ms" | "msec" | "millis" | "millisecond" | "milliseconds" => 1_000_000,
        "s" | "sec" | "secs" | "second" | "seconds" => S,
        "m" | "min" | "mins" | "minute" | "minutes" => 60 * S,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3_600 * S,
        "d" | "day" | "days" => 86_400 * S,
        "w" | "week" | "weeks" => 604_800 * S,
        "month" | "months" => 2_630_016 * S,
        "y" | "year" | "years" => 31_557_600 * S,
        _ => return None,
    };
    Some(n)
}

/// Parses a sequence of `<integer>[ ]<unit>` items separated by optional spaces.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let s = text.trim();
    match s.to_ascii_lowercase().as_str() {
        "0" | "none" | "unlimited" | "disabled" => return Ok(Duration::ZERO),
        "" => return Err("empty duration (expected e.g. \"30s\" or \"1 m\")".to_string()),
        _ => {}
    }
    let mut total: u128 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits_end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (digits, after) = rest.split_at(digits_end);
        if digits.is_empty() {
            return Err(format!(
                "'{text}' is not a duration (expected e.g. \"30s\", \"1 m\" or \"7 days\")"
            ));
        }
        let after = after.trim_start();
        let unit_end = after
            .find(|c: char| c.is_ascii_digit() || c.is_whitespace())
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_end);
        if unit.is_empty() {
            return Err(format!(
                "'{text}': the number {digits} has no unit (use e.g. s, m, h, days)"
            ));
        }
        let nanos = unit_nanos(unit)
            .ok_or_else(|| format!("'{text}' has an unknown time unit '{unit}'"))?;
        let value: u128 = digits
            .parse()
            .map_err(|_| format!("'{text}': number too large"))?;
        total = value
            .checked_mul(nanos)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("'{text}' is too long"))?;
        rest = next.trim_start();
    }
    let secs = u64::try_from(total / 1_000_000_000).map_err(|_| format!("'{text}' is too long"))?;
    Ok(Duration::new(secs, (total % 1_000_000_000) as u32))
}

impl FromStr for IggyDuration {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_duration(s).map(IggyDuration)
    }
}

impl fmt::Display for IggyDuration {
    /// Prints e.g. `"7days 1h 30m"`, `"100ms"` or `"0s"`; always re-parses to the same value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_zero() {
            return f.write_str("0s");
        }
        let secs = self.0.as_secs();
        let nanos = self.0.subsec_nanos();
        let parts = [
            (secs / 86_400, "days"),
            (secs / 3_600 % 24, "h"),
            (secs / 60 % 60, "m"),
            (secs % 60, "s"),
            (u64::from(nanos / 1_000_000), "ms"),
            (u64::from(nanos / 1_000 % 1_000), "us"),
            (u64::from(nanos % 1_000), "ns"),
        ];
        let mut first = true;
        for (value, unit) in parts {
            if value != 0 {
                if !first {
                    f.write_str(" ")?;
                }
                write!(f, "{value}{unit}")?;
                first = false;
            }
        }
        Ok(())
    }
}

impl Serialize for IggyDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IggyDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = IggyDuration;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration string with a unit, such as \"30s\", \"1 m\" or \"7 days\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<IggyDuration, E> {
                v.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// How long messages or tokens live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IggyExpiry {
    /// `"default"`/`"server_default"`: use the server's default (not allowed in the config itself).
    ServerDefault,
    /// `"none"`/`"unlimited"`/`"never_expire"`.
    NeverExpire,
    /// A duration of at most u32::MAX seconds.
    ExpireDuration(IggyDuration),
}

impl FromStr for IggyExpiry {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" | "unlimited" | "never_expire" => Ok(IggyExpiry::NeverExpire),
            "default" | "server_default" => Ok(IggyExpiry::ServerDefault),
            _ => {
                let d = parse_duration(s)
                    .map_err(|e| format!("{e}; or use \"none\" or \"server_default\""))?;
                if d.as_secs() > u64::from(u32::MAX) {
                    return Err(format!("'{s}' is longer than {} seconds", u32::MAX));
                }
                Ok(IggyExpiry::ExpireDuration(IggyDuration(d)))
            }
        }
    }
}

impl fmt::Display for IggyExpiry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IggyExpiry::ServerDefault => f.write_str("server_default"),
            IggyExpiry::NeverExpire => f.write_str("none"),
            IggyExpiry::ExpireDuration(d) => d.fmt(f),
        }
    }
}

impl Serialize for IggyExpiry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IggyExpiry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = IggyExpiry;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("\"none\", \"server_default\" or a duration such as \"1 h\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<IggyExpiry, E> {
                v.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_any(V)
    }
}
