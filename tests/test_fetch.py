"""Fetch from a folder mirror and from a local HTTP server; never from the internet."""

from __future__ import annotations

import dataclasses
import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from cnrmap.cli import main
from cnrmap.config import get_settings
from cnrmap.errors import DataError
from cnrmap.sources.catalog import file_sha256, get_source, load_catalog
from cnrmap.sources.fetch import fetch, select_files

UNREACHABLE = "http://127.0.0.1:9/"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


class _TruncatingHandler(http.server.BaseHTTPRequestHandler):
    """Announces a large body, sends a few bytes, then drops the connection."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "1000000")
        self.end_headers()
        self.wfile.write(b"x" * 1000)
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, format, *args):
        pass


def _serve(handler) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def http_mirror(mirror_dir: Path) -> Iterator[str]:
    yield from _serve(functools.partial(_QuietHandler, directory=str(mirror_dir)))


@pytest.fixture()
def truncating_server() -> Iterator[str]:
    yield from _serve(_TruncatingHandler)


def _catalog_with_url(source_id: str, url: str):
    catalog = load_catalog()
    out = []
    for source in catalog:
        if source.id == source_id:
            files = tuple(dataclasses.replace(f, url=url + f.path) for f in source.files)
            source = dataclasses.replace(source, files=files)
        out.append(source)
    return out


def test_fetch_over_http_then_nothing_to_do(tmp_path: Path, http_mirror: str):
    settings = get_settings(cache_dir=tmp_path / "cache", mirror=http_mirror)
    report = fetch(settings, only=["apl_mg", "communes"], departments=["04", "05"], progress=False)
    assert report.ok, report.summary()
    assert len(report.downloaded) == 3
    communes = get_source("communes")
    path = communes.local_path(settings, communes.file_for_department("04"))
    assert file_sha256(path) == communes.file_for_department("04").sha256
    assert path.with_suffix(".parquet").is_file()
    again = fetch(settings, only=["apl_mg", "communes"], departments=["04", "05"], progress=False)
    assert again.downloaded == [] and len(again.present) == 3 and again.converted == []


def test_fetch_from_folder_mirror_then_nothing_to_do(mirror_settings):
    report = fetch(mirror_settings, only=["apl_mg", "densite_mg"], progress=False)
    assert report.ok and len(report.downloaded) == 2
    again = fetch(mirror_settings, only=["apl_mg", "densite_mg"], progress=False)
    assert again.downloaded == [] and len(again.present) == 2


def test_altered_cache_file_is_detected_and_replaced(mirror_settings):
    fetch(mirror_settings, only=["apl_mg"], progress=False)
    source = get_source("apl_mg")
    path = source.local_path(mirror_settings, source.files[0])
    path.write_text("code,valeur\n13,999\n")
    report = fetch(mirror_settings, only=["apl_mg"], progress=False)
    assert report.repaired == [source.files[0].path]
    assert file_sha256(path) == source.files[0].sha256


def test_altered_mirror_file_is_reported_and_not_installed(tmp_path: Path, mirror_dir: Path):
    bad_mirror = tmp_path / "mirror"
    relative = get_source("apl_mg").files[0].path
    (bad_mirror / relative).parent.mkdir(parents=True)
    shutil.copyfile(mirror_dir / relative, bad_mirror / relative)
    with (bad_mirror / relative).open("a") as handle:
        handle.write("99,Inventé,9,9,1,1,1\n")
    settings = get_settings(cache_dir=tmp_path / "cache", mirror=str(bad_mirror))
    report = fetch(settings, only=["apl_mg"], progress=False)
    assert not report.ok
    assert "empreinte SHA-256" in report.failed[0][1]
    cached = settings.data_cache / relative
    assert not cached.exists()
    assert list(cached.parent.iterdir()) == []


def test_altered_file_over_http_is_reported(tmp_path: Path, http_mirror: str):
    catalog = load_catalog()
    source = get_source("apl_mg", catalog)
    wrong = dataclasses.replace(source.files[0], sha256="0" * 64)
    catalog = [dataclasses.replace(s, files=(wrong,)) if s.id == "apl_mg" else s for s in catalog]
    settings = get_settings(cache_dir=tmp_path / "cache", mirror=http_mirror)
    report = fetch(settings, only=["apl_mg"], progress=False, catalog=catalog)
    assert "altéré" in report.failed[0][1]
    folder = settings.data_cache / Path(source.files[0].path).parent
    assert not any(folder.iterdir())


def test_interrupted_download_leaves_no_partial_file(tmp_path: Path, truncating_server: str):
    catalog = _catalog_with_url("apl_mg", truncating_server + "/")
    settings = get_settings(cache_dir=tmp_path / "cache", mirror="")
    report = fetch(settings, only=["apl_mg"], progress=False, catalog=catalog)
    assert not report.ok
    assert "interrompu" in report.failed[0][1] or "altéré" in report.failed[0][1]
    folder = settings.data_cache / Path(get_source("apl_mg").files[0].path).parent
    assert not folder.exists() or not any(folder.iterdir())


def test_no_network_no_mirror_gives_a_french_message(empty_settings):
    catalog = _catalog_with_url("departements", UNREACHABLE)
    report = fetch(empty_settings, only=["departements"], progress=False, catalog=catalog)
    assert not report.ok
    message = report.failed[0][1]
    assert "injoignable" in message and "--from" in message and "CNRMAP_MIRROR" in message


def test_derived_file_without_mirror_says_to_use_one(empty_settings):
    report = fetch(empty_settings, only=["zonage_mg"], progress=False)
    assert "pas d'adresse officielle" in report.failed[0][1]
    assert "--from" in report.failed[0][1]


def test_selection_rules():
    catalog = load_catalog()
    default = select_files(catalog)
    assert {s.id for s, _ in default} == {"departements", "regions", "zonage_mg", "densite_mg", "apl_mg",
                                          "apl_mg_communes", "population", "cog"}  # fmt: skip
    with_communes = select_files(catalog, departments=["13", "2A"])
    assert sorted(f.department for s, f in with_communes if s.id == "communes") == ["13", "2A"]
    assert len([1 for s, _ in select_files(catalog, all_departments=True) if s.id == "communes"]) == 101
    with pytest.raises(DataError, match="précisez"):
        select_files(catalog, only=["communes"])
    with pytest.raises(DataError, match="inconnu"):
        select_files(catalog, only=["nope"])


def test_cli_fetch_from_folder_and_without_mirror(tmp_path, mirror_dir, monkeypatch, capsys):
    monkeypatch.setenv("CNRMAP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CNRMAP_MIRROR", "")
    assert main(["fetch", "--only", "zonage_mg", "--quiet"]) == 1
    assert "pas d'adresse officielle" in capsys.readouterr().out
    assert main(["fetch", "--only", "zonage_mg", "--from", str(mirror_dir), "--quiet"]) == 0
    assert "1 fichier(s) téléchargé(s)" in capsys.readouterr().out
    assert main(["fetch", "--departments", "13,XX", "--quiet"]) == 1
