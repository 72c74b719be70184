//! Rendering an analysis as text, JSON and CSV.
