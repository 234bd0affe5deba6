"""The agency staff console, at /staff. Every page needs a signed-in staff member (password
and TOTP code) whose role has the page's capability, except the sign-in pages themselves.

Adding a section to the navigation and the home page is one entry in SECTIONS. A section
shows only once its endpoint exists, and only to roles its view lets in: the capability is
read from the view's own `@staff_required(...)`, so the menu can never offer a page that
would refuse."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from portal.models import StaffRole, StaffUser
from portal.services.staff import can

blueprint = Blueprint("staff", __name__, url_prefix="/staff")


@dataclass(frozen=True)
class Section:
    """A part of the console: its index page (an endpoint without URL arguments), its name
    in the navigation, and one sentence for the home page."""

    endpoint: str
    title: LazyString
    summary: LazyString | None = None


SECTIONS: list[Section] = [
    Section("staff.home", _l("Home")),  # listed in the navigation, not on the home page itself
    Section("staff.people", _l("People"), _l("Find a person in the list: what was exposed, and their requests.")),
    Section("staff.queues_home", _l("Queues"), _l("Requests waiting for staff, oldest first.")),
    Section("staff.campaigns_list", _l("Campaigns"), _l("Write text message notices and watch them go out.")),
    Section("staff.campaign_approvals", _l("Approvals"), _l("Campaigns waiting for a second person to approve them.")),
    Section("staff.letters", _l("Letters"), _l("Notices by post: create a batch, have it approved, print it.")),
]

ROLE_NAMES = {
    StaffRole.VIEWER: _l("Viewer"),
    StaffRole.CASEWORKER: _l("Caseworker"),
    StaffRole.NOTIFIER: _l("Notifier"),
    StaffRole.APPROVER: _l("Approver"),
    StaffRole.ADMIN: _l("Administrator"),
}


def sections_for(user: StaffUser | None) -> list[Section]:
    """The sections this staff member's role may open, in SECTIONS order; none when signed out."""
    if user is None:
        return []
    return [section for section in SECTIONS if _opens_for(section.endpoint, user.role)]


def _opens_for(endpoint: str, role: StaffRole) -> bool:
    access = auth.staff_access_of(current_app.view_functions.get(endpoint))
    return access is not None and access.allows(role)


def staff_may(capability: str) -> bool:
    """Whether the signed-in staff member's role has this capability (False when signed
    out): what a page offers, beyond the capability its view already required."""
    user = auth.current_staff()
    return user is not None and can(user.role, capability)


def role_name(role: StaffRole) -> str:
    return str(ROLE_NAMES[StaffRole(role)])


def _refuse_views_without_declared_access() -> None:
    """Deny by default: a staff view that forgot its access decorator opens for no one."""
    if auth.staff_access_of(current_app.view_functions.get(request.endpoint or "")) is None:
        abort(403)


def _console_context() -> dict[str, object]:
    # Only a session the request already looked up: rendering must never write (the lookup
    # commits its "last seen" time, and a view may hold changes it has not committed).
    user = auth.current_staff() if "staff_session" in g else None
    return {"staff_user": user, "staff_sections": sections_for(user), "role_name": role_name}


from portal.web.staff import (  # noqa: E402,F401  (register the routes)
    account,
    attorney_documents,
    auth,
    campaign_test_form,
    campaigns,
    home,
    letters,
    people,
    queues,
)

blueprint.before_request(_refuse_views_without_declared_access)
blueprint.context_processor(_console_context)
