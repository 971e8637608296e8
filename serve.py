"""The server: ``streamlit run serve.py`` serves ``app.py`` once its caches are filled.

Streamlit's start-up hook (``st.App``'s ``lifespan``) runs :func:`cnrmap.cached.warm_up` before the server
answers: the first visitor does not wait for the libraries to be imported, the data read and France drawn.
``streamlit run app.py`` serves the same app with cold caches.
"""

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import streamlit as st
from streamlit.logger import get_logger

LOG = get_logger("cnrmap.serve")
# Streamlit warns at each cached loader called outside a page's run, which is what the warm-up does.
QUIET_DURING_WARM_UP = "streamlit.runtime.scriptrunner_utils.script_run_context"


def _warm_up() -> list[str]:
    from cnrmap.cached import warm_up

    noisy = logging.getLogger(QUIET_DURING_WARM_UP)
    level = noisy.level
    noisy.setLevel(logging.ERROR)
    try:
        return warm_up()
    finally:
        noisy.setLevel(level)


@asynccontextmanager
async def _lifespan(_app: st.App) -> AsyncIterator[None]:
    start = time.perf_counter()
    problems = await asyncio.to_thread(_warm_up)
    for problem in problems:
        LOG.warning("Données : %s", problem)
    LOG.info("Caches remplis en %.1f s : l'application répond.", time.perf_counter() - start)
    yield


app = st.App("app.py", lifespan=_lifespan)
