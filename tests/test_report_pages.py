"""The reporter's path: one question per page, check your answers, one idempotent send."""

from __future__ import annotations

import re
from io import BytesIO
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from reporter import crypto
from reporter.reports.models import Case, Report
from reporter.reports.service import open_report, receipt_keys, submit_report
from tests.conftest import Network, receipt_of, receipt_secrets_for
from tests.media import mp3_with_tags
from tests.walk import carried, heading, page_key, step

STORY = "Two officers took my syringes at the bus station and asked for money."


def _reports(db: Session) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(Report)) or 0


def _pending_receipt(response: TestResponse) -> str:
    page = response.get_data(as_text=True)
    block = page[page.index('class="receipt pending"') :]
    groups = re.findall(r'<span class="group">([0-9]{4})</span>', block[: block.index("</p>")])
    assert len(groups) == 4
    return " ".join(groups)


def _to_check(client: FlaskClient, language: str = "en", **extra: Any) -> TestResponse:
    """The minimal path up to "Check your answers": the story, the country, "check now"."""
    story = client.get(f"/{language}/report")
    country = step(client, story, language=language, narrative=STORY)
    more = step(client, country, language=language, country=extra.pop("country", "BR"))
    return step(client, more, "check", language=language, **extra)


def test_the_story_comes_first_and_the_page_says_what_is_required(
    client: FlaskClient, network: Network
) -> None:
    story = client.get("/en/report")
    page = story.get_data(as_text=True)
    assert page_key(story) == "story"
    assert heading(story) == "What happened? Tell it in your own words."
    assert "<title>What happened? Tell it in your own words. · " in page
    assert "Question 1 of 10" in page
    assert "Only two questions are needed: this one and the country." in page
    # Required: no way to skip it, and no way back from the first page.
    assert 'value="skip"' not in page and 'value="back"' not in page


def test_minimal_path_sends_the_story_and_country_alone(
    client: FlaskClient, network: Network, db: Session
) -> None:
    story = client.get("/en/report")
    country = step(client, story, narrative=STORY)
    assert page_key(country) == "country"
    assert "Question 2 of 10" in country.get_data(as_text=True)
    more = step(client, country, country="BR")
    assert page_key(more) == "more"
    check = step(client, more, "check")
    page = check.get_data(as_text=True)
    assert page_key(check) == "check"
    assert STORY in page and "Brazil" in page
    receipt = _pending_receipt(check)
    assert _reports(db) == 0, "nothing is stored before Send"
    sent = step(client, check, "send")
    assert receipt_of(sent) == receipt
    assert _reports(db) == 1
    report = db.scalars(select(Report)).one()
    content = open_report(db, report, network.brazil, network.key(network.brazil))
    assert content.narrative == STORY and content.country == "BR"
    assert content.violations == [] and content.relation == "" and content.incident_year is None
    assert content.share_with_network is False and content.allow_replies is True


def test_a_country_left_unsaid_goes_to_the_regional_network(
    client: FlaskClient, network: Network, db: Session
) -> None:
    check = _to_check(client, country="ZZ")
    assert "I would rather not say" in check.get_data(as_text=True)
    receipt_of(step(client, check, "send"))
    report = db.scalars(select(Report)).one()
    cases = db.scalars(select(Case).where(Case.report_id == report.id)).all()
    assert [case.organisation_id for case in cases] == [network.network.id]
    assert open_report(db, report, network.network, network.key(network.network)).country == ""


def test_every_optional_question_can_be_skipped_and_progress_is_in_words(
    client: FlaskClient, network: Network
) -> None:
    more = step(client, step(client, client.get("/en/report"), narrative=STORY), country="BR")
    response = step(client, more, "next")
    seen = []
    while page_key(response) != "check":
        page = response.get_data(as_text=True)
        seen.append((page_key(response), re.search(r"Question (\d+) of 10", page).group(1)))  # type: ignore[union-attr]
        if page_key(response) == "sharing":
            # Who may see the report has answers by default: no "Skip" to undo a choice.
            assert 'value="skip"' not in page
            response = step(client, response, "next")
            continue
        assert 'value="skip"' in page, f"{page_key(response)} cannot be skipped"
        response = step(client, response, "skip")
    assert seen == [
        ("what", "3"),
        ("when", "4"),
        ("where", "5"),
        ("who_did", "6"),
        ("who_to", "7"),
        ("protection", "8"),
        ("sharing", "9"),
        ("contact", "10"),
    ]


def test_kinds_chosen_lead_to_their_details_only(
    client: FlaskClient, network: Network, db: Session
) -> None:
    more = step(client, step(client, client.get("/en/report"), narrative=STORY), country="BR")
    what = step(client, more, "next")
    police = step(client, what, violation_groups=["policing", "health_services"])
    assert page_key(police) == "what-policing"
    assert "Police" in police.get_data(as_text=True)
    health = step(client, police, violations=["extortion_bribe"])
    assert page_key(health) == "what-health_services"
    when = step(client, health, violations=["denial_oat"])
    assert page_key(when) == "when"
    assert carried(when).getlist("violations") == ["extortion_bribe", "denial_oat"]
    # Back to the kinds, health care no longer chosen: its details go with it.
    kinds = step(client, step(client, step(client, when, "back"), "back"), "back")
    assert page_key(kinds) == "what"
    again = step(client, kinds, violation_groups=["policing"])
    assert page_key(again) == "what-policing"
    assert carried(again).getlist("violations") == []
    assert 'value="extortion_bribe" checked' in again.get_data(as_text=True)


def test_change_on_check_answers_comes_back_there_with_the_same_receipt(
    client: FlaskClient, network: Network
) -> None:
    check = _to_check(client)
    receipt = _pending_receipt(check)
    when = step(client, check, "change:when")
    assert page_key(when) == "when"
    assert carried(when).get("return_to") == "check"
    back_at_check = step(client, when, incident_year="2025", incident_month="3")
    assert page_key(back_at_check) == "check"
    assert "March 2025" in back_at_check.get_data(as_text=True)
    assert _pending_receipt(back_at_check) == receipt


def test_switching_language_keeps_every_answer(client: FlaskClient, network: Network) -> None:
    country = step(client, client.get("/en/report"), narrative=STORY)
    where = step(client, step(client, country, country="BR"), "goto:where")
    switched = step(client, where, "stay", language="es", city="Campinas")
    page = switched.get_data(as_text=True)
    assert '<html lang="es"' in page and page_key(switched) == "where"
    assert carried(switched).get("narrative") == STORY
    assert 'value="Campinas"' in page


def test_errors_follow_the_govuk_pattern(client: FlaskClient, network: Network) -> None:
    response = step(client, client.get("/en/report"), narrative="   ")
    page = response.get_data(as_text=True)
    assert page_key(response) == "story"
    assert "<title>Error: What happened?" in page
    summary = page[page.index('class="error-summary"') :]
    assert summary.index("There is a problem") < summary.index('href="#narrative"')
    assert page.index('class="error-summary"') < page.index("<h1>")
    assert 'id="narrative-error"' in page
    textarea = re.search(r"<textarea[^>]*>", page).group(0)  # type: ignore[union-attr]
    assert 'aria-invalid="true"' in textarea
    assert 'aria-describedby="narrative-hint narrative-error"' in textarea
    assert '<span class="visually-hidden">Error:</span>' in page
    # A group of options links to its first option.
    when = step(client, _to_check(client), "change:when")
    bad = step(client, when, incident_day="30", incident_month="2", incident_year="2025")
    assert 'href="#incident_day"' in bad.get_data(as_text=True)
    assert "This date does not exist." in bad.get_data(as_text=True)


def test_a_kind_chosen_without_detail_is_kept(
    client: FlaskClient, network: Network, db: Session
) -> None:
    more = step(client, step(client, client.get("/en/report"), narrative=STORY), country="BR")
    details = step(client, step(client, more, "next"), violation_groups=["non_state_violence"])
    check = step(client, step(client, details, "skip"), "check")
    assert "Violence by other people" in check.get_data(as_text=True)
    receipt_of(step(client, check, "send"))
    report = db.scalars(select(Report)).one()
    content = open_report(db, report, network.brazil, network.key(network.brazil))
    assert content.violations == [] and content.kinds_without_detail() == ["non_state_violence"]


def test_reasons_for_not_asking_go_when_the_person_did_ask(
    client: FlaskClient, network: Network, db: Session
) -> None:
    check = _to_check(client, sought_protection="yes", reasons_not=["cost"])
    assert "It costs too much" not in check.get_data(as_text=True)
    receipt_of(step(client, check, "send"))
    report = db.scalars(select(Report)).one()
    content = open_report(db, report, network.brazil, network.key(network.brazil))
    assert (content.sought_protection, content.reasons_not) == ("yes", [])


def test_after_sending_its_pages_posted_again_show_nothing(
    client: FlaskClient, network: Network, db: Session
) -> None:
    country = step(client, client.get("/en/report"), narrative=STORY)
    more = step(client, country, country="BR")
    check = step(client, more, "check")
    receipt = _pending_receipt(check)
    receipt_of(step(client, check, "send"))
    # Someone else on a shared phone goes back through the history: no story, no receipt.
    for page, action in ((more, "check"), (country, "next"), (check, "change:story")):
        again = step(client, page, action)
        html = again.get_data(as_text=True)
        assert "This report was already sent" in html
        assert STORY not in html and receipt.split()[0] not in html
    # Only the keyed hash of the draft id is kept, never the id.
    from reporter.reports.models import SentDraft

    [mark] = db.scalars(select(SentDraft)).all()
    assert carried(check)["draft"].encode() not in mark.tag


def test_a_resend_of_the_same_report_is_stored_once(
    client: FlaskClient, network: Network, db: Session
) -> None:
    check = _to_check(client)
    first = step(client, check, "send")
    again = step(client, check, "send")
    assert receipt_of(first) == receipt_of(again) == _pending_receipt(check)
    assert "We had already received this report" in again.get_data(as_text=True)
    assert _reports(db) == 1


def test_a_resend_after_the_sent_marks_were_purged_is_still_stored_once(
    client: FlaskClient, network: Network, db: Session
) -> None:
    from sqlalchemy import delete

    from reporter.reports.models import SentDraft

    check = _to_check(client)
    first = step(client, check, "send")
    # `reporter purge` removes the marks after 30 days; the receipt's own lookup remains.
    db.execute(delete(SentDraft))
    db.commit()
    again = step(client, check, "send")
    assert receipt_of(first) == receipt_of(again)
    assert "We had already received this report" in again.get_data(as_text=True)
    assert _reports(db) == 1


def test_two_racing_copies_of_one_report_store_one(
    app: Flask, network: Network, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reporter.reports import service
    from tests.conftest import report_fields  # noqa: F401  (keeps the fixture module loaded)

    with app.test_request_context():
        secrets = receipt_secrets_for(app)
        receipt = crypto.new_receipt()
        keys = receipt_keys(db, receipt, secrets)
        content = _content()
        submit_report(db, content, [], secrets, issued=(receipt, keys))
        db.commit()
        # The second copy checked before the first was stored: the database's unique lookup
        # refuses it, and it is recognised as the same report.
        real = service.report_with_lookup
        calls = iter([None])
        monkeypatch.setattr(service, "report_with_lookup", lambda s, k: next(calls, real(s, k)))
        second = submit_report(db, _content(), [], secrets, issued=(receipt, keys))
        db.commit()
    assert second.resent
    assert _reports(db) == 1


def _content() -> Any:
    from tests.factories import content

    return content(violations=[], incident_year=None, perpetrators=[], relation="", narrative=STORY)


def test_a_receipt_of_ones_own_choosing_is_never_used(
    client: FlaskClient, network: Network, db: Session
) -> None:
    check = _to_check(client)
    chosen = step(client, check, "send", receipt="1234123412341234")
    assert receipt_of(chosen) == _pending_receipt(check) != "1234 1234 1234 1234"
    # A draft name that this server did not make: shown a fresh one first, nothing sent.
    forged = step(client, check, "send", draft="1234123412341234")
    assert page_key(forged) == "check" and carried(forged)["draft"] != "1234123412341234"
    assert _reports(db) == 1


def test_every_copy_of_the_check_page_shows_the_same_receipt(
    client: FlaskClient, network: Network
) -> None:
    country = step(client, client.get("/en/report"), narrative=STORY)
    more = step(client, country, country="BR")
    # A repeated post (Back, then "Confirm form resubmission") makes the same page again.
    assert _pending_receipt(step(client, more, "check")) == _pending_receipt(
        step(client, more, "check")
    )


def test_an_expired_page_keeps_the_answers_and_sends_nothing(
    client: FlaskClient, network: Network, db: Session
) -> None:
    check = _to_check(client)
    expired = step(client, check, "send", csrf_token="expired")
    assert expired.status_code == 400
    page = expired.get_data(as_text=True)
    assert "This page was open for a long time" in page
    assert carried(expired).get("narrative") == STORY
    assert _pending_receipt(expired) == _pending_receipt(check)
    assert _reports(db) == 0
    receipt_of(step(client, expired, "send"))
    assert _reports(db) == 1


def test_a_written_story_needs_no_recording_even_if_one_was_promised(
    client: FlaskClient, network: Network, db: Session
) -> None:
    country = step(client, client.get("/en/report"), narrative=STORY, voice_story="y")
    check = step(client, step(client, country, country="BR"), "check")
    assert "I will add a voice recording below." in check.get_data(as_text=True)
    receipt_of(step(client, check, "send", files=[]))
    assert _reports(db) == 1


def test_a_voice_recording_can_tell_the_story(
    client: FlaskClient, network: Network, db: Session
) -> None:
    story = client.get("/en/report")
    country = step(client, story, narrative="", voice_story="y")
    assert page_key(country) == "country"
    check = step(client, step(client, country, country="BR"), "check")
    assert "I will add a voice recording below." in check.get_data(as_text=True)
    missing = step(client, check, "send", files=[])
    assert "You chose to add a voice recording" in missing.get_data(as_text=True)
    assert _reports(db) == 0
    sent = step(client, missing, "send", files=[(BytesIO(mp3_with_tags()), "story.mp3")])
    receipt_of(sent)
    report = db.scalars(select(Report)).one()
    assert report.attachment_count == 1


def _files_section_open(response: TestResponse) -> bool:
    opening = re.search(r'<details class="files"( open)?>', response.get_data(as_text=True))
    assert opening, "the check page has its files section"
    return opening.group(1) is not None


def test_the_files_section_opens_when_the_person_needs_it(
    client: FlaskClient, network: Network, db: Session
) -> None:
    # Folded by default: most reports have no file, and the page stays short on a phone.
    check = _to_check(client)
    assert not _files_section_open(check)
    # Open for a person who promised a recording, and after any problem with the files.
    country = step(client, client.get("/en/report"), narrative="", voice_story="y")
    promised = step(client, step(client, country, country="BR"), "check")
    assert _files_section_open(promised)
    missing = step(client, promised, "send", files=[])
    assert "You chose to add a voice recording" in missing.get_data(as_text=True)
    assert _files_section_open(missing)
    expired = step(client, check, "send", csrf_token="expired")
    assert _files_section_open(expired)
    assert _reports(db) == 0
