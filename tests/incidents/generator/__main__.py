"""`python -m tests.incidents.generator FOLDER [--seed N] [--count-per-kind N]`: write a suite."""

from __future__ import annotations

import argparse
from pathlib import Path

from tests.incidents.generator.suite import DEFAULT_COUNT_PER_KIND, DEFAULT_SEED, write_suite


def main() -> None:
    parser = argparse.ArgumentParser(description="Write the unseen incident suite to a folder.")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--count-per-kind", type=int, default=DEFAULT_COUNT_PER_KIND)
    args = parser.parse_args()
    written = write_suite(args.folder, seed=args.seed, count_per_kind=args.count_per_kind)
    print(f"wrote {len(written)} incidents to {args.folder}")


if __name__ == "__main__":
    main()
