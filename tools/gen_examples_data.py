#!/usr/bin/env python3
"""Writes the examples app's bundled data (examples/data/) from Debian packages. Standard library only.

The texts are the four Gospels of three public-domain Bible translations, decoded from the SWORD
zText modules that Debian ships; the series is the yearly sunspot numbers that Debian's statsmodels
package ships. See examples/data/README.md for sources and licences.

    mkdir -p /tmp/debs && cd /tmp/debs
    apt-get download sword-text-kjv sword-text-web sword-text-sparv python3-statsmodels
    for d in *.deb; do dpkg-deb -x "$d" x; done
    python3 tools/gen_examples_data.py /tmp/debs/x

Output (UTF-8, one verse per line, "<osisRef>\t<text>", Matthew to John):
  examples/data/gospels/kjv.txt     King James Version (1769 standard text)   sword-text-kjv
  examples/data/gospels/web.txt     World English Bible (2020 stable edition) sword-text-web
  examples/data/gospels/rv1909.txt  Reina-Valera 1909 (Spanish)                sword-text-sparv
  examples/data/sunspots.csv        yearly sunspot numbers 1700-2008           python3-statsmodels
"""
import os
import re
import shutil
import struct
import sys
import zlib

MODULES = {"kjv": "engKJV2006eb", "web": "engWEB2015eb", "rv1909": "spaRV1909eb"}
GOSPELS = ("Matt", "Mark", "Luke", "John")
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "data")


def read_ztext(d, testament):
    """Yields the raw (OSIS markup) entry of every index slot of a SWORD zText testament ("" if empty)."""
    with open(f"{d}/{testament}.bzs", "rb") as f:
        bzs = f.read()
    with open(f"{d}/{testament}.bzv", "rb") as f:
        bzv = f.read()
    with open(f"{d}/{testament}.bzz", "rb") as f:
        bzz = f.read()
    blocks = [struct.unpack("<III", bzs[i:i + 12])[:2] for i in range(0, len(bzs), 12)]
    cache = {}
    for i in range(0, len(bzv), 10):
        b, off, size = struct.unpack("<IIH", bzv[i:i + 10])
        if size == 0:
            yield ""
            continue
        if b not in cache:
            o, s = blocks[b]
            cache[b] = zlib.decompress(bzz[o:o + s])
        yield cache[b][off:off + size].decode("utf-8")


def plain(s):
    s = re.sub(r"<note\b.*?</note>", "", s, flags=re.S)
    s = re.sub(r"<title\b.*?</title>", "", s, flags=re.S)
    s = re.sub(r"<[^>]*>", "", s)
    for a, b in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&")):
        s = s.replace(a, b)
    s = re.sub(r"([,;:.?!])(?=[A-Za-z])", r"\1 ", s)   # a footnote marker removed between "Christ," and "the"
    return re.sub(r"\s+", " ", s).strip()


def gospels(module_dir):
    book, chapter, verse, out = None, 0, 0, []
    for raw in read_ztext(module_dir, "nt"):
        # slots: book heading, then per chapter a chapter heading and one slot per verse (KJV versification)
        m = re.search(r'<div(?=[^>]*\bsID=)[^>]*osisID="([A-Za-z0-9]+)"[^>]*type="book"', raw)
        if m:
            book, chapter = m.group(1), 0
            continue
        m = re.search(r'<chapter(?=[^>]*\bsID=)[^>]*osisID="[A-Za-z0-9]+\.(\d+)"', raw)
        if m:
            chapter, verse = int(m.group(1)), 0
            continue
        verse += 1
        text = plain(raw)
        if text and book in GOSPELS and chapter > 0:
            out.append(f"{book}.{chapter}.{verse}\t{text}")
    return out


def main(root):
    os.makedirs(os.path.join(OUT, "gospels"), exist_ok=True)
    for name, mod in MODULES.items():
        d = os.path.join(root, "usr", "share", "sword", "modules", "texts", "ztext", mod)
        lines = gospels(d)
        with open(os.path.join(OUT, "gospels", name + ".txt"), "w", encoding="utf-8", newline="\n") as f:
            f.write("\n".join(lines) + "\n")
        print(name, len(lines), "verses")
    src = os.path.join(root, "usr", "lib", "python3", "dist-packages", "statsmodels", "datasets", "sunspots",
                       "sunspots.csv")
    shutil.copyfile(src, os.path.join(OUT, "sunspots.csv"))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/debs/x")
