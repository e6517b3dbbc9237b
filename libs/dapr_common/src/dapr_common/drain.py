"""A pod's hand-off at termination, run as the app container's preStop hook:

    python -m dapr_common.drain [--grace 5] [--wait 10]

1. Keep serving `--grace` seconds while kube-proxy and the Endpoints' watchers drop the pod:
   requests already routed here still land and are answered.
2. Ask the sidecar to shut down (Dapr's shutdown API). Its graceful shutdown closes the
   invocation server first, so the callers' sidecars, whose connections are pinned to this pod,
   reconnect to another replica; the calls it has accepted still reach this app, which is up.
3. Wait (at most `--wait` seconds) until the sidecar has stopped, then return: the kubelet
   then stops the app, which has no caller left.

Without it the sidecar outlives the app (`dapr.io/block-shutdown-duration`, so that the app can
use it while it drains) and answers every call pinned to this pod with "connection refused"
until its app health check notices (tests/cluster: a deleted pod).
"""

import argparse
import socket
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from dapr_common.settings import DaprSettings


def ask_shutdown(settings: DaprSettings, timeout: float = 2.0) -> str | None:
    """POST /v1.0/shutdown to the sidecar; None when it accepted, else why not."""
    request = urllib.request.Request(f"{settings.sidecar_url}/v1.0/shutdown", method="POST")
    if settings.dapr_api_token:
        request.add_header("dapr-api-token", settings.dapr_api_token.get_secret_value())
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return None if answer.status < 300 else f"HTTP {answer.status}"
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}: {exc.read(500).decode(errors='replace')}"
    except urllib.error.URLError as exc:
        return repr(exc.reason)
    except OSError as exc:
        return repr(exc)


def listening(url: str, timeout: float = 0.5) -> bool:
    """Whether something still accepts TCP connections at the URL's host and port."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 80), timeout=timeout):
            return True
    except OSError:
        return False


def drain(settings: DaprSettings, *, grace: float, wait: float) -> int:
    time.sleep(grace)
    refused = ask_shutdown(settings)
    if refused is not None:
        print(f"drain: could not stop the sidecar: {refused}", file=sys.stderr)
        return 1
    deadline = time.monotonic() + wait
    while listening(settings.sidecar_url):
        if time.monotonic() > deadline:
            print(f"drain: the sidecar still listens after {wait:g} s", file=sys.stderr)
            return 1
        time.sleep(0.1)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dapr_common.drain", description=__doc__)
    parser.add_argument("--grace", type=float, default=5.0, help="seconds to keep serving first")
    parser.add_argument("--wait", type=float, default=10.0, help="seconds to wait for the sidecar")
    args = parser.parse_args(argv)
    return drain(DaprSettings(), grace=args.grace, wait=args.wait)


if __name__ == "__main__":
    sys.exit(main())
