"""The web shop: frontend → checkout-svc → {payment-svc → stripe, inventory-svc → postgresql,
shipping-svc → redis}, with cart, catalog, recommendations and an order-notification consumer."""

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
    """The web shop: Node frontend, Java checkout and payments, Python inventory, Go catalog."""
    ns = "shop"
    deps = (
        dep("orders-db", DB, "postgresql", cluster(ns, "orders-db"), 5432, database="orders"),
        dep("payments-db", DB, "postgresql", cluster(ns, "payments-db"), 5432, database="payments"),
        dep(
            "inventory-db",
            DB,
            "postgresql",
            cluster(ns, "inventory-db"),
            5432,
            database="inventory",
        ),
        dep("catalog-db", DB, "mysql", cluster(ns, "catalog-mysql"), 3306, database="catalog"),
        dep("shop-redis", CACHE, "redis", cluster(ns, "redis-master"), 6379),
        dep("stripe", EXT, "", "api.stripe.com", 443),
        dep("sendgrid", EXT, "", "api.sendgrid.com", 443),
        dep("kafka", BROKER, "kafka", cluster(ns, "kafka-0.kafka-headless"), 9092),
    )
    reco = "shop.reco.v1.RecommendationService/ListRecommendations"
    services = (
        Service(
            "frontend",
            N,
            "3.14.2",
            "",
            (
                op(
                    "GET /",
                    "routes.HomeController.index",
                    Call("catalog-svc", "GET /api/products", timeout_ms=2000),
                    Call("recommendation-svc", reco, timeout_ms=800, optional=True),
                    log="rendered home for session {hex16} in {ms}ms",
                ),
                op(
                    "GET /product/:id",
                    "routes.ProductController.show",
                    Call("catalog-svc", "GET /api/products/{id}", timeout_ms=2000),
                    Call("recommendation-svc", reco, timeout_ms=800, optional=True),
                ),
                op(
                    "POST /cart",
                    "routes.CartController.add",
                    Call("cart-svc", "POST /api/cart/items", timeout_ms=3000),
                ),
                op(
                    "GET /cart",
                    "routes.CartController.show",
                    Call("cart-svc", "GET /api/cart", timeout_ms=2000),
                ),
                op(
                    "POST /checkout",
                    "routes.CheckoutController.placeOrder",
                    Call(
                        "checkout-svc",
                        "shop.checkout.v1.CheckoutService/PlaceOrder",
                        timeout_ms=20000,
                    ),
                    log="checkout submitted for cart {uuid}",
                ),
            ),
            port=3000,
            pods=3,
        ),
        Service(
            "checkout-svc",
            J,
            "2.7.4",
            "com.acme.checkout",
            (
                op(
                    "shop.checkout.v1.CheckoutService/PlaceOrder",
                    "grpc.CheckoutGrpcService.placeOrder > service.CheckoutService.placeOrder",
                    Call("cart-svc", "GET /api/cart", timeout_ms=2000),
                    Call("inventory-svc", "POST /api/v1/reservations", timeout_ms=6000, retries=2),
                    Call("payment-svc", "POST /api/v1/charges", timeout_ms=12000, retries=0),
                    Call(
                        "shipping-svc",
                        "shop.shipping.v1.ShippingService/CreateShipment",
                        timeout_ms=3000,
                    ),
                    Call(
                        "orders-db",
                        "INSERT INTO orders (id, customer_id, total, currency, status) "
                        "VALUES (?, ?, ?, ?, ?)",
                        repository="OrderRepository.save",
                    ),
                    Call("kafka", "orders.placed"),
                    self_ms=9,
                    log="order {order} placed for customer {user}: {count} items, "
                    "total {amount} {currency}",
                ),
            ),
            port=9090,
            pods=3,
        ),
        Service(
            "payment-svc",
            J,
            "2.3.1",
            "com.acme.payment",
            (
                op(
                    "POST /api/v1/charges",
                    "web.ChargeController.create > service.ChargeService.charge",
                    Call(
                        "payments-db",
                        "SELECT * FROM charges WHERE idempotency_key = ?",
                        repository="ChargeRepository.findByIdempotencyKey",
                    ),
                    Call("stripe", "POST /v1/payment_intents", timeout_ms=8000, retries=1),
                    Call(
                        "payments-db",
                        "INSERT INTO charges (id, order_id, amount, currency, "
                        "provider_ref, status) VALUES (?, ?, ?, ?, ?, ?)",
                        repository="ChargeRepository.save",
                    ),
                    self_ms=6,
                    log="charge {uuid} captured for order {order}: {amount} {currency}",
                ),
            ),
            pods=3,
        ),
        Service(
            "inventory-svc",
            P,
            "1.12.0",
            "inventory",
            (
                op(
                    "POST /api/v1/reservations",
                    "api.routes.create_reservation > service.ReservationService.reserve",
                    Call(
                        "inventory-db",
                        "SELECT sku, available FROM stock WHERE sku = ANY(%s) FOR UPDATE",
                        repository="StockRepository.lock",
                    ),
                    Call(
                        "inventory-db",
                        "UPDATE stock SET available = available - %s WHERE sku = %s",
                        repository="StockRepository.decrement",
                    ),
                    log="reserved {count} units of {sku} for order {order}",
                ),
                op(
                    "GET /api/v1/stock/{sku}",
                    "api.routes.get_stock > service.StockService.level",
                    Call("shop-redis", "GET stock:?"),
                    Call(
                        "inventory-db",
                        "SELECT available FROM stock WHERE sku = %s",
                        probability=0.3,
                        repository="StockRepository.level",
                    ),
                ),
            ),
            port=8000,
        ),
        Service(
            "shipping-svc",
            G,
            "0.9.3",
            "github.com/acme-shop/shipping",
            (
                op(
                    "shop.shipping.v1.ShippingService/CreateShipment",
                    "grpc.Server.CreateShipment > quote.Calculator.Quote",
                    Call("shop-redis", "GET shipquote:?"),
                    Call("shop-redis", "SET shipquote:? ? EX ?", probability=0.4),
                ),
            ),
            port=50051,
        ),
        Service(
            "cart-svc",
            P,
            "4.2.0",
            "cart",
            (
                op(
                    "GET /api/cart",
                    "api.routes.get_cart > service.CartService.load",
                    Call("shop-redis", "HGETALL cart:?"),
                ),
                op(
                    "POST /api/cart/items",
                    "api.routes.add_item > service.CartService.add_item",
                    Call("catalog-svc", "GET /api/products/{id}", timeout_ms=1500),
                    Call("shop-redis", "HSET cart:? ? ?"),
                    log="cart {uuid}: added {sku} x{count}",
                ),
            ),
            port=8000,
        ),
        Service(
            "catalog-svc",
            G,
            "1.5.0",
            "github.com/acme-shop/catalog",
            (
                op(
                    "GET /api/products",
                    "api.Handler.ListProducts > store.Products.List",
                    Call("shop-redis", "GET catalog:page:?"),
                    Call(
                        "catalog-db",
                        "SELECT id, name, price FROM products WHERE category_id = ? LIMIT ?",
                        probability=0.3,
                        repository="ProductStore.Query",
                    ),
                ),
                op(
                    "GET /api/products/{id}",
                    "api.Handler.GetProduct > store.Products.Get",
                    Call("shop-redis", "GET product:?"),
                    Call(
                        "catalog-db",
                        "SELECT * FROM products WHERE id = ?",
                        probability=0.4,
                        repository="ProductStore.ByID",
                    ),
                    Call(
                        "inventory-svc",
                        "GET /api/v1/stock/{sku}",
                        probability=0.5,
                        timeout_ms=800,
                        optional=True,
                    ),
                ),
            ),
        ),
        Service(
            "recommendation-svc",
            P,
            "0.8.1",
            "recommendation",
            (
                op(
                    reco,
                    "servicer.RecommendationServicer.ListRecommendations > ranking.Ranker.top_n",
                    Call("catalog-svc", "GET /api/products", timeout_ms=500),
                    self_ms=12,
                ),
            ),
            port=50051,
        ),
        Service(
            "notification-svc",
            N,
            "1.3.0",
            "",
            (
                op(
                    "orders.placed process",
                    "consumers.OrderPlacedConsumer.handle",
                    Call("sendgrid", "POST /v3/mail/send", timeout_ms=5000),
                    log="order confirmation queued for {email}",
                ),
            ),
            port=3000,
        ),
    )
    noise = (
        Noise(NoiseKind.NOT_FOUND, "catalog-svc", "GET /api/products/{id}", 0.04),
        Noise(NoiseKind.VALIDATION, "cart-svc", "POST /api/cart/items", 0.05),
        Noise(NoiseKind.CACHE_TIMEOUT, "catalog-svc", "GET /api/products", 0.02, "shop-redis"),
        Noise(NoiseKind.CLIENT_ABORT, "frontend", "GET /", 0.008),
    )
    mix = (
        ("GET /", 0.30),
        ("GET /product/:id", 0.26),
        ("POST /cart", 0.13),
        ("GET /cart", 0.12),
        ("POST /checkout", 0.19),
    )
    return Topology("shop", ns, "frontend", mix, services, deps, noise)
