"""A streaming service: Go api-gateway → title, entitlement, playback (→ drm → widevine),
search (Elasticsearch) and personalization, with profiles in MongoDB and artwork on S3."""

from __future__ import annotations

from aisher.demo.systems.topology import (
    BROKER,
    CACHE,
    DB,
    EXT,
    Call,
    G,
    J,
    N,
    Noise,
    NoiseKind,
    P,
    Service,
    Topology,
    cluster,
    dep,
    op,
)


def build() -> Topology:
    """The streaming service's topology."""
    ns = "media"
    deps = (
        dep("titles-db", DB, "postgresql", cluster(ns, "titles-db"), 5432, database="titles"),
        dep(
            "profiles-db", DB, "mongodb", cluster(ns, "profiles-mongo"), 27017, database="profiles"
        ),
        dep("billing-db", DB, "postgresql", cluster(ns, "billing-db"), 5432, database="billing"),
        dep("watch-db", DB, "cassandra", cluster(ns, "cassandra"), 9042, database="watch_history"),
        dep(
            "search-es", DB, "elasticsearch", cluster(ns, "search-es-http"), 9200, database="titles"
        ),
        dep("media-redis", CACHE, "redis", cluster(ns, "redis-master"), 6379),
        dep("s3", EXT, "", "media-artwork.s3.eu-west-1.amazonaws.com", 443),
        dep("widevine", EXT, "", "license.widevine.com", 443),
        dep("kafka", BROKER, "kafka", cluster(ns, "kafka-0.kafka-headless"), 9092),
    )
    titles = "media.titles.v1.TitleService"
    check = "media.entitlement.v1.Entitlements/Check"
    services = (
        Service(
            "api-gateway",
            G,
            "5.2.0",
            "github.com/acme-media/gateway",
            (
                op(
                    "GET /v1/home",
                    "api.Handler.Home",
                    Call("profile-svc", "GET /profiles/:id", timeout_ms=1000),
                    Call("title-svc", f"{titles}/ListRows", timeout_ms=2500),
                    Call("personalization-svc", "POST /rank", timeout_ms=600, optional=True),
                ),
                op(
                    "GET /v1/titles/{id}",
                    "api.Handler.Title",
                    Call("title-svc", f"{titles}/GetTitle", timeout_ms=2000),
                    Call("entitlement-svc", check, timeout_ms=1500),
                ),
                op(
                    "POST /v1/playback/sessions",
                    "api.Handler.StartPlayback",
                    Call("playback-svc", "POST /playback/sessions", timeout_ms=20000),
                ),
                op(
                    "GET /v1/search",
                    "api.Handler.Search",
                    Call("search-svc", "GET /search", timeout_ms=1500),
                ),
            ),
            pods=3,
        ),
        Service(
            "profile-svc",
            N,
            "2.9.0",
            "",
            (
                op(
                    "GET /profiles/:id",
                    "controllers.ProfileController.get > services.ProfileService.load",
                    Call("media-redis", "GET profile:?"),
                    Call(
                        "profiles-db",
                        '{"find": "profiles", "filter": {"_id": "?"}}',
                        probability=0.3,
                        repository="ProfileModel.findById",
                    ),
                ),
            ),
            port=3000,
        ),
        Service(
            "title-svc",
            J,
            "3.11.0",
            "com.acme.titles",
            (
                op(
                    f"{titles}/GetTitle",
                    "grpc.TitleGrpcService.getTitle > service.TitleService.find",
                    Call("media-redis", "GET title:?"),
                    Call(
                        "titles-db",
                        "SELECT * FROM titles WHERE id = ?",
                        probability=0.35,
                        repository="TitleRepository.findById",
                    ),
                    Call(
                        "s3",
                        "GET /artwork/{id}/manifest.json",
                        probability=0.3,
                        timeout_ms=1500,
                        retries=1,
                    ),
                ),
                op(
                    f"{titles}/ListRows",
                    "grpc.TitleGrpcService.listRows > service.RowService.rows",
                    Call(
                        "titles-db",
                        "SELECT r.id, r.title_ids FROM rows r WHERE r.profile_segment = ?",
                        repository="RowRepository.findForSegment",
                    ),
                    Call("media-redis", "MGET title:? title:? title:?"),
                    self_ms=7,
                ),
            ),
            port=9090,
            pods=3,
        ),
        Service(
            "entitlement-svc",
            G,
            "1.8.2",
            "github.com/acme-media/entitlement",
            (
                op(
                    check,
                    "grpc.Server.Check > policy.Evaluator.Evaluate",
                    Call("media-redis", "GET entitlement:?"),
                    Call(
                        "billing-db",
                        "SELECT plan, state FROM subscriptions WHERE account_id = $1",
                        probability=0.4,
                        repository="SubscriptionStore.Active",
                    ),
                ),
            ),
            port=50051,
        ),
        Service(
            "playback-svc",
            J,
            "4.0.3",
            "com.acme.playback",
            (
                op(
                    "POST /playback/sessions",
                    "web.PlaybackController.start > service.SessionService.open",
                    Call("entitlement-svc", check, timeout_ms=1500, retries=1),
                    Call("drm-svc", "POST /licenses", timeout_ms=6000),
                    Call("media-redis", "SET session:? ? EX ?"),
                    Call("kafka", "playback.started"),
                    log="playback session {uuid} opened for title {title} on profile {user}",
                ),
            ),
        ),
        Service(
            "drm-svc",
            G,
            "2.1.0",
            "github.com/acme-media/drm",
            (
                op(
                    "POST /licenses",
                    "api.Handler.IssueLicense > license.Broker.Issue",
                    Call("widevine", "POST /cenc/getlicense", timeout_ms=2500, retries=1),
                ),
            ),
        ),
        Service(
            "search-svc",
            P,
            "2.4.1",
            "search",
            (
                op(
                    "GET /search",
                    "api.routes.search > service.SearchService.query",
                    Call("media-redis", "GET search:?", probability=0.5),
                    Call("search-es", "POST /titles/_search", repository="TitleIndex.search"),
                ),
            ),
            port=8000,
        ),
        Service(
            "personalization-svc",
            P,
            "0.14.0",
            "personalization",
            (
                op(
                    "POST /rank",
                    "api.routes.rank > ranking.Ranker.rank",
                    Call("media-redis", "HGETALL features:?"),
                    self_ms=15,
                ),
            ),
            port=8000,
        ),
        Service(
            "watch-history-svc",
            G,
            "1.2.0",
            "github.com/acme-media/watchhistory",
            (
                op(
                    "playback.started process",
                    "consumer.Handler.Handle",
                    Call(
                        "watch-db",
                        "INSERT INTO watch_events (profile_id, title_id, started_at) "
                        "VALUES (?, ?, ?)",
                        repository="EventStore.Append",
                    ),
                ),
            ),
        ),
    )
    noise = (
        Noise(NoiseKind.NOT_FOUND, "title-svc", f"{titles}/GetTitle", 0.04),
        Noise(NoiseKind.VALIDATION, "search-svc", "GET /search", 0.05),
        Noise(NoiseKind.CACHE_TIMEOUT, "title-svc", f"{titles}/GetTitle", 0.02, "media-redis"),
        Noise(NoiseKind.CLIENT_ABORT, "api-gateway", "GET /v1/home", 0.008),
    )
    mix = (
        ("GET /v1/home", 0.33),
        ("GET /v1/titles/{id}", 0.25),
        ("POST /v1/playback/sessions", 0.24),
        ("GET /v1/search", 0.18),
    )
    return Topology("media", ns, "api-gateway", mix, services, deps, noise)
