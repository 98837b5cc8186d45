"""`LocalHubProtocolServer`: an in-memory server on 127.0.0.1 speaking the subset of the Hugging
Face Hub HTTP protocol that huggingface_hub 2.4 and datasets 5.2 use to push and load a dataset or
a model repo. It is a test double for huggingface.co, which tests cannot reach.

Implemented (every URL as the clients build it, read from their source):

- `GET  /api/whoami-v2`
- `POST /api/repos/create`
- `GET  /api/{models|datasets}/{ns}/{name}[/revision/{rev}]`             repo info
- `POST /api/{t}s/{ns}/{name}/preupload/{rev}`                            upload modes
- `POST /[datasets/]{ns}/{name}.git/info/lfs/objects/batch`               LFS batch
- `PUT  /__lfs__/{sha256}`, `POST /__lfs__/{sha256}/verify`              LFS transfer (plays S3)
- `POST /api/validate-yaml`
- `POST /api/{t}s/{ns}/{name}/commit/{rev}`                               NDJSON commit
- `GET  /api/{t}s/{ns}/{name}/tree/{rev}[/{path}]`                        tree listing
- `POST /api/{t}s/{ns}/{name}/paths-info/{rev}`                           paths info
- `GET|HEAD /[datasets/]{ns}/{name}/resolve/{rev}/{path}`                 file content (Range ok)

Commits are linear per repo and applied under one lock, as the Hub serialises them; a commit
whose `parentCommit` is not the branch head is refused with 412, like the Hub. Fault injection:
`fail_next_commits(n, status)`, `fail_all_commits(status)`, `fail_commits_touching(path)`,
and `hold_commits(n)` to make n concurrent commits race on the same head.

Anything else answers 501 and is recorded in `unhandled`, so a test can see what a client needed;
a failure of the server itself answers 500 and is recorded in `errors`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
import traceback
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

# Files the Hub's default .gitattributes stores in LFS (subset), plus anything >= 10 MB or binary.
LFS_SUFFIXES = (".parquet", ".arrow", ".safetensors", ".bin", ".pt", ".pth", ".jpg", ".png", ".zip")
LFS_SIZE = 10 * 1024 * 1024
REPO_TYPES = {"models": "model", "datasets": "dataset", "spaces": "space"}


def git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass(frozen=True)
class StoredFile:
    size: int
    blob_oid: str  # git sha1 of the content (regular) or of the LFS pointer (LFS)
    sha256: str | None = None  # set for LFS files
    content: bytes | None = None  # set for regular files

    def entry(self, path: str) -> dict[str, Any]:
        item: dict[str, Any] = {
            "type": "file",
            "oid": self.blob_oid,
            "size": self.size,
            "path": path,
        }
        if self.sha256 is not None:
            item["lfs"] = {"oid": self.sha256, "size": self.size, "pointerSize": 134}
        return item

    @property
    def etag(self) -> str:
        return self.sha256 or self.blob_oid


@dataclass
class Commit:
    oid: str
    summary: str
    files: dict[str, StoredFile]  # the full snapshot after this commit
    changed: list[str]
    date: float = field(default_factory=time.time)


@dataclass
class Repo:
    repo_type: str
    repo_id: str
    private: bool
    commits: list[Commit]

    @property
    def head(self) -> Commit:
        return self.commits[-1]

    def at(self, revision: str) -> Commit | None:
        revision = unquote(revision)
        if revision == "main":
            return self.head
        for commit in self.commits:
            if commit.oid == revision or (len(revision) >= 7 and commit.oid.startswith(revision)):
                return commit
        return None


class HubError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


class LocalHubProtocolServer:
    """Start with `start()` (or as a context manager); `url` is the `HF_ENDPOINT` to use."""

    def __init__(self, token: str, user: str = "ouro-tester") -> None:
        self.token = token
        self.user = user
        self.repos: dict[tuple[str, str], Repo] = {}
        self.lfs: dict[str, bytes] = {}
        self.lock = threading.RLock()
        self.unhandled: list[str] = []
        self.errors: list[str] = []  # tracebacks of this server's own failures
        self.requests: list[tuple[str, str, int]] = []
        self.commit_attempts = 0
        self._fail_next: list[int] = []
        self._fail_all: int | None = None
        self._gate: threading.Barrier | None = None
        self._fail_touching: dict[str, int] = {}
        self._httpd: ThreadingHTTPServer | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> LocalHubProtocolServer:
        server = self

        class Handler(_Handler):
            hub = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, name="local-hub", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def __enter__(self) -> LocalHubProtocolServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    # -- fault injection ---------------------------------------------------------------------
    def fail_next_commits(self, count: int = 1, status: int = 409) -> None:
        with self.lock:
            self._fail_next.extend([status] * count)

    def fail_all_commits(self, status: int = 500) -> None:
        self._fail_all = status

    def fail_commits_touching(self, path: str, status: int = 500) -> None:
        """Refuse every commit that adds or deletes `path` (e.g. only the card's commit)."""
        self._fail_touching[path] = status

    def hold_commits(self, count: int) -> None:
        """Hold the next `count` commit requests until all have arrived, then let them race.

        Every worker has then read the same head before any commits: a deterministic conflict.
        """
        self._gate = threading.Barrier(count, timeout=60)

    def _pass_gate(self) -> None:
        gate = self._gate
        if gate is not None:
            try:
                if gate.wait() == 0:
                    self._gate = None
            except threading.BrokenBarrierError:
                self._gate = None

    def clear_faults(self) -> None:
        with self.lock:
            self._fail_next.clear()
            self._fail_all = None
            self._fail_touching.clear()

    # -- inspection for tests ----------------------------------------------------------------
    def repo(self, repo_id: str, repo_type: str = "dataset") -> Repo:
        return self.repos[(repo_type, repo_id)]

    def file_bytes(self, repo_id: str, path: str, repo_type: str = "dataset") -> bytes:
        stored = self.repo(repo_id, repo_type).head.files[path]
        return stored.content if stored.content is not None else self.lfs[stored.sha256 or ""]

    def all_stored_bytes(self) -> list[bytes]:
        """Every byte the server holds (regular files and LFS objects), for leak checks."""
        with self.lock:
            out = list(self.lfs.values())
            for repo in self.repos.values():
                for commit in repo.commits:
                    out.append(commit.summary.encode())
                    out.extend(f.content for f in commit.files.values() if f.content is not None)
            return out

    # -- repo operations (called by the handler, under the lock) -------------------------------
    def create_repo(self, repo_type: str, repo_id: str, private: bool) -> bool:
        with self.lock:
            if (repo_type, repo_id) in self.repos:
                return False
            initial = StoredFile(
                size=len(_GITATTRIBUTES),
                blob_oid=git_blob_sha1(_GITATTRIBUTES),
                content=_GITATTRIBUTES,
            )
            root = Commit(
                _oid("initial", repo_id),
                "initial commit",
                {".gitattributes": initial},
                [".gitattributes"],
            )
            self.repos[(repo_type, repo_id)] = Repo(repo_type, repo_id, private, [root])
            return True

    def commit(self, repo: Repo, revision: str, lines: list[dict[str, Any]]) -> Commit:
        with self.lock:
            self.commit_attempts += 1
            if self._fail_all is not None:
                raise HubError(self._fail_all, "Internal Error - injected: every commit fails")
            if self._fail_next:
                status = self._fail_next.pop(0)
                raise HubError(status, f"injected commit failure ({status})")
            for line in lines[1:]:
                status = self._fail_touching.get(line.get("value", {}).get("path", ""))
                if status is not None:
                    raise HubError(
                        status, f"injected failure for commits touching {line['value']['path']}"
                    )
            if unquote(revision) != "main":
                raise HubError(400, "this server only commits to main", "RevisionNotFound")
            header = (
                lines[0].get("value", {}) if lines and lines[0].get("key") == "header" else None
            )
            if header is None:
                raise HubError(400, "commit payload must start with a header line")
            parent = header.get("parentCommit")
            if parent is not None and parent != repo.head.oid:
                raise HubError(412, "A commit has happened since. Please refresh and try again.")
            files = dict(repo.head.files)
            changed = [self._apply(files, line) for line in lines[1:]]
            commit = Commit(
                _oid(repo.head.oid, header.get("summary", ""), *changed),
                header.get("summary", ""),
                files,
                changed,
            )
            repo.commits.append(commit)
            return commit

    def _apply(self, files: dict[str, StoredFile], line: dict[str, Any]) -> str:
        key, value = line.get("key"), line.get("value", {})
        path = value.get("path", "")
        if key == "file":
            data = (
                base64.b64decode(value["content"])
                if value.get("encoding") == "base64"
                else value["content"].encode()
            )
            files[path] = StoredFile(size=len(data), blob_oid=git_blob_sha1(data), content=data)
        elif key == "lfsFile":
            oid = value["oid"]
            if oid not in self.lfs:
                raise HubError(422, f"LFS object {oid} for {path} was never uploaded")
            size = len(self.lfs[oid])
            pointer = f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {size}\n".encode()
            files[path] = StoredFile(size=size, blob_oid=git_blob_sha1(pointer), sha256=oid)
        elif key == "deletedFile":
            if files.pop(path, None) is None:
                raise HubError(404, f"A file with this name doesn't exist: {path}", "EntryNotFound")
        elif key == "deletedFolder":
            for name in [n for n in files if n.startswith(path.rstrip("/") + "/")]:
                del files[name]
        else:
            raise HubError(400, f"unknown commit operation {key!r}")
        return path


_GITATTRIBUTES = b"*.parquet filter=lfs diff=lfs merge=lfs -text\n*.safetensors filter=lfs diff=lfs merge=lfs -text\n"


def _oid(*parts: str) -> str:
    return hashlib.sha1("\0".join(parts).encode() + str(time.time_ns()).encode()).hexdigest()


# URL shapes ------------------------------------------------------------------------------------
_REPO = r"(?P<ns>[^/]+)/(?P<name>[^/]+?)"
ROUTES = [
    ("GET", re.compile(r"^/api/whoami-v2$"), "whoami"),
    ("POST", re.compile(r"^/api/repos/create$"), "create"),
    ("POST", re.compile(r"^/api/validate-yaml$"), "validate_yaml"),
    (
        "GET",
        re.compile(rf"^/api/(?P<t>models|datasets|spaces)/{_REPO}(?:/revision/(?P<rev>[^/]+))?$"),
        "info",
    ),
    (
        "POST",
        re.compile(rf"^/api/(?P<t>models|datasets|spaces)/{_REPO}/preupload/(?P<rev>[^/]+)$"),
        "preupload",
    ),
    (
        "POST",
        re.compile(rf"^/api/(?P<t>models|datasets|spaces)/{_REPO}/commit/(?P<rev>[^/]+)$"),
        "commit",
    ),
    (
        "GET",
        re.compile(
            rf"^/api/(?P<t>models|datasets|spaces)/{_REPO}/tree/(?P<rev>[^/]+)(?:/(?P<path>.*))?$"
        ),
        "tree",
    ),
    (
        "POST",
        re.compile(rf"^/api/(?P<t>models|datasets|spaces)/{_REPO}/paths-info/(?P<rev>[^/]+)$"),
        "paths_info",
    ),
    (
        "POST",
        re.compile(rf"^/(?:(?P<t>datasets|spaces)/)?{_REPO}\.git/info/lfs/objects/batch$"),
        "lfs_batch",
    ),
    ("PUT", re.compile(r"^/__lfs__/(?P<oid>[0-9a-f]{64})$"), "lfs_put"),
    ("POST", re.compile(r"^/__lfs__/(?P<oid>[0-9a-f]{64})/verify$"), "lfs_verify"),
    (
        "GET",
        re.compile(rf"^/(?:(?P<t>datasets|spaces)/)?{_REPO}/resolve/(?P<rev>[^/]+)/(?P<path>.+)$"),
        "resolve",
    ),
    (
        "HEAD",
        re.compile(rf"^/(?:(?P<t>datasets|spaces)/)?{_REPO}/resolve/(?P<rev>[^/]+)/(?P<path>.+)$"),
        "resolve",
    ),
]
WRITE_ROUTES = {"whoami", "create", "validate_yaml", "preupload", "commit", "lfs_batch"}


class _Handler(BaseHTTPRequestHandler):
    hub: LocalHubProtocolServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
        return

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    # -- plumbing ------------------------------------------------------------------------------
    def _dispatch(self, method: str) -> None:
        split = urlsplit(self.path)
        self.query = parse_qs(split.query)
        self.body = self._read_body()
        status = 500
        try:
            for route_method, pattern, name in ROUTES:
                match = pattern.match(split.path)
                if match and route_method == method:
                    self._check_auth(name)
                    status = getattr(self, f"h_{name}")(**match.groupdict())
                    break
            else:
                self.hub.unhandled.append(f"{method} {split.path}")
                status = self._json(
                    501,
                    {"error": f"LocalHubProtocolServer does not implement {method} {split.path}"},
                )
        except HubError as err:
            headers = {"X-Error-Message": err.message}
            if err.code:
                headers["X-Error-Code"] = err.code
            if err.status == 429:
                headers["Retry-After"] = "1"
            status = self._json(err.status, {"error": err.message}, headers)
        except Exception as err:  # a bug in this double: answer 500 and let the test see it
            self.hub.errors.append(f"{method} {split.path}: {traceback.format_exc()}")
            status = self._json(500, {"error": f"LocalHubProtocolServer bug: {err!r}"})
        self.hub.requests.append((method, split.path, status))

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _check_auth(self, route: str) -> None:
        auth = self.headers.get("Authorization")
        if auth is None:
            if route in WRITE_ROUTES:
                raise HubError(401, "You must be authenticated to do this", None)
            return
        if auth != f"Bearer {self.hub.token}":
            raise HubError(401, "Invalid credentials in Authorization header")

    def _send(
        self,
        status: int,
        body: bytes,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> int:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return status

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> int:
        return self._send(status, json.dumps(payload).encode(), headers)

    def _repo(self, t: str | None, ns: str, name: str) -> Repo:
        repo_type = REPO_TYPES[t] if t else "model"
        repo = self.hub.repos.get((repo_type, f"{ns}/{name}"))
        if repo is None:
            raise HubError(404, "Repository not found", "RepoNotFound")
        if repo.private and self.headers.get("Authorization") is None:
            raise HubError(401, "Repository not found", "RepoNotFound")
        return repo

    def _commit_at(self, repo: Repo, rev: str) -> Commit:
        commit = repo.at(rev)
        if commit is None:
            raise HubError(404, f"Invalid rev id: {unquote(rev)}", "RevisionNotFound")
        return commit

    def _form_or_json(self) -> dict[str, Any]:
        if self.headers.get("Content-Type", "").startswith("application/json"):
            return json.loads(self.body or b"{}")
        return {k: v for k, v in parse_qs(self.body.decode()).items()}

    # -- handlers --------------------------------------------------------------------------------
    def h_whoami(self) -> int:
        return self._json(
            200,
            {
                "type": "user",
                "name": self.hub.user,
                "fullname": "OURO tester",
                "orgs": [],
                "auth": {
                    "type": "access_token",
                    "accessToken": {"displayName": "test", "role": "write"},
                },
            },
        )

    def h_create(self) -> int:
        payload = json.loads(self.body or b"{}")
        repo_type = payload.get("type") or "model"
        namespace = payload.get("organization") or self.hub.user
        repo_id = f"{namespace}/{payload['name']}"
        private = payload.get("visibility") == "private" or bool(payload.get("private"))
        prefix = "" if repo_type == "model" else f"{repo_type}s/"
        url = f"{self.hub.url}/{prefix}{repo_id}"
        if not self.hub.create_repo(repo_type, repo_id, private):
            return self._json(409, {"error": "You already created this repo", "url": url})
        return self._json(200, {"url": url, "name": repo_id})

    def h_validate_yaml(self) -> int:
        content = json.loads(self.body)["content"]
        match = re.match(r"^---\s*\n(.*?)\n---\s*\n", content, re.S)
        if match is None:
            return self._json(
                200, {"errors": [], "warnings": [{"message": "empty or missing yaml metadata"}]}
            )
        try:
            data = yaml.safe_load(match.group(1))
        except yaml.YAMLError as err:
            return self._json(
                400, {"errors": [{"message": f"YAML parse error: {err}"}], "warnings": []}
            )
        if not isinstance(data, dict):
            return self._json(
                400, {"errors": [{"message": "metadata must be a YAML mapping"}], "warnings": []}
            )
        return self._json(200, {"errors": [], "warnings": []})

    def h_info(self, t: str, ns: str, name: str, rev: str | None = None) -> int:
        repo = self._repo(t, ns, name)
        commit = self._commit_at(repo, rev or "main")
        siblings = []
        for path, stored in sorted(commit.files.items()):
            sibling: dict[str, Any] = {"rfilename": path}
            if stored.sha256:
                sibling["lfs"] = {"sha256": stored.sha256, "size": stored.size, "pointerSize": 134}
            siblings.append(sibling)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(commit.date))
        return self._json(
            200,
            {
                "_id": repo.repo_id,
                "id": repo.repo_id,
                "author": repo.repo_id.split("/")[0],
                "sha": commit.oid,
                "private": repo.private,
                "gated": False,
                "disabled": False,
                "lastModified": stamp,
                "createdAt": stamp,
                "tags": [],
                "downloads": 0,
                "likes": 0,
                "siblings": siblings,
            },
        )

    def h_preupload(self, t: str, ns: str, name: str, rev: str) -> int:
        repo = self._repo(t, ns, name)
        head = self._commit_at(repo, rev)
        files = []
        for item in json.loads(self.body)["files"]:
            sample = base64.b64decode(item["sample"])
            lfs = item["path"].endswith(LFS_SUFFIXES) or item["size"] >= LFS_SIZE or b"\0" in sample
            existing = head.files.get(item["path"])
            oid = None if existing is None else (existing.sha256 if lfs else existing.blob_oid)
            files.append(
                {
                    "path": item["path"],
                    "uploadMode": "lfs" if lfs else "regular",
                    "shouldIgnore": False,
                    "oid": oid,
                }
            )
        return self._json(200, {"files": files, "commitOid": head.oid})

    def h_lfs_batch(self, t: str | None, ns: str, name: str) -> int:
        self._repo(t, ns, name)
        objects = []
        for obj in json.loads(self.body)["objects"]:
            item = {"oid": obj["oid"], "size": obj["size"], "authenticated": True}
            if obj["oid"] not in self.hub.lfs:
                href = f"{self.hub.url}/__lfs__/{obj['oid']}"
                item["actions"] = {"upload": {"href": href}, "verify": {"href": f"{href}/verify"}}
            objects.append(item)
        body = json.dumps({"transfer": "basic", "objects": objects, "hash_algo": "sha256"}).encode()
        return self._send(200, body, content_type="application/vnd.git-lfs+json")

    def h_lfs_put(self, oid: str) -> int:
        if hashlib.sha256(self.body).hexdigest() != oid:
            raise HubError(400, "uploaded content does not match its sha256")
        with self.hub.lock:
            self.hub.lfs[oid] = self.body
        return self._send(200, b"")

    def h_lfs_verify(self, oid: str) -> int:
        payload = json.loads(self.body)
        stored = self.hub.lfs.get(oid)
        if stored is None or len(stored) != payload.get("size"):
            raise HubError(404, f"LFS object {oid} not found or wrong size")
        return self._json(200, {"success": True})

    def h_commit(self, t: str, ns: str, name: str, rev: str) -> int:
        repo = self._repo(t, ns, name)
        lines = [json.loads(line) for line in self.body.splitlines() if line.strip()]
        self.hub._pass_gate()
        commit = self.hub.commit(repo, rev, lines)
        prefix = "" if repo.repo_type == "model" else f"{repo.repo_type}s/"
        return self._json(
            200,
            {
                "success": True,
                "commitOid": commit.oid,
                "pullRequestUrl": None,
                "commitUrl": f"{self.hub.url}/{prefix}{repo.repo_id}/commit/{commit.oid}",
            },
        )

    def h_tree(self, t: str, ns: str, name: str, rev: str, path: str | None = None) -> int:
        commit = self._commit_at(self._repo(t, ns, name), rev)
        base = unquote(path or "").strip("/")
        recursive = self.query.get("recursive", ["false"])[0].lower() in ("1", "true")
        entries = _tree_entries(commit.files, base, recursive)
        if base and not entries and base not in commit.files:
            raise HubError(404, f"{base} does not exist on main", "EntryNotFound")
        return self._json(200, entries)

    def h_paths_info(self, t: str, ns: str, name: str, rev: str) -> int:
        commit = self._commit_at(self._repo(t, ns, name), rev)
        form = self._form_or_json()
        paths = form.get("paths", [])
        out = []
        for path in [paths] if isinstance(paths, str) else paths:
            path = path.strip("/")
            if path in commit.files:
                out.append(commit.files[path].entry(path))
            elif any(f.startswith(path + "/") for f in commit.files) or path == "":
                out.append(
                    {
                        "type": "directory",
                        "oid": _dir_oid(commit.files, path),
                        "size": 0,
                        "path": path,
                    }
                )
        return self._json(200, out)

    def h_resolve(self, t: str | None, ns: str, name: str, rev: str, path: str) -> int:
        repo = self._repo(t, ns, name)
        commit = self._commit_at(repo, rev)
        path = unquote(path)
        stored = commit.files.get(path)
        if stored is None:
            raise HubError(404, "Entry not found", "EntryNotFound")
        data = stored.content if stored.content is not None else self.hub.lfs[stored.sha256 or ""]
        headers = {
            "X-Repo-Commit": commit.oid,
            "ETag": f'"{stored.etag}"',
            "Accept-Ranges": "bytes",
        }
        if stored.sha256:
            headers["X-Linked-Etag"] = f'"{stored.sha256}"'
            headers["X-Linked-Size"] = str(stored.size)
        byte_range = _parse_range(self.headers.get("Range"), len(data))
        if byte_range is None:
            return self._send(200, data, headers, "application/octet-stream")
        start, end = byte_range
        if start >= len(data):
            return self._send(416, b"", {**headers, "Content-Range": f"bytes */{len(data)}"})
        headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
        return self._send(206, data[start : end + 1], headers, "application/octet-stream")


def _parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    if not header or not header.startswith("bytes="):
        return None
    first, _, last = header[len("bytes=") :].split(",")[0].partition("-")
    if first == "":  # suffix range: the last N bytes
        return max(size - int(last), 0), size - 1
    return int(first), min(int(last), size - 1) if last else size - 1


def _dir_oid(files: dict[str, StoredFile], path: str) -> str:
    inside = sorted(
        (p, f.blob_oid) for p, f in files.items() if p.startswith(path + "/") or path == ""
    )
    return hashlib.sha1(json.dumps(inside).encode()).hexdigest()


def _tree_entries(files: dict[str, StoredFile], base: str, recursive: bool) -> list[dict[str, Any]]:
    prefix = f"{base}/" if base else ""
    entries: dict[str, dict[str, Any]] = {}
    for path, stored in sorted(files.items()):
        if not path.startswith(prefix):
            continue
        parts = path[len(prefix) :].split("/")
        # every folder on the way down is an entry when recursive, only the first level otherwise
        for depth in range(1, len(parts)):
            folder = prefix + "/".join(parts[:depth])
            if depth == 1 or recursive:
                entries.setdefault(
                    folder,
                    {
                        "type": "directory",
                        "oid": _dir_oid(files, folder),
                        "size": 0,
                        "path": folder,
                    },
                )
            if not recursive:
                break
        if len(parts) == 1 or recursive:
            entries[path] = stored.entry(path)
    return list(entries.values())
