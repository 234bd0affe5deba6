"""The attorney pages' words for the values they show. Attorneys read about a client as staff
read about a person, so the pages use the staff console's words ("Date of birth",
"Requested"), not the "your ..." sentences a person reads about themselves: one mapping, one
translation, and tests/test_staff_words.py checks every value has its word."""

from __future__ import annotations

from portal.web.staff.people import staff_time
from portal.web.staff.words import CATEGORY_WORDS, CONTACT_CHANNEL_WORDS, CUSTODY_WORDS, REMEDY_STATUS_WORDS

# What every attorney page may use.
HELPERS = {"category_names": CATEGORY_WORDS, "channel_names": CONTACT_CHANNEL_WORDS, "custody_names": CUSTODY_WORDS,
           "remedy_status_names": REMEDY_STATUS_WORDS, "staff_time": staff_time}
