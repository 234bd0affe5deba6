from datetime import date

from portal.models import DataCategory, IncidentKind
from portal.services.incidents import add_incident


def test_start_page_explains_what_happened_without_any_lookup(client, db):
    add_incident(
        db, code="2022-11-posting", kind=IncidentKind.PUBLIC_POSTING, occurred_on=date(2022, 11, 28),
        exposure_hours=5, in_custody_on=date(2022, 11, 19), data_categories=[DataCategory.NAME],
    )
    add_incident(
        db, code="2022-12-disclosure", kind=IncidentKind.FOREIGN_GOVERNMENT_DISCLOSURE,
        occurred_on=date(2022, 12, 7), disclosed_to_country="CU", data_categories=[DataCategory.PROTECTION_CLAIM],
    )
    db.commit()

    response = client.get("/")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in page
    assert "November 28, 2022" in page
    assert "about 5 hours" in page
    assert "held by the agency on November 19, 2022" in page
    assert "government of Cuba" in page
