//! Turning `system.sharding.cpu_allocation` into one CPU id per shard.

use std::path::Path;

use super::{ConfigError, CpuAllocation};

const KEY: &str = "system.sharding.cpu_allocation";
const SYS_ROOT: &str = "/sys/devices/system";

/// `allowed` = the CPU ids this process may run on. Returns the CPU of each shard and
/// warnings (e.g. NUMA requested on a machine without NUMA information).
pub fn resolve_cores(
    alloc: &CpuAllocation,
    allowed: &[usize],
) -> Result<(Vec<usize>, Vec<String>), ConfigError> {
    resolve_cores_in(alloc, allowed, Path::new(SYS_ROOT))
}

/// As [`resolve_cores`], reading NUMA topology below `sys_root` (`node/`, `cpu/`).
pub(crate) fn resolve_cores_in(
    alloc: &CpuAllocation,
    allowed: &[usize],
    sys_root: &Path,
) -> Result<(Vec<usize>, Vec<String>), ConfigError> {
    if allowed.is_empty() {
        return Err(ConfigError::invalid(
            KEY,
            alloc,
            "no CPU is available to this process",
        ));
    }
    match alloc {
        CpuAllocation::All => Ok((allowed.to_vec(), Vec::new())),
        CpuAllocation::Count(n) => {
            if *n == 0 || *n > allowed.len() {
                return Err(ConfigError::invalid(
                    KEY,
                    alloc,
                    format!(
                        "the shard count must be between 1 and {} (available CPUs)",
                        allowed.len()
                    ),
                ));
            }
            Ok((allowed.iter().copied().take(*n).collect(), Vec::new()))
        }
        CpuAllocation::Range(start, end) => {
            if start >= end {
                return Err(ConfigError::invalid(
                    KEY,
                    alloc,
                    "the range start must be lower than its end",
                ));
            }
            if let Some(cpu) = (*start..*end).find(|c| !allowed.contains(c)) {
                return Err(ConfigError::invalid(
                    KEY,
                    alloc,
                    format!("CPU {cpu} is not available to this process (available: {allowed:?})"),
                ));
            }
            Ok(((*start..*end).collect(), Vec::new()))
        }
        CpuAllocation::NumaAuto => resolve_numa(alloc, &[], 0, true, allowed, sys_root),
        CpuAllocation::Numa {
            nodes,
            cores_per_node,
            no_ht,
        } => resolve_numa(alloc, nodes, *cores_per_node, *no_ht, allowed, sys_root),
    }
}

/// Parses a kernel CPU list such as `"0-3,8,10-11"`.
pub(crate) fn parse_cpu_list(text: &str) -> Option<Vec<usize>> {
    let mut cpus = Vec::new();
    for part in text.trim().split(',').filter(|p| !p.trim().is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (usize, usize) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
                if a > b {
                    return None;
                }
                cpus.extend(a..=b);
            }
            None => cpus.push(part.trim().parse().ok()?),
        }
    }
    Some(cpus)
}

/// NUMA nodes found below `sys_root/node`, sorted by id, with their CPU lists.
fn read_numa_nodes(sys_root: &Path) -> Vec<(usize, Vec<usize>)> {
    let Ok(entries) = std::fs::read_dir(sys_root.join("node")) else {
        return Vec::new();
    };
    let mut nodes: Vec<(usize, Vec<usize>)> = entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().to_string();
            let id: usize = name.strip_prefix("node")?.parse().ok()?;
            let list = std::fs::read_to_string(entry.path().join("cpulist")).ok()?;
            Some((id, parse_cpu_list(&list)?))
        })
        .collect();
    nodes.sort();
    nodes
}

/// True when `cpu` is the first of its hyper-thread siblings (or has no sibling info).
fn is_primary_thread(cpu: usize, sys_root: &Path) -> bool {
    let path = sys_root.join(format!("cpu/cpu{cpu}/topology/thread_siblings_list"));
    match std::fs::read_to_string(path)
        .ok()
        .and_then(|t| parse_cpu_list(&t))
    {
        Some(siblings) => siblings.iter().min().is_none_or(|first| *first == cpu),
        None => true,
    }
}

fn resolve_numa(
    alloc: &CpuAllocation,
    wanted: &[usize],
    cores_per_node: usize,
    no_ht: bool,
    allowed: &[usize],
    sys_root: &Path,
) -> Result<(Vec<usize>, Vec<String>), ConfigError> {
    let nodes = read_numa_nodes(sys_root);
    if nodes.is_empty() {
        let warning = format!(
            "{KEY} = \"{alloc}\": no NUMA information is available on this machine; using all {} available CPUs",
            allowed.len()
        );
        return Ok((allowed.to_vec(), vec![warning]));
    }
    let ids: Vec<usize> = nodes.iter().map(|(id, _)| *id).collect();
    if let Some(bad) = wanted.iter().find(|n| !ids.contains(n)) {
        return Err(ConfigError::invalid(
            KEY,
            alloc,
            format!("NUMA node {bad} does not exist (nodes: {ids:?})"),
        ));
    }
    let mut cores = Vec::new();
    for (id, cpus) in nodes
        .iter()
        .filter(|(id, _)| wanted.is_empty() || wanted.contains(id))
    {
        let usable: Vec<usize> = cpus
            .iter()
            .copied()
            .filter(|c| allowed.contains(c) && (!no_ht || is_primary_thread(*c, sys_root)))
            .collect();
        let take = if cores_per_node == 0 {
            usable.len()
        } else {
            cores_per_node
        };
        if usable.len() < take || usable.is_empty() {
            return Err(ConfigError::invalid(
                KEY,
                alloc,
                format!(
                    "NUMA node {id} has {} usable cores, {take} requested",
                    usable.len()
                ),
            ));
        }
        cores.extend(usable.into_iter().take(take));
    }
    Ok((cores, Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Two nodes with 4 CPUs each; CPUs n and n+2 of a node are hyper-thread siblings.
    fn fake_sys() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "node/node0/cpulist", "0-3\n");
        write(dir.path(), "node/node1/cpulist", "4-7\n");
        for cpu in 0..8 {
            let first = if cpu % 4 < 2 { cpu } else { cpu - 2 };
            let siblings = format!("{},{}\n", first, first + 2);
            write(
                dir.path(),
                &format!("cpu/cpu{cpu}/topology/thread_siblings_list"),
                &siblings,
            );
        }
        dir
    }

    const ALL8: [usize; 8] = [0, 1, 2, 3, 4, 5, 6, 7];

    #[test]
    fn plain_allocations() {
        let root = Path::new("/nonexistent");
        let allowed = [0, 1, 2, 3];
        assert_eq!(
            resolve_cores_in(&CpuAllocation::All, &allowed, root)
                .unwrap()
                .0,
            vec![0, 1, 2, 3]
        );
        assert_eq!(
            resolve_cores_in(&CpuAllocation::Count(2), &allowed, root)
                .unwrap()
                .0,
            vec![0, 1]
        );
        assert_eq!(
            resolve_cores_in(&CpuAllocation::Range(1, 3), &allowed, root)
                .unwrap()
                .0,
            vec![1, 2]
        );
        assert!(resolve_cores_in(&CpuAllocation::Count(5), &allowed, root).is_err());
        assert!(resolve_cores_in(&CpuAllocation::Count(0), &allowed, root).is_err());
        let err = resolve_cores_in(&CpuAllocation::Range(2, 6), &allowed, root).unwrap_err();
        assert!(err.to_string().contains("CPU 4 is not available"), "{err}");
        assert!(resolve_cores_in(&CpuAllocation::Range(3, 3), &allowed, root).is_err());
    }

    #[test]
    fn numa_without_topology_warns_and_uses_all() {
        let (cores, warnings) =
            resolve_cores_in(&CpuAllocation::NumaAuto, &[0, 1], Path::new("/nonexistent")).unwrap();
        assert_eq!(cores, vec![0, 1]);
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].contains("no NUMA information"),
            "{}",
            warnings[0]
        );
    }

    #[test]
    fn numa_auto_skips_hyper_threads() {
        let sys = fake_sys();
        let (cores, warnings) =
            resolve_cores_in(&CpuAllocation::NumaAuto, &ALL8, sys.path()).unwrap();
        assert_eq!(cores, vec![0, 1, 4, 5]);
        assert!(warnings.is_empty());
    }

    #[test]
    fn numa_explicit_nodes_and_cores() {
        let sys = fake_sys();
        let alloc: CpuAllocation = "numa:nodes=1;cores=1;no_ht=true".parse().unwrap();
        assert_eq!(
            resolve_cores_in(&alloc, &ALL8, sys.path()).unwrap().0,
            vec![4]
        );
        let alloc: CpuAllocation = "numa:nodes=0;cores=3;no_ht=false".parse().unwrap();
        assert_eq!(
            resolve_cores_in(&alloc, &ALL8, sys.path()).unwrap().0,
            vec![0, 1, 2]
        );
        let too_many: CpuAllocation = "numa:nodes=0;cores=3;no_ht=true".parse().unwrap();
        assert!(resolve_cores_in(&too_many, &ALL8, sys.path()).is_err());
        let bad_node: CpuAllocation = "numa:nodes=0,5".parse().unwrap();
        let err = resolve_cores_in(&bad_node, &ALL8, sys.path()).unwrap_err();
        assert!(
            err.to_string().contains("NUMA node 5 does not exist"),
            "{err}"
        );
    }

    #[test]
    fn cpu_lists() {
        assert_eq!(
            parse_cpu_list("0-3,8,10-11\n"),
            Some(vec![0, 1, 2, 3, 8, 10, 11])
        );
        assert_eq!(parse_cpu_list("5"), Some(vec![5]));
        assert_eq!(parse_cpu_list("3-1"), None);
        assert_eq!(parse_cpu_list("x"), None);
    }
}
