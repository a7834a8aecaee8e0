"""How a settings problem is worded: the file or the variable it came from, the key, what
is wrong, and the nearest known key when the key is unknown."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ValidationError

ENV_PREFIX = "OOLVAY_"
NESTED = "__"


def describe(
    error: ValidationError,
    model: type[BaseModel],
    path: Path | None,
    from_env: Mapping[str, str],
) -> str:
    """Each of ``error``'s problems on a line: where it came from (the file or the
    variable), the key, what is wrong and what was given."""
    lines = []
    for problem in error.errors():
        parts = tuple(str(part) for part in problem["loc"])
        key = ".".join(parts)
        variable = _variable_for(key, from_env)
        if variable is not None:
            source = f"environment variable {variable}"
        elif path is not None:
            source = str(path)
        else:
            source = f"environment variable {key.upper()}"
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "extra_forbidden":
            message = "unknown setting" + _suggestion(model, parts, variable)
        got = problem.get("input")
        shown = "" if problem["type"] in {"extra_forbidden", "missing"} else f" (got {got!r})"
        lines.append(f"{source}: {key}: {message}{shown}")
    return "invalid settings:\n  " + "\n  ".join(lines)


def _variable_for(key: str, from_env: Mapping[str, str]) -> str | None:
    """The variable that set ``key``, or a key below it (an unknown section)."""
    if key in from_env:
        return from_env[key]
    below = [name for path, name in from_env.items() if path.startswith(key + ".")]
    return below[0] if below else None


def _suggestion(model: type[BaseModel], parts: tuple[str, ...], variable: str | None) -> str:
    """``(did you mean ...?)`` with the nearest known key at the same level, if one is near."""
    known = _known_keys(model, parts[:-1])
    nearest = difflib.get_close_matches(parts[-1], known, n=1, cutoff=0.6)
    if not nearest:
        return ""
    if variable is None:
        return f" (did you mean {'.'.join((*parts[:-1], nearest[0]))}?)"
    segments = variable[len(ENV_PREFIX) :].split(NESTED)
    segments[len(parts) - 1] = nearest[0].upper()
    return f" (did you mean {ENV_PREFIX}{NESTED.join(segments)}?)"


def _known_keys(model: type[BaseModel], path: tuple[str, ...]) -> list[str]:
    for part in path:
        field = model.model_fields.get(part)
        annotation = field.annotation if field is not None else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return list(model.model_fields)
