//! `seedance doctor`'s local checks: can the output directory and the journal be written?
//!
//! Each check creates a file exclusively next to the target and removes it, because permission
//! bits alone do not tell (root, read-only mounts, ACLs, a full disk quota).

use std::path::Path;

use super::Check;
use crate::text::printable;

/// Whether files can be created in `dir`; a directory that does not exist yet passes when the
/// nearest existing ancestor is writable (it is created on first use).
pub(super) fn out_dir(dir: &Path) -> Check {
    let shown = shown(dir);
    match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => match probe(dir) {
            Ok(()) => Check::ok(format!("{shown} is writable")),
            Err(err) => Check::fail(format!("cannot create files in {shown} ({err})")),
        },
        Ok(_) => Check::fail(format!("{shown} is not a directory; pick another --out")),
        Err(err) if missing(&err) => creatable(dir, &shown),
        Err(err) => Check::fail(format!("cannot use {shown} ({err})")),
    }
}

/// Whether the journal file can be written: an existing one opened for writing (never
/// truncated), a new one creatable in its directory.
pub(super) fn journal(file: &Path) -> Check {
    let shown = shown(file);
    match std::fs::metadata(file) {
        Ok(meta) if meta.is_file() => {
            match std::fs::OpenOptions::new().append(true).open(file) {
                // SQLite also creates `-wal` and `-journal` files next to it.
                Ok(_) => match probe(parent(file)) {
                    Ok(()) => Check::ok(format!("{shown} exists and is writable")),
                    Err(err) => Check::fail(format!(
                        "{shown} is writable but its directory is not ({err}); SQLite needs \
                         to create files next to it"
                    )),
                },
                Err(err) => Check::fail(format!("cannot write {shown} ({err})")),
            }
        }
        Ok(_) => Check::fail(format!(
            "{shown} is not a regular file; pick another --journal"
        )),
        Err(err) if missing(&err) => {
            let dir = parent(file);
            match std::fs::metadata(dir) {
                Ok(meta) if meta.is_dir() => match probe(dir) {
                    Ok(()) => Check::ok(format!("{shown} can be created")),
                    Err(err) => Check::fail(format!(
                        "cannot create {shown}: its directory is not writable ({err})"
                    )),
                },
                Ok(_) => Check::fail(format!(
                    "cannot create {shown}: {} is not a directory",
                    self::shown(dir)
                )),
                Err(_) => {
                    let check = creatable(dir, &self::shown(dir));
                    match check.status {
                        super::Status::Ok => {
                            Check::ok(format!("{shown} can be created (with its directory)"))
                        }
                        _ => Check::fail(format!("cannot create {shown}: {}", check.detail)),
                    }
                }
            }
        }
        Err(err) => Check::fail(format!("cannot use {shown} ({err})")),
    }
}

/// Whether a lookup failed because the path does not exist (also when a parent is a file).
fn missing(err: &std::io::Error) -> bool {
    matches!(
        err.kind(),
        std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
    )
}

/// The directory `path` is in (`.` for a bare file name).
fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// A missing directory: can its nearest existing ancestor take it?
fn creatable(dir: &Path, shown: &str) -> Check {
    let Some(ancestor) = dir.ancestors().skip(1).find(|a| {
        let a = if a.as_os_str().is_empty() {
            Path::new(".")
        } else {
            a
        };
        a.exists()
    }) else {
        return Check::fail(format!("{shown} does not exist and no parent of it does"));
    };
    let ancestor = if ancestor.as_os_str().is_empty() {
        Path::new(".")
    } else {
        ancestor
    };
    if !ancestor.is_dir() {
        return Check::fail(format!(
            "{shown} cannot be created: {} is not a directory",
            self::shown(ancestor)
        ));
    }
    match probe(ancestor) {
        Ok(()) => Check::ok(format!("{shown} does not exist yet and can be created")),
        Err(err) => Check::fail(format!(
            "{shown} does not exist and cannot be created in {} ({err})",
            self::shown(ancestor)
        )),
    }
}

/// Creates (exclusively) and removes a file in `dir`.
fn probe(dir: &Path) -> std::io::Result<()> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let file = dir.join(format!(
        ".seedance-doctor-{}-{nanos}.probe",
        std::process::id()
    ));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&file)?;
    std::fs::remove_file(&file)
}

/// `path` for printing.
fn shown(path: &Path) -> String {
    printable(&path.display().to_string()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::doctor::Status;

    #[test]
    fn writable_places_pass_and_others_fail() {
        let dir =
            std::env::temp_dir().join(format!("seedance-doctor-local-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("file");
        std::fs::write(&file, b"x").unwrap();
        let check = |check: Check, expected: Status, words: &str| {
            assert_eq!(check.status, expected, "{}", check.detail);
            assert!(check.detail.contains(words), "{}", check.detail);
        };
        check(out_dir(&dir), Status::Ok, "is writable");
        check(
            out_dir(&dir.join("new/deeper")),
            Status::Ok,
            "can be created",
        );
        check(out_dir(&file), Status::Fail, "not a directory");
        check(
            out_dir(&file.join("below")),
            Status::Fail,
            "not a directory",
        );
        check(journal(&file), Status::Ok, "exists and is writable");
        check(journal(&dir.join("j.sqlite")), Status::Ok, "can be created");
        check(
            journal(&dir.join("a/j.sqlite")),
            Status::Ok,
            "with its directory",
        );
        check(journal(&dir), Status::Fail, "not a regular file");
        check(
            journal(&file.join("j.sqlite")),
            Status::Fail,
            "not a directory",
        );
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(left.len(), 1, "the checks leave nothing behind: {left:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
