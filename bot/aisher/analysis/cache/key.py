"""The answer-cache key: which analyses may share one LLM answer. Pure, no I/O.

An alert storm repeats the same incident every few minutes; each repeat has new counts, new
trace ids and a later window but the same failure, and should be answered from the cache. So the
key is built from what identifies the *failure* and what shapes the *answer*, and nothing else:

* the error-group fingerprints (service, operation, exception type, message template) — they
  say how things fail. A new failure mode is a new group and must get a fresh analysis. Templates
  are already normalised (ids, numbers and addresses replaced), so repeats produce equal ones.
* the suspect set (service and blame kind of the top non-symptom suspects) — two windows can fail
  the same ways yet point at a different culprit (a dependency versus the service itself), and
  then the answer differs. Scores and ranks within the top are left out: they wobble with counts.
* the model, prompt version and masking version — an answer made by another model, with another
  prompt or from differently masked evidence is a different answer and must never be served.
* a format version, bumped when the key's content or the stored entry's shape changes.

Left out on purpose: counts, timestamps, trace and span ids, the window and the service asked
about. Counts and times grow with every repeat of an alert; ids are random per trace. Keeping any
of them would make every repeat a miss. The requested service is left out too: alerts from the
caller and from the culprit of one incident see the same failing traces and deserve one answer.
"""

from __future__ import annotations

import hashlib
import json
from typing import Final

from aisher.analysis.evidence.message_templates import normalize_message
from aisher.analysis.evidence.model import ErrorGroup, Evidence, Suspect

CACHE_FORMAT_VERSION: Final = 2
KEY_PREFIX = f"aisher:rca:v{CACHE_FORMAT_VERSION}:"
# The top suspects decide what the answer says; further ones rarely change it but vary between
# repeats as small groups come and go.
KEY_SUSPECTS = 3


def answer_cache_key(
    evidence: Evidence, *, model: str, prompt_version: str, masking_version: str
) -> str:
    """The cache key of the answer to `evidence` by `model` with the given prompt and masking."""
    material = {
        "format": CACHE_FORMAT_VERSION,
        "groups": fingerprint_groups(evidence.groups),
        "suspects": fingerprint_suspects(evidence.suspects),
        "model": model,
        "prompt_version": prompt_version,
        "masking_version": masking_version,
    }
    canonical = json.dumps(material, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return KEY_PREFIX + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def fingerprint_groups(groups: tuple[ErrorGroup, ...]) -> list[list[str]]:
    """The distinct failure modes of the groups, sorted so that group order never matters."""
    fingerprints = {
        (
            group.service,
            group.operation,
            group.exception_type,
            # Normalising again is cheap and idempotent, and keeps the key stable for evidence
            # assembled elsewhere (imports, tests) whose templates were not normalised.
            normalize_message(group.message_template),
        )
        for group in groups
    }
    return [list(fingerprint) for fingerprint in sorted(fingerprints)]


def fingerprint_suspects(suspects: tuple[Suspect, ...]) -> list[list[str]]:
    """Service and blame kind of the top non-symptom suspects, sorted."""
    causes = [suspect for suspect in suspects if not suspect.symptom][:KEY_SUSPECTS]
    return [list(pair) for pair in sorted({(s.service, str(s.blame)) for s in causes})]
