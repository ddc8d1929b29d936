"""Seeded vendor keys and tokens: each provider's published prefix and body shape."""

from __future__ import annotations

import base64
import random
import string

from tests.support.secret_values import (
    ALNUM,
    B64URL,
    LOWER_HEX,
    UPPER_DIGITS,
    Generator,
    SeededSecret,
    mixed,
    pick,
    vendor,
)


def _aws_access_key_id(rng: random.Random, index: int) -> SeededSecret:
    core = pick(rng, UPPER_DIGITS, 16)
    value = ("AKIA", "ASIA")[index % 2] + core
    snippet = f"The AWS Access Key Id {value} does not exist in our records."
    return SeededSecret("aws_access_key_id", value, snippet, ("aws.access_key_id", value), core)


def _aws_secret_key(rng: random.Random, index: int) -> SeededSecret:
    value = mixed(rng, 40, ALNUM + "/+")
    snippet = (
        f"aws_secret_access_key = {value}",
        f"AWS_SECRET_ACCESS_KEY={value}",
        f'{{"AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "{value}"}}',
        f"aws.secret_access_key: {value}",
    )[index % 4]
    return SeededSecret("aws_secret_key", value, snippet, ("aws.secret_access_key", value), value)


def _slack_token(rng: random.Random, index: int) -> SeededSecret:
    prefix = ("xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xapp-1-")[index % 6]
    if prefix == "xapp-1-":
        app, team = pick(rng, UPPER_DIGITS, 9), pick(rng, string.digits, 13)
        core = f"A0{app}-{team}-{pick(rng, '0123456789abcdef', 64)}"
    else:
        core = f"{pick(rng, string.digits, 12)}-{pick(rng, string.digits, 13)}-{mixed(rng, 24)}"
    value = prefix + core
    snippet = f"slack_sdk.errors.SlackApiError: invalid_auth calling chat.postMessage with {value}"
    return SeededSecret("slack_token", value, snippet, ("slack.bot_token", value), core)


def _slack_webhook(rng: random.Random, index: int) -> SeededSecret:
    core = f"T{pick(rng, UPPER_DIGITS, 8)}/B{pick(rng, UPPER_DIGITS, 10)}/{mixed(rng, 24)}"
    value = f"https://hooks.slack.com/services/{core}"
    snippet = f"POST {value} returned 404 no_service"
    return SeededSecret("slack_webhook", value, snippet, ("alert.webhook_secret", value), core)


def _github_token(rng: random.Random, index: int) -> SeededSecret:
    prefix = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_")[index % 6]
    core = mixed(rng, 36) if prefix != "github_pat_" else f"{mixed(rng, 22)}_{mixed(rng, 59)}"
    value = prefix + core
    snippet = f"git fetch failed: remote: Invalid username or token {value}."
    return SeededSecret("github_token", value, snippet, ("github.token", value), core)


def _sendgrid(rng: random.Random, index: int) -> SeededSecret:
    core = f"{mixed(rng, 22, B64URL)}.{mixed(rng, 43, B64URL)}"
    value = f"SG.{core}"
    snippet = (
        f"python_http_client.exceptions.UnauthorizedError: HTTP Error 401 for key {value}",
        f"SENDGRID_API_KEY={value}",
        f"mail delivery failed using {value}",
    )[index % 3]
    return SeededSecret("sendgrid_key", value, snippet, ("sendgrid.api_key", value), core)


def _pypi(rng: random.Random, index: int) -> SeededSecret:
    # Every PyPI token starts with the base64 of a macaroon header naming pypi.org.
    core = mixed(rng, 60 + index % 3 * 40, B64URL)
    value = f"pypi-AgEIcHlwaS5vcmc{core}"
    snippet = (
        f"twine upload failed: 403 Invalid or non-existent authentication for {value}",
        f"TWINE_PASSWORD={value}",
        f"uv publish --token {value} dist/*",
    )[index % 3]
    return SeededSecret("pypi_token", value, snippet, ("pypi.upload_token", value), core)


def _huggingface(rng: random.Random, index: int) -> SeededSecret:
    letters = list(pick(rng, string.ascii_letters, 32))
    letters += [rng.choice(string.ascii_uppercase), rng.choice(string.ascii_lowercase)]
    rng.shuffle(letters)
    core = "".join(letters)
    value = ("hf_", "api_org_")[index % 4 == 3] + core
    snippet = (
        f"huggingface_hub.errors.HfHubHTTPError: 401 Client Error: Invalid token {value}",
        f"HF_TOKEN={value}",
        f"loading model meta-llama/Llama-3-8B with {value}",
    )[index % 3]
    return SeededSecret("huggingface_token", value, snippet, ("hf.token", value), core)


def _hex_vendor(kind: str, prefixes: tuple[str, ...], length: int, key: str) -> Generator:
    def generate(rng: random.Random, index: int) -> SeededSecret:
        core = pick(rng, LOWER_HEX, length)
        value = prefixes[index % len(prefixes)] + core
        snippet = (
            f"{kind.replace('_', ' ')} {value} was rejected (HTTP 401)",
            f"authenticating to the API with {value} failed",
            f"retrying with {value} after 403",
        )[index % 3]
        return SeededSecret(kind, value, snippet, (key, value), core)

    return generate


def _vault(rng: random.Random, index: int) -> SeededSecret:
    core = mixed(rng, 92 if index % 2 else 140, B64URL)
    value = ("hvs.", "hvb.")[index % 2] + core
    snippet = f"Error making API request. Code: 403. Errors: * permission denied for {value}"
    return SeededSecret("vault_token", value, snippet, ("vault.client_token", value), core)


def _grafana(rng: random.Random, index: int) -> SeededSecret:
    if index % 2:
        core = base64.b64encode(rng.randbytes(60)).decode().rstrip("=")
        value = f"glc_{core}"
    else:
        core = f"{mixed(rng, 32)}_{pick(rng, LOWER_HEX, 8)}"
        value = f"glsa_{core}"
    snippet = f"grafana-agent: remote_write 401 Unauthorized with credentials {value}"
    return SeededSecret("grafana_token", value, snippet, ("grafana.api_token", value), core)


def _mailchimp(rng: random.Random, index: int) -> SeededSecret:
    core = pick(rng, LOWER_HEX, 32)
    value = f"{core}-us{1 + index % 21}"
    snippet = f"Mailchimp API error 401 API Key Invalid: {value} for list sync"
    return SeededSecret("mailchimp_key", value, snippet, ("mailchimp.api_key", value), core)


def _square(rng: random.Random, index: int) -> SeededSecret:
    core = mixed(rng, 22 if index % 2 else 43, B64URL)
    value = ("sq0atp-", "sq0csp-")[index % 2] + core
    snippet = f"square.exceptions.ApiError: UNAUTHORIZED for token {value}"
    return SeededSecret("square_token", value, snippet, ("square.access_token", value), core)


def _age(rng: random.Random, index: int) -> SeededSecret:
    core = pick(rng, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58)
    value = f"AGE-SECRET-KEY-1{core}"
    snippet = f"sops: failed to decrypt with identity {value}: no matching recipient"
    return SeededSecret("age_secret_key", value, snippet, ("sops.age_key", value), core)


def _postman(rng: random.Random, index: int) -> SeededSecret:
    core = f"{pick(rng, LOWER_HEX, 24)}-{pick(rng, LOWER_HEX, 34)}"
    value = f"PMAK-{core}"
    snippet = f"newman: collection run aborted, API key {value} is invalid"
    return SeededSecret("postman_key", value, snippet, ("postman.api_key", value), core)


def _newrelic(rng: random.Random, index: int) -> SeededSecret:
    core = pick(rng, UPPER_DIGITS, 27)
    value = ("NRAK-", "NRII-")[index % 2] + core
    snippet = f"newrelic exporter: 403 Forbidden, license {value} not accepted"
    return SeededSecret("newrelic_key", value, snippet, ("newrelic.license_key", value), core)


def _heroku(rng: random.Random, index: int) -> SeededSecret:
    core = mixed(rng, 58, B64URL)
    value = f"HRKU-AA{core}"
    snippet = f"heroku: Invalid credentials provided ({value})"
    return SeededSecret("heroku_key", value, snippet, ("heroku.api_key", value), core)


def _azure_client_secret(rng: random.Random, index: int) -> SeededSecret:
    head = pick(rng, ALNUM + "_~.", 3) + rng.choice(string.digits)
    core = mixed(rng, 34, ALNUM + "_~.-")
    value = f"{head}Q~{core}"
    snippet = (
        f"AADSTS7000215: Invalid client secret provided. Secret {value} expired.",
        f"msal: acquire_token_for_client failed with {value}",
    )[index % 2]
    return SeededSecret("azure_client_secret", value, snippet, ("azure.client_secret", value), core)


def _telegram(rng: random.Random, index: int) -> SeededSecret:
    bot = str(rng.randrange(10**8, 10**10))
    core = "AA" + mixed(rng, 33, B64URL)
    value = f"{bot}:{core}"
    snippet = f"telegram.error.InvalidToken: token {value} was rejected by the server"
    return SeededSecret("telegram_bot_token", value, snippet, ("telegram.bot_token", value), core)


def _discord_webhook(rng: random.Random, index: int) -> SeededSecret:
    core = mixed(rng, 68, B64URL)
    channel = rng.randrange(10**17, 10**18)
    value = f"https://discord.com/api/webhooks/{channel}/{core}"
    snippet = f"POST {value} returned 401 Unauthorized"
    return SeededSecret("discord_webhook", value, snippet, ("alert.discord_url", value), core)


def _llm_provider(rng: random.Random, index: int) -> SeededSecret:
    prefix, length = (("gsk_", 52), ("pplx-", 48), ("xai-", 80))[index % 3]
    core = mixed(rng, length)
    value = prefix + core
    snippet = f"litellm.AuthenticationError: Incorrect API key provided: {value}"
    return SeededSecret("llm_provider_key", value, snippet, ("llm.api_key", value), core)


def _platform(rng: random.Random, index: int) -> SeededSecret:
    variant = index % 9
    if variant == 0:
        core, prefix = mixed(rng, 43), "dp.pt."
    elif variant == 1:
        core, prefix = mixed(rng, 43, B64URL), "pscale_tkn_"
    elif variant == 2:
        core, prefix = pick(rng, LOWER_HEX, 48), "rubygems_"
    elif variant == 3:
        core, prefix = pick(rng, LOWER_HEX, 40), "pul-"
    elif variant == 4:
        core = f"{pick(rng, UPPER_DIGITS, 24)}.{pick(rng, UPPER_DIGITS, 64)}"
        prefix = "dt0c01."
    elif variant == 5:
        core, prefix = mixed(rng, 43, B64URL), "fo1_"
    elif variant == 6:
        core, prefix = pick(rng, LOWER_HEX, 40), "sbp_"
    elif variant == 7:
        core, prefix = mixed(rng, 186, B64URL), "ATATT3"
    else:
        core = f"eyJ1{mixed(rng, 60, B64URL)}.{mixed(rng, 22, B64URL)}"
        prefix = "sk."
    value = prefix + core
    snippet = f"deploy step failed: the platform rejected token {value} (401)"
    return SeededSecret("platform_token", value, snippet, ("platform.token", value), core)


GENERATORS: dict[str, Generator] = {
    "openai_key": vendor("openai_key", ("sk-", "sk-proj-"), 48, B64URL),
    "anthropic_key": vendor("anthropic_key", ("sk-ant-api03-",), 93, B64URL),
    "aws_access_key_id": _aws_access_key_id,
    "aws_secret_key": _aws_secret_key,
    "slack_token": _slack_token,
    "slack_webhook": _slack_webhook,
    "github_token": _github_token,
    "gitlab_token": vendor("gitlab_token", ("glpat-",), 20, B64URL),
    "stripe_key": vendor("stripe_key", ("sk_live_", "rk_live_", "pk_live_", "sk_test_"), 24),
    "google_api_key": vendor("google_api_key", ("AIza",), 35, B64URL),
}
MORE_GENERATORS: dict[str, Generator] = {
    "sendgrid_key": _sendgrid,
    "pypi_token": _pypi,
    "huggingface_token": _huggingface,
    "twilio_api_key": _hex_vendor("twilio_api_key", ("SK",), 32, "twilio.api_key"),
    "npm_token": vendor("npm_token", ("npm_",), 36, key="npm.auth_token"),
    "shopify_token": _hex_vendor(
        "shopify_token", ("shpat_", "shpss_", "shpca_", "shppa_"), 32, "shopify.access_token"
    ),
    "digitalocean_token": _hex_vendor(
        "digitalocean_token", ("dop_v1_", "doo_v1_", "dor_v1_"), 64, "do.token"
    ),
    "databricks_token": _hex_vendor("databricks_token", ("dapi",), 32, "databricks.token"),
    "vault_token": _vault,
    "grafana_token": _grafana,
    "docker_hub_token": vendor("docker_hub_token", ("dckr_pat_",), 27, B64URL, "docker.token"),
    "mailchimp_key": _mailchimp,
    "square_token": _square,
    "linear_key": vendor("linear_key", ("lin_api_",), 40, key="linear.api_key"),
    "age_secret_key": _age,
    "postman_key": _postman,
    "newrelic_key": _newrelic,
    "heroku_key": _heroku,
    "google_oauth_secret": vendor(
        "google_oauth_secret", ("GOCSPX-",), 28, B64URL, "oauth.client_secret"
    ),
    "azure_client_secret": _azure_client_secret,
    "telegram_bot_token": _telegram,
    "discord_webhook": _discord_webhook,
    "llm_provider_key": _llm_provider,
    "platform_token": _platform,
}
