"""Parses SQL statements with sqlglot in a warehouse's dialect (test/plugins/golden-dialects.test.ts).

Reads a JSON list of {"id", "dialect", "sql"} on stdin; prints one JSON list of
{"id", "ok", "kind", "error"}: ok when sqlglot parses the text (one statement, or a script of
several) strictly into real expressions, none the generic Command it falls back to for text it
does not understand.
"""
import json
import sys

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

results = []
for item in json.load(sys.stdin):
    try:
        parsed = sqlglot.parse(item["sql"], read=item["dialect"], error_level=ErrorLevel.RAISE)
        kinds = [type(p).__name__ for p in parsed if p is not None]
        generic = [k for k in kinds if k == exp.Command.__name__]
        ok = len(kinds) > 0 and not generic
        results.append({"id": item["id"], "ok": ok, "kind": ",".join(kinds), "error": None if ok else "sqlglot does not understand a statement of it"})
    except Exception as error:  # a parse error is the answer, not a failure of this script
        results.append({"id": item["id"], "ok": False, "kind": None, "error": str(error).splitlines()[0][:300]})
json.dump(results, sys.stdout)
