//! The 4-tuples whose connection a RST ended lately. A reset that comes after it (a late
//! answer of the other side) starts a connection of its own, as Zeek delimits them (`^r`), of
//! which nothing was seen before it: its cause is `stray`. Remembering the tuple tells it from
//! the reset of a connection whose start was not captured.

use std::collections::VecDeque;

use foldhash::HashMap;

use super::flow::FlowKey;
use crate::packet::Timestamp;

/// How long a connection ended by a RST is remembered: the other side's late packets come
/// within its retransmission timeouts (about two minutes).
pub const RESET_MEMORY_SECS: i64 = super::ATTEMPT_MEMORY_SECS;

/// At most this many are remembered (about 2 MB), the oldest forgotten first.
pub const MAX_REMEMBERED: usize = 16_384;

/// See the module documentation.
#[derive(Debug, Default)]
pub struct ResetTuples {
    /// The side that sent the RST and when, by tuple.
    by_key: HashMap<FlowKey, (u8, Timestamp)>,
    /// The same in the order they came, to forget the oldest.
    order: VecDeque<(FlowKey, Timestamp)>,
}

impl ResetTuples {
    /// Notes that side `side` of `key` ended its connection with a RST at `at`.
    pub fn note(&mut self, key: FlowKey, side: u8, at: Timestamp) {
        self.forget_before(at.plus_secs(-RESET_MEMORY_SECS));
        if self.order.len() >= MAX_REMEMBERED {
            self.forget_oldest();
        }
        self.by_key.insert(key, (side, at));
        self.order.push_back((key, at));
    }

    /// The side whose RST ended the connection of `key` less than [`RESET_MEMORY_SECS`]
    /// before `at` (and not after it), if one did.
    pub fn reset_by(&self, key: &FlowKey, at: Timestamp) -> Option<u8> {
        let &(side, t) = self.by_key.get(key)?;
        (t <= at && at <= t.plus_secs(RESET_MEMORY_SECS)).then_some(side)
    }

    /// Forgets everything (another capture starts).
    pub fn clear(&mut self) {
        self.by_key.clear();
        self.order.clear();
    }

    fn forget_before(&mut self, t: Timestamp) {
        while self.order.front().is_some_and(|&(_, at)| at < t) {
            self.forget_oldest();
        }
    }

    fn forget_oldest(&mut self) {
        if let Some((key, at)) = self.order.pop_front()
            && self.by_key.get(&key).is_some_and(|&(_, t)| t == at)
        {
            // Not noted again since.
            self.by_key.remove(&key);
        }
    }
}
