"""Stack traces look the way each runtime prints them, with volatile messages."""

from __future__ import annotations

import random
import re

import pytest

from aisher.demo.stacks.runtimes import throw
from aisher.demo.stacks.throw_site import CallSite, ErrorKind, Language, ThrowSite
from aisher.demo.volatile import fill

_PACKAGES = {
    Language.JAVA: "com.acme.payment",
    Language.PYTHON: "payment",
    Language.GO: "github.com/acme/payment",
    Language.NODEJS: "",
}
_CALL = CallSite(
    via="client.StripeClient.paymentIntents",
    peer="payments-api",
    protocol="http",
    host="payments-api",
    port=8080,
    route="/v1/charges",
    method="POST",
    url="http://payments-api:8080/v1/charges",
    status=503,
    grpc_code="UNAVAILABLE",
    body='{"error":"unavailable"}',
    timeout_ms=3000,
    detail="connection refused",
)


def site(
    language: Language, *, accessors: tuple[int, int] = (17, 203), protocol: str = "http"
) -> ThrowSite:
    return ThrowSite(
        service="payment-svc",
        package=_PACKAGES[language],
        language=language,
        protocol=protocol,
        operation="POST /api/v1/charges",
        code=("web.ChargeController.create", "service.ChargeService.charge"),
        version="2.3.1",
        accessors=accessors,
        call=_CALL,
    )


def frame_lines(stacktrace: str) -> list[str]:
    return [line for line in stacktrace.splitlines() if line.startswith("\tat ")]


class TestJavaTraces:
    def test_first_line_repeats_type_and_message(self) -> None:
        """A Java trace starts with `<type>: <message>`, as Throwable.printStackTrace writes."""
        thrown = throw(ErrorKind.DEPLOY_BUG, site(Language.JAVA), random.Random(1))
        assert thrown.stacktrace.splitlines()[0] == f"{thrown.type}: {thrown.message}"

    def test_long_traces_with_cause_chains(self) -> None:
        """A wrapped failure has 50–70 frames above its `Caused by:` sections and `... N more`."""
        thrown = throw(ErrorKind.POOL_WRAPPER, site(Language.JAVA), random.Random(1))
        head = thrown.stacktrace.split("Caused by:")[0]
        assert 50 <= len(frame_lines(head)) <= 90
        assert thrown.stacktrace.count("\nCaused by: ") == 2
        assert "Caused by: java.sql.SQLTransientConnectionException: HikariPool-1" in (
            thrown.stacktrace
        )
        assert re.search(r"\n\t\.\.\. \d+ more", thrown.stacktrace)

    def test_more_count_is_the_shared_tail(self) -> None:
        """`... N more` counts exactly the enclosing frames the cause does not print."""
        thrown = throw(ErrorKind.CALL_TIMEOUT, site(Language.JAVA), random.Random(1))
        head, cause = thrown.stacktrace.split("\nCaused by: ")
        shared = int(re.findall(r"\.\.\. (\d+) more", cause)[0])
        assert shared == len(frame_lines(head)) - 2  # joins below RestTemplate.doExecute

    def test_accessor_number_differs_per_pod(self) -> None:
        """GeneratedMethodAccessorN carries the pod's number; the rest of the trace is shared."""
        one = throw(ErrorKind.APP_FAULT, site(Language.JAVA, accessors=(17, 203)), random.Random(1))
        two = throw(ErrorKind.APP_FAULT, site(Language.JAVA, accessors=(88, 511)), random.Random(1))
        assert "GeneratedMethodAccessor17.invoke" in one.stacktrace
        assert "GeneratedMethodAccessor88.invoke" in two.stacktrace
        normalise = re.compile(r"GeneratedMethodAccessor\d+")
        body = [normalise.sub("GMA", t.stacktrace).split("\n", 1)[1] for t in (one, two)]
        assert body[0] == body[1]

    def test_grpc_and_servlet_frameworks(self) -> None:
        """A gRPC endpoint shows grpc-java's server frames, an HTTP one Tomcat's."""
        grpc = throw(ErrorKind.APP_FAULT, site(Language.JAVA, protocol="grpc"), random.Random(1))
        http = throw(ErrorKind.APP_FAULT, site(Language.JAVA), random.Random(1))
        assert "io.grpc.internal.ServerImpl" in grpc.stacktrace
        assert "org.apache.catalina.connector.CoyoteAdapter.service" in http.stacktrace


class TestPythonTracebacks:
    def test_chained_sections_end_with_the_escaping_exception(self) -> None:
        """The cause prints first; the last line is the exception that escaped, `type: message`."""
        thrown = throw(ErrorKind.HTTP_STATUS, site(Language.PYTHON), random.Random(1))
        lines = thrown.stacktrace.splitlines()
        assert lines[0] == "Traceback (most recent call last):"
        assert thrown.stacktrace.endswith(f"{thrown.type}: {thrown.message}")
        chained = throw(ErrorKind.CALL_TIMEOUT, site(Language.PYTHON), random.Random(1))
        assert "The above exception was the direct cause of the following exception:" in (
            chained.stacktrace
        )
        assert chained.stacktrace.splitlines()[-1] == "httpx.ReadTimeout"

    def test_file_lines_come_with_source_lines(self) -> None:
        """Each `File "…", line N, in fn` of Python source is followed by its source line."""
        thrown = throw(ErrorKind.POOL_EXHAUSTED, site(Language.PYTHON), random.Random(1))
        lines = thrown.stacktrace.splitlines()
        files = [i for i, line in enumerate(lines) if line.startswith('  File "')]
        assert len(files) > 20
        for index in files:
            assert re.match(r'  File "[^"]+", line \d+, in \w+', lines[index])
            if ".py" in lines[index].split(",")[0]:
                assert lines[index + 1].startswith("    ")


class TestGoDumps:
    def test_panic_dump(self) -> None:
        """A nil dereference prints the panic, the signal and the goroutine's frames."""
        thrown = throw(ErrorKind.DEPLOY_BUG, site(Language.GO), random.Random(1))
        assert thrown.stacktrace.startswith("panic: runtime error: invalid memory address")
        assert re.search(r"\ngoroutine \d+ \[running\]:\n", thrown.stacktrace)
        assert "\t/src/internal/service/charge_service.go:" in thrown.stacktrace

    def test_argument_words_change_per_request(self) -> None:
        """Pointer words and goroutine ids differ between two requests hitting the same line."""
        rng = random.Random(1)
        one = throw(ErrorKind.HTTP_STATUS, site(Language.GO), rng)
        two = throw(ErrorKind.HTTP_STATUS, site(Language.GO), rng)
        assert one.stacktrace != two.stacktrace
        words = re.compile(r"0x[0-9a-f]+|goroutine \d+")
        assert words.sub("_", one.stacktrace) == words.sub("_", two.stacktrace)


class TestNodeStacks:
    def test_at_most_ten_frames(self) -> None:
        """V8 keeps ten frames and prints `at fn (file:line:col)`; the type is the error code."""
        thrown = throw(ErrorKind.HTTP_STATUS, site(Language.NODEJS), random.Random(1))
        lines = thrown.stacktrace.splitlines()
        assert lines[0] == "AxiosError: Request failed with status code 503"
        assert thrown.type == "ERR_BAD_RESPONSE"
        assert 1 <= len(lines) - 1 <= 10
        assert all(line.startswith("    at ") for line in lines[1:])
        assert re.search(r"\(/app/src/[\w/.-]+\.js:\d+:\d+\)", thrown.stacktrace)


class TestRuntimes:
    @pytest.mark.parametrize("language", list(Language))
    @pytest.mark.parametrize("kind", list(ErrorKind))
    def test_every_runtime_renders_every_kind(self, language: Language, kind: ErrorKind) -> None:
        """Each runtime has a type, a stack trace and (but for bare types) a message per kind."""
        thrown = throw(kind, site(language), random.Random(3))
        assert thrown.type
        assert len(thrown.stacktrace.splitlines()) >= 4

    def test_messages_carry_volatile_parts(self) -> None:
        """Two requests failing the same way get different messages (ids, amounts, ports)."""
        rng = random.Random(5)
        first = throw(ErrorKind.APP_FAULT, site(Language.JAVA), rng)
        second = throw(ErrorKind.APP_FAULT, site(Language.JAVA), rng)
        assert first.type == second.type
        assert first.message != second.message
        uuid = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}"
        assert re.search(uuid, first.message)


class TestFill:
    def test_known_placeholders_get_values_and_others_stay(self) -> None:
        """`{ip}` becomes an address, JSON braces and unknown names are left alone."""
        text = fill('{"path":"/x"} from {ip}:{port} {route}', random.Random(1), route="/r")
        assert text.startswith('{"path":"/x"} from 10.')
        assert re.fullmatch(r'\{"path":"/x"\} from 10\.\d+\.\d+\.\d+:\d+ /r', text)
