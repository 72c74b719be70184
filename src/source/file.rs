//! Streaming pcap / pcapng reader. (Being written.)

use std::path::PathBuf;

use super::{FileInfo, Frame, SourceError};

/// One or more capture files read as one capture, frames merged in time order.
pub struct FileSource {
    files: Vec<FileInfo>,
    problems: Vec<SourceError>,
}

impl FileSource {
    /// Opens every file, checking that each is a capture. Fails on the first file that
    /// cannot be opened or is not a capture at all.
    pub fn open(paths: &[PathBuf]) -> Result<Self, SourceError> {
        let _ = paths;
        Ok(Self { files: Vec::new(), problems: Vec::new() })
    }

    /// The next frame in time order, or `None` at the end of every file. A file that turns
    /// out truncated or corrupt ends early; its error is kept in [`FileSource::problems`].
    pub fn next_frame(&mut self) -> Option<Frame<'_>> {
        None
    }

    /// The input files, with progress.
    pub fn files(&self) -> &[FileInfo] {
        &self.files
    }

    /// Problems met while reading (truncation, corruption), in the order they occurred.
    pub fn problems(&self) -> &[SourceError] {
        &self.problems
    }
}
