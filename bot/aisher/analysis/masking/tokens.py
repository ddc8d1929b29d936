"""Vendor keys and tokens, recognised by their published shapes (as secret scanners do).

Each pattern starts with a literal and checks the word boundary behind it afterwards —
`sk-(?<![\\w\\-]sk-)` rather than `(?<![\\w\\-])sk-` — so the regex engine scans for the literal
as fast as `str.find` would; every quantifier is bounded, so no crafted text makes a pattern
re-read what follows. Rules, prefixes and lengths follow the public rule sets of gitleaks and
trufflehog.
"""

from __future__ import annotations

import bisect
import re
import string

from aisher.analysis.masking.rule import (
    SECRET,
    WORD_OR_DASH,
    Accept,
    Rule,
    Scan,
    extend_back,
    rule,
    token_runs,
)

_B64URL = r"[A-Za-z0-9_\-]"
_AWS_PREFIXES = ("AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AIPA", "ANPA", "ANVA", "AROA")
_AWS_KEY_ID = (
    rf"A(?<![A-Z0-9]A)(?:{'|'.join(p[1:] for p in _AWS_PREFIXES)})[A-Z0-9]{{16}}(?![A-Z0-9])"
)


def _is_random(match: re.Match[str]) -> bool:
    # Real keys are random; Kubernetes names like `sk-prod-payments-worker` are not.
    value = match["value"]
    return any(c.isdigit() for c in value) and any(c.isupper() for c in value)


def _is_mixed_case(match: re.Match[str]) -> bool:
    value = match["value"]
    return any(c.isupper() for c in value) and any(c.islower() for c in value)


def _token(kind: str, prefix: str, body: str, accept: Accept | None = None) -> Rule:
    """A token that starts with the literal `prefix` at a word boundary and goes on as `body`.

    The literal comes first and the boundary is checked behind it, so the engine scans for
    the literal as fast as for a plain substring.
    """
    literal = re.escape(prefix)
    boundary = r"[\w\-.]" if "." in prefix else r"[\w\-]"
    return rule(kind, SECRET, rf"{literal}(?<!{boundary}{literal}){body}", accept=accept)


_END = r"(?![\w\-])"
_HF = rf"[A-Za-z0-9]{{30,40}}{_END}"

# fmt: off
VENDOR_RULES: tuple[Rule, ...] = (
    _token("jwt", "eyJ", rf"{_B64URL}{{8,4096}}\.{_B64URL}{{4,8192}}\.{_B64URL}{{0,4096}}"),
    _token("anthropic_key", "sk-ant-", r"[\w\-]{20,300}"),
    _token("openai_key", "sk-", r"(?:proj-|svcacct-|admin-)?[\w\-]{20,300}", _is_random),
    rule("aws_access_key_id", SECRET, _AWS_KEY_ID),
    _token("slack_token", "x", r"(?:ox[abeposr](?:\.xox[bp])?|app-\d)-[A-Za-z0-9\-]{10,300}"),
    rule("slack_webhook", SECRET,
         r"hooks\.slack\.com/(?:services|workflows|triggers)/(?P<value>[\w/\-]{8,200})"),
    rule("discord_webhook", SECRET,
         r"discord(?:app)?\.com/api/webhooks/\d{5,25}/(?P<value>[\w\-]{20,120})"),
    _token("github_token", "g", r"(?:h[pousr]_[A-Za-z0-9]{30,255}|ithub_pat_\w{30,255})"),
    _token("gitlab_token", "gl",
           r"(?:pat|dt|rt|ptt|cbt|soat|ft|imt|agent|oas|ffct)-[\w\-]{20,300}"),
    _token("grafana_token", "gl",
           r"(?:sa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|c_[A-Za-z0-9+/]{32,400}={0,2})"),
    _token("google_api_key", "AIza", r"[\w\-]{30,100}"),
    _token("google_oauth_token", "ya29.", r"[\w\-]{20,2048}"),
    _token("google_oauth_secret", "GOCSPX-", rf"[\w\-]{{24,40}}{_END}"),
    _token("sendgrid_key", "SG.", r"[\w\-]{16,32}\.[\w\-]{16,64}"),
    _token("pypi_token", "pypi-", r"AgE[\w\-]{50,1000}"),
    _token("huggingface_token", "hf_", _HF, _is_mixed_case),
    _token("huggingface_token", "api_org_", _HF, _is_mixed_case),
    _token("twilio_api_key", "SK", rf"[0-9a-fA-F]{{32}}{_END}"),
    _token("npm_token", "npm_", rf"[A-Za-z0-9]{{36}}{_END}"),
    _token("shopify_token", "shp", rf"(?:at|ca|pa|ss)_[a-fA-F0-9]{{32}}{_END}"),
    _token("digitalocean_token", "do", rf"[opr]_v1_[a-f0-9]{{64}}{_END}"),
    _token("databricks_token", "dapi", rf"[a-h0-9]{{32}}(?:-\d)?{_END}"),
    _token("vault_token", "hv", r"[sb]\.[\w\-]{24,400}"),
    _token("docker_hub_token", "dckr_pat_", r"[\w\-]{20,40}"),
    _token("square_token", "sq0", r"(?:atp|csp)-[\w\-]{22,60}"),
    _token("linear_key", "lin_api_", rf"[A-Za-z0-9]{{40}}{_END}"),
    _token("age_secret_key", "AGE-SECRET-KEY-1", r"[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}"),
    _token("postman_key", "PMAK-", r"[a-fA-F0-9]{24}-[a-fA-F0-9]{34}"),
    _token("newrelic_key", "NR", r"(?:AK|II|JS)-[A-Za-z0-9\-]{19,40}"),
    _token("heroku_key", "HRKU-", r"[\w\-]{30,80}"),
    _token("perplexity_key", "pplx-", rf"[A-Za-z0-9]{{40,64}}{_END}"),
    _token("groq_key", "gsk_", rf"[A-Za-z0-9]{{40,64}}{_END}"),
    _token("xai_key", "xai-", rf"[A-Za-z0-9]{{60,100}}{_END}"),
    _token("atlassian_token", "ATATT3", r"[\w\-=]{150,250}"),
    _token("doppler_token", "dp.", r"(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}"),
    _token("planetscale_token", "pscale_", r"(?:tkn|pw|oauth)_[\w=.\-]{32,64}"),
    _token("rubygems_token", "rubygems_", rf"[a-f0-9]{{48}}{_END}"),
    _token("pulumi_token", "pul-", rf"[a-f0-9]{{40}}{_END}"),
    _token("dynatrace_token", "dt0c01.", r"[A-Z0-9]{24}\.[A-Z0-9]{64}"),
    _token("flyio_token", "f", r"(?:o1_[\w\-]{43}|m2_[A-Za-z0-9+/]{100,2000}={0,3})"),
    _token("supabase_token", "sbp_", rf"[a-f0-9]{{40}}{_END}"),
    _token("mapbox_secret_token", "sk.", r"eyJ[\w\-]{20,400}\.[\w\-]{20,100}"),
)
# fmt: on

# --- tokens whose distinctive literal sits inside them: found by anchor, widened back ------

_STRIPE_BODY = re.compile(r"[A-Za-z0-9]{16,255}")


def _locate_stripe(text: str, start: int, end: int) -> tuple[int, int] | None:
    if text[start] == "k":  # the anchor `k_live_` follows `sk`, `rk` or `pk`
        if start == 0 or text[start - 1] not in "spr":
            return None
        start -= 1
    body = _STRIPE_BODY.match(text, end)
    if body is None or (start > 0 and text[start - 1] in WORD_OR_DASH):
        return None
    return start, body.end()


_MAILCHIMP_TAIL = re.compile(r"\d{1,2}(?![\w\-])")
_LOWER_HEX = frozenset(string.digits + "abcdef")


def _locate_mailchimp(text: str, start: int, end: int) -> tuple[int, int] | None:
    """`<32 hex>-us12`: the anchor is `-us`; the key is the 32 hex digits before it."""
    begin = extend_back(text, start, _LOWER_HEX, 32)
    tail = _MAILCHIMP_TAIL.match(text, end)
    if begin is None or start - begin != 32 or tail is None:
        return None
    if begin > 0 and text[begin - 1] in WORD_OR_DASH:
        return None
    return begin, tail.end()


_TELEGRAM_TAIL = re.compile(r"[\w\-]{33}(?![\w\-])")
_DIGIT_SET = frozenset(string.digits)


def _locate_telegram(text: str, start: int, end: int) -> tuple[int, int] | None:
    """`123456789:AA…`: a bot id, a colon and 35 characters starting `AA`."""
    if start == 0 or not text[start - 1].isdigit():
        return None
    begin = extend_back(text, start, _DIGIT_SET, 10)
    tail = _TELEGRAM_TAIL.match(text, end)
    if begin is None or not 8 <= start - begin <= 10 or tail is None:
        return None
    if begin > 0 and text[begin - 1] in WORD_OR_DASH:
        return None
    return begin, tail.end()


_AZURE_SECRET_CHARS = frozenset(string.ascii_letters + string.digits + "_~.")
_AZURE_TAIL = re.compile(r"[A-Za-z0-9_~.\-]{31,34}(?![A-Za-z0-9_~.\-])")


def _locate_azure_secret(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Azure AD client secrets read `abc8Q~…`: three characters, a digit, `Q~`, 31-34 more."""
    if start < 4 or not text[start - 1].isdigit():
        return None
    begin = extend_back(text, start - 1, _AZURE_SECRET_CHARS, 3)
    tail = _AZURE_TAIL.match(text, end)
    if begin is None or start - 1 - begin != 3 or tail is None:
        return None
    return begin, tail.end()


# An AWS secret access key is 40 base64 characters; unlabelled, it is recognised by sitting
# next to its key id (`AKIA… wJalr…`, a CSV row, `id:secret`). The long runs of the text are
# found once per text (`token_runs`), so each key id costs a bisection, not a scan.
_AWS_NEAR = 100
_AWS_SECRET_LENGTH = 40
_BASE64 = frozenset(string.ascii_letters + string.digits + "+/")


def _locate_aws_secret(text: str, start: int, end: int) -> tuple[int, int] | None:
    runs = token_runs(text, 24)
    first = bisect.bisect_left(runs, (max(0, start - _AWS_NEAR - _AWS_SECRET_LENGTH), 0))
    before = after = None
    for run in runs[first:]:
        if run[0] > end + _AWS_NEAR:
            break
        if run[1] - run[0] == _AWS_SECRET_LENGTH and _is_aws_secret(text[run[0] : run[1]]):
            if run[0] >= end:
                after = run
                break
            before = run if run[1] <= start else before
    return after or before


def _is_aws_secret(value: str) -> bool:
    return _BASE64.issuperset(value) and _looks_random(value)


def _looks_random(value: str) -> bool:
    classes = (str.isdigit, str.isupper, str.islower)
    return all(any(test(char) for char in value) for test in classes)


SCAN_RULES: tuple[Scan, ...] = (
    # Before the key id rule, which would hide the anchor.
    Scan("aws_secret_key", SECRET, re.compile(_AWS_KEY_ID), _locate_aws_secret),
    Scan("stripe_key", SECRET, ("k_live_", "k_test_", "whsec_"), _locate_stripe),
    Scan("mailchimp_key", SECRET, re.compile(r"-us(?=\d)"), _locate_mailchimp),
    Scan("telegram_bot_token", SECRET, re.compile(r":AA"), _locate_telegram),
    Scan("azure_client_secret", SECRET, re.compile(r"Q~"), _locate_azure_secret),
)
