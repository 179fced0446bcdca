"""Settings: the only reader of REKAP_*, and the parse-time settings of the DAG files checked
as strictly as the task-time ones."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rekap.settings import (
    DEFAULT_DEADLINE_DAY,
    DEV_NAMES,
    NAMES,
    PARSE_TIME_NAMES,
    RESOURCE_NAMES,
    ParseTimeSettings,
    Settings,
    SettingsError,
    resource_dir,
)

ROOT = Path(__file__).resolve().parents[1]
READS_REKAP = re.compile(r"""(environ|getenv)\b[^\n]*["']REKAP_""")


def test_settings_py_is_the_only_reader_of_rekap_variables():
    readers = [
        path.relative_to(ROOT)
        for path in [*(ROOT / "plugins").rglob("*.py"), *(ROOT / "dags").glob("*.py")]
        if path.name != "settings.py" and READS_REKAP.search(path.read_text(encoding="utf-8"))
    ]
    assert readers == []


def test_every_setting_is_in_the_readme_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = {
        m
        for line in readme.splitlines()
        if line.startswith("| `REKAP_")
        for m in re.findall(r"`(REKAP_\w+)`", line)
    }
    code = set(NAMES) | set(PARSE_TIME_NAMES) | set(RESOURCE_NAMES.values()) | set(DEV_NAMES)
    assert code - table == set(), "settings missing from the README"
    assert table - code == set(), "the README documents settings the code does not read"


def test_parse_time_defaults_and_the_province_time_zone():
    assert ParseTimeSettings.from_mapping({}) == ParseTimeSettings(
        "Asia/Jakarta", DEFAULT_DEADLINE_DAY, "*/15 * * * *", 2, 2.0
    )
    parsed = ParseTimeSettings.from_mapping(
        {
            "REKAP_PROVINCE": "74",
            "REKAP_DEADLINE_DAY": "10",
            "REKAP_INGEST_SCHEDULE": "0 * * * *",
            "REKAP_TASK_RETRIES": "0",
            "REKAP_CONSOLIDATION_DEADLINE_HOURS": "0",
        }
    )
    assert parsed == ParseTimeSettings("Asia/Makassar", 10, "0 * * * *", 0, 0.0)


@pytest.mark.parametrize(
    "name, value",
    [
        ("REKAP_DEADLINE_DAY", "31"),
        ("REKAP_DEADLINE_DAY", "lima"),
        ("REKAP_TASK_RETRIES", "-1"),
        ("REKAP_CONSOLIDATION_DEADLINE_HOURS", "dua"),
    ],
)
def test_a_wrong_parse_time_setting_is_one_line_naming_it(name, value):
    with pytest.raises(SettingsError) as caught:
        ParseTimeSettings.from_mapping({name: value})
    message = str(caught.value)
    assert name in message and value in message and "\n" not in message
    if name == "REKAP_DEADLINE_DAY":  # the same rule as at task time
        with pytest.raises(SettingsError, match=str(caught.value).split(",")[0]):
            Settings.from_mapping({name: value})


def test_score_weights_setting():
    assert Settings.from_mapping({"REKAP_SCORE_WEIGHTS": "0.25,0.05,0.3,0.2,0.2"}).score_weights == (
        0.25,
        0.05,
        0.3,
        0.2,
        0.2,
    )
    with pytest.raises(SettingsError):
        Settings.from_mapping({"REKAP_SCORE_WEIGHTS": "1,2"})


def test_resource_folders_follow_their_setting(tmp_path, monkeypatch):
    monkeypatch.delenv("REKAP_SQL_DIR", raising=False)
    assert (resource_dir("sql") / "migrations").is_dir()
    monkeypatch.setenv("REKAP_SQL_DIR", str(tmp_path))
    assert resource_dir("sql") == tmp_path
    monkeypatch.setenv("REKAP_SQL_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(SettingsError, match="REKAP_SQL_DIR") as caught:
        resource_dir("sql")
    assert "\n" not in str(caught.value)
