"""The highlighted copy written by editing the district's own xlsx parts, not by openpyxl.

openpyxl loads a whole workbook into objects and writes every part again: ~35 ms for a
district month, half the intake's time when a third of the files have row issues, and it
drops what it does not model (extension lists, some drawings). Here only what the copy needs
changes: each problem cell's style index points at a clone of its cell format with the
highlight fill, and each marked sheet gets a comments part with its VML drawing, serialised by
openpyxl's own comment writer (``CommentSheet``), so the comments look as openpyxl's do. Every
other part is copied byte for byte.

``mark_cells`` returns False, having written nothing, for anything it does not cover: a
problem cell absent from the sheet's XML (it would have to be inserted into its row), a
sheet that already has comments or a legacy drawing, namespace-prefixed elements, a part
that does not parse. The caller then writes the copy with openpyxl (rekap.intake.feedback).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from xml.parsers import expat

from openpyxl.comments import Comment
from openpyxl.comments.comment_sheet import CommentRecord, CommentSheet
from openpyxl.styles import PatternFill
from openpyxl.utils.cell import column_index_from_string as column_number
from openpyxl.utils.cell import coordinate_from_string, get_column_letter, range_boundaries
from openpyxl.xml.functions import tostring

from rekap.report import opening

REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
COMMENTS_TYPE = f"{REL_NS}/comments"
VML_TYPE = f"{REL_NS}/vmlDrawing"
COMMENTS_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
VML_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.vmlDrawing"
CONTENT_TYPES = "[Content_Types].xml"

# CT_Worksheet's children that come after legacyDrawing (ECMA-376 Part 1, 18.3.1.99): the
# new element goes before the first of these present, else before </worksheet>.
_AFTER_LEGACY_DRAWING = (
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
)
_STYLE_ATTR = re.compile(rb'\ss="([0-9]+)"')
_FILL_ID = re.compile(rb'\sfillId="[0-9]+"')
_APPLY_FILL = re.compile(rb'\sapplyFill="[^"]*"')


def above(note: str, earlier: str) -> str:
    """Two comments on one cell (two problems in one merged range, or the district's own
    comment): the newer first, the earlier kept below a rule. Both writers use it."""
    return f"{note}\n---\n{earlier}"


class NotCovered(Exception):
    """What the direct edit does not handle; the caller uses openpyxl instead."""


def mark_cells(
    source: Path | IO[bytes],
    target: Path,
    notes: Mapping[tuple[str, str], str],
    fill: PatternFill,
    make_comment: Callable[[str], Comment],
) -> bool:
    """Write ``target``: ``source`` with each cell of ``notes`` ((sheet name stripped and
    lower-cased, cell address) -> comment text) filled with ``fill`` and commented. A cell in a
    merged range is marked at the range's top-left cell (whose value the reader used); notes of
    one cell are joined. True when written; False (nothing written) when not covered, or when
    anything fails: a district's odd file (an encrypted or Deflate64 member, a corrupt one the
    reader never opened) must cost it the fast copy, never its intake."""
    try:
        with zipfile.ZipFile(source) as archive:
            parts = _edit(archive, notes, fill, make_comment)
            _write(archive, target, parts)
    except Exception:  # see above; openpyxl gets its chance next
        target.unlink(missing_ok=True)
        return False
    return True


def _write(archive: zipfile.ZipFile, target: Path, parts: dict[str, bytes]) -> None:
    """The source's members in their order, the changed ones replaced, then the new ones."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in archive.infolist():
            data = parts.pop(info.filename, None)
            copy = zipfile.ZipInfo(info.filename, info.date_time)  # the source's own stays untouched
            copy.external_attr = info.external_attr
            out.writestr(copy, data if data is not None else archive.read(info), zipfile.ZIP_DEFLATED)
        for name, data in parts.items():
            out.writestr(name, data)


def _edit(
    archive: zipfile.ZipFile,
    notes: Mapping[tuple[str, str], str],
    fill: PatternFill,
    make_comment: Callable[[str], Comment],
) -> dict[str, bytes]:
    """Every part to write: name -> bytes (changed parts and new ones)."""
    members = archive.namelist()
    names = set(members)
    if len({n.lower() for n in members}) != len(members):  # part names compare case-insensitively
        raise NotCovered("duplicate part names")
    found = opening.xlsx_parts(archive)  # as the reader's limit scan finds them
    styles_part = found.styles
    if styles_part not in names:
        raise NotCovered("no styles part")
    sheets = {name.strip().lower(): part for name, part in found.sheets if part}
    by_sheet: dict[str, dict[str, str]] = {}
    for (sheet, address), text in notes.items():
        part = sheets.get(sheet)
        if part is None or part not in names:
            continue  # a sheet the workbook does not have: nothing to mark there (as openpyxl)
        by_sheet.setdefault(part, {})[address.upper()] = text
    if not by_sheet:
        raise NotCovered("no cell to mark")

    styles = _Styles(archive.read(styles_part), fill)
    parts: dict[str, bytes] = {}
    content_types = archive.read(CONTENT_TYPES)
    taken = {n.lower() for n in names} | {
        m.decode(errors="replace").lstrip("/").lower()
        for m in re.findall(rb'PartName="([^"]*)"', content_types)
    }
    vml_block = _last_vml_block(archive, members)
    for sheet_part, cell_notes in by_sheet.items():
        sheet = _Sheet(archive.read(sheet_part))
        rels_part = opening.rels_part(sheet_part)
        rels = archive.read(rels_part) if rels_part in names else None
        if rels is not None and (COMMENTS_TYPE.encode() in rels or VML_TYPE.encode() in rels):
            raise NotCovered("the sheet has comments or a VML drawing already")
        marked = sheet.mark(cell_notes, styles)
        comments_part, vml_part = _free_names(taken)
        taken |= {comments_part.lower(), vml_part.lower()}
        vml_block += 1
        records = []
        for address, text in sorted(marked.items(), key=lambda kv: _row_col(kv[0])):
            comment = make_comment(text)
            record = CommentRecord(ref=address, author=comment.author)
            record.text.t = comment.content
            record.height, record.width = comment.height, comment.width
            records.append(record)
        comment_sheet = CommentSheet.from_comments(records)
        parts[comments_part] = tostring(comment_sheet.to_tree())
        parts[vml_part] = _in_block(comment_sheet.write_shapes(), vml_block)
        comments_id, vml_id = _new_ids(rels)
        parts[rels_part] = _add_relationships(
            rels,
            [
                (comments_id, COMMENTS_TYPE, _relative(sheet_part, comments_part)),
                (vml_id, VML_TYPE, _relative(sheet_part, vml_part)),
            ],
        )
        parts[sheet_part] = sheet.with_legacy_drawing(vml_id)
        content_types = _add_content_types(content_types, comments_part)
    parts[styles_part] = styles.xml()
    parts[CONTENT_TYPES] = content_types
    for data in parts.values():  # every changed or new part must still be XML
        _parse(data, lambda *_: None)
    return parts


# --- the sheet ---------------------------------------------------------------------------------


@dataclass
class _Row:
    start: int  # offset of "<row"
    end: int = -1  # offset of "</row>"; -1 while open or for "<row …/>"
    cells: list[tuple[str, int]] = field(default_factory=list)  # (address, offset of "<c")


class _Sheet:
    """One worksheet's XML with byte offsets of what the edit needs, found by expat."""

    def __init__(self, data: bytes):
        if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4]:
            raise NotCovered("UTF-16: the byte edits below assume UTF-8")
        self.data = data
        self.cells: dict[str, int] = {}  # address -> offset of its "<c"
        self.rows: dict[int, _Row] = {}
        self.sheet_data_end = -1  # offset of "</sheetData>"
        self.dimension: tuple[int, str] | None = None  # offset of "<dimension", its ref
        self.top_level: list[tuple[str, int]] = []  # the root's children: (name, offset)
        self.merged: list[tuple[int, int, int, int]] = []  # min_col, min_row, max_col, max_row
        self.root_end = -1  # offset of the root's start tag's ">" (for xmlns:r)
        self.root_close = -1  # offset of the root's end tag
        self.r_prefix: str | None = None
        depth = 0
        row: _Row | None = None
        parser = expat.ParserCreate()

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal depth, row
            if ":" in name and (depth <= 1 or name.endswith((":c", ":row", ":mergeCell"))):
                # a prefixed main namespace, or markup-compatibility wrappers around the
                # sheet's own parts: the byte edits below assume neither
                raise NotCovered("prefixed elements")
            at = parser.CurrentByteIndex
            if depth == 0:
                self.r_prefix = attrs.get("xmlns:r")
                self.root_end = data.index(b">", at)
            elif depth == 1:
                self.top_level.append((name, at))
            if name == "c" and row is not None:
                if "r" not in attrs:  # positions implied by order: an inserted cell would shift them
                    raise NotCovered("a cell without its address")
                self.cells[attrs["r"].upper()] = at
                row.cells.append((attrs["r"].upper(), at))
            elif name == "row" and depth == 2:
                if "r" not in attrs:
                    raise NotCovered("a row without its number")
                row = self.rows[int(attrs["r"])] = _Row(at)
            elif name == "mergeCell" and attrs.get("ref"):
                self.merged.append(range_boundaries(attrs["ref"]))
            elif name == "dimension" and depth == 1 and attrs.get("ref"):
                self.dimension = (at, attrs["ref"])
            depth += 1

        def end(name: str) -> None:
            nonlocal depth, row
            depth -= 1
            at = parser.CurrentByteIndex
            if depth == 0:
                self.root_close = at
            if name == "row" and row is not None:
                if data.startswith(b"</", at):
                    row.end = at
                row = None
            elif name == "sheetData" and data.startswith(b"</", at):
                self.sheet_data_end = at

        def doctype(*_: object) -> None:  # entities could put cells where offsets do not show them
            raise NotCovered("a DOCTYPE")

        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.StartDoctypeDeclHandler = doctype
        parser.Parse(data, True)
        if not data.startswith(b"</", self.root_close):
            raise NotCovered("a self-closing root")
        if any(name == "legacyDrawing" for name, _ in self.top_level):
            raise NotCovered("the sheet has a legacy drawing")
        if self.r_prefix not in (None, REL_NS):
            raise NotCovered("the prefix r is bound to another namespace")
        self.edits: list[tuple[int, int, bytes]] = []

    def top_left(self, address: str) -> str:
        column_letters, row = coordinate_from_string(address)
        column = column_number(column_letters)
        for min_col, min_row, max_col, max_row in self.merged:
            if min_col <= column <= max_col and min_row <= row <= max_row:
                return f"{get_column_letter(min_col)}{min_row}"
        return address

    def mark(self, notes: dict[str, str], styles: _Styles) -> dict[str, str]:
        """Restyle each noted cell (at its merged range's top-left), inserting the cells the
        XML does not have (empty and unformatted: openpyxl would create them with the default
        format, so does this); the comment texts by the cell they go on."""
        marked: dict[str, str] = {}
        for address, text in notes.items():
            cell = self.top_left(address)
            marked[cell] = above(text, marked[cell]) if cell in marked else text
        missing: dict[int, list[tuple[int, str]]] = {}
        for cell in marked:
            at = self.cells.get(cell)
            if at is None:
                letters, row = coordinate_from_string(cell)
                missing.setdefault(row, []).append((column_number(letters), cell))
                continue
            end = self.data.index(b">", at)
            tag = self.data[at:end]
            found = _STYLE_ATTR.search(tag)
            old = int(found.group(1)) if found else 0
            new = b' s="%d"' % styles.highlighted(old)
            if found:
                self.edits.append((at + found.start(), at + found.end(), new))
            else:  # at the end of the start tag, so the address stays first as writers put it
                close = end - 1 if tag.endswith(b"/") else end
                self.edits.append((close, close, new))
        if missing:
            self._insert(missing, b' s="%d"' % styles.highlighted(0))
        return marked

    def _insert(self, missing: dict[int, list[tuple[int, str]]], style: bytes) -> None:
        """Empty cells ``<c r=… s=…/>`` in their rows in column order, rows in row order."""
        if self.sheet_data_end < 0:
            raise NotCovered("no sheetData to insert into")
        new_rows: dict[int, list[tuple[int, bytes]]] = {}  # offset -> (row, element) to insert
        for number, cells in sorted(missing.items()):
            elements = {col: b'<c r="%s"%s/>' % (ref.encode(), style) for col, ref in cells}
            row = self.rows.get(number)
            if row is None:
                after = [r.start for n, r in self.rows.items() if n > number]
                at = min(after) if after else self.sheet_data_end
                content = b"".join(elements[c] for c in sorted(elements))
                new_rows.setdefault(at, []).append((number, b'<row r="%d">%s</row>' % (number, content)))
                continue
            tag_end = self.data.index(b">", row.start)
            tag = self.data[row.start : tag_end + 1]
            spans = re.search(rb'\sspans="[^"]*"', tag)  # an optional hint the new cell may leave
            if spans:
                self.edits.append((row.start + spans.start(), row.start + spans.end(), b""))
            if row.end < 0:  # "<row …/>": opened and closed around the new cells
                content = b"".join(elements[c] for c in sorted(elements))
                self.edits.append((tag_end - 1, tag_end + 1, b">" + content + b"</row>"))
                continue
            by_offset: dict[int, list[int]] = {}
            for col in sorted(elements):
                at = next((offset for ref, offset in row.cells if _row_col(ref)[1] > col), row.end)
                by_offset.setdefault(at, []).append(col)
            for at, cols in by_offset.items():
                self.edits.append((at, at, b"".join(elements[c] for c in cols)))
        for at, rows in new_rows.items():
            self.edits.append((at, at, b"".join(element for _, element in sorted(rows))))
        if self.dimension is not None:
            self._widen_dimension([ref for cells in missing.values() for _, ref in cells])

    def _widen_dimension(self, refs: list[str]) -> None:
        at, ref = self.dimension
        try:
            min_col, min_row, max_col, max_row = range_boundaries(ref)
        except (ValueError, TypeError):
            return
        if None in (min_col, min_row, max_col, max_row):
            return
        for cell in refs:
            letters, row = coordinate_from_string(cell)
            col = column_number(letters)
            min_col, max_col = min(min_col, col), max(max_col, col)
            min_row, max_row = min(min_row, row), max(max_row, row)
        wider = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"
        tag_end = self.data.index(b">", at)
        found = re.search(rb'\sref="[^"]*"', self.data[at:tag_end])
        if found and wider != ref:
            self.edits.append((at + found.start(), at + found.end(), f' ref="{wider}"'.encode()))

    def with_legacy_drawing(self, rel_id: str) -> bytes:
        """The sheet's XML with the style edits and ``<legacyDrawing r:id=…/>`` in its place."""
        element = f'<legacyDrawing r:id="{rel_id}"/>'.encode()
        before = next((at for name, at in self.top_level if name in _AFTER_LEGACY_DRAWING), None)
        if before is None:
            before = self.root_close
        edits = [*self.edits, (before, before, element)]
        if self.r_prefix is None:
            edits.append((self.root_end, self.root_end, f' xmlns:r="{REL_NS}"'.encode()))
        return _apply(self.data, edits)


# --- the styles --------------------------------------------------------------------------------


class _Styles:
    """styles.xml with one fill added and, per cell format a problem cell used, a clone of that
    format with the fill."""

    _FILLS = re.compile(rb"<fills\b[^>]*?(?:/>|>(.*?)</fills>)", re.S)
    _CELL_XFS = re.compile(rb"<cellXfs\b[^>]*?(?:/>|>(.*?)</cellXfs>)", re.S)
    _XF = re.compile(rb"<xf\b[^>]*?(?:/>|>.*?</xf>)", re.S)
    _FILL = re.compile(rb"<fill\b[^>]*?(?:/>|>.*?</fill>)", re.S)

    def __init__(self, data: bytes, fill: PatternFill):
        if re.search(rb"<[A-Za-z_][\w.-]*:(?:fills|cellXfs|xf|fill)\b", data):
            raise NotCovered("prefixed styles")
        self.data = data
        fills = self._FILLS.search(data)
        xfs = self._CELL_XFS.search(data)
        if fills is None or xfs is None or fills.group(1) is None or xfs.group(1) is None:
            raise NotCovered("styles without fills or cell formats")
        self.fills, self.cell_xfs = fills, xfs
        self.fill_id = len(self._FILL.findall(fills.group(1)))
        if self.fill_id < 2:  # fills 0 and 1 are reserved (none, gray125): ours would show grey
            raise NotCovered("fewer than the two reserved fills")
        self.fill_xml = tostring(fill.to_tree())
        self.xfs = self._XF.findall(xfs.group(1))
        self.added: list[bytes] = []
        self.clones: dict[int, int] = {}

    def highlighted(self, style: int) -> int:
        """The index of ``style``'s clone with the highlight fill."""
        if style not in self.clones:
            if style >= len(self.xfs):
                raise NotCovered(f"style {style} is not in cellXfs")
            xf = self.xfs[style]
            end = xf.index(b"/>") if xf.endswith(b"/>") and b"</xf>" not in xf else xf.index(b">")
            head, tail = xf[:end], xf[end:]
            head = _FILL_ID.sub(b"", head)
            head = _APPLY_FILL.sub(b"", head)
            head += b' fillId="%d" applyFill="1"' % self.fill_id
            self.clones[style] = len(self.xfs) + len(self.added)
            self.added.append(head + tail)
        return self.clones[style]

    def xml(self) -> bytes:
        fills, xfs = self.fills, self.cell_xfs
        edits = [
            (fills.end(1), fills.end(1), self.fill_xml),
            (
                fills.start(),
                fills.start(1),
                _set_count(self.data[fills.start() : fills.start(1)], self.fill_id + 1),
            ),
            (xfs.end(1), xfs.end(1), b"".join(self.added)),
            (
                xfs.start(),
                xfs.start(1),
                _set_count(self.data[xfs.start() : xfs.start(1)], len(self.xfs) + len(self.added)),
            ),
        ]
        return _apply(self.data, edits)


def _apply(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """``data`` with each (start, end, replacement) applied, in one pass: a sheet with thousands
    of marked cells is copied once, not once per cell. Insertions at one offset keep their order."""
    pieces, at = [], 0
    for start, end, replacement in sorted(edits, key=lambda e: e[0]):  # stable: same-offset order kept
        if start < at:
            raise NotCovered("overlapping edits")
        pieces += [data[at:start], replacement]
        at = end
    pieces.append(data[at:])
    return b"".join(pieces)


def _set_count(tag: bytes, count: int) -> bytes:
    """``<fills count="6">`` -> ``<fills count="7">`` (or the attribute added)."""
    if re.search(rb'\scount="[0-9]*"', tag):
        return re.sub(rb'\scount="[0-9]*"', b' count="%d"' % count, tag)
    return tag[:-1] + b' count="%d">' % count


# --- package plumbing --------------------------------------------------------------------------


def _parse(data: bytes, start: Callable[[str, dict[str, str]], None]) -> None:
    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.Parse(data, True)


def _free_names(taken: set[str]) -> tuple[str, str]:
    """The first comments / VML part names (as openpyxl names them) no member or content-type
    override uses (``taken`` lower-cased)."""
    n = 1
    while f"xl/comments/comment{n}.xml" in taken or f"xl/drawings/commentsdrawing{n}.vml" in taken:
        n += 1
    return f"xl/comments/comment{n}.xml", f"xl/drawings/commentsDrawing{n}.vml"


_IDMAP = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?idmap\b[^>]*?\bdata="([^"]*)"')  # o: (Excel), ns0: (openpyxl)
_SHAPE_ID = re.compile(rb'id="_x0000_s([0-9]+)"')


def _last_vml_block(archive: zipfile.ZipFile, members: list[str]) -> int:
    """The highest block of 1,024 shape ids the package's VML drawings reserve (``o:idmap``),
    0 if none: each new drawing takes the next, so its shape ids collide with no other's."""
    last = 0
    for name in members:
        if name.lower().endswith(".vml"):
            for found in _IDMAP.findall(archive.read(name)):
                last = max([last, *(int(n) for n in re.findall(rb"[0-9]+", found))])
    return last


def _in_block(vml: bytes, block: int) -> bytes:
    """openpyxl's VML (block 1: ``data="1"``, shapes _x0000_s1026…) moved to ``block``."""
    if block == 1:
        return vml
    vml = _IDMAP.sub(lambda m: m.group(0).replace(m.group(1), b"%d" % block), vml, count=1)
    return _SHAPE_ID.sub(lambda m: b'id="_x0000_s%04d"' % (int(m.group(1)) + (block - 1) * 1024), vml)


def _relative(from_part: str, to_part: str) -> str:
    return posixpath.relpath(to_part, posixpath.dirname(from_part))


def _new_ids(rels: bytes | None) -> tuple[str, str]:
    """Two relationship ids the sheet's .rels does not use."""
    used: set[str] = set()
    if rels is not None:
        _parse(rels, lambda name, attrs: used.add(attrs.get("Id", "")))
    n = 1
    while f"rIdRekap{n}" in used or f"rIdRekap{n + 1}" in used:
        n += 1
    return f"rIdRekap{n}", f"rIdRekap{n + 1}"


def _add_relationships(rels: bytes | None, new: list[tuple[str, str, str]]) -> bytes:
    elements = b"".join(
        f'<Relationship Id="{rel_id}" Type="{kind}" Target="{target}"/>'.encode()
        for rel_id, kind, target in new
    )
    if rels is None:
        return (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            + f'<Relationships xmlns="{PKG_REL_NS}">'.encode()
            + elements
            + b"</Relationships>"
        )
    if re.search(rb"<[A-Za-z_][\w.-]*:Relationships\b", rels) or b"</Relationships>" not in rels:
        raise NotCovered("unusual sheet relationships")
    at = rels.rindex(b"</Relationships>")
    return rels[:at] + elements + rels[at:]


def _add_content_types(types: bytes, comments_part: str) -> bytes:
    if re.search(rb"<[A-Za-z_][\w.-]*:Types\b", types) or b"</Types>" not in types:
        raise NotCovered("unusual content types")
    added = f'<Override PartName="/{comments_part}" ContentType="{COMMENTS_CONTENT_TYPE}"/>'.encode()
    if not re.search(rb'<Default\b[^>]*\bExtension="vml"', types, re.I):
        added += f'<Default Extension="vml" ContentType="{VML_CONTENT_TYPE}"/>'.encode()
    at = types.rindex(b"</Types>")
    return types[:at] + added + types[at:]


def _row_col(address: str) -> tuple[int, int]:
    letters, row = coordinate_from_string(address)
    return row, column_number(letters)
