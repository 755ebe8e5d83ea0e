"""The benchmark scripts' output: a table of rows as `<name>.json` (with the arguments that
produced it) and `<name>.md` under one folder, the markdown printed too."""

from __future__ import annotations

import json
from pathlib import Path


def write_rows(out: str | Path, name: str, args: object, rows: list[dict], markdown: str) -> None:
    """Write `out/<name>.json` ({"args": vars(args), "rows": rows}) and `out/<name>.md`, then
    print the markdown."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(dict(args=vars(args), rows=rows), indent=1))
    (out / f"{name}.md").write_text(markdown)
    print(markdown)
