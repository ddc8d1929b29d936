"""The systems the demo breaks: the model they are written in, and one module each.

topology.py    `Topology`, `Service`, `Operation`, `Call`, `Dependency`, `Noise`: plain data
registry.py    `topology(name)` and `TOPOLOGY_NAMES`: the systems by name
shop.py        web shop: frontend → checkout → payments (Stripe), inventory, shipping
media.py       streaming: api-gateway → titles, entitlement, playback → DRM (Widevine)
rides.py       ride hailing: rider-api → pricing (Google Maps), payments (Adyen), dispatch
ledger.py      fintech: mobile-bff → transfers, accounts, fraud, ledger, cards (Marqeta)
"""
