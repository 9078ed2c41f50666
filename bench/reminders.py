"""``flask reminders send`` under load (PRODUCT.md section 16): N due reminders, a local push
service answering each message in 50 ms, two senders started at once. Reports the wall time
until both have exited and whether every reminder was delivered exactly once.

Run alone: ``.venv/bin/python -m bench.reminders [COUNT]`` (default 10,000).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .push_service import PushService, b64url

ROOT = Path(__file__).resolve().parent.parent
FLASK = Path(sys.executable).with_name("flask")
DUE = datetime(2026, 3, 2, 19, 0, tzinfo=UTC)  # 20:00 in Berlin
SENDERS = 2
PUSH_DELAY_S = 0.05


def _vapid_key():
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    return b64url(key.private_numbers().private_value.to_bytes(32, "big"))


def _environment(database_url, service, vapid_key):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("FLASK_") and key != "DATABASE_URL"
    }
    env.update(
        DATABASE_URL=database_url,
        FLASK_APP="diary",
        FLASK_SECRET_KEY="bench-reminders",  # noqa: S106 - a throwaway database
        FLASK_PUBLIC_URL="http://127.0.0.1:5000",
        FLASK_VAPID_PRIVATE_KEY=vapid_key,
        FLASK_PUSH_ALLOWED_HOSTS=service.origin,
    )
    return env


def _fill(database_url, service, count):
    """``count`` patients in Berlin, each with a 20:00 reminder and one push subscription."""
    from sqlalchemy import create_engine, insert

    from diary.models import PushSubscription, Reminder, User

    made = DUE - timedelta(days=1)
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            insert(User),
            [
                {
                    "id": number + 1,
                    "email": f"r{number}@bench.example",
                    "password_hash": "-",
                    "display_name": "",
                    "timezone": "Europe/Berlin",
                    "session_nonce": f"n{number}",
                    "created_at": made,
                    "password_changed_at": made,
                    "data_tag": "",
                    "entry_count": 0,
                    "session_count": 0,
                    "reminder_emails_off": False,
                }
                for number in range(count)
            ],
        )
        connection.execute(
            insert(Reminder),
            [
                {
                    "id": f"00000000-0000-4000-8000-{number:012d}",
                    "user_id": number + 1,
                    "kind": "log",
                    "local_time": "20:00",
                    "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                    "channels": ["push"],
                    "enabled": True,
                    "created_at": made,
                    "updated_at": made,
                }
                for number in range(count)
            ],
        )
        endpoints = []
        rows = []
        for number in range(count):
            subscription = service.subscription()
            endpoints.append(subscription["endpoint"])
            rows.append(
                {
                    "user_id": number + 1,
                    "endpoint": subscription["endpoint"],
                    "p256dh": subscription["keys"]["p256dh"],
                    "auth": subscription["keys"]["auth"],
                    "created_at": made,
                }
            )
        connection.execute(insert(PushSubscription), rows)
    engine.dispose()
    return endpoints


def measure(count=10_000, delay=PUSH_DELAY_S):
    """Run the measurement; a dict of figures (``seconds`` is None when a sender failed)."""
    folder = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
    try:
        database_url = f"sqlite:///{folder / 'diary.sqlite'}"
        vapid_key = _vapid_key()
        with PushService(delay=delay) as service:
            env = _environment(database_url, service, vapid_key)
            subprocess.run(  # noqa: S603 - the project's own CLI
                [str(FLASK), "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True
            )
            endpoints = _fill(database_url, service, count)
            from py_vapid import Vapid

            from diary.services.push import public_key_of

            service.app_public_key = public_key_of(Vapid.from_string(vapid_key))
            at = (DUE + timedelta(minutes=1)).isoformat()
            started = time.perf_counter()
            senders = [
                subprocess.Popen(  # noqa: S603 - the project's own CLI
                    [str(FLASK), "reminders", "send", "--at", at],
                    env=env,
                    cwd=ROOT,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for _ in range(SENDERS)
            ]
            outputs = [sender.communicate(timeout=600) for sender in senders]
            seconds = time.perf_counter() - started
            received = Counter(message.subscription for message in service.messages)
            per_endpoint = [received[endpoint.rsplit("/", 1)[-1]] for endpoint in endpoints]
            failed = [sender.returncode for sender in senders if sender.returncode != 0]
            return {
                "reminders": count,
                "senders": SENDERS,
                "push_delay_ms": round(delay * 1000),
                "seconds": None if failed else round(seconds, 2),
                "delivered_once": sum(1 for n in per_endpoint if n == 1),
                "duplicated": sum(1 for n in per_endpoint if n > 1),
                "missing": sum(1 for n in per_endpoint if n == 0),
                "push_service_errors": service.errors[:5],
                "sender_output": [out.strip().splitlines()[-1:] for out, _ in outputs],
                "sender_errors": [err.strip().splitlines()[-3:] for _, err in outputs if err],
            }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    figures = measure(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
    print(json.dumps(figures, indent=2))
