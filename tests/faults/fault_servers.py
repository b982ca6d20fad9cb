"""Real ``tests/apps/fault_app.py`` servers that a fault test may kill and restart."""

from __future__ import annotations

import signal

from gradio_servers import APPS_DIR, RunningServer, spawn_app

G6 = "gradio-6.31.0"
G5 = "gradio-5.50.0"
FAULT_APP = APPS_DIR / "fault_app.py"
START_TIMEOUT = 120.0
# Heartbeats every second (Gradio's default is 15 s) so that "heartbeats flow" quickly.
SERVER_ENV = {"GRADIO_HEARTBEAT_INTERVAL": "1"}


def start_fault_app(stem: str, port: int | None = None) -> RunningServer:
    """Start ``fault_app.py`` on ``stem`` (on ``port`` if given) and wait until it answers."""
    return spawn_app(FAULT_APP, stem, env=SERVER_ENV, port=port).wait_ready(START_TIMEOUT)


class ServerPool:
    """Private ``fault_app.py`` servers of one test, which it may kill and restart."""

    def __init__(self) -> None:
        self.servers: list[RunningServer] = []

    def __call__(self, stem: str) -> RunningServer:
        """Start a private server on ``stem``."""
        server = start_fault_app(stem)
        self.servers.append(server)
        return server

    def restart(self, server: RunningServer) -> RunningServer:
        """Kill ``server`` if alive and start the same app again on the same port."""
        if server.process.poll() is None:
            kill(server)
        server.stop()
        again = start_fault_app(server.stem, port=server.port)
        self.servers.append(again)
        return again

    def stop_all(self) -> None:
        """Stop every server of the pool."""
        for server in self.servers:
            server.stop()


def kill(server: RunningServer) -> None:
    """SIGKILL the server (no goodbye on any connection) and wait for it to be gone."""
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(10)
