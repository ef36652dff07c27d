"""BE321: unsafe deserialization: pickle/marshal/yaml.load of data, and session state decoded from a cookie
with no signature check."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.review.context import FileContext, call_name, walk
from backend_engineer.review.rules._routes import functions_flows, kwarg, steps

CODE = "BE321"
SEVERITY = Severity.BLOCKER
TITLE = "unsafe deserialization"
CATEGORY = "deserialization"
ALWAYS = {
    "pickle.loads",
    "pickle.load",
    "cPickle.loads",
    "dill.loads",
    "marshal.loads",
    "jsonpickle.decode",
    "yaml.unsafe_load",
    "shelve.open",
    "pandas.read_pickle",
    "_pickle.loads",
}
SAFE_LOADER = re.compile(r"SafeLoader|CSafeLoader|BaseLoader")
SIGNED = re.compile(r"hmac|itsdangerous|Serializer|jwt\.decode|verify|signature|Fernet|unsign", re.I)


def check(ctx: FileContext) -> Iterator[Finding]:
    for func, flow, params in functions_flows(ctx):
        text = ast.unparse(func)
        reads_cookie = "cookies" in text or "COOKIES" in text
        for node in walk(func):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = call_name(node)
            path = flow.path(node.args[0], params)
            why = ""
            if name in ALWAYS or (name.endswith("pickle.loads") or name.endswith("pickle.load")):
                why = f"{name}() runs code embedded in the data"
            elif name in {"yaml.load", "yaml.load_all"}:
                loader = kwarg(node, "Loader") or (node.args[1] if len(node.args) > 1 else None)
                if loader is None or not SAFE_LOADER.search(ast.unparse(loader)):
                    why = "yaml.load without SafeLoader builds arbitrary objects"
            elif (
                name in {"json.loads", "loads"}
                and path
                and reads_cookie
                and not SIGNED.search(text)
                and ("b64decode" in ast.unparse(node) or "session" in text)
            ):
                why = "session state deserialized from a cookie without a signature check"
            if why:
                yield ctx.finding(
                    CODE,
                    SEVERITY,
                    f"{TITLE}: {why}",
                    node,
                    "use json with a schema, yaml.safe_load, or a signed serializer (itsdangerous) for client state",
                    CATEGORY,
                    steps(path, node.lineno, why) if path else (),
                )
