//! `system.sharding.cpu_allocation`: how many shards run and on which CPUs.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Shard count and CPU affinity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CpuAllocation {
    /// `"all"`: one shard per available CPU.
    All,
    /// `4`, `"4"` or `"Count:4"`: that many shards on the first available CPUs.
    Count(usize),
    /// `"5..8"`: one shard per CPU from start to end (end exclusive).
    Range(usize, usize),
    /// `"numa:auto"`: every NUMA node, physical cores only.
    NumaAuto,
    /// `"numa:nodes=0,1;cores=4;no_ht=true"`.
    Numa {
        /// NUMA node ids; empty means all nodes.
        nodes: Vec<usize>,
        /// Cores used on each node; 0 means all of them.
        cores_per_node: usize,
        /// Skip hyper-thread siblings.
        no_ht: bool,
    },
}

const ALLOWED: &str =
    "allowed: \"all\", a count such as 4, a range such as \"5..8\", \"numa:auto\" or \"numa:nodes=0,1;cores=4;no_ht=true\"";

fn parse_number(text: &str, what: &str) -> Result<usize, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("'{text}' is not a valid {what} ({ALLOWED})"))
}

fn parse_numa(spec: &str) -> Result<CpuAllocation, String> {
    if spec.trim().eq_ignore_ascii_case("auto") {
        return Ok(CpuAllocation::NumaAuto);
    }
    let mut nodes = Vec::new();
    let mut cores_per_node = 0;
    let mut no_ht = true;
    for pair in spec.split(';') {
        let (key, value) = pair.split_once('=').ok_or_else(|| {
            format!("malformed NUMA setting '{pair}' (expected key=value; {ALLOWED})")
        })?;
        let value = value.trim();
        match key.trim().to_ascii_lowercase().as_str() {
            "nodes" => {
                nodes = value
                    .split(',')
                    .map(|n| parse_number(n, "NUMA node id"))
                    .collect::<Result<Vec<_>, _>>()?;
            }
            "cores" => cores_per_node = parse_number(value, "cores per NUMA node")?,
            "no_ht" => {
                no_ht = match value.to_ascii_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(format!("no_ht must be true or false, not '{value}'")),
                }
            }
            other => {
                return Err(format!(
                    "unknown NUMA setting '{other}' (allowed keys: nodes, cores, no_ht)"
                ))
            }
        }
    }
    Ok(CpuAllocation::Numa {
        nodes,
        cores_per_node,
        no_ht,
    })
}

impl FromStr for CpuAllocation {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim();
        let lower = text.to_ascii_lowercase();
        if lower == "all" {
            return Ok(CpuAllocation::All);
        }
        if let Some(rest) = lower.strip_prefix("numa:") {
            return parse_numa(rest);
        }
        if let Some(rest) = lower.strip_prefix("count:") {
            return parse_number(rest, "shard count").map(CpuAllocation::Count);
        }
        if let Some((start, end)) = text.split_once("..") {
            let start = parse_number(start, "range start")?;
            let end = parse_number(end, "range end")?;
            return Ok(CpuAllocation::Range(start, end));
        }
        if text.chars().all(|c| c.is_ascii_digit()) && !text.is_empty() {
            return parse_number(text, "shard count").map(CpuAllocation::Count);
        }
        Err(format!("'{s}' is not a CPU allocation ({ALLOWED})"))
    }
}

impl fmt::Display for CpuAllocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CpuAllocation::All => f.write_str("all"),
            CpuAllocation::Count(n) => write!(f, "{n}"),
            CpuAllocation::Range(a, b) => write!(f, "{a}..{b}"),
            CpuAllocation::NumaAuto => f.write_str("numa:auto"),
            CpuAllocation::Numa {
                nodes,
                cores_per_node,
                no_ht,
            } => {
                f.write_str("numa:")?;
                if !nodes.is_empty() {
                    let list: Vec<String> = nodes.iter().map(|n| n.to_string()).collect();
                    write!(f, "nodes={};", list.join(","))?;
                }
                write!(f, "cores={cores_per_node};no_ht={no_ht}")
            }
        }
    }
}

impl Serialize for CpuAllocation {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            CpuAllocation::Count(n) => serializer.serialize_u64(*n as u64),
            other => serializer.collect_str(other),
        }
    }
}

impl<'de> Deserialize<'de> for CpuAllocation {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = CpuAllocation;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "a CPU allocation ({ALLOWED})")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<CpuAllocation, E> {
                usize::try_from(v)
                    .map(CpuAllocation::Count)
                    .map_err(|_| E::custom(format!("shard count {v} is too large")))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<CpuAllocation, E> {
                usize::try_from(v)
                    .map(CpuAllocation::Count)
                    .map_err(|_| E::custom(format!("shard count cannot be negative ({v})")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<CpuAllocation, E> {
                v.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_any(V)
    }
}
