"""`deploycheck [all|images|compose|k8s|dev-secrets]`: what `make k8s-validate` runs."""

import argparse
import sys
import time
from collections.abc import Callable

from deploycheck import compose, dev_secrets, dockerfiles, k8s


def _k8s(overlays: list[str]) -> Callable[[], list[str]]:
    def run() -> list[str]:
        dev_secrets.ensure()
        return [e for overlay in overlays for e in k8s.check_overlay(overlay)]

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="deploycheck", description=__doc__)
    parser.add_argument(
        "what", nargs="?", default="all", choices=["all", "images", "compose", "k8s", "dev-secrets"]
    )
    parser.add_argument(
        "--rendered",
        metavar="FILE",
        help="check this rendered manifest (k8s only) instead of rendering the overlays",
    )
    parser.add_argument("--overlay", choices=k8s.OVERLAYS, default=None)
    args = parser.parse_args(argv)

    if args.what == "dev-secrets":
        print(dev_secrets.ensure())
        return 0
    if args.rendered:
        overlay = args.overlay or "dev"
        with open(args.rendered) as f:
            errors = k8s.check_objects(k8s.load(f.read()), overlay)
        return _report([(f"{args.rendered} as overlays/{overlay}", errors, 0.0)])

    overlays = [args.overlay] if args.overlay else list(k8s.OVERLAYS)
    steps: dict[str, Callable[[], list[str]]] = {
        "images": dockerfiles.check_all,
        "compose": compose.check,
        "k8s": _k8s(overlays),
    }
    chosen = steps if args.what == "all" else {args.what: steps[args.what]}
    results = []
    for name, step in chosen.items():
        t0 = time.monotonic()
        results.append((name, step(), time.monotonic() - t0))
    return _report(results)


def _report(results: list[tuple[str, list[str], float]]) -> int:
    failed = False
    for name, errors, seconds in results:
        status = "ok" if not errors else f"{len(errors)} problem(s)"
        print(f"{name:<10} {status} ({seconds:.1f}s)")
        for error in errors:
            print(f"  - {error}")
        failed = failed or bool(errors)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
