//! The generated bindings of world `wasi-tls-user`, the export glue, and the
//! canonical ABI's allocation entry point: the only `unsafe` code here.
#![allow(unsafe_code)]
#![allow(missing_docs)]

wit_bindgen::generate!({
    world: "wasi-tls-user",
    path: "../../wit",
    generate_all,
});

use crate::Client;
export!(Client with_types_in crate::bindings);

/// The canonical ABI's `cabi_realloc`, which the host calls to place lists
/// and strings in this component's memory. With std, wasi-libc provides it;
/// without, this one serves it from the global allocator.
#[cfg(target_arch = "wasm32")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cabi_realloc(
    old_ptr: *mut u8,
    old_len: usize,
    align: usize,
    new_len: usize,
) -> *mut u8 {
    use alloc::alloc::{Layout, alloc, realloc};
    if new_len == 0 {
        // A dangling, aligned pointer: nothing is read or written through it.
        return align as *mut u8;
    }
    // SAFETY: the canonical ABI passes a power-of-two `align` and, for a
    // reallocation, the pointer and size of an earlier allocation made here.
    let ptr = unsafe {
        if old_len == 0 {
            alloc(Layout::from_size_align_unchecked(new_len, align))
        } else {
            realloc(
                old_ptr,
                Layout::from_size_align_unchecked(old_len, align),
                new_len,
            )
        }
    };
    if ptr.is_null() {
        core::arch::wasm32::unreachable();
    }
    ptr
}
