"""The SMS texts the portal writes itself, in every language: at most two segments, and
nothing in them about the person, the file or asylum."""

from __future__ import annotations

import pytest

from portal.i18n import SUPPORTED_LOCALES
from portal.messaging.segments import GSM7, UCS2, SmsLength, measure
from portal.services.code_delivery import one_time_code_message

CODE = "482913"
SMS_TEXTS = {"one-time code": lambda locale: one_time_code_message(CODE, locale)}
SENSITIVE_ENGLISH = ("asylum", "protection", "deport", "detention", "immigration", "file", "leak", "A-number")


@pytest.mark.parametrize(("text", "encoding", "units", "segments"), [
    ("Your code is 482913.", GSM7, 20, 1),
    ("x" * 160, GSM7, 160, 1),
    ("x" * 161, GSM7, 161, 2),
    ("€" * 80, GSM7, 160, 1),
    ("x" * 306, GSM7, 306, 2),
    ("x" * 307, GSM7, 307, 3),
    ("Código", UCS2, 6, 1),
    ("ó" * 70, UCS2, 70, 1),
    ("ó" * 71, UCS2, 71, 2),
    ("ó" * 134, UCS2, 134, 2),
    ("😀" * 35, UCS2, 70, 1),
])
def test_encoding_and_segments_follow_gsm_03_38_and_ucs_2(text, encoding, units, segments):
    assert measure(text) == SmsLength(encoding, units, segments)


def test_every_sms_text_fits_in_two_segments_in_every_language(app, capsys):
    rows = []
    with app.app_context():
        for name, render in SMS_TEXTS.items():
            for locale in SUPPORTED_LOCALES:
                text = render(locale)
                length = measure(text)
                rows.append((name, locale, length.encoding, length.units, length.segments))
                assert CODE in text, (name, locale)
                assert length.segments <= 2, (name, locale, text)
                if locale != "en":
                    assert text != render("en"), f"{name} is not translated into {locale}"
    with capsys.disabled():
        print("\nSMS segments per language and text:")
        for name, locale, encoding, units, segments in rows:
            print(f"  {name:14} {locale:8} {encoding:6} {units:4} units  {segments} segment(s)")


def test_the_english_texts_say_nothing_sensitive(app):
    with app.app_context():
        for render in SMS_TEXTS.values():
            text = render("en").lower()
            assert [word for word in SENSITIVE_ENGLISH if word.lower() in text] == []
