//! Stored consumer offsets of a partition: `offsets/consumers/<id>` and
//! `offsets/groups/<id>`, each an 8-byte little-endian u64 written in place.

use super::messages::ConsumerKey;
use crate::bytes_io::u64_at;
use log::warn;
use std::collections::HashMap;
use std::fs;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

pub struct ConsumerOffsets {
    consumers_dir: PathBuf,
    groups_dir: PathBuf,
    stored: HashMap<ConsumerKey, u64>,
}

impl ConsumerOffsets {
    /// Loads every stored offset under `partition_dir/offsets`.
    pub fn open(partition_dir: &Path) -> io::Result<Self> {
        let consumers_dir = partition_dir.join("offsets").join("consumers");
        let groups_dir = partition_dir.join("offsets").join("groups");
        fs::create_dir_all(&consumers_dir)?;
        fs::create_dir_all(&groups_dir)?;
        let mut stored = HashMap::new();
        for (dir, group) in [(&consumers_dir, false), (&groups_dir, true)] {
            for entry in fs::read_dir(dir)? {
                let path = entry?.path();
                let id = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(|n| n.parse::<u32>().ok());
                let value = fs::read(&path).ok().and_then(|b| u64_at(&b, 0));
                match (id, value) {
                    (Some(id), Some(offset)) => {
                        let key = if group {
                            ConsumerKey::Group(id)
                        } else {
                            ConsumerKey::Consumer(id)
                        };
                        stored.insert(key, offset);
                    }
                    _ => warn!(
                        "ignoring unreadable consumer offset file {}",
                        path.display()
                    ),
                }
            }
        }
        Ok(ConsumerOffsets {
            consumers_dir,
            groups_dir,
            stored,
        })
    }

    fn path(&self, key: ConsumerKey) -> PathBuf {
        match key {
            ConsumerKey::Consumer(id) => self.consumers_dir.join(id.to_string()),
            ConsumerKey::Group(id) => self.groups_dir.join(id.to_string()),
        }
    }

    pub fn get(&self, key: ConsumerKey) -> Option<u64> {
        self.stored.get(&key).copied()
    }

    /// Writes the 8 bytes over the old ones in one positioned write: the file is never
    /// truncated, so a crash leaves the old offset or the new one, never an empty file.
    pub fn store(&mut self, key: ConsumerKey, offset: u64) -> io::Result<()> {
        fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(self.path(key))?
            .write_all_at(&offset.to_le_bytes(), 0)?;
        self.stored.insert(key, offset);
        Ok(())
    }

    /// Removes an offset; false when none was stored.
    pub fn delete(&mut self, key: ConsumerKey) -> io::Result<bool> {
        if self.stored.remove(&key).is_none() {
            return Ok(false);
        }
        match fs::remove_file(self.path(key)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(true),
        }
    }

    /// Every consumer and group with a stored offset.
    pub fn keys(&self) -> impl Iterator<Item = ConsumerKey> + '_ {
        self.stored.keys().copied()
    }

    /// Every stored offset with its consumer or group.
    pub fn entries(&self) -> impl Iterator<Item = (ConsumerKey, u64)> + '_ {
        self.stored.iter().map(|(key, offset)| (*key, *offset))
    }

    /// The lowest stored offset and whose it is, if any (the retention barrier).
    pub fn lowest(&self) -> Option<(ConsumerKey, u64)> {
        self.stored
            .iter()
            .min_by_key(|(_, offset)| **offset)
            .map(|(key, offset)| (*key, *offset))
    }

    /// Forgets every offset (purge).
    pub fn clear(&mut self) -> io::Result<()> {
        let keys: Vec<_> = self.stored.keys().copied().collect();
        for key in keys {
            self.delete(key)?;
        }
        Ok(())
    }

    /// Offsets ahead of the partition's last offset (after a crash lost the tail) are
    /// lowered to it; with no messages at all they are removed.
    pub fn clamp(&mut self, last_offset: Option<u64>) -> io::Result<()> {
        let ahead: Vec<_> = self
            .stored
            .iter()
            .filter(|(_, o)| last_offset.is_none_or(|last| **o > last))
            .map(|(k, o)| (*k, *o))
            .collect();
        for (key, offset) in ahead {
            match last_offset {
                Some(last) => {
                    warn!("consumer offset {offset} of {key:?} is beyond the last offset {last}: lowered");
                    self.store(key, last)?;
                }
                None => {
                    warn!(
                        "consumer offset {offset} of {key:?} refers to an empty partition: removed"
                    );
                    self.delete(key)?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_survive_reopening_and_clamp() {
        let dir = tempfile::tempdir().unwrap();
        let mut o = ConsumerOffsets::open(dir.path()).unwrap();
        o.store(ConsumerKey::Consumer(7), 10).unwrap();
        o.store(ConsumerKey::Group(1), 3).unwrap();
        let mut o = ConsumerOffsets::open(dir.path()).unwrap();
        assert_eq!(o.get(ConsumerKey::Consumer(7)), Some(10));
        assert_eq!(o.get(ConsumerKey::Group(1)), Some(3));
        o.clamp(Some(5)).unwrap();
        assert_eq!(o.get(ConsumerKey::Consumer(7)), Some(5));
        let file = dir.path().join("offsets").join("consumers").join("7");
        assert_eq!(
            fs::read(file).unwrap(),
            5u64.to_le_bytes(),
            "overwritten in place"
        );
        assert!(o.delete(ConsumerKey::Group(1)).unwrap());
        assert!(!o.delete(ConsumerKey::Group(1)).unwrap());
        let o = ConsumerOffsets::open(dir.path()).unwrap();
        assert_eq!(o.get(ConsumerKey::Group(1)), None);
        assert_eq!(o.get(ConsumerKey::Consumer(7)), Some(5));
    }
}
