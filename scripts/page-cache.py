#!/usr/bin/env python3
"""How a file sits in the page cache: the share of its pages that are resident, and of those
the share held in large folios (several pages the kernel keeps and maps as one).

    scripts/page-cache.py FILE...

One line a file: `FILE: 100% resident, 97% in large folios (sampled 16,384 pages)`.

Why: reading a file from the page cache costs several times less when its pages sit in large
folios than in single 4 KiB pages (the same file read by `cat` at 0.03 s a GiB in one state and
0.13 s in the other, on the same machine within two hours), and the state follows from how the
pages came into the cache (written, read back after eviction, memory fragmentation), not from
the program that reads them. scripts/bench.sh prints this beside its timings so that a run says
which state it measured.

It maps the file read-only, asks the kernel which pages are resident (mincore), touches only
resident pages (no disk read), and looks each sampled page's frame up in /proc/self/pagemap
and /proc/kpageflags (root only: without them it says "unknown" and why).
"""
import ctypes
import ctypes.util
import mmap
import os
import sys

PAGE = os.sysconf("SC_PAGE_SIZE")
SAMPLES = 16384
KPF_COMPOUND_HEAD = 1 << 15
KPF_COMPOUND_TAIL = 1 << 16

libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                      ctypes.c_int, ctypes.c_long]
libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p]


def state(path, pagemap, kpageflags):
    size = os.stat(path).st_size
    pages = (size + PAGE - 1) // PAGE
    if pages == 0:
        return "empty"
    fd = os.open(path, os.O_RDONLY)
    try:
        addr = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
        if addr in (None, ctypes.c_void_p(-1).value):
            return "cannot map it: " + os.strerror(ctypes.get_errno())
        try:
            vec = ctypes.create_string_buffer(pages)
            if libc.mincore(addr, size, vec) != 0:
                return "mincore failed: " + os.strerror(ctypes.get_errno())
            resident = sum(1 for b in vec.raw if b & 1)
            step = max(1, pages // SAMPLES)
            sampled = large = 0
            for i in range(0, pages, step):
                if not vec.raw[i] & 1:
                    continue
                # Touch it so that it is mapped (resident: no disk read), then its frame.
                ctypes.c_char.from_address(addr + i * PAGE).value
                pagemap.seek((addr // PAGE + i) * 8)
                entry = int.from_bytes(pagemap.read(8), "little")
                pfn = entry & ((1 << 55) - 1)
                if not entry >> 63 or pfn == 0:
                    continue
                kpageflags.seek(pfn * 8)
                flags = int.from_bytes(kpageflags.read(8), "little")
                sampled += 1
                if flags & (KPF_COMPOUND_HEAD | KPF_COMPOUND_TAIL):
                    large += 1
        finally:
            libc.munmap(addr, size)
    finally:
        os.close(fd)
    if sampled == 0:
        return f"{100 * resident // pages}% resident"
    return (f"{100 * resident // pages}% resident, {round(100 * large / sampled)}% in large "
            f"folios (sampled {sampled:,} pages)")


def main():
    try:
        pagemap = open("/proc/self/pagemap", "rb", buffering=0)
        kpageflags = open("/proc/kpageflags", "rb", buffering=0)
    except OSError as e:
        for path in sys.argv[1:]:
            print(f"{path}: unknown ({e.strerror} reading {e.filename}: needs root on Linux)")
        return
    for path in sys.argv[1:]:
        try:
            print(f"{path}: {state(path, pagemap, kpageflags)}")
        except OSError as e:
            print(f"{path}: unknown ({e.strerror})")


if __name__ == "__main__":
    main()
