"""Settings: the project root is found from the environment, the current folder or the package; the
environment is read in cnrmap/config.py only."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cnrmap import config
from cnrmap.config import child_environment, default_cache, find_root, get_settings
from cnrmap.errors import DataError

ROOT = get_settings().root


def test_root_is_the_checkout_from_the_checkout_and_its_subfolders():
    assert find_root({}, ROOT) == ROOT
    assert find_root({}, ROOT / "cnrmap" / "geo") == ROOT
    assert (ROOT / "app.py").is_file() and get_settings().app_path == ROOT / "app.py"


def test_root_from_the_environment(tmp_path):
    assert find_root({"CNRMAP_ROOT": str(ROOT)}, tmp_path) == ROOT
    with pytest.raises(DataError) as info:
        find_root({"CNRMAP_ROOT": str(tmp_path)}, ROOT)
    assert repr(str(tmp_path)) in info.value.message and "CNRMAP_ROOT" in (info.value.hint or "")


def test_no_root_gives_a_french_error(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "_PACKAGE_PARENT", tmp_path / "site-packages")
    with pytest.raises(DataError) as info:
        find_root({}, tmp_path)
    assert "introuvable" in info.value.message and str(tmp_path) in info.value.message
    assert "CNRMAP_ROOT" in info.value.hint and "app.py" in info.value.hint
    # Outside a checkout, an editable install or a run from the checkout still finds it through the package.
    monkeypatch.setattr(config, "_PACKAGE_PARENT", ROOT)
    assert find_root({}, tmp_path) == ROOT


def test_environment_variables_are_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("CNRMAP_CHROMIUM", "/opt/chromium")
    monkeypatch.setenv("CNRMAP_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("CNRMAP_MIRROR", "http://miroir.example/shared")
    settings = get_settings()
    assert settings.chromium == "/opt/chromium"
    assert settings.cache_dir == tmp_path and settings.boundary_cache == tmp_path / "geo"
    assert settings.mirror == "http://miroir.example/shared"
    monkeypatch.delenv("CNRMAP_CHROMIUM")
    monkeypatch.delenv("CNRMAP_CACHE_DIR")
    settings = get_settings(mirror="")
    assert settings.chromium is None and settings.mirror is None
    assert settings.cache_dir == default_cache() and settings.boundary_cache == default_cache() / "geo"
    assert ROOT not in settings.cache_dir.parents
    assert child_environment({"CNRMAP_ROOT": "x"})["CNRMAP_ROOT"] == "x"


def test_environment_and_project_root_are_read_in_config_only():
    pattern = re.compile(r"os\.environ|os\.getenv|PROJECT_ROOT|_PACKAGE_PARENT")
    files = [
        *ROOT.glob("cnrmap/**/*.py"),
        *ROOT.glob("tools/*.py"),
        *ROOT.glob("views/*.py"),
        ROOT / "app.py",
        ROOT / "serve.py",
    ]
    # The test harness (conftest.py) reads its own switches (CNRMAP_REQUIRE_MIRROR, CI), not the library's.
    files += [p for p in ROOT.glob("tests/*.py") if p.name not in ("test_config.py", "conftest.py")]
    offenders = [
        p.relative_to(ROOT).as_posix()
        for p in files
        if p.name != "config.py" and pattern.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_installed_package_outside_the_checkout(tmp_path):
    """What ``pip install .`` (not editable) gives: the package alone in site-packages.

    From the checkout the root is found; from elsewhere a French message says what to do.
    """
    site = tmp_path / "site-packages"
    shutil.copytree(ROOT / "cnrmap", site / "cnrmap", ignore=shutil.ignore_patterns("__pycache__"))
    code = "import cnrmap; from cnrmap.config import get_settings; print(cnrmap.__file__); print(get_settings().root)"
    env = child_environment({"PYTHONPATH": str(site), "CNRMAP_ROOT": ""})

    def run(cwd: Path) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True)

    inside = run(ROOT / "views")
    assert inside.returncode == 0, inside.stderr
    assert inside.stdout.splitlines() == [str(site / "cnrmap" / "__init__.py"), str(ROOT)]
    elsewhere = run(tmp_path)
    assert elsewhere.returncode == 1
    assert "Dossier de données de cnrmap introuvable" in elsewhere.stderr and "CNRMAP_ROOT" in elsewhere.stderr


def test_the_library_never_imports_the_tools():
    offenders = [
        p.relative_to(ROOT).as_posix()
        for p in ROOT.glob("cnrmap/**/*.py")
        if re.search(r"^\s*(from|import) tools\b", p.read_text(encoding="utf-8"), re.MULTILINE)
    ]
    assert offenders == []
