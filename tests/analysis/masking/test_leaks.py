"""Secrets that used to leak into LLM requests and reports: each shape is now hidden, and the
text around it (hosts, commands, the message) stays readable."""

from __future__ import annotations

import pytest

from aisher.analysis.masking.masker import Masker

# (text, the secret that must go, context that must stay)
LEAKS = [
    # Database URLs whose password holds `#`, `$`, `/`, `@` or `%`.
    ("postgres://app:pa#ss99w0rd@db.internal:5432/orders", "pa#ss99w0rd",
     "@db.internal:5432/orders"),
    ("mysql://root:s3cr$t!x9@mysql-0.mysql:3306/shop", "s3cr$t!x9", "@mysql-0.mysql:3306/shop"),
    ("amqp://guest:ab/cd/ef12@rabbitmq:5672/%2F", "ab/cd/ef12", "@rabbitmq:5672/%2F"),
    ("redis://default:p@ss@w0rd@cache.internal:6379/0", "p@ss@w0rd", "@cache.internal:6379/0"),
    ("mongodb://svc:50%25off!x@mongo-0.mongo:27017/orders", "50%25off!x", "@mongo-0.mongo:27017"),
    # An AWS secret access key next to its key id, without a label.
    ("loaded AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY from backup",
     "wJalrXUtnFEMI/K7MDENG", "from backup"),
    ("ci-deployer,,AKIAIOSFODNN7EXAMPLE,wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY,https://x",
     "bPxRfiCYEXAMPLEKEY", "ci-deployer,,"),
    # Vendor tokens: SendGrid, PyPI, Hugging Face.
    ("mail failed using 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",
     "TwL2iGABf9DHoTf", "mail failed using"),
    ("twine: 403 for pypi-AgEIcHlwaS5vcmcCJDU3OTY0ZjQ5LTg2YmUtNGQ3Mi1hNzg5LWNmMTc3ZjliZmE0MwAC",
     "CJDU3OTY0ZjQ5LTg2YmUt", "twine: 403 for"),
    ("HfHubHTTPError: 401 Invalid token hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh",
     "AbCdEfGhIjKlMnOp", "Invalid token"),
    # A Twilio auth token after "auth token".
    ("Twilio auth token 9f8e7d6c5b4a39281706f5e4d3c2b1a0 rejected (error 20003)",
     "9f8e7d6c5b4a3928", "rejected (error 20003)"),
    # Passwords on command lines.
    ("mysql -uroot -pS3cretPass! -e 'SELECT 1'", "S3cretPass!", "mysql -uroot -p"),
    ("redis-cli -h cache.internal -a S3cretPass! PING", "S3cretPass!", "PING"),
    ("sshpass -p 'S3cret Pass' ssh deploy@web-1 uptime", "S3cret Pass", "ssh deploy@web-1"),
    ("curl -fsS -u admin:S3cretPass! https://grafana.internal/api/health", "S3cretPass!",
     "https://grafana.internal/api/health"),
    ("docker login --username ci --password S3cretPass! registry.example.com", "S3cretPass!",
     "registry.example.com"),
    # A high-entropy key with no label at all.
    ("retrying with xK9mQ2vL8nR4tY7wZ3aB6cD1eF5gH0jJ after 401", "xK9mQ2vL8nR4tY7wZ3aB6cD1",
     "after 401"),
    # Personal data: phone numbers, IBANs, US social security numbers, card security codes.
    ("SMS to +44 20 7946 0958 failed: unreachable", "7946 0958", "failed: unreachable"),
    ("callback number (415) 555-0132 is not verified", "555-0132", "is not verified"),
    ("user profile update rejected: phone=+1 415-555-0132", "555-0132", "phone="),
    ("SEPA payout to DE89 3704 0044 0532 0130 00 rejected", "0532 0130", "rejected"),
    ("refund to IBAN GB82WEST12345698765432 queued", "12345698765432", "queued"),
    ("SSN 123-45-6789 already registered", "123-45-6789", "already registered"),
    ("card verification failed: cvv=737", "737", "cvv="),
    ('{"number": "<CARD_1>", "securityCode": "4821"}', "4821", "securityCode"),
]  # fmt: skip


class TestLeaksAreClosed:
    @pytest.mark.parametrize(("text", "secret", "context"), LEAKS)
    def test_the_secret_goes_and_its_context_stays(
        self, text: str, secret: str, context: str
    ) -> None:
        """The secret is replaced by a placeholder; the words and hosts around it stay."""
        masked = Masker().mask(text)
        assert secret not in masked
        assert context in masked
        assert "<" in masked

    @pytest.mark.parametrize(("text", "secret", "context"), LEAKS)
    def test_attributes_carrying_it_are_masked_too(
        self, text: str, secret: str, context: str
    ) -> None:
        """The same text as the value of an ordinary attribute is masked the same way."""
        masked = Masker().mask_attributes({"exception.message": text})
        assert secret not in masked["exception.message"]
