//! The `rstscope` command.

fn main() {}
