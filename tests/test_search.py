"""Place search: accent- and case-insensitive matching, best matches first, only a few sent to the page."""

from __future__ import annotations

from cnrmap.carte.search import find_places, folded_entries

ENTRIES = folded_entries(
    [
        "Provence-Alpes-Côte d'Azur (région 93)",
        "Bouches-du-Rhône (13)",
        "Saint-Étienne (42218)",
        "Saint-Étienne-de-Tinée (06120)",
        "Marseille (13055)",
        "Mars (42141)",
        "La Seyne-sur-Mer (83126)",
        "Arles (13004)",
        "Charleval (13024)",
    ]
)


def test_accents_case_and_hyphens_are_ignored():
    assert find_places(ENTRIES, "saint etienne") == ["Saint-Étienne (42218)", "Saint-Étienne-de-Tinée (06120)"]
    assert find_places(ENTRIES, "BOUCHES DU RHONE") == ["Bouches-du-Rhône (13)"]
    assert find_places(ENTRIES, "cote d azur") == ["Provence-Alpes-Côte d'Azur (région 93)"]


def test_names_starting_with_the_query_come_first_then_words_then_inside():
    assert find_places(ENTRIES, "ar") == ["Arles (13004)", "Mars (42141)", "Charleval (13024)", "Marseille (13055)"]
    assert find_places(ENTRIES, "seyne") == ["La Seyne-sur-Mer (83126)"]


def test_codes_and_limits():
    assert find_places(ENTRIES, "13055") == ["Marseille (13055)"]
    assert find_places(ENTRIES, "13", limit=2) == ["Bouches-du-Rhône (13)", "Arles (13004)"]
    assert find_places(ENTRIES, "93")[0] == "Provence-Alpes-Côte d'Azur (région 93)"
    assert find_places(ENTRIES, "   ") == []
    assert find_places(ENTRIES, "introuvable") == []
