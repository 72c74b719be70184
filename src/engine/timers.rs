//! The flow table's timers, earliest first, in packet time.
//!
//! A connection's timers lie from a few seconds (an unanswered SYN, a close) to five minutes
//! (an idle connection) ahead, and a deadline that moves earlier leaves the old timer behind
//! until it comes due. One heap of all of them made every pop sink through a tree as deep as
//! the connections of the last five minutes, most of it out of the cache. Here timers are
//! kept by the second they fall in, a ring of small heaps a few minutes long, plus one heap
//! for anything further: only the current second's heap is worked on. The order timers come
//! out in is the one heap's: the earliest `(due, entry, generation)` first, ties included.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::packet::Timestamp;

/// A timer: when, the flow-table entry, and the entry's generation when it was set.
pub type Timer = (Timestamp, u32, u32);

/// Seconds the ring covers: more than the longest usual deadline (five minutes idle).
const RING_SECS: usize = 512;
/// A second's heap left behind with more room than this gives it back: a SYN flood fills
/// every second's heap in turn, and the ring must not keep the room of each. 256 timers of 16
/// bytes a second, 2 MiB for the ring (1,024 kept 8 MiB): a busier second grows its heap again
/// each time the ring comes round to it, a handful of allocations for hundreds of timers.
const KEPT_ROOM: usize = 256;

/// The most the ring keeps of its seconds' room: `KEPT_ROOM` timers in each of its
/// `RING_SECS` seconds (a second's heap with more gives it back once the second is left).
/// For the sum of every cap of the agent (tests/agent_memory.rs).
pub const MOST_KEPT_BYTES: usize = RING_SECS * KEPT_ROOM * std::mem::size_of::<Reverse<Timer>>();

/// Timers by the second they fall in.
#[derive(Debug)]
pub struct TimerQueue {
    /// `ring[s % RING_SECS]`: the timers of second `s`, for `cursor <= s < cursor + RING_SECS`;
    /// those of seconds before `cursor` are in the cursor's heap (the time went back).
    ring: Vec<BinaryHeap<Reverse<Timer>>>,
    /// Timers in the ring.
    in_ring: usize,
    /// The earliest second the ring holds; the heaps of the seconds before it are empty.
    cursor: i64,
    /// The second of the latest time timers were asked for (`i64::MAX` before that).
    now: i64,
    /// No timer is due before this: most packets come before the next timer, and look no
    /// further.
    earliest: Timestamp,
    /// Timers past the ring's last second when they were set.
    later: BinaryHeap<Reverse<Timer>>,
    /// Debug builds keep every timer in one heap as well, and check that both give the
    /// same timer each time.
    #[cfg(debug_assertions)]
    check: BinaryHeap<Reverse<Timer>>,
}

impl Default for TimerQueue {
    fn default() -> Self {
        Self {
            ring: (0..RING_SECS).map(|_| BinaryHeap::new()).collect(),
            in_ring: 0,
            cursor: i64::MIN,
            now: i64::MAX,
            earliest: Timestamp(i64::MAX),
            later: BinaryHeap::new(),
            #[cfg(debug_assertions)]
            check: BinaryHeap::new(),
        }
    }
}

impl TimerQueue {
    fn slot(second: i64) -> usize {
        second.rem_euclid(RING_SECS as i64) as usize
    }

    /// Adds a timer.
    pub fn push(&mut self, timer: Timer) {
        #[cfg(debug_assertions)]
        self.check.push(Reverse(timer));
        self.earliest = self.earliest.min(timer.0);
        let second = timer.0.second();
        if self.in_ring == 0 {
            // An empty ring can start anywhere: at this timer's second, or the current one
            // if that is earlier (the timers set next will mostly lie after it). The seconds
            // it jumps over give their room back.
            self.ring.iter_mut().for_each(give_back_room);
            self.cursor = second.min(self.now);
        }
        let second = second.max(self.cursor);
        if second - self.cursor < RING_SECS as i64 {
            self.ring[Self::slot(second)].push(Reverse(timer));
            self.in_ring += 1;
        } else {
            self.later.push(Reverse(timer));
        }
    }

    /// Whether some timer may be due at `now` ([`TimerQueue::pop_due`] finds none otherwise):
    /// the test every packet makes, apart so that it stays where the packet is handled.
    #[inline]
    pub fn any_due(&self, now: Timestamp) -> bool {
        now >= self.earliest
    }

    /// Removes and returns the earliest timer if it is due at `now` or before.
    #[inline]
    pub fn pop_due(&mut self, now: Timestamp) -> Option<Timer> {
        if now < self.earliest {
            return None;
        }
        self.now = now.second();
        self.pop_until(self.now, |t| t.0 <= now)
    }

    /// Removes and returns the earliest timer.
    pub fn pop(&mut self) -> Option<Timer> {
        self.pop_until(i64::MAX, |_| true)
    }

    /// The earliest timer, looked for in the ring up to second `last`, if `take` accepts it.
    #[inline(never)]
    fn pop_until(&mut self, last: i64, take: impl Fn(&Timer) -> bool) -> Option<Timer> {
        let mut from_ring = None;
        while self.in_ring > 0 {
            if let Some(&Reverse(t)) = self.ring[Self::slot(self.cursor)].peek() {
                from_ring = Some(t);
                break;
            }
            if self.cursor >= last {
                break;
            }
            // Past an empty second; at most the ring's length of them, as a timer lies ahead.
            give_back_room(&mut self.ring[Self::slot(self.cursor)]);
            self.cursor += 1;
        }
        let from_later = self.later.peek().map(|&Reverse(t)| t);
        let earliest = match (from_ring, from_later) {
            (Some(r), Some(l)) => Some(r.min(l)),
            (r, l) => r.or(l),
        };
        let Some(earliest) = earliest.filter(|t| take(t)) else {
            // Nothing to take before the earliest timer seen, or, with the ring's heap at the
            // cursor empty, before the cursor's next second.
            let mut bound = from_later.map_or(Timestamp(i64::MAX), |t| t.0);
            match from_ring {
                Some(t) => bound = bound.min(t.0),
                None if self.in_ring > 0 => {
                    let next_second = self.cursor.saturating_add(1);
                    if let Some(start) = next_second.checked_mul(Timestamp::NANOS_PER_SEC) {
                        bound = bound.min(Timestamp(start));
                    }
                }
                None => {}
            }
            self.earliest = bound;
            return None;
        };
        if from_ring == Some(earliest) {
            self.ring[Self::slot(self.cursor)].pop();
            self.in_ring -= 1;
        } else {
            self.later.pop();
        }
        #[cfg(debug_assertions)]
        {
            let expected = self.check.pop().map(|Reverse(t)| t);
            debug_assert_eq!(Some(earliest), expected, "the timer ring lost its order");
        }
        Some(earliest)
    }

    /// Removes every timer.
    pub fn clear(&mut self) {
        for heap in &mut self.ring {
            heap.clear();
        }
        self.in_ring = 0;
        self.earliest = Timestamp(i64::MAX);
        self.later.clear();
        #[cfg(debug_assertions)]
        self.check.clear();
    }
}

/// Frees an empty heap's room when it is large.
fn give_back_room(heap: &mut BinaryHeap<Reverse<Timer>>) {
    if heap.is_empty() && heap.capacity() > KEPT_ROOM {
        *heap = BinaryHeap::new();
    }
}

#[cfg(test)]
mod tests {
    use super::{RING_SECS, Timer, TimerQueue};
    use crate::packet::Timestamp;
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    const SEC: i64 = Timestamp::NANOS_PER_SEC;

    /// Against one heap: timers a moment, a few seconds, minutes and days ahead, in the past
    /// (the capture's time went back), at the ends of time, several in one nanosecond;
    /// popped when due as time moves on and jumps, and by eviction whatever the time.
    #[test]
    fn gives_timers_in_the_order_of_one_heap() {
        let mut queue = TimerQueue::default();
        let mut heap: BinaryHeap<Reverse<Timer>> = BinaryHeap::new();
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        let mut now = Timestamp(-50 * SEC);
        let mut popped = 0;
        for step in 0..40_000u32 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let r = rng >> 8;
            let ahead = match r % 10 {
                0 => (r >> 4) as i64 % 1_000,
                1..=4 => (r >> 4) as i64 % (10 * SEC),
                5 | 6 => (r >> 4) as i64 % (400 * SEC),
                7 => (r >> 4) as i64 % (5 * 86_400 * SEC),
                8 => -((r >> 4) as i64 % (200 * SEC)),
                _ => 0,
            };
            let due = match r % 997 {
                0 => Timestamp(i64::MAX - 1),
                1 => Timestamp(i64::MIN + 1),
                _ => Timestamp(now.0.saturating_add(ahead)),
            };
            let timer = (due, (r % 64) as u32, step % 3);
            queue.push(timer);
            heap.push(Reverse(timer));
            match (r >> 20) % 50 {
                0 => {
                    // Eviction: the earliest, due or not.
                    assert_eq!(queue.pop(), heap.pop().map(|Reverse(t)| t));
                    popped += 1;
                }
                1 => now = Timestamp(now.0 + (r >> 24) as i64 % (RING_SECS as i64 * 3 * SEC)),
                _ => now = Timestamp(now.0 + (r >> 24) as i64 % (SEC / 50)),
            }
            loop {
                let expected = match heap.peek() {
                    Some(&Reverse(t)) if t.0 <= now => heap.pop().map(|Reverse(t)| t),
                    _ => None,
                };
                assert_eq!(queue.pop_due(now), expected, "at {now:?}");
                let Some(_) = expected else { break };
                popped += 1;
            }
        }
        assert!(popped > 10_000, "only {popped} timers came due");
        while let Some(Reverse(t)) = heap.pop() {
            assert_eq!(queue.pop(), Some(t));
        }
        assert_eq!(queue.pop(), None);
        queue.push((Timestamp(5), 1, 1));
        queue.clear();
        assert_eq!(queue.pop(), None);
    }

    /// A flood sets many timers in every second: the ring holds the room of the seconds
    /// ahead, not of every second it went through.
    #[test]
    fn a_flood_leaves_no_room_behind() {
        let mut queue = TimerQueue::default();
        let per_second = 3_000;
        for second in 0..2 * RING_SECS as i64 {
            let now = Timestamp(second * SEC);
            while queue.pop_due(now).is_some() {}
            for k in 0..per_second {
                queue.push((Timestamp(now.0 + 5 * SEC + k), k as u32, 0));
            }
        }
        let room: usize = queue.ring.iter().map(|h| h.capacity()).sum();
        assert!(
            room < 20 * per_second as usize,
            "the ring keeps room for {room} timers"
        );
    }
}
