#!/usr/bin/env python3
"""Writes the wixl variant of wix/main.wxs: the one installer source, minus what wixl cannot take.

wixl (msitools) builds MSIs from WiX 3 sources but has no WixUI dialog library. Each element
of main.wxs right after a comment starting with "not for wixl" is left out, as are the few
attributes wixl does not know (IGNORED_ATTRIBUTES: it takes the platform from `wixl -a x64` and
schedules the upgrade itself); paths get forward slashes. Nothing else changes, so the smoke test
installs what cargo-wix builds, without its dialogs and the PATH entry.

usage: wxs-for-wixl.py wix/main.wxs OUT.wxs
"""

import sys
import xml.etree.ElementTree as ET

NS = "http://schemas.microsoft.com/wix/2006/wi"
MARK = "not for wixl"
IGNORED_ATTRIBUTES = {"Package": ["Platform"], "MajorUpgrade": ["Schedule"]}


def strip(parent: ET.Element) -> int:
    """Removes the elements marked in `parent` and below; returns how many."""
    removed = 0
    children = list(parent)
    for i, child in enumerate(children):
        if child.tag is ET.Comment and child.text.strip().startswith(MARK):
            following = children[i + 1] if i + 1 < len(children) else None
            if following is None or following.tag is ET.Comment:
                sys.exit(f"wxs-for-wixl: the comment {child.text.strip()!r} marks no element")
            parent.remove(following)
            removed += 1
    for child in parent:
        if child.tag is not ET.Comment:
            removed += strip(child)
    return removed


def main() -> None:
    source, out = sys.argv[1], sys.argv[2]
    ET.register_namespace("", NS)
    parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))
    tree = ET.parse(source, parser)
    removed = strip(tree.getroot())
    for el in tree.getroot().iter():
        if isinstance(el.tag, str):
            for attr in IGNORED_ATTRIBUTES.get(el.tag.removeprefix("{" + NS + "}"), []):
                el.attrib.pop(attr, None)
        for attr in ("Source", "SourceFile"):
            if attr in el.attrib:
                el.attrib[attr] = el.attrib[attr].replace("\\", "/")
    tree.write(out, encoding="utf-8", xml_declaration=True)
    print(f"wxs-for-wixl: {out}: {removed} elements left out for wixl", file=sys.stderr)


if __name__ == "__main__":
    main()
