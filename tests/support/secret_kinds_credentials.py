"""Seeded credentials recognised by where they sit: tokens, private keys, passwords in URLs,
connection strings and command lines, values named by their key, and keys with no label."""

from __future__ import annotations

import base64
import json
import random
import string

from tests.support.secret_values import (
    ALNUM,
    B64,
    B64URL,
    LOWER_HEX,
    PASSWORD,
    UPPER_DIGITS,
    Generator,
    SeededSecret,
    b64url,
    mixed,
    pick,
)


def _jwt(rng: random.Random, index: int) -> SeededSecret:
    header = b64url(json.dumps({"alg": ("HS256", "RS256")[index % 2], "typ": "JWT"}).encode())
    claims = {"sub": f"user-{pick(rng, ALNUM, 12)}", "iat": 1_700_000_000 + index, "scope": "pay"}
    core = b64url(rng.randbytes(32))  # the signature; header and claims share prefixes
    value = f"{header}.{b64url(json.dumps(claims).encode())}.{core}"
    snippet = (
        f"io.jsonwebtoken.ExpiredJwtException: JWT {value} expired",
        f"Authorization: Bearer {value}",
        f"invalid token {value}",
    )[index % 3]
    return SeededSecret(
        "jwt", value, snippet, ("http.request.header.authorization", f"Bearer {value}"), core
    )


def _bearer_token(rng: random.Random, index: int) -> SeededSecret:
    value = mixed(rng, 40, ALNUM + "._-") if index % 2 else "ya29." + mixed(rng, 60)
    snippet = (
        f"Authorization: Bearer {value}",
        f"retried with bearer {value} and got 401",
        f'{{"authorization": "Bearer {value}"}}',
    )[index % 3]
    attribute = ("http.request.header.authorization", f"Bearer {value}")
    return SeededSecret("bearer_token", value, snippet, attribute, value.removeprefix("ya29."))


def _basic_auth(rng: random.Random, index: int) -> SeededSecret:
    value = base64.b64encode(
        f"svc-{pick(rng, string.ascii_lowercase, 6)}:{mixed(rng, 18)}".encode()
    ).decode()
    snippet = (f"Authorization: Basic {value}", f"proxy sent basic {value} upstream")[index % 2]
    attribute = ("http.request.header.proxy-authorization", f"Basic {value}")
    return SeededSecret("basic_auth", value, snippet, attribute, value)


def _private_key(rng: random.Random, index: int) -> SeededSecret:
    label = (
        "PRIVATE KEY",
        "RSA PRIVATE KEY",
        "EC PRIVATE KEY",
        "OPENSSH PRIVATE KEY",
        "ENCRYPTED PRIVATE KEY",
    )[index % 5]
    lines = [base64.b64encode(rng.randbytes(48)).decode() for _ in range(4 + index % 4)]
    body = "\n".join(lines)
    value = f"-----BEGIN {label}-----\n{body}\n-----END {label}-----"
    snippet = f"failed to parse TLS key material:\n{value}\n"
    return SeededSecret("private_key", value, snippet, ("tls.private_key", value), "".join(lines))


def _password(rng: random.Random) -> str:
    return mixed(rng, 16, PASSWORD)


def _url_password(rng: random.Random, index: int) -> SeededSecret:
    value = _password(rng)
    snippet = (
        f"postgres://app:{value}@db.internal:5432/orders?sslmode=require",
        f"mysql://root:{value}@mysql-0.mysql:3306/shop",
        f"amqp://guest:{value}@rabbitmq:5672/%2F",
        f"https://deploy:{value}@git.example.com/payments.git",
        f"mongodb+srv://svc_orders:{value}@cluster0.example.net/orders",
    )[index % 5]
    return SeededSecret("url_password", value, snippet, ("db.connection_string", snippet), value)


def _redis_password(rng: random.Random, index: int) -> SeededSecret:
    value = _password(rng)
    snippet = (f"redis://:{value}@cache.internal:6379/0", f"rediss://default:{value}@cache:6380/1")[
        index % 2
    ]
    return SeededSecret("redis_password", value, snippet, ("redis.password", value), value)


def _connection_password(rng: random.Random, index: int) -> SeededSecret:
    value = _password(rng)
    snippet = (
        f"jdbc:postgresql://db.internal:5432/orders?user=app&password={value}&ssl=true",
        f"Server=tcp:sql.internal,1433;Database=orders;User Id=app;Password={value};Encrypt=True;",
        f"host=db.internal port=5432 dbname=orders user=app password={value} sslmode=require",
        f"Driver={{ODBC Driver 18}};Server=sql;Uid=app;Pwd={value};",
        f"jdbc:sqlserver://sql:1433;databaseName=orders;user=sa;password={value};",
        f"host=db.internal password='{value}' dbname=orders",
        f"jdbc:oracle:thin:app/{value}@//db.internal:1521/ORCL",
    )[index % 7]
    return SeededSecret("connection_password", value, snippet, ("db.password", value), value)


def _query_secret(rng: random.Random, index: int) -> SeededSecret:
    key = (
        "token",
        "api_key",
        "access_token",
        "signature",
        "X-Amz-Signature",
        "sig",
        "client_secret",
        "apikey",
    )[index % 8]
    value = mixed(rng, 32, B64URL) if index % 2 else pick(rng, "0123456789abcdef", 64)
    snippet = f"https://api.partner.example/v2/charges?page=2&{key}={value}&limit=50"
    return SeededSecret(
        "query_secret", value, snippet, ("http.request.header.x-api-key", value), value
    )


def _keyed_secret(rng: random.Random, index: int) -> SeededSecret:
    value = mixed(rng, 28, B64URL)
    snippet, key = (
        (f"session={value}", "app.session.id"),
        (f"X-Api-Key: {value}", "http.request.header.x-api-key"),
        (f"Cookie: sid={value}; theme=dark", "http.request.header.cookie"),
        (f"Set-Cookie: session={value}; Path=/; HttpOnly", "http.response.header.set-cookie"),
        (f"private_key={value}", "signing.private_key"),
        (f"credential: {value}", "auth.credential"),
        (f"passwd={value}", "passwd"),
        (f"secret: {value}", "client_secret"),
        (f"<password>{value}</password>", "db.password"),
        (f'"apikey": "{value}"', "apikey"),
        (f"User{{name=bob, token={value}, active=true}}", "token"),
    )[index % 11]
    return SeededSecret("keyed_secret", value, snippet, (key, value), value)


def _cli_password(rng: random.Random) -> str:
    """A password as typed on a command line: it never starts with a dash."""
    return rng.choice(ALNUM) + mixed(rng, 15, PASSWORD)


def _url_password_special(rng: random.Random, index: int) -> SeededSecret:
    # Unencoded `@`, `/`, `#`, `$` and `%` are common in generated passwords.
    specials = "#$/@%"
    chars = list(mixed(rng, 14, ALNUM + "!-_"))
    for _ in range(2):
        chars.insert(rng.randrange(len(chars) + 1), rng.choice(specials))
    chars.insert(rng.randrange(1, len(chars)), specials[index % len(specials)])
    value = "".join(chars)
    snippet = (
        f"postgres://app:{value}@db.internal:5432/orders?sslmode=require",
        f"mysql://root:{value}@mysql-0.mysql:3306/shop",
        f"mongodb://svc:{value}@mongo-0.mongo,mongo-1.mongo:27017/orders?replicaSet=rs0",
        f"redis://default:{value}@cache.internal:6379/0",
        f"amqp://guest:{value}@rabbitmq:5672/%2F",
        f"postgresql://app:{value}@10.0.3.7:5432/orders",
    )[index % 6]
    return SeededSecret(
        "url_password_special", value, snippet, ("db.connection_string", snippet), value
    )


def _aws_secret_unlabelled(rng: random.Random, index: int) -> SeededSecret:
    key_id = "AKIA" + pick(rng, UPPER_DIGITS, 16)
    value = mixed(rng, 40, B64)
    snippet = (
        f"loaded credentials {key_id} {value} from ~/.aws/credentials.bak",
        f"ci-deployer,,{key_id},{value},https://console.aws.amazon.com",
        f"assume role with {key_id}:{value} failed: ExpiredToken",
        f'credentials=("{key_id}", "{value}")',
    )[index % 4]
    return SeededSecret(
        "aws_secret_unlabelled", value, snippet, ("aws.credentials", f"{key_id}:{value}"), value
    )


def _twilio_auth_token(rng: random.Random, index: int) -> SeededSecret:
    value = pick(rng, LOWER_HEX, 32)
    snippet = (
        f"Twilio auth token {value} rejected (error 20003)",
        f"authenticating account AC{pick(rng, LOWER_HEX, 32)} with auth token {value}",
        f"TWILIO_AUTH_TOKEN={value}",
    )[index % 3]
    return SeededSecret("twilio_auth_token", value, snippet, ("twilio.auth_token", value), value)


def _mysql_cli(rng: random.Random, index: int) -> SeededSecret:
    value = _cli_password(rng)
    snippet = (
        f"mysqldump -h db.internal -u backup -p{value} --single-transaction orders",
        f"mysql -uroot -p{value} -e 'SELECT 1'",
        f'sh -c "mariadb -h mysql-0 -u app -p{value} shop < /tmp/seed.sql" exited with 1',
    )[index % 3]
    attribute = ("process.command_line", snippet)
    return SeededSecret("mysql_cli_password", value, snippet, attribute, value)


def _redis_cli(rng: random.Random, index: int) -> SeededSecret:
    value = _cli_password(rng)
    snippet = (
        f"redis-cli -h cache.internal -p 6379 -a {value} PING",
        f"redis-cli --pass {value} -n 0 INFO replication",
        f"redis-cli -a '{value}' --no-auth-warning CLIENT LIST",
    )[index % 3]
    attribute = ("process.command_line", snippet)
    return SeededSecret("redis_cli_password", value, snippet, attribute, value)


def _sshpass(rng: random.Random, index: int) -> SeededSecret:
    value = _cli_password(rng)
    snippet = (
        f"sshpass -p '{value}' ssh -o StrictHostKeyChecking=no deploy@10.0.4.2 uptime",
        f"sshpass -p{value} scp build.tgz deploy@bastion:/tmp/",
        f'sshpass -p "{value}" rsync -a dist/ deploy@web-1:/srv/',
    )[index % 3]
    attribute = ("process.command_line", snippet)
    return SeededSecret("sshpass_password", value, snippet, attribute, value)


def _curl_user(rng: random.Random, index: int) -> SeededSecret:
    value = _cli_password(rng)
    snippet = (
        f"curl -fsS -u admin:{value} https://grafana.internal/api/health",
        f"curl --user 'ci:{value}' -X POST https://ci.example.com/job/deploy/build",
    )[index % 2]
    attribute = ("process.command_line", snippet)
    return SeededSecret("curl_user_password", value, snippet, attribute, value)


def _cli_flag(rng: random.Random, index: int) -> SeededSecret:
    value = _cli_password(rng)
    snippet = (
        f"docker login --username ci --password {value} registry.example.com",
        f"helm repo add charts https://charts.example.com --username ci --password {value}",
        f"terraform-provider-acme: --api-key {value} rejected",
        f"argocd login argocd.internal --auth-token {value} --grpc-web",
    )[index % 4]
    attribute = ("process.command_line", snippet)
    return SeededSecret("cli_flag_password", value, snippet, attribute, value)


def _netrc(rng: random.Random, index: int) -> SeededSecret:
    value = _cli_password(rng)
    snippet = (
        f"machine api.example.com login deploy password {value}",
        f"machine git.example.com\n  login ci\n  password {value}\n",
    )[index % 2]
    return SeededSecret("netrc_password", value, snippet, ("netrc.line", snippet), value)


def _gcp_service_account(rng: random.Random, index: int) -> SeededSecret:
    lines = [base64.b64encode(rng.randbytes(48)).decode() for _ in range(5 + index % 3)]
    key = "\\n".join(["-----BEGIN PRIVATE KEY-----", *lines, "-----END PRIVATE KEY-----", ""])
    document = {
        "type": "service_account",
        "project_id": "acme-prod",
        "private_key_id": pick(rng, LOWER_HEX, 40),
        "private_key": "KEY",
        "client_email": f"deployer-{index}@acme-prod.iam.gserviceaccount.com",
    }
    snippet = json.dumps(document).replace('"KEY"', f'"{key}"')
    return SeededSecret(
        "gcp_service_account_key", key, snippet, ("gcp.credentials_json", snippet), "".join(lines)
    )


def _azure_storage(rng: random.Random, index: int) -> SeededSecret:
    value = base64.b64encode(rng.randbytes(64)).decode()
    snippet = (
        f"DefaultEndpointsProtocol=https;AccountName=acme{index}prod;AccountKey={value};"
        "EndpointSuffix=core.windows.net"
    )
    attribute = ("azure.storage.connection_string", snippet)
    return SeededSecret("azure_storage_key", value, snippet, attribute, value.rstrip("="))


def _high_entropy(rng: random.Random, index: int) -> SeededSecret:
    value = mixed(rng, 32 + index % 3 * 8, ALNUM + ("-_" if index % 2 else ""))
    snippet = (
        f"upstream returned 401 for {value}",
        f"replaying webhook with {value} after timeout",
        f'{{"event": "charge.failed", "data": "{value}"}}',
    )[index % 3]
    attribute = ("messaging.message.payload_ref", value)
    return SeededSecret("high_entropy_key", value, snippet, attribute, value)


GENERATORS: dict[str, Generator] = {
    "jwt": _jwt,
    "bearer_token": _bearer_token,
    "basic_auth": _basic_auth,
    "private_key": _private_key,
    "url_password": _url_password,
    "redis_password": _redis_password,
    "connection_password": _connection_password,
    "query_secret": _query_secret,
    "keyed_secret": _keyed_secret,
}
MORE_GENERATORS: dict[str, Generator] = {
    "url_password_special": _url_password_special,
    "aws_secret_unlabelled": _aws_secret_unlabelled,
    "twilio_auth_token": _twilio_auth_token,
    "mysql_cli_password": _mysql_cli,
    "redis_cli_password": _redis_cli,
    "sshpass_password": _sshpass,
    "curl_user_password": _curl_user,
    "cli_flag_password": _cli_flag,
    "netrc_password": _netrc,
    "gcp_service_account_key": _gcp_service_account,
    "azure_storage_key": _azure_storage,
    "high_entropy_key": _high_entropy,
}
