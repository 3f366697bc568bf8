"""A body the browser damaged gets an accurate answer, and whatever can be read comes back."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.conftest import Network, csrf_token


def test_an_invalid_utf8_byte_keeps_the_rest_of_the_story(
    client: FlaskClient, network: Network
) -> None:
    token = csrf_token(client, "/en/followup")
    body = (
        f"csrf_token={token}&step=details&country=BR&narrative=They took my syringes caf\xe9"
    ).encode("latin-1")
    response = client.post(
        "/en/report", data=body, content_type="application/x-www-form-urlencoded"
    )
    page = response.get_data(as_text=True)
    assert "Some letters could not be read. Please type them again." in page
    assert "They took my syringes caf" in page
    assert "open for a long time" not in page


def test_a_cut_off_upload_is_answered_as_cut_off(client: FlaskClient, network: Network) -> None:
    token = csrf_token(client, "/en/followup")
    body = (
        b'--XX\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        + token.encode()
        + b'\r\n--XX\r\nContent-Disposition: form-data; name="narrative"\r\n\r\nThey came at night'
    )
    response = client.post("/es/report", data=body, content_type="multipart/form-data; boundary=XX")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "open for a long time" not in page and "abierta mucho tiempo" not in page
    assert '<html lang="es"' in page
    assert "nothing was saved" in page.lower() or "no se guardó nada" in page.lower()
