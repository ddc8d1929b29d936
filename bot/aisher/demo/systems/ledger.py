"""A fintech ledger: Python mobile-bff → transfer-svc (→ accounts, fraud, ledger, the partner
bank's SEPA API), balances, statements and card controls (→ Marqeta), with an audit consumer."""

from __future__ import annotations

from aisher.demo.systems.topology import (
    BROKER,
    CACHE,
    DB,
    EXT,
    Call,
    G,
    J,
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
    """The fintech ledger topology."""
    ns = "ledger"
    deps = (
        dep("accounts-db", DB, "postgresql", cluster(ns, "accounts-db"), 5432, database="accounts"),
        dep("ledger-db", DB, "postgresql", cluster(ns, "ledger-db"), 5432, database="ledger"),
        dep("cards-db", DB, "postgresql", cluster(ns, "cards-db"), 5432, database="cards"),
        dep("audit-db", DB, "clickhouse", cluster(ns, "audit-clickhouse"), 8123, database="audit"),
        dep("ledger-redis", CACHE, "redis", cluster(ns, "redis-master"), 6379),
        dep("partner-bank", EXT, "", "api.partnerbank.example", 443),
        dep("marqeta", EXT, "", "api.marqeta.com", 443),
        dep("kafka", BROKER, "kafka", cluster(ns, "kafka-0.kafka-headless"), 9092),
    )
    accounts, core = "ledger.accounts.v1.Accounts", "ledger.core.v1.Ledger"
    services = (
        Service(
            "mobile-bff",
            P,
            "8.3.0",
            "bff",
            (
                op(
                    "POST /v2/transfers",
                    "api.transfers.create_transfer > flows.TransferFlow.submit",
                    Call("transfer-svc", "POST /transfers", timeout_ms=15000),
                    log="transfer {uuid} submitted by user {user}",
                ),
                op(
                    "GET /v2/accounts/{account_id}/balance",
                    "api.accounts.get_balance",
                    Call("accounts-svc", f"{accounts}/GetBalance", timeout_ms=1500),
                ),
                op(
                    "GET /v2/accounts/{account_id}/transactions",
                    "api.accounts.list_transactions",
                    Call("statement-svc", "GET /accounts/{id}/transactions", timeout_ms=3000),
                ),
                op(
                    "POST /v2/cards/{card_id}/freeze",
                    "api.cards.freeze_card",
                    Call("card-svc", "POST /cards/{id}/freeze", timeout_ms=8000),
                ),
            ),
            port=8000,
            pods=3,
        ),
        Service(
            "transfer-svc",
            J,
            "5.6.2",
            "com.acme.transfers",
            (
                op(
                    "POST /transfers",
                    "web.TransferController.create > service.TransferService.execute",
                    Call("accounts-svc", f"{accounts}/GetAccount", timeout_ms=1000),
                    Call("fraud-svc", "ledger.fraud.v1.Fraud/Score", timeout_ms=1500),
                    Call("ledger-svc", f"{core}/PostEntries", timeout_ms=6000),
                    Call(
                        "partner-bank",
                        "POST /v1/sepa/credit-transfers",
                        probability=0.6,
                        timeout_ms=5000,
                        retries=2,
                    ),
                    Call("kafka", "transfers.completed"),
                    log="transfer {uuid} executed: {amount} {currency} from {account} to {account}",
                ),
            ),
        ),
        Service(
            "accounts-svc",
            G,
            "3.3.1",
            "github.com/acme-ledger/accounts",
            (
                op(
                    f"{accounts}/GetAccount",
                    "grpc.Server.GetAccount > store.Accounts.Get",
                    Call("ledger-redis", "GET account:?"),
                    Call(
                        "accounts-db",
                        "SELECT * FROM accounts WHERE id = $1",
                        probability=0.3,
                        repository="AccountStore.Get",
                    ),
                ),
                op(
                    f"{accounts}/GetBalance",
                    "grpc.Server.GetBalance > balance.Calculator.Current",
                    Call("ledger-redis", "GET balance:?"),
                    Call("ledger-svc", f"{core}/GetBalance", probability=0.5, timeout_ms=1000),
                ),
            ),
            port=50051,
            pods=3,
        ),
        Service(
            "ledger-svc",
            J,
            "7.1.0",
            "com.acme.ledger",
            (
                op(
                    f"{core}/PostEntries",
                    "grpc.LedgerGrpcService.postEntries > service.PostingService.post",
                    Call(
                        "ledger-db",
                        "SELECT * FROM account_balances WHERE account_id IN (?, ?) FOR UPDATE",
                        repository="AccountBalanceRepository.lockForUpdate",
                    ),
                    Call(
                        "ledger-db",
                        "INSERT INTO journal_entries (id, transfer_id, account_id, "
                        "amount, side) VALUES (?, ?, ?, ?, ?)",
                        repository="JournalEntryRepository.saveAll",
                    ),
                    self_ms=6,
                    log="posted {count} journal entries for transfer {uuid}",
                ),
                op(
                    f"{core}/GetBalance",
                    "grpc.LedgerGrpcService.getBalance > service.BalanceService.current",
                    Call(
                        "ledger-db",
                        "SELECT balance, currency FROM account_balances WHERE account_id = ?",
                        repository="AccountBalanceRepository.findByAccountId",
                    ),
                ),
            ),
            port=9090,
            pods=3,
        ),
        Service(
            "fraud-svc",
            P,
            "2.0.5",
            "fraud",
            (
                op(
                    "ledger.fraud.v1.Fraud/Score",
                    "servicer.FraudServicer.Score > model.RiskModel.score",
                    Call("ledger-redis", "HGETALL features:?"),
                    self_ms=18,
                ),
            ),
            port=50051,
        ),
        Service(
            "statement-svc",
            P,
            "1.7.3",
            "statements",
            (
                op(
                    "GET /accounts/{id}/transactions",
                    "api.routes.list_transactions > service.StatementService.page",
                    Call(
                        "ledger-db",
                        "SELECT * FROM journal_entries WHERE account_id = %s ORDER BY "
                        "booked_at DESC LIMIT %s",
                        repository="EntryRepository.page",
                    ),
                ),
            ),
            port=8000,
        ),
        Service(
            "card-svc",
            J,
            "2.2.0",
            "com.acme.cards",
            (
                op(
                    "POST /cards/{id}/freeze",
                    "web.CardController.freeze > service.CardService.freeze",
                    Call(
                        "cards-db",
                        "UPDATE cards SET state = ? WHERE id = ?",
                        repository="CardRepository.updateState",
                    ),
                    Call("marqeta", "POST /v3/cardtransitions", timeout_ms=4000, retries=1),
                    log="card {card} frozen at the request of user {user}",
                ),
            ),
        ),
        Service(
            "audit-svc",
            G,
            "1.0.9",
            "github.com/acme-ledger/audit",
            (
                op(
                    "transfers.completed process",
                    "consumer.Handler.Handle",
                    Call(
                        "audit-db",
                        "INSERT INTO audit_events (event_id, kind, payload) VALUES (?, ?, ?)",
                        repository="EventStore.Append",
                    ),
                ),
            ),
        ),
    )
    noise = (
        Noise(NoiseKind.NOT_FOUND, "statement-svc", "GET /accounts/{id}/transactions", 0.04),
        Noise(NoiseKind.VALIDATION, "transfer-svc", "POST /transfers", 0.04),
        Noise(
            NoiseKind.CACHE_TIMEOUT,
            "fraud-svc",
            "ledger.fraud.v1.Fraud/Score",
            0.02,
            "ledger-redis",
        ),
        Noise(
            NoiseKind.CLIENT_ABORT,
            "mobile-bff",
            "GET /v2/accounts/{account_id}/transactions",
            0.008,
        ),
    )
    mix = (
        ("POST /v2/transfers", 0.22),
        ("GET /v2/accounts/{account_id}/balance", 0.38),
        ("GET /v2/accounts/{account_id}/transactions", 0.30),
        ("POST /v2/cards/{card_id}/freeze", 0.10),
    )
    return Topology("ledger", ns, "mobile-bff", mix, services, deps, noise)
