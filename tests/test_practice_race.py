"""A disconnect racing a practitioner's reads (PRODUCT.md section 13): the patient ends the
connection while the practitioner's requests keep coming, over real HTTP with a threaded
server; every read that starts after the disconnect answered is refused (SQLite and
PostgreSQL, whichever the suite runs on)."""

import http.client
import threading
import time
from urllib.parse import urlsplit

from helpers import Api, connect, entry_body, register, register_practitioner, serving

READ_FOR_SECONDS = 0.6


def cookie_of(client):
    """The test client's session cookie, as a Cookie header."""
    return f"session={client.get_cookie('session').value}"


def test_the_read_after_a_disconnect_is_refused(app):
    patient = app.test_client()
    assert register(patient).status_code == 303
    practitioner = app.test_client()
    assert register_practitioner(practitioner).status_code == 303
    patient_api, practitioner_api = Api(patient), Api(practitioner)
    patient_api.post("/entries", entry_body())
    member = connect(patient_api, practitioner_api)
    paths = [
        f"/api/v1/practice/patients/{member['id']}/trends",
        f"/practice/patients/{member['id']}",
    ]
    reads, disconnected_at, stop = [], [], threading.Event()

    with serving(app) as url:
        address = urlsplit(url)

        def read(path):
            connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
            headers = {"Cookie": cookie_of(practitioner)}
            while not stop.is_set():
                started = time.monotonic()
                connection.request("GET", path, headers=headers)
                answer = connection.getresponse()
                answer.read()
                reads.append((started, path, answer.status, answer.getheader("Cache-Control")))
            connection.close()

        readers = [threading.Thread(target=read, args=(path,)) for path in paths]
        for reader in readers:
            reader.start()
        time.sleep(READ_FOR_SECONDS / 2)
        token = patient_api.token()
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
        connection.request(
            "DELETE",
            f"/api/v1/care-team/{member['id']}",
            headers={"Cookie": cookie_of(patient), "X-CSRFToken": token},
        )
        assert connection.getresponse().status == 204
        disconnected_at.append(time.monotonic())
        time.sleep(READ_FOR_SECONDS / 2)
        stop.set()
        for reader in readers:
            reader.join()

    before = [status for started, _, status, _ in reads if started < disconnected_at[0]]
    after = [(path, status) for started, path, status, _ in reads if started > disconnected_at[0]]
    assert 200 in before, "the reads did not overlap the connection"
    assert after, "no read came after the disconnect"
    assert {status for _, status in after} == {404}, after
    assert {cache for *_, cache in reads} == {"no-store"}
