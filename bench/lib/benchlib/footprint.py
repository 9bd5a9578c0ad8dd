"""Footprint of the hypervisor: section sizes of its ELF image and the TCB line count."""
import json
import os
import struct
import subprocess
import sys

SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR = 0x1, 0x2, 0x4
SHT_NOBITS = 8


def elf_sections(path):
    """[(name, type, flags, size)] of an ELF64 little-endian file."""
    with open(path, 'rb') as f:
        data = f.read()
    if data[:4] != b'\x7fELF' or data[4] != 2 or data[5] != 1:
        raise ValueError('%s: not a 64-bit little-endian ELF file' % path)
    shoff, = struct.unpack_from('<Q', data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', data, 0x3a)
    hdrs = [struct.unpack_from('<IIQQQQIIQQ', data, shoff + i * shentsize) for i in range(shnum)]
    stroff = hdrs[shstrndx][4]
    out = []
    for name_off, typ, flags, _addr, _off, size, *_ in hdrs:
        end = data.index(b'\0', stroff + name_off)
        out.append((data[stroff + name_off:end].decode(), typ, flags, size))
    return out


def image_sizes(path):
    """Bytes of code, read-only data, initialised data and zero-initialised data."""
    sizes = {'text': 0, 'rodata': 0, 'data': 0, 'bss': 0}
    for _name, typ, flags, size in elf_sections(path):
        if not flags & SHF_ALLOC:
            continue
        if flags & SHF_EXECINSTR:
            sizes['text'] += size
        elif typ == SHT_NOBITS:
            sizes['bss'] += size
        elif flags & SHF_WRITE:
            sizes['data'] += size
        else:
            sizes['rodata'] += size
    return sizes


def tcb_lines(root, build):
    """scripts/tcb-lines' JSON summary for the hypervisor in 'build'."""
    r = subprocess.run([sys.executable, os.path.join(root, 'scripts', 'tcb-lines'), '--build', build,
                        '--json'], capture_output=True, text=True, timeout=120)
    for line in reversed(r.stdout.splitlines()):
        if line.startswith('{'):
            return json.loads(line)
    raise RuntimeError('scripts/tcb-lines gave no JSON: %s' % (r.stderr.strip() or r.stdout.strip()))
