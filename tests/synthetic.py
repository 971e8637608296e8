"""A tiny mirror of the official sources, made up here, and its catalog (test helpers, not a test module).

:func:`build_mirror` writes into a folder the files the real mirror (``../shared``) holds for three departments of
Provence-Alpes-Côte d'Azur, in the same formats and under the same relative paths as ``cnrmap/sources/sources.toml``
declares them, then a catalog (``sources.toml`` beside the mirror) whose SHA-256 are those of the synthetic files.
The library then runs its fetch, doctor, reconciliation, national cache and simplification paths without the real
mirror (the loaders find files by their catalog path, which is the same).

The territories are cells of one grid (two by two cells per department, departments side by side) whose edges zigzag,
so that simplification has work to do; neighbours share their edges vertex for vertex, as in a real coverage.
What the COG history holds, in small:

- ``04001`` + ``04002`` (2018) were merged into ``04001`` (2026): the new commune gets the union of both shapes;
- ``05099`` is a 2018 shape (a small island off the grid) whose code the COG 2026 does not know;
- ``05005`` is a 2026 commune with no 2018 shape and no zoning (created after both);
- ``13055`` (Marseille) has one shape (two cells) but is zoned and counted by its arrondissements ``13201`` and
  ``13202`` (HZ 62 %, ZIP 38 % of the population: the city is HZ).

The APL by commune (2015–2023) has, as the real copy, no row for Marseille; ``05005`` has none either; ``04001`` is
given under its former code ``04002``; ``04003`` lacks 2016; ``04001`` falls and ``05001`` rises over the period.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.server
import itertools
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from shapely.geometry import Polygon, box, mapping

from cnrmap.sources.catalog import Source, get_source, load_catalog

DEPARTMENTS: tuple[str, ...] = ("04", "05", "13")
DEPARTMENT_NAMES = {"04": "Alpes-de-Haute-Provence", "05": "Hautes-Alpes", "13": "Bouches-du-Rhône"}
REGION = ("93", "Provence-Alpes-Côte d'Azur")

# Grid: 6 columns x 2 rows of cells; department k holds columns 2k and 2k + 1.
X0, Y0, CELL_W, CELL_H = 5.0, 44.0, 0.15, 0.12
STEPS, ZIGZAG = 8, 0.004  # vertices per cell edge, and how far they swing off the straight line (degrees)

# 2018 commune shapes: code -> (name, cells as (column, row)).
COMMUNES_2018: dict[str, tuple[str, tuple[tuple[int, int], ...]]] = {
    "04001": ("Aubert", ((0, 0),)),
    "04002": ("Bérac", ((1, 0),)),
    "04003": ("Céreste-Haute", ((0, 1),)),
    "04004": ("Digne-le-Bas", ((1, 1),)),
    "05001": ("Embrun-Vieux", ((2, 0),)),
    "05002": ("Fontgillarde", ((3, 0),)),
    "05003": ("Gap-Neuf", ((2, 1),)),
    "05004": ("Hières", ((3, 1),)),
    "13001": ("Istres-Plage", ((4, 1),)),
    "13002": ("Jouques-Basse", ((5, 1),)),
    "13055": ("Marseille", ((4, 0), (5, 0))),
}
UNKNOWN_2018 = "05099"  # in the 2018 file, unknown to the COG 2026: an island south of 05, off the grid
UNKNOWN_2018_BOX = (5.33, 43.90, 5.37, 43.93)

MERGED = "04001"
MERGED_FROM = ("04001", "04002")
NO_SHAPE = "05005"
ARRONDISSEMENTS = {"13201": ("Marseille 1er Arrondissement", 30_000, "ZIP"),
                   "13202": ("Marseille 2e Arrondissement", 50_000, "HZ")}  # fmt: skip

# COG 2026 communes: code -> (name, population 2023, zoning or None).
COMMUNES_2026: dict[str, tuple[str, int, str | None]] = {
    "04001": ("Aubert-Bérac", 1_250, "ZAC"),
    "04003": ("Céreste-Haute", 640, "ZIP"),
    "04004": ("Digne-le-Bas", 15_900, "HZ"),
    "05001": ("Embrun-Vieux", 410, "ZIP"),
    "05002": ("Fontgillarde", 95, "ZAC"),
    "05003": ("Gap-Neuf", 2_300, "HZ"),
    "05004": ("Hières", 780, "ZAR"),
    "05005": ("Hières-la-Neuve", 120, None),
    "13001": ("Istres-Plage", 43_000, "HZ"),
    "13002": ("Jouques-Basse", 4_400, "ZAC"),
    "13055": ("Marseille", 80_000, None),
}


# APL by commune (DREES, compiled): as in the real copy, Marseille (13055) has no row and 05005 neither; 04002 is
# the former code of 04001 (brought to 04001 through the COG); 04003 has no value in 2016.
APL_YEARS = ("2015", "2016", "2017", "2018", "2019", "2021", "2022", "2023")
APL_COMMUNES: dict[str, tuple[str, tuple[float | None, ...]]] = {
    "04002": ("Bérac", (3.0, 2.9, 2.8, 2.7, 2.6, 2.5, 2.4, 2.2)),  # falls: worse access
    "04003": ("Céreste-Haute", (2.0, None, 2.1, 2.2, 2.2, 2.3, 2.3, 2.4)),
    "04004": ("Digne-le-Bas", (4.1, 4.0, 4.0, 3.9, 3.9, 3.8, 3.8, 3.9)),
    "05001": ("Embrun-Vieux", (1.5, 1.6, 1.8, 2.0, 2.2, 2.4, 2.6, 2.7)),  # rises: better access
    "05002": ("Fontgillarde", (2.4, 2.4, 2.4, 2.4, 2.4, 2.4, 2.4, 2.4)),  # stable
    "05003": ("Gap-Neuf", (5.2, 5.1, 5.0, 4.9, 4.8, 4.7, 4.6, 4.5)),
    "05004": ("Hières", (3.3, 3.3, 3.2, 3.2, 3.1, 3.1, 3.0, 3.0)),
    "13001": ("Istres-Plage", (4.4, 4.4, 4.3, 4.3, 4.2, 4.2, 4.1, 4.1)),
    "13002": ("Jouques-Basse", (2.9, 2.8, 2.8, 2.7, 2.7, 2.6, 2.6, 2.5)),
}


def _department(code: str) -> str:
    return code[:2]


# --- Geometry -----------------------------------------------------------------------------------------------------


@functools.cache
def _edge(start: tuple[int, int], end: tuple[int, int]) -> tuple[tuple[float, float], ...]:
    """Vertices of the grid edge from node ``start`` to node ``end`` (neighbouring nodes, ``start < end``)."""
    (i0, j0), (i1, j1) = start, end
    x0, y0 = X0 + i0 * CELL_W, Y0 + j0 * CELL_H
    x1, y1 = X0 + i1 * CELL_W, Y0 + j1 * CELL_H
    horizontal = j0 == j1
    points = []
    for k in range(STEPS + 1):
        t = k / STEPS
        swing = 0.0 if k in (0, STEPS) else ZIGZAG * (1 if (k + i0 + j0) % 2 else -1)
        x, y = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
        points.append((round(x, 5), round(y + swing, 5)) if horizontal else (round(x + swing, 5), round(y, 5)))
    return tuple(points)


def _path(a: tuple[int, int], b: tuple[int, int]) -> list[tuple[float, float]]:
    return list(_edge(a, b)) if a < b else list(reversed(_edge(b, a)))


def cell(column: int, row: int) -> Polygon:
    """The cell of the grid at ``(column, row)``; neighbours share their edge vertex for vertex."""
    corners = [(column, row), (column + 1, row), (column + 1, row + 1), (column, row + 1), (column, row)]
    ring: list[tuple[float, float]] = []
    for a, b in itertools.pairwise(corners):
        ring.extend(_path(a, b)[:-1])
    return Polygon(ring)


def commune_shapes_2018() -> dict[str, shapely.Geometry]:
    """2018 commune shapes by code (``05099`` included)."""
    shapes = {
        code: cells[0] if len(cells) == 1 else shapely.union_all(cells)
        for code, (_, where) in COMMUNES_2018.items()
        for cells in [[cell(c, r) for c, r in where]]
    }
    shapes[UNKNOWN_2018] = box(*UNKNOWN_2018_BOX)
    return shapes


def department_shapes() -> dict[str, shapely.Geometry]:
    """Department shapes: the union of their cells (the island ``05099`` is not part of 05)."""
    return {
        dep: shapely.union_all([cell(2 * k + c, r) for c in (0, 1) for r in (0, 1)])
        for k, dep in enumerate(DEPARTMENTS)
    }


def _feature_collection(features: list[tuple[dict, shapely.Geometry]]) -> str:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "geometry": mapping(geom), "properties": props} for props, geom in features
            ],
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


# --- Files --------------------------------------------------------------------------------------------------------


def _json_lines(entries: list[dict]) -> str:
    """The layout of the COG files of the real mirror: one compact entry per line inside a list."""
    return "[\n" + ",\n".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in entries) + "\n]\n"


def _cog_communes() -> list[dict]:
    entries: list[dict] = []
    for code, (name, population, _) in COMMUNES_2026.items():
        dep = _department(code)
        entry = {"code": code, "nom": name, "typeLiaison": 0, "zone": "metro", "arrondissement": f"{dep}1",
                 "departement": dep, "region": REGION[0], "type": "commune-actuelle", "rangChefLieu": 0,
                 "siren": f"21{code}0", "codesPostaux": [f"{dep}100"], "population": population}  # fmt: skip
        if code == MERGED:
            entry["anciensCodes"] = [c for c in MERGED_FROM if c != MERGED]
        entries.append(entry)
    for code in MERGED_FROM:
        entries.append({"code": code, "nom": COMMUNES_2018[code][0], "typeLiaison": 0, "zone": "metro",
                        "type": "commune-deleguee", "chefLieu": MERGED, "arrondissement": "041",
                        "departement": "04", "region": REGION[0]})  # fmt: skip
    for code, (name, population, _) in ARRONDISSEMENTS.items():
        entries.append({"code": code, "nom": name, "typeLiaison": 0, "zone": "metro", "type": "arrondissement-municipal",
                        "commune": "13055", "arrondissement": "133", "departement": "13", "region": REGION[0],
                        "codesPostaux": [f"130{code[-2:]}"], "population": population})  # fmt: skip
    return entries


def _population_rows() -> list[tuple[str, str, int]]:
    """(code, name, 2023 municipal population) as INSEE lists them: arrondissements instead of Marseille."""
    rows = [(c, n, p) for c, (n, p, _) in COMMUNES_2026.items() if c != "13055"]
    rows += [(c, n, p) for c, (n, p, _) in ARRONDISSEMENTS.items()]
    return sorted(rows)


def _csv(lines: list[list[object]], sep: str = ",", newline: str = "\n") -> str:
    return newline.join(sep.join(str(v) for v in line) for line in lines) + newline


def _files() -> dict[str, str]:
    """Relative path in the mirror -> text content."""
    communes = get_source("communes")
    shapes = commune_shapes_2018()
    departments = department_shapes()
    files: dict[str, str] = {
        get_source("departements").files[0].path: _feature_collection(
            [({"code": d, "nom": DEPARTMENT_NAMES[d]}, departments[d]) for d in DEPARTMENTS]
        ),
        get_source("regions").files[0].path: _feature_collection(
            [({"code": REGION[0], "nom": REGION[1]}, shapely.union_all(list(departments.values())))]
        ),
    }
    for dep in DEPARTMENTS:
        codes = sorted(c for c in shapes if _department(c) == dep)
        names = {**{c: n for c, (n, _) in COMMUNES_2018.items()}, UNKNOWN_2018: "Île-Perdue"}
        files[communes.file_for_department(dep).path] = _feature_collection(
            [({"code": c, "nom": names[c]}, shapes[c]) for c in codes]
        )

    cog = get_source("cog")
    files[cog.files[0].path] = _json_lines(_cog_communes())
    departments_cog = [
        {"code": d, "region": REGION[0], "chefLieu": f"{d}001", "nom": DEPARTMENT_NAMES[d], "typeLiaison": 4,
         "zone": "metro"} for d in DEPARTMENTS
    ]  # fmt: skip
    files[cog.files[1].path] = _json_lines(departments_cog)
    files[cog.files[2].path] = _json_lines(
        [{"code": REGION[0], "chefLieu": "13055", "nom": REGION[1], "typeLiaison": 0, "zone": "metro"}]
    )

    zoning = [["code_insee", "nom_source", "nom_cog_2026", "type", "code_departement", "code_region", "zonage"]]
    for code, (name, _, category) in sorted({**COMMUNES_2026, **ARRONDISSEMENTS}.items()):
        if category is None:
            continue
        kind = "arrondissement_municipal" if code in ARRONDISSEMENTS else "commune"
        zoning.append([code, name, name, kind, _department(code), REGION[0], category])
    files[get_source("zonage_mg").files[0].path] = _csv(zoning)

    population = get_source("population")
    rows = _population_rows()
    header_2023 = ["REG", "Région", "DEP", "CODARR", "CODCAN", "CODCOM", "COM", "Commune", "PMUN", "PCAP", "PTOT"]
    files[population.files[0].path] = _csv(
        [header_2023]
        + [[REGION[0], REGION[1], _department(c), 1, "01", c[2:], c, n, p, 10, p + 10] for c, n, p in rows],
        sep=";",
        newline="\r\n",
    )
    header_2020 = ["CODREG", "REG", "CODDEP", "CODARR", "CODCAN", "CODCOM", "COM", "PMUN", "PCAP", "PTOT"]
    files[population.files[1].path] = _csv(
        [header_2020]
        + [[REGION[0], REGION[1], _department(c), 1, "01", c[2:], n, p - 7, 10, p + 3] for c, n, p in rows],
        sep=";",
        newline="\r\n",
    )
    by_department = {d: [p for c, _, p in rows if _department(c) == d] for d in DEPARTMENTS}
    files[population.files[2].path] = _csv(
        [["code_departement", "nom_departement", "code_region", "nb_communes", "population_municipale_2023",
          "population_municipale_2020"]]
        + [[d, DEPARTMENT_NAMES[d], REGION[0], sum(1 for c in COMMUNES_2026 if _department(c) == d),
            sum(by_department[d]), sum(by_department[d]) - 7 * len(by_department[d])] for d in DEPARTMENTS]
    )  # fmt: skip

    files[get_source("apl_mg").files[0].path] = _csv(
        [["code_departement", "nom_departement", "apl_mg_2024", "apl_mg_2023", "population_totale",
          "population_apl_mg_2024_inf_2_5", "part_population_apl_mg_2024_inf_2_5_pct"],
         ["04", "Alpes-de-Haute-Provence", 3.59, 3.59, 18_570, 3_000, 16.2],
         ["05", "Hautes-Alpes", 4.81, 5, 3_705, 250, 6.7],
         ["13", "Bouches-du-Rhône", 4.6, 4.58, 127_400, 1_800, 1.4]]
    )  # fmt: skip
    files[get_source("apl_mg_communes").files[0].path] = _csv(
        [["code_commune", "nom", "code_departement", *(f"apl_mg_{y}" for y in APL_YEARS)]]
        + [[code, name, _department(code), *("" if v is None else v for v in values)]
           for code, (name, values) in APL_COMMUNES.items()]
    )  # fmt: skip
    density = [["annee", "profession_sante", "region", "libelle_region", "departement", "libelle_departement",
                "effectif", "densite"]]  # fmt: skip
    for dep, (staff, value) in {"04": (14, 75.4), "05": (4, 107.9), "13": (132, 103.6)}.items():
        density.append([2024, "Ensemble des médecins généralistes", REGION[0], REGION[1], dep, DEPARTMENT_NAMES[dep],
                        staff, value])  # fmt: skip
    density.append([2024, "Ensemble des médecins généralistes", REGION[0], REGION[1], 999, "Tout département", 150,
                    101.2])  # fmt: skip
    files[get_source("densite_mg").files[0].path] = _csv(density)
    return files


# --- Catalog ------------------------------------------------------------------------------------------------------


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _catalog_toml(root: Path) -> str:
    """The packaged catalog restricted to the files of the synthetic mirror, with their SHA-256 and no official URL."""
    lines = ["# Catalog of the synthetic mirror (tests/synthetic.py): every file comes from the mirror.", ""]
    for source in load_catalog():
        lines += ["[[source]]"]
        for key in ("id", "title", "producer", "licence", "vintage", "homepage", "parser", "cache", "level", "notes"):
            lines.append(f"{key} = {_toml_string(getattr(source, key))}")
        if source.optional:
            lines.append("optional = true")
        if source.per_department:
            lines.append("per_department = true")
        lines.append("")
        for file in source.files:
            if source.per_department and file.department not in DEPARTMENTS:
                continue
            path = root / file.path
            lines += ["[[source.files]]", f"path = {_toml_string(file.path)}"]
            if file.department:
                lines.append(f"department = {_toml_string(file.department)}")
            sha = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
            lines += [f'sha256 = "{sha}"', ""]
    return "\n".join(lines)


@dataclass(frozen=True)
class SyntheticMirror:
    """A synthetic mirror and its catalog.

    Attributes
    ----------
    root:
        The mirror folder (``france-geojson/…``, ``opendata/<dataset>/<file>``).
    catalog_path:
        Its catalog, a TOML file in the format of ``cnrmap/sources/sources.toml``.
    """

    root: Path
    catalog_path: Path

    def catalog(self) -> list[Source]:
        """The catalog, as :func:`cnrmap.sources.catalog.load_catalog` reads it."""
        return load_catalog(self.catalog_path)

    def files(self) -> list[str]:
        """Relative paths of every file of the mirror."""
        return sorted(p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file())


def build_mirror(folder: Path) -> SyntheticMirror:
    """Write the synthetic mirror into ``folder / "mirror"`` and its catalog into ``folder / "sources.toml"``."""
    root = Path(folder) / "mirror"
    for relative, text in _files().items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    catalog_path = Path(folder) / "sources.toml"
    catalog_path.write_text(_catalog_toml(root), encoding="utf-8")
    return SyntheticMirror(root, catalog_path)


# --- HTTP ---------------------------------------------------------------------------------------------------------


@dataclass
class Served:
    """A folder served over HTTP on 127.0.0.1.

    Attributes
    ----------
    url:
        Base URL (no trailing slash).
    requests:
        Paths asked for, in order (relative to the folder).
    truncated:
        Paths whose body is cut after half of the announced length, then the connection is closed.
    """

    url: str
    requests: list[str] = field(default_factory=list)
    truncated: frozenset[str] = frozenset()


class _Handler(http.server.SimpleHTTPRequestHandler):
    served: Served

    def do_GET(self) -> None:
        relative = self.path.split("?")[0].lstrip("/")
        self.served.requests.append(relative)
        if relative in self.served.truncated:
            body = (Path(self.directory) / relative).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve_folder(folder: Path, truncated: frozenset[str] = frozenset()) -> Iterator[Served]:
    """Serve ``folder`` over HTTP on 127.0.0.1 (a free port) in a thread, for the duration of the block."""
    served = Served(url="", truncated=truncated)
    handler = type("Handler", (_Handler,), {"served": served})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    served.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
