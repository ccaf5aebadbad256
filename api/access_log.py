"""What the server's logs may say about a request: never the tokens in its URL.

Ticket, unsubscribe and password links carry their credential in the path, API calls
and confirmation links in `?token=`; anyone who reads the access log could use them.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

MASK = "***"
# A path segment that is a credential: after /tickets/ (the ticket page and everything
# under it), /confirm/ and /console/password/, and the last one of /unsubscribe/{id}/{token}.
SECRET_SEGMENT = re.compile(
    r"(/(?:tickets|confirm|console/password)/)[^/?#\s\"'.]+"
    r"|(/unsubscribe/[^/?#\s\"']+/)[^/?#\s\"']+")
SECRET_PARAMETER = re.compile(r"([?&;](?:token|key|secret|password)=)[^&#\s\"']*", re.I)


def mask_tokens(text: str) -> str:
    """`text` (a URL, a request line, a log message) with every credential replaced."""
    text = SECRET_SEGMENT.sub(lambda m: (m.group(1) or m.group(2)) + MASK, text)
    return SECRET_PARAMETER.sub(lambda m: m.group(1) + MASK, text)


class MaskTokens(logging.Filter):
    """Rewrites a record's message and arguments (uvicorn's access log passes the path as
    an argument) before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_tokens(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(mask_tokens(a) if isinstance(a, str) else a
                                for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: mask_tokens(v) if isinstance(v, str) else v
                           for k, v in record.args.items()}
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's own logging configuration, every handler behind MaskTokens."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"mask_tokens": {"()": f"{__name__}.MaskTokens"}}
    for handler in config["handlers"].values():
        handler["filters"] = ["mask_tokens"]
    return config
