//! The segment files of a partition directory: `<start offset, 20 digits>.log` with its
//! `.index`. This part names, lists and deletes them; `segment.rs` opens, appends to and
//! reads them.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

pub const LOG_EXTENSION: &str = "log";
pub const INDEX_EXTENSION: &str = "index";

/// One segment on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentFiles {
    pub start_offset: u64,
    pub log: PathBuf,
    pub index: PathBuf,
    pub size_bytes: u64,
}

pub fn file_stem(start_offset: u64) -> String {
    format!("{start_offset:020}")
}

/// The segments of `dir`, ascending by start offset. Files whose names are not
/// `<digits>.log` are ignored.
pub fn list(dir: &Path) -> io::Result<Vec<SegmentFiles>> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().and_then(|e| e.to_str()) != Some(LOG_EXTENSION) {
            continue;
        }
        let Some(start_offset) = path
            .file_stem()
            .and_then(|s| s.to_str())
            .and_then(|s| s.parse::<u64>().ok())
        else {
            continue;
        };
        let size_bytes = fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        out.push(SegmentFiles {
            start_offset,
            index: path.with_extension(INDEX_EXTENSION),
            log: path,
            size_bytes,
        });
    }
    out.sort_by_key(|s| s.start_offset);
    Ok(out)
}

/// Suffix of a purged segment's files while its replacement is made.
pub const PURGED_SUFFIX: &str = ".purged";

/// Deletes files a purge moved aside and could not delete (a crash or an error).
pub fn remove_purged(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.to_string_lossy().ends_with(PURGED_SUFFIX) && path.is_file() {
            fs::remove_file(&path)?;
            removed.push(path);
        }
    }
    Ok(removed)
}

/// Deletes `.index` files whose `.log` is gone (a segment's index is deleted first, so
/// none is left by this server; an index alone would never be loaded).
pub fn remove_orphan_indexes(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        let is_index = path.extension().and_then(|e| e.to_str()) == Some(INDEX_EXTENSION);
        if is_index && !path.with_extension(LOG_EXTENSION).exists() && path.is_file() {
            fs::remove_file(&path)?;
            removed.push(path);
        }
    }
    Ok(removed)
}

/// The file names of the segment starting at `start_offset` in `dir` (size not read).
pub fn files(dir: &Path, start_offset: u64) -> SegmentFiles {
    let stem = file_stem(start_offset);
    SegmentFiles {
        start_offset,
        log: dir.join(format!("{stem}.{LOG_EXTENSION}")),
        index: dir.join(format!("{stem}.{INDEX_EXTENSION}")),
        size_bytes: 0,
    }
}

/// Creates an empty segment starting at `start_offset`.
pub fn create(dir: &Path, start_offset: u64) -> io::Result<SegmentFiles> {
    let segment = files(dir, start_offset);
    for path in [&segment.log, &segment.index] {
        fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
    }
    Ok(segment)
}

/// Deletes a segment's files, the index first (a log left alone gets its index rebuilt
/// when it loads); a file already gone is not an error.
pub fn delete(segment: &SegmentFiles) -> io::Result<()> {
    for path in [&segment.index, &segment.log] {
        match fs::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_segments_in_offset_order_and_ignores_strangers() {
        let dir = tempfile::tempdir().unwrap();
        for start in [1000, 0] {
            let segment = files(dir.path(), start);
            fs::write(&segment.log, b"").unwrap();
            fs::write(&segment.index, b"").unwrap();
        }
        fs::write(dir.path().join("notes.log"), b"x").unwrap();
        fs::write(dir.path().join("00000000000000000007.tmp"), b"x").unwrap();
        let list = list(dir.path()).unwrap();
        assert_eq!(
            list.iter().map(|s| s.start_offset).collect::<Vec<_>>(),
            vec![0, 1000]
        );
        assert!(list[0].log.ends_with("00000000000000000000.log"));
        delete(&list[0]).unwrap();
        delete(&list[0]).unwrap();
        assert_eq!(super::list(dir.path()).unwrap().len(), 1);
        fs::write(dir.path().join("00000000000000000000.log.purged"), b"x").unwrap();
        let removed = remove_purged(dir.path()).unwrap();
        assert_eq!(removed.len(), 1);
        fs::write(dir.path().join("00000000000000000000.index"), b"x").unwrap();
        let orphans = remove_orphan_indexes(dir.path()).unwrap();
        assert_eq!(orphans, [dir.path().join("00000000000000000000.index")]);
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            4,
            "the rest stays"
        );
    }
}
