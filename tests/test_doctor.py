from __future__ import annotations

from cnrmap.cli import main
from cnrmap.sources.doctor import diagnose, render
from cnrmap.sources.fetch import fetch


def test_doctor_on_a_fresh_cache(empty_settings):
    checks = {c.id: c for c in diagnose(empty_settings)}
    assert checks["departements"].ok and "embarqués" in checks["departements"].detail
    assert checks["departements"].fix == "cnrmap fetch --only departements"
    assert not checks["communes"].ok and not checks["communes"].required
    assert "--departments" in checks["communes"].fix
    assert not checks["zonage_mg"].ok and checks["zonage_mg"].fix == "cnrmap fetch --only zonage_mg"
    assert not checks["patients_sans_mt"].ok
    assert all(c.ok for c in checks.values() if c.required)
    text = render(list(checks.values()))
    assert "Tout ce dont l'application a besoin est présent." in text


def test_doctor_after_a_fetch(mirror_settings):
    assert fetch(mirror_settings, departments=["04"], progress=False).ok
    checks = {c.id: c for c in diagnose(mirror_settings)}
    assert checks["departements"].ok and "IGN" in checks["departements"].detail
    assert checks["communes"].ok and "1/101" in checks["communes"].detail
    assert checks["zonage_mg"].ok and "34912 lignes" in checks["zonage_mg"].detail
    assert "sans zonage : 7" in checks["zonage_mg"].detail
    assert checks["cog"].ok and "37590" in checks["cog"].detail
    assert not checks["patients_sans_mt"].ok


def test_doctor_reports_altered_files(mirror_settings):
    fetch(mirror_settings, only=["apl_mg"], progress=False)
    (mirror_settings.data_cache / "opendata/apl_drees_departements/apl_mg_departements_2023_2024.csv").write_text("x")
    check = next(c for c in diagnose(mirror_settings) if c.id == "apl_mg")
    assert not check.ok and "altéré" in check.detail


def test_doctor_exit_code(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CNRMAP_CACHE_DIR", str(tmp_path / "cache"))
    assert main(["doctor"]) == 0
    assert "cnrmap fetch --departments" in capsys.readouterr().out


def test_doctor_fails_when_the_app_cannot_start(tmp_path):
    from cnrmap.config import get_settings

    checks = diagnose(get_settings(root=tmp_path, mirror=""))
    failing = {c.id for c in checks if c.required and not c.ok}
    assert "departements" in failing and "data/indicators/densite_mg_2024.csv" in failing
    assert "requis manquant" in render(checks)
