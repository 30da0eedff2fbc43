"""Slack's Socket Mode endpoint, locally: the WebSocket handshake, the `hello` Slack sends first, pings and pongs.

Enough for the real slack-sdk client to connect and stay connected; events are not
pushed here (the HTTP tests send those), but every connection is recorded.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import threading
from contextlib import suppress

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455's fixed key suffix
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


class LocalSocketMode:
    """Accepts Socket Mode connections on 127.0.0.1 for tickets that apps.connections.open handed out."""

    def __init__(self, app_id: str = "A0SQUEAKY") -> None:
        self.app_id = app_id
        self.tickets: set[str] = set()
        self.connections: list[str] = []  # the ticket of every connection that said hello
        self.lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", 0))
        self._stopping = threading.Event()
        threading.Thread(target=self._accept, name="socket-mode", daemon=True).start()

    @property
    def url(self) -> str:
        """The ws:// base address (Slack's is wss://wss-primary.slack.com)."""
        return f"ws://127.0.0.1:{self._server.getsockname()[1]}"

    def link(self, ticket: str) -> str:
        """The address apps.connections.open answers, for one ticket."""
        with self.lock:
            self.tickets.add(ticket)
        return f"{self.url}/link/?ticket={ticket}&app_id={self.app_id}"

    def stop(self) -> None:
        """Stop accepting connections."""
        self._stopping.set()
        self._server.close()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn, suppress(OSError, ConnectionError):
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 8192:
                chunk = conn.recv(1024)
                if not chunk:
                    return
                head += chunk
            lines = head.decode("latin-1").split("\r\n")
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
            ticket = lines[0].split("ticket=", 1)[-1].split("&", 1)[0].split(" ", 1)[0]
            with self.lock:
                known = ticket in self.tickets
            if not known or headers.get("upgrade", "").lower() != "websocket":
                conn.sendall(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n")
                return
            digest = hashlib.sha1((headers["sec-websocket-key"] + _GUID).encode(), usedforsecurity=False).digest()
            accept = base64.b64encode(digest)  # RFC 6455 names SHA-1 here
            conn.sendall(
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
            )
            hello = {"type": "hello", "num_connections": 1, "connection_info": {"app_id": self.app_id}}
            _send(conn, TEXT, json.dumps(hello).encode())
            with self.lock:
                self.connections.append(ticket)
            while not self._stopping.is_set():
                opcode, payload = _receive(conn)
                if opcode == PING:
                    _send(conn, PONG, payload)
                elif opcode == CLOSE:
                    _send(conn, CLOSE, payload[:2])
                    return


def _send(conn: socket.socket, opcode: int, payload: bytes) -> None:
    """A server frame: final, unmasked."""
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x80 | opcode, size)
    elif size < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 126, size)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 127, size)
    conn.sendall(header + payload)


def _exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def _receive(conn: socket.socket) -> tuple[int, bytes]:
    """A client frame (clients always mask)."""
    first, second = _exactly(conn, 2)
    size = second & 0x7F
    if size == 126:
        size = struct.unpack("!H", _exactly(conn, 2))[0]
    elif size == 127:
        size = struct.unpack("!Q", _exactly(conn, 8))[0]
    mask = _exactly(conn, 4) if second & 0x80 else b"\0\0\0\0"
    payload = bytes(b ^ mask[n % 4] for n, b in enumerate(_exactly(conn, size)))
    return first & 0x0F, payload
