//! The target file: checked before any request, written through a temporary file that is
//! renamed into place only when complete and on disk.

use std::{
    hash::{BuildHasher, Hasher},
    io::{Seek, Write},
    path::{Path, PathBuf},
};

use tokio::task::JoinHandle;

use crate::error::{Error, Result};

/// Bytes gathered before one write. Measured on Linux 6.18/ext4 (BENCHMARKS.md): far fewer
/// writes than one per network chunk, and a buffer small enough to stay in the CPU cache; writes
/// of 2 MiB and more were 2-3 times slower there. Two buffers (one filling, one being written)
/// bound the memory whatever the file size.
const BATCH_BYTES: usize = 1024 * 1024;
/// Bytes written between two starts of early writeback: the final `sync_all` then waits only
/// for the tail instead of the whole file (see [`PartFile`]).
const SYNC_EVERY: u64 = 32 * 1024 * 1024;
/// The file name used for a target without one.
const FALLBACK_NAME: &str = "video.mp4";

/// Checks that `path` can receive a file, before any request: its directory exists, and it is
/// not a directory nor anything but a regular file.
pub(super) async fn check_target(path: &Path) -> Result<PathBuf> {
    let refuse = |kind, message: String| Error::Io {
        path: path.to_owned(),
        source: std::io::Error::new(kind, message),
    };
    if path.file_name().is_none() {
        return Err(refuse(
            std::io::ErrorKind::InvalidInput,
            "names no file; give the path of the file to write".into(),
        ));
    }
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    match tokio::fs::metadata(&dir).await {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => {
            return Err(refuse(
                std::io::ErrorKind::NotADirectory,
                format!("{} is not a directory", dir.display()),
            ));
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(refuse(
                std::io::ErrorKind::NotFound,
                format!(
                    "its directory {} does not exist; create it first",
                    dir.display()
                ),
            ));
        }
        Err(source) => {
            return Err(Error::Io { path: dir, source });
        }
    }
    match tokio::fs::metadata(path).await {
        Ok(meta) if meta.is_dir() => Err(refuse(
            std::io::ErrorKind::IsADirectory,
            "is a directory; name a file inside it".into(),
        )),
        Ok(meta) if !meta.is_file() => Err(refuse(
            std::io::ErrorKind::InvalidInput,
            "exists and is not a regular file; name another file".into(),
        )),
        _ => Ok(dir),
    }
}

/// A temporary file in the target's directory, created exclusively under a random name (so a
/// planted file or symlink is never opened), and removed unless it was renamed into place.
///
/// Bytes are copied into batches of [`BATCH_BYTES`] and written by a blocking task while the
/// next batch fills. Copying lets the HTTP stack reuse its read buffer at once (a chunk kept
/// alive pins its whole buffer). Every [`SYNC_EVERY`] bytes, a second blocking task flushes what
/// was written so far (`sync_data` on a clone of the handle) while the download goes on, so the
/// disk works during the transfer rather than after it.
pub(super) struct PartFile {
    path: PathBuf,
    /// The file, while no write is in flight.
    file: Option<std::fs::File>,
    /// The write in flight: it returns the file and the emptied batch for reuse.
    pending: Option<JoinHandle<Written>>,
    batch: Vec<u8>,
    spare: Vec<u8>,
    /// Bytes handed to the writer since the last early writeback.
    unsynced: u64,
    syncer: Option<Syncer>,
    kept: bool,
}

/// What a write task returns: the file, its batch (to reuse), and the outcome.
type Written = (std::fs::File, Vec<u8>, std::io::Result<()>);

/// The early-writeback task: each message asks for one `sync_data`.
struct Syncer {
    nudge: std::sync::mpsc::SyncSender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Syncer {
    pub(super) fn start(file: &std::fs::File) -> std::io::Result<Syncer> {
        let file = file.try_clone()?;
        // One waiting request is enough: a sync covers everything written before it starts.
        let (nudge, requests) = std::sync::mpsc::sync_channel::<()>(1);
        let task = tokio::task::spawn_blocking(move || {
            for () in requests {
                // An error must fail the download: Linux reports a writeback error once per
                // open file description, and the final `sync_all` shares this one.
                file.sync_data()?;
            }
            Ok(())
        });
        Ok(Syncer { nudge, task })
    }

    /// Stops the task; returns the first error of its syncs.
    pub(super) async fn stop(self) -> std::io::Result<()> {
        drop(self.nudge);
        self.task
            .await
            .map_err(|join| std::io::Error::other(join.to_string()))?
    }
}

impl PartFile {
    pub(super) async fn create(dir: &Path, target: &Path) -> Result<PartFile> {
        let name = target.file_name().map_or_else(
            || FALLBACK_NAME.into(),
            |n| n.to_string_lossy().into_owned(),
        );
        let mut last_error = None;
        // A collision with an existing name (planted or not) just draws another name.
        for _ in 0..16 {
            let path = dir.join(format!(".{name}.{}.part", random_suffix()));
            let mut options = tokio::fs::OpenOptions::new();
            options.write(true).create_new(true);
            match options.open(&path).await {
                Ok(file) => {
                    return Ok(PartFile {
                        path,
                        file: Some(file.into_std().await),
                        pending: None,
                        batch: Vec::new(),
                        spare: Vec::new(),
                        unsynced: 0,
                        syncer: None,
                        kept: false,
                    });
                }
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                    last_error = Some((path, err));
                }
                Err(source) => return Err(Error::Io { path, source }),
            }
        }
        let (path, source) = last_error.expect("the loop ran");
        Err(Error::Io { path, source })
    }

    pub(super) fn io_error(&self, source: std::io::Error) -> Error {
        Error::Io {
            path: self.path.clone(),
            source,
        }
    }

    pub(super) async fn push(&mut self, mut chunk: &[u8]) -> Result<()> {
        while !chunk.is_empty() {
            let room = BATCH_BYTES - self.batch.len();
            let (now, later) = chunk.split_at(room.min(chunk.len()));
            let wanted = self.batch.len() + now.len();
            if wanted > self.batch.capacity() {
                // Doubling up to the batch size, never past it: a small video keeps a small
                // buffer, and many downloads at once stay cheap.
                let capacity = (self.batch.capacity() * 2).clamp(wanted, BATCH_BYTES);
                self.batch.reserve_exact(capacity - self.batch.len());
            }
            self.batch.extend_from_slice(now);
            chunk = later;
            if self.batch.len() >= BATCH_BYTES {
                self.write_batch().await?;
            }
        }
        Ok(())
    }

    /// Waits for the write in flight, if any, and takes the file back.
    pub(super) async fn settle(&mut self) -> Result<()> {
        if let Some(pending) = self.pending.take() {
            let (file, mut spare, outcome) = pending.await.map_err(|join| {
                self.io_error(std::io::Error::other(format!(
                    "the writer task failed: {join}"
                )))
            })?;
            self.file = Some(file);
            spare.clear();
            self.spare = spare;
            outcome.map_err(|source| self.io_error(source))?;
        }
        Ok(())
    }

    /// Starts writing the current batch (after the previous write ended).
    pub(super) async fn write_batch(&mut self) -> Result<()> {
        self.settle().await?;
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::replace(&mut self.batch, std::mem::take(&mut self.spare));
        self.unsynced += batch.len() as u64;
        let mut file = self.file.take().expect("settled");
        let mut nudge = None;
        if self.unsynced >= SYNC_EVERY {
            self.unsynced = 0;
            if self.syncer.is_none() {
                self.syncer = Some(Syncer::start(&file).map_err(|source| self.io_error(source))?);
            }
            nudge = self.syncer.as_ref().map(|s| s.nudge.clone());
        }
        self.pending = Some(tokio::task::spawn_blocking(move || {
            let outcome = file.write_all(&batch);
            if let Some(nudge) = nudge {
                // Full means a sync is already queued, and it will cover these bytes.
                let _ = nudge.try_send(());
            }
            (file, batch, outcome)
        }));
        Ok(())
    }

    /// Writes everything received so far.
    pub(super) async fn flush(&mut self) -> Result<()> {
        self.write_batch().await?;
        self.settle().await
    }

    /// Empties the file, for a transfer that starts over.
    pub(super) async fn truncate(&mut self) -> Result<()> {
        self.settle().await?;
        self.batch.clear();
        let mut file = self.file.take().expect("settled");
        let (file, outcome) = tokio::task::spawn_blocking(move || {
            let outcome = file.set_len(0).and_then(|()| file.rewind());
            (file, outcome)
        })
        .await
        .map_err(|join| self.io_error(std::io::Error::other(join.to_string())))?;
        self.file = Some(file);
        outcome.map_err(|source| self.io_error(source))
    }

    /// Writes the rest, waits until the bytes are on disk, and renames the file to `target`.
    pub(super) async fn keep(mut self, target: &Path) -> Result<()> {
        self.flush().await?;
        if let Some(syncer) = self.syncer.take() {
            syncer
                .stop()
                .await
                .map_err(|source| self.io_error(source))?;
        }
        let file = self.file.take().expect("settled");
        let from = self.path.clone();
        let to = target.to_owned();
        let outcome = tokio::task::spawn_blocking(move || {
            file.sync_all().map_err(|err| (from.clone(), err))?;
            drop(file);
            std::fs::rename(&from, &to).map_err(|err| (to.clone(), err))?;
            // The rename is durable once the directory is: without this, a crash could leave
            // the old file (or none) in place of the complete one.
            #[cfg(unix)]
            {
                let dir = match to.parent() {
                    Some(parent) if !parent.as_os_str().is_empty() => parent,
                    _ => Path::new("."),
                };
                if let Ok(dir) = std::fs::File::open(dir) {
                    let _ = dir.sync_all();
                }
            }
            Ok::<_, (PathBuf, std::io::Error)>(())
        })
        .await
        .map_err(|join| self.io_error(std::io::Error::other(join.to_string())))?;
        match outcome {
            Ok(()) => {
                self.kept = true;
                Ok(())
            }
            // Dropping `self` removes the temporary file, also after a failed rename.
            Err((path, source)) => Err(Error::Io { path, source }),
        }
    }

    /// Waits for the write in flight, then removes the file.
    pub(super) async fn discard(mut self) {
        let _ = self.settle().await;
        if let Some(syncer) = self.syncer.take() {
            let _ = syncer.stop().await;
        }
        self.file = None;
        let _ = tokio::fs::remove_file(&self.path).await;
        self.kept = true;
    }
}

impl Drop for PartFile {
    fn drop(&mut self) {
        // Reached when the download future is dropped midway, or after a failed rename.
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// 16 hex digits from the std hasher's per-process random keys, the clock and a counter.
fn random_suffix() -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    if let Ok(now) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        hasher.write_u128(now.as_nanos());
    }
    format!("{:016x}", hasher.finish())
}
