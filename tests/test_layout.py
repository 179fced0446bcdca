"""The layout the README and the package docstring describe is the one on disk."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "plugins" / "rekap"


def where_things_are() -> list[str]:
    """The paths named in the README's "Where things are" table (its second column)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Where things are", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    homes = [row.rstrip(" |").rsplit(" | ", 1)[1] for row in rows[1:]]  # rows[0] is the header
    # a path has a slash or a file suffix; `rekap status` and `format_fields` are not paths
    names = [n for home in homes for n in re.findall(r"`([^`]+)`", home)]
    return [n for n in names if "/" in n and " " not in n]


def test_every_path_in_where_things_are_exists():
    paths = where_things_are()
    assert len(paths) > 30, paths  # the table was found and read
    missing = [p for p in paths if not any(ROOT.glob(p))]
    assert missing == [], f"README names paths that do not exist: {missing}"


def module_level_imports(path: Path) -> set[str]:
    """Top-level package names imported when the module is imported (not inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_airflow_package_and_dev_tools_import_airflow_at_module_level():
    """What the package docstring promises: the domain core imports without Airflow."""
    importers = sorted(
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if "airflow" in module_level_imports(p) and p.relative_to(PACKAGE).parts[0] not in ("airflow", "dev")
    )
    assert importers == []
