"""Slide decks: a territory's CNR santé story in one PowerPoint file (``cnrmap deck``, the Carte's download).

:mod:`~cnrmap.deck.plan` says which maps a deck needs, :mod:`~cnrmap.deck.content` and
:mod:`~cnrmap.deck.figures` / :mod:`~cnrmap.deck.projects` say what each slide holds (plain data, from the
library's definitions), :mod:`~cnrmap.deck.template` draws it with python-pptx and :mod:`~cnrmap.deck.build`
puts it together.
"""
