"""Exceptions as each runtime records them on a span: type, message and full stack trace.

`runtimes.throw(kind, site, rng)` is the one way in; nothing outside this package needs more
than it and the types of `throw_site`.

    throw_site.py     what goes in and out: `ErrorKind`, `ThrowSite`, `CallSite` → `Thrown`
    runtimes.py       `throw`: which runtime's generator renders which kind
    rendering.py      exception chains (`Layer`) as each runtime prints them; frame helpers
    java_stacks.py    Spring Boot on Tomcat and grpc-java
    java_frames.py    the Java libraries' frame tables those traces are built from
    python_stacks.py  FastAPI and grpc.aio tracebacks
    go_stacks.py      goroutine dumps and panics from otel-go
    node_stacks.py    V8 stacks from Express, axios, grpc-js, knex and ioredis
"""
