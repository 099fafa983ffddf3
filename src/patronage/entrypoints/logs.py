"""Logging of the long-running processes (`serve`, `worker`): text, or one JSON object a
line with PATRONAGE_LOG_FORMAT=json, for log shippers. The same format is given to
uvicorn, whose access lines then carry the client, method, path and status as fields."""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.config
from typing import Any

TEXT = "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"
ACCESS_FIELDS = ("client", "method", "path", "http_version", "status")


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: time (UTC), level, logger, pid, message, and for
    uvicorn's access lines the request's parts; a traceback goes in `exception`."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname, "logger": record.name, "pid": record.process,
            "message": record.getMessage()}
        args = record.args
        if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) == 5:
            out |= dict(zip(ACCESS_FIELDS, args, strict=True))
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def config(fmt: str, level: str = "INFO") -> dict[str, Any]:
    """A dictConfig for our loggers and uvicorn's, in `fmt` ("text" or "json")."""
    if fmt == "json":
        formatters: dict[str, Any] = {"default": {"()": JsonFormatter},
                                      "access": {"()": JsonFormatter}}
    else:
        formatters = {
            "default": {"()": "uvicorn.logging.DefaultFormatter",
                        "fmt": "%(levelprefix)s %(message)s", "use_colors": None},
            "access": {"()": "uvicorn.logging.AccessFormatter",
                       "fmt": '%(levelprefix)s %(client_addr)s - "%(request_line)s" '
                              "%(status_code)s"},
            "plain": {"format": TEXT}}
    plain = "default" if fmt == "json" else "plain"
    return {
        "version": 1, "disable_existing_loggers": False, "formatters": formatters,
        "handlers": {
            "default": {"class": "logging.StreamHandler", "formatter": "default",
                        "stream": "ext://sys.stderr"},
            "access": {"class": "logging.StreamHandler", "formatter": "access",
                       "stream": "ext://sys.stdout"},
            "patronage": {"class": "logging.StreamHandler", "formatter": plain,
                          "stream": "ext://sys.stderr"}},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"handlers": ["access"], "level": level, "propagate": False},
            "patronage": {"handlers": ["patronage"], "level": level, "propagate": False}},
    }


def configure(fmt: str) -> dict[str, Any]:
    """Set the process's logging up; returns the config, for uvicorn's `log_config`."""
    cfg = config(fmt)
    logging.config.dictConfig(cfg)
    return cfg
