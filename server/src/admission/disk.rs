//! Free space on the disk of a directory, as an unprivileged process may use it.

use std::io;
use std::path::Path;

/// Bytes available to this process on the file system holding `dir` (or, while `dir` does
/// not exist yet, its nearest existing ancestor).
#[cfg(unix)]
pub fn available(dir: &Path) -> io::Result<u64> {
    let mut at = dir;
    loop {
        match rustix::fs::statvfs(at) {
            Ok(s) => return Ok(s.f_bavail.saturating_mul(s.f_frsize)),
            Err(e) if e == rustix::io::Errno::NOENT => match at.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => at = parent,
                _ => at = Path::new("."),
            },
            Err(e) => return Err(e.into()),
        }
        if at == Path::new(".") {
            let s = rustix::fs::statvfs(at)?;
            return Ok(s.f_bavail.saturating_mul(s.f_frsize));
        }
    }
}

/// Elsewhere the floor is not checked.
#[cfg(not(unix))]
pub fn available(_dir: &Path) -> io::Result<u64> {
    Ok(u64::MAX)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn measures_the_nearest_existing_directory() {
        let dir = tempfile::tempdir().unwrap();
        let here = available(dir.path()).unwrap();
        assert!(here > 0);
        let missing = dir.path().join("not/yet/there");
        let there = available(&missing).unwrap();
        // The same file system, measured a moment apart.
        assert!(there.abs_diff(here) < 64 * 1024 * 1024, "{here} vs {there}");
    }
}
