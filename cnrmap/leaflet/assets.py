"""Offline front-end assets: Leaflet and jQuery taken from installed Python packages, never from a CDN.

The files stay in their packages (``django-js-lib-leaflet``, ``xstatic-jquery``) and nothing is copied.
The Streamlit app serves each package folder as it is: :func:`cnrmap.cached.static_assets` declares it as a
Streamlit custom component (``streamlit.components.v1.declare_component(name, path=folder)``), and
Streamlit serves a component ``name`` declared in module ``cnrmap.cached`` at
``/component/cnrmap.cached.<name>/<file>`` (the CSS finds its ``images/`` beside it). A standalone HTML
export inlines the files instead.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import folium

from cnrmap.errors import DataError

# Where Streamlit serves the folders declared by cnrmap.cached.static_assets: ``/component/<module>.<name>/``.
SERVING_MODULE = "cnrmap.cached"
DEFAULT_BASE_URL = f"/component/{SERVING_MODULE}."

LEAFLET_VERSION = "1.9.4"


@dataclass(frozen=True)
class Assets:
    """Paths of the front-end files inside their installed packages."""

    leaflet_js: Path
    leaflet_css: Path
    leaflet_images: tuple[Path, ...]
    jquery_js: Path

    def folders(self) -> dict[str, Path]:
        """Name → package folder to serve as it is (``leaflet`` holds ``images/`` beside ``leaflet.css``)."""
        return {"leaflet": self.leaflet_js.parent, "jquery": self.jquery_js.parent}

    def files(self) -> dict[str, Path]:
        """``<folder name>/<file>`` → path, for every file a map uses."""
        out = {
            "leaflet/leaflet.js": self.leaflet_js,
            "leaflet/leaflet.css": self.leaflet_css,
            "jquery/jquery.min.js": self.jquery_js,
        }
        for image in self.leaflet_images:
            out[f"leaflet/images/{image.name}"] = image
        return out


def _package_dir(package: str, *parts: str) -> Path:
    try:
        base = resources.files(package)
    except ModuleNotFoundError as exc:
        raise DataError(
            f"Le paquet Python « {package} » est introuvable : il fournit les fichiers de la carte hors ligne.",
            hint="Installer les dépendances du projet : pip install -e .",
        ) from exc
    target = base.joinpath(*parts)
    return Path(str(target))


def locate_assets() -> Assets:
    """Find Leaflet (js, css, images) and jQuery in the installed packages.

    Returns
    -------
    Assets
        Paths of the files.

    Raises
    ------
    DataError
        If a package or a file is missing (French message saying what to install).
    """
    leaflet_dir = _package_dir("js_lib_leaflet", "static", "js_lib_leaflet")
    jquery_dir = _package_dir("xstatic.pkg.jquery", "data")
    assets = Assets(
        leaflet_js=leaflet_dir / "leaflet.js",
        leaflet_css=leaflet_dir / "leaflet.css",
        leaflet_images=tuple(sorted((leaflet_dir / "images").glob("*.png"))),
        jquery_js=jquery_dir / "jquery.min.js",
    )
    missing = [str(p) for p in assets.files().values() if not p.is_file()]
    if missing or not assets.leaflet_images:
        raise DataError(
            "Fichiers Leaflet/jQuery introuvables dans les paquets installés : " + ", ".join(missing or ["images"]),
            hint="Réinstaller les paquets : pip install --force-reinstall django-js-lib-leaflet xstatic-jquery",
        )
    return assets


def local_js_css(base_url: str = DEFAULT_BASE_URL) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The ``(name, url)`` lists of scripts and stylesheets a map needs: ``<base_url><folder>/<file>``.

    With the default, ``/component/cnrmap.cached.leaflet/leaflet.js`` and so on (see :data:`DEFAULT_BASE_URL`).
    """
    js = [("leaflet", f"{base_url}leaflet/leaflet.js"), ("jquery", f"{base_url}jquery/jquery.min.js")]
    css = [("leaflet_css", f"{base_url}leaflet/leaflet.css")]
    return js, css


def use_local_assets(m: folium.Map, base_url: str = DEFAULT_BASE_URL) -> folium.Map:
    """Make a map load only Leaflet and jQuery from ``base_url`` (no CDN, no Bootstrap, no icon fonts).

    Sets the per-instance ``default_js``/``default_css`` (the class defaults are left alone) and drops
    the CDN links of children (folium elements added with ``JSCSSMixin``).

    Parameters
    ----------
    m : folium.Map
        The map (modified in place).
    base_url : str
        Prefix of the folders' URLs (``<base_url>leaflet/leaflet.js``); the default is where the Streamlit
        app serves them once :func:`cnrmap.cached.static_assets` ran.

    Returns
    -------
    folium.Map
        The same map.
    """
    js, css = local_js_css(base_url)
    m.default_js = js
    m.default_css = css
    for child in _walk(m):
        if child is m:
            continue
        for attr in ("default_js", "default_css"):
            if getattr(child, attr, None):
                setattr(child, attr, [])
    return m


def _walk(element: folium.Element):
    yield element
    for child in list(element._children.values()):
        yield from _walk(child)


_INLINE_PREFIX = "cnrmap-vendor:"  # placeholder URLs, replaced by the files' text
_SCRIPT_SRC = re.compile(r'<script\s+src="([^"]+)"\s*>\s*</script>')
_CSS_LINK = re.compile(r'<link\s+rel="stylesheet"\s+href="([^"]+)"\s*/?>')
_CSS_URL = re.compile(r"url\((['\"]?)images/([^'\")]+)\1\)")


def _leaflet_css_inlined(assets: Assets) -> str:
    css = assets.leaflet_css.read_text(encoding="utf-8")
    images = {p.name: p for p in assets.leaflet_images}

    def to_data_uri(match: re.Match[str]) -> str:
        path = images.get(match.group(2))
        if path is None:
            return match.group(0)
        encoded = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{encoded})"

    return _CSS_URL.sub(to_data_uri, css)


def inline_html(m: folium.Map) -> str:
    """Render a map as one standalone HTML page with Leaflet and jQuery inlined.

    The page needs no network (except for tiles, when a tile basemap was chosen) and opens from a file.

    Parameters
    ----------
    m : folium.Map
        The map; its own asset links are replaced, whatever they were.

    Returns
    -------
    str
        The HTML document.
    """
    assets = locate_assets()
    saved = {k: m.__dict__[k] for k in ("default_js", "default_css") if k in m.__dict__}
    use_local_assets(m, base_url=_INLINE_PREFIX)
    try:
        html = m.get_root().render()
    finally:
        for k in ("default_js", "default_css"):
            if k in saved:
                setattr(m, k, saved[k])
            else:
                m.__dict__.pop(k, None)
    inline_js = {
        f"{_INLINE_PREFIX}leaflet/leaflet.js": assets.leaflet_js.read_text(encoding="utf-8"),
        f"{_INLINE_PREFIX}jquery/jquery.min.js": assets.jquery_js.read_text(encoding="utf-8"),
    }
    inline_css = {f"{_INLINE_PREFIX}leaflet/leaflet.css": _leaflet_css_inlined(assets)}

    def script(match: re.Match[str]) -> str:
        code = inline_js.get(match.group(1))
        if code is None:
            return match.group(0)
        # A literal "</script" inside the code would close the tag early.
        return "<script>" + code.replace("</script", "<\\/script") + "</script>"

    def link(match: re.Match[str]) -> str:
        css = inline_css.get(match.group(1))
        return match.group(0) if css is None else f"<style>{css}</style>"

    html = _SCRIPT_SRC.sub(script, html)
    html = _CSS_LINK.sub(link, html)
    return html
