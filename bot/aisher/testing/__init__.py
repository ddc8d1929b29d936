"""Stand-ins for the services Aisher talks to, shipped with the package (as `structlog.testing`
is) so that tests, `aisher bench` and anyone running the bot offline use the same ones.

slack_emulator   Slack's Web API, Socket Mode websocket and response URLs on loopback

Nothing here imports pytest; the pytest fixture around the emulator lives with the tests.
"""
