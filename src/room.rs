//! What a collection holds at most for a number of entries: the sizes the sum of every cap of
//! the agent is made of (tests/agent_memory.rs), each next to the cap it counts.

/// A hash table (std's, hashbrown's and foldhash's maps and sets) of `n` entries of `entry`
/// bytes: its buckets (a power of two, at most 7/8 of them full) with a control byte each.
#[must_use]
pub const fn table(n: usize, entry: usize) -> usize {
    let buckets = if n < 8 {
        8
    } else {
        (n * 8 / 7).next_power_of_two()
    };
    buckets * (entry + 1) + 16
}

/// A vector or queue grown an entry at a time to `n` entries of `entry` bytes: its room
/// doubles, so up to the next power of two (4 at least).
#[must_use]
pub const fn queue(n: usize, entry: usize) -> usize {
    let room = n.next_power_of_two();
    (if room < 4 { 4 } else { room }) * entry
}

/// An ordered map of `n` entries of `entry` bytes: nodes of eleven entries, each at least
/// five full but the root, and an inner node's twelve edges.
#[must_use]
pub const fn btree(n: usize, entry: usize) -> usize {
    let nodes = n / 5 + 1;
    nodes * (11 * entry + 16) + nodes / 5 * 12 * std::mem::size_of::<usize>()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bounds hold what the collections take, by their room.
    #[test]
    fn the_bounds_hold_the_collections_room() {
        let mut m = std::collections::HashMap::new();
        let mut v = Vec::new();
        for i in 0..100_000u64 {
            m.insert(i, i);
            v.push(i);
            let n = i as usize + 1;
            assert!(m.capacity() * 8 / 7 * 17 <= table(n, 16), "{n}");
            assert!(v.capacity() * 8 <= queue(n, 8), "{n}");
        }
    }
}
