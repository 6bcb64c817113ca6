"""Drives the real huggingface_hub against dualtrack for HfEndToEndIT; prints one JSON line.

Usage: python hub_client.py <download|snapshot> <repo> [filename]   (HF_ENDPOINT and HF_HOME come from the env)
"""
import hashlib
import json
import os
import sys

from huggingface_hub import hf_hub_download, snapshot_download


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def main():
    command, repo = sys.argv[1], sys.argv[2]
    try:
        if command == "download":
            path = hf_hub_download(repo, sys.argv[3])
            result = {"ok": True, "sha256": sha256(path)}
        else:
            folder = snapshot_download(repo)
            files = {}
            for root, _, names in os.walk(folder):
                for name in names:
                    full = os.path.join(root, name)
                    files[os.path.relpath(full, folder)] = sha256(full)
            result = {"ok": True, "files": files}
    except Exception as e:  # the test reads the classes and messages, with the causes a traceback would show
        chain = []
        while e is not None:
            chain.append(type(e).__name__ + ": " + str(e))
            e = e.__cause__ or e.__context__
        result = {"ok": False, "error": " <- ".join(chain)}
    print(json.dumps(result))


main()
