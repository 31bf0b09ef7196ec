#!/usr/bin/env python3
"""Prints the largest async function frames in a routero binary.

An async function's frame (its "context") is allocated from the task's heap when it is called
and freed when it returns. For the functions a held stream is inside (the route, serveChat, the
relay), that is memory per open stream, all of it fresh pages while streams open. The size is in
the binary: every async function has an "async function pointer" record (mangled suffix `Tu`)
holding a 32-bit relative offset and the 32-bit context size.

Usage: Tests/bench/async_frames.py [BINARY] [N]   (default .build/release/routero, 12)
Needs nm and readelf (binutils); names are demangled with `swift demangle` when it is on PATH.
"""
from __future__ import annotations

import shutil
import struct
import subprocess
import sys
from pathlib import Path


def sections(binary: str) -> list[tuple[int, int, int, str]]:
    """(address, file offset, size, name) of each section."""
    out = subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True, check=True).stdout
    found = []
    for line in out.splitlines():
        fields = line.replace("[ ", "[").split()
        if len(fields) > 6 and fields[0].startswith("[") and fields[0] != "[Nr]":
            try:
                found.append((int(fields[3], 16), int(fields[4], 16), int(fields[5], 16), fields[1]))
            except ValueError:
                continue
    return found


def frame_sizes(binary: str) -> list[tuple[int, str]]:
    data = Path(binary).read_bytes()
    secs = [s for s in sections(binary) if s[3] != ".bss"]
    symbols = subprocess.run(["nm", "--defined-only", binary], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in symbols.splitlines():
        fields = line.split()
        if len(fields) != 3 or not fields[2].endswith("Tu"):
            continue
        address = int(fields[0], 16)
        for start, offset, size, _ in secs:
            if start <= address < start + size:
                at = offset + address - start
                _, context = struct.unpack("<iI", data[at:at + 8])
                rows.append((context, fields[2]))
                break
    rows.sort(reverse=True)
    return rows


def main() -> None:
    binary = sys.argv[1] if len(sys.argv) > 1 else ".build/release/routero"
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    rows = frame_sizes(binary)[:count]
    names = [name for _, name in rows]
    if shutil.which("swift"):
        demangled = subprocess.run(["swift", "demangle", "--simplified"], input="\n".join(names),
                                   capture_output=True, text=True).stdout.splitlines()
        if len(demangled) == len(names):
            names = [n.removeprefix("async function pointer to ") for n in demangled]
    print("async frame bytes  function")
    for (size, _), name in zip(rows, names):
        print(f"{size:17,}  {name[:150]}")


if __name__ == "__main__":
    main()
