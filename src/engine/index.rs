//! The flow table's index: entry numbers found by their key's hash.
//!
//! Looked up for every packet, so one probe should touch one cache line: each slot holds the
//! hash's low 32 bits beside the entry number, in 8 bytes, and open addressing with linear
//! probing keeps a key's candidates next to each other. A general hash table keeps its
//! control bytes and its values apart (two lines a lookup) and looks further for keys it
//! cannot compare itself. The keys stay in the entries: a match on the 32 bits is confirmed
//! there, on the entry the packet goes to anyway.

/// Slots: `(low 32 bits of the hash) << 32 | (entry number + 1)`; 0 is an empty slot.
#[derive(Debug, Clone)]
pub struct FlowIndex {
    slots: Vec<u64>,
    /// Slots minus one (their number is a power of two).
    mask: usize,
    len: usize,
}

/// The most slots: the home slot is taken from the 32 hash bits a slot keeps.
const MAX_SLOTS: usize = 1 << 32;

impl FlowIndex {
    /// An index for `n` entries before it first grows (at most half its slots are used).
    pub fn with_capacity(n: usize) -> Self {
        let slots = n
            .max(8)
            .saturating_mul(2)
            .checked_next_power_of_two()
            .unwrap_or(MAX_SLOTS)
            .min(MAX_SLOTS);
        Self {
            // Zeroed memory: pages that no slot lands on are never touched.
            slots: vec![0; slots],
            mask: slots - 1,
            len: 0,
        }
    }

    /// Entries indexed.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn home(&self, hash32: u32) -> usize {
        hash32 as usize & self.mask
    }

    /// The entry with this hash for which `is_it` holds.
    #[inline]
    pub fn find(&self, hash: u64, mut is_it: impl FnMut(u32) -> bool) -> Option<u32> {
        let hash32 = hash as u32;
        let mut pos = self.home(hash32);
        loop {
            let slot = self.slots[pos];
            if slot == 0 {
                return None;
            }
            if (slot >> 32) as u32 == hash32 {
                let idx = (slot as u32).wrapping_sub(1);
                if is_it(idx) {
                    return Some(idx);
                }
            }
            pos = (pos + 1) & self.mask;
        }
    }

    /// [`FlowIndex::find`] over the entries themselves: the entry with this hash for which
    /// `is_it` holds, with its number. The caller goes on with the entry found, bounds-checked
    /// once, where taking it again by its number would test its bounds a second time.
    #[inline]
    pub fn find_in<'a, T>(
        &self,
        hash: u64,
        entries: &'a mut [T],
        mut is_it: impl FnMut(&T) -> bool,
    ) -> Option<(usize, &'a mut T)> {
        let hash32 = hash as u32;
        let mut pos = self.home(hash32);
        loop {
            let slot = self.slots[pos];
            if slot == 0 {
                return None;
            }
            if (slot >> 32) as u32 == hash32 {
                let idx = (slot as u32).wrapping_sub(1) as usize;
                if entries.get(idx).is_some_and(&mut is_it) {
                    return entries.get_mut(idx).map(|e| (idx, e));
                }
            }
            pos = (pos + 1) & self.mask;
        }
    }

    /// Adds entry `idx` (not indexed yet) under `hash`. Growing recomputes every indexed
    /// entry's hash with `hash_of`.
    pub fn insert(&mut self, hash: u64, idx: u32, hash_of: impl Fn(u32) -> u64) {
        debug_assert!(idx < u32::MAX, "entry number {idx} does not fit a slot");
        if (self.len + 1) * 2 > self.slots.len() && self.slots.len() < MAX_SLOTS {
            self.grow(&hash_of);
        }
        self.place(hash as u32, idx);
        self.len += 1;
    }

    fn place(&mut self, hash32: u32, idx: u32) {
        let mut pos = self.home(hash32);
        while self.slots[pos] != 0 {
            pos = (pos + 1) & self.mask;
        }
        self.slots[pos] = (u64::from(hash32) << 32) | u64::from(idx + 1);
    }

    fn grow(&mut self, hash_of: &impl Fn(u32) -> u64) {
        let old = std::mem::take(&mut self.slots);
        let slots = (old.len() * 2).min(MAX_SLOTS);
        self.slots = vec![0; slots];
        self.mask = slots - 1;
        for slot in old.into_iter().filter(|&s| s != 0) {
            let idx = (slot as u32).wrapping_sub(1);
            self.place(hash_of(idx) as u32, idx);
        }
    }

    /// Removes entry `idx`, indexed under `hash`; false if it was not there.
    pub fn remove(&mut self, hash: u64, idx: u32) -> bool {
        let hash32 = hash as u32;
        let wanted = (u64::from(hash32) << 32) | u64::from(idx.wrapping_add(1));
        let mut hole = self.home(hash32);
        loop {
            let slot = self.slots[hole];
            if slot == 0 {
                return false;
            }
            if slot == wanted {
                break;
            }
            hole = (hole + 1) & self.mask;
        }
        // Backward shift: each later slot of the run that may sit in the hole (its home is
        // not between the hole and itself) moves into it, so that no search stops early.
        let mut next = (hole + 1) & self.mask;
        loop {
            let slot = self.slots[next];
            if slot == 0 {
                break;
            }
            let home = self.home((slot >> 32) as u32);
            if next.wrapping_sub(home) & self.mask >= next.wrapping_sub(hole) & self.mask {
                self.slots[hole] = slot;
                hole = next;
            }
            next = (next + 1) & self.mask;
        }
        self.slots[hole] = 0;
        self.len -= 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::FlowIndex;
    use std::collections::HashMap;

    /// A poor hash on purpose: long runs of colliding homes, wrapping past the last slot.
    fn hash(key: u32) -> u64 {
        u64::from(key % 7) | (u64::from(key) << 40) | 0xfff0
    }

    /// Random inserts and removes, checked against a map, with the index grown on the way
    /// and runs of equal homes broken by removals (the backward shift).
    #[test]
    fn finds_what_was_inserted_and_not_what_was_removed() {
        let mut index = FlowIndex::with_capacity(4);
        let mut model: HashMap<u32, u32> = HashMap::new(); // key -> entry
        let mut keys: Vec<u32> = Vec::new(); // entry -> key
        let mut free: Vec<u32> = Vec::new();
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let key = (rng % 300) as u32;
            let h = hash(key);
            let found = index.find(h, |i| keys[i as usize] == key);
            assert_eq!(found, model.get(&key).copied(), "key {key}");
            let found_in = index.find_in(h, &mut keys, |&k| k == key);
            assert_eq!(
                found_in.map(|(i, &mut k)| (i as u32, k)),
                found.map(|i| (i, key))
            );
            match found {
                Some(i) if rng & 0x100 != 0 => {
                    assert!(index.remove(h, i));
                    assert!(!index.remove(h, i), "removed twice");
                    model.remove(&key);
                    free.push(i);
                }
                Some(_) => {}
                None => {
                    let i = free.pop().unwrap_or(keys.len() as u32);
                    if i as usize == keys.len() {
                        keys.push(key);
                    }
                    keys[i as usize] = key;
                    index.insert(h, i, |j| hash(keys[j as usize]));
                    model.insert(key, i);
                }
            }
            assert_eq!(index.len(), model.len());
        }
        for (&key, &i) in &model {
            assert_eq!(index.find(hash(key), |j| keys[j as usize] == key), Some(i));
        }
        assert!(index.slots.len() > 8, "never grew");
    }
}
