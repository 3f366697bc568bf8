"""Follow-up pages. The receipt travels in the page (never in a cookie or a URL)."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import abort, render_template, request
from werkzeug.wrappers import Response

from reporter import crypto, flood
from reporter.context import current_settings
from reporter.db import get_session
from reporter.flood import Verdict
from reporter.followup.forms import ReceiptForm, ReplyForm, WithdrawForm
from reporter.followup.service import (
    ReceiptNotFound,
    Thread,
    ThreadClosed,
    add_reporter_message,
    open_thread,
    reload_thread,
    withdraw_report,
)
from reporter.forms import check_files, csrf_expired
from reporter.public.language import public_blueprint
from reporter.reports.service import ReceiptSecrets
from reporter.security import compress

blueprint = public_blueprint("followup", __name__)


def _reply_form(formdata: object = None, **data: object) -> ReplyForm:
    return ReplyForm(formdata=formdata, text_max=current_settings().narrative_max_chars, **data)


def _thread_page(
    thread: Thread,
    receipt: str,
    reply_form: ReplyForm | None = None,
    file_errors: list[str] | None = None,
    notice: str = "",
) -> str:
    reply_form = reply_form or _reply_form()
    reply_form.receipt.data = receipt
    withdraw_form = WithdrawForm()
    withdraw_form.receipt.data = receipt
    return render_template(
        "public/followup_thread.html",
        thread=thread,
        reply_form=reply_form,
        withdraw_form=withdraw_form,
        file_errors=file_errors or [],
        notice=notice,
        expired=csrf_expired(reply_form),
        max_attachments=current_settings().max_attachments,
        max_attachment_mb=current_settings().max_attachment_mb,
    )


def _with_thread(
    receipt: str, action: Callable[[Thread], str | Response]
) -> tuple[str, int] | str | Response:
    """Open the thread, taking the same minimum time whether or not the receipt exists."""
    started = time.monotonic()
    try:
        thread = open_thread(
            get_session(), receipt, ReceiptSecrets.from_settings(current_settings())
        )
    except (ReceiptNotFound, crypto.InvalidReceiptFormat, crypto.DecryptionFailed) as error:
        thread = None
        failure = error
    remaining = current_settings().receipt_min_seconds - (time.monotonic() - started)
    if remaining > 0:
        time.sleep(remaining)
    if thread is None:
        form = ReceiptForm(formdata=None)
        wrong_format = isinstance(failure, crypto.InvalidReceiptFormat)
        return render_template(
            "public/followup_login.html",
            form=form,
            not_found=not wrong_format,
            wrong_format=wrong_format,
        ), 400 if wrong_format else 404
    return action(thread)


def _well_formed_receipt(text: str) -> str | None:
    try:
        return crypto.normalise_receipt(text)
    except crypto.InvalidReceiptFormat:
        return None


def _posted_receipt() -> str:
    """The receipt a thread page carries in its forms; only a forged or broken page lacks it."""
    receipt = _well_formed_receipt(request.form.get("receipt", ""))
    if receipt is None:
        abort(400)
    return receipt


@blueprint.get("/followup")
@compress.compressed()
def login() -> str:
    return render_template("public/followup_login.html", form=ReceiptForm())


@blueprint.post("/followup")
def show() -> tuple[str, int] | str | Response:
    form = ReceiptForm(request.form)
    if not form.validate():
        return render_template(
            "public/followup_login.html", form=form, expired=csrf_expired(form)
        ), 400
    receipt = _well_formed_receipt(form.receipt.data)
    if receipt is None:
        return render_template("public/followup_login.html", form=form, wrong_format=True), 400
    verdict = flood.spend("receipt")
    if not verdict.allowed:
        return render_template("public/followup_login.html", form=form, too_many=verdict), 429
    return _with_thread(receipt, lambda thread: _thread_page(thread, receipt))


def _reply_kept(form: ReplyForm, status: int, too_many: Verdict | None = None) -> tuple[str, int]:
    """The typed message back in a fresh form, without opening the thread (no receipt work)."""
    return render_template(
        "public/followup_reply_kept.html",
        form=_reply_form(formdata=None, text=form.text.data, receipt=form.receipt.data),
        expired=too_many is None,
        too_many=too_many,
    ), status


@blueprint.post("/followup/reply")
def reply() -> tuple[str, int] | str | Response:
    form = _reply_form(request.form)
    receipt = _posted_receipt()
    form_valid = form.validate()
    if csrf_expired(form):
        return _reply_kept(form, 400)
    verdict = flood.spend("receipt")
    if not verdict.allowed:
        return _reply_kept(form, 429, too_many=verdict)

    def act(thread: Thread) -> str:
        settings = current_settings()
        files, file_errors = check_files(
            request.files.getlist(form.attachments.name),
            settings.max_attachments,
            settings.max_attachment_bytes,
        )
        if not form_valid or file_errors:
            return _thread_page(thread, receipt, form, file_errors)
        try:
            add_reporter_message(get_session(), thread, form.text.data.strip(), files)
        except ThreadClosed:
            return _thread_page(thread, receipt)
        return _thread_page(reload_thread(thread), receipt, notice="sent")

    return _with_thread(receipt, act)


@blueprint.post("/followup/withdraw")
def withdraw() -> tuple[str, int] | str | Response:
    form = WithdrawForm(request.form)
    receipt = _posted_receipt()
    if not form.validate():
        # An expired page: ask again, with a fresh token, before anything is done.
        return render_template(
            "public/followup_withdraw.html", form=WithdrawForm(), receipt=receipt, expired=True
        ), 400
    verdict = flood.spend("receipt")
    if not verdict.allowed:
        return render_template(
            "public/followup_withdraw.html", form=form, receipt=receipt, too_many=verdict
        ), 429

    def act(thread: Thread) -> str:
        if form.confirm.data != "yes":
            return render_template("public/followup_withdraw.html", form=form, receipt=receipt)
        withdraw_report(get_session(), thread)
        return _thread_page(thread, receipt, notice="withdrawn")

    return _with_thread(receipt, act)
