"""Count tokens offline with tiktoken, using the BPE files that litellm's wheel ships.

tiktoken downloads its BPE files on first use; the machines Aisher runs on may have no
internet. litellm bundles cl100k_base and o200k_base under `litellm_core_utils/tokenizers`,
named as tiktoken's cache expects, so pointing `TIKTOKEN_CACHE_DIR` there makes tiktoken work
offline (tiktoken checks each file's hash, so a damaged file is refused, never trusted).
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import os
from pathlib import Path
from typing import Any

from aisher.errors import ConfigError

log = logging.getLogger(__name__)

DEFAULT_ENCODING = "o200k_base"
_LITELLM_TOKENIZERS = ("litellm_core_utils", "tokenizers")


def bundled_bpe_directory() -> Path | None:
    """litellm's directory of tiktoken BPE files, found without importing litellm (slow)."""
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return None
    directory = Path(next(iter(spec.submodule_search_locations))).joinpath(*_LITELLM_TOKENIZERS)
    return directory if directory.is_dir() else None


@functools.lru_cache(maxsize=4)
def _encoding(name: str) -> Any:
    if "TIKTOKEN_CACHE_DIR" not in os.environ:
        directory = bundled_bpe_directory()
        if directory is None:
            raise ConfigError(
                "cannot count tokens offline: litellm's bundled tokenizer files are missing; "
                "set TIKTOKEN_CACHE_DIR to a directory holding tiktoken's BPE files"
            )
        os.environ["TIKTOKEN_CACHE_DIR"] = str(directory)
    import tiktoken

    try:
        return tiktoken.get_encoding(name)
    except Exception as exc:  # tiktoken raises plain Exceptions and network errors alike
        raise ConfigError(f"cannot load the {name} tokenizer offline: {exc}") from exc


def count_tokens(text: str, encoding: str = DEFAULT_ENCODING) -> int:
    """Exact token count of `text` under `encoding` (o200k_base by default)."""
    if not text:
        return 0
    return len(_encoding(encoding).encode(text, disallowed_special=()))
