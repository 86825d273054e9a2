#!/usr/bin/env python3
"""A real SMTP server for the delivery tests: aiosmtpd on 127.0.0.1.

Every message it accepts is written, as received, to a file of its own in --dir (written under a
temporary name, then renamed, so a reader never sees half a message). Plain, STARTTLS (required)
or implicit TLS, with a certificate the test made; optional AUTH PLAIN/LOGIN with one user.

Prints "READY <port>" on stdout once it listens (port 0 picks a free one), and stops on SIGTERM
or SIGINT. Run by tests/src/smtp_server.rs from the virtualenv the Makefile makes (tests/.venv).
"""

import argparse
import asyncio
import os
import signal
import ssl
import sys
import time

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Saver:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        name = f"{time.time_ns():020d}-{self.count:06d}"
        tmp = os.path.join(self.folder, name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(tmp, os.path.join(self.folder, name + ".eml"))
        return "250 2.0.0 Message accepted for delivery"


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        return AuthResult(success=ok, handled=False)

    return check


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--dir", required=True)
    p.add_argument("--security", choices=["plain", "starttls", "tls"], default="plain")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--user")
    p.add_argument("--password")
    a = p.parse_args()

    context = None
    if a.security != "plain":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(a.cert, a.key)

    handler = Saver(a.dir)
    login = a.user is not None

    def factory():
        return SMTP(
            handler,
            hostname="pedalwrencher-test-smtp",
            tls_context=context if a.security == "starttls" else None,
            require_starttls=a.security == "starttls",
            authenticator=authenticator(a.user, a.password) if login else None,
            auth_required=login,
            # Implicit TLS is encrypted from the start; plain is for loopback tests only.
            auth_require_tls=a.security == "starttls",
        )

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        factory,
        host="127.0.0.1",
        port=a.port,
        ssl=context if a.security == "tls" else None,
    )
    port = server.sockets[0].getsockname()[1]
    print(f"READY {port}", flush=True)

    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()
    await server.wait_closed()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
