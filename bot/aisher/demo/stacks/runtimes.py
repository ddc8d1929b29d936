"""Which runtime renders which exception: `throw`, the one way from a situation to a trace."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping

from aisher.demo.stacks import go_stacks, java_stacks, node_stacks, python_stacks
from aisher.demo.stacks.throw_site import ErrorKind, Language, Thrown, ThrowSite

_BUILDERS: Mapping[Language, Mapping[ErrorKind, Callable[[ThrowSite, random.Random], Thrown]]] = {
    Language.JAVA: java_stacks.BUILDERS,
    Language.PYTHON: python_stacks.BUILDERS,
    Language.GO: go_stacks.BUILDERS,
    Language.NODEJS: node_stacks.BUILDERS,
}


def throw(kind: ErrorKind, site: ThrowSite, rng: random.Random) -> Thrown:
    """The exception a service in `site.language` records for `kind`, with a fresh message."""
    return _BUILDERS[site.language][kind](site, rng)
