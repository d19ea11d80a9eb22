//! Progress on stderr: an indicatif spinner or bar on a terminal, plain lines otherwise.

use std::{io::IsTerminal, path::Path, time::Duration};

use indicatif::{ProgressBar, ProgressStyle};
use seedance_sdk::TaskStatus;

use crate::text::printable;

/// Reports the task's status while waiting, then the download.
pub(crate) struct Progress {
    /// The spinner or bar, on a terminal only.
    bar: Option<ProgressBar>,
    /// The last line printed in plain mode, to print changes only.
    last: String,
}

impl Progress {
    /// A bar on a terminal, plain lines otherwise.
    pub(crate) fn new() -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                    .expect("the template is valid"),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Self {
            bar,
            last: String::new(),
        }
    }

    /// A line that stays (above the bar, on a terminal); control characters are escaped.
    pub(crate) fn note(&self, line: &str) {
        let line = printable(line);
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    /// A new status of the task.
    pub(crate) fn status(&mut self, status: &TaskStatus) {
        let line = describe(status);
        match &self.bar {
            Some(bar) => bar.set_message(line),
            None if line != self.last => {
                eprintln!("{line}");
                self.last = line;
            }
            None => {}
        }
    }

    /// Bytes downloaded so far, out of `total` when known.
    pub(crate) fn download(&mut self, bytes: u64, total: Option<u64>) {
        let Some(bar) = &self.bar else { return };
        if bar.length() != total {
            let template = match total {
                Some(_) => "{spinner} downloading {wide_bar} {bytes}/{total_bytes} {bytes_per_sec}",
                None => "{spinner} downloading {bytes} {bytes_per_sec}",
            };
            bar.set_style(ProgressStyle::with_template(template).expect("the template is valid"));
            match total {
                Some(total) => bar.set_length(total),
                None => bar.unset_length(),
            }
        }
        bar.set_position(bytes);
    }

    /// The download is complete.
    pub(crate) fn downloaded(self, bytes: u64, path: &Path) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        eprintln!(
            "downloaded {bytes} bytes to {}",
            printable(&path.display().to_string())
        );
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar
            && !bar.is_finished()
        {
            bar.finish_and_clear();
        }
    }
}

/// A short description of a status: `queued`, `running 40%`, `succeeded`, ..., with the
/// provider's text escaped for a terminal.
pub(crate) fn describe(status: &TaskStatus) -> String {
    match status {
        TaskStatus::Queued => "queued".into(),
        TaskStatus::Running { progress, eta } => {
            let mut line = String::from("running");
            if let Some(percent) = progress {
                line.push_str(&format!(" {percent}%"));
            }
            if let Some(eta) = eta {
                line.push_str(&format!(" (about {} s left)", eta.as_secs()));
            }
            line
        }
        TaskStatus::Succeeded(_) => "succeeded".into(),
        TaskStatus::Failed { code, message } => match code {
            Some(code) => format!("failed [{}]: {}", printable(code), printable(message)),
            None => format!("failed: {}", printable(message)),
        },
        TaskStatus::Cancelled => "cancelled".into(),
        TaskStatus::Expired => "expired".into(),
        TaskStatus::Unknown { raw } => format!("unknown status \"{}\"", printable(raw)),
    }
}
