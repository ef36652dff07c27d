"""Extract every app of manifest.json at its pinned commit from the fetch mirror into .cache/<name>/.

The mirror is the bare git directory the `fetch` tool leaves at $MIRROR/<owner>+<name>/repo
(default /work/.mirror). Nothing here is committed: .cache/ is gitignored.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"


def mirror_of(repo: str) -> Path:
    return Path(os.environ.get("MIRROR", "/work/.mirror")) / repo.replace("/", "+") / "repo"


def materialise(app: dict[str, object], cache: Path = CACHE) -> Path:
    name, repo, commit = str(app["name"]), str(app["repo"]), str(app["commit"])
    target = cache / name
    stamp = target / ".commit"
    if stamp.is_file() and stamp.read_text().strip() == commit:
        return target
    git = mirror_of(repo)
    if not git.is_dir():
        sys.exit(f"{repo}: no mirror at {git}; bring it with the fetch tool (github:{repo}) first")
    include = [str(p) for p in app.get("include", [])]  # type: ignore[attr-defined]
    exclude = [str(p) for p in app.get("exclude", [])]  # type: ignore[attr-defined]
    proc = subprocess.run(
        ["git", "--git-dir", str(git), "archive", "--format=tar", commit, *include],
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        sys.exit(f"{repo}@{commit}: git archive failed: {proc.stderr.decode().strip()}")
    cache.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=cache, prefix=f".{name}-"))
    with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tar:
        members = [m for m in tar.getmembers() if not any(m.name.startswith(e) for e in exclude)]
        tar.extractall(tmp, members=members, filter="data")
    (tmp / ".commit").write_text(commit + "\n")
    if target.exists():
        shutil.rmtree(target)
    tmp.rename(target)
    return target


def load_manifest() -> list[dict[str, object]]:
    return list(json.loads((HERE / "manifest.json").read_text())["apps"])


def main() -> None:
    for app in load_manifest():
        print(f"{app['name']:24} {app['repo']}@{str(app['commit'])[:10]} -> {materialise(app)}")


if __name__ == "__main__":
    main()
