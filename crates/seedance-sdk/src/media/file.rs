//! Reading a local media file without trusting it: metadata first, then never more than the
//! size cap.

use std::path::Path;

use tokio::io::AsyncReadExt;

use super::{MediaProblem, too_large};

/// Reads a local file: its metadata first, then never more than `max_bytes` bytes, so a
/// device, a FIFO or a file that grows cannot exhaust memory or block.
pub(crate) async fn read_file(
    path: &Path,
    max_bytes: u64,
    kind: &str,
) -> Result<Vec<u8>, MediaProblem> {
    let unreadable = |err: std::io::Error| {
        MediaProblem::Unreadable(format!("cannot read {}: {err}", path.display()))
    };
    // By path first: opening a FIFO would block until a writer comes.
    let metadata = tokio::fs::metadata(path).await.map_err(unreadable)?;
    check_file(path, &metadata, max_bytes, kind)?;
    let file = tokio::fs::File::open(path).await.map_err(unreadable)?;
    // Then on the open file, in case the path was replaced in between.
    let metadata = file.metadata().await.map_err(unreadable)?;
    check_file(path, &metadata, max_bytes, kind)?;
    let data = read_at_most(file, max_bytes, metadata.len())
        .await
        .map_err(unreadable)?;
    if data.len() as u64 >= max_bytes {
        return Err(too_large(
            format!("{} holds at least {max_bytes} bytes", path.display()),
            max_bytes,
        ));
    }
    Ok(data)
}

/// Reads at most `max_bytes` bytes: one byte past the largest accepted size is enough to know
/// the input is too large, even if a file grew after its size was checked.
pub(super) async fn read_at_most(
    reader: impl tokio::io::AsyncRead + Unpin,
    max_bytes: u64,
    expected_len: u64,
) -> std::io::Result<Vec<u8>> {
    let capacity = usize::try_from(expected_len.min(max_bytes)).unwrap_or(0);
    let mut data = Vec::with_capacity(capacity);
    reader.take(max_bytes).read_to_end(&mut data).await?;
    Ok(data)
}

/// Refuses anything but a regular file under `max_bytes`.
fn check_file(
    path: &Path,
    metadata: &std::fs::Metadata,
    max_bytes: u64,
    kind: &str,
) -> Result<(), MediaProblem> {
    if !metadata.is_file() {
        return Err(MediaProblem::Rejected(format!(
            "{} is {}, not a regular file; allowed: a regular {kind} file",
            path.display(),
            file_kind(metadata.file_type())
        )));
    }
    if metadata.len() >= max_bytes {
        return Err(too_large(
            format!("{} is {} bytes", path.display(), metadata.len()),
            max_bytes,
        ));
    }
    Ok(())
}

fn file_kind(file_type: std::fs::FileType) -> &'static str {
    if file_type.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    "a special file"
}
