"""Entry point for uvicorn workers: each process reads the environment once."""

from starlette.applications import Starlette

from api.app import create_app
from events.config import Settings


def create() -> Starlette:
    return create_app(Settings.from_env())
