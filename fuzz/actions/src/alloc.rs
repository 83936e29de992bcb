//! A global allocator that aborts on any single allocation above [`MAX_ALLOC`]: hostile
//! input must not make a decoder allocate what its length fields claim.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;

/// The largest single allocation a target may make (64 MiB).
pub const MAX_ALLOC: usize = 64 << 20;

/// The system allocator with a per-allocation limit. Install it with
/// `#[global_allocator] static A: crdt_fuzz::LimitAlloc = crdt_fuzz::LimitAlloc;`.
#[derive(Debug, Clone, Copy, Default)]
pub struct LimitAlloc;

#[cold]
fn too_large(size: usize) -> ! {
    // No allocation here: format into a stack buffer.
    let mut buf = [0u8; 96];
    let mut w = &mut buf[..];
    let _ = writeln!(
        w,
        "allocation of {size} bytes above the {MAX_ALLOC}-byte limit"
    );
    let left = w.len();
    let _ = std::io::stderr().write_all(&buf[..buf.len() - left]);
    std::process::abort()
}

// SAFETY: forwards to `System` unchanged; only refuses sizes above the limit.
unsafe impl GlobalAlloc for LimitAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() > MAX_ALLOC {
            too_large(layout.size());
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.size() > MAX_ALLOC {
            too_large(layout.size());
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > MAX_ALLOC {
            too_large(new_size);
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
