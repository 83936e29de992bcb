//! A counting global allocator, to measure the memory a document retains.
//!
//! A binary opts in with
//! `#[global_allocator] static ALLOC: crdt_benches::mem::Counting = crdt_benches::mem::Counting;`.
//! Counting is off except inside [`retained`], so timed runs pay one relaxed load per
//! allocation. [`retained`] reports the net bytes allocated while building a value that is
//! still alive at the end (allocations minus frees within the window): the heap the value
//! holds, plus anything else leaked during the window (nothing, in these benches).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};

static ON: AtomicBool = AtomicBool::new(false);
static NET: AtomicIsize = AtomicIsize::new(0);
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// The system allocator, counting net allocated bytes while a measurement is on.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counting;

#[inline]
fn count(delta: isize) {
    if ON.load(Ordering::Relaxed) {
        NET.fetch_add(delta, Ordering::Relaxed);
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the
// counters are atomics and never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        INSTALLED.store(true, Ordering::Relaxed);
        count(layout.size() as isize);
        // SAFETY: forwarded contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        INSTALLED.store(true, Ordering::Relaxed);
        count(layout.size() as isize);
        // SAFETY: forwarded contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as isize));
        // SAFETY: forwarded contract.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size as isize - layout.size() as isize);
        // SAFETY: forwarded contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Builds a value with counting on and returns it with the net bytes it retains, or `None`
/// for the bytes when [`Counting`] is not the global allocator of this binary.
pub fn retained<T>(build: impl FnOnce() -> T) -> (T, Option<usize>) {
    NET.store(0, Ordering::SeqCst);
    ON.store(true, Ordering::SeqCst);
    let value = build();
    ON.store(false, Ordering::SeqCst);
    let net = NET.load(Ordering::SeqCst);
    let bytes = INSTALLED
        .load(Ordering::Relaxed)
        .then(|| net.max(0) as usize);
    (value, bytes)
}
