"""Stack traces as each runtime prints them: Java, Python, Go and Node.js.

An exception is described as a chain of `Layer`s (outermost first, then its causes), each with
frames already in the runtime's own text form. The renderers arrange them the way the runtime
does: Java puts the thrown exception first and its `Caused by:` sections after it, sharing the
tail of the enclosing stack as `... N more`; Python prints the innermost cause first and ends
with the exception that escaped; Go prints a goroutine dump; Node prints `at fn (file:line:col)`.

Application frames come from dotted code paths (`web.ChargeController.create`) and the service
version, so a new release moves line numbers the way a real deploy does.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from aisher.demo.stacks.throw_site import split_code


@dataclass(frozen=True, slots=True)
class Layer:
    """One exception of a chain. `shared_from` is where a Java cause joins its enclosing stack."""

    type: str
    message: str
    frames: tuple[str, ...]
    shared_from: int = 0


def entity_of(dotted: str) -> str:
    """The business noun in a code path: `service.ChargeService.charge` → `Charge`."""
    _, cls, method = split_code(dotted)
    name = cls or method.title().replace("_", "")
    for suffix in ("GrpcService", "Controller", "Service", "Handler", "Servicer", "Consumer"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def bind(frames: Sequence[str], **values: str) -> list[str]:
    """Fill `{name}` placeholders of frame templates."""
    text = "\n".join(frames)
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text.split("\n")


def code_line(version: str, dotted: str, low: int = 24, span: int = 260) -> int:
    """A stable line number for a code path in a release; minor releases move the lines."""
    release = ".".join(version.split(".")[:2])
    return low + zlib.crc32(f"{release}|{dotted}".encode()) % span


def snake(name: str) -> str:
    out = [f"_{c.lower()}" if c.isupper() else c for c in name]
    return "".join(out).lstrip("_")


def header(type_: str, message: str) -> str:
    """The `<type>: <message>` line every runtime prints; a bare type when there is no message."""
    return f"{type_}: {message}" if message else type_


def render_java(layers: Sequence[Layer]) -> str:
    """The thrown exception, then each `Caused by:` with its own frames and `... N more`."""
    lines = [header(layers[0].type, layers[0].message)]
    lines.extend(f"\tat {frame}" for frame in layers[0].frames)
    enclosing = list(layers[0].frames)
    for cause in layers[1:]:
        lines.append("Caused by: " + header(cause.type, cause.message))
        lines.extend(f"\tat {frame}" for frame in cause.frames)
        shared = enclosing[cause.shared_from :]
        if shared:
            lines.append(f"\t... {len(shared)} more")
        enclosing = list(cause.frames) + shared
    return "\n".join(lines)


_PY_CAUSE = "\n\nThe above exception was the direct cause of the following exception:\n\n"


def render_python(layers: Sequence[Layer]) -> str:
    """Innermost cause first, each as a `Traceback` block; the escaping exception prints last."""
    blocks = []
    for layer in reversed(layers):
        body = "".join(layer.frames)
        blocks.append(
            f"Traceback (most recent call last):\n{body}{header(layer.type, layer.message)}"
        )
    return _PY_CAUSE.join(blocks)


def render_go(goroutine: str, frames: Sequence[str], panic: str = "") -> str:
    """A goroutine dump, led by the panic line and signal when the error was a panic."""
    lead = f"{panic}\n\n" if panic else ""
    return f"{lead}goroutine {goroutine} [running]:\n" + "\n".join(frames)


NODE_STACK_LIMIT = 10  # Node's default Error.stackTraceLimit


def render_node(layer: Layer) -> str:
    """`<name>: <message>` and at most ten `at` lines, as V8 prints them."""
    frames = layer.frames[:NODE_STACK_LIMIT]
    return "\n".join([header(layer.type, layer.message), *(f"    at {f}" for f in frames)])
