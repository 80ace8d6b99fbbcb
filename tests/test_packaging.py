"""Packaging a user trusts: the license the metadata declares, a version the command reports,
the type annotations shipped, project URLs and a changelog that names the renames."""
import configparser
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

import btstats
from btstats.cli import commands

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def setup_cfg():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    return cfg


def _lines(value):
    return [ln.strip() for ln in value.strip().splitlines() if ln.strip()]


def test_license_file_matches_the_declared_license(setup_cfg):
    assert setup_cfg["metadata"]["license"] == "BSD-3-Clause"
    assert "LICENSE" in _lines(setup_cfg["metadata"]["license_files"])
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("BSD 3-Clause License")
    assert "Copyright (c) 2026, btstats developers" in text
    # the three clauses, the third being the non-endorsement clause that makes it BSD-3
    assert "Redistributions of source code must retain" in text
    assert "Redistributions in binary form must reproduce" in text
    assert "Neither the name of the copyright holder nor the names of its" in text


def test_version_is_one_number_everywhere(setup_cfg):
    declared = setup_cfg["metadata"]["version"]
    assert btstats.__version__ == declared
    assert commands._version() == declared
    try:
        installed = metadata.version("btstats")
    except metadata.PackageNotFoundError:       # pragma: no cover - not installed
        installed = declared
    assert installed == declared


def test_version_falls_back_to_the_package(monkeypatch):
    def missing(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", missing)
    assert commands._version() == btstats.__version__


def test_version_flag_of_the_command():
    proc = subprocess.run([sys.executable, "-m", "btstats", "--version"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"btstats {btstats.__version__}"


def test_py_typed_is_shipped(setup_cfg):
    assert (ROOT / "btstats" / "py.typed").is_file()
    package_data = setup_cfg["options.package_data"]
    assert "py.typed" in [p.strip() for p in package_data["btstats"].split(",")]
    assert "Typing :: Typed" in _lines(setup_cfg["metadata"]["classifiers"])


def test_project_urls(setup_cfg):
    urls = dict(line.split(" = ", 1) for line in _lines(setup_cfg["metadata"]["project_urls"]))
    assert set(urls) == {"Documentation", "Source", "Changelog", "Issue tracker"}
    home = "https://github.com/btstats/btstats"
    assert all(url.startswith(home) for url in urls.values())
    assert urls["Changelog"].endswith("CHANGELOG.md")
    assert setup_cfg["metadata"]["url"] == home


def test_test_extra_holds_the_type_checker(setup_cfg):
    test = _lines(setup_cfg["options.extras_require"]["test"])
    assert any(req.startswith("mypy") for req in test)


def test_changelog_names_the_renames():
    text = (ROOT / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in text and "## [0.1.0]" in text
    unreleased = text.split("## [Unreleased]")[1].split("## [0.1.0]")[0]
    for needle in ("ConfidenceInterval", "`low`", "`high`", "`confidence_level`",
                   "`interval`", "interval=", "--interval", "--ci-method",
                   "bootstrap.interval", "bootstrap.method", "kind="):
        assert needle in unreleased, needle
    # the names it documents exist
    ci = btstats.fit(btstats.load_example("citations")).confidence_interval()
    assert isinstance(ci, btstats.ConfidenceInterval)
    assert {"low", "high", "confidence_level", "interval"} <= set(vars(ci))
