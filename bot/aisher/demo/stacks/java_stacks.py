"""Java exceptions as a Spring Boot service on Tomcat or grpc-java records them on a span.

Every trace is the library frames of the failure, the application's code path (with the CGLIB
proxy of its @Transactional service in between), then the framework frames of the endpoint:
50 to 70 frames, with `Caused by:` sections for wrapped failures.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from aisher.demo.stacks import java_frames as jf
from aisher.demo.stacks.rendering import Layer, bind, code_line, entity_of, render_java
from aisher.demo.stacks.throw_site import (
    REASONS,
    ErrorKind,
    Thrown,
    ThrowSite,
    require_call,
    split_code,
    status_line,
)
from aisher.demo.volatile import fill

_SERVLET = {
    "GET": ("doGet(FrameworkServlet.java:903)", "564"),
    "POST": ("doPost(FrameworkServlet.java:914)", "590"),
    "PUT": ("doPut(FrameworkServlet.java:925)", "596"),
    "DELETE": ("doDelete(FrameworkServlet.java:936)", "601"),
}
_REST_CALL = {
    "GET": "getForObject(RestTemplate.java:378)",
    "POST": "postForObject(RestTemplate.java:483)",
    "PUT": "exchange(RestTemplate.java:663)",
    "DELETE": "exchange(RestTemplate.java:663)",
}
_STATUS_CLASS = {
    500: "InternalServerError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}
_NULL_FIELDS = (
    ("BillingAddress", "getCountryCode"),
    ("DiscountPolicy", "getRate"),
    ("CurrencyUnit", "getCurrencyCode"),
    ("RegionConfig", "getTimezone"),
)
_STRIPE_FRAMES = jf.frames("""
com.stripe.net.LiveStripeResponseGetter.handleApiError(LiveStripeResponseGetter.java:349)
com.stripe.net.LiveStripeResponseGetter.handleError(LiveStripeResponseGetter.java:307)
com.stripe.net.LiveStripeResponseGetter.request(LiveStripeResponseGetter.java:88)
com.stripe.net.ApiResource.request(ApiResource.java:183)
com.stripe.model.PaymentIntent.create(PaymentIntent.java:1024)
com.stripe.model.PaymentIntent.create(PaymentIntent.java:1008)
""")
_HASHMAP_ITERATION = (
    "java.base/java.util.HashMap$HashIterator.nextNode(HashMap.java:1605)",
    "java.base/java.util.HashMap$KeyIterator.next(HashMap.java:1628)",
)
_BROKEN_PIPE = jf.frames("""
java.base/sun.nio.ch.FileDispatcherImpl.write0(Native Method)
java.base/sun.nio.ch.SocketDispatcher.write(SocketDispatcher.java:62)
java.base/sun.nio.ch.IOUtil.writeFromNativeBuffer(IOUtil.java:132)
java.base/sun.nio.ch.IOUtil.write(IOUtil.java:97)
java.base/sun.nio.ch.SocketChannelImpl.write(SocketChannelImpl.java:532)
org.apache.tomcat.util.net.NioChannel.write(NioChannel.java:122)
org.apache.tomcat.util.net.NioEndpoint$NioSocketWrapper.doWrite(NioEndpoint.java:1381)
org.apache.tomcat.util.net.SocketWrapperBase.doWrite(SocketWrapperBase.java:764)
org.apache.tomcat.util.net.SocketWrapperBase.writeBlocking(SocketWrapperBase.java:589)
org.apache.tomcat.util.net.SocketWrapperBase.write(SocketWrapperBase.java:533)
org.apache.coyote.http11.Http11OutputBuffer$SocketOutputBuffer.doWrite(Http11OutputBuffer.java:533)
org.apache.coyote.http11.Http11OutputBuffer.doWrite(Http11OutputBuffer.java:193)
org.apache.coyote.Response.doWrite(Response.java:622)
org.apache.catalina.connector.OutputBuffer.realWriteBytes(OutputBuffer.java:340)
""")
_HIBERNATE_CONVERT = jf.frames("""
org.hibernate.exception.internal.SQLStateConversionDelegate.convert(SQLStateConversionDelegate.java:100)
org.hibernate.exception.internal.StandardSQLExceptionConverter.convert(StandardSQLExceptionConverter.java:58)
org.hibernate.engine.jdbc.spi.SqlExceptionHelper.convert(SqlExceptionHelper.java:108)
org.hibernate.engine.jdbc.spi.SqlExceptionHelper.convert(SqlExceptionHelper.java:94)
org.hibernate.resource.jdbc.internal.LogicalConnectionManagedImpl.acquireConnectionIfNeeded(LogicalConnectionManagedImpl.java:116)
""")


def code_frame(site: ThrowSite, dotted: str, offset: int = 0) -> str:
    """`com.acme.payment.service.ChargeService.charge(ChargeService.java:142)`; `offset` moves
    the line within the method (a cause thrown a few lines further down)."""
    module, cls, method = split_code(dotted)
    package = f"{site.package}.{module}" if module else site.package
    line = code_line(site.version, dotted) + offset
    return f"{package}.{cls}.{method}({cls}.java:{line})"


def _grpc_names(route: str) -> dict[str, str]:
    """`shop.inventory.v1.InventoryService/Reserve` → the generated stub's class and method."""
    service, _, method = route.partition("/")
    proto_pkg, _, name = service.rpartition(".")
    return {
        "grpc_class": f"{proto_pkg}.{name}Grpc",
        "grpc_file": f"{name}Grpc.java",
        "grpc_line": str(code_line("1.0", route, 200, 900)),
        "grpc_stub": name,
        "grpc_method": method[:1].lower() + method[1:],
    }


def _framework(site: ThrowSite) -> list[str]:
    if site.protocol == "grpc":
        return bind(jf.GRPC_SERVER, **_grpc_names(site.operation))
    if site.protocol == "messaging":
        return bind(jf.SPRING_KAFKA, accessor=str(site.accessors[0]))
    verb, line = _SERVLET.get(site.operation.split(" ")[0], _SERVLET["GET"])
    return bind(
        jf.SPRING_MVC, accessor=str(site.accessors[0]), servlet_verb=verb, servlet_line=line
    )


def app_frames(site: ThrowSite, *, with_call: bool = True) -> list[str]:
    """Innermost first: the calling frame, the service bean, its proxy, the endpoint, framework."""
    inner = [code_frame(site, dotted) for dotted in reversed(site.code)]
    if len(site.code) >= 2:
        module, cls, method = split_code(site.code[1])
        proxy = f"{site.package}.{module}.{cls}$$SpringCGLIB$$0.{method}(<generated>)"
        aop = bind(jf.SPRING_AOP, accessor2=str(site.accessors[1]))
        inner = [*inner[:-1], *aop, proxy, inner[-1]]
    if with_call and site.call is not None:
        inner.insert(0, code_frame(site, site.call.via))
    return inner + _framework(site)


def _one(site: ThrowSite, type_: str, message: str, lib: list[str]) -> Thrown:
    return Thrown(type_, message, render_java([Layer(type_, message, (*lib, *app_frames(site)))]))


def _chain(site: ThrowSite, top: Layer, *causes: Layer) -> Thrown:
    full = Layer(top.type, top.message, (*top.frames, *app_frames(site)))
    return Thrown(top.type, top.message, render_java([full, *causes]))


def app_fault(site: ThrowSite, rng: random.Random) -> Thrown:
    entity = entity_of(site.code[-1])
    if site.variant % 3 == 0:
        message = fill(
            f"{entity} {{uuid}} is in state PENDING_REVIEW; expected one of [CREATED, AUTHORIZED]",
            rng,
        )
        return _one(site, "java.lang.IllegalStateException", message, [])
    if site.variant % 3 == 1:
        return _one(
            site,
            "java.util.ConcurrentModificationException",
            "",
            list(_HASHMAP_ITERATION),
        )
    cause_msg = fill(
        "Cannot deserialize value of type `java.math.BigDecimal` from Object value (token "
        "`JsonToken.START_OBJECT`)\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_"
        "IN_LOCATION` disabled); line: 1, column: {count}] (through reference chain: "
        f'{site.package}.dto.{entity}Snapshot["amount"])',
        rng,
    )
    top_type = f"{site.package}.error.{entity}ProcessingException"
    top = Layer(top_type, fill(f"Failed to process {entity.lower()} {{uuid}}", rng), ())
    inner = code_frame(site, site.code[-1], offset=6)
    cause = Layer(
        "com.fasterxml.jackson.databind.exc.MismatchedInputException",
        cause_msg,
        (*jf.JACKSON_READ, inner),
        shared_from=1,
    )
    return _chain(site, top, cause)


def deploy_bug(site: ThrowSite, rng: random.Random) -> Thrown:
    module, cls, _ = split_code(site.code[-1])
    field, getter = _NULL_FIELDS[site.variant % len(_NULL_FIELDS)]
    entity = entity_of(site.code[-1])
    helper = code_frame(site, f"{module}.{cls}.resolve{field}")
    message = (
        f'Cannot invoke "{site.package}.model.{field}.{getter}()" because the return value of '
        f'"{site.package}.api.{entity}Request.get{field}()" is null'
    )
    return _one(site, "java.lang.NullPointerException", message, [helper])


def _hikari_message(site: ThrowSite, rng: random.Random) -> str:
    timeout = site.call.timeout_ms if site.call else 30000
    return fill(
        f"HikariPool-1 - Connection is not available, request timed out after {timeout}ms "
        "(total=20, active=20, idle=0, waiting={waiting})",
        rng,
    )


def _repository_frames(site: ThrowSite) -> list[str]:
    method = split_code(site.call.via)[2] if site.call else "save"
    proxy = str(150 + site.accessors[0] % 90)
    return bind(jf.SPRING_TX_BEGIN, proxy=proxy, repo_method=method)


def pool_exhausted(site: ThrowSite, rng: random.Random) -> Thrown:
    lib = [*jf.HIKARI, *_repository_frames(site)]
    message = _hikari_message(site, rng)
    frames = (*lib, *app_frames(site, with_call=False))
    type_ = "java.sql.SQLTransientConnectionException"
    return Thrown(type_, message, render_java([Layer(type_, message, frames)]))


def pool_wrapper(site: ThrowSite, rng: random.Random) -> Thrown:
    hikari = _hikari_message(site, rng)
    begin = (
        "org.springframework.orm.jpa.JpaTransactionManager.doBegin(JpaTransactionManager.java:466)"
    )
    top = Layer(
        "org.springframework.transaction.CannotCreateTransactionException",
        "Could not open JPA EntityManager for transaction",
        (begin, *_repository_frames(site)),
    )
    full = Layer(top.type, top.message, (*top.frames, *app_frames(site, with_call=False)))
    jdbc = Layer(
        "org.hibernate.exception.JDBCConnectionException",
        f"Unable to acquire JDBC Connection [{hikari}] [n/a]",
        (*_HIBERNATE_CONVERT, *jf.HIKARI[7:]),
        shared_from=1,
    )
    pool = Layer("java.sql.SQLTransientConnectionException", hikari, jf.HIKARI[:7], 5)
    return Thrown(top.type, top.message, render_java([full, jdbc, pool]))


def http_status(site: ThrowSite, rng: random.Random) -> Thrown:
    call = require_call(site)
    if call.peer == "stripe":
        message = fill(f"{REASONS.get(call.status, 'Error')}; request-id: {{request}}", rng)
        return _one(site, "com.stripe.exception.ApiException", message, list(_STRIPE_FRAMES))
    name = _STATUS_CLASS.get(call.status, "InternalServerError")
    rest = _REST_CALL.get(call.method, _REST_CALL["GET"])
    message = f'{status_line(call.status)}: "{call.body}"'
    lib = bind(jf.REST_TEMPLATE_STATUS, rest_call=rest)
    return _one(
        site, f"org.springframework.web.client.HttpServerErrorException${name}", message, lib
    )


def grpc_status(site: ThrowSite, rng: random.Random) -> Thrown:
    call = require_call(site)
    lib = bind(jf.GRPC_CLIENT, **_grpc_names(call.route))
    message = f"{call.grpc_code}: {call.detail}"
    return _one(site, "io.grpc.StatusRuntimeException", message, lib)


def _deadline(site: ThrowSite, rng: random.Random) -> Thrown:
    call = require_call(site)
    seconds = f"{call.timeout_ms / 1000 - rng.uniform(0.00001, 0.0004):.9f}"
    message = fill(
        f"DEADLINE_EXCEEDED: deadline exceeded after {seconds}s. Name resolution delay "
        "0.000000000 seconds. [closed=[], open=[[buffered_nanos={nanos}, "
        f"remote_addr={call.host}/{{ip}}:{call.port}]]]",
        rng,
    )
    lib = bind(jf.GRPC_CLIENT, **_grpc_names(call.route))
    return _one(site, "io.grpc.StatusRuntimeException", message, lib)


def call_timeout(site: ThrowSite, rng: random.Random) -> Thrown:
    call = require_call(site)
    if call.protocol == "grpc":
        return _deadline(site, rng)
    if call.peer == "stripe":
        message = (
            "IOException during API request to Stripe (https://api.stripe.com): Read timed out "
            "Please check your internet connection and try again. If this problem persists,you "
            "should check Stripe's service status at https://status.stripe.com/, or let us know "
            "at support@stripe.com."
        )
        return _one(site, "com.stripe.exception.ApiConnectionException", message, [])
    rest = _REST_CALL.get(call.method, _REST_CALL["GET"])
    top = Layer(
        "org.springframework.web.client.ResourceAccessException",
        f'I/O error on {call.method} request for "{call.url}": Read timed out',
        tuple(bind(jf.REST_TEMPLATE_IO, rest_call=rest)),
    )
    cause = Layer("java.net.SocketTimeoutException", "Read timed out", jf.SOCKET_READ, 2)
    return _chain(site, top, cause)


def client_timeout(site: ThrowSite, rng: random.Random) -> Thrown:
    call = require_call(site)
    if call.protocol == "grpc":
        return _deadline(site, rng)
    rest = _REST_CALL.get(call.method, _REST_CALL["GET"])
    lib = [*jf.SOCKET_READ, *bind(jf.REST_TEMPLATE_IO[2:], rest_call=rest)]
    return _one(site, "java.net.SocketTimeoutException", "Read timed out", lib)


def cache_timeout(site: ThrowSite, rng: random.Random) -> Thrown:
    lib = bind(jf.LETTUCE_TIMEOUT, proxy=str(140 + site.accessors[1] % 70))
    message = "Command timed out after 1 second(s)"
    return _one(site, "io.lettuce.core.RedisCommandTimeoutException", message, lib)


def validation(site: ThrowSite, rng: random.Random) -> Thrown:
    entity = entity_of(site.code[-1])
    controller = site.code[0]
    _, cls, method = split_code(controller)
    obj = entity[:1].lower() + entity[1:] + "Request"
    message = fill(
        f"Validation failed for argument [0] in public org.springframework.http.ResponseEntity<"
        f"{site.package}.api.{entity}Response> {site.package}.web.{cls}.{method}("
        f"{site.package}.api.{entity}Request): [Field error in object '{obj}' on field 'amount': "
        f"rejected value [-{{amount}}]; codes [Positive.{obj}.amount,Positive.amount,"
        "Positive.java.math.BigDecimal,Positive]; arguments [org.springframework.context.support."
        f"DefaultMessageSourceResolvable: codes [{obj}.amount,amount]; arguments []; default "
        "message [amount]]; default message [must be greater than 0]] ",
        rng,
    )
    frames = (*jf.VALIDATION, *_framework(site)[5:])
    type_ = "org.springframework.web.bind.MethodArgumentNotValidException"
    return Thrown(type_, message, render_java([Layer(type_, message, frames)]))


def client_abort(site: ThrowSite, rng: random.Random) -> Thrown:
    top = Layer(
        "org.apache.catalina.connector.ClientAbortException",
        "java.io.IOException: Broken pipe",
        (*jf.CLIENT_ABORT, *_framework(site)[6:]),
    )
    cause = Layer("java.io.IOException", "Broken pipe", _BROKEN_PIPE, 1)
    return Thrown(top.type, top.message, render_java([top, cause]))


BUILDERS: dict[ErrorKind, Callable[[ThrowSite, random.Random], Thrown]] = {
    ErrorKind.APP_FAULT: app_fault,
    ErrorKind.DEPLOY_BUG: deploy_bug,
    ErrorKind.POOL_EXHAUSTED: pool_exhausted,
    ErrorKind.POOL_WRAPPER: pool_wrapper,
    ErrorKind.HTTP_STATUS: http_status,
    ErrorKind.GRPC_STATUS: grpc_status,
    ErrorKind.CALL_TIMEOUT: call_timeout,
    ErrorKind.CLIENT_TIMEOUT: client_timeout,
    ErrorKind.CACHE_TIMEOUT: cache_timeout,
    ErrorKind.VALIDATION: validation,
    ErrorKind.CLIENT_ABORT: client_abort,
}
