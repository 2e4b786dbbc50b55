#!/usr/bin/python3
"""Makes assets/fonts/DoppelSans-SC.otf, the CJK font Doppel ships for burned subtitles.

    apt-get install -y fonts-noto-cjk python3-fonttools
    /usr/bin/python3 scripts/make-subtitle-font.py

Source: Noto Sans CJK SC Regular (face 2 of Debian's NotoSansCJK-Regular.ttc, package
fonts-noto-cjk), SIL Open Font License 1.1. Kept: Basic Latin, Latin-1, General Punctuation,
CJK Symbols and Punctuation, Halfwidth and Fullwidth Forms, and the whole of GB2312 (its 682
symbols, Greek, Cyrillic, kana and pinyin letters and its 6763 Hanzi; with --level1 only the
3755 level-1 Hanzi). The result is a renamed Modified Version ("Doppel Sans SC"): the OFL does
not let a modified font go by the original's name. Re-running it gives the same bytes for the
same source and fontTools version.
"""

import argparse
import os
import sys

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
DEFAULT_SOURCE = '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc'
DEFAULT_OUTPUT = os.path.join(ROOT, 'assets/fonts/DoppelSans-SC.otf')
SOURCE_FAMILY = 'Noto Sans CJK SC'

FAMILY = 'Doppel Sans SC'
POSTSCRIPT = 'DoppelSansSC-Regular'

RANGES = [
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x00FF),  # Latin-1 Supplement
    (0x2000, 0x206F),  # General Punctuation
    (0x3000, 0x303F),  # CJK Symbols and Punctuation
    (0xFF00, 0xFFEF),  # Halfwidth and Fullwidth Forms
]


def gb2312(first_row, last_row):
    """Every character of GB2312 rows first_row..last_row (1-based), by decoding each code."""
    chars = []
    for row in range(first_row, last_row + 1):
        for cell in range(1, 95):
            try:
                chars.append(bytes([0xA0 + row, 0xA0 + cell]).decode('gb2312'))
            except UnicodeDecodeError:
                pass  # an unassigned code point of the row
    return chars


def hanzi(level1_only):
    # Rows 16–55 are level 1 (3755, by pinyin), 56–87 level 2 (3008, by radical).
    return gb2312(16, 55 if level1_only else 87)


def codepoints(level1_only):
    cps = set()
    for lo, hi in RANGES:
        cps.update(range(lo, hi + 1))
    cps.update(ord(c) for c in gb2312(1, 9))  # GB2312's symbols, Greek, Cyrillic, kana, pinyin
    cps.update(ord(c) for c in hanzi(level1_only))
    return cps


def source_face(path):
    if path.lower().endswith(('.ttc', '.otc')):
        for face in TTCollection(path).fonts:
            if face['name'].getDebugName(1) == SOURCE_FAMILY:
                return face
        sys.exit(f'{path} has no {SOURCE_FAMILY} face')
    return TTFont(path)


def rename(font, source_version):
    name = font['name']
    copyright_ = name.getDebugName(0)
    license_ = name.getDebugName(13)
    license_url = name.getDebugName(14)
    version = name.getDebugName(5)
    name.names = []  # drop every record (and every language) of the original naming
    records = {
        0: copyright_,
        1: FAMILY,
        2: 'Regular',
        3: f'{source_version};DOPPEL;{POSTSCRIPT}',
        4: FAMILY,
        5: f'{version}; Doppel subset of {SOURCE_FAMILY} {source_version}',
        6: POSTSCRIPT,
        10: f'A subset of {SOURCE_FAMILY} {source_version} for Doppel burned-in subtitles '
        '(scripts/make-subtitle-font.py). Modified Version under the SIL Open Font License 1.1.',
        13: license_,
        14: license_url,
    }
    for name_id, text in records.items():
        if text:
            name.setName(text, name_id, 3, 1, 0x409)  # Windows, Unicode BMP, en-US
            name.setName(text, name_id, 1, 0, 0)  # Mac Roman, English
    # The CFF table names the font too (FontName, FullName, FamilyName, and each FD of a CID font).
    if 'CFF ' in font:
        cff = font['CFF '].cff
        old = cff.fontNames[0]
        cff.fontNames = [POSTSCRIPT]
        top = cff.topDictIndex[0]
        top.FullName = FAMILY
        top.FamilyName = FAMILY
        if hasattr(top, 'Notice'):
            top.Notice = copyright_
        if hasattr(top, 'FDArray'):
            for fd in top.FDArray:
                if getattr(fd, 'FontName', None):
                    fd.FontName = fd.FontName.replace(old, POSTSCRIPT)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--source', default=DEFAULT_SOURCE)
    ap.add_argument('--output', default=DEFAULT_OUTPUT)
    ap.add_argument('--level1', action='store_true', help='only the 3755 level-1 Hanzi of GB2312')
    args = ap.parse_args()

    font = source_face(args.source)
    source_version = font['name'].getDebugName(5).split(';')[0]  # "Version 2.004"
    cps = codepoints(args.level1)

    opts = subset.Options()
    # fontTools' default features (kerning, ligatures, composition) less the ones that would pull
    # in glyphs subtitles never show: other locales' Hanzi forms (locl: Japanese, Korean,
    # Traditional variants) and vertical-writing forms.
    drop = {'locl', 'vert', 'vrt2', 'vkrn', 'vpal', 'valt'}
    opts.layout_features = [f for f in opts.layout_features if f not in drop]
    opts.name_IDs = ['*']  # renamed below anyway
    opts.name_languages = ['*']
    opts.notdef_outline = True
    opts.recalc_bounds = True
    opts.drop_tables += ['DSIG']
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=cps)
    sub.subset(font)
    rename(font, source_version)
    # A fixed timestamp keeps the output reproducible (head.modified would be "now").
    font['head'].modified = font['head'].created
    font.recalcTimestamp = False
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    font.save(args.output)

    cmap = font.getBestCmap()
    han = hanzi(args.level1)
    missing = [c for c in han if ord(c) not in cmap]
    print(f'{args.output}: {os.path.getsize(args.output)} bytes, {font["maxp"].numGlyphs} glyphs, '
          f'{len(cmap)} code points, {len(han) - len(missing)}/{len(han)} GB2312 Hanzi'
          + (f' (missing: {"".join(missing)})' if missing else ''))


if __name__ == '__main__':
    main()
