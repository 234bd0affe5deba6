"""The campaign page's "send me a test message" form, and the words for what happened.

The staff member picks one of the campaign's languages, or every language (one message
each). The language they are reading the console in is chosen at first when the campaign
has a text in it, otherwise English (every campaign has an English text). The campaign page
builds the form through `campaign_test_form(campaign)`, given to the staff templates, so the
page and the view offer the same choices."""

from __future__ import annotations

from typing import Any

from babel.lists import format_list
from flask_babel import get_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from portal.i18n import DEFAULT_LOCALE
from portal.models import Campaign
from portal.services.campaign_tests import EVERY_LANGUAGE, CampaignTest, CampaignTestOutcome
from portal.web.forms import PortalForm
from portal.web.staff import blueprint
from portal.web.staff.campaign_forms import language_name

# The flash category of the outcome, which the campaign page shows in its test section.
TEST_RESULT = "campaign-test"


class CampaignTestForm(PortalForm):
    language = SelectField(
        _l("Language of the test message"),
        description=_l("The test goes to your own phone, with the sample code in place of a person's code."),
    )


def campaign_test_form(campaign: Campaign, **options: Any) -> CampaignTestForm:
    """The test form for this campaign, its choices and first answer set (see the module)."""
    locales = list(campaign.templates)
    console = str(get_locale())
    first = console if console in locales else DEFAULT_LOCALE
    form = CampaignTestForm(prefix="test", data={"language": first}, **options)
    form.language.choices = [SelectChoice(locale, language_name(locale)) for locale in locales]
    if len(locales) > 1:
        form.language.choices.append(SelectChoice(EVERY_LANGUAGE, gettext("Every language, one message each")))
    return form


def campaign_test_messages(result: CampaignTest) -> list[str]:
    """What to tell the staff member: what went to their phone, and what did not."""
    messages = []
    if result.sent:
        languages = format_list([language_name(locale) for locale in result.sent], locale=get_locale())
        messages.append(ngettext("We sent the test message to your phone, in %(languages)s.",
                                 "We sent %(num)d test messages to your phone, one each in %(languages)s.",
                                 len(result.sent), languages=languages))
    if result.outcome is CampaignTestOutcome.FAILED:
        messages.append(gettext("The text message service did not take the test message. Try again later."))
    if result.outcome is CampaignTestOutcome.NO_PHONE:
        messages.append(gettext("Nothing was sent: your account has no confirmed mobile phone number."))
    return messages


@blueprint.context_processor
def _test_form_factory() -> dict[str, object]:
    return {"campaign_test_form": campaign_test_form}
