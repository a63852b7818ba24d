"""Extensions Index readiness: the catalog entry (GynAI.json) against the fields of Slicer's catalog-entry
schema v1.0.1 and against the top-level CMakeLists; the files the metadata points to exist."""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RAW_PREFIX = "https://raw.githubusercontent.com/gynai/SlicerGynAI/main/"
# Slicer/Schemas/slicer-extension-catalog-entry-schema-v1.0.1.json: required keys, and the type (and
# allowed values) of every key it knows; it allows no other key.
REQUIRED = ("$schema", "category", "scm_url")
FIELDS = {"$schema": str, "category": str, "scm_url": str, "scm_revision": str, "scm_type": str,
          "build_dependencies": list, "build_subdirectory": str, "enabled": bool, "tier": int}
ENUMS = {"scm_type": ("git", "local"), "tier": (1, 3, 5)}


def catalog_problems(entry: dict) -> list[str]:
    """What in a catalog entry the v1.0.1 schema would refuse."""
    problems = [f"missing {key}" for key in REQUIRED if key not in entry]
    for key, value in entry.items():
        if key not in FIELDS:
            problems.append(f"unknown key {key}")
        elif not isinstance(value, FIELDS[key]) or (FIELDS[key] is int and isinstance(value, bool)):
            problems.append(f"{key} must be {FIELDS[key].__name__}")
        elif key in ENUMS and value not in ENUMS[key]:
            problems.append(f"{key} must be one of {ENUMS[key]}")
        elif key == "build_dependencies" and not all(isinstance(item, str) for item in value):
            problems.append("build_dependencies must be strings")
    return problems


def cmake_value(key: str) -> str:
    match = re.search(rf'set\(EXTENSION_{key} "([^"]*)"\)', (ROOT / "CMakeLists.txt").read_text())
    assert match, key
    return match.group(1)


def test_checker_refuses_what_the_schema_refuses():
    assert catalog_problems({"category": "x"}) == ["missing $schema", "missing scm_url"]
    assert catalog_problems({"$schema": "s", "category": "c", "scm_url": "u", "tier": 2, "homepage": "h",
                             "enabled": "yes"}) == ["tier must be one of (1, 3, 5)", "unknown key homepage",
                                                    "enabled must be bool"]


def test_catalog_entry_is_valid_and_matches_cmake():
    entry = json.loads((ROOT / "GynAI.json").read_text())
    assert catalog_problems(entry) == []
    assert entry["$schema"].endswith("slicer-extension-catalog-entry-schema-v1.0.1.json")
    assert entry["category"] == cmake_value("CATEGORY")
    assert entry["build_dependencies"] == cmake_value("DEPENDS").split()
    assert entry["scm_url"].removesuffix(".git") == cmake_value("HOMEPAGE")
    assert (ROOT / entry["build_subdirectory"] / "CMakeLists.txt").is_file()
    assert re.search(r"^project\((\w+)\)", (ROOT / "CMakeLists.txt").read_text(), re.M).group(1) == "GynAI"


@pytest.mark.parametrize("key", ["ICONURL", "SCREENSHOTURLS"])
def test_metadata_urls_point_at_files_of_this_repository(key):
    urls = cmake_value(key).split()
    assert urls
    for url in urls:
        assert url.startswith(RAW_PREFIX), url
        assert (ROOT / url.removeprefix(RAW_PREFIX)).is_file(), url


def test_readme_has_what_the_index_asks_for():
    readme = (ROOT / "README.md").read_text()
    for phrase in ("## Tutorial", "## How to cite", "Sample Data", "nothing is uploaded", "GynAISegment",
                   "GynAIReport", "Research use only"):
        assert phrase.lower() in readme.lower(), phrase
    assert len(cmake_value("DESCRIPTION")) < 400
